"""Checks for the affine and ReLU layers of ``layers.py``: the pattern every other layer check follows.

Each layer gets
* a value check on the course notebook's own input (so a student sees the notebook's test),
* a value check on fresh inputs the notebook cannot see (other shapes, exact zeros, ...),
* a gradient check: the student's backward against a numeric gradient of the student's own
  forward, plus a comparison with the reference backward on the same input.
"""
from __future__ import annotations

import numpy as np

from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, join_problems
from ..diagnosis import Diagnoses, mistake_key, scaled, stored
from ..toolkit import (backward, backward_problems, forward, gradient_problems, inputs,
                       mean_not_sum, over_cases, verdict)

# --------------------------------------------------------------------------------------------
# affine
# --------------------------------------------------------------------------------------------


@fixture("affine")
def affine_fixture(ref):
    """docs/courses.md §3.1 notebook input, docs/courses.md §3.2 seed-231 input, and a 4-D input with another seed."""
    out = {}
    # docs/courses.md §3.1: the notebook's linspace test.
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    out["nb_x"] = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    out["nb_w"] = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    out["nb_b"] = np.linspace(-0.3, 0.1, num=output_dim)
    out["nb_out"] = ref.layers.affine_forward(out["nb_x"], out["nb_w"], out["nb_b"])[0]
    # docs/courses.md §3.2: seed 231, x of shape (10, 2, 3).
    rng = np.random.RandomState(231)
    x, w, b, dout = rng.randn(10, 2, 3), rng.randn(6, 5), rng.randn(5), rng.randn(10, 5)
    dx, dw, db = ref.layers.affine_backward(dout, ref.layers.affine_forward(x, w, b)[1])
    out.update(bw_x=x, bw_w=w, bw_b=b, bw_dout=dout, bw_dx=dx, bw_dw=dw, bw_db=db)
    # Fresh: a 4-D input (N=3, 2x4x5) the notebook never uses.
    rng = np.random.RandomState(7)
    x, w, b, dout = rng.randn(3, 2, 4, 5), rng.randn(40, 6), rng.randn(6), rng.randn(3, 6)
    fwd, cache = ref.layers.affine_forward(x, w, b)
    dx, dw, db = ref.layers.affine_backward(dout, cache)
    out.update(r_x=x, r_w=w, r_b=b, r_dout=dout, r_out=fwd, r_dx=dx, r_dw=dw, r_db=db)
    return out


AFFINE_FORWARD_CASES = (("notebook input (docs/courses.md §3.1)", "nb"), ("4-D input", "r"))
AFFINE_BACKWARD_CASES = (("seed-231 input (docs/courses.md §3.2)", "bw"), ("4-D input", "r"))
AFFINE_GRADS = ("dx", "dw", "db")


@check("affine_forward.values", kind="value", fixture="affine", tolerance=1e-8)
def check_affine_forward_values(ctx: CheckContext) -> Outcome:
    """affine_forward matches the reference on the notebook input (docs/courses.md §3.1) and on a 4-D input."""
    f = ctx.fixture()

    def case(prefix):
        out, _ = forward(ctx, "layers.affine_forward", *inputs(f, prefix, "x", "w", "b"))
        return [compare_array("out", out, f[f"{prefix}_out"], ctx.tolerance)]

    return verdict(over_cases(AFFINE_FORWARD_CASES, case),
                   "out matches on the notebook input and on a 4-D input", sep="; ",
                   hint="out = x.reshape(N, -1) @ w + b, for x of any number of dimensions")


def affine_grad_candidates(f, prefix: str, key: str = "") -> dict:
    """Known mistakes' dw and db of an affine backward case (``f[key + prefix + "_dw"]``...):
    averaged over the batch instead of summed."""
    n = f[f"{prefix}_dout"].shape[0]
    return {name: scaled(f[f"{key}{prefix}_{name}"], mean_not_sum(name, n)) for name in ("dw", "db")}


@check("affine_backward.values", kind="value", fixture="affine", tolerance=1e-8)
def check_affine_backward_values(ctx: CheckContext) -> Outcome:
    """affine_backward's dx, dw, db match the reference (docs/courses.md §3.2 input and a 4-D input)."""
    f, d = ctx.fixture(), Diagnoses()

    def case(prefix):
        expected = dict(zip(AFFINE_GRADS, inputs(f, prefix, *AFFINE_GRADS)))
        return backward_problems(ctx, "layers.affine_forward", inputs(f, prefix, "x", "w", "b"),
                                 "layers.affine_backward", f[f"{prefix}_dout"], expected, AFFINE_GRADS,
                                 ctx.tolerance, d, affine_grad_candidates(f, prefix))

    return verdict(over_cases(AFFINE_BACKWARD_CASES, case), "dx, dw and db match the reference", d=d,
                   hint="each gradient has the shape of what it differentiates (dx like x, with all its "
                        "dimensions; dw like w; db like b); dw and db add up over the batch")


@check("affine_backward.numeric_gradient", kind="gradient", fixture="affine", tolerance=1e-7)
def check_affine_backward_numeric(ctx: CheckContext) -> Outcome:
    """affine_backward agrees with a numeric gradient of the student's own affine_forward.

    Requirement: the notebook's gradient check of affine_backward (docs/courses.md §2.3, §3.2).
    """
    f, d = ctx.fixture(), Diagnoses()
    found = gradient_problems(ctx, "layers.affine_forward", inputs(f, "bw", "x", "w", "b"),
                              "layers.affine_backward", f["bw_dout"], {"dx": 0, "dw": 1, "db": 2},
                              ctx.tolerance, d=d)
    return verdict([join_problems(found)], "backward agrees with the numeric gradient of your forward",
                   d=d, suffix=" against a numeric gradient of your affine_forward")


# --------------------------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------------------------


@fixture("relu")
def relu_fixture(ref):
    """docs/courses.md §3.3 notebook input, docs/courses.md §3.4 seed-231 input, and inputs with exact zeros in 3-D."""
    out = {"nb_x": np.linspace(-0.5, 0.5, num=12).reshape(3, 4)}
    out["nb_out"] = ref.layers.relu_forward(out["nb_x"])[0]
    rng = np.random.RandomState(231)
    out["bw_x"], out["bw_dout"] = rng.randn(10, 10), rng.randn(10, 10)
    # Exact zeros (np.linspace(-0.5, 0.5, 11) contains 0.0) in a 3-D array: catches `>=` masks
    # and masks reshaped to 2-D (docs/courses.md §7.1).
    zeros = np.linspace(-0.5, 0.5, 11)
    z = np.concatenate([zeros, zeros[::-1], zeros[:2]]).reshape(2, 3, 4)
    rng = np.random.RandomState(5)
    out["z_x"], out["z_dout"] = z, rng.randn(2, 3, 4)
    out["z_out"] = ref.layers.relu_forward(z)[0]
    out["z_dx"] = ref.layers.relu_backward(out["z_dout"], ref.layers.relu_forward(z)[1])
    out[mistake_key("z_dx", "ge_mask")] = out["z_dout"] * (z >= 0)
    return out


RELU_MISTAKES = {"ge_mask": "dx matches a ReLU mask with >= (x >= 0): no gradient may pass where "
                            "x == 0, use x > 0"}


RELU_FORWARD_CASES = (("notebook input (docs/courses.md §3.3)", "nb"), ("3-D input with exact zeros", "z"))


@check("relu_forward.values", kind="value", fixture="relu", tolerance=1e-12)
def check_relu_forward_values(ctx: CheckContext) -> Outcome:
    """relu_forward matches the reference on the notebook input (docs/courses.md §3.3) and on a 3-D input."""
    f = ctx.fixture()

    def case(prefix):
        out, _ = forward(ctx, "layers.relu_forward", f[f"{prefix}_x"])
        return [compare_array("out", out, f[f"{prefix}_out"], ctx.tolerance)]

    return verdict(over_cases(RELU_FORWARD_CASES, case), "out matches", sep="; ",
                   hint="out has x's shape: negative entries become 0, the others pass unchanged")


@check("relu_backward.any_shape", kind="value", fixture="relu", tolerance=1e-12)
def check_relu_backward_any_shape(ctx: CheckContext) -> Outcome:
    """relu_backward's dx is right for a 3-D input, compared where the input is not exactly 0.

    Requirement: the ReLU layers take inputs "of any shape" (docs/courses.md §2.1); a mask reshaped to
    2-D fails here (§7.1). The gradient at exactly 0 is left to the extra check
    ``relu_backward.exact_zeros``: the course never fixes the subgradient there.
    """
    f = ctx.fixture()
    grads, _ = backward(ctx, "layers.relu_forward", (f["z_x"],), "layers.relu_backward", f["z_dout"], ("dx",))
    dx, problem = as_array("dx", grads["dx"], f["z_x"].shape)
    if problem is None:
        away = f["z_x"] != 0
        problem = compare_array("dx", dx[away], f["z_dx"][away], ctx.tolerance)
    return verdict([problem and f"on a 3-D input (compared where x != 0): {problem}"],
                   "dx is right for a 3-D input",
                   hint="the mask comes from the forward INPUT and has the shape of x (any number of "
                        "dimensions), not a 2-D reshape")


@check("relu_backward.exact_zeros", kind="value", fixture="relu", tolerance=1e-12)
def check_relu_backward_exact_zeros(ctx: CheckContext) -> Outcome:
    """relu_backward passes no gradient where the input is exactly 0, for a 3-D input.

    Extra: the course never fixes the subgradient at exactly 0 and its tests have no exact zero
    (docs/courses.md §3.4, §7.1); rubrics mark this check ``extra: true``.
    """
    f, d = ctx.fixture(), Diagnoses()
    grads, _ = backward(ctx, "layers.relu_forward", (f["z_x"],), "layers.relu_backward", f["z_dout"], ("dx",))
    problem = d.compare("dx", grads["dx"], f["z_dx"], ctx.tolerance, stored(f, "z_dx", RELU_MISTAKES))
    return verdict([problem and f"on a 3-D input containing exact zeros: {problem}"],
                   "dx is right at exact zeros and for 3-D inputs", d=d,
                   hint="the gradient passes only where the forward INPUT was strictly positive (not at "
                        "exact zeros), for inputs of any shape")


@check("relu_backward.numeric_gradient", kind="gradient", fixture="relu", tolerance=1e-9)
def check_relu_backward_numeric(ctx: CheckContext) -> Outcome:
    """relu_backward agrees with a numeric gradient of the student's relu_forward (docs/courses.md §3.4)."""
    f = ctx.fixture()
    found = gradient_problems(ctx, "layers.relu_forward", (f["bw_x"],), "layers.relu_backward",
                              f["bw_dout"], {"dx": 0}, ctx.tolerance)
    return verdict([join_problems(found)], "dx agrees with the numeric gradient",
                   suffix=" against a numeric gradient of your relu_forward",
                   hint="the mask comes from the forward input x, not from dout or out")
