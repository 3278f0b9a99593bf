"""Every course's official starter, untouched, scores 0 in every section of its own rubric.

The starters are built by ``tests.starters.builder`` the way each course ships them (``pass``
stubs under a TODO, ``loss = 0.0; dW = zeros`` kept, the course's own loss loops, Solver and
training code untouched), for every profile variant of every supported assignment, and graded
as a student's folder would be: detected, not named. A point given to a starter is a point
given for code the course wrote: the self-consistency checks are gated on real work
(docs/rubrics.md, "Real-work gates"). Each starter is graded as a package, as a package with
the course's notebooks beside it (never run), and, where the course allows it, as notebooks
alone.
"""
from __future__ import annotations

import json

import pytest

from grader.engine import grade
from tests.starters.builder import (
    NOTEBOOK_ONLY,
    build_notebook_only,
    build_starter,
    template_notebook,
)
from tests.support import TEMPLATE, make_submission

CASES = [
    *(("cs231n", "a1", v) for v in ("2016-2017", "2018-2020", "2021-2024", "2025-2026")),
    *(("cs231n", "a2", v) for v in ("2016-2017", "2018-2020", "2021-2024", "2025-2026")),
    *(("cs182", a, v) for a in ("hw0", "hw02") for v in ("fa23-fa25", "fa26")),
    *(("ucla", a, v) for a in ("hw3", "hw4") for v in ("2020-2021", "2022-2026")),
]

PROFILE = {("cs231n", "a1"): "cs231n_a1", ("cs231n", "a2"): "cs231n_a2", ("cs182", "hw0"): "cs182_hw0",
           ("cs182", "hw02"): "cs182_hw02", ("ucla", "hw3"): "ucla_hw3", ("ucla", "hw4"): "ucla_hw4"}


def _assert_zero(report, profile: str) -> None:
    """Detected as its assignment (not "unsupported"), every check run, no point anywhere."""
    assert report.profile.split(":")[0] == profile, (report.profile, report.error)
    assert report.results and report.max_score > 0
    assert not [r.name for r in report.results if r.status == "error"]
    earned = {(r.section, r.name): r.points for r in report.results if r.points > 0}
    assert earned == {}, f"{report.profile}: {report.score}/{report.max_score} from {earned}"


@pytest.mark.parametrize("course,assignment,variant", CASES, ids="-".join)
def test_the_official_starter_scores_zero_in_every_section(tmp_path, course, assignment, variant):
    build_starter(tmp_path / "repo", course, assignment, variant)
    # CS231n a2 2025 and CS182 HW0 fa26 ship the same code as the year before: detected as it.
    _assert_zero(grade(tmp_path / "repo"), PROFILE[(course, assignment)])


@pytest.mark.parametrize("course,assignment,variant", CASES, ids="-".join)
def test_the_starter_with_its_notebooks_scores_zero(tmp_path, course, assignment, variant):
    """The package beside the course's notebooks, never run: the notebooks' own sections (a
    readable file, unedited test cells, unanswered questions) give nothing either."""
    root = build_starter(tmp_path / "repo", course, assignment, variant, notebooks=True)
    report = grade(tmp_path / "repo")
    _assert_zero(report, PROFILE[(course, assignment)])
    notebook_sections = {r.section for r in report.results if r.kind == "notebook"}
    # every notebook graded (CS182 HW0's tree has none)
    assert len(notebook_sections) == len(list(root.rglob("*.ipynb"))), notebook_sections


@pytest.mark.parametrize("course,assignment,variant", list(NOTEBOOK_ONLY), ids="-".join)
def test_a_starter_handed_in_as_its_notebook_scores_zero(tmp_path, course, assignment, variant):
    """The student's modules pasted into the notebook's cells, stubs and all: extracted into the
    course's package, graded with the assignment's rubric, 0 everywhere."""
    report = grade(build_notebook_only(tmp_path, course, assignment, variant))
    assert report.profile == f"{PROFILE[(course, assignment)]}:{variant}", report.profile
    assert report.rubric != "canonical"
    _assert_zero(report, PROFILE[(course, assignment)])


def test_the_builder_leaves_no_solution_behind(tmp_path):
    """Every solution region became the course's stub: no reference code is left in the
    student's files (the course's own provided parts, e.g. the SVM's naive loss, stay)."""
    root = build_starter(tmp_path / "repo", "cs231n", "a1", "2021-2024")
    layers = (root / "cs231n" / "layers.py").read_text()
    assert "# BEGIN SOLUTION" not in layers and "np.maximum(0, x)" not in layers
    assert "cache = (x, w, b)\n    return out, cache" in layers
    svm = (root / "cs231n" / "classifiers" / "linear_svm.py").read_text()
    assert "loss += margin" in svm and "dW[:, j]" not in svm


def test_the_student_template_scores_zero_as_a_package_and_as_a_notebook(tmp_path):
    """``student_template/`` (``raise NotImplementedError`` stubs), handed in as itself and as one
    never-run notebook whose cells hold its modules (extracted into the canonical package)."""
    _assert_zero(grade(make_submission(tmp_path, source=TEMPLATE)), "canonical")
    folder = tmp_path / "hand-in"
    folder.mkdir()
    (folder / "assignment.ipynb").write_text(json.dumps(template_notebook()))
    report = grade(folder)
    assert any("graded the functions defined in assignment.ipynb" in n for n in report.notes), report.notes
    assert {"layers", "linear_classifiers", "assignment.ipynb"} <= {r.section for r in report.results}
    _assert_zero(report, "canonical")
