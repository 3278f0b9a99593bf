"""Notebooks through ``grade``: beside a package, corrupt, alone in a zip, and under --execute.

A small package rubric (three canonical checks, the canonical fixtures) keeps each run to a few
seconds; the notebook rubrics are the packaged ones unless a test installs its own.
"""
from __future__ import annotations

import json
import shutil
import zipfile

import jsonschema
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.engine import GradeOptions, grade
from grader.notebook import plan as plan_mod
from grader.report.markdown import render_markdown
from grader.report.terminal import render_terminal
from tests.support import REPO, make_submission

from .builders import code, error, md, numbered, stream, write

MINI = """name: mini
title: Three package checks
sections:
  - name: package
    checks:
      - {id: relu_forward.values, points: 1}
      - {id: compute_distances_one_loop.values, points: 1}
      - {id: affine_forward.values, points: 1}
"""
PACKAGE_CHECKS = ["relu_forward.values", "compute_distances_one_loop.values", "affine_forward.values"]


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rubric")
    (folder / "mini.yaml").write_text(MINI)
    shutil.copytree(REPO / "rubrics" / "fixtures", folder / "fixtures")
    return folder / "mini.yaml"


def knn_notebook():
    return numbered(
        code("import numpy as np"),
        code("dists_one = classifier.compute_distances_one_loop(X_test)\n"
             "difference = np.linalg.norm(dists - dists_one, ord='fro')\n"
             "print('One loop difference was: %f' % (difference, ))",
             stream("One loop difference was: 0.000000\n")),
        md("**Inline Question 1**\n\nWhat in the data is the cause behind the distinctly bright rows?"),
        md("$\\color{blue}{\\textit Your Answer:}$ Outliers: images far from every other image."),
        md("**Inline Question 2**\n\nWhich preprocessing steps will not change ... Select all that apply."),
        md("$\\color{blue}{\\textit Your Answer:}$ 1, 2, 3"),
    )


def by_name(report):
    return {(r.section, r.name): r for r in report.results}


def test_a_notebook_beside_the_package_is_graded_after_it_and_lists_its_questions(tmp_path, mini):
    sub = make_submission(tmp_path)
    bare = grade(sub, GradeOptions(rubric=mini))
    assert [r.name for r in bare.results] == PACKAGE_CHECKS and bare.manual == []

    write(knn_notebook(), sub / "knn.ipynb")
    report = grade(sub, GradeOptions(rubric=mini))
    results = by_name(report)
    # the package part is graded exactly as without the notebook
    assert [(r.name, r.status) for r in report.results[:3]] == [(r.name, r.status) for r in bare.results]
    assert {s for s, _ in results} == {"package", "knn.ipynb"}
    assert results["knn.ipynb", "notebook.valid"].status == "passed"
    claims = results["knn.ipynb", "notebook.claims"]
    assert "one-loop distances agree with two loops: 0" in claims.message
    assert "reproduced (your package passes compute_distances_one_loop.values)" in claims.message
    assert "Inline Question 2: correct" in results["knn.ipynb", "notebook.inline_questions"].message
    (item,) = report.manual
    assert (item.source, item.title, item.points) == ("knn.ipynb", "Inline Question 1", None)
    assert item.answer == "Outliers: images far from every other image."
    # every renderer shows the manual listing; the JSON follows the report schema
    assert "To review by a TA (1, not in the total)" in render_terminal(report)
    assert "Outliers: images far from every other image." in render_markdown(report)
    schema = json.loads((REPO / "grader" / "schemas" / "report.schema.json").read_text())
    jsonschema.validate(json.loads(json.dumps(report.to_dict())), schema)


def test_a_corrupt_notebook_is_a_message_and_the_package_checks_still_run(tmp_path, mini):
    sub = make_submission(tmp_path)
    text = json.dumps(knn_notebook())
    (sub / "knn.ipynb").write_text(text[: len(text) // 3])
    report = grade(sub, GradeOptions(rubric=mini))
    results = by_name(report)
    assert all(results["package", n].status == "passed" for n in PACKAGE_CHECKS)
    valid = results["knn.ipynb", "notebook.valid"]
    assert valid.status == "failed" and "not valid JSON (corrupt or truncated file?)" in valid.message
    assert any("knn.ipynb is not valid JSON" in note for note in report.notes)


HW_CELLS = [code("import numpy as np"),
            code("def relu_forward(x):\n    return np.maximum(0, x), x"),
            code("def affine_forward(x, w, b):\n    out = x.reshape(x.shape[0], -1) @ w + b\n"
                 "    return out, (x, w, b)"),
            code("relu_forward(np.ones(3))", error("NameError", "name 'np' is not defined"))]


def test_a_notebook_only_zip_grades_its_cells_as_a_package(tmp_path, mini):
    nb = write(numbered(*HW_CELLS), tmp_path / "hw.ipynb")
    archive = tmp_path / "hand-in.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(nb, "hw.ipynb")
    report = grade(archive, GradeOptions(rubric=mini))
    results = by_name(report)
    assert results["package", "relu_forward.values"].status == "passed"
    assert results["package", "affine_forward.values"].status == "passed"
    knn = results["package", "compute_distances_one_loop.values"]
    assert knn.status == "failed" and "not found" in knn.message
    assert any("graded the functions defined in hw.ipynb" in n for n in report.notes)
    ran = results["hw.ipynb", "notebook.cells_ran"]
    assert ran.status == "partial" and "raised NameError" in ran.message


def test_grade_accepts_a_notebook_on_the_command_line(tmp_path, mini):
    nb = write(numbered(*HW_CELLS[:3]), tmp_path / "hw.ipynb")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, [str(nb), "--rubric", str(mini), "--json", str(out), "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {r["section"] for r in data["results"]} == {"package", "hw.ipynb"}
    # relu_forward and affine_forward (2 of 3), and the generic notebook rubric's 2 of 2
    # (notebook.valid and notebook.execution_order are information: 0 points)
    assert (data["score"], data["max_score"]) == (4.0, 5.0)
    info = {r["name"]: r for r in data["results"] if r["max_points"] == 0}
    assert set(info) == {"notebook.valid", "notebook.execution_order"}


# -- --execute through the engine ----------------------------------------------------------------
STALE = """name: stale_claims
title: claims for a test notebook
notebook:
  match: ["claims.ipynb"]
  execute: {cell_timeout: 3, budget: 60, values: {best_params: best_model.params}}
  claims:
    - {name: knn, figure: knn_accuracy, at_least: 0.25}
    - {name: difference, figure: train_acc_difference, at_most: 0.04}
    - {name: validation, figure: validation_set_accuracy, at_least: 0.5,
       verify: {recompute: model_accuracy, value: best_params, dataset: digits, split: val,
                tolerance: 0.02}}
sections:
  - name: nb
    checks:
      - {id: notebook.cells_ran, points: 3, partial_credit: {rule: fraction}}
      - {id: notebook.claims, points: 3, partial_credit: {rule: fraction}}
"""


def test_execute_rereads_the_figures_a_hanging_cell_costs_its_own_claim(tmp_path, mini, monkeypatch):
    rubrics = tmp_path / "nb_rubrics"
    rubrics.mkdir()
    (rubrics / "stale_claims.yaml").write_text(STALE)
    shutil.copy(REPO / "rubrics" / "notebooks" / "generic.yaml", rubrics / "generic.yaml")
    monkeypatch.setattr(plan_mod, "_rubric_dir", lambda: rubrics)
    sub = make_submission(tmp_path)
    write(numbered(
        # the saved output claims more than the code computes
        code("print('Got %d / %d correct => accuracy: %f' % (3, 10, 0.3))",
             stream("Got 10 / 10 correct => accuracy: 1.000000\n")),
        code("import time\ntime.sleep(600)\nprint('Train Acc Difference: 0.01')",
             stream("Train Acc Difference: 0.01\n")),
        # an untrained net (random weights) that claims 60 %: re-evaluated by the grader
        code("import numpy as np\nclass Model: pass\nbest_model = Model()\nrng = np.random.RandomState(0)\n"
             "best_model.params = {'W1': rng.randn(64, 20), 'b1': np.zeros(20),\n"
             "                     'W2': rng.randn(20, 10), 'b2': np.zeros(10)}\n"
             "print('Validation set accuracy: ', 0.6)", stream("Validation set accuracy:  0.6\n")),
    ), sub / "claims.ipynb")

    stored_report = grade(sub, GradeOptions(rubric=mini))
    stored = by_name(stored_report)
    # 3 claims the stored outputs cannot verify: left to a TA, out of the maximum (3 x 1 point)
    unverified = stored["claims.ipynb", "notebook.claims"]
    assert (unverified.points, unverified.max_points, unverified.status) == (0, 0, "skipped")
    figures = [m for m in stored_report.manual if m.kind == "figure"]
    assert len(figures) == 3 and all(m.points == pytest.approx(1.0) for m in figures)
    assert "Validation set accuracy:  0.6" in {m.answer for m in figures}
    assert "To review by a TA (3, not in the total)" in render_terminal(stored_report)

    report = grade(sub, GradeOptions(rubric=mini, execute_notebooks=True))
    results = by_name(report)
    claims = results["claims.ipynb", "notebook.claims"]
    # knn re-run (1 of 1), the hung cell's claim lost, the untrained net's claim not reproduced
    assert claims.points == pytest.approx(1.0)
    assert "the saved output said 1, re-running gave 0.3" in claims.message
    assert "validation: 0.6" in claims.message and "NOT REPRODUCED, the grader recomputed" in claims.message
    assert "2-layer net 'best_params'" in claims.message
    assert "difference: not found" in claims.message
    ran = results["claims.ipynb", "notebook.cells_ran"]
    assert ran.points == pytest.approx(2.0) and "cell 2 hung (interrupted after 3 s)" in ran.message
    assert all(results["package", n].status == "passed" for n in PACKAGE_CHECKS)
    assert any("claims.ipynb: re-executed in the sandbox (kernel start" in n for n in report.notes)
