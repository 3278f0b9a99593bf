"""Checks that the layers of ``layers.py`` leave the caller's arrays as they were
(``<function>.input_unchanged``, one per function).

Every other check hands the student fresh copies, so a function that writes into its arguments
(``x[x < 0] = 0; out = x``) passes them all. Here the worker copies every array it passes (the
cache's arrays too) and compares them after the call; only the names of the changed ones come
back (``toolkit.changed_inputs``).

What the course requires (docs/courses.md §2.11):

* A **forward pass or a loss** must not modify its inputs. The course's gradient cells call it
  again and again on ONE array that ``eval_numerical_gradient(_array)`` perturbs in place
  (docs/courses.md §2.3), so a forward that writes into ``x`` makes the course's own printed
  error about 1 (and later cells read a changed ``x``). These checks carry points (small: the
  values are right, the notebook's gradient check is what breaks).
* A **backward pass** writing into ``dout`` or into its cache is invisible to every course cell
  (the numeric gradient is computed before it runs, and nothing reads those arrays again): its
  checks are information, listed for a rubric to give 0 points (``extra``), never a deduction.
* Documented in-place state is allowed: ``bn_param``'s running averages (docs/courses.md §2.1),
  and the mode/seed dicts. Optimizers' ``w`` and ``config`` (docs/courses.md §2.4) are not
  checked at all.

A function that does not yet return its outputs (a starter's ``out = None``) fails: there is
nothing whose side effects could be judged.
"""
from __future__ import annotations

from ..base import CheckContext, Outcome
from ..compare import as_array, unpack
from ..toolkit import (REUSED_INPUTS, UNCHANGED_HINT, changed_inputs, forward, modified_problem, on,
                       register, unchanged_verdict, verdict)

BACKWARD_HINT = "information only: a backward pass may reuse dout and its cache (no course cell reads them again)"


def _fresh(rng) -> dict:
    """The inputs of every case, drawn from the check's own seed: mixed signs, non-zero row maxima."""
    x = 2.0 * rng.randn(6, 5) + 0.5
    return {"x": x, "x3": rng.randn(3, 2, 4), "w": rng.randn(8, 5), "b": rng.randn(5),
            "gamma": 1.0 + 0.2 * rng.randn(5), "beta": 0.3 * rng.randn(5),
            "rm": rng.randn(5), "rv": rng.rand(5) + 0.5, "y": rng.randint(5, size=6),
            "dout": rng.randn(6, 5), "dout3": rng.randn(3, 5)}


#: forward function -> [(case label, argument names, argument builder, names allowed to change)].
FORWARDS = {
    "affine_forward": [("3-D input", ("x", "w", "b"), lambda v: (v["x3"], v["w"], v["b"]), ())],
    "relu_forward": [("input with negatives", ("x",), lambda v: (v["x"],), ())],
    "dropout_forward": [
        ("train-mode call", ("x", "dropout_param"), lambda v: (v["x"], {"mode": "train", "p": 0.6, "seed": 3}),
         ("dropout_param",)),
        ("test-mode call", ("x", "dropout_param"), lambda v: (v["x"], {"mode": "test", "p": 0.6}),
         ("dropout_param",))],
    "batchnorm_forward": [
        ("train-mode call", ("x", "gamma", "beta", "bn_param"),
         lambda v: (v["x"], v["gamma"], v["beta"], {"mode": "train"}), ("bn_param",)),
        ("test-mode call", ("x", "gamma", "beta", "bn_param"),
         lambda v: (v["x"], v["gamma"], v["beta"],
                    {"mode": "test", "running_mean": v["rm"], "running_var": v["rv"]}), ("bn_param",))],
    "layernorm_forward": [("input", ("x", "gamma", "beta", "ln_param"),
                           lambda v: (v["x"], v["gamma"], v["beta"], {}), ("ln_param",))],
}
#: backward function -> (its forward, the FORWARDS case it runs after, dout key).
BACKWARDS = {
    "affine_backward": ("affine_forward", 0, "dout3"),
    "relu_backward": ("relu_forward", 0, "dout"),
    "dropout_backward": ("dropout_forward", 0, "dout"),
    "batchnorm_backward": ("batchnorm_forward", 0, "dout"),
    "batchnorm_backward_alt": ("batchnorm_forward", 0, "dout"),
    "layernorm_backward": ("layernorm_forward", 0, "dout"),
}
LOSSES = ("softmax_loss", "svm_loss")


def _out_shape(function: str, v: dict, args: tuple) -> tuple:
    return (args[0].shape[0], v["w"].shape[1]) if function == "affine_forward" else args[0].shape


def forward_input_unchanged(ctx: CheckContext, function: str) -> Outcome:
    v = _fresh(ctx.rng)

    def case(names, build, allowed):
        args = build(v)
        result, changed = changed_inputs(ctx, f"layers.{function}", args, names, allowed=allowed, keep=[1])
        values, problem = unpack(function, result, 2)
        if problem:
            return [problem + "; return (out, cache)"]
        _, problem = as_array("out", values[0], _out_shape(function, v, args))
        return [problem and f"{problem}: nothing to check yet", modified_problem(function, changed)]

    found = [on(label, case(names, build, allowed)) for label, names, build, allowed in FORWARDS[function]]
    return verdict(found, f"{function} leaves its inputs unchanged", sep="; ",
                   suffix=f" ({REUSED_INPUTS})", hint=UNCHANGED_HINT)


def backward_input_unchanged(ctx: CheckContext, function: str) -> Outcome:
    forward_function, index, dout_key = BACKWARDS[function]
    v = _fresh(ctx.rng)
    _, _, build, _ = FORWARDS[forward_function][index]
    args = build(v)
    _, cache = forward(ctx, f"layers.{forward_function}", *args)
    result, changed = changed_inputs(ctx, f"layers.{function}", (v[dout_key], cache), ("dout", "cache"))
    # relu and dropout return dx itself, the others (dx, dw, db) or (dx, dgamma, dbeta)
    first = result[0] if isinstance(result, (tuple, list)) and len(result) == 3 else result
    _, problem = as_array("dx", first, args[0].shape)
    return unchanged_verdict(function, changed, problem, why="information: no course cell reads them again",
                             hint=BACKWARD_HINT)


def loss_input_unchanged(ctx: CheckContext, function: str) -> Outcome:
    v = _fresh(ctx.rng)
    result, changed = changed_inputs(ctx, f"layers.{function}", (v["x"], v["y"]), ("x", "y"))
    values, problem = unpack(function, result, 2)
    if not problem:
        _, problem = as_array("dx", values[1], v["x"].shape)
    return unchanged_verdict(function, changed, problem)


for _name in FORWARDS:
    register(f"{_name}.input_unchanged",
             f"{_name} leaves the caller's arrays unchanged (the course's gradient cells reuse "
             f"them, docs/courses.md §2.11): {', '.join(case[0] for case in FORWARDS[_name])}.",
             forward_input_unchanged, _name, kind="value")
for _name in LOSSES:
    register(f"{_name}.input_unchanged",
             f"{_name} leaves the caller's scores x and labels y unchanged (the course's numeric "
             "gradient perturbs x in place, docs/courses.md §2.11).",
             loss_input_unchanged, _name, kind="value")
for _name in BACKWARDS:
    register(f"{_name}.input_unchanged",
             f"Extra: {_name} leaves dout and the cache unchanged; no course cell reads them "
             "again, so the course would not deduct (docs/courses.md §2.11).",
             backward_input_unchanged, _name, kind="value")
