"""Side effects on the caller's arrays, as real submissions write them.

The course's own notebook cells decide which side effects are bugs: a numeric gradient
(``eval_numerical_gradient_array``) perturbs ONE array and calls the forward function again and
again, so a forward pass that writes into its input corrupts every later evaluation and the
course's printed error is about 1 (docs/courses.md §3.4, §3.6, §3.15). Those are mutants here.
A backward pass writing into ``dout`` or into its own cache, or an optimizer updating ``w`` or
its state arrays in place, is invisible to every course cell (the numeric gradient is computed
before backward runs; nothing reads those arrays again): those are equivalents, at most
information. Every call hands the student fresh copies, so the forward bugs are seen only by the
``<function>.input_unchanged`` checks, which compare the worker's arrays after the call (those
of the backward passes exist as information, never in the canonical rubric's points).
"""
from __future__ import annotations

from tests.mutants import Mutant, Patch

L = "layers.py"
F = "optim.py"
NETS = ("fc_net.*", "two_layer_net.*", "solver.*", "training.*", "optim.loss_decreases")

MUTANTS = [
    Mutant("relu_forward_zeroes_input_in_place",
           "relu_forward zeroes the negatives of the caller's array (`x[x < 0] = 0; out = x`): "
           "forward values and every network are right, but the course's relu_backward cell "
           "perturbs that array and prints an error of about 1 (real pattern, reproduced)",
           (Patch(L, "    out = np.maximum(0, x)\n    cache = x\n",
                  "    x[x < 0] = 0\n    out = x\n    cache = x\n"),),
           caught_by=("relu_forward.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
    Mutant("softmax_loss_shifts_scores_in_place",
           "softmax_loss subtracts the row max from the caller's scores (`x -= x.max(...)`): right "
           "loss and dx, but the course's softmax_loss cell gets dx error 1.0 and a shifted loss "
           "(real pattern: a 2022 assignment 1 and 2 submission)",
           (Patch(L, "    shifted = x - x.max(axis=1, keepdims=True)\n    log_probs = shifted - np.log(",
                  "    x -= x.max(axis=1, keepdims=True)\n    shifted = x\n    log_probs = shifted - np.log("),),
           caught_by=("softmax_loss.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
    Mutant("svm_loss_margins_in_caller_scores",
           "svm_loss turns the caller's scores into margins in place (`x -= correct - 1`), so the "
           "course's numeric gradient of svm_loss is taken on a moving array",
           (Patch(L, "    margins = np.maximum(0, x - correct_scores[:, np.newaxis] + 1.0)\n",
                  "    x -= correct_scores[:, np.newaxis] - 1.0\n    margins = np.maximum(0, x)\n"),),
           caught_by=("svm_loss.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
    Mutant("batchnorm_forward_normalises_x_in_place",
           "train-mode batchnorm centres and scales the caller's x in place (`x -= mean; x /= std`) "
           "and caches it: values right, the course's batchnorm_backward numeric gradient wrong",
           (Patch(L, "        x_centered = x - mean\n        std = np.sqrt(var + eps)\n"
                     "        x_hat = x_centered / std\n",
                  "        x -= mean\n        x_centered = x.copy()\n        std = np.sqrt(var + eps)\n"
                  "        x /= std\n        x_hat = x\n"),),
           caught_by=("batchnorm_forward.input_unchanged",),
           collateral=("affine_batchnorm_relu_*",) + NETS,
           diagnosis=("modifies its input x",)),
    Mutant("layernorm_forward_centres_x_in_place",
           "layernorm subtracts each row's mean from the caller's x in place before normalising",
           (Patch(L, "    std = np.sqrt(var + eps)\n    x_hat = (x - mean) / std\n",
                  "    std = np.sqrt(var + eps)\n    x -= mean\n    x_hat = x / std\n"),),
           caught_by=("layernorm_forward.input_unchanged",),
           collateral=("affine_layernorm_relu_*",) + NETS,
           diagnosis=("modifies its input x",)),
    Mutant("dropout_forward_masks_x_in_place",
           "train-mode dropout multiplies the caller's x by the mask in place (`x *= mask; out = "
           "x`): the course's dropout cell reuses x for every p, so its means drift, and its "
           "numeric gradient is wrong",
           (Patch(L, "        mask = (np.random.rand(*x.shape) < p) / p\n        out = x * mask\n",
                  "        mask = (np.random.rand(*x.shape) < p) / p\n        x *= mask\n        out = x\n"),),
           caught_by=("dropout_forward.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
    Mutant("affine_forward_flattens_x_in_place",
           "affine_forward flattens the caller's x by assigning its shape (`x.shape = (N, -1)`) and "
           "caches a reshaped view: the right out and gradients, but the caller's array is now 2-D "
           "and the course's numeric gradient of affine_forward indexes it with the old shape",
           (Patch(L, "    out = x.reshape(x.shape[0], -1) @ w + b\n    cache = (x, w, b)\n",
                  "    shape = x.shape\n    x.shape = (shape[0], -1)\n    out = x @ w + b\n"
                  "    cache = (x.reshape(shape), w, b)\n"),),
           caught_by=("affine_forward.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
    Mutant("relu_forward_maximum_into_x",
           "relu_forward computes np.maximum(x, 0, out=x) after caching a copy: the output array "
           "is the caller's x",
           (Patch(L, "    out = np.maximum(0, x)\n    cache = x\n",
                  "    cache = x.copy()\n    out = np.maximum(x, 0, out=x)\n"),),
           caught_by=("relu_forward.input_unchanged",), collateral=NETS,
           diagnosis=("modifies its input x",)),
]

EQUIVALENTS = [
    Mutant("softmax_vectorized_scores_shifted_in_place",
           "softmax_loss_vectorized shifts its own scores array in place (`scores = X.dot(W); "
           "scores -= scores.max(axis=1, keepdims=True)`): scores is local, no argument changes",
           (Patch("classifiers/softmax.py",
                  "    shifted = scores - np.max(scores, axis=1, keepdims=True)\n",
                  "    scores -= np.max(scores, axis=1, keepdims=True)\n    shifted = scores\n"),)),
    Mutant("svm_vectorized_margins_in_place",
           "svm_loss_vectorized builds the margins in its own scores array (`scores -= correct - 1; "
           "scores[scores < 0] = 0`)",
           (Patch("classifiers/linear_svm.py",
                  "    margins = np.maximum(0.0, scores - correct + 1.0)\n",
                  "    scores -= correct - 1.0\n    scores[scores < 0] = 0.0\n    margins = scores\n"),)),
    Mutant("knn_no_loops_accumulates_in_place",
           "compute_distances_no_loops accumulates the squared distances in place in a new array "
           "(`d = -2 * X.dot(X_train.T); d += test_sq; d += train_sq`)",
           (Patch("classifiers/k_nearest_neighbor.py",
                  "        sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)\n",
                  "        sq_dists = -2.0 * X.dot(self.X_train.T)\n        sq_dists += test_sq\n"
                  "        sq_dists += train_sq\n"),)),
    Mutant("softmax_loss_shifts_a_copy_in_place",
           "softmax_loss copies the scores, then shifts the copy in place (`s = x.copy(); s -= "
           "s.max(...)`): in-place work on a local array is fine",
           (Patch(L, "    shifted = x - x.max(axis=1, keepdims=True)\n    log_probs = shifted - np.log(",
                  "    shifted = x.copy()\n    shifted -= shifted.max(axis=1, keepdims=True)\n"
                  "    log_probs = shifted - np.log("),)),
    Mutant("batchnorm_forward_scales_a_centred_copy",
           "train-mode batchnorm centres into a new array, then scales a copy in place (`x_hat = "
           "x_centered.copy(); x_hat /= std`): no argument is written",
           (Patch(L, "        x_hat = x_centered / std\n",
                  "        x_hat = x_centered.copy()\n        x_hat /= std\n"),)),
    Mutant("svm_loss_margins_in_a_copy",
           "svm_loss computes margins in a copy of the scores, in place (`m = x.copy(); m -= "
           "correct - 1; m[m < 0] = 0`)",
           (Patch(L, "    margins = np.maximum(0, x - correct_scores[:, np.newaxis] + 1.0)\n",
                  "    margins = x.copy()\n    margins -= correct_scores[:, np.newaxis] - 1.0\n"
                  "    margins[margins < 0] = 0\n"),)),
    Mutant("relu_backward_writes_into_dout",
           "relu_backward zeroes the upstream gradient in place and returns it (`dx = dout; dx[x "
           "<= 0] = 0`): the course computes its numeric gradient first and no course network "
           "reads dout again (real pattern, six submissions 2016-2021)",
           (Patch(L, "    dx = dout * (x > 0)\n", "    dx = dout\n    dx[x <= 0] = 0\n"),)),
    Mutant("relu_backward_overwrites_cached_input",
           "relu_backward turns the cached input into the 0/1 mask in place (`m = x; m[m > 0] = 1;"
           " m[m < 0] = 0`): the right gradient, and nothing reads that cache again (real pattern, "
           "UCLA 2018 HW4)",
           (Patch(L, "    dx = dout * (x > 0)\n",
                  "    mask = x\n    mask[mask > 0] = 1\n    mask[mask < 0] = 0\n    dx = dout * mask\n"),)),
    Mutant("relu_forward_on_an_explicit_copy",
           "relu_forward fills a copy of x and zeroes its negatives (`out = np.empty_like(x); "
           "out[:] = x; out[out < 0] = 0`) (real pattern, UCLA 2018)",
           (Patch(L, "    out = np.maximum(0, x)\n",
                  "    out = np.empty_like(x)\n    out[:] = x\n    out[out < 0] = 0\n"),)),
    Mutant("momentum_velocity_updated_in_place",
           "sgd_momentum updates the caller's velocity array in place (`v *= mu; v -= lr * dw`) "
           "and w too (`w += v`): the course's cells read only the returned values (real pattern, "
           "several 2019 and 2025 submissions)",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
                  'v *= config["momentum"]\n    v -= config["learning_rate"] * dw\n'
                  '    w += v\n    next_w = w'),)),
    Mutant("rmsprop_cache_updated_in_place",
           "rmsprop updates config['cache'] in place (`cache *= decay; cache += ...`) and steps w "
           "in place (real pattern)",
           (Patch(F, 'cache = decay * config["cache"] + (1 - decay) * dw**2\n'
                     '    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])',
                  'cache = config["cache"]\n    cache *= decay\n    cache += (1 - decay) * dw * dw\n'
                  '    w -= config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])\n'
                  '    next_w = w'),)),
    Mutant("adam_moments_updated_in_place",
           "adam updates config['m'] and config['v'] in place (`m *= beta1; m += ...`) (real "
           "pattern, 2017 and 2025 assignment 2 submissions)",
           (Patch(F, "    m = beta1 * config[\"m\"] + (1 - beta1) * dw\n"
                     "    v = beta2 * config[\"v\"] + (1 - beta2) * dw**2\n",
                  "    m, v = config[\"m\"], config[\"v\"]\n    m *= beta1\n    m += (1 - beta1) * dw\n"
                  "    v *= beta2\n    v += (1 - beta2) * (dw * dw)\n"),)),
    Mutant("momentum_scales_dw_in_place",
           "sgd_momentum scales the caller's gradient in place (`dw *= lr; v = mu * v - dw`): the "
           "Solver never reads a gradient after its update",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw\n',
                  'dw *= config["learning_rate"]\n    v = config["momentum"] * v - dw\n'),)),
    Mutant("batchnorm_running_averages_in_place",
           "batchnorm updates the running averages in place (`running_mean *= momentum; "
           "running_mean += ...`), i.e. in bn_param's own arrays (real pattern, a 2017 submission)",
           (Patch(L, "        running_mean = momentum * running_mean + (1 - momentum) * mean\n"
                     "        running_var = momentum * running_var + (1 - momentum) * var\n",
                  "        running_mean *= momentum\n        running_mean += (1 - momentum) * mean\n"
                  "        running_var *= momentum\n        running_var += (1 - momentum) * var\n"),)),
]
