"""The result model: totals, round trip, audience filtering and size caps (grader/result.py)."""
import json
import math

import pytest

from grader.result import (MAX_MESSAGE_CHARS, MAX_OUTPUT_CHARS, CheckResult, Report, format_points,
                           printable)

from .report import EXPECTED_MAX, EXPECTED_SCORE, HOSTILE, LATE_SECRET, SECRET, sample_report


def _result(**overrides):
    fields = dict(name="affine_forward.values", section="layers", kind="value", points=1.0,
                  max_points=2.0, status="partial", message="m", visibility="visible", duration_s=0.1)
    fields.update(overrides)
    return CheckResult(**fields)


def test_score_and_max_score_are_the_sums_of_the_checks():
    report = sample_report()
    assert report.score == pytest.approx(EXPECTED_SCORE)
    assert report.max_score == pytest.approx(EXPECTED_MAX)


def test_score_is_rounded_to_four_decimals():
    """Three checks of 1/3 point each: the float sum 0.999...9 must print as 1."""
    third = round(1 / 3, 4)
    report = Report("s", "r", "R", "canonical", [_result(name=f"c.n{i}", points=third, max_points=1)
                                                 for i in range(3)], "2024-01-01T00:00:00+00:00", 1.0)
    assert report.score == 0.9999
    assert format_points(report.score) == "0.9999"
    assert format_points(2.0) == "2" and format_points(1.5) == "1.5"


def test_by_section_keeps_rubric_order_and_section_scores_sum_up():
    report = sample_report()
    groups = report.by_section()
    assert list(groups) == ["layers", "training"]
    assert [r.name for r in groups["layers"]] == ["affine_forward.values",
                                                  "affine_backward.numeric_gradient", "relu_backward.values"]
    assert report.section_scores() == {"layers": (2.0, 6.0), "training": (2.5, 7.0)}
    assert report.counts() == {"passed": 2, "failed": 2, "partial": 1, "error": 1, "skipped": 1}


def test_to_dict_from_dict_round_trip_through_json():
    report = sample_report()
    data = json.loads(json.dumps(report.to_dict()))
    again = Report.from_dict(data)
    assert again == report
    assert data["score"] == pytest.approx(EXPECTED_SCORE)


def test_from_dict_rejects_another_schema_version():
    data = sample_report().to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="schema_version"):
        Report.from_dict(data)


def test_student_audience_withholds_hidden_checks_but_keeps_name_points_status():
    report = sample_report()
    shown = report.for_audience("student")
    hidden = next(r for r in shown.results if r.name == "relu_backward.values")
    assert hidden.message == "hidden check: failed"
    assert (hidden.points, hidden.max_points, hidden.status) == (0.0, 1.0, "failed")
    assert hidden.hint is None and hidden.measured is None
    late = next(r for r in shown.results if r.name == "best_model.val_accuracy")
    assert late.message == "hidden check: passed"
    assert shown.score == report.score
    text = json.dumps(shown.to_dict())
    assert SECRET not in text and LATE_SECRET not in text
    # the student's printout may repeat a hidden check's inputs: it is withheld as well
    assert "withheld" in shown.worker_stdout


def test_after_due_date_checks_open_up_after_the_due_date_hidden_ones_never():
    shown = sample_report().for_audience("student", after_due_date=True)
    text = json.dumps(shown.to_dict())
    assert LATE_SECRET in text
    assert SECRET not in text


def test_student_audience_keeps_worker_output_when_nothing_is_withheld():
    report = Report("s", "r", "R", "canonical", [_result()], "2024-01-01T00:00:00+00:00", 1.0,
                    worker_stdout="my debug print")
    assert report.for_audience("student").worker_stdout == "my debug print"


def test_instructor_audience_sees_everything():
    report = sample_report()
    shown = report.for_audience("instructor")
    assert shown == report
    assert SECRET in json.dumps(shown.to_dict())


def test_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="audience"):
        sample_report().for_audience("teacher")


def test_messages_and_worker_output_are_capped_when_the_result_is_built():
    result = _result(message=HOSTILE, hint="h" * 50_000)
    assert len(result.message) <= MAX_MESSAGE_CHARS and len(result.hint) <= MAX_MESSAGE_CHARS
    assert result.message.startswith("<b>bold</b>")          # the head of a message is kept
    assert "truncated" in result.message
    report = Report("s", "r", "R", "canonical", [result], "2024-01-01T00:00:00+00:00", 1.0,
                    worker_stdout="a" * 10**6 + "LAST LINE", worker_stderr="b" * 10**6)
    assert len(report.worker_stdout) <= MAX_OUTPUT_CHARS and len(report.worker_stderr) <= MAX_OUTPUT_CHARS
    assert report.worker_stdout.endswith("LAST LINE")        # the tail of an output is kept
    assert len(json.dumps(report.to_dict())) < 3 * MAX_OUTPUT_CHARS + 10 * MAX_MESSAGE_CHARS


def test_text_with_lone_surrogates_becomes_encodable():
    result = _result(message="bad byte \udcff here")
    result.message.encode("utf-8")                           # does not raise
    assert "\\udcff" in result.message


@pytest.mark.parametrize("overrides, match", [
    ({"status": "ok"}, "status"),
    ({"kind": "unit"}, "kind"),
    ({"visibility": "public"}, "visibility"),
    ({"points": 3.0}, "points"),
    ({"points": -0.5}, "points"),
    ({"points": math.nan}, "points"),
])
def test_invalid_results_are_refused(overrides, match):
    with pytest.raises(ValueError, match=match):
        _result(**overrides)


def test_non_finite_measurement_is_stored_as_none():
    assert _result(measured=math.nan).measured is None
    assert _result(measured=0.39).measured == 0.39


def test_full_message_adds_the_hint_once():
    assert _result(message="dw is wrong", hint="use x.T").full_message == "dw is wrong\nHint: use x.T"
    assert _result(message="dw is wrong\nHint: use x.T", hint="use x.T").full_message.count("Hint") == 1


def test_printable_makes_control_characters_visible():
    assert printable("a\x00b\x1b[31mc\r\nd\te") == "a\\x00b\\x1b[31mc\nd\te"


def test_the_check_kinds_are_the_result_kinds():
    from grader.checks.base import KINDS as CHECK_KINDS
    from grader.result import KINDS

    assert CHECK_KINDS is KINDS   # defined once, in the result model
