"""CS231n winter 2016 was a Python 2.7 course: its files are translated to Python 3 (fissix's 2to3
fixers, text only) before grading, and the report names them; course helpers are replaced instead.

Without this, the starter's own ``print`` statements and ``xrange`` loops cost every check of the
module they are in, for code that is correct by the course's own rules.
"""
from __future__ import annotations

import pytest

from grader.engine import grade
from grader.profiles import python2, select
from tests.grader.profiles import trees


def test_print_statements_xrange_and_iteritems_are_translated():
    source = ("def f(d):\n    for i in xrange(3):\n        print 'it %d' % i\n"
              "    for k, v in d.iteritems():\n        print k, v\n")
    text = python2.translated(source, "f.py")
    assert "print('it %d' % i)" in text and "range(3)" in text and "d.items()" in text
    compile(text, "f.py", "exec")


def test_python_2_names_are_found_only_when_the_module_does_not_bind_them():
    assert python2.python2_names("for i in xrange(3):\n    pass\n") == ["xrange"]
    assert python2.python2_names("from past.builtins import xrange\nfor i in xrange(3):\n    pass\n") == []
    assert python2.python2_names("def f(d):\n    return d.has_key('a')\n") == [".has_key"]
    assert python2.python2_names("x = range(3)\n") == []


def test_valid_python_3_and_tab_errors_are_left_alone(tmp_path):
    good = trees.write(tmp_path, "pkg/good.py", "from past.builtins import xrange\nx = list(xrange(2))\n")
    tabs = trees.write(tmp_path, "pkg/tabs.py", "def f():\n    if True:\n\tpass\n        return 1\n")
    assert python2.translate(tmp_path, [good, tabs], set()) == []
    assert "\tpass" in tabs.read_text() and "from past" in good.read_text()


def test_a_2016_submission_is_translated_and_the_report_names_the_files(tmp_path):
    tree = trees.cs231n_2016_python2(tmp_path / "submission")
    selection = select(tmp_path / "submission", tmp_path, name="submission")
    assert selection.label == "cs231n_a1:2016-2017"
    note = next(p for p in selection.problems if p.startswith("Python 2 code translated"))
    assert "cs231n/classifiers/k_nearest_neighbor.py" in note and "cs231n/classifiers/neural_net.py" in note
    assert not [p for p in selection.problems if "Python 2 print statement" in p]
    text = (tree / "cs231n" / "classifiers" / "linear_classifier.py").read_text()
    assert "print('iteration %d / %d: loss %f' % (it, num_iters, loss))" in text.replace('"', "'")


def test_python_2_is_not_translated_for_a_python_3_course_year(tmp_path):
    """CS182 fa23-fa25 runs Python 3: a print statement in a student's file is the student's."""
    def edit(tree):
        path = tree / "deeplearning" / "layers.py"
        path.write_text(path.read_text() + "\ndef legacy():\n    print 'x'\n")

    tree = trees.cs182(tmp_path / "submission", "hw0", "fa23-fa25")
    edit(tree)
    selection = select(tmp_path / "submission", tmp_path, name="submission")
    assert "print 'x'" in (tree / "deeplearning" / "layers.py").read_text()
    assert any("Python 2 print statement" in p for p in selection.problems)


def test_a_2016_python_2_submission_scores_like_its_python_3_twin(tmp_path):
    trees.cs231n_2016_python2(tmp_path / "py2")
    trees.cs231n(tmp_path / "py3", "a1", "2016-2017")
    py2, py3 = grade(tmp_path / "py2"), grade(tmp_path / "py3")
    assert [(r.name, r.points) for r in py2.results] == [(r.name, r.points) for r in py3.results]
    assert sum(r.points for r in py2.results) == sum(r.max_points for r in py2.results)
    assert any(n.startswith("Python 2 code translated") for n in py2.notes)


def test_the_course_python_2_solver_is_replaced_not_translated(tmp_path):
    """Translated, its ``num_train / batch_size`` would be a float under Python 3 (epochs never
    end, ``range(num_iterations)`` fails); the grader's copy divides with ``//``."""
    text = trees.solver_python2("cs231n")
    assert "num_train / self.batch_size" in python2.translated(text, "solver.py")

    def edit(tree):
        (tree / "cs231n" / "solver.py").write_text(text)

    tree = trees.cs231n(tmp_path / "submission", "a2", "2016-2017")
    edit(tree)
    selection = select(tmp_path / "submission", tmp_path, name="submission")
    assert any(s.startswith("cs231n/solver.py (not Python 3:") for s in selection.supplied)
    supplied = (tree / "cs231n" / "solver.py").read_text()
    assert "max(num_train // self.batch_size, 1)" in supplied
    note = " ".join(p for p in selection.problems if p.startswith("Python 2 code translated"))
    assert "solver.py" not in note


@pytest.mark.parametrize("batch", [25, 100])
def test_with_the_supplied_solver_every_epoch_ends(tmp_path, batch):
    """The grader's Solver on the 2016 tree: the epoch count reaches num_epochs on the digits."""
    import importlib
    import sys

    import numpy as np

    tree = trees.cs231n(tmp_path / "submission", "a2", "2016-2017")
    (tree / "cs231n" / "solver.py").write_text(trees.solver_python2("cs231n"))
    select(tmp_path / "submission", tmp_path, name="submission")
    sys.path.insert(0, str(tree))
    try:
        solver_mod = importlib.import_module("cs231n.solver")
        fc_net = importlib.import_module("cs231n.classifiers.fc_net")
        from reference.data_utils import get_digits_data

        data = get_digits_data()
        model = fc_net.FullyConnectedNet([20], input_dim=64, num_classes=10, weight_scale=1e-2)
        solver = solver_mod.Solver(model, {k: v.reshape(len(v), -1) if k.startswith("X") else v
                                           for k, v in data.items()},
                                   num_epochs=2, batch_size=batch, print_every=10 ** 6, verbose=False)
        solver.train()
        assert solver.epoch == 2 and len(solver.train_acc_history) == 3
        assert np.isfinite(solver.loss_history).all()
    finally:
        sys.path.remove(str(tree))
        for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
            del sys.modules[name]


@pytest.mark.skipif(__import__("importlib").util.find_spec("torch") is not None,
                    reason="torch is installed here")
def test_a_course_helper_importing_torch_costs_no_points(tmp_path):
    tree = trees.ucla(tmp_path / "torch", "hw4", "2020-2021")
    solver = tree / "cs231n" / "solver.py"
    solver.write_text(solver.read_text().replace("import numpy as np\n", "import numpy as np\n"
                                                 "import torch  # the course's requirements list it\n", 1))
    trees.ucla(tmp_path / "plain", "hw4", "2020-2021")
    with_torch, plain = grade(tmp_path / "torch"), grade(tmp_path / "plain")
    assert sum(r.points for r in with_torch.results) == sum(r.points for r in plain.results)
    assert any("cs231n/solver.py (imports torch" in n for n in with_torch.notes)
