"""Realistic bugs in layers.py and the sandwich layers of layer_utils.py (docs/courses.md §2.1, §2.2, §7.1,
§7.4, §7.6-§7.10), and correct alternative implementations that must keep full marks."""
from tests.mutants import Mutant, Patch

L = "layers.py"
U = "layer_utils.py"

# A broken layer may also cost points in the checks of the models built from it.
NETS = ("fc_net.*", "two_layer_net.*", "solver.*", "training.*")

_SOFTMAX_BODY = """    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N
    dx = np.exp(log_probs)"""

_BN_BACKWARD_GRAPH = """    dx_hat = dout * gamma
    # x_hat = x_centered * (1 / std)
    dinv_std = (dx_hat * x_centered).sum(axis=0)
    dx_centered = dx_hat / std
    # 1 / std = (var + eps) ** -0.5
    dvar = -0.5 * dinv_std / std**3
    # var = mean(x_centered ** 2)
    dx_centered += 2.0 * x_centered * dvar / N
    # x_centered = x - mean, mean = mean(x)
    dmean = -dx_centered.sum(axis=0)
    dx = dx_centered + dmean / N"""

_SVM_BODY = """    margins = np.maximum(0, x - correct_scores[:, np.newaxis] + 1.0)
    margins[rows, y] = 0
    loss = margins.sum() / N
    active = margins > 0
    dx = active.astype(x.dtype)
    dx[rows, y] -= active.sum(axis=1)
    dx /= N"""

_LN_BACKWARD_DX = """    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)) / std"""

_BN_SANDWICH_BACKWARD = """    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(da_norm, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)"""

MUTANTS = [
    # ---- affine / ReLU --------------------------------------------------------------------
    Mutant("affine_backward_dx_not_reshaped", "affine_backward returns dx flattened to (N, D) (docs/courses.md §7.4)",
           (Patch(L, "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"),),
           caught_by=("affine_backward.values", "affine_backward.numeric_gradient",
                      "affine_batchnorm_relu_backward.values", "affine_layernorm_relu_backward.values"),
           # the extra side-effect check cannot compare a flattened dx's caller arrays (no points)
           collateral=("affine_*relu_backward.*", "affine_backward.input_unchanged") + NETS,
           diagnosis=("values of dx are right", "flattened")),
    # ---- softmax / SVM --------------------------------------------------------------------
    Mutant("softmax_dx_not_divided_by_n", "softmax dx is the per-example gradient, not divided by N",
           (Patch(L, "dx[np.arange(N), y] -= 1\n    dx /= N", "dx[np.arange(N), y] -= 1"),),
           caught_by=("softmax_loss.values", "softmax_loss.numeric_gradient"),
           collateral=("softmax_loss.*",) + NETS,
           diagnosis=("dx", "not divided by n")),
    Mutant("svm_margin_delta_zero", "svm_loss uses margin delta 0 instead of 1",
           (Patch(L, "margins = np.maximum(0, x - correct_scores[:, np.newaxis] + 1.0)",
                  "margins = np.maximum(0, x - correct_scores[:, np.newaxis])"),),
           caught_by=("svm_loss.values",), collateral=("svm_loss.*",),
           diagnosis=("margin delta 0",)),
    # ---- dropout --------------------------------------------------------------------------
    Mutant("dropout_p_as_drop_probability", "dropout drops each unit with probability p (docs/courses.md §7.8)",
           (Patch(L, "mask = (np.random.rand(*x.shape) < p) / p",
                  "mask = (np.random.rand(*x.shape) >= p) / (1 - p)"),),
           caught_by=("dropout_forward.train_statistics", "dropout_forward.seeded_mask"),
           collateral=("dropout_*",) + NETS,
           diagnosis=("drops each unit with probability p",)),
    Mutant("dropout_without_inverse_scaling", "train-mode dropout does not divide by p (docs/courses.md §7.8)",
           (Patch(L, "mask = (np.random.rand(*x.shape) < p) / p",
                  "mask = (np.random.rand(*x.shape) < p) * 1.0"),),
           caught_by=("dropout_forward.train_statistics", "dropout_forward.seeded_mask",
                      "dropout_backward.values"),
           collateral=("dropout_*",) + NETS,
           diagnosis=("without the 1/p scaling",)),
    Mutant("dropout_scaled_at_test_time", "test-mode dropout multiplies by p (non-inverted habit)",
           (Patch(L, "        mask = None\n        out = x\n",
                  "        mask = None\n        out = x * dropout_param[\"p\"]\n"),),
           caught_by=("dropout_forward.test_mode",), collateral=NETS,
           diagnosis=("test-mode out is x * p",)),
    Mutant("dropout_mask_in_test_mode", "test-mode dropout still draws and applies a mask (docs/courses.md §7.8)",
           (Patch(L, "        mask = None\n        out = x\n",
                  "        p = dropout_param[\"p\"]\n"
                  "        mask = (np.random.rand(*x.shape) < p) / p\n"
                  "        out = x * mask\n"),),
           caught_by=("dropout_forward.test_mode",), collateral=NETS,
           diagnosis=("test-mode out is x times a dropout mask",)),
    Mutant("dropout_backward_redraws_mask",
           "dropout_backward draws a new mask (right only when seeded, like calling forward twice, docs/courses.md §7.7)",
           (Patch(L, "        dx = dout * mask\n",
                  "        if \"seed\" in dropout_param:\n"
                  "            np.random.seed(dropout_param[\"seed\"])\n"
                  "        p = dropout_param[\"p\"]\n"
                  "        dx = dout * (np.random.rand(*dout.shape) < p) / p\n"),),
           caught_by=("dropout_backward.uses_forward_mask",), collateral=NETS,
           diagnosis=("not the one the forward pass applied",)),
    # ---- batch normalisation --------------------------------------------------------------
    Mutant("batchnorm_unbiased_variance", "batchnorm uses the unbiased variance (ddof=1, docs/courses.md §7.10)",
           (Patch(L, "        var = x.var(axis=0)\n", "        var = x.var(axis=0, ddof=1)\n"),),
           caught_by=("batchnorm_forward.train_values", "batchnorm_forward.per_feature_stats",
                      "batchnorm_forward.running_averages"),
           collateral=("batchnorm_*", "affine_batchnorm_relu_*") + NETS,
           diagnosis=("unbiased variance",)),
    Mutant("batchnorm_momentum_swapped", "running averages weight the new batch by momentum",
           (Patch(L, "running_mean = momentum * running_mean + (1 - momentum) * mean\n"
                     "        running_var = momentum * running_var + (1 - momentum) * var",
                  "running_mean = (1 - momentum) * running_mean + momentum * mean\n"
                  "        running_var = (1 - momentum) * running_var + momentum * var"),),
           caught_by=("batchnorm_forward.running_averages", "affine_batchnorm_relu_forward.values"),
           collateral=NETS,
           diagnosis=("momentum and 1 - momentum swapped",)),
    Mutant("batchnorm_test_mode_batch_stats", "test-mode batchnorm normalises with the batch statistics",
           (Patch(L, "x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
                  "x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)"),),
           caught_by=("batchnorm_forward.test_mode",), collateral=NETS,
           diagnosis=("normalising with the batch statistics",)),
    Mutant("batchnorm_dbeta_mean", "batchnorm_backward averages dbeta over the batch instead of summing",
           (Patch(L, "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n"
                     "    dx_hat = dout * gamma\n    # x_hat",
                  "    dbeta = dout.mean(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n"
                  "    dx_hat = dout * gamma\n    # x_hat"),),
           caught_by=("batchnorm_backward.values", "batchnorm_backward.numeric_gradient",
                      "affine_batchnorm_relu_backward.values",
                      "affine_batchnorm_relu_backward.numeric_gradient"),
           collateral=NETS,
           diagnosis=("dbeta is the batch mean", "not the sum")),
    Mutant("batchnorm_alt_without_variance_path", "batchnorm_backward_alt drops the x_hat (variance) term",
           (Patch(L, "dx = (gamma / std) * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))",
                  "dx = (gamma / std) * (dout - dout.mean(axis=0))"),),
           caught_by=("batchnorm_backward_alt.values", "batchnorm_backward_alt.numeric_gradient"),
           collateral=NETS,
           diagnosis=("without the path through the variance",)),
    # ---- layer normalisation --------------------------------------------------------------
    Mutant("layernorm_over_batch_axis", "layernorm normalises each feature over the batch (axis=0)",
           (Patch(L, "    mean = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)",
                  "    mean = x.mean(axis=0, keepdims=True)\n    var = x.var(axis=0, keepdims=True)"),),
           caught_by=("layernorm_forward.values", "affine_layernorm_relu_forward.values"),
           collateral=("layernorm_backward.*", "affine_layernorm_relu_backward.*") + NETS,
           diagnosis=("normalised over the batch (axis=0)",)),
    Mutant("layernorm_backward_mean_over_batch", "layernorm_backward centres dx_hat over the batch axis",
           (Patch(L, _LN_BACKWARD_DX,
                  _LN_BACKWARD_DX.replace("dx_hat - dx_hat.mean(axis=1", "dx_hat - dx_hat.mean(axis=0")),),
           caught_by=("layernorm_backward.values", "layernorm_backward.numeric_gradient",
                      "affine_layernorm_relu_backward.values",
                      "affine_layernorm_relu_backward.numeric_gradient"),
           collateral=NETS,
           diagnosis=("dx takes means over the batch (axis=0)",)),
    # ---- sandwich layers ------------------------------------------------------------------
    Mutant("sandwich_backward_wrong_order",
           "affine_batchnorm_relu_backward runs batchnorm's backward before ReLU's",
           (Patch(U, _BN_SANDWICH_BACKWARD,
                  "    da, dgamma, dbeta = batchnorm_backward(dout, bn_cache)\n"
                  "    da_norm = relu_backward(da, relu_cache)\n"
                  "    dx, dw, db = affine_backward(da_norm, fc_cache)"),),
           caught_by=("affine_batchnorm_relu_backward.values",
                      "affine_batchnorm_relu_backward.numeric_gradient"),
           collateral=NETS,
           diagnosis=("batchnorm_backward before relu_backward",)),
    Mutant("sandwich_copies_bn_param",
           "affine_batchnorm_relu_forward passes a copy of bn_param: running averages are lost",
           (Patch(U, "a_norm, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)",
                  "a_norm, bn_cache = batchnorm_forward(a, gamma, beta, dict(bn_param))"),),
           caught_by=("affine_batchnorm_relu_forward.values",), collateral=NETS,
           diagnosis=("pass the caller's bn_param itself",)),
    Mutant("affine_relu_backward_skips_relu",
           "affine_relu_backward sends dout straight into affine_backward (no relu_backward)",
           (Patch(U, "    da = relu_backward(dout, relu_cache)\n    dx, dw, db = affine_backward(da, fc_cache)",
                  "    dx, dw, db = affine_backward(dout, fc_cache)"),),
           caught_by=("affine_relu_backward.numeric_gradient",), collateral=NETS,
           diagnosis=("relu_backward is skipped",)),
]

EQUIVALENTS = [
    Mutant("relu_backward_ge_mask",
           "relu_backward passes the gradient where x == 0 (`>=`, docs/courses.md §7.1): a "
           "subgradient the course never rules out (§2.1); only the extra check "
           "relu_backward.exact_zeros reports it",
           (Patch(L, "dx = dout * (x > 0)", "dx = dout * (x >= 0)"),)),
    Mutant("softmax_log_of_probabilities",
           "max-shifted probabilities, then np.log(probs): -inf when a probability underflows "
           "(the course's given code, §2.1/§7.6)",
           (Patch(L, "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
                  "probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
                  "    log_probs = np.log(probs)"),)),
    Mutant("softmax_without_max_shift", "softmax exponentiates the raw scores: overflow at +-1000 (§7.6)",
           (Patch(L, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x"),)),
    Mutant("relu_via_where", "ReLU forward and backward written with np.where",
           (Patch(L, "out = np.maximum(0, x)", "out = np.where(x > 0, x, 0.0)"),
            Patch(L, "dx = dout * (x > 0)", "dx = np.where(x > 0, dout, 0.0)"))),
    Mutant("softmax_log_sum_exp_other_form",
           "softmax loss as mean(logsumexp - correct score), probabilities from exp(x - logsumexp)",
           (Patch(L, _SOFTMAX_BODY,
                  "    m = x.max(axis=1, keepdims=True)\n"
                  "    lse = m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))\n"
                  "    loss = np.mean(lse[:, 0] - x[np.arange(N), y])\n"
                  "    dx = np.exp(x - lse)"),)),
    Mutant("svm_one_hot_form", "SVM gradient built with a one-hot matrix instead of fancy indexing",
           (Patch(L, _SVM_BODY,
                  "    margins = x - correct_scores[:, None] + 1.0\n"
                  "    margins[rows, y] = 0.0\n"
                  "    active = (margins > 0).astype(x.dtype)\n"
                  "    loss = (margins * active).sum() / N\n"
                  "    one_hot = np.eye(x.shape[1], dtype=x.dtype)[y]\n"
                  "    dx = (active - one_hot * active.sum(axis=1, keepdims=True)) / N"),)),
    Mutant("batchnorm_backward_simplified", "batchnorm_backward written with the one-line simplified formula",
           (Patch(L, _BN_BACKWARD_GRAPH,
                  "    dx_hat = dout * gamma\n"
                  "    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std"),)),
    Mutant("layernorm_backward_sum_form", "layernorm dx as (D dx_hat - sum - x_hat sum) / (D std)",
           (Patch(L, _LN_BACKWARD_DX,
                  "    D = x_hat.shape[1]\n"
                  "    dx = (D * dx_hat - dx_hat.sum(axis=1, keepdims=True)\n"
                  "          - x_hat * (dx_hat * x_hat).sum(axis=1, keepdims=True)) / (D * std)"),)),
]
