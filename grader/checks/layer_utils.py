"""Checks for sandwich layers (affine-batchnorm-relu, affine-layernorm-relu).

Each sandwich gets a forward value check (including, for batchnorm, that the caller's bn_param
receives the updated running averages), a backward value check against the reference, and a
numeric gradient of the student's own sandwich forward for all five inputs x, w, b, gamma, beta.
Inputs are 3-D (N, 2, 3) so the affine layer's flattening is exercised, and N != M.
"""
from __future__ import annotations

import numpy as np

from .base import CheckContext, CheckInputError, Outcome, check, fixture
from .compare import as_array, compare_array, join_problems, unpack
from .numeric import numeric_gradient

GRAD_NAMES = ("dx", "dw", "db", "dgamma", "dbeta")
SANDWICHES = {
    "batchnorm": ("layer_utils.affine_batchnorm_relu_forward", "layer_utils.affine_batchnorm_relu_backward"),
    "layernorm": ("layer_utils.affine_layernorm_relu_forward", "layer_utils.affine_layernorm_relu_backward"),
}
KEYS = {"batchnorm": "bn", "layernorm": "ln"}
CASES = (("input of shape (4, 2, 3) -> 5 units", "a"), ("input of shape (9, 4) -> 3 units", "b"))
ORDER_HINT = ("backward runs the layers in reverse order: relu_backward, then the norm's backward, "
              "then affine_backward; return dx, dw, db, dgamma, dbeta")


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
    return out


def _args(f, kind: str, prefix: str) -> tuple:
    return tuple(f[f"{prefix}_{k}"] for k in ("x", "w", "b", "gamma", "beta")) + (_norm_param(kind, prefix),)


def _compare_grad(kind: str, name: str, got, expected, tol: float) -> str | None:
    """Compare one gradient. Batchnorm cancels any shift of its input, so db of the
    affine-batchnorm sandwich is exactly 0: compare it by absolute difference (a relative error
    between two round-off values near 0 means nothing)."""
    if kind == "batchnorm" and name == "db":
        problem = compare_array(name, got, expected, tol, metric="abs")
        return problem and problem + " (it should be 0: batchnorm removes any shift of its input)"
    return compare_array(name, got, expected, tol)


def _forward(ctx: CheckContext, target: str, args: tuple, return_args: bool = False):
    name = target.rsplit(".", 1)[-1]
    result = ctx.call(target, *args, keep=[1], return_args=return_args)
    after = None
    if return_args:
        result, after = result
    result, problem = unpack(name, result, 2)
    if problem:
        raise CheckInputError(f"{problem}; return (out, cache)")
    return result[0], result[1], after


def _forward_check(ctx: CheckContext, kind: str) -> Outcome:
    f = ctx.fixture()
    target = SANDWICHES[kind][0]
    key = KEYS[kind]
    messages = []
    for label, prefix in CASES:
        out, _, after = _forward(ctx, target, _args(f, kind, prefix), return_args=(kind == "batchnorm"))
        problems = [compare_array("out", out, f[f"{key}_{prefix}_out"], ctx.tolerance)]
        if kind == "batchnorm":
            param = after[5]
            for name in ("running_mean", "running_var"):
                if not isinstance(param, dict) or name not in param:
                    problems.append(f"bn_param has no '{name}' after the call: pass the caller's "
                                    "bn_param itself to batchnorm_forward")
                else:
                    problems.append(compare_array(f"bn_param['{name}']", param[name],
                                                  f[f"bn_{prefix}_{name}"], ctx.tolerance))
        problems = [p for p in problems if p]
        if problems:
            messages.append(f"on the {label}: {join_problems(problems)}")
    if messages:
        return Outcome.fail(" | ".join(messages),
                            hint=f"out = relu({kind}_forward(affine_forward(x, w, b), gamma, beta, "
                                 f"{'bn' if kind == 'batchnorm' else 'ln'}_param)), keeping all three caches")
    return Outcome.ok("out matches the reference")


def _backward_check(ctx: CheckContext, kind: str) -> Outcome:
    f = ctx.fixture()
    forward, backward = SANDWICHES[kind]
    key = KEYS[kind]
    messages = []
    for label, prefix in CASES:
        _, cache, _ = _forward(ctx, forward, _args(f, kind, prefix))
        grads, problem = unpack(backward.rsplit(".", 1)[-1],
                                ctx.call(backward, f[f"{prefix}_dout"], cache), 5)
        if problem:
            return Outcome.fail(problem, hint=ORDER_HINT)
        problems = [_compare_grad(kind, name, got, f[f"{key}_{prefix}_{name}"], ctx.tolerance)
                    for name, got in zip(GRAD_NAMES, grads)]
        problems = [p for p in problems if p]
        if problems:
            messages.append(f"on the {label}: {join_problems(problems)}")
    if messages:
        return Outcome.fail(" | ".join(messages), hint=ORDER_HINT)
    return Outcome.ok("dx, dw, db, dgamma and dbeta match the reference")


def _numeric_check(ctx: CheckContext, kind: str) -> Outcome:
    f = ctx.fixture()
    forward, backward = SANDWICHES[kind]
    messages = []
    for label, prefix in CASES:
        args, dout = _args(f, kind, prefix), f[f"{prefix}_dout"]
        _, cache, _ = _forward(ctx, forward, args)
        grads, problem = unpack(backward.rsplit(".", 1)[-1], ctx.call(backward, dout, cache), 5)
        if problem:
            return Outcome.fail(problem, hint=ORDER_HINT)
        problems = []
        for index, (name, got) in enumerate(zip(GRAD_NAMES, grads)):
            shape = np.shape(args[index])
            got, problem = as_array(name, got, shape)
            if problem:
                problems.append(problem)
                continue
            numeric = numeric_gradient(ctx, forward, args, index, dout).reshape(shape)
            problems.append(_compare_grad(kind, name, got, numeric, ctx.tolerance))
        problems = [p for p in problems if p]
        if problems:
            messages.append(f"on the {label}: {join_problems(problems)}")
    if messages:
        return Outcome.fail(" | ".join(messages) + " (against a numeric gradient of your sandwich "
                            "forward)", hint=ORDER_HINT)
    return Outcome.ok("gradients agree with the numeric gradient of your forward")


# --------------------------------------------------------------------------------------------
# affine - batchnorm - relu
# --------------------------------------------------------------------------------------------


@check("affine_batchnorm_relu_forward.values", kind="value",
       needs=["layer_utils.affine_batchnorm_relu_forward"], fixture="sandwich", tolerance=1e-8)
def check_affine_batchnorm_relu_forward_values(ctx: CheckContext) -> Outcome:
    """affine_batchnorm_relu_forward matches the reference and updates the caller's bn_param."""
    return _forward_check(ctx, "batchnorm")


@check("affine_batchnorm_relu_backward.values", kind="value",
       needs=["layer_utils.affine_batchnorm_relu_forward", "layer_utils.affine_batchnorm_relu_backward"],
       fixture="sandwich", tolerance=1e-8)
def check_affine_batchnorm_relu_backward_values(ctx: CheckContext) -> Outcome:
    """affine_batchnorm_relu_backward's dx, dw, db, dgamma, dbeta match the reference."""
    return _backward_check(ctx, "batchnorm")


@check("affine_batchnorm_relu_backward.numeric_gradient", kind="gradient",
       needs=["layer_utils.affine_batchnorm_relu_forward", "layer_utils.affine_batchnorm_relu_backward"],
       fixture="sandwich", tolerance=1e-6)
def check_affine_batchnorm_relu_backward_numeric(ctx: CheckContext) -> Outcome:
    """affine_batchnorm_relu_backward agrees with a numeric gradient of the student's own sandwich forward."""
    return _numeric_check(ctx, "batchnorm")


# --------------------------------------------------------------------------------------------
# affine - layernorm - relu
# --------------------------------------------------------------------------------------------


@check("affine_layernorm_relu_forward.values", kind="value",
       needs=["layer_utils.affine_layernorm_relu_forward"], fixture="sandwich", tolerance=1e-8)
def check_affine_layernorm_relu_forward_values(ctx: CheckContext) -> Outcome:
    """affine_layernorm_relu_forward matches the reference (3-D and 2-D inputs, N != M)."""
    return _forward_check(ctx, "layernorm")


@check("affine_layernorm_relu_backward.values", kind="value",
       needs=["layer_utils.affine_layernorm_relu_forward", "layer_utils.affine_layernorm_relu_backward"],
       fixture="sandwich", tolerance=1e-8)
def check_affine_layernorm_relu_backward_values(ctx: CheckContext) -> Outcome:
    """affine_layernorm_relu_backward's dx, dw, db, dgamma, dbeta match the reference."""
    return _backward_check(ctx, "layernorm")


@check("affine_layernorm_relu_backward.numeric_gradient", kind="gradient",
       needs=["layer_utils.affine_layernorm_relu_forward", "layer_utils.affine_layernorm_relu_backward"],
       fixture="sandwich", tolerance=1e-6)
def check_affine_layernorm_relu_backward_numeric(ctx: CheckContext) -> Outcome:
    """affine_layernorm_relu_backward agrees with a numeric gradient of the student's own sandwich forward."""
    return _numeric_check(ctx, "layernorm")
