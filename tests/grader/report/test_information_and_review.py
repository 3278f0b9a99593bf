"""Every report format shows a 0-point check as information (not a failure that cost points) and
lists what is left to a TA: free-text questions and figures the grader could not verify."""
import json
from pathlib import Path

import jsonschema
import pytest

from grader.report import RENDERERS
from grader.report.gradescope import gradescope_dict
from grader.result import MANUAL_HEADING, CheckResult, ManualItem, Report

REPO = Path(__file__).resolve().parents[3]
FIGURE_LINE = "Got 137 / 500 correct => accuracy: 0.274000"


def _report() -> Report:
    results = [
        CheckResult(name="notebook.execution_order", section="knn.ipynb", kind="notebook", points=0,
                    max_points=0, status="failed", message="1 cell(s) ran out of order: cell 3 [In 24]",
                    visibility="visible", duration_s=0.0),
        CheckResult(name="notebook.claims", section="knn.ipynb", kind="notebook", points=3,
                    max_points=3, status="passed", message="3 claims reproduced", visibility="visible",
                    duration_s=0.0),
    ]
    manual = [ManualItem(source="knn.ipynb", title="Inline Question 1", answer="outliers"),
              ManualItem(source="knn.ipynb", kind="figure", title="kNN accuracy with k = 1",
                         prompt="cell 5 prints 0.274; the cifar10 dataset is not available here",
                         answer=FIGURE_LINE, points=1.0)]
    return Report(submission="alice", rubric="cs231n_knn", rubric_title="CS231n knn.ipynb",
                  profile="canonical", results=results, started_at="2026-01-01T00:00:00+00:00",
                  duration_s=1.0, manual=manual)


def test_a_zero_point_check_is_information_and_costs_nothing():
    report = _report()
    info = report.results[0]
    assert info.informational and info.shown_status == "information (failed)"
    assert (report.score, report.max_score) == (3, 3)
    assert report.summary() == "1 passed, 1 information"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_shows_information_and_the_review_list(fmt):
    text = RENDERERS[fmt](_report())
    if fmt == "junit":   # a test report: information is never a failure there
        assert "<failure" not in text and "status: information (failed)" in text
        return
    if fmt == "json":
        data = json.loads(text)
        schema = json.loads((REPO / "grader" / "schemas" / "report.schema.json").read_text())
        jsonschema.validate(data, schema)
        assert [m["kind"] for m in data["manual"]] == ["question", "figure"]
        return
    assert MANUAL_HEADING in text and "kNN accuracy with k = 1" in text
    if fmt != "gradescope":
        assert "information (failed)" in text and "accuracy: 0.274000" in text


def test_gradescope_passes_an_information_check_and_lists_the_review_items():
    data = gradescope_dict(_report())
    order = next(t for t in data["tests"] if t["name"] == "notebook.execution_order")
    assert order["status"] == "passed" and order["max_score"] == 0
    assert order["output"].startswith("information, 0 points:")
    assert "- knn.ipynb: kNN accuracy with k = 1 (1 points)" in data["output"]


def test_an_unknown_review_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        ManualItem(source="x", title="y", kind="essay")
