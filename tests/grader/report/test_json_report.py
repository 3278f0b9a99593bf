"""The JSON report validates against grader/schemas/report.schema.json and reads back."""
import json

import jsonschema
import pytest

from grader.report.json_report import load_json, render_json, report_schema

from . import EXPECTED_MAX, EXPECTED_SCORE, LATE_SECRET, SECRET, sample_report


@pytest.fixture(scope="module")
def validator():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_render_validates_against_the_report_schema(validator, audience):
    data = json.loads(render_json(sample_report().for_audience(audience)))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors


def test_schema_rejects_what_it_should(validator):
    """The schema is not a rubber stamp: a wrong status or a missing field fails it."""
    data = json.loads(render_json(sample_report()))
    data["results"][0]["status"] = "ok"
    del data["worker_stderr"]
    messages = [e.message for e in validator.iter_errors(data)]
    assert any("'ok' is not one of" in m for m in messages)
    assert any("'worker_stderr' is a required property" in m for m in messages)


def test_totals_and_round_trip():
    report = sample_report()
    text = render_json(report)
    data = json.loads(text)
    assert data["score"] == pytest.approx(EXPECTED_SCORE)
    assert data["max_score"] == pytest.approx(EXPECTED_MAX)
    assert load_json(text) == report


def test_student_render_holds_no_hidden_data_and_bounded_messages():
    text = render_json(sample_report().for_audience("student"))
    assert SECRET not in text and LATE_SECRET not in text
    data = json.loads(text)
    assert all(len(r["message"]) <= 2000 for r in data["results"])
    assert "<b>bold</b> & ]]> | `code` \x00" in data["results"][1]["message"]   # shown as is, JSON-escaped
