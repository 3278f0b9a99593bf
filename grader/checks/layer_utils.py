"""Checks for sandwich layers (affine-batchnorm-relu, affine-layernorm-relu).

Each sandwich gets a forward value check (including, for batchnorm, that the caller's bn_param
receives the updated running averages), a backward value check against the reference, and a
numeric gradient of the student's own sandwich forward for all five inputs x, w, b, gamma, beta.
Inputs are 3-D (N, 2, 3) so the affine layer's flattening is exercised, and N != M.
"""
from __future__ import annotations

import numpy as np

from .base import CheckContext, Outcome, check, fixture
from .compare import as_array, compare_array
from .diagnosis import MATCH_TOL, Diagnoses, mistake_key, scaled, stored
from .layers.affine_relu import AFFINE_GRADS
from .layers.normalization import (BN_MISTAKES, LN_DX_MISTAKES, LN_MISTAKES, batchnorm_train_with,
                                   layernorm_dx_with, layernorm_forward_with)
from .numeric import numeric_gradient
from .toolkit import (backward, backward_problems, forward, gradient_problems, inputs, mean_not_sum,
                      on, over_cases, register, verdict)

GRAD_NAMES = ("dx", "dw", "db", "dgamma", "dbeta")
SANDWICHES = {
    "batchnorm": ("layer_utils.affine_batchnorm_relu_forward", "layer_utils.affine_batchnorm_relu_backward"),
    "layernorm": ("layer_utils.affine_layernorm_relu_forward", "layer_utils.affine_layernorm_relu_backward"),
}
KEYS = {"batchnorm": "bn", "layernorm": "ln"}
CASES = (("input of shape (4, 2, 3) -> 5 units", "a"), ("input of shape (9, 4) -> 3 units", "b"))
ORDER_HINT = ("backward runs the layers in reverse order: relu_backward, then the norm's backward, "
              "then affine_backward; return the five gradients dx, dw, db, dgamma and dbeta")


def _norm_param(kind: str, prefix: str) -> dict:
    """The bn_param / ln_param of a case (case "b" uses non-default momentum / eps)."""
    if kind == "batchnorm":
        return {"mode": "train"} if prefix == "a" else {"mode": "train", "momentum": 0.8, "eps": 1e-3}
    return {} if prefix == "a" else {"eps": 1e-3}


@fixture("sandwich")
def sandwich_fixture(ref):
    """Two inputs (3-D and 2-D, N != M) through both sandwiches of the reference, forward and backward."""
    U = ref.layer_utils
    out = {}
    for prefix, seed, x_shape, M in (("a", 61, (4, 2, 3), 5), ("b", 62, (9, 4), 3)):
        rng = np.random.RandomState(seed)
        D = int(np.prod(x_shape[1:]))
        out[f"{prefix}_x"], out[f"{prefix}_w"], out[f"{prefix}_b"] = (
            rng.randn(*x_shape), rng.randn(D, M), rng.randn(M))
        out[f"{prefix}_gamma"], out[f"{prefix}_beta"] = 1 + 0.5 * rng.randn(M), rng.randn(M)
        out[f"{prefix}_dout"] = rng.randn(x_shape[0], M)
        for kind, fn in (("bn", U.affine_batchnorm_relu_forward), ("ln", U.affine_layernorm_relu_forward)):
            param = _norm_param("batchnorm" if kind == "bn" else "layernorm", prefix)
            fwd, cache = fn(*(out[f"{prefix}_{k}"] for k in ("x", "w", "b", "gamma", "beta")), param)
            out[f"{kind}_{prefix}_out"] = fwd
            if kind == "bn":
                out[f"bn_{prefix}_running_mean"] = param["running_mean"]
                out[f"bn_{prefix}_running_var"] = param["running_var"]
            backward = U.affine_batchnorm_relu_backward if kind == "bn" else U.affine_layernorm_relu_backward
            for name, value in zip(GRAD_NAMES, backward(out[f"{prefix}_dout"], cache)):
                out[f"{kind}_{prefix}_{name}"] = value
        _sandwich_mistakes(ref, out, prefix)
    # The notebook's affine-ReLU input (docs/courses.md §3.5), and the gradients without the ReLU.
    rng = np.random.RandomState(231)
    x, w, b, dout = rng.randn(2, 3, 4), rng.randn(12, 10), rng.randn(10), rng.randn(2, 10)
    fwd, cache = U.affine_relu_forward(x, w, b)
    out.update(relu_x=x, relu_w=w, relu_b=b, relu_dout=dout, relu_out=fwd)
    out["relu_dx"], out["relu_dw"], out["relu_db"] = U.affine_relu_backward(dout, cache)
    for name, value in zip(AFFINE_GRADS, ref.layers.affine_backward(dout, cache[0])):
        out[mistake_key(f"relu_{name}", "no_relu")] = value
    return out


FORWARD_MISTAKES = {**{k: v for k, v in BN_MISTAKES.items() if k in ("ddof1", "swapped")},
                    **LN_MISTAKES}
BACKWARD_MISTAKES = {
    "wrong_order": "the gradients match running batchnorm_backward before relu_backward: the "
                   "backward pass must undo the layers in reverse order (relu, then batchnorm, "
                   "then affine)",
    **LN_DX_MISTAKES,
}


def _sandwich_mistakes(ref, out: dict, prefix: str) -> None:
    """Known mistakes' outputs on case ``prefix``: the reference sandwich with one part wrong."""
    L = ref.layers
    x, w, b, gamma, beta, dout = (out[f"{prefix}_{k}"] for k in ("x", "w", "b", "gamma", "beta", "dout"))
    x2d = x.reshape(x.shape[0], -1)
    a = x2d @ w + b
    # batchnorm: biased/unbiased variance and swapped momentum in the forward pass ...
    for mistake in ("ddof1", "swapped"):
        a_norm, rm, rv = batchnorm_train_with(mistake, a, gamma, beta, _norm_param("batchnorm", prefix))
        out[mistake_key(f"bn_{prefix}_out", mistake)] = np.maximum(0, a_norm)
        out[mistake_key(f"bn_{prefix}_running_mean", mistake)] = rm
        out[mistake_key(f"bn_{prefix}_running_var", mistake)] = rv
    # ... and the backward layers run in the wrong order (batchnorm before ReLU).
    a_, fc_cache = L.affine_forward(x, w, b)
    a_norm, bn_cache = L.batchnorm_forward(a_, gamma, beta, _norm_param("batchnorm", prefix))
    _, relu_cache = L.relu_forward(a_norm)
    da, dgamma, dbeta = L.batchnorm_backward(dout, bn_cache)
    dx, dw, db = L.affine_backward(L.relu_backward(da, relu_cache), fc_cache)
    for name, value in zip(GRAD_NAMES, (dx, dw, db, dgamma, dbeta)):
        out[mistake_key(f"bn_{prefix}_{name}", "wrong_order")] = value
    # layernorm over the batch axis, forward and backward.
    eps = _norm_param("layernorm", prefix).get("eps", 1e-5)
    out[mistake_key(f"ln_{prefix}_out", "batch_axis")] = np.maximum(
        0, layernorm_forward_with("batch_axis", a, gamma, beta, eps))
    a_norm = layernorm_forward_with("features", a, gamma, beta, eps)
    x_hat = (a_norm - beta) / gamma
    da_norm = dout * (a_norm > 0)
    for mistake in LN_DX_MISTAKES:
        da = layernorm_dx_with(mistake, da_norm, a, gamma, eps)
        grads = ((da @ w.T).reshape(x.shape), x2d.T @ da, da.sum(axis=0),
                 (da_norm * x_hat).sum(axis=0), da_norm.sum(axis=0))
        for name, value in zip(GRAD_NAMES, grads):
            out[mistake_key(f"ln_{prefix}_{name}", mistake)] = value


def _grad_candidates(f, key: str, prefix: str) -> dict:
    """Known mistakes' value of each gradient of a sandwich backward case."""
    n = f[f"{prefix}_dout"].shape[0]
    found = {name: stored(f, f"{key}_{prefix}_{name}", BACKWARD_MISTAKES) for name in GRAD_NAMES}
    for name in ("dgamma", "dbeta"):
        found[name].update(scaled(f[f"{key}_{prefix}_{name}"], mean_not_sum(name, n)))
    return found


def _args(f, kind: str, prefix: str) -> tuple:
    return tuple(f[f"{prefix}_{k}"] for k in ("x", "w", "b", "gamma", "beta")) + (_norm_param(kind, prefix),)


def _compare_grad(kind: str, name: str, got, expected, tol: float, d: Diagnoses,
                  candidates: dict | None = None) -> str | None:
    """Compare one gradient. Batchnorm cancels any shift of its input, so db of the
    affine-batchnorm sandwich is exactly 0: compare it by absolute difference (a relative error
    between two round-off values near 0 means nothing)."""
    if kind == "batchnorm" and name == "db":
        problem = d.compare(name, got, expected, tol, candidates, metric="abs")
        return problem and problem + " (it should be 0: batchnorm removes any shift of its input)"
    return d.compare(name, got, expected, tol, candidates)


def _forward_check(ctx: CheckContext, kind: str) -> Outcome:
    f, d = ctx.fixture(), Diagnoses()
    key = KEYS[kind]

    def case(prefix):
        out, _, after = forward(ctx, SANDWICHES[kind][0], *_args(f, kind, prefix), return_args=True)
        found = [d.compare("out", out, f[f"{key}_{prefix}_out"], ctx.tolerance,
                           stored(f, f"{key}_{prefix}_out", FORWARD_MISTAKES))]
        if kind == "batchnorm":
            found += _running_average_problems(ctx, f, prefix, after[5], d)
        return found

    return verdict(over_cases(CASES, case), "out matches the reference", d=d,
                   hint=f"out = relu({kind}_forward(affine_forward(x, w, b), gamma, beta, "
                        f"{'bn' if kind == 'batchnorm' else 'ln'}_param)), keeping all three caches")


def _running_average_problems(ctx: CheckContext, f, prefix: str, param, d: Diagnoses) -> list[str | None]:
    """The caller's bn_param after the sandwich forward holds the reference's running averages."""
    found = []
    for name in ("running_mean", "running_var"):
        if not isinstance(param, dict) or name not in param:
            found.append(f"bn_param has no '{name}' after the call: pass the caller's "
                         "bn_param itself to batchnorm_forward")
        else:
            found.append(compare_array(f"bn_param['{name}']", param[name], f[f"bn_{prefix}_{name}"],
                                       ctx.tolerance))
    if any(found) and isinstance(param, dict) and {"running_mean", "running_var"} <= set(param):
        keys = (f"bn_{prefix}_running_mean", f"bn_{prefix}_running_var")
        d.check((param["running_mean"], param["running_var"]), stored(f, keys, FORWARD_MISTAKES),
                expected=tuple(f[k] for k in keys))
    return found


def _backward_check(ctx: CheckContext, kind: str) -> Outcome:
    f, d = ctx.fixture(), Diagnoses()
    key = KEYS[kind]

    def case(prefix):
        grads, problem = backward(ctx, *_calls(f, kind, prefix), GRAD_NAMES)
        if problem:
            return [problem]
        known = _grad_candidates(f, key, prefix)
        return [_compare_grad(kind, name, grads[name], f[f"{key}_{prefix}_{name}"], ctx.tolerance, d,
                              known[name]) for name in GRAD_NAMES]

    return verdict(over_cases(CASES, case), "dx, dw, db, dgamma and dbeta match the reference", d=d,
                   hint=ORDER_HINT)


def _numeric_check(ctx: CheckContext, kind: str) -> Outcome:
    f, d = ctx.fixture(), Diagnoses()

    def case(prefix):
        forward_target, args, backward_target, dout = _calls(f, kind, prefix)
        grads, problem = backward(ctx, forward_target, args, backward_target, dout, GRAD_NAMES)
        if problem:
            return [problem]
        found = []
        for index, name in enumerate(GRAD_NAMES):
            shape = np.shape(args[index])
            got, problem = as_array(name, grads[name], shape)
            if problem:
                found.append(problem)
                continue
            numeric = numeric_gradient(ctx, forward_target, args, index, dout).reshape(shape)
            known = stored(f, f"{KEYS[kind]}_{prefix}_{name}", BACKWARD_MISTAKES)
            if name in ("dgamma", "dbeta"):
                known.update(scaled(numeric, mean_not_sum(name, dout.shape[0])))
            problem = _compare_grad(kind, name, got, numeric, ctx.tolerance, Diagnoses())
            if problem:
                d.check(got, known, expected=numeric, tol=max(MATCH_TOL, ctx.tolerance))
            found.append(problem)
        return found

    return verdict(over_cases(CASES, case), "gradients agree with the numeric gradient of your forward",
                   d=d, suffix=" (against a numeric gradient of your sandwich forward)", hint=ORDER_HINT)


def _calls(f, kind: str, prefix: str) -> tuple:
    """``(forward target, forward args, backward target, dout)`` of a sandwich case."""
    forward_target, backward_target = SANDWICHES[kind]
    return forward_target, _args(f, kind, prefix), backward_target, f[f"{prefix}_dout"]


# --------------------------------------------------------------------------------------------
# affine - relu
# --------------------------------------------------------------------------------------------

AFFINE_RELU_MISTAKES = {"no_relu": "the gradients are affine_backward of dout itself: relu_backward "
                                   "is skipped"}


@check("affine_relu_backward.numeric_gradient", kind="gradient", fixture="sandwich", tolerance=1e-7)
def check_affine_relu_backward_numeric(ctx: CheckContext) -> Outcome:
    """affine_relu_backward's dx, dw, db match the reference and a numeric gradient of the
    student's own affine_relu_forward, on the notebook's input (docs/courses.md §3.5)."""
    f, d = ctx.fixture(), Diagnoses()
    targets = ("layer_utils.affine_relu_forward", "layer_utils.affine_relu_backward")
    args, dout = inputs(f, "relu", "x", "w", "b"), f["relu_dout"]
    expected = dict(zip(AFFINE_GRADS, inputs(f, "relu", *AFFINE_GRADS)))
    known = {name: stored(f, f"relu_{name}", AFFINE_RELU_MISTAKES) for name in AFFINE_GRADS}
    messages = [on("comparison with the reference", backward_problems(
                    ctx, targets[0], args, targets[1], dout, expected, AFFINE_GRADS, ctx.tolerance, d, known)),
                on("comparison with a numeric gradient of your affine_relu_forward", gradient_problems(
                    ctx, targets[0], args, targets[1], dout, {"dx": 0, "dw": 1, "db": 2}, ctx.tolerance))]
    return verdict(messages, "dx, dw and db match the reference and the numeric gradient", d=d,
                   prefix="the notebook's 2x3x4 input: ",
                   hint="backward runs the layers in reverse: relu_backward first (with the ReLU's "
                        "cache), then affine_backward")


# --------------------------------------------------------------------------------------------
# affine - batchnorm - relu and affine - layernorm - relu: three checks each
# --------------------------------------------------------------------------------------------

SANDWICH_DOCS = {
    "batchnorm": "affine_batchnorm_relu_forward matches the reference and updates the caller's bn_param "
                 "(the sandwich of docs/courses.md §2.2 around batchnorm_forward, §2.1).",
    "layernorm": "affine_layernorm_relu_forward matches the reference (3-D and 2-D inputs, N != M; "
                 "docs/courses.md §2.2).",
}
for _kind, _forward_doc in SANDWICH_DOCS.items():
    _name = f"affine_{_kind}_relu"
    register(f"{_name}_forward.values", _forward_doc, _forward_check, _kind,
             kind="value", fixture="sandwich", tolerance=1e-8)
    register(f"{_name}_backward.values",
             f"{_name}_backward's dx, dw, db, dgamma, dbeta match the reference (docs/courses.md §2.2).",
             _backward_check, _kind,
             kind="value", fixture="sandwich", tolerance=1e-8)
    register(f"{_name}_backward.numeric_gradient",
             f"{_name}_backward agrees with a numeric gradient of the student's own sandwich forward "
             "(docs/courses.md §2.2, §2.3).",
             _numeric_check, _kind, kind="gradient", fixture="sandwich", tolerance=1e-6)
