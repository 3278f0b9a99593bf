"""Toolkit for the checks of whole models (``fc_net``, ``neural_net``, ``training``).

A model lives in the worker as a Ref. The grader sets its parameters, calls ``loss`` and reads
what comes back; every comparison happens here. The numeric gradient of a model is taken with
respect to a parameter, so each perturbed evaluation is "set ``params.<name>``, call ``loss``":
all of them for one parameter go in one ``sweep`` (a sample of coordinates for large parameters).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .base import CheckContext, CheckInputError, Outcome
from .compare import as_array, compare_array, describe, unpack
from .numeric import coordinates
from .toolkit import changed_inputs, no_work_problem, unchanged_verdict


def set_params(ctx: CheckContext, model, params: Mapping[str, np.ndarray]) -> None:
    """Replace the model's parameter dict by copies of ``params`` (float64 unless stated)."""
    ctx.setattr(model, "params", {k: np.asarray(v) for k, v in params.items()})


def loss_and_grads(ctx: CheckContext, model, X, y, *, method: str = "loss",
                   kwargs: dict | None = None, label: str = "loss(X, y)"):
    """``(loss, grads)`` from the model, or raise ``CheckInputError`` explaining the shape problem."""
    result = ctx.call(model.method(method), X, y, **(kwargs or {}))
    result, problem = unpack(label, result, 2)
    if problem:
        raise CheckInputError(problem + "; in train mode return (loss, grads)")
    loss, grads = result
    if not isinstance(grads, dict):
        raise CheckInputError(f"{label} should return grads as a dict, got {describe(grads)}")
    return loss, grads


def grads_problems(grads: Mapping[str, Any], expected: Mapping[str, np.ndarray], tol: float) -> list[str]:
    """Each expected gradient against the student's (missing keys and shapes named)."""
    problems = []
    for name in sorted(expected):
        if name not in grads:
            problems.append(f"grads has no key '{name}'")
        else:
            problems.append(compare_array(f"grads['{name}']", grads[name], expected[name], tol))
    extra = sorted(set(map(str, grads)) - set(expected))
    if extra:
        problems.append(f"grads has keys that are not parameters: {extra}")
    return [p for p in problems if p]


def numeric_param_gradient(ctx: CheckContext, model, params: Mapping[str, np.ndarray], name: str,
                           X, y, coords: np.ndarray, *, h: float = 1e-5, method: str = "loss",
                           kwargs: dict | None = None) -> np.ndarray:
    """Centred differences of the student's own loss w.r.t. ``params[name]`` at ``coords``.

    The model's parameters are ``params`` before and after the call. Returns a flat array with
    one derivative per coordinate.
    """
    base = np.asarray(params[name], dtype=np.float64)
    # One round trip per parameter: set each of base +- h e_i (built in the worker), call the
    # loss; ``base`` is restored.
    losses = ctx.sweep(model, f"params.{name}", None, model.method(method), X, y,
                       restore=base, select=0, perturb=(base, coords, h), **(kwargs or {}))
    scalars = []
    for loss in losses:
        arr, problem = as_array("loss", loss)
        if problem or arr.size != 1:
            raise CheckInputError(problem or f"loss should be a scalar, got shape {arr.shape}")
        scalars.append(float(arr.reshape(())))
    grad = np.empty(len(coords))
    for k in range(len(coords)):
        grad[k] = (scalars[2 * k] - scalars[2 * k + 1]) / (2 * h)
    return grad


def numeric_problems(ctx: CheckContext, model, params: Mapping[str, np.ndarray],
                     grads: Mapping[str, Any], X, y, tol: float, *, max_coords: int = 12,
                     names: Sequence[str] | None = None, method: str = "loss",
                     kwargs: dict | None = None) -> list[str]:
    """The student's gradients against numeric gradients of the student's own loss.

    Coordinates are sampled (``max_coords`` per parameter, fixed by the check's seed).
    """
    rng = ctx.rng
    problems = []
    for name in sorted(names or params):
        shape = np.shape(params[name])
        got, problem = as_array(f"grads['{name}']", grads.get(name), shape)
        if problem:
            problems.append(problem)
            continue
        coords = coordinates(int(np.prod(shape)), max_coords, rng)
        numeric = numeric_param_gradient(ctx, model, params, name, X, y, coords,
                                         method=method, kwargs=kwargs)
        problem = compare_array(f"grads['{name}']", got.reshape(-1)[coords], numeric, tol)
        if problem:
            problems.append(problem + " against a numeric gradient of your loss")
    return problems


def fetch_params(ctx: CheckContext, model, expected_shapes: Mapping[str, tuple]) -> tuple[dict | None, str | None]:
    """The model's parameters as float64 arrays with the expected keys and shapes."""
    params = ctx.getattr(model, "params")
    if not isinstance(params, dict):
        return None, f"model.params should be a dict, got {describe(params)}"
    arrays = {}
    for name, shape in expected_shapes.items():
        if name not in params:
            return None, f"model.params has no key '{name}' (keys: {sorted(map(str, params))})"
        arr, problem = as_array(f"params['{name}']", params[name], shape)
        if problem:
            return None, problem
        arrays[name] = arr
    return arrays, None


def seed_worker(ctx: CheckContext, seed: int) -> None:
    """``np.random.seed(seed)`` in the worker, as a notebook cell does before building a model."""
    ctx.call("numpy.random.seed", int(seed))


def loss_input_unchanged(ctx: CheckContext, model, X, y, name: str, **kwargs) -> Outcome:
    """The outcome of a model's ``<model>.input_unchanged`` check: ``model.loss(X, y, **kwargs)``
    must return ``(loss, grads)`` and leave the caller's X and y as they were (the course's
    gradient cells call ``loss`` again and again on the same X, docs/courses.md §2.11)."""
    result, changed = changed_inputs(ctx, model.method("loss"), (X, y), ("X", "y"), **kwargs)
    values, problem = unpack(f"{name}.loss", result, 2)
    if not problem:
        loss, problem = as_array("loss", values[0])
        problem = problem or no_work_problem("loss", loss)
        if not problem and not isinstance(values[1], dict):
            problem = f"grads should be a dict, got {describe(values[1])}"
        if not problem and not values[1]:
            problem = "grads is empty (the starter's placeholder)"
    return unchanged_verdict(f"{name}.loss", changed, problem)


def fc_shapes(hidden_dims, input_dim: int, num_classes: int, norm: bool = False) -> dict[str, tuple]:
    """The parameter shapes of a FullyConnectedNet as its docstring states them (docs/courses.md
    §2.5.3): ``W{i}`` (fan_in, fan_out) layer by layer, ``b{i}`` (fan_out,), and with ``norm``
    ``gamma{i}``/``beta{i}`` (fan_out,) for every hidden layer."""
    sizes = (input_dim, *hidden_dims, num_classes)
    shapes = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{i}"], shapes[f"b{i}"] = (fan_in, fan_out), (fan_out,)
        if norm and i < len(sizes) - 1:
            shapes[f"gamma{i}"] = shapes[f"beta{i}"] = (fan_out,)
    return shapes

