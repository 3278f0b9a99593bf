"""Curves a check records for the HTML report's plots (``Outcome.series``, format in
``grader.result.CheckResult``): thinning long histories, the rubric's thresholds, and histories read
from the worker without ever changing an outcome.

Recording is cheap by rule (docs/architecture.md, "series"): only histories the check already
has or can read with one attribute lookup, never an extra training run, and at most
``PLOT_POINTS`` points per line. A thinned panel carries the line ``<panel>.index``: the position
of each kept point in the full history, so that the plot's x axis still counts iterations.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Mapping

import numpy as np

from ..result import INDEX_LINE, THRESHOLD_LINE
from ..sandbox import StudentError

PLOT_POINTS = 200       # points kept per recorded line


def values_of(value: Any) -> list[float] | None:
    """``value`` as a flat list of floats (non-finite ones kept), or ``None`` when it is not a
    non-empty 1-D sequence of numbers."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    if arr.ndim != 1 or arr.size == 0:
        return None
    return arr.tolist()


def panel(name: str, lines: Mapping[str, Any], limit: int = PLOT_POINTS) -> dict[str, list[float]]:
    """``{"<name>.<line>": values}`` for every usable line; lines longer than ``limit`` are thinned
    to ``limit`` evenly spaced points (the first and the last kept) and ``<name>.index`` gives their
    positions. Lines of one panel that are thinned must have the same length."""
    usable = {label: v for label, v in ((k, values_of(v)) for k, v in lines.items()) if v is not None}
    longest = max((len(v) for v in usable.values()), default=0)
    if longest <= limit:
        return {f"{name}.{label}": v for label, v in usable.items()}
    keep = sorted({round(i * (longest - 1) / (limit - 1)) for i in range(limit)})
    out = {f"{name}.{label}": [v[i] for i in keep] if len(v) == longest else v
           for label, v in usable.items() if len(v) == longest or len(v) <= limit}
    out[f"{name}.{INDEX_LINE}"] = [float(i) for i in keep]
    return out


def threshold(name: str, label: str, value: float) -> dict[str, list[float]]:
    """The rubric's threshold ``value`` as the line ``<name>.threshold <label>``."""
    value = float(value)
    return {f"{name}.{THRESHOLD_LINE} {label}": [value]} if math.isfinite(value) else {}


def point_at(x: int, value: float) -> list[float]:
    """A line holding only ``value``, at position ``x`` of its panel (e.g. the accuracy the grader
    measured after the last epoch of a logged history)."""
    return [math.nan] * max(int(x), 0) + [float(value)]


def read_histories(ctx, obj, names: tuple[str, ...]) -> dict[str, list[float]]:
    """The list attributes ``names`` of a worker object (a Solver), each as floats; a name that
    cannot be read or is not a list of numbers is left out, so recording never fails a check."""
    out = {}
    for name in names:
        try:
            value = values_of(ctx.getattr(obj, name))
        except StudentError:
            continue
        if value is not None:
            out[name] = value
    return out


SOLVER_HISTORIES = ("loss_history", "train_acc_history", "val_acc_history")


def training_series(histories: Mapping[str, Any], *, val: bool = True) -> dict[str, list[float]]:
    """The ``loss`` and ``accuracy`` panels of a training run from its histories
    (``loss_history``, ``train_acc_history``, ``val_acc_history``); ``val=False`` leaves the
    validation accuracy out (overfit runs validate on their training examples)."""
    series = panel("loss", {"train": histories.get("loss_history")})
    accuracy = {"train": histories.get("train_acc_history")}
    if val:
        accuracy["val"] = histories.get("val_acc_history")
    series.update(panel("accuracy", accuracy))
    return series


def with_series(outcome, series: Mapping[str, list[float]]):
    """``outcome`` with ``series`` added to what it already records."""
    return replace(outcome, series={**(outcome.series or {}), **series}) if series else outcome
