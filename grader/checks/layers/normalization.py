"""Checks for batch normalisation and layer normalisation in ``layers.py``."""
from __future__ import annotations

import numpy as np

from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, join_problems
from ..diagnosis import Diagnoses, mistake_key, scaled, stored
from ..toolkit import (backward_problems, forward, gradient_problems, inputs, mean_not_sum, on, register,
                       over_cases, verdict)

# --------------------------------------------------------------------------------------------
# batch normalisation
# --------------------------------------------------------------------------------------------

BN_FRESH = {"momentum": 0.7, "eps": 1e-3}
BN_HINT = ("train mode normalises each feature over the batch (axis=0) with the biased "
           "variance, then scales by gamma and shifts by beta")


def _relu_net_activations(rng, n, d1, d2, d3):
    """The notebook's test activations: relu(X @ W1) @ W2 with X, W1, W2 drawn in that order."""
    X = rng.randn(n, d1)
    W1 = rng.randn(d1, d2)
    W2 = rng.randn(d2, d3)
    return np.maximum(0, X @ W1) @ W2


@fixture("batchnorm")
def batchnorm_fixture(ref):
    """The course notebook's inputs (seed 231) and fresh ones with other N, D, momentum and eps."""
    L = ref.layers
    out = {}
    # Notebook "per-feature" test: a = relu(X W1) W2 of shape (200, 3), gamma [1, 2, 3], beta [11, 12, 13].
    out["st_a"] = _relu_net_activations(np.random.RandomState(231), 200, 50, 60, 3)
    out["st_gamma"], out["st_beta"] = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    st_out = L.batchnorm_forward(out["st_a"], out["st_gamma"], out["st_beta"], {"mode": "train"})[0]
    out["st_mean"], out["st_std"] = st_out.mean(axis=0), st_out.std(axis=0)
    st_out = batchnorm_train_with("ddof1", out["st_a"], out["st_gamma"], out["st_beta"], {})[0]
    out[mistake_key("st_std", "ddof1")] = st_out.std(axis=0)
    # Notebook backward input: seed 231, N, D = 4, 5; x = 5 randn + 12, gamma, beta, dout randn.
    rng = np.random.RandomState(231)
    out["nb_x"] = 5 * rng.randn(4, 5) + 12
    out["nb_gamma"], out["nb_beta"], out["nb_dout"] = rng.randn(5), rng.randn(5), rng.randn(4, 5)
    # Fresh: N=9, D=6 with running averages already present, momentum 0.7 and eps 1e-3.
    rng = np.random.RandomState(31)
    out["r_x"] = 3 * rng.randn(9, 6) - 2
    out["r_gamma"], out["r_beta"], out["r_dout"] = rng.randn(6), rng.randn(6), rng.randn(9, 6)
    out["r_rm"], out["r_rv"] = rng.randn(6), rng.rand(6) + 0.5
    # Test mode: fresh N=5, D=8 with given running averages.
    rng = np.random.RandomState(32)
    out["t_x"], out["t_gamma"], out["t_beta"] = 2 * rng.randn(5, 8) + 1, rng.randn(8), rng.randn(8)
    out["t_rm"], out["t_rv"] = rng.randn(8), rng.rand(8) + 0.5
    # Fresh backward input with N != D and few examples: N=10, D=3.
    rng = np.random.RandomState(33)
    out["b_x"], out["b_gamma"], out["b_beta"] = rng.randn(10, 3) * 4, rng.randn(3), rng.randn(3)
    out["b_dout"] = rng.randn(10, 3)

    for prefix in ("nb", "r", "b"):
        param = _bn_param(out, prefix, "train")
        fwd, cache = L.batchnorm_forward(out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                         out[f"{prefix}_beta"], param)
        out[f"{prefix}_out"], out[f"{prefix}_rm_after"], out[f"{prefix}_rv_after"] = (
            fwd, param["running_mean"], param["running_var"])
        out[f"{prefix}_dx"], out[f"{prefix}_dgamma"], out[f"{prefix}_dbeta"] = L.batchnorm_backward(
            out[f"{prefix}_dout"], cache)
        for mistake in ("ddof1", "swapped"):
            fwd, rm, rv = batchnorm_train_with(mistake, out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                                out[f"{prefix}_beta"], _bn_param(out, prefix, "train"))
            out[mistake_key(f"{prefix}_out", mistake)] = fwd
            out[mistake_key(f"{prefix}_rm_after", mistake)] = rm
            out[mistake_key(f"{prefix}_rv_after", mistake)] = rv
        for mistake in ("no_var_path", "no_mean_path"):
            out[mistake_key(f"{prefix}_dx", mistake)] = _batchnorm_dx_with(
                mistake, out[f"{prefix}_dout"], out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                _bn_param(out, prefix, "train"))
    param = _bn_param(out, "t", "test")
    out["t_out"] = L.batchnorm_forward(out["t_x"], out["t_gamma"], out["t_beta"], param)[0]
    out[mistake_key("t_out", "batch_stats")] = batchnorm_train_with(
        "batch_stats", out["t_x"], out["t_gamma"], out["t_beta"], param)[0]
    return out


UNBIASED = "the unbiased variance (ddof=1, divided by N - 1) is used; batchnorm uses the biased x.var(axis=0)"
BN_MISTAKES = {
    "ddof1": UNBIASED,
    "swapped": "the running averages weight the NEW batch statistics by momentum (momentum and "
               "1 - momentum swapped)",
    "batch_stats": "test-mode out matches normalising with the batch statistics instead of "
                   "running_mean and running_var",
    "no_var_path": "dx matches the formula without the path through the variance "
                   "(the x_hat * mean(dout * x_hat) term is missing)",
    "no_mean_path": "dx matches the formula without the path through the batch mean "
                    "(the mean(dout) term is missing)",
}


def batchnorm_train_with(mistake: str, x, gamma, beta, bn_param: dict):
    """Train-mode batchnorm of the reference with one known mistake: ``(out, running_mean,
    running_var)``; ``"batch_stats"`` is a TEST-mode call that normalises with the batch statistics."""
    from known_mistakes import normalization   # instructor-side (docs/deployment.md)

    return normalization.batchnorm_train_with(mistake, x, gamma, beta, bn_param)


def _batchnorm_dx_with(mistake: str, dout, x, gamma, bn_param: dict):
    """batchnorm's dx (train mode) with the path through the variance or the mean left out."""
    from known_mistakes import normalization   # instructor-side (docs/deployment.md)

    return normalization.batchnorm_dx_with(mistake, dout, x, gamma, bn_param)


NORM_GRADS = ("dx", "dgamma", "dbeta")
NORM_WRT = {"dx": 0, "dgamma": 1, "dbeta": 2}


def norm_grad_candidates(f, prefix: str, dx_mistakes: dict, key: str = "") -> dict:
    """Known mistakes' dx, dgamma and dbeta of a normalisation backward case (arrays
    ``f[key + prefix + "_dx"]``...): the stored ``dx_mistakes``, and dgamma, dbeta averaged."""
    n = f[f"{prefix}_dout"].shape[0]
    found = {"dx": stored(f, f"{key}{prefix}_dx", dx_mistakes)}
    for name in ("dgamma", "dbeta"):
        found[name] = scaled(f[f"{key}{prefix}_{name}"], mean_not_sum(name, n))
    return found


def norm_forward_check(ctx: CheckContext, target: str, cases, args_of, mistakes: dict, ok: str,
                       hint: str) -> Outcome:
    """A normalisation forward's out against the reference on each case (``args_of(f, prefix)``)."""
    f, d = ctx.fixture(), Diagnoses()

    def case(prefix):
        out, _ = forward(ctx, target, *args_of(f, prefix))
        return [d.compare("out", out, f[f"{prefix}_out"], ctx.tolerance, stored(f, f"{prefix}_out", mistakes))]

    return verdict(over_cases(cases, case), ok, d=d, hint=hint)


def norm_backward_check(ctx: CheckContext, forward_target: str, backward_target: str, cases, args_of,
                        dx_mistakes: dict, hint: str) -> Outcome:
    """A normalisation backward's dx, dgamma, dbeta against the reference on each case."""
    f, d = ctx.fixture(), Diagnoses()

    def case(prefix):
        expected = dict(zip(NORM_GRADS, inputs(f, prefix, *NORM_GRADS)))
        return backward_problems(ctx, forward_target, args_of(f, prefix), backward_target,
                                 f[f"{prefix}_dout"], expected, NORM_GRADS, ctx.tolerance, d,
                                 norm_grad_candidates(f, prefix, dx_mistakes))

    return verdict(over_cases(cases, case), "dx, dgamma and dbeta match the reference", d=d,
                   hint=hint)


def norm_numeric_check(ctx: CheckContext, forward_target: str, backward_target: str, cases, args_of,
                       dx_mistakes: dict, hint: str) -> Outcome:
    """A normalisation backward against a numeric gradient of the student's own forward."""
    f, d = ctx.fixture(), Diagnoses()

    def case(prefix):
        return gradient_problems(ctx, forward_target, args_of(f, prefix), backward_target,
                                 f[f"{prefix}_dout"], NORM_WRT, ctx.tolerance, d=d,
                                 candidates={"dx": stored(f, f"{prefix}_dx", dx_mistakes)},
                                 batch_sums=("dgamma", "dbeta"))

    name = forward_target.rsplit(".", 1)[-1]
    return verdict(over_cases(cases, case),
                   "gradients agree with the numeric gradient of your forward", d=d,
                   suffix=f" (against a numeric gradient of your {name}"
                          f"{' in train mode' if name == 'batchnorm_forward' else ''})", hint=hint)


def _bn_param(f, prefix: str, mode: str) -> dict:
    """The bn_param a case uses: defaults for the notebook inputs, BN_FRESH and running stats otherwise."""
    if prefix in ("nb", "b", "st"):
        return {"mode": mode}
    return {"mode": mode, **BN_FRESH, "running_mean": np.array(f[f"{prefix}_rm"]),
            "running_var": np.array(f[f"{prefix}_rv"])}


RUNNING_HINT = ("running_mean = momentum * running_mean + (1 - momentum) * mu (and the same for var, "
                "biased); start from zeros of shape (D,) and store both back in bn_param")
BN_TRAIN_CASES = (("notebook input (seed 231, N=4, D=5, default bn_param)", "nb"),
                  ("fresh input (N=9, D=6, momentum 0.7, eps 1e-3)", "r"))


def bn_args(f, prefix: str) -> tuple:
    """``(x, gamma, beta, bn_param)`` of a train-mode batchnorm case."""
    return inputs(f, prefix, "x", "gamma", "beta") + (_bn_param(f, prefix, "train"),)


@check("batchnorm_forward.train_values", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_train_values(ctx: CheckContext) -> Outcome:
    """batchnorm_forward in train mode matches the reference (notebook input, and fresh N, D, eps).

    Requirement: batchnorm_forward's train mode, biased variance over the batch (docs/courses.md
    §2.1, §7.10).
    """
    return norm_forward_check(ctx, "layers.batchnorm_forward", BN_TRAIN_CASES, bn_args, BN_MISTAKES,
                              "train-mode output matches", BN_HINT + "; read eps from bn_param (default 1e-5)")


@check("batchnorm_forward.running_averages", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_running_averages(ctx: CheckContext) -> Outcome:
    """Train mode stores running_mean/var = momentum * old + (1 - momentum) * batch stats in bn_param.

    Requirement: batchnorm_forward's documented running averages (docs/courses.md §2.1).
    """
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in BN_TRAIN_CASES:
        _, _, after = forward(ctx, "layers.batchnorm_forward", f[f"{prefix}_x"], f[f"{prefix}_gamma"],
                              f[f"{prefix}_beta"], _bn_param(f, prefix, "train"), return_args=True)
        param = after[3]
        if not isinstance(param, dict):
            return Outcome.fail("bn_param is no longer a dict after the call")
        problems = []
        for key, name in (("rm", "running_mean"), ("rv", "running_var")):
            if name not in param:
                problems.append(f"bn_param has no '{name}' after the call")
            else:
                problems.append(compare_array(f"bn_param['{name}']", param[name],
                                              f[f"{prefix}_{key}_after"], ctx.tolerance))
        problems = [p for p in problems if p]
        if problems and "running_mean" in param and "running_var" in param:
            keys = (f"{prefix}_rm_after", f"{prefix}_rv_after")
            d.check((param["running_mean"], param["running_var"]), stored(f, keys, BN_MISTAKES),
                    expected=tuple(f[k] for k in keys))
        messages.append(on(label, problems))
    messages = [m for m in messages if m]
    return verdict(messages, "running averages are updated with the momentum", d=d, hint=RUNNING_HINT)


@check("batchnorm_forward.test_mode", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_test_mode(ctx: CheckContext) -> Outcome:
    """In test mode batchnorm normalises with the running averages and leaves them unchanged.

    Requirement: test mode normalises with the running statistics (docs/courses.md §2.1, §7.9).
    """
    f = ctx.fixture()
    out, _, after = forward(ctx, "layers.batchnorm_forward", f["t_x"], f["t_gamma"], f["t_beta"],
                            _bn_param(f, "t", "test"), return_args=True)
    d = Diagnoses()
    problems = [d.compare("out", out, f["t_out"], ctx.tolerance, stored(f, "t_out", BN_MISTAKES))]
    param = after[3]
    for key, name in (("rm", "running_mean"), ("rv", "running_var")):
        value = param.get(name) if isinstance(param, dict) else None
        if value is not None and compare_array(name, value, f[f"t_{key}"], 0.0):
            problems.append(f"test mode changed bn_param['{name}']")
    problems = [p for p in problems if p]
    if problems:
        return Outcome.fail(d.message("test mode on a fresh 5x8 input with given running averages: " +
                                      join_problems(problems)),
                            hint="test mode: out = gamma * (x - running_mean) / sqrt(running_var + eps) "
                                 "+ beta; do not use the batch statistics, do not update the averages")
    return Outcome.ok("test mode uses the running averages and keeps them")


@check("batchnorm_forward.per_feature_stats", kind="value", fixture="batchnorm", tolerance=1e-6)
def check_batchnorm_forward_per_feature_stats(ctx: CheckContext) -> Outcome:
    """Train-mode outputs have per-feature means beta and stds gamma (the notebook's 200x3 test).

    Requirement: the batch normalization notebook's own test (docs/courses.md §2.1).
    """
    f = ctx.fixture()
    out, _ = forward(ctx, "layers.batchnorm_forward", f["st_a"], f["st_gamma"], f["st_beta"],
                      {"mode": "train"})
    arr, problem = as_array("out", out, f["st_a"].shape)
    if problem:
        return Outcome.fail(problem)
    d = Diagnoses()
    problems = [compare_array("per-feature mean of out", arr.mean(axis=0), f["st_mean"], ctx.tolerance),
                d.compare("per-feature std of out", arr.std(axis=0), f["st_std"], ctx.tolerance,
                          stored(f, "st_std", {"ddof1": UNBIASED}))]
    problems = [p for p in problems if p]
    if problems:
        return Outcome.fail(d.message("on the notebook's 200x3 activations with gamma [1, 2, 3] and "
                                      "beta [11, 12, 13] (means should be beta, stds gamma): " +
                                      join_problems(problems)),
                            hint="normalise each feature (axis=0) with the biased variance x.var(axis=0)")
    return Outcome.ok("per-feature means and stds are beta and gamma")


BN_BACKWARD_CASES = (("notebook input (seed 231, N=4, D=5)", "nb"), ("fresh input (N=10, D=3)", "b"))
BN_BACKWARD_HINT = ("dbeta and dgamma are sums over the batch; dx has three paths: through x_hat, "
                    "the mean and the variance")
BN_NUMERIC_HINT = ("dbeta is a sum over the batch, not a mean; dx must include the paths through the "
                   "batch mean and variance")


def bn_backward_values(ctx: CheckContext, target: str) -> Outcome:
    return norm_backward_check(ctx, "layers.batchnorm_forward", target, BN_BACKWARD_CASES, bn_args,
                               BN_MISTAKES, BN_BACKWARD_HINT)


def bn_backward_numeric(ctx: CheckContext, target: str) -> Outcome:
    return norm_numeric_check(ctx, "layers.batchnorm_forward", target, BN_BACKWARD_CASES, bn_args,
                              BN_MISTAKES, BN_NUMERIC_HINT)


# batchnorm_backward and its simplified batchnorm_backward_alt are graded alike.
for _name in ("batchnorm_backward", "batchnorm_backward_alt"):
    register(f"{_name}.values", f"{_name}'s dx, dgamma, dbeta match the reference (notebook input and "
             "N=10, D=3); shapes and formulas of docs/courses.md §2.1.", bn_backward_values, f"layers.{_name}", kind="value", fixture="batchnorm",
             tolerance=1e-8)
    register(f"{_name}.numeric_gradient", f"{_name} agrees with a numeric gradient of the student's own "
             "batchnorm_forward, the notebook's gradient check (docs/courses.md §2.1, §2.3).", bn_backward_numeric, f"layers.{_name}", kind="gradient",
             fixture="batchnorm", tolerance=1e-6)


# --------------------------------------------------------------------------------------------
# layer normalisation
# --------------------------------------------------------------------------------------------

LN_HINT = ("normalise each example (row, axis=1, keepdims=True) over its D features, then "
           "scale by gamma and shift by beta")


@fixture("layernorm")
def layernorm_fixture(ref):
    """The notebook's inputs (seed 231, N=4, D=3 forward; N=4, D=5 backward) and fresh ones, N != D."""
    L = ref.layers
    out = {"nb_x": _relu_net_activations(np.random.RandomState(231), 4, 50, 60, 3),
           "nb_gamma": np.array([1.0, 2.0, 3.0]), "nb_beta": np.array([5.0, 6.0, 7.0])}
    rng = np.random.RandomState(231)
    out["bw_x"] = 5 * rng.randn(4, 5) + 12
    out["bw_gamma"], out["bw_beta"], out["bw_dout"] = rng.randn(5), rng.randn(5), rng.randn(4, 5)
    rng = np.random.RandomState(41)
    out["r_x"], out["r_gamma"], out["r_beta"] = 2 * rng.randn(6, 9) + 1, rng.randn(9), rng.randn(9)
    out["r_dout"] = rng.randn(6, 9)
    for prefix in ("nb", "bw", "r"):
        fwd, cache = L.layernorm_forward(out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                         out[f"{prefix}_beta"], _ln_param(prefix))
        out[f"{prefix}_out"] = fwd
        eps = _ln_param(prefix).get("eps", 1e-5)
        out[mistake_key(f"{prefix}_out", "batch_axis")] = layernorm_forward_with(
            "batch_axis", out[f"{prefix}_x"], out[f"{prefix}_gamma"], out[f"{prefix}_beta"], eps)
        if prefix != "nb":
            grads = L.layernorm_backward(out[f"{prefix}_dout"], cache)
            for name, value in zip(("dx", "dgamma", "dbeta"), grads):
                out[f"{prefix}_{name}"] = value
            for mistake in ("batch_axis", "batch_axis_both"):
                out[mistake_key(f"{prefix}_dx", mistake)] = layernorm_dx_with(
                    mistake, out[f"{prefix}_dout"], out[f"{prefix}_x"], out[f"{prefix}_gamma"], eps)
    return out


OVER_BATCH = ("each feature is normalised over the batch (axis=0); layer norm normalises each "
              "example over its own features (axis=1)")
LN_MISTAKES = {"batch_axis": OVER_BATCH}
LN_DX_MISTAKES = {"batch_axis": "dx takes means over the batch (axis=0); layer norm's dx takes them "
                                "over each example's features (axis=1)"}
LN_DX_MISTAKES["batch_axis_both"] = LN_DX_MISTAKES["batch_axis"]


def layernorm_forward_with(mistake: str, x, gamma, beta, eps: float):
    """layernorm_forward of the reference with the statistics taken over the batch (axis=0)."""
    from known_mistakes import normalization   # instructor-side (docs/deployment.md)

    return normalization.layernorm_forward_with(mistake, x, gamma, beta, eps)


def layernorm_dx_with(mistake: str, dout, x, gamma, eps: float):
    """layernorm's dx with the mean of dx_hat (``batch_axis``) or both means (``batch_axis_both``)
    taken over the batch axis instead of the features."""
    from known_mistakes import normalization   # instructor-side (docs/deployment.md)

    return normalization.layernorm_dx_with(mistake, dout, x, gamma, eps)


def _ln_param(prefix: str) -> dict:
    return {"eps": 1e-3} if prefix == "r" else {}


LN_CASES = {"nb": "notebook input (seed 231, N=4, D=3)", "bw": "notebook backward input (N=4, D=5)",
            "r": "fresh input (N=6, D=9, eps 1e-3)"}


def ln_args(f, prefix: str) -> tuple:
    """``(x, gamma, beta, ln_param)`` of a layernorm case."""
    return inputs(f, prefix, "x", "gamma", "beta") + (_ln_param(prefix),)


LN_BACKWARD_CASES = [(LN_CASES[prefix], prefix) for prefix in ("bw", "r")]


@check("layernorm_forward.values", kind="value", fixture="layernorm", tolerance=1e-8)
def check_layernorm_forward_values(ctx: CheckContext) -> Outcome:
    """layernorm_forward normalises each example over its features and matches the reference (N != D).

    Requirement: layernorm_forward, CS231n 2018+ (docs/courses.md §A1.2).
    """
    return norm_forward_check(ctx, "layers.layernorm_forward", [(label, prefix) for prefix, label in LN_CASES.items()],
                              ln_args, LN_MISTAKES, "out matches the reference", LN_HINT)


@check("layernorm_backward.values", kind="value", fixture="layernorm", tolerance=1e-8)
def check_layernorm_backward_values(ctx: CheckContext) -> Outcome:
    """layernorm_backward's dx, dgamma, dbeta match the reference (notebook input and N=6, D=9).

    Requirement: layernorm_backward, CS231n 2018+ (docs/courses.md §A1.2).
    """
    return norm_backward_check(ctx, "layers.layernorm_forward", "layers.layernorm_backward", LN_BACKWARD_CASES,
                               ln_args, LN_DX_MISTAKES, "dgamma and dbeta sum over the batch (axis=0); dx "
                               "takes means over the features of each example (axis=1)")


@check("layernorm_backward.numeric_gradient", kind="gradient", fixture="layernorm", tolerance=1e-6)
def check_layernorm_backward_numeric(ctx: CheckContext) -> Outcome:
    """layernorm_backward agrees with a numeric gradient of the student's own layernorm_forward.

    Requirement: the layer normalization gradient check, CS231n 2018+ (docs/courses.md §2.3,
    §A1.2).
    """
    return norm_numeric_check(ctx, "layers.layernorm_forward", "layers.layernorm_backward", LN_BACKWARD_CASES,
                              ln_args, LN_DX_MISTAKES, LN_HINT)
