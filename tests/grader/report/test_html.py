"""The HTML report: one self-contained page, failures first with diagnosis and hint, plots from
the measured series, the notebooks rendered with the flagged cells marked and linked."""
from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from dataclasses import replace

import jsonschema
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.report import RENDERERS
from grader.report.html import MAX_PLOTS, plotted, render_html, split_message
from grader.report.json_report import load_json, render_json, report_schema
from grader.report.plots import plot_series
from grader.result import CheckResult, Report

from . import sample_report
from .classroom import NOTEBOOK, build, graded, notebook_with_flags

PNG = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
EXTERNAL = re.compile(r'\b(?:src|href|action)\s*=\s*"(?!data:|#)', re.IGNORECASE)


@pytest.fixture(scope="module")
def buggy(classroom):
    """The buggy example with a notebook beside it, graded for real; and its folder."""
    return graded("buggy_notebook", classroom), build("buggy_notebook", classroom)


@pytest.fixture(scope="module")
def page(buggy):
    report, folder = buggy
    return render_html(report, [(NOTEBOOK, folder / NOTEBOOK)])


def _article(page: str, check: str) -> str:
    start = page.index(f'id="check-{check}"')
    return page[start:page.index("</article>", start)]


def test_html_is_a_registered_renderer():
    report = sample_report()
    assert RENDERERS["html"](report) == render_html(report)


def test_page_is_self_contained_and_locked_down(page):
    assert page.startswith("<!DOCTYPE html>")
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "script-src 'none'" in page and "<script" not in page
    assert 'name="viewport"' in page and "@media print" in page and "@media (max-width:700px)" in page


def test_total_sections_and_profile_at_the_top(buggy, page):
    report, _ = buggy
    head = page[:page.index('id="attention"')]
    assert f'{report.score:g} / {report.max_score:g}'.replace(".3333", "") in head.replace(".3333", "")
    for section in report.section_scores():
        assert f"<td>{section}</td>" in head
    assert "Graded as <strong>canonical</strong>" in head
    assert "why: no cs231n/" in head     # the profile's reasons, from the notes


def test_failed_checks_first_with_message_diagnosis_and_hint(page):
    attention = page[page.index('id="attention"'):page.index('id="passed"')]
    affine = _article(attention, "affine_backward.values")
    assert '<span class="badge failed">failed</span>' in affine
    assert "Diagnosis:</strong> the values of dx are right but flattened" in affine
    assert "Hint:</strong> each gradient has the shape of what it differentiates" in affine   # direction hints
    # passed checks are collapsed after the failures
    passed = page[page.index('id="passed"'):page.index('id="notebooks"')]
    assert passed.startswith('id="passed"><h2>') and "<details><summary>layers:" in passed
    assert 'id="check-relu_forward.values"' in passed and 'id="check-relu_forward.values"' not in attention


def test_split_message_separates_diagnosis_and_hint():
    r = CheckResult("x.values", "layers", "value", 0, 2, "failed",
                    "dx has relative error 1 (tolerance 1e-12). Diagnosis: uses x >= 0\nHint: use x > 0",
                    "visible", 0.1, hint="use x > 0")
    assert split_message(r) == ("dx has relative error 1 (tolerance 1e-12).", "uses x >= 0", "use x > 0")


def test_notebook_is_rendered_with_flagged_cells_linked_both_ways(page):
    notebook = page[page.index('id="notebooks"'):]
    assert "name &#x27;best_model&#x27; is not defined" in notebook or "best_model" in notebook
    # cell 3 raised, cell 6 never ran: notebook.cells_ran names both
    for cell in (3, 6):
        assert f'id="nb0-cell-{cell}" data-flagged="true"' in notebook
        assert f'href="#nb0-cell-{cell}"' in _article(page, "notebook.cells_ran")
    banner = notebook[notebook.index('id="nb0-cell-3"'):]
    assert 'Cell 3 flagged by <a href="#check-notebook.cells_ran">notebook.cells_ran</a>' in banner
    # a cell nothing flagged is anchored but not marked
    assert 'id="nb0-cell-2"' in notebook and 'id="nb0-cell-2" data-flagged' not in notebook


def test_free_text_answers_are_listed_and_their_cells_marked(buggy, page):
    report, _ = buggy
    assert [m.title for m in report.manual] == ["Inline Question 1"]
    manual = page[page.index('id="manual"'):page.index('id="passed"')]
    assert "the net overfits the small training set" in manual
    assert 'href="#nb0-cell-4"' in manual and 'href="#nb0-cell-5"' in manual
    for cell in (4, 5):
        assert (f'id="nb0-cell-{cell}" data-flagged="true"' in page)
    assert 'href="#manual-1">for manual grading: Inline Question 1</a>' in page


def _png_variance(data: bytes) -> float:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(data)).convert("L")
    assert image.size == (640, 360)
    return ImageStat.Stat(image).var[0]


def test_plots_are_drawn_from_the_series_the_checks_measured(buggy, page):
    """The buggy example's own curves: its training runs, the optimizer descent (adam broken);
    at most MAX_PLOTS plots: the checks needing attention, then the panels with a threshold."""
    report, _ = buggy
    drawn = plotted(report.results)
    images = PNG.findall(page)
    assert len(images) == sum(map(len, drawn.values())) == MAX_PLOTS
    for encoded in images:
        assert _png_variance(base64.b64decode(encoded)) > 100
    assert drawn["optim.loss_decreases"] == {"descent"}
    assert all("accuracy" in drawn[name] for name in ("training.overfit_three_layer", "training.overfit_five_layer",
                                                       "training.two_layer_accuracy", "training.neural_net_accuracy"))
    alts = re.findall(r'<img src="data:image/png[^"]*" alt="([^"]*)"', page)
    assert any(a.startswith("training.two_layer_accuracy: Accuracy per epoch") and
               "threshold full credit (val &gt;= 0.90) at 0.9" in a and "val, measured by the grader" in a
               for a in alts)
    assert any(a.startswith("optim.loss_decreases") and "adam (stopped at step 1)" in a for a in alts)
    assert "fc_net.initialization" not in drawn          # passed, no threshold: over the budget
    assert "(weight_std; this page draws at most" in _article(page, "fc_net.initialization")
    assert "(loss; this page draws at most" in _article(page, "training.neural_net_accuracy")


def test_the_json_report_carries_the_series(buggy):
    report, _ = buggy
    data = json.loads(render_json(report))
    jsonschema.validate(data, report_schema())
    series = {r["name"]: r["series"] for r in data["results"] if r.get("series")}
    assert {"training.two_layer_accuracy", "optim.loss_decreases", "fc_net.initialization",
            "neural_net.train_toy"} <= set(series)
    assert all(len(values) <= 200 for one in series.values() for values in one.values())
    assert load_json(render_json(report)).results == report.results


def test_every_panel_has_title_axes_legend_and_threshold(buggy):
    report, _ = buggy
    by_name = {r.name: r for r in report.results}
    for name in ("training.two_layer_accuracy", "optim.loss_decreases", "fc_net.initialization"):
        for plot in plot_series(by_name[name].series, name):
            assert plot.title.startswith(name + ": ")
            assert "(" in plot.x_label and "(" in plot.y_label or plot.x_label == "layer", plot
            assert plot.legend
    accuracy = plot_series(by_name["training.two_layer_accuracy"].series, "t")[1]
    assert accuracy.y_label == "accuracy (fraction correct)"
    assert [t for t in accuracy.legend if t.startswith("threshold")] == [
        "threshold full credit (val >= 0.90)", "threshold no credit (val <= 0.50)"]
    assert plot_series({"loss.train": [None, float("nan")]}) == []      # nothing finite: no plot


def test_a_thinned_history_keeps_its_iterations_on_the_x_axis():
    plot, = plot_series({"loss.train": [2.0, 1.0, 0.5], "loss.index": [0, 499, 999]})
    assert "3 points (x 1 to 1000)" in plot.alt and plot.legend == ("train",)


def test_the_plot_budget_prefers_attention_then_thresholds():
    def result(name, status, series, kind="value"):
        return CheckResult(name, "s", kind, 1, 1, status, "", "visible", 0.1, series=series)

    results = [result("a.passed", "passed", {"loss.train": [2.0, 1.0]}),
               result("b.graded", "passed", {"loss.train": [2.0, 1.0], "accuracy.train": [0.5],
                                             "accuracy.threshold x": [0.9]}, "training"),
               result("c.failed", "failed", {"loss.train": [2.0, 1.0], "accuracy.val": [0.2]})]
    assert plotted(results, limit=3) == {"c.failed": {"loss", "accuracy"}, "b.graded": {"accuracy"}}
    assert plotted(results, limit=4) == {"c.failed": {"loss", "accuracy"}, "b.graded": {"accuracy", "loss"}}
    assert plotted(results, limit=5)["a.passed"] == {"loss"}
    page = render_html(replace(sample_report(), results=results), [])
    assert len(PNG.findall(page)) == 5
def test_without_series_or_notebooks_matplotlib_and_nbconvert_are_not_imported():
    code = ("import sys, json\nfrom grader.report.html import render_html\n"
            "from tests.grader.report import sample_report\n"
            "render_html(sample_report(), [])\n"
            "print(json.dumps(['matplotlib' in sys.modules, 'nbconvert' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, False]


def test_student_text_is_escaped_and_notebook_html_sanitised(tmp_path):
    hostile = replace(sample_report(), notes=['<script>alert("note")</script>'])
    path = notebook_with_flags(tmp_path / "nb.ipynb")
    nb = json.loads(path.read_text())
    nb["cells"][0]["source"] = "# Title\n<script>alert(1)</script><img src=x onerror=alert(2)>"
    path.write_text(json.dumps(nb))
    text = render_html(hostile, [("nb.ipynb", path)])
    assert "<script>" not in text and "onerror" not in text
    assert "&lt;script&gt;alert(&quot;note&quot;)&lt;/script&gt;" in text


def test_an_unreadable_notebook_is_a_message_not_a_crash(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    text = render_html(sample_report(), [("broken.ipynb", broken)])
    assert "the notebook could not be shown: broken.ipynb is not valid JSON" in text


def test_series_survive_the_json_report_and_follow_its_schema():
    base = sample_report()
    series = {"loss.train": [2.3, float("nan"), 1.1], "accuracy.threshold val": [0.5]}
    report = replace(base, results=[replace(base.results[0], series=series)] + base.results[1:])
    text = render_json(report)
    jsonschema.validate(json.loads(text), report_schema())
    back = load_json(text)
    assert back.results[0].series == {"loss.train": [2.3, None, 1.1], "accuracy.threshold val": [0.5]}
    assert back.results[1].series is None


def test_series_are_bounded_and_withheld_with_the_measurement():
    long = CheckResult("t.fit", "training", "training", 1, 1, "passed", "", "hidden", 0.1,
                       series={f"loss.run{i}": list(range(5000)) for i in range(20)})
    assert len(long.series) == 16 and all(len(v) == 2000 for v in long.series.values())
    assert long.series["loss.run0"][-1] == 4999
    shown = Report("s", "canonical", "C", "canonical", [long], "t", 0.0).for_audience("student")
    assert shown.results[0].series is None


def test_cli_writes_the_html_report_with_the_submissions_notebooks(buggy, tmp_path):
    _, folder = buggy
    out, data = tmp_path / "report.html", tmp_path / "report.json"
    result = CliRunner().invoke(main, [str(folder), "-q", "--html", str(out), "--json", str(data)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert 'id="check-relu_backward.exact_zeros"' in text and "<!DOCTYPE html>" in text
    # the notebook was found again in the submission, named as the report names it
    assert f"<h3>{NOTEBOOK}</h3>" in text and 'id="nb0-cell-3" data-flagged="true"' in text
    # its plots were drawn in a second process while the checks ran: the same page as one
    # drawn afterwards in this process from the same report
    assert len(PNG.findall(text)) == MAX_PLOTS
    assert text == render_html(load_json(data.read_text()))


def test_notebooks_are_found_in_folders_zips_and_single_files(tmp_path):
    import zipfile

    from grader.report.notebook_html import notebook_files

    folder = tmp_path / "sub"
    notebook_with_flags(folder / "hw" / NOTEBOOK)
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(folder / "hw" / NOTEBOOK, f"hw/{NOTEBOOK}")
    for given, name in ((folder, f"hw/{NOTEBOOK}"), (archive, f"hw/{NOTEBOOK}"),
                        (folder / "hw" / NOTEBOOK, NOTEBOOK)):
        with notebook_files(given) as found:
            assert [n for n, _ in found] == [name]
            assert all(p.read_text().startswith("{") for _, p in found)
    with notebook_files(tmp_path / "gone") as found:
        assert found == []


def test_a_diverging_run_is_drawn_on_a_log_axis_and_its_lost_points_are_named():
    """A loss that explodes to 1e198 and then NaN (the softmax-as-SVM mutant's five-layer run):
    a linear axis would flatten everything before the explosion."""
    series = CheckResult("c", "s", "training", 0, 1, "failed", "", "visible", 0.1,
                         series={"loss.train": [64.0, 30.0, 1e10, 9e198, float("inf"), float("nan")],
                                 "accuracy.measured": [float("nan"), 0.1]}).series
    loss, accuracy = plot_series(series)
    assert loss.legend == ("train (2 not finite, not drawn)",) and loss.y_scale == "log"
    assert plot_series({"loss.train": [2.3, 0.1, 0.01]})[0].y_scale == "linear"    # a normal run
    assert accuracy.legend == ("measured",)          # the padding before one point is not lost data
