"""Assignments no rubric covers are reported as unsupported, with what was found; nothing is graded.

Modelled on real student folders (docs/courses.md §A1-§A3): UCLA HW2 (kNN/SVM/softmax classes) and
HW5 (CNN, with HW4's files carried over), CS182's sp22 hw1 (a renamed CS231n assignment 2, with
an empty ``submission_logs/``) and CS231n assignment 3. Each used to be graded with the nearest
rubric (HW3, HW4, hw02, assignment 2), every check failing for a module the assignment never had.
"""
from __future__ import annotations

import shutil

import pytest

from grader.engine import grade
from grader.profiles import PROFILES, UnsupportedAssignment, detect, select
from tests.grader.profiles import trees


def _detect(root, **kwargs):
    return detect(root, PROFILES, **kwargs)


def test_a_ucla_hw2_folder_is_unsupported_and_says_what_it_holds(tmp_path):
    trees.ucla_hw2(tmp_path, name="code")
    found = _detect(tmp_path, name="ece247")
    assert found.profile is None
    assert found.unsupported.startswith("this looks like UCLA HW2 (kNN, SVM and softmax classes) "
                                        "(notebooks knn.ipynb, softmax.ipynb, svm.ipynb; knn.py, svm.py, "
                                        "softmax.py), which no rubric covers; nothing graded")
    assert "the folder holds nndl/knn.py" not in found.unsupported   # package-relative names
    assert "knn.py, softmax.py, svm.py" in found.unsupported


def test_a_ucla_hw2_folder_is_unsupported_by_its_name_alone(tmp_path):
    root = trees.ucla_hw2(tmp_path, name="HW2-code")
    for nb in root.glob("*.ipynb"):
        nb.unlink()
    found = _detect(tmp_path)
    assert "UCLA HW2" in found.unsupported and "the folder is named HW2-code" in found.unsupported


def test_a_ucla_hw5_folder_holding_hw4_files_is_not_graded_as_hw4(tmp_path):
    trees.ucla_hw5(tmp_path)
    found = _detect(tmp_path, name="repo")
    assert found.profile is None
    assert found.unsupported.startswith("this looks like UCLA HW5 (CNN) (notebooks CNN-BatchNorm.ipynb, "
                                        "CNN-Layers.ipynb, CNN.ipynb; conv_layers.py, conv_layer_utils.py, "
                                        "cnn.py), which no rubric covers")


def test_a_folder_named_hw4_with_a_stray_conv_layers_file_is_still_hw4(tmp_path):
    trees.ucla_hw5(tmp_path, name="HW4-code")
    for nb in (tmp_path / "HW4-code").glob("CNN*.ipynb"):
        nb.unlink()
    found = _detect(tmp_path)
    assert found.profile.name == "ucla_hw4"
    assert any("HW2/HW5 modules" in r for r in found.reasons)


def test_cs182_sp22_hw1_with_an_empty_submission_logs_is_not_hw02(tmp_path):
    trees.cs182_sp22_hw1(tmp_path)
    found = _detect(tmp_path, name="CS182HW")
    assert found.profile is None
    assert found.unsupported.startswith("this looks like CS182 hw1 (sp19-sp22: fully-connected nets, "
                                        "batchnorm, dropout, ConvNets, PyTorch)")
    assert "ConvolutionalNetworks.ipynb" in found.unsupported


def test_cs182_sp22_hw1_without_notebooks_is_known_by_its_cnn_files(tmp_path):
    trees.cs182_sp22_hw1(tmp_path, notebooks=False)
    found = _detect(tmp_path, name="CS182HW")
    assert "classifiers/cnn.py, fast_layers.py, im2col_cython.pyx" in found.unsupported


def test_the_cs182_rnn_homework_is_named_as_such_although_it_ships_the_cnn_helpers(tmp_path):
    """sp22 hw2 (captioning, visualisation, style transfer) carries fast_layers.py and im2col.py
    like hw1: its RNN files and notebooks name it."""
    root = trees.cs182(tmp_path, "hw0", "fa23-fa25", name="cs182_hw2_student")
    trees.write(root, "deeplearning/fast_layers.py", "def conv_forward_fast(x):\n    return x\n")
    trees.write(root, "deeplearning/im2col.py", "def im2col(x):\n    return x\n")
    trees.write(root, "deeplearning/rnn_layers.py", "def rnn_step_forward(x):\n    return x\n")
    for nb in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb", "StyleTransfer.ipynb"):
        trees.notebook(root, nb)
    found = _detect(tmp_path, name="repo")
    assert found.profile is None
    assert found.unsupported.startswith("this looks like CS182 RNN/captioning homework"), found.unsupported


def test_an_empty_submission_logs_folder_alone_does_not_make_hw02(tmp_path):
    root = trees.cs182(tmp_path, "hw0", "fa23-fa25", name="code")
    (root / "submission_logs").mkdir()
    found = _detect(tmp_path)
    assert found.profile.name == "cs182_hw0"


def test_hw02_notebooks_win_over_files_left_from_hw1(tmp_path):
    root = trees.cs182(tmp_path, "hw02", "fa23-fa25", name="code", notebooks=True)
    trees.write(root, "deeplearning/fast_layers.py", "def conv_forward_fast(x):\n    return x\n")
    assert _detect(tmp_path).profile.name == "cs182_hw02"


@pytest.mark.parametrize("notebooks", [True, False])
def test_cs231n_assignment_3_is_unsupported(tmp_path, notebooks):
    trees.cs231n_a3(tmp_path, name="a3" if not notebooks else "work", notebooks=notebooks)
    found = _detect(tmp_path, name="repo")
    assert found.profile is None and found.unsupported.startswith("this looks like CS231n assignment 3")
    assert "rnn_layers.py, captioning_solver.py, classifiers/rnn.py" in found.unsupported


def test_assignment_3_is_recognised_by_its_folder_name(tmp_path):
    root = trees.cs231n_a3(tmp_path, notebooks=False)
    for rel in ("rnn_layers.py", "captioning_solver.py", "classifiers/rnn.py", "coco_utils.py"):
        (root / "cs231n" / rel).unlink()
    found = _detect(tmp_path, name="repo")
    assert "the folder is named assignment3" in found.unsupported


def test_the_2025_assignment_2_captioning_notebook_is_still_assignment_2(tmp_path):
    root = trees.cs231n(tmp_path, "a2", "2021-2024", name="work", notebooks=True)
    trees.notebook(root, "RNN_Captioning.ipynb")
    trees.write(root, "cs231n/rnn_layers.py", "def rnn_step_forward(x):\n    return x\n")
    assert _detect(tmp_path).profile.name == "cs231n_a2"


def test_a_course_package_with_no_supported_files_is_unsupported(tmp_path):
    trees.write(tmp_path / "work", "nndl/__init__.py", "")
    trees.write(tmp_path / "work", "nndl/notes.py", "x = 1\n")
    found = _detect(tmp_path)
    assert found.unsupported.startswith("the nndl/ package holds none of the files of a supported UCLA "
                                        "assignment (UCLA HW3, UCLA HW4); nothing graded (the folder "
                                        "holds notes.py)")


def test_a_forced_profile_grades_an_unsupported_folder_anyway(tmp_path):
    trees.ucla_hw5(tmp_path)
    found = _detect(tmp_path, forced="ucla_hw4")
    assert found.profile.name == "ucla_hw4" and found.unsupported is None


def test_select_raises_unsupported_with_the_message(tmp_path):
    trees.ucla_hw2(tmp_path / "submission")
    with pytest.raises(UnsupportedAssignment, match="UCLA HW2"):
        select(tmp_path / "submission", tmp_path, name="hw2")


def test_grading_an_unsupported_folder_gives_one_message_and_no_checks(tmp_path):
    trees.ucla_hw5(tmp_path / "sub")
    report = grade(tmp_path / "sub")
    assert report.results == [] and report.profile == "unsupported"
    assert [n for n in report.notes if n.startswith("this looks like UCLA HW5 (CNN)")]
    assert not [n for n in report.notes if "not found" in n]
    shutil.rmtree(tmp_path / "sub")
