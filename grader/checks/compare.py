"""Comparisons used by the checks, with messages that tell the student what differs.

All inputs here came back from the sandbox, so they are already plain data (ndarray, float, int,
None, lists, dicts); they may still be the wrong type, shape or contain NaN.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def rel_error(x, y) -> float:
    """The courses' metric: ``max(|x - y| / max(1e-8, |x| + |y|))`` (docs/courses.md §3.0)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def describe(value: Any) -> str:
    """A short description of a value for messages: ``ndarray float64 (3, 4)``, ``None``."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:8]}"
    return f"a {type(value).__name__} ({value!r:.40})"


def as_array(name: str, value: Any, shape: tuple[int, ...] | None = None) -> tuple[np.ndarray | None, str | None]:
    """Convert a returned value to a float64 array, or explain why that is impossible."""
    if value is None:
        return None, f"{name} is None: did you forget to return or assign it?"
    if isinstance(value, (bool, np.bool_)):
        value = np.asarray(value, dtype=np.float64)
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = np.asarray(value, dtype=np.float64)
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None, f"{name} should be an array, got {describe(value)}"
    if not isinstance(value, np.ndarray):
        return None, f"{name} should be an array, got {describe(value)}"
    if value.dtype.kind not in "biuf":
        return None, f"{name} should hold numbers, got dtype {value.dtype}"
    arr = value.astype(np.float64, copy=False)
    if shape is not None and tuple(arr.shape) != tuple(shape):
        return None, f"{name} has shape {tuple(arr.shape)}, expected {tuple(shape)}"
    return arr, None


def compare_array(name: str, got: Any, expected: np.ndarray, tol: float,
                  metric: str = "rel_error") -> str | None:
    """``None`` when ``got`` matches ``expected`` within ``tol``, otherwise the reason.

    ``metric`` is ``rel_error`` (the courses' metric), ``abs`` (max absolute difference) or
    ``sum_abs`` (sum of absolute differences, used for scores in docs/courses.md §3.7/§3.8).
    """
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = as_array(name, got, expected.shape)
    if problem:
        return problem
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        return f"{name} contains {bad} non-finite value(s) (NaN or inf)"
    if metric == "rel_error":
        err = rel_error(arr, expected)
    elif metric == "abs":
        err = float(np.max(np.abs(arr - expected))) if arr.size else 0.0
    elif metric == "sum_abs":
        err = float(np.sum(np.abs(arr - expected)))
    else:  # pragma: no cover - a programming error in a check
        raise ValueError(metric)
    if err <= tol:
        return None
    label = {"rel_error": "relative error", "abs": "max abs difference",
             "sum_abs": "sum of abs differences"}[metric]
    return f"{name} has {label} {err:.2e} (tolerance {tol:.0e})"


def compare_scalar(name: str, got: Any, expected: float, tol: float) -> str | None:
    """Absolute comparison of a scalar (a loss); the message shows both values."""
    arr, problem = as_array(name, got)
    if problem:
        return problem
    if arr.size != 1:
        return f"{name} should be a scalar, got shape {arr.shape}"
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        return f"{name} is {value}, expected {expected:.10g}"
    if abs(value - expected) <= tol:
        return None
    return f"{name} is {value:.10g}, expected {expected:.10g} (|difference| {abs(value - expected):.2e} > {tol:.0e})"


def unpack(name: str, value: Any, count: int) -> tuple[list | None, str | None]:
    """Check that a function returned a tuple/list of ``count`` items."""
    if not isinstance(value, (list, tuple)):
        return None, f"{name} should return {count} values, got {describe(value)}"
    if len(value) != count:
        return None, f"{name} should return {count} values, got {len(value)}"
    return list(value), None


def join_problems(problems: list[str | None]) -> str:
    """Join the non-empty problems into one message."""
    return "; ".join(p for p in problems if p)
