"""Patterns found in real public submissions (CS231n 2016-2026, CS182, UCLA C147/C247), each
rewritten in the project's own words as a patch on the reference.

A pattern is a mutant only when the course, for its year, would take points for it: its own
notebook cell, docstring or stated convention says the code is wrong (docs/courses.md §3, §7).
Everything the course accepts is an equivalent, even when it is less robust than the reference
(a (1, M) bias, a boolean dropout mask, an np.matrix distance table, the efficient Adam form):
such code must keep full marks, and what the grader still gets wrong about it is ``pending``.
Side effects on the caller's arrays are in ``in_place.py``.
"""
from __future__ import annotations

from tests.mutants import Mutant, Patch

L = "layers.py"
F = "optim.py"
TWO = "classifiers/fc_net.py"
NN = "classifiers/neural_net.py"
KNN = "classifiers/k_nearest_neighbor.py"
SVM = "classifiers/linear_svm.py"
SOFTMAX = "classifiers/softmax.py"
LINEAR = "classifiers/linear_classifier.py"

NETS = ("fc_net.*", "two_layer_net.*", "solver.*", "training.*", "optim.loss_decreases")
TRAINING = ("training.*", "train_*", "overfit*")

_DROPOUT_TRAIN = "        mask = (np.random.rand(*x.shape) < p) / p\n"
_DROPOUT_TEST = "        mask = None\n        out = x\n"
_SOFTMAX_TAIL = """    loss = -log_probs[np.arange(N), y].sum() / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
"""
_ADAM_STEP = """    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
"""
_ADAM_EPSILON = ("needs: adam.fresh_steps to use the course's epsilon 1e-8, or a tolerance the "
                 "course's arrays justify: at epsilon 1e-3 the two equivalent forms differ by 2-4 %")
_RENORMALISED = "{name} = weight_scale * (_w - _w.mean()) / _w.std()"

MUTANTS = [
    # ---- layers -------------------------------------------------------------------------
    Mutant("softmax_loss_is_svm_loss",
           "softmax_loss holds the multiclass SVM loss: the body pasted from the wrong function "
           "after the 'copy over from assignment 1' instruction (real pattern, a 2021 assignment 2)",
           (Patch(L, "    shifted = x - x.max(axis=1, keepdims=True)\n"
                     "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
                  + _SOFTMAX_TAIL,
                  "    rows = np.arange(N)\n"
                  "    margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + 1.0)\n"
                  "    margins[rows, y] = 0\n    loss = margins.sum() / N\n"
                  "    dx = (margins > 0).astype(x.dtype)\n"
                  "    dx[rows, y] -= (margins > 0).sum(axis=1)\n    dx /= N\n"),),
           caught_by=("softmax_loss.values",), collateral=("softmax_loss.*",) + NETS),
    Mutant("relu_backward_2d_mask",
           "relu_backward builds its mask from x reshaped to (N, -1): right for 2-D inputs, a "
           "broadcasting error on the course's higher-dimensional ones (UCLA HW4 W21, §7.1)",
           (Patch(L, "    dx = dout * (x > 0)\n", "    dx = dout * (x.reshape(x.shape[0], -1) > 0)\n"),),
           caught_by=("relu_backward.any_shape", "relu_backward.exact_zeros"), collateral=NETS),
    Mutant("dropout_keeps_one_minus_p_scaled_by_1_over_p",
           "dropout keeps a unit when rand > p but scales by 1/p: the train mean is (1 - p)/p "
           "times the input (real pattern, three UCLA 2018 and CS231n 2016 submissions)",
           (Patch(L, _DROPOUT_TRAIN, "        mask = (np.random.rand(*x.shape) > p) / p\n"),),
           caught_by=("dropout_forward.train_statistics",), collateral=("dropout_*",) + NETS),
    Mutant("dropout_non_inverted",
           "classic (non-inverted) dropout: a 0/1 mask in train mode and out = x * p at test "
           "time, against a docstring that asks for inverted dropout (real pattern, a 2019 "
           "submission); the notebook's printed means still agree",
           (Patch(L, _DROPOUT_TRAIN, "        mask = np.random.rand(*x.shape) < p\n"),
            Patch(L, _DROPOUT_TEST, '        mask = None\n        out = x * dropout_param["p"]\n')),
           caught_by=("dropout_forward.train_statistics", "dropout_forward.test_mode",
                      "dropout_forward.seeded_mask"),
           collateral=("dropout_*",) + NETS,
           diagnosis=("without the 1/p scaling",)),
    Mutant("dropout_mask_from_randn",
           "the dropout mask drawn from the normal distribution (`randn(...) < p`): each unit is "
           "kept with probability Phi(p), 0.69 at p = 0.5 (real pattern, a 2018 submission)",
           (Patch(L, _DROPOUT_TRAIN, "        mask = (np.random.randn(*x.shape) < p) / p\n"),),
           caught_by=("dropout_forward.train_statistics",), collateral=("dropout_*",) + NETS),
    Mutant("dropout_backward_rescales_the_scaled_mask",
           "dropout_backward divides by p again although the cached mask already holds 1/p",
           (Patch(L, "        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n'),),
           caught_by=("dropout_backward.values",), collateral=("dropout_backward.*",) + NETS),
    Mutant("batchnorm_dgamma_without_x_hat",
           "batchnorm_backward sums dout for dgamma as it does for dbeta (x_hat forgotten)",
           (Patch(L, "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n"
                     "    dx_hat = dout * gamma\n    # x_hat",
                  "    dbeta = dout.sum(axis=0)\n    dgamma = dout.sum(axis=0)\n"
                  "    dx_hat = dout * gamma\n    # x_hat"),),
           caught_by=("batchnorm_backward.values", "batchnorm_backward.numeric_gradient"),
           collateral=("affine_batchnorm_relu_*",) + NETS),
    # ---- optimizers ---------------------------------------------------------------------
    Mutant("momentum_velocity_opposite_sign",
           "momentum stores the velocity with the opposite sign (`v = mu*v + lr*dw; w -= v`): "
           "next_w right, the course's velocity error 1.0 (real pattern, a 2019 submission)",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
                  'v = config["momentum"] * v + config["learning_rate"] * dw\n    next_w = w - v'),),
           caught_by=("sgd_momentum.notebook",), collateral=("sgd_momentum.*",) + TRAINING),
    Mutant("momentum_velocity_never_updated",
           "the step uses mu*v - lr*dw but stores the old v: next_w right on the course's arrays, "
           "velocity error 0.053, plain SGD in training (real pattern, a 2025 submission)",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
                  'next_w = w + config["momentum"] * v - config["learning_rate"] * dw'),),
           caught_by=("sgd_momentum.notebook",), collateral=("sgd_momentum.*", "optim.*") + TRAINING,
           diagnosis=("new velocity is not stored",)),
    Mutant("momentum_returns_w",
           "sgd_momentum computes next_w and returns the unchanged w",
           (Patch(F, '    config["velocity"] = v\n    return next_w, config',
                  '    config["velocity"] = v\n    return w, config'),),
           caught_by=("sgd_momentum.notebook", "sgd_momentum.fresh_steps"),
           collateral=("sgd_momentum.*", "optim.*") + TRAINING),
    Mutant("momentum_reads_mu_key",
           "momentum read as config.get('mu', 0.9): the caller's 'momentum' is ignored (real "
           "pattern, a 2018 rewrite that also renamed other keys)",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw',
                  'v = config.get("mu", 0.9) * v - config["learning_rate"] * dw'),),
           caught_by=("sgd_momentum.fresh_steps",), collateral=("sgd_momentum.*",) + TRAINING),
    Mutant("rmsprop_epsilon_key_renamed",
           "rmsprop reads config.get('eps', 1e-8): a caller's 'epsilon' is ignored (same rewrite)",
           (Patch(F, 'dw / (np.sqrt(cache) + config["epsilon"])', 'dw / (np.sqrt(cache) + config.get("eps", 1e-8))'),),
           caught_by=("rmsprop.epsilon_placement",), collateral=("rmsprop.*",) + TRAINING),
    Mutant("adam_bias_correction_without_power_of_t",
           "Adam divides by 1 - beta instead of 1 - beta**t (course arrays: error 0.032; real "
           "pattern, a 2020 submission)",
           (Patch(F, _ADAM_STEP, _ADAM_STEP.replace("beta1**t", "beta1").replace("beta2**t", "beta2")),),
           caught_by=("adam.notebook",), collateral=("adam.*", "optim.*") + TRAINING),
    Mutant("adam_without_correction_or_increment",
           "Adam with neither bias correction nor t incremented (course arrays: next_w error "
           "0.207, t unchanged; real pattern, a 2018 submission)",
           (Patch(F, 't = config["t"] + 1', 't = config["t"]'),
            Patch(F, _ADAM_STEP, _ADAM_STEP.replace("m / (1 - beta1**t)", "m").replace("v / (1 - beta2**t)", "v"))),
           caught_by=("adam.notebook",), collateral=("adam.*", "optim.*") + TRAINING),
    Mutant("adam_default_t_one",
           "Adam's default t = 1 in a year whose starter says 0: the first step from a fresh "
           "config is about 0.74 * lr instead of lr (real pattern, a 2018 submission; correct "
           "only for CS231n 2017, docs/courses.md §A5)",
           (Patch(F, 'config.setdefault("t", 0)', 'config.setdefault("t", 1)'),),
           caught_by=("adam.fresh_steps",), collateral=("adam.*",) + TRAINING),
    Mutant("adam_second_moment_not_squared",
           "Adam's second moment accumulates dw instead of dw**2 (square root of negatives: NaN)",
           (Patch(F, 'v = beta2 * config["v"] + (1 - beta2) * dw**2', 'v = beta2 * config["v"] + (1 - beta2) * dw'),),
           caught_by=("adam.notebook", "adam.fresh_steps"), collateral=("adam.*", "optim.*") + TRAINING),
    # ---- models -------------------------------------------------------------------------
    Mutant("two_layer_init_standardised",
           "TwoLayerNet standardises each weight draw to mean 0 and std 1 and forgets weight_scale "
           "(`W = (w - w.mean()) / w.std()`): weights of std 1, not weight_scale",
           (Patch(TWO, 'self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)',
                  '_w = np.random.randn(input_dim, hidden_dim)\n        '
                  'self.params["W1"] = (_w - _w.mean()) / _w.std()'),),
           caught_by=("two_layer_net.init",), collateral=NETS,
           diagnosis=("w1.std() is",)),
    Mutant("fc_init_standardised",
           "FullyConnectedNet standardises each weight draw to mean 0 and std 1, without "
           "weight_scale",
           (Patch(TWO, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                  "_w = np.random.randn(fan_in, fan_out)\n                W = (_w - _w.mean()) / _w.std()"),),
           caught_by=("fc_net.init",), collateral=NETS,
           diagnosis=("expected weight_scale",)),
    Mutant("fc_bn_gamma_zeros",
           "FullyConnectedNet initialises the batchnorm scales to zeros like the shifts",
           (Patch(TWO, 'self.params["gamma%d" % i] = np.ones(fan_out)',
                  'self.params["gamma%d" % i] = np.zeros(fan_out)'),),
           caught_by=("fc_net.init",), collateral=NETS,
           diagnosis=("gamma1 is not all ones",)),
    Mutant("two_layer_relu_on_scores",
           "TwoLayerNet applies a ReLU to the class scores too (affine_relu for the last layer)",
           (Patch(TWO, "scores, scores_cache = affine_forward(hidden, W2, b2)",
                  "scores, scores_cache = affine_relu_forward(hidden, W2, b2)"),
            Patch(TWO, 'dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)',
                  'dhidden, grads["W2"], grads["b2"] = affine_relu_backward(dscores, scores_cache)')),
           caught_by=("two_layer_net.scores", "two_layer_net.losses"), collateral=NETS),
    Mutant("fc_dropout_forward_twice",
           "FullyConnectedNet calls dropout_forward once for the output and again for the cache "
           "(UCLA HW4 W21, §7.7): the cached mask is not the applied one unless seeded",
           (Patch(TWO, "                out, drop_cache = dropout_forward(out, self.dropout_param)\n",
                  "                _, drop_cache = dropout_forward(out, self.dropout_param)\n"
                  "                out, _ = dropout_forward(out, self.dropout_param)\n"),),
           caught_by=("fc_net.dropout",), collateral=NETS,
           diagnosis=("mask",),
           pending="needs: an unseeded FullyConnectedNet dropout check that the backward pass uses "
                   "the mask the forward pass applied (docs/courses.md §7.7)"),
    Mutant("nn_relu_derivative_by_division",
           "stand-alone net: ReLU derivative as hidden / hidden_in, NaN at an exact zero "
           "pre-activation (UCLA HW3 W25, §7.5)",
           (Patch(NN, "dhidden_in = (dscores @ W2) * (hidden_in > 0)",
                  "dhidden_in = (dscores @ W2) * (hidden / hidden_in)"),),
           caught_by=("neural_net.gradients",), collateral=("neural_net.*", "training.neural_net_accuracy"),
           diagnosis=("nan",),
           pending="needs: a stand-alone net gradient check on inputs with exact-zero "
                   "pre-activations (docs/courses.md §7.5)"),
    # ---- linear classifiers --------------------------------------------------------------
    Mutant("svm_vectorized_correct_class_margin_kept",
           "vectorised SVM does not zero the correct class's margin: every loss is 1 too large",
           (Patch(SVM, "    margins[rows, y] = 0.0\n    loss = np.sum(margins)", "    loss = np.sum(margins)"),),
           caught_by=("svm_loss_vectorized.values", "svm_loss_vectorized.matches_naive"),
           collateral=("svm_loss_vectorized.*", "linear_svm_classifier.*", "linear_classifier_*")),
    Mutant("softmax_vectorized_grad_without_reg",
           "vectorised softmax: the regularisation gradient 2 * reg * W left out of dW",
           (Patch(SOFTMAX, "dW = X.T.dot(dscores) / num_train + 2 * reg * W", "dW = X.T.dot(dscores) / num_train"),),
           caught_by=("softmax_loss_vectorized.values", "softmax_loss_vectorized.numeric_gradient"),
           collateral=("softmax_loss_vectorized.*", "softmax_classifier.*", "linear_classifier_*")),
    Mutant("linear_predict_returns_scores",
           "LinearClassifier.predict returns the score matrix, without the argmax",
           (Patch(LINEAR, "return np.argmax(X.dot(self.W), axis=1)", "return X.dot(self.W)"),),
           caught_by=("linear_classifier_predict.argmax",),
           collateral=("softmax_classifier.*", "linear_svm_classifier.*")),
]

EQUIVALENTS = [
    # ---- models: initial values (docs/courses.md §2.5.3: the rule is statistical) ----------
    Mutant("two_layer_init_renormalised",
           "TwoLayerNet draws its weights, then rescales each draw to an exact sample mean 0 and "
           "std weight_scale: weights of mean 0 and std weight_scale, as the rule says; the course "
           "tests the std statistically and fixes no draw (real pattern)",
           (Patch(TWO, 'self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)',
                  '_w = np.random.randn(input_dim, hidden_dim)\n        '
                  + _RENORMALISED.format(name='self.params["W1"]')),
            Patch(TWO, 'self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)',
                  '_w = np.random.randn(hidden_dim, num_classes)\n        '
                  + _RENORMALISED.format(name='self.params["W2"]')))),
    Mutant("fc_init_renormalised",
           "FullyConnectedNet rescales every weight draw to an exact sample mean 0 and std "
           "weight_scale (or sqrt(2/fan_in) for He): the rule holds (fc_net.init passes), only "
           "the seed-231 loss differs",
           (Patch(TWO, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                  "_w = np.random.randn(fan_in, fan_out)\n                "
                  + _RENORMALISED.format(name="W")),
            Patch(TWO, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                  "_w = np.random.randn(fan_in, fan_out)\n"
                  "                W = np.sqrt(2.0 / fan_in) * (_w - _w.mean()) / _w.std()")),
           pending="needs: fc_net.initial_loss to compare the loss at the student's own initial "
                   "parameters (the course fixes no draw order, docs/courses.md §2.5.3)"),
    # ---- layers -------------------------------------------------------------------------
    Mutant("relu_forward_clip", "relu_forward as np.clip(x, 0, None) (real pattern, several years)",
           (Patch(L, "out = np.maximum(0, x)", "out = np.clip(x, 0, None)"),)),
    Mutant("relu_forward_times_mask",
           "relu_forward as x * (x > 0), which gives -0.0 for negatives (equal to 0; real pattern)",
           (Patch(L, "out = np.maximum(0, x)", "out = x * (x > 0)"),)),
    Mutant("affine_forward_explicit_reshape",
           "affine_forward with D = np.prod(x.shape[1:]), np.reshape and np.dot (real pattern)",
           (Patch(L, "    out = x.reshape(x.shape[0], -1) @ w + b\n",
                  "    N = x.shape[0]\n    D = int(np.prod(x.shape[1:]))\n"
                  "    out = np.dot(np.reshape(x, (N, D)), w) + b\n"),)),
    Mutant("affine_backward_tensordot",
           "affine_backward's dx from np.tensordot with w.T reshaped to the input's trailing "
           "dimensions (real pattern, a 2021 submission)",
           (Patch(L, "dx = (dout @ w.T).reshape(x.shape)",
                  "dx = np.tensordot(dout, w.T.reshape((w.shape[1],) + x.shape[1:]), axes=1)"),)),
    Mutant("affine_backward_leftover_assert_and_pass",
           "a shape assert and the starter's `pass` left in the region (real pattern)",
           (Patch(L, "    db = dout.sum(axis=0)\n    return dx, dw, db",
                  "    db = dout.sum(axis=0)\n    assert dw.shape == w.shape\n    pass\n    return dx, dw, db"),)),
    Mutant("bias_shape_1_by_m",
           "biases kept as (1, M) throughout: TwoLayerNet and FullyConnectedNet create "
           "np.zeros((1, M)) and affine_backward returns db with keepdims=True; the course's init "
           "assert and rel_error both pass and the notebooks train normally (real pattern, "
           "2016 and 2017 submissions)",
           (Patch(L, "    db = dout.sum(axis=0)\n    return dx, dw, db",
                  "    db = dout.sum(axis=0, keepdims=True)\n    return dx, dw, db"),
            Patch(TWO, 'self.params["b1"] = np.zeros(hidden_dim)', 'self.params["b1"] = np.zeros((1, hidden_dim))'),
            Patch(TWO, 'self.params["b2"] = np.zeros(num_classes)', 'self.params["b2"] = np.zeros((1, num_classes))'),
            Patch(TWO, 'self.params["b%d" % i] = np.zeros(fan_out)', 'self.params["b%d" % i] = np.zeros((1, fan_out))')),
           pending="needs: shape checks on biases and db that accept a broadcast-compatible (1, M) "
                   "array (and a grader-side update that never writes a (1, M) db into an (M,) b)"),
    Mutant("softmax_loss_global_max_shift",
           "softmax shifted by the global maximum, np.exp(x - np.max(x)): the same values on the "
           "course's inputs, less robust for rows far below the maximum (real pattern, UCLA W21)",
           (Patch(L, "shifted = x - x.max(axis=1, keepdims=True)\n    log_probs",
                  "shifted = x - np.max(x)\n    log_probs"),)),
    Mutant("softmax_loss_one_hot",
           "softmax loss and gradient written with a one-hot label matrix (real pattern, 2016)",
           (Patch(L, _SOFTMAX_TAIL,
                  "    one_hot = np.zeros_like(x)\n    one_hot[np.arange(N), y] = 1\n"
                  "    loss = -np.sum(one_hot * log_probs) / N\n"
                  "    dx = (np.exp(log_probs) - one_hot) / N\n"),)),
    Mutant("softmax_loss_0d_array",
           "the loss returned as a 0-d numpy array (np.array of the mean) instead of a scalar",
           (Patch(L, "    loss = -log_probs[np.arange(N), y].sum() / N\n",
                  "    loss = np.array(-log_probs[np.arange(N), y].sum() / N)\n"),)),
    Mutant("dropout_boolean_mask",
           "the dropout mask cached as booleans (`rand < p`), the 1/p applied in forward and "
           "backward (same random stream as the reference)",
           (Patch(L, _DROPOUT_TRAIN + "        out = x * mask\n",
                  "        mask = np.random.rand(*x.shape) < p\n        out = x * mask / p\n"),
            Patch(L, "        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n')),),
    Mutant("dropout_mask_from_random_choice",
           "the unscaled mask drawn with np.random.choice([1, 0], p=[p, 1 - p]) and 1/p applied "
           "in both passes: the same distribution, another random stream (real pattern, 2023)",
           (Patch(L, _DROPOUT_TRAIN + "        out = x * mask\n",
                  "        mask = np.random.choice([1, 0], size=x.shape, p=[p, 1 - p])\n"
                  "        out = x * mask / p\n"),
            Patch(L, "        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n'))),
    Mutant("dropout_less_or_equal",
           "dropout keeps a unit when rand <= p (a probability-zero difference; real pattern, 2019)",
           (Patch(L, _DROPOUT_TRAIN, "        mask = (np.random.rand(*x.shape) <= p) / p\n"),)),
    Mutant("dropout_cache_mask_and_mode",
           "dropout caches (mask, mode) instead of (dropout_param, mask): the cache layout is free "
           "(real pattern, 2018)",
           (Patch(L, "    cache = (dropout_param, mask)\n", "    cache = (mask, mode)\n"),
            Patch(L, '    dropout_param, mask = cache\n    if dropout_param["mode"] == "train":',
                  '    mask, mode = cache\n    if mode == "train":')),),
    Mutant("dropout_test_mode_times_ones",
           "test-mode dropout returns x * np.ones(x.shape) (real pattern, UCLA 2018)",
           (Patch(L, _DROPOUT_TEST, "        mask = None\n        out = x * np.ones(x.shape)\n"),)),
    Mutant("batchnorm_variance_written_out",
           "batchnorm variance as 1/N * sum((x - mean)**2) (real pattern, 2018 and 2023)",
           (Patch(L, "        var = x.var(axis=0)\n",
                  "        var = 1.0 / x.shape[0] * np.sum((x - mean) ** 2, axis=0)\n"),)),
    Mutant("batchnorm_keepdims_statistics",
           "batchnorm statistics taken with keepdims=True, so the running averages become (1, D) "
           "(real pattern, 2016); every value broadcasts as the course's",
           (Patch(L, "        mean = x.mean(axis=0)\n        var = x.var(axis=0)\n",
                  "        mean = x.mean(axis=0, keepdims=True)\n        var = x.var(axis=0, keepdims=True)\n"),),
           pending="needs: running-average checks that accept a broadcast-compatible (1, D) array"),
    Mutant("layernorm_reshaped_statistics",
           "layernorm statistics as np.mean(x, axis=1).reshape(-1, 1) (real pattern, five "
           "submissions 2020-2023)",
           (Patch(L, "    mean = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)",
                  "    mean = np.mean(x, axis=1).reshape(-1, 1)\n    var = np.var(x, axis=1).reshape(-1, 1)"),)),
    # ---- optimizers ---------------------------------------------------------------------
    Mutant("adam_epsilon_inside_sqrt",
           "Adam divides by sqrt(v_hat + eps) (CS182's form; about 1e-8 relative on the course's "
           "arrays; real pattern, 2017)",
           (Patch(F, 'm_hat / (np.sqrt(v_hat) + config["epsilon"])', 'm_hat / np.sqrt(v_hat + config["epsilon"])'),),
           pending=_ADAM_EPSILON),
    Mutant("adam_efficient_form",
           "Adam in the 'efficient' form lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t), "
           "w -= lr_t * m / (sqrt(v) + eps): the course's own assignment-3 optim.py, copied by "
           "students into assignment 2 (real pattern, five submissions)",
           (Patch(F, _ADAM_STEP,
                  '    alpha = config["learning_rate"] * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n'
                  '    next_w = w - alpha * m / (np.sqrt(v) + config["epsilon"])\n'),),
           pending=_ADAM_EPSILON),
    Mutant("momentum_scalar_velocity_default",
           "sgd_momentum's missing velocity defaults to the scalar 0.0, which broadcasts (real "
           "pattern, 2018)",
           (Patch(F, 'v = config.get("velocity", np.zeros_like(w))', 'v = config.get("velocity", 0.0)'),)),
    # ---- models -------------------------------------------------------------------------
    Mutant("two_layer_normal_draws",
           "TwoLayerNet weights from np.random.normal(0, weight_scale, shape): the same random "
           "stream as weight_scale * randn (real pattern, four submissions, §7.15)",
           (Patch(TWO, 'self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)',
                  'self.params["W1"] = np.random.normal(0.0, weight_scale, (input_dim, hidden_dim))'),
            Patch(TWO, 'self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)',
                  'self.params["W2"] = np.random.normal(0.0, weight_scale, (hidden_dim, num_classes))'))),
    Mutant("two_layer_l2_with_square",
           "TwoLayerNet's L2 term written with np.square and ** (real pattern)",
           (Patch(TWO, "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                  "reg_loss = 0.5 * self.reg * (np.sum(np.square(W1)) + np.sum(W2 ** 2))"),)),
    Mutant("fc_l2_with_sum",
           "FullyConnectedNet's L2 term as np.sum(W * W) per layer",
           (Patch(TWO, "loss += 0.5 * self.reg * np.vdot(W, W)", "loss += 0.5 * self.reg * np.sum(W * W)"),)),
    Mutant("nn_relu_mask_from_hidden_output",
           "stand-alone net: the ReLU mask taken from the hidden output instead of the "
           "pre-activation (the same mask; real pattern, UCLA W19 and W21)",
           (Patch(NN, "dhidden_in = (dscores @ W2) * (hidden_in > 0)", "dhidden_in = (dscores @ W2) * (hidden > 0)"),)),
    # ---- kNN and linear classifiers -------------------------------------------------------
    Mutant("knn_two_loops_linalg_norm",
           "two-loop distances with np.linalg.norm (real pattern)",
           (Patch(KNN, "dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))",
                  "dists[i, j] = np.linalg.norm(X[i] - self.X_train[j])"),)),
    Mutant("knn_vote_bincount",
           "the majority vote as np.bincount(closest_y[i]).argmax() per row: ties go to the "
           "smaller label, as the docstring asks (real pattern, most submissions)",
           (Patch(KNN, """        num_classes = int(np.max(self.y_train)) + 1
        votes = np.zeros((num_test, num_classes), dtype=np.int64)
        rows = np.repeat(np.arange(num_test), closest_y.shape[1])
        np.add.at(votes, (rows, closest_y.ravel()), 1)
        # argmax returns the first maximum, i.e. the smallest label among ties.
        return np.argmax(votes, axis=1).astype(self.y_train.dtype)""",
                  """        y_pred = np.zeros(num_test, dtype=self.y_train.dtype)
        for i in range(num_test):
            y_pred[i] = np.bincount(closest_y[i]).argmax()
        return y_pred"""),)),
    Mutant("knn_no_loops_np_matrix",
           "no-loop distances computed with np.matrix operands, so the table is an np.matrix: the "
           "course compares it with the Frobenius norm and accepts it (real pattern)",
           (Patch(KNN, "sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)",
                  "sq_dists = np.matrix(test_sq) + train_sq - 2.0 * np.matrix(X) * np.matrix(self.X_train).T"),)),
    Mutant("svm_naive_counts_violations",
           "naive SVM counts the violated margins and subtracts count * X[i] once per example "
           "(the lecture notes' form)",
           (Patch(SVM, "        correct_class_score = scores[y[i]]\n",
                  "        correct_class_score = scores[y[i]]\n        count = 0\n"),
            Patch(SVM, "                dW[:, y[i]] -= X[i]\n", "                count += 1\n"),
            Patch(SVM, "    loss /= num_train\n    dW /= num_train\n",
                  "        dW[:, y[i]] -= count * X[i]\n    loss /= num_train\n    dW /= num_train\n")),),
    Mutant("softmax_naive_log_of_probability",
           "naive softmax: max shift, then -np.log of the normalised probability (the course's "
           "hint; real pattern, 2023 and 2025)",
           (Patch(SOFTMAX, """        log_sum_exp = np.log(np.sum(np.exp(scores)))
        loss += log_sum_exp - scores[y[i]]
        for j in range(num_classes):
            p_j = np.exp(scores[j] - log_sum_exp)""",
                  """        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(probs[y[i]])
        for j in range(num_classes):
            p_j = probs[j]"""),)),
    Mutant("linear_train_w_compared_with_none",
           "`if self.W == None:` for the lazy initialisation: fine on a new classifier (every "
           "notebook creates one), ambiguous truth value on a second train call (real pattern)",
           (Patch(LINEAR, "if self.W is None:", "if self.W == None:  # noqa: E711"),),
           pending="needs: linear_classifier_train.sgd_step to train a new classifier per call (as "
                   "every course notebook does), not one object twice"),
]
