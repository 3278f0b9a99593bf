"""Which notebooks of a submission are graded: only those the student was asked to hand in."""
from __future__ import annotations

from grader.notebook.plan import plan_notebooks

from .builders import code, notebook, stream, write


def _ran():
    return notebook(code("print(1)", stream("1\n"), count=1))


def _blank():
    return notebook(code("print(1)", count=None))


def _names(root, notes):
    return [n.name for n in plan_notebooks(root, notes)]


def test_upload_helper_scratch_and_nosol_notebooks_are_notes_not_checks(tmp_path):
    for name in ("knn.ipynb", "collect_submission.ipynb", "Untitled1.ipynb", "knn_nosol.ipynb"):
        write(_ran(), tmp_path / name)
    notes: list[str] = []
    assert _names(tmp_path, notes) == ["knn.ipynb"]
    assert sum("not part of the assignment" in n for n in notes) == 3


def test_the_blank_starter_beside_the_executed_copy_is_not_graded(tmp_path):
    write(_blank(), tmp_path / "knn.ipynb")
    write(_ran(), tmp_path / "knn2.ipynb")
    notes: list[str] = []
    assert _names(tmp_path, notes) == ["knn2.ipynb"]
    assert any("knn.ipynb was not graded" in n for n in notes)


def test_only_the_framework_notebook_the_student_ran_is_graded(tmp_path):
    write(_blank(), tmp_path / "TensorFlow.ipynb")
    write(_ran(), tmp_path / "PyTorch.ipynb")
    assert _names(tmp_path, []) == ["PyTorch.ipynb"]


def test_a_blank_notebook_with_no_executed_sibling_is_still_graded(tmp_path):
    write(_blank(), tmp_path / "knn.ipynb")
    write(_ran(), tmp_path / "softmax.ipynb")
    assert _names(tmp_path, []) == ["knn.ipynb", "softmax.ipynb"]
