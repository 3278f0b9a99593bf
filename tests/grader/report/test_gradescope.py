"""Gradescope's results.json: the documented fields only, hidden checks withheld."""
import json

import jsonschema
import pytest

from grader.report.gradescope import render_gradescope

from . import EXPECTED_SCORE, LATE_SECRET, ROWS, SECRET, sample_report

_VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# The fields of Gradescope's autograder specification ("Output format" of results.json).
GRADESCOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]}, {"required": ["tests"]}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": "number"},
        "output": {"type": "string"},
        "output_format": _FORMAT,
        "test_output_format": _FORMAT,
        "test_name_format": _FORMAT,
        "visibility": _VISIBILITY,
        "stdout_visibility": _VISIBILITY,
        "extra_data": {"type": "object"},
        "leaderboard": {"type": "array"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "score": {"type": "number"},
                "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]},
                "name": {"type": "string"},
                "name_format": _FORMAT,
                "number": {"type": "string"},
                "output": {"type": "string"},
                "output_format": _FORMAT,
                "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": _VISIBILITY,
                "extra_data": {"type": "object"},
            },
        }},
    },
}


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_output_matches_gradescope_fields(audience):
    data = json.loads(render_gradescope(sample_report().for_audience(audience)))
    jsonschema.Draft202012Validator(GRADESCOPE_SCHEMA).validate(data)
    assert data["output_format"] == "text" and data["stdout_visibility"] == "hidden"


def test_scores_statuses_and_visibility_per_check():
    data = json.loads(render_gradescope(sample_report()))
    assert data["score"] == pytest.approx(EXPECTED_SCORE)
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert [t["name"] for t in data["tests"]] == [row[0] for row in ROWS]
    assert [t["max_score"] for t in data["tests"]] == [row[4] for row in ROWS]
    assert [t["status"] for t in data["tests"]] == ["passed" if row[5] == "passed" else "failed" for row in ROWS]
    assert [t["visibility"] for t in data["tests"]] == [row[7] for row in ROWS]
    partial = data["tests"][3]
    assert partial["score"] == 1.5 and partial["output"].startswith("partial: ")


def test_hidden_messages_never_reach_the_file_even_from_an_instructor_report():
    text = render_gradescope(sample_report().for_audience("instructor"))
    assert SECRET not in text
    hidden = json.loads(text)["tests"][2]
    assert hidden["visibility"] == "hidden" and hidden["output"] == "hidden check: failed"
    # Gradescope itself holds after_due_date tests back until the due date
    assert LATE_SECRET in text


def test_hostile_message_is_bounded_and_without_control_characters():
    data = json.loads(render_gradescope(sample_report()))
    out = data["tests"][1]["output"]
    assert len(out) <= 2100
    assert "\x00" not in out and "\x1b" not in out
    assert "<b>bold</b> & ]]> | `code`" in out
