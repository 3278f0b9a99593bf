"""What the grader supplies into the scratch copy, and what it never touches.

Course helper files (``gradient_check.py``, ``solver.py`` ...) are replaced when they are missing,
are Python 2 only, or import the PyPI package ``future``; a student-owned file never is, broken
or not. Student files that import ``past``/``future``/``matplotlib`` get stand-ins when those
packages are not installed. Every problem with a student file is reported as ``file:line: what``.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from grader.profiles import PROFILES, select, supply
from tests.grader.profiles import trees

NOT_INSTALLED = [name for name in ("past", "future", "matplotlib") if importlib.util.find_spec(name) is None]


def _select(tmp_path, course, assignment, variant, edit=None, **kwargs):
    tree = trees.build(tmp_path / "submission", course, assignment, variant, **kwargs)
    if edit:
        edit(tree)
    return tree, select(tmp_path / "submission", tmp_path, name="submission")


def test_future_importing_and_missing_helpers_are_supplied(tmp_path):
    tree, selection = _select(tmp_path, "cs231n", "a2", "2018-2020")
    supplied = dict(s.split(" (", 1) for s in selection.supplied)
    assert supplied["cs231n/solver.py"].startswith("imports the PyPI package future")
    assert supplied["cs231n/gradient_check.py"].startswith("imports the PyPI package future")
    assert supplied["cs231n/fast_layers.py"].startswith("missing, and imported by the submission")
    assert "cs231n/data_utils.py" not in supplied, "a missing helper nobody imports is not supplied"
    solver = (tree / "cs231n" / "solver.py").read_text()
    assert 'OPTIM_MODULE = "cs231n.optim"' in solver and "standard_library" not in solver
    compile(solver, "solver.py", "exec")


def test_python_2_helpers_are_replaced_with_the_reason(tmp_path):
    _, selection = _select(tmp_path, "cs231n", "a2", "2016-2017")
    reasons = " ".join(selection.supplied)
    assert "cs231n/solver.py (not Python 3:" in reasons and "Python 2 print statement" in reasons
    assert "cs231n/fast_layers.py (not Python 3:" in reasons


def test_ucla_solver_is_supplied_with_the_nndl_optimizers(tmp_path):
    tree, selection = _select(tmp_path, "ucla", "hw3", "2020-2021")
    assert "utils/solver.py (missing)" in selection.supplied
    assert 'OPTIM_MODULE = "nndl.optim"' in (tree / "utils" / "solver.py").read_text()


def test_a_student_owned_file_is_never_replaced(tmp_path):
    """CS182 hw02's solver.py is the student's (gradient-norm logging): even Python 2 and
    importing future, it stays, and the report names its problem instead."""
    def edit(tree):
        path = tree / "deeplearning" / "solver.py"
        path.write_text(trees.FUTURE_HEADER + path.read_text() + "\ndef legacy():\n    print 'x'\n")

    tree, selection = _select(tmp_path, "cs182", "hw02", "fa23-fa25", edit=edit)
    assert not any(s.startswith("deeplearning/solver.py") for s in selection.supplied)
    assert "print 'x'" in (tree / "deeplearning" / "solver.py").read_text()
    assert any(p.startswith("deeplearning/solver.py:") and "Python 2 print statement" in p
               for p in selection.problems)
    student = {supply.expand(p, "deeplearning", None) for p in PROFILES["cs182_hw02"].student_files}
    assert not student & {supply.expand(h.path, "deeplearning", None) for h in PROFILES["cs182_hw02"].helpers}


@pytest.mark.skipif("past" not in NOT_INSTALLED, reason="the PyPI package future is installed here")
def test_a_student_file_importing_past_gets_a_stand_in(tmp_path):
    tree, selection = _select(tmp_path, "cs231n", "a1", "2025-2026")
    assert (tree / ".grader_compat" / "past" / "builtins.py").is_file()
    assert selection.layout.sys_path[-1].endswith(".grader_compat")
    assert any("softmax.py:1 imports past" in p for p in selection.problems)


def test_no_stand_ins_when_nothing_needs_them(tmp_path):
    tree, selection = _select(tmp_path, "cs182", "hw0", "fa23-fa25")
    assert not (tree / ".grader_compat").exists() and len(selection.layout.sys_path) == 1


def test_problems_name_file_and_line(tmp_path):
    def edit(tree):
        pkg = tree / "cs231n"
        (pkg / "classifiers" / "softmax.py").write_text(
            (pkg / "classifiers" / "softmax.py").read_text() + "\n\ndef old():\n    return np.zeros(3, dtype=np.int)\n")
        (pkg / "im2col_cython.cpython-36m-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
        (pkg / "extra").mkdir()
        (pkg / "extra" / "util.py").write_text("x = 1\n")
        (pkg / "classifiers" / "__init__.py").write_text("from .neural_net import *\nprint 'loaded'\n")

    _, selection = _select(tmp_path, "cs231n", "a1", "2021-2024", edit=edit)
    problems = "\n".join(selection.problems)
    assert "np.int was removed in numpy 1.24" in problems and "cs231n/classifiers/softmax.py:" in problems
    assert "cs231n/im2col_cython.cpython-36m-x86_64-linux-gnu.so: a compiled extension" in problems
    assert "cs231n/extra/ has no __init__.py" in problems
    assert ("cs231n/classifiers/__init__.py:2: Python 2 print statement (Python 3 needs print(...)) "
            "(package __init__.py files are not run by the grader)") in problems


def test_a_tab_error_is_reported_with_its_line(tmp_path):
    def edit(tree):
        path = tree / "nndl" / "neural_net.py"
        lines = path.read_text().splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.strip() == "self.params = {}")
        lines.insert(index + 1, "\tpass\n")
        path.write_text("".join(lines))

    _, selection = _select(tmp_path, "ucla", "hw3", "2020-2021", edit=edit)
    assert any(p.startswith("nndl/neural_net.py:") and "(TabError)" in p for p in selection.problems)


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_a_helper_importing_a_framework_the_grader_lacks_is_replaced(tmp_path):
    """The course's requirements list torch; the grading environment has no torch. The helper
    would fail to import for a reason that is not the student's work, so the grader's copy is
    used; a student file importing torch is only reported."""
    def edit(tree):
        path = tree / "cs231n" / "solver.py"
        path.write_text(path.read_text().replace("import numpy as np\n", "import numpy as np\nimport torch\n", 1))
        (tree / "nndl" / "layers.py").write_text("import torch\n" + (tree / "nndl" / "layers.py").read_text())

    tree, selection = _select(tmp_path, "ucla", "hw4", "2020-2021", edit=edit)
    supplied = dict(s.split(" (", 1) for s in selection.supplied)
    assert supplied["cs231n/solver.py"].startswith("imports torch (line ")
    assert "which the grading environment does not have" in supplied["cs231n/solver.py"]
    assert "import torch" not in (tree / "cs231n" / "solver.py").read_text()
    assert "import torch" in (tree / "nndl" / "layers.py").read_text(), "the student's file stays"


def test_a_helper_importing_the_course_package_or_the_stdlib_stays(tmp_path):
    tree, selection = _select(tmp_path, "ucla", "hw4", "2020-2021")
    assert not any(s.startswith("cs231n/solver.py") for s in selection.supplied)
    assert supply.why_replace(tree / "cs231n" / "solver.py", "cs231n/solver.py") is None


def _run_python(code: str, *path: str):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": ":".join(path)})


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_a_framework_stand_in_imports_but_fails_when_used(tmp_path):
    """``import torch`` and ``import torch.nn.functional as F`` work; any use raises ImportError."""
    def edit(tree):
        layers = tree / "cs231n" / "layers.py"
        layers.write_text("import torch\n" + layers.read_text())

    tree, selection = _select(tmp_path, "cs231n", "a2", "2021-2024", edit=edit)
    compat = tree / ".grader_compat"
    assert (compat / "torch" / "__init__.py").is_file() and selection.layout.sys_path[-1] == str(compat.resolve())
    done = _run_python("import torch\nimport torch.nn.functional as F\nprint('imported')\n"
                       "try:\n    F.conv2d(1, 2)\nexcept ImportError as e:\n    print('used:', e)\n", str(compat))
    assert done.stdout.splitlines() == [
        "imported", "used: torch is not installed for grading: the graded functions must not need it"], done.stderr


def test_removed_numpy_names_are_restored_only_for_course_years_that_had_them(tmp_path):
    def edit(tree):
        svm = tree / "cs231n" / "classifiers" / "softmax.py"
        svm.write_text(svm.read_text() + "\nX = np.float(1) + np.NINF * 0 if False else np.asfarray([1])\n")

    _, old = _select(tmp_path / "old", "cs231n", "a1", "2018-2020", edit=edit)
    assert old.layout.numpy_aliases == {"NINF": "-numpy.inf", "asfarray": "numpy.asfarray", "float": "builtins.float"}
    _, new = _select(tmp_path / "new", "cs231n", "a1", "2025-2026", edit=edit)
    assert new.layout.numpy_aliases == {}
    _, mid = _select(tmp_path / "mid", "cs182", "hw0", "fa23-fa25")
    assert supply.numpy_aliases(tmp_path / "mid" / "submission", ["deeplearning"], mid.variant) == {}
    assert [supply.first_year(v) for v in PROFILES["cs182_hw0"].course.variants] == [2023, 2026]


def test_the_worker_restores_the_names_with_their_old_meaning():
    done = _run_python(
        "import numpy as np\nfrom grader.sandbox.imports import restore_numpy_names\n"
        "restore_numpy_names({'float': 'builtins.float', 'NINF': '-numpy.inf', 'asfarray': 'numpy.asfarray',"
        " 'product': 'numpy.prod', 'bogus': 'os.system'})\n"
        "print(np.float is float, np.NINF, np.asfarray([1, 2]).dtype, np.product([2, 3]), hasattr(np, 'bogus'))\n",
        str(Path(__file__).resolve().parents[3]))
    assert done.stdout.split() == ["True", "-inf", "float64", "6", "False"], done.stderr
