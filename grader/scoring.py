"""Partial-credit rules: how much of a check's points an outcome earns.

A rule is the rubric's ``partial_credit`` mapping; an outcome is anything with the attributes
``passed`` (``bool | None``), ``fraction`` (``float | None``, 0..1) and ``measured``
(``float | None``, e.g. a validation accuracy as a fraction, 0.51 for 51 %), such as
``grader.checks.base.Outcome``. ``score(rule, outcome)`` returns the credit in ``[0, 1]``,
``award`` the points and ``status_for`` the result status; the session scores every check with
these three and nothing else.

Rules
-----
``{rule: all_or_nothing}``
    1 when the check passed, else 0.
``{rule: fraction}``
    The check's own ``fraction``, clipped to ``[0, 1]`` (without one: all or nothing).
``{rule: linear_ramp, low: L, high: H}``
    ``clip((measured - L) / (H - L), 0, 1)``.
``{rule: threshold, value: V}``
    1 when ``measured >= V``, else 0.

``linear_ramp`` and ``threshold`` need a measurement; an outcome without one falls back to
all or nothing (a check that could not measure anything, e.g. the student's code raised,
reports ``passed=False``). A measurement that is NaN or infinite earns 0, and so does a
skipped outcome (``status == "skipped"``), whatever it measured.

Decision (``docs/courses.md`` §4.7 and §9.2): the courses write the accuracy credit as
``min(floor((X - 28%) / 22%), 1)`` (UCLA HW3) and ``min(floor((X - 32%) / 28%), 1)`` (UCLA HW4).
Read literally, ``floor`` makes the credit 0 below the full mark and negative under 28 %, which
contradicts "a score multiplier". We read both as the linear ramp
``clip((X - low) / (high - low), 0, 1)``: ``{rule: linear_ramp, low: 0.28, high: 0.50}`` and
``{rule: linear_ramp, low: 0.32, high: 0.60}``. A rubric that wants the literal all-or-nothing
reading writes ``{rule: threshold, value: 0.50}`` instead.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

RULES = ("all_or_nothing", "fraction", "linear_ramp", "threshold")
POINT_DECIMALS = 4


def _finite(x: Any) -> float | None:
    """``x`` as a float, or ``None`` when it is missing or not finite."""
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def all_or_nothing(outcome) -> float:
    """1.0 when ``outcome.passed`` is True, else 0.0 (failed, partial or skipped)."""
    return 1.0 if getattr(outcome, "passed", None) is True else 0.0


def fraction(outcome) -> float:
    """``outcome.fraction`` clipped to [0, 1]; NaN gives 0; no fraction falls back to pass/fail."""
    value = getattr(outcome, "fraction", None)
    if value is None:
        return all_or_nothing(outcome)
    value = _finite(value)
    return 0.0 if value is None else _clip01(value)


def linear_ramp(outcome, low: float, high: float) -> float:
    """``clip((measured - low) / (high - low), 0, 1)``; requires ``high > low``."""
    low, high = float(low), float(high)
    if not high > low:
        raise ValueError(f"linear_ramp needs high > low, got low={low}, high={high}")
    measured = getattr(outcome, "measured", None)
    if measured is None:
        return all_or_nothing(outcome)
    measured = _finite(measured)
    if measured is None:
        return 0.0
    return _clip01((measured - low) / (high - low))


def threshold(outcome, value: float) -> float:
    """1.0 when ``measured >= value``, else 0.0."""
    measured = getattr(outcome, "measured", None)
    if measured is None:
        return all_or_nothing(outcome)
    measured = _finite(measured)
    if measured is None:
        return 0.0
    return 1.0 if measured >= float(value) else 0.0


def score(rule: Mapping[str, Any] | None, outcome) -> float:
    """The credit in [0, 1] that ``outcome`` earns under ``rule`` (``None``: all or nothing)."""
    rule = dict(rule or {"rule": "all_or_nothing"})
    name = rule.get("rule", "all_or_nothing")
    if name == "all_or_nothing":
        credit = all_or_nothing(outcome)
    elif name == "fraction":
        credit = fraction(outcome)
    elif name == "linear_ramp":
        try:
            low, high = rule["low"], rule["high"]
        except KeyError as exc:
            raise ValueError(f"linear_ramp needs 'low' and 'high', got {rule}") from exc
        credit = linear_ramp(outcome, low, high)
    elif name == "threshold":
        try:
            value = rule["value"]
        except KeyError as exc:
            raise ValueError(f"threshold needs 'value', got {rule}") from exc
        credit = threshold(outcome, value)
    else:
        raise ValueError(f"unknown partial-credit rule {name!r}; one of {RULES}")
    if getattr(outcome, "status", None) == "skipped":   # a skipped check earns nothing
        return 0.0
    return _clip01(credit)


def award(rule: Mapping[str, Any] | None, outcome, max_points: float) -> float:
    """Points earned: ``max_points * score(rule, outcome)``, rounded to 4 decimals."""
    return round(float(max_points) * score(rule, outcome), POINT_DECIMALS)


def status_for(credit: float, outcome) -> str:
    """The result status for a credit: skipped / passed (1) / failed (0) / partial (between)."""
    if getattr(outcome, "status", None) == "skipped":
        return "skipped"
    if credit >= 1.0:
        return "passed"
    return "partial" if credit > 0.0 else "failed"
