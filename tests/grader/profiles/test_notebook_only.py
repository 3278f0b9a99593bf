"""A course submission handed in as notebooks only: the cells that define the assignment's
functions become the course's package, graded with that assignment's rubric (not the canonical
one), the notebooks still graded by their own rubrics.
"""
from __future__ import annotations

import json

import pytest

from grader.engine import grade
from grader.profiles import PROFILES, UnsupportedAssignment, detect, select
from tests.grader.notebook.builders import code, numbered
from tests.grader.profiles import trees


def test_a_notebook_only_cs182_submission_is_detected_as_a_course_notebook(tmp_path):
    trees.cs182_notebook_only(tmp_path)
    found = detect(tmp_path, PROFILES, name="submission")
    assert found.course == "cs182" and [p.name for p in found.notebook_only] == ["hw2_optimizer_init.ipynb"]
    assert found.reasons[0].startswith("no deeplearning/ package was handed in, but the notebooks "
                                       "(hw2_optimizer_init.ipynb) define")
    assert "sgd_momentum" in found.reasons[0] and "import deeplearning" in found.reasons[0]


def test_the_package_is_built_in_the_course_layout_and_hw02_is_selected(tmp_path):
    trees.cs182_notebook_only(tmp_path / "submission")
    selection = select(tmp_path / "submission", tmp_path, name="submission")
    assert selection.label == "cs182_hw02:fa23-fa25" and selection.rubrics == ("cs182_hw02",)
    assert (selection.root / "deeplearning" / "optim.py").read_text().startswith(
        "from ._notebook_code import adam, rmsprop, sgd, sgd_momentum")
    assert any(r.startswith("extracted from the notebooks' cells into deeplearning/: optim (4)")
               for r in selection.reasons)
    assert any("the hw02 notebook is beside it" in r for r in selection.reasons)


def test_a_notebook_only_cs182_submission_is_graded_with_the_hw02_rubric(tmp_path):
    """Its optimizers are graded in the course's convention and the submission_logs/ it handed in
    beside the notebook are read; what it did not hand in (fc_net.py, solver.py) is not there."""
    from tests.grader.checks.test_artefacts import write_valid_logs

    root = trees.cs182_notebook_only(tmp_path / "sub")
    write_valid_logs(root / "submission_logs")
    report = grade(tmp_path / "sub")
    assert report.rubric == "cs182_hw02"
    results = {r.name: r for r in report.results}
    for check in ("sgd_momentum_cs182.notebook", "rmsprop.notebook", "adam.notebook",
                  "artefacts.npz_histories", "artefacts.results_json"):
        assert results[check].status == "passed", results[check].message
    assert "classifiers.fc_net not found" in results["fc_net.initialization"].message
    assert "notebook.valid" in results, "the notebook is still graded by its own rubric"


def test_ucla_notebooks_go_to_the_course_modules(tmp_path):
    """UCLA keeps its nets in nndl/fc_net.py (no classifiers/ folder)."""
    fc = trees.module("classifiers/fc_net.py", "nndl", False)
    cells = [code("import numpy as np\nfrom nndl.layers import *\nfrom nndl.layer_utils import *"),
             code(trees.module("layers.py", "nndl", False)), code(fc)]
    trees.write(tmp_path / "submission", "FC_nets.ipynb", json.dumps(numbered(*cells)))
    selection = select(tmp_path / "submission", tmp_path, name="hw3")
    assert selection.name == "ucla_hw3"
    assert (selection.root / "nndl" / "fc_net.py").is_file()
    assert not (selection.root / "nndl" / "classifiers").exists()


def test_the_year_is_read_from_the_extracted_cells(tmp_path):
    """The extracted nndl/layers.py only re-exports the cells' code: the year evidence (dropout's
    docstring: p is the DROP probability from 2022) is read from the cells' code."""
    layers = trees.dropout_drop(trees.module("layers.py", "nndl", False))
    cells = [code("import numpy as np\nfrom nndl.layers import *"), code(layers)]
    trees.write(tmp_path / "submission", "FC_nets.ipynb", json.dumps(numbered(*cells)))
    selection = select(tmp_path / "submission", tmp_path, name="hw3")
    assert selection.label == "ucla_hw3:2022-2026"
    assert any("DROP probability (2022+)" in r for r in selection.reasons)


def test_notebooks_that_import_no_course_package_keep_the_canonical_path(tmp_path):
    cells = [code("import numpy as np"), code("def relu_forward(x):\n    return np.maximum(0, x), x")]
    trees.write(tmp_path, "hw.ipynb", json.dumps(numbered(*cells)))
    found = detect(tmp_path, PROFILES, name="hand-in")
    assert found.profile.name == "canonical" and not found.notebook_only


def test_notebooks_of_an_unsupported_assignment_are_reported_as_such(tmp_path):
    """UCLA HW2's notebooks (kNN, SVM and softmax classes): no rubric covers them, whether their
    cells define something the reference also names (a Softmax class) or nothing graded."""
    cells = [code("import numpy as np\nfrom nndl.knn import KNN"),
             code("class Softmax(object):\n    def __init__(self, dims=[10, 3073]):\n        pass")]
    for nb in ("knn.ipynb", "svm.ipynb"):
        trees.write(tmp_path / "submission", nb, json.dumps(numbered(*cells)))
    with pytest.raises(UnsupportedAssignment, match=r"^this looks like UCLA HW2 \(kNN, SVM and softmax "
                                                    r"classes\) \(notebooks knn.ipynb, svm.ipynb"):
        select(tmp_path / "submission", tmp_path, name="hw")
    cells[1] = code("def plot_weights(W):\n    pass")
    for nb in ("knn.ipynb", "svm.ipynb"):
        trees.write(tmp_path / "other", nb, json.dumps(numbered(*cells)))
    found = detect(tmp_path / "other", PROFILES, name="hw")
    assert found.unsupported.startswith("this looks like UCLA HW2 (kNN, SVM and softmax classes) "
                                        "(notebooks knn.ipynb, svm.ipynb), which no rubric covers")
