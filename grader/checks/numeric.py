"""Numeric gradients of the student's own functions, computed in the grader.

The worker builds the perturbed inputs from the sent input (``Worker.perturb``: one round trip,
the input sent once) and returns the student's outputs on them; the finite-difference arithmetic
is done here, in the grader. For large parameters only a sample of
coordinates is perturbed (``max_coords``); the analytic gradient is compared on those.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .base import CheckContext, CheckInputError
from .compare import as_array


def coordinates(size: int, max_coords: int | None, rng: np.random.RandomState) -> np.ndarray:
    """All flat indices, or ``max_coords`` of them sampled without replacement (sorted)."""
    if max_coords is None or size <= max_coords:
        return np.arange(size)
    return np.sort(rng.choice(size, max_coords, replace=False))


def numeric_gradient(ctx: CheckContext, target: Any, args: Sequence[Any], wrt: int,
                     dout: np.ndarray | None = None, *, h: float = 1e-5, select: int | None = 0,
                     coords: np.ndarray | None = None, kwargs: dict | None = None) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(*args) * dout)`` (or of ``f`` summed) w.r.t. ``args[wrt]``.

    ``target`` is a canonical name or a Ref method; ``kwargs`` are passed unchanged to every call.
    ``select`` picks the element of a tuple result (``0`` for ``(out, cache)``, ``None`` when the
    function returns the array itself). Returns the gradient at ``coords`` as a flat array (all
    coordinates when ``coords`` is None). All perturbed calls travel in one round trip.
    """
    x = np.asarray(args[wrt], dtype=np.float64)
    if coords is None:
        coords = np.arange(x.size)
    call_args = tuple(args[:wrt]) + (x,) + tuple(args[wrt + 1:])
    # x + h e_i, x - h e_i for each i in coords, built in the worker: one round trip
    outputs = ctx.perturb(target, call_args, wrt, coords, h, select=select, kwargs=kwargs)
    grad = np.empty(len(coords))
    for k in range(len(coords)):
        plus, problem = as_array("forward output", outputs[2 * k])
        if problem:
            raise CheckInputError(problem)
        minus, problem = as_array("forward output", outputs[2 * k + 1])
        if problem:
            raise CheckInputError(problem)
        if dout is None:
            grad[k] = np.sum(plus - minus) / (2 * h)
        else:
            if plus.shape != np.shape(dout) or minus.shape != np.shape(dout):
                raise CheckInputError(f"forward output has shape {plus.shape}, expected {np.shape(dout)}")
            # Difference first, then contract (as the course's helper does): exact zeros stay 0.
            grad[k] = np.sum((plus - minus) * dout) / (2 * h)
    return grad
