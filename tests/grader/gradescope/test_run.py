"""run_autograder's Python side, in process: one Gradescope-shaped root, one results.json."""
import json
import shutil

import jsonschema
import pytest

from grader.gradescope import run
from grader.report.gradescope import gradescope_schema
from grader.result import CheckResult, Report
from tests.support import REFERENCE

ON_TIME = {"created_at": "2026-03-01T20:00:00.000000-08:00",
           "assignment": {"due_date": "2026-03-01T23:59:00.000000-08:00", "late_due_date": None,
                          "total_points": 165.0},
           "users": [{"name": "Ada", "email": "ada@example.edu", "id": 7}]}


def gradescope_root(tmp_path, submission=None, metadata=None):
    """The folders Gradescope lays out: source/ (the bundle), submission/, submission_metadata.json."""
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "autograder.json").write_text(json.dumps({"rubrics": ["canonical"]}))
    if submission is not None:
        shutil.copytree(submission, tmp_path / "submission")
    else:
        (tmp_path / "submission").mkdir()
    if metadata is not None:
        (tmp_path / "submission_metadata.json").write_text(json.dumps(metadata))
    return tmp_path


def run_in(root, monkeypatch) -> dict:
    monkeypatch.setenv(run.ROOT_ENV, str(root))
    assert run.main() == 0
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.Draft202012Validator(gradescope_schema()).validate(data)
    return data


def test_the_reference_gets_full_marks_and_instructors_see_hidden_messages(tmp_path, monkeypatch, capsys):
    data = run_in(gradescope_root(tmp_path, REFERENCE, ON_TIME), monkeypatch)
    assert data["score"] == 165 and len(data["tests"]) == 130
    assert "after the due date" not in data["output"]
    printed = capsys.readouterr().out
    assert "Total: 165 / 165" in printed and "hidden check:" not in printed


def test_an_empty_upload_is_one_message(tmp_path, monkeypatch):
    data = run_in(gradescope_root(tmp_path), monkeypatch)
    assert data["score"] == 0 and data["tests"] == []
    assert data["output"].startswith("The submission could not be graded: the submitted folder holds no files")


def test_a_fault_of_the_grader_still_writes_a_results_json(tmp_path, monkeypatch, capsys):
    root = gradescope_root(tmp_path)
    (root / "source" / "autograder.json").write_text("{not json")
    data = run_in(root, monkeypatch)
    assert data["score"] == 0 and "The autograder failed on this submission" in data["output"]
    assert "Traceback" in capsys.readouterr().out        # for the instructors' autograder output


@pytest.mark.parametrize("created_at, expected", [
    ("2026-03-01T23:58:59-08:00", None),
    ("2026-03-02T01:29:00-08:00", "submitted 1 h 30 min after the due date"),
    ("2026-03-05T00:00:00Z", "submitted 2 d 16 h 1 min after the late due date"),
])
def test_lateness_is_a_note_never_a_deduction(created_at, expected):
    metadata = {"created_at": created_at,
                "assignment": {"due_date": "2026-03-01T23:59:00-08:00",
                               "late_due_date": "2026-03-03T23:59:00-08:00"}}
    note = run.lateness_note(metadata)
    assert note == expected if expected is None else note.startswith(expected)


def test_an_extension_in_the_metadata_moves_the_due_date():
    metadata = {"created_at": "2026-03-02T10:00:00-08:00",
                "assignment": {"due_date": "2026-03-01T23:59:00-08:00"},
                "users": [{"assignment": {"due_date": "2026-03-03T23:59:00-08:00"}}]}
    assert run.lateness_note(metadata) is None
    assert run.lateness_note({"created_at": "not a date", "assignment": {}}) is None


def test_reports_of_several_rubrics_combine_section_after_section():
    def report(name, points):
        result = CheckResult(f"{name}.c", name, "value", points, 2, "passed" if points == 2 else "failed",
                             "", "visible", 0.1)
        return Report("sub", name, name.title(), "p", [result], "2026-01-01T00:00:00+00:00", 1.0,
                      notes=["submission: folder", f"rubric {name}"])
    both = run.combine([report("a1", 2), report("a2", 0)])
    assert (both.score, both.max_score) == (2, 4)
    assert list(both.section_scores()) == ["a1", "a2"]
    assert both.notes == ["submission: folder", "rubric a1", "rubric a2"]
    assert both.rubric_title == "A1 + A2"
