"""Gradescope's ``results.json``, field for field as Gradescope's autograder specification
documents it; ``grader/schemas/gradescope_results.schema.json`` is that specification as a JSON
Schema (``gradescope_schema()``). Shape::

    {"score": 142.3333, "execution_time": 7.9, "output": "...", "output_format": "text",
     "visibility": "visible", "stdout_visibility": "hidden", "extra_data": {...},
     "tests": [{"name": "affine_forward.values", "number": "1.1", "score": 2, "max_score": 2,
                "status": "passed", "output": "", "output_format": "text", "tags": ["layers"],
                "visibility": "visible", "extra_data": {"status": "passed", "kind": "value"}}]}

Gradescope hands this file's content to students, so it is always rendered for a student whatever
report is given. Visibilities (docs/deployment.md says why):

* ``visible`` -> ``visible``.
* ``hidden`` -> ``visible`` with the output ``"hidden check: <status>"`` (no message, hint or
  measurement): the student sees the check's name, points and status, as in every other format.
  Gradescope's own ``hidden`` would also hide the student's total.
* ``after_due_date`` / ``after_published`` -> the same Gradescope value with the full message:
  Gradescope itself holds the test back until the (late) due date / until grades are published.

Gradescope knows only ``passed`` and ``failed``: partial, error and skipped checks are
``failed``, keep their points, start their output with their status and keep it in
``extra_data.status``. A 0-point check (information) is ``passed`` whatever its status, its
output starting "information, 0 points". An extra or optional check says so on the last line of
its output, in its tags and in ``extra_data.role``; an extra check's ``max_score`` is 0 (its
points, if the rubric gives any, are bonus). The items a TA reviews (``Report.manual``) are
listed in the top-level output. A report whose submission could not be graded (``Report.error``) has a
score of 0, that one reason as its output, and no tests.
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ..result import MANUAL_HEADING, ROLE_TEXT, Report, format_points, printable

GRADESCOPE_VISIBILITY = {"visible": "visible", "hidden": "visible",
                         "after_due_date": "after_due_date", "after_published": "after_published"}


def _summary(shown: Report) -> list[str]:
    total = f"{format_points(shown.score)} / {format_points(shown.max_score)} points"
    lines = [f"{printable(shown.rubric_title)}: {total}"]
    lines.append(shown.summary() + " checks")
    by_visibility = {v: sum(r.visibility == v for r in shown.results) for v in GRADESCOPE_VISIBILITY}
    if by_visibility["hidden"]:
        lines.append(f"{by_visibility['hidden']} hidden checks show only their points and status.")
    if by_visibility["after_due_date"]:
        lines.append(f"{by_visibility['after_due_date']} checks are shown after the due date.")
    if by_visibility["after_published"]:
        lines.append(f"{by_visibility['after_published']} checks are shown once grades are published.")
    if shown.manual:
        lines.append(f"{MANUAL_HEADING}: {len(shown.manual)} item(s), not in this score:")
        lines += [f"- {printable(m.source)}: {printable(m.title)}"
                  + (f" ({format_points(m.points)} points)" if m.points is not None else "")
                  for m in shown.manual]
    return lines


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _test(r, number: str) -> dict[str, Any]:
    output = printable(r.full_message)
    if r.informational:
        output = f"information, 0 points: {output}" if output else "information, 0 points"
    elif r.status in ("skipped", "error", "partial") and not r.withheld(after_due_date=True):
        output = f"{r.status}: {output}" if output else r.status
    extra: dict[str, Any] = {"status": r.status, "kind": r.kind}
    if r.measured is not None:
        extra["measured"] = r.measured
    if r.label:
        extra["role"] = r.role
        output = f"{output}\n({ROLE_TEXT[r.role]})" if output else f"({ROLE_TEXT[r.role]})"
    return {
        "name": r.name,
        "number": number,
        "score": r.points,
        "max_score": r.max_points if r.in_max else 0.0,   # extra points are bonus
        "status": "passed" if r.status == "passed" or r.informational else "failed",
        "output": output,
        "output_format": "text",
        "tags": [r.section] + ([r.role] if r.label else []),
        "visibility": GRADESCOPE_VISIBILITY[r.visibility],
        "extra_data": extra,
    }


def gradescope_dict(report: Report) -> dict[str, Any]:
    """The ``results.json`` content for ``report`` (rendered for a student)."""
    shown = report.for_audience("student", after_due_date=True)
    extra: dict[str, Any] = {"rubric": shown.rubric, "profile": shown.profile,
                             "max_score": shown.max_score, "grader_version": shown.grader_version}
    notes = [printable(note) for note in shown.notes]
    if shown.error is not None:
        extra["error"] = shown.error
        return {
            "score": 0.0,
            "execution_time": round(shown.duration_s, 3),
            "output": "\n".join([_sentence(printable(shown.error)),
                                 "Nothing was scored; fix the upload and submit again.", *notes]),
            "output_format": "text",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": extra,
            "tests": [],
        }
    extra["counts"] = shown.counts()
    tests = []
    for i, (section, results) in enumerate(shown.by_section().items(), start=1):
        tests += [_test(r, f"{i}.{j}") for j, r in enumerate(results, start=1)]
    return {
        "score": shown.score,
        "execution_time": round(shown.duration_s, 3),
        "output": "\n".join(_summary(shown) + notes),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": extra,
        "tests": tests,
    }


def render_gradescope(report: Report) -> str:
    """``report`` as Gradescope's ``results.json`` text."""
    return json.dumps(gradescope_dict(report), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def gradescope_schema() -> dict:
    """Gradescope's results.json specification as a JSON Schema (draft 2020-12)."""
    text = resources.files("grader").joinpath("schemas/gradescope_results.schema.json").read_text("utf-8")
    return json.loads(text)
