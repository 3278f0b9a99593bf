"""Gradescope's results.json: the specification's fields only, hidden checks withheld, the total
always visible to the student."""
import json
from dataclasses import replace

import jsonschema
import pytest

from grader.report.gradescope import gradescope_schema, render_gradescope
from grader.result import CheckResult, Report

from . import EXPECTED_SCORE, LATE_SECRET, ROWS, SECRET, sample_report


def validated(report) -> dict:
    data = json.loads(render_gradescope(report))
    jsonschema.Draft202012Validator(gradescope_schema()).validate(data)
    return data


def test_the_shipped_schema_is_a_valid_schema_that_refuses_unknown_fields():
    schema = gradescope_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert validator.is_valid({"score": 1, "tests": []})
    assert not validator.is_valid({"score": 1, "stdout_visible": "hidden"})           # a typo
    assert not validator.is_valid({"tests": [{"name": "t", "visibility": "students"}]})
    assert not validator.is_valid({"tests": [{"name": "t", "max_score": 1}]})         # no score anywhere


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_output_matches_the_specification(audience):
    data = validated(sample_report().for_audience(audience))
    assert data["output_format"] == "text" and data["stdout_visibility"] == "hidden"
    assert data["visibility"] == "visible"


def test_scores_numbers_tags_and_statuses_per_check():
    data = validated(sample_report())
    assert data["score"] == pytest.approx(EXPECTED_SCORE)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert [t["name"] for t in data["tests"]] == [row[0] for row in ROWS]
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4"]
    assert [t["tags"] for t in data["tests"]] == [[row[1]] for row in ROWS]
    assert [t["max_score"] for t in data["tests"]] == [row[4] for row in ROWS]
    assert [t["status"] for t in data["tests"]] == ["passed" if row[5] == "passed" else "failed" for row in ROWS]
    assert [t["extra_data"]["status"] for t in data["tests"]] == [row[5] for row in ROWS]
    partial = data["tests"][3]
    assert partial["score"] == 1.5 and partial["output"].startswith("partial: ")
    assert partial["extra_data"]["measured"] == 0.39         # the measured accuracy, for instructors
    assert data["extra_data"]["max_score"] == sum(row[4] for row in ROWS)
    assert "Canonical assignment: 4.5 / 13 points" in data["output"]


def test_hidden_checks_stay_visible_so_the_student_keeps_their_total():
    """Gradescope's own "hidden" would hide the student's total: our hidden checks are shown with
    their points and status only."""
    data = validated(sample_report())
    visibilities = [t["visibility"] for t in data["tests"]]
    assert "hidden" not in visibilities
    assert visibilities == ["visible", "visible", "visible", "visible", "visible", "visible", "after_due_date"]
    hidden = data["tests"][2]
    assert hidden["output"] == "hidden check: failed" and hidden["score"] == 0 and hidden["max_score"] == 1
    assert "measured" not in hidden["extra_data"]
    assert "1 hidden checks show only their points and status." in data["output"]


def test_hidden_messages_never_reach_the_file_even_from_an_instructor_report():
    text = render_gradescope(sample_report().for_audience("instructor"))
    assert SECRET not in text
    # Gradescope itself holds after_due_date tests back until the due date: they keep their message
    assert LATE_SECRET in text


def test_after_published_is_passed_through_with_its_message():
    report = sample_report()
    late = replace(report.results[-1], visibility="after_published")
    data = validated(replace(report, results=report.results[:-1] + [late]))
    assert data["tests"][-1]["visibility"] == "after_published"
    assert LATE_SECRET in data["tests"][-1]["output"]
    assert "1 checks are shown once grades are published." in data["output"]


def test_an_ungradable_submission_is_one_reason_and_no_tests():
    result = CheckResult("a.b", "s", "setup", 0, 2, "failed", "the submission could not be graded: x",
                         "visible", 0.0)
    report = Report("up.zip", "canonical", "Canonical", "canonical", [result] * 3,
                    "2024-01-01T00:00:00+00:00", 0.2, notes=["submission: up.zip"],
                    error="the submission could not be graded: up.zip is not a readable zip archive")
    data = validated(report)
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"].startswith("The submission could not be graded: up.zip is not a readable zip")
    assert data["output"].count("readable zip") == 1
    assert data["extra_data"]["error"].endswith("up.zip is not a readable zip archive")


def test_hostile_message_is_bounded_and_without_control_characters():
    data = validated(sample_report())
    out = data["tests"][1]["output"]
    assert len(out) <= 2100
    assert "\x00" not in out and "\x1b" not in out
    assert "<b>bold</b> & ]]> | `code`" in out
