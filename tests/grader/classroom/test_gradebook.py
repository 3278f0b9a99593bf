"""The gradebook files are built from stored results only: sections as columns, the long form,
the summary's statistics and named mistakes, and a Canvas-importable CSV."""
from __future__ import annotations

import csv
import io
import json

import pytest

from grader.classroom.gradebook import (
    CanvasError,
    Row,
    canvas_csv,
    checks_csv,
    diagnoses,
    gradebook_csv,
    summary,
)
from grader.classroom.inputs import Submission
from grader.result import CheckResult, Report

MISTAKE = "dx uses x >= 0: the mask must be strict"


def _report(points: dict[str, float], message: str = "") -> Report:
    results = [CheckResult(name=name, section=name.split(".")[0], kind="value", points=p,
                           max_points=2, status="passed" if p == 2 else "failed",
                           message="" if p == 2 else message, visibility="visible", duration_s=0.5)
               for name, p in points.items()]
    return Report(submission="s", rubric="r", rubric_title="R", profile="canonical",
                  results=results, started_at="2026-01-01T00:00:00+00:00", duration_s=3.0)


def _row(student, report, status="graded", **who):
    return Row(Submission(id=student, path=None, origin=student, **who), status, "", report)


ROWS = [
    _row("4411", _report({"relu.a": 2, "relu.b": 0}, f"wrong. Diagnosis: {MISTAKE}\nHint: use >"),
         name="Ada", email="ada@x.edu", sid="3031"),
    _row("4412", _report({"relu.a": 2, "relu.b": 2})),
    _row("4413", _report({"relu.a": 0, "relu.b": 0}, f"bad. Diagnosis: {MISTAKE}; other")),
    Row(Submission(id="4414", path=None, origin="x"), "error", "the grading process died twice", None),
]


def test_gradebook_has_one_row_per_student_and_a_column_per_section():
    rows = list(csv.reader(io.StringIO(gradebook_csv(ROWS))))
    assert rows[0] == ["student", "name", "email", "sid", "total", "max", "relu", "status", "reason"]
    assert rows[1] == ["4411", "Ada", "ada@x.edu", "3031", "2", "4", "2", "graded", ""]
    assert rows[4] == ["4414", "", "", "", "", "", "", "error", "the grading process died twice"]
    assert "0.5" not in gradebook_csv(ROWS) + checks_csv(ROWS)      # no timings


def test_checks_csv_is_long_form():
    rows = list(csv.reader(io.StringIO(checks_csv(ROWS))))
    assert rows[0] == ["student", "section", "check", "points", "max", "status"]
    assert ["4413", "relu", "relu.b", "0", "2", "failed"] in rows and len(rows) == 1 + 6


def test_summary_statistics_pass_rates_and_the_most_frequent_mistake():
    s = summary(ROWS, "canvas", ["a note"])
    assert s["status"] == {"error": 1, "graded": 3} and s["max"] == 4
    assert s["count"] == 4
    assert s["total"] == {"mean": 2.0, "median": 2.0, "min": 0.0, "max": 4.0,
                          "quantiles": {"10": 0.4, "25": 1.0, "75": 3.0, "90": 3.6}}
    assert s["checks"]["relu.b"]["pass_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["checks"]["relu.b"]["most_frequent_mistake"] == {"mistake": MISTAKE, "students": 2}
    assert s["checks"]["relu.a"]["most_frequent_mistake"] == {"mistake": MISTAKE, "students": 1}
    assert summary(ROWS[1:2], "folder", [])["checks"]["relu.a"]["most_frequent_mistake"] is None
    json.dumps(s, allow_nan=False)


def test_diagnoses_are_read_from_the_message():
    assert diagnoses("x. Diagnosis: a; b\nHint: c") == ["a", "b"] and diagnoses("plain") == []


def test_canvas_csv_fills_the_assignment_column_of_matched_students(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Assignment 2 (8812),Quiz 1 (9)\n"
                      "    Points Possible,,,,,10,5\n"
                      "\"Lovelace, Ada\",4411,3031,ada,CS231n,,4\n"
                      "\"Turing, Alan\",4412,3032,alan,CS231n,,5\n"
                      "\"Hopper, Grace\",4499,3099,grace,CS231n,,5\n")
    text, unmatched = canvas_csv(ROWS, export, "Assignment 2")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Assignment 2 (8812)"]
    assert rows[1][-1] == "4" and rows[2][-1] == "2" and rows[3][-1] == "4" and rows[4][-1] == ""
    assert unmatched == ["4413"]


def test_a_file_that_is_not_a_canvas_export_is_one_clear_error(tmp_path):
    (tmp_path / "x.csv").write_text("name,score\na,1\n")
    with pytest.raises(CanvasError, match="not a Canvas gradebook export"):
        canvas_csv(ROWS, tmp_path / "x.csv", "A")
