"""The HTML report's plots and notebooks made in a second process while the checks run: the
same bytes as made in one process, only the panels the page can still draw, nothing a student
may not see, and a page that does not depend on the process at all."""
from __future__ import annotations

import sys

from tests.support import REPO

from grader.report.html import plotted, render_html
from grader.report.html_process import HtmlProcess
from grader.report.notebook_html import conversion_key, convert
from grader.report.plots import panel_requests, plot_key, plot_panel
from grader.result import CheckResult, Report

from .classroom import NOTEBOOK, notebook_with_flags


def _result(name: str, status: str = "passed", visibility: str = "visible", loss=(2.3, 1.2, 0.4)):
    return CheckResult(name, "training", "training", 1.0 if status == "passed" else 0.0, 1.0, status,
                       "", visibility, 0.1,
                       series={"loss.train": list(loss), "accuracy.train": [0.1, 0.5, 0.9],
                               "accuracy.threshold required (train = 1.00)": [1.0]})


def _report(results) -> Report:
    return Report("sub", "canonical", "C", "canonical", results, "t", 0.0)


def test_the_plots_drawn_in_the_child_are_the_bytes_drawn_here():
    results = [_result("t.a"), _result("t.b", "failed", loss=(2.3, float("nan"), 9e198)), _result("t.c")]
    process = HtmlProcess(limit=4)
    for position, r in enumerate(results):
        process.offer(position, r)
    drawn = process.finish().plots
    chosen = plotted(results, limit=4)
    wanted = {plot_key(*args) for r in results for args in panel_requests(r.series, r.name, chosen.get(r.name, ()))}
    assert wanted <= drawn.keys()                           # the page's 4 (and maybe some pushed out)
    for r in results:
        for args in panel_requests(r.series, r.name):
            key = plot_key(*args)
            if key in drawn:
                assert drawn[key] == plot_panel(*args)       # PNG, alt text, legend: identical
    # the page takes them from there and is the page drawn in one process
    report = _report(results)
    with process.made.serving():
        page = render_html(report, [])
    assert page == render_html(report, [])


def test_the_notebooks_converted_in_the_child_are_the_pages_own(tmp_path):
    path = notebook_with_flags(tmp_path / "sub" / NOTEBOOK)
    (tmp_path / "sub" / "broken.ipynb").write_text("{not json")
    process = HtmlProcess()
    process.notebooks(tmp_path / "sub")
    made = process.finish()
    text = path.read_text()
    index = sorted(["broken.ipynb", NOTEBOOK]).index(NOTEBOOK)     # numbered as the page numbers them
    assert made.notebooks[conversion_key(text, index)] == convert(text, index)
    assert convert(text, index)[1] is None and 'id="cell-id=nb' in convert(text, index)[0]
    report = _report([])
    with made.serving():
        page = render_html(report, [(NOTEBOOK, path), ("broken.ipynb", tmp_path / "sub" / "broken.ipynb")])
    assert page == render_html(report, [(NOTEBOOK, path), ("broken.ipynb", tmp_path / "sub" / "broken.ipynb")])


def test_a_withheld_check_is_not_drawn_for_students_and_a_page_without_the_child_is_the_same(monkeypatch):
    hidden = _result("t.hidden", "failed", visibility="hidden")
    process = HtmlProcess(audience="student")
    process.offer(0, hidden)
    assert process.finish().plots == {}
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")   # the child cannot start
    process = HtmlProcess()
    process.offer(0, _result("t.a"))
    process.notebooks(REPO)
    assert process.finish().plots == {} and not process.made.notebooks
    page = render_html(_report([_result("t.a")]), [])
    assert page.count('<img src="data:image/png;base64,') == 2    # drawn here instead


def test_close_stops_the_child_without_waiting_for_what_is_wanted():
    process = HtmlProcess()
    for position in range(3):
        process.offer(position, _result(f"t.{position}"))
    process.close()
    assert not process.alive()


def test_a_child_that_dies_leaves_the_rest_to_the_page():
    process = HtmlProcess()
    process._child.kill()        # noqa: SLF001  (the child process, as if killed by the system)
    process._child.wait()        # noqa: SLF001
    for position in range(3):
        process.offer(position, _result(f"t.{position}"))
    made = process.finish()
    report = _report([_result(f"t.{position}") for position in range(3)])
    with made.serving():
        page = render_html(report, [])
    assert page == render_html(report, []) and page.count('<img src="data:image/png;base64,') == 6
