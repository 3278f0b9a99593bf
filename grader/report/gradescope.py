"""Gradescope's ``results.json`` (the autograder output format Gradescope documents).

Shape::

    {"score": 7.5, "execution_time": 3.2, "output": "...", "output_format": "text",
     "stdout_visibility": "hidden",
     "tests": [{"name": "affine_forward.values", "score": 2, "max_score": 2,
                "status": "passed", "output": "...", "visibility": "visible"}, ...]}

Gradescope shows this file to students, so hidden checks are withheld whatever report is given:
their ``visibility`` is ``"hidden"`` (Gradescope hides the test until grades are published) and
their ``output`` is the generic ``"hidden check: <status>"``, so expected data is never in the
file. ``after_due_date`` checks keep their message: Gradescope itself holds them back until the
due date. Gradescope knows only ``passed`` and ``failed``; partial, error and skipped checks are
``failed`` and keep their points and message.
"""
from __future__ import annotations

import json
from typing import Any

from ..result import Report, format_points, printable


def gradescope_dict(report: Report) -> dict[str, Any]:
    """The ``results.json`` content for ``report`` (hidden checks withheld)."""
    shown = report.for_audience("student", after_due_date=True)
    tests = []
    for r in shown.results:
        output = printable(r.full_message) or r.status
        if r.status in ("skipped", "error", "partial") and not r.withheld(after_due_date=True):
            output = f"{r.status}: {output}"
        tests.append({
            "name": r.name,
            "score": r.points,
            "max_score": r.max_points,
            "status": "passed" if r.status == "passed" else "failed",
            "output": output,
            "visibility": r.visibility,
        })
    summary = [f"{shown.rubric_title}: {format_points(shown.score)} / "
               f"{format_points(shown.max_score)} points"]
    summary += [printable(note) for note in shown.notes]
    return {
        "score": shown.score,
        "execution_time": round(shown.duration_s, 3),
        "output": "\n".join(summary),
        "output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def render_gradescope(report: Report) -> str:
    """``report`` as Gradescope's ``results.json`` text."""
    return json.dumps(gradescope_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
