"""The building blocks of a check: call the student's function on labelled cases, compare what
comes back with the reference, collect the problems, and fail with a hint.

A check for a new layer reads like this (``layers/affine_relu.py``)::

    @check("affine_forward.values", kind="value", fixture="affine", tolerance=1e-8)
    def check_affine_forward_values(ctx):
        '''affine_forward matches the reference on the notebook input and on a 4-D input.'''
        f = ctx.fixture()

        def case(prefix):
            out, _ = forward(ctx, "layers.affine_forward", *inputs(f, prefix, "x", "w", "b"))
            return [compare_array("out", out, f[f"{prefix}_out"], ctx.tolerance)]

        return verdict(over_cases(CASES, case), "out matches", hint="out = x.reshape(N, -1) @ w + b")

``backward_problems`` compares a backward with the reference, ``gradient_problems`` with a
numeric gradient of the student's own forward, ``loss_problems`` a ``(loss, dx)`` pair;
``register`` adds a family of checks that differ only in their arguments; ``changed_inputs``
names the caller's arrays a call modified in place (``input_unchanged`` checks); a helper that
already knows the outcome raises ``base.CheckFailed``. Model-level helpers live in ``models``.

A self-consistency check (a gradient against the numeric gradient of the student's own loss, a
vectorised version against the student's naive one, a training loop against the student's own
loss, a property of parameters the course's code casts) passes on a starter that does nothing:
zero agrees with zero. Such a check first asks whether the function does real work
(``all_zero`` on what it returned), and if not returns ``no_work(...)``: 0 points, with a
message saying what it earns its points for (docs/rubrics.md, "Real-work gates").

Everything here runs in the trusted grader on plain data the worker sent back (see ``compare``);
calls into the student's code go through ``ctx``.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import CheckContext, CheckInputError, Outcome, check
from .compare import (
    as_array,
    compare_array,
    compare_scalar,
    describe,
    join_problems,
    unpack,
)
from .diagnosis import MATCH_TOL, Diagnoses, distance, sample, scaled
from .numeric import coordinates, numeric_gradient

# --------------------------------------------------------------------------------------------
# collecting problems and turning them into an Outcome
# --------------------------------------------------------------------------------------------


def nonempty(*found: str | None) -> list[str]:
    """The non-empty problems among ``found`` (a list of them may be passed as one argument)."""
    if len(found) == 1 and isinstance(found[0], (list, tuple)):
        found = tuple(found[0])
    return [p for p in found if p]


def labelled(label: str, problem: str | None) -> str | None:
    """``"<label>: <problem>"``, or ``None`` when there is no problem."""
    return f"{label}: {problem}" if problem else None


def on(label: str, found: Sequence[str | None]) -> str | None:
    """``"on the <label>: <problems>"``, or ``None`` when there is no problem."""
    found = nonempty(list(found))
    return f"on the {label}: {join_problems(found)}" if found else None


def verdict(messages: Iterable[str | None], ok: str, *, hint: str | None = None,
            d: Diagnoses | None = None, prefix: str = "", suffix: str = "", sep: str = " | ") -> Outcome:
    """``Outcome.ok(ok)`` when every message is empty, otherwise one failure naming them all
    (``prefix``, the messages joined by ``sep``, ``suffix``, then the mistakes ``d`` named) with
    ``hint``."""
    found = [m for m in messages if m]
    if not found:
        return Outcome.ok(ok)
    text = prefix + sep.join(found) + suffix
    return Outcome.fail(d.message(text) if d is not None else text, hint=hint)


def over_cases(cases: Iterable[tuple[str, str]], problems_of) -> list[str | None]:
    """``on(label, problems_of(prefix))`` for each labelled case ``(label, prefix)``."""
    return [on(label, problems_of(prefix)) for label, prefix in cases]


def inputs(f: Mapping[str, np.ndarray], prefix: str, *names: str) -> tuple:
    """The fixture arrays ``f["<prefix>_<name>"]`` of one case, in order."""
    return tuple(f[f"{prefix}_{name}"] for name in names)


def mean_not_sum(name: str, n: int) -> dict[str, float]:
    """A known mistake for a gradient that sums over a batch of ``n``: averaging it (see ``scaled``)."""
    return {f"{name} is the batch mean, not the sum over the batch": 1.0 / n}


def all_zero(*values: Any) -> bool:
    """True when every value is a number or array that is exactly 0 everywhere (a starter's
    ``loss = 0.0``, ``dW = np.zeros_like(W)``); False for anything else, including None."""
    for value in values:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        if np.any(arr != 0):   # None becomes NaN, which is not 0
            return False
    return True


def no_work(found: str, earns: str, *, hint: str | None = None) -> Outcome:
    """The failed outcome of a real-work gate: what the grader found (``found``), then "this check
    earns its points once <earns>" (docs/rubrics.md, "Real-work gates")."""
    return Outcome.fail(f"{found}: this check earns its points once {earns}", hint=hint)


def register(check_id: str, doc: str, run, *args, **spec) -> None:
    """Register ``run(ctx, *args)`` as the check ``check_id`` (``spec``: ``kind``, ``fixture``,
    ``tolerance`` as for ``@check``), with ``doc`` as its docstring: for a family of checks that
    differ only in their arguments (the same test of ``rmsprop`` and ``adam``)."""
    def func(ctx: CheckContext) -> Outcome:
        return run(ctx, *args)

    func.__doc__ = doc
    func.__name__ = func.__qualname__ = "check_" + check_id.replace(".", "_")
    func.__module__ = run.__module__
    check(check_id, **spec)(func)


# --------------------------------------------------------------------------------------------
# calling the student's functions
# --------------------------------------------------------------------------------------------


def forward(ctx: CheckContext, target: str, *args, return_args: bool = False, label: str = ""):
    """Call a layer's forward, keeping its cache in the worker: ``(out, cache_ref)``, or
    ``(out, cache_ref, args_after_the_call)`` with ``return_args`` (to read a mutated param dict).
    A result that is not ``(out, cache)`` raises ``CheckInputError``."""
    name = target.rsplit(".", 1)[-1]
    result = ctx.call(target, *args, keep=[1], return_args=return_args) if return_args else \
        ctx.call(target, *args, keep=[1])
    after = None
    if return_args:
        result, after = result
    result, problem = unpack(name, result, 2)
    if problem:
        raise CheckInputError(f"{label + ': ' if label else ''}{problem}; return (out, cache)")
    return (result[0], result[1], after) if return_args else (result[0], result[1])


def backward(ctx: CheckContext, forward_target: str, args: tuple, backward_target: str, dout,
             names: tuple[str, ...]) -> tuple[dict | None, str | None]:
    """Run the student's forward on ``args`` and its backward on ``dout`` with the cache:
    ``({name: gradient}, None)``, or ``(None, problem)`` when the backward did not return one
    value per name (a backward with one gradient returns the array itself)."""
    _, cache = forward(ctx, forward_target, *args)
    result = ctx.call(backward_target, dout, cache)
    if len(names) == 1:
        return {names[0]: result}, None
    grads, problem = unpack(backward_target.rsplit(".", 1)[-1], result, len(names))
    if problem:
        return None, problem
    return dict(zip(names, grads)), None


def backward_problems(ctx: CheckContext, forward_target: str, args: tuple, backward_target: str,
                      dout, expected: Mapping[str, np.ndarray], names: tuple[str, ...], tol: float,
                      d: Diagnoses | None = None, candidates: Mapping[str, Any] | None = None) -> list[str]:
    """The student's backward (after its own forward on ``args``) against the reference's
    gradients ``expected[name]``; known mistakes' values ``candidates[name]`` are looked up in ``d``."""
    _, cache = forward(ctx, forward_target, *args)
    return grad_problems(ctx.call(backward_target, dout, cache), expected, names, tol,
                         backward_target.rsplit(".", 1)[-1], d, candidates)


def gradient_problems(ctx: CheckContext, forward_target: str, args: tuple, backward_target: str,
                      dout, wrt: Mapping[str, int], tol: float, **numeric) -> list[str]:
    """The student's backward against numeric gradients of the student's own forward on ``args``
    (``wrt`` maps each gradient's name to its argument's position; ``numeric`` as in
    ``numeric_problems``: ``d``, ``candidates``, ``batch_sums``, ``max_coords``)."""
    analytic, problem = backward(ctx, forward_target, args, backward_target, dout, tuple(wrt))
    if problem:
        return [problem]
    return numeric_problems(ctx, forward_target, args, analytic, wrt, dout, tol, **numeric)


# --------------------------------------------------------------------------------------------
# comparing gradients and losses
# --------------------------------------------------------------------------------------------


def grad_problems(values, expected: Mapping[str, np.ndarray], names: tuple[str, ...], tol: float,
                  function: str, d: Diagnoses | None = None,
                  candidates: Mapping[str, Any] | None = None) -> list[str]:
    """Compare the tuple a backward returned with ``expected[name]`` for each name.

    ``candidates[name]`` are known mistakes' values of that gradient (see ``diagnosis``), looked
    up in ``d`` when a gradient differs.
    """
    grads, problem = unpack(function, values, len(names))
    if problem:
        return [problem]
    d = d if d is not None else Diagnoses()
    candidates = candidates or {}
    return nonempty([d.compare(n, g, expected[n], tol, candidates.get(n)) for n, g in zip(names, grads)])


def loss_problem(loss: Any, expected: float, tol: float) -> str | None:
    """A loss against the reference, with a tolerance relative to the loss's size (floor 1)."""
    expected = float(expected)
    return compare_scalar("loss", loss, expected, tol * max(1.0, abs(expected)))


def loss_problems(got, expected_loss: float, expected_dx: np.ndarray, tol: float,
                  function: str, d: Diagnoses | None = None,
                  candidates: Mapping[str, Any] | None = None) -> list[str]:
    """``(loss, dx)`` against the reference (the loss as ``loss_problem``).

    ``candidates`` are known mistakes' ``(loss, dx)`` on the same input, looked up in ``d``.
    """
    result, problem = unpack(function, got, 2)
    if problem:
        return [problem]
    expected_loss = float(expected_loss)
    found = nonempty(loss_problem(result[0], expected_loss, tol),
                     compare_array("dx", result[1], expected_dx, tol))
    if found and d is not None:
        d.check(tuple(result), candidates or {}, expected=(expected_loss, expected_dx))
    return found


def numeric_problems(ctx: CheckContext, target: str, args: tuple, analytic: Mapping[str, Any],
                     wrt: Mapping[str, int], dout, tol: float, select: int | None = 0,
                     max_coords: int | None = None, d: Diagnoses | None = None,
                     candidates: Mapping[str, Any] | None = None,
                     batch_sums: tuple[str, ...] = ()) -> list[str]:
    """The student's gradients ``analytic[name]`` against numeric gradients of ``target``.

    ``wrt`` maps a gradient name to the position of its argument; with ``max_coords`` only a
    sample of coordinates (fixed by the check's seed) is perturbed. A differing gradient is
    looked up in ``d`` among ``candidates[name]`` (known mistakes' full gradients) and, for the
    names in ``batch_sums``, the numeric gradient averaged over the batch of ``dout``.
    """
    rng = ctx.rng
    d = d if d is not None else Diagnoses()
    candidates = candidates or {}
    found = []
    for name, index in wrt.items():
        x = np.asarray(args[index])
        got, problem = as_array(name, analytic[name], x.shape)
        if problem:
            found.append(problem)
            continue
        coords = coordinates(x.size, max_coords, rng)
        numeric = numeric_gradient(ctx, target, args, index, dout, coords=coords, select=select)
        got = got.reshape(-1)[coords]
        problem = compare_array(name, got, numeric, tol)
        if problem:
            known = sample(candidates.get(name, {}), coords)
            if name in batch_sums:
                known.update(scaled(numeric, mean_not_sum(name, np.shape(dout)[0])))
            d.check(got, known, expected=numeric, tol=max(MATCH_TOL, tol))
        found.append(problem)
    return nonempty(found)


# --------------------------------------------------------------------------------------------
# state-carrying update rules (optimizers): ``next_w, config = rule(w, dw, config)``
# --------------------------------------------------------------------------------------------


def call_rule(ctx: CheckContext, rule: str, w, dw, config):
    """Call the student's rule; return ``(next_w, returned_config, callers_config, problem)``."""
    result, after = ctx.call(f"optim.{rule}", w, dw, config, return_args=True)
    values, problem = unpack(rule, result, 2)
    if problem:
        return None, None, None, problem + " (return next_w, config)"
    next_w, returned = values
    if not isinstance(returned, dict):
        return None, None, None, (f"{rule} should return the config dict as its second value, "
                                  f"got {describe(returned)}")
    return next_w, returned, after[2], None


def state_problem(rule: str, key: str, config: dict, expected, tol: float, where: str,
                   before=None) -> str | None:
    """Compare ``config[key]`` with ``expected`` (t exactly, arrays by rel_error).

    ``before`` is the state the call started from (the caller's, or the documented start when
    the caller had none): a state that comes back unchanged was not stored.
    """
    not_stored = f"the new {key} is not stored in config"
    if key not in config:
        return f"{where} has no key '{key}': {not_stored} (config['{key}'] = ...)"
    if key == "t":
        got = config[key]
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, np.integer, np.floating)):
            return f"{where}['t'] should be a number, got {describe(got)}"
        if float(got) != float(expected):
            unchanged = isinstance(before, (int, float, np.integer, np.floating)) and float(got) == float(before)
            return f"{where}['t'] is {got}, expected {int(expected)}" + (f" ({not_stored})" if unchanged else "")
        return None
    problem = compare_array(f"{where}['{key}']", config[key], expected, tol)
    if problem and before is not None and distance(config[key], before) <= tol < distance(expected, before):
        problem += f" (it is unchanged: {not_stored})"
    return problem


# --------------------------------------------------------------------------------------------
# side effects: arrays of the caller that a call modified in place
# --------------------------------------------------------------------------------------------


def argument_name(path: str, names: Sequence[str]) -> str:
    """A worker's changed-array path as the student reads it: ``"1.0"`` with ``names`` (dout,
    cache) is ``cache[0]``, ``"bn_param.running_mean"`` is ``bn_param['running_mean']``."""
    head, *rest = path.split(".")
    name = names[int(head)] if head.isdigit() and int(head) < len(names) else head
    return name + "".join(f"[{part}]" if part.isdigit() else f"[{part!r}]" for part in rest)


def changed_inputs(ctx: CheckContext, target, args: tuple, names: Sequence[str], *,
                   allowed: Collection[str] = (), keep=None, **kwargs) -> tuple[Any, list[str]]:
    """Call ``target(*args, **kwargs)`` and return ``(result, changed)``: the names (as
    ``argument_name``) of the argument arrays the call modified in place, compared bit for bit
    in the worker, arrays inside tuples, lists and dicts (a held cache) included. Arguments
    named in ``allowed`` may change (what the course documents, e.g. ``bn_param``)."""
    options = {"keep": keep} if keep is not None else {}
    result, paths = ctx.call(target, *args, watch_args=True, **options, **kwargs)
    names = list(names) + [k for k in kwargs if k not in names]
    changed = [argument_name(p, names) for p in paths]
    return result, [c for c in changed if c.split("[")[0] not in allowed]


def modified_problem(function: str, changed: Sequence[str]) -> str | None:
    """``"relu_forward modifies its input x in place"``, or ``None`` when nothing changed."""
    if not changed:
        return None
    return f"{function} modifies {' and '.join(f'its input {c}' for c in changed)} in place"


#: Why a forward pass or a loss must leave its inputs alone (docs/courses.md §2.11).
REUSED_INPUTS = ("the course's gradient cells perturb ONE array in place and call the function "
                 "again and again (docs/courses.md §2.3, §2.11), so their printed error is wrong")
UNCHANGED_HINT = ("never write into an argument: compute into a new array (np.maximum(0, x), "
                  "x - mean), or start from a copy (x = x.copy()) before in-place operations")


def no_work_problem(name: str, value: np.ndarray | None) -> str | None:
    """``"<name> is all zeros"`` when a starter's placeholder (``np.zeros``) came back: a function
    that has not computed anything yet has no side effects to judge."""
    if value is not None and not np.any(value):
        return f"{name} is all zeros (the starter's placeholder)"
    return None


def unchanged_verdict(function: str, changed: Sequence[str], result_problem: str | None = None, *,
                      why: str = REUSED_INPUTS, hint: str = UNCHANGED_HINT) -> Outcome:
    """The outcome of an ``input_unchanged`` check: failed when the function returned nothing
    usable yet (``result_problem``: a starter's ``None`` has no side effects to judge) or
    modified an argument in place (``changed``, from ``changed_inputs``), with ``why``."""
    if result_problem:
        return Outcome.fail(f"{result_problem}: nothing to check yet")
    problem = modified_problem(function, changed)
    return verdict([problem], f"{function} leaves its inputs unchanged", suffix=f" ({why})", hint=hint)
