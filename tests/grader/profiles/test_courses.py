"""End to end: ``grade`` on course submissions in their own layouts, built from the reference.

For each course a correct tree earns full marks on its own rubric (detected, not named); the
course's own convention mistakes lose points exactly on the checks that test that convention;
the unmodified starter scores 0 without crashing; bad input from real repos (Python 2 files,
TabError, numpy names removed in 1.24) costs only the checks that need that file and is named
``file:line`` in the report.
"""
from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.engine import GradeOptions, grade
from grader.plan import choose_rubric
from grader.profiles import select
from grader.rubric import load_rubric
from tests.grader.profiles import trees


def grade_tree(tmp_path, course, assignment, variant, edit=None, *, options=None, **kwargs):
    trees.build(tmp_path / "repo", course, assignment, variant, **kwargs)
    if edit:
        edit(trees_root(tmp_path / "repo"))
    return grade(tmp_path / "repo", options)


def trees_root(repo):
    """The single assignment root built under ``repo``."""
    candidates = [p.parent for p in repo.rglob("*.py") if p.parent.name in ("cs231n", "deeplearning", "nndl")]
    return min(candidates, key=lambda p: len(p.parts)).parent


def lost(report):
    return {r.name for r in report.results if r.points < r.max_points}


def _patch(rel, old, new):
    def edit(root):
        path = root / rel
        path.write_text(trees.sub(path.read_text(), old, new))
    return edit


#: The other variants are graded by the tests below: CS231n 2018-2020 (a1 and a2) as one package
#: holding both; CS231n a1 2016-2017, a2 2016-2017, CS182 hw02 fa23-fa25 and UCLA HW4 2020-2021
#: with one course-specific mistake each, which must cost exactly its checks (all others pass).
CORRECT = [
    ("cs231n", "a1", "2021-2024"), ("cs231n", "a1", "2025-2026"), ("cs231n", "a2", "2021-2024"),
    ("cs182", "hw0", "fa23-fa25"), ("cs182", "hw02", "fa26"),
    ("ucla", "hw3", "2020-2021"), ("ucla", "hw4", "2022-2026"),
]
RUBRIC = {("cs231n", "a1"): "cs231n_a1", ("cs231n", "a2"): "cs231n_a2_fc", ("cs182", "hw0"): "cs182_hw0",
          ("cs182", "hw02"): "cs182_hw02", ("ucla", "hw3"): "ucla_hw3", ("ucla", "hw4"): "ucla_hw4"}


@pytest.mark.parametrize("course,assignment,variant", CORRECT)
def test_a_correct_submission_gets_full_marks_on_its_course_rubric(tmp_path, course, assignment, variant):
    report = grade_tree(tmp_path, course, assignment, variant)
    failures = [(r.name, r.message[:200]) for r in report.results if r.status != "passed"]
    assert failures == []
    assert report.score == report.max_score > 0
    assert report.rubric == RUBRIC[(course, assignment)]
    assert report.profile.endswith(f":{variant}")
    assert any(note.startswith(f"profile {report.profile}:") for note in report.notes)
    assert any(note.startswith("why: ") for note in report.notes)


def test_a_package_holding_both_assignments_is_graded_on_both(tmp_path):
    tree = trees.cs231n(tmp_path / "repo", "a1", "2018-2020")
    a2 = trees.cs231n(tmp_path / "other", "a2", "2018-2020")
    for rel in ("layers.py", "layer_utils.py", "optim.py", "classifiers/fc_net.py", "solver.py"):
        (tree / "cs231n" / rel).write_text((a2 / "cs231n" / rel).read_text())
    report = grade(tmp_path / "repo")
    assert [r.name for r in report.results if r.status != "passed"] == []
    assert report.rubric == "cs231n_a1__cs231n_a2_fc" and report.profile == "cs231n_a1:2018-2020"
    sections = {r.section.split("/")[0] for r in report.results}
    assert sections == {"cs231n_a1", "cs231n_a2_fc"}
    assert "cs231n_a2_fc/batchnorm" in {r.section for r in report.results}
    # --rubric narrows it to one assignment, with that rubric's own section names
    selection = select(tmp_path / "repo", tmp_path / "scratch", name="repo")
    rubric, _ = choose_rubric(selection, load_rubric("cs231n_a1"), [])
    assert rubric.name == "cs231n_a1" and {s.name for s in rubric.sections} == {
        "knn", "linear_svm", "softmax", "linear_classifier", "neural_net"}


# -- the courses' own convention mistakes ----------------------------------------------------
def test_cs231n_momentum_handed_in_for_cs182_loses_exactly_the_momentum_checks(tmp_path):
    edit = _patch("deeplearning/optim.py",
                  'v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v',
                  'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v')
    report = grade_tree(tmp_path, "cs182", "hw02", "fa23-fa25", edit)
    assert lost(report) == {"sgd_momentum_cs182.notebook", "sgd_momentum_cs182.fresh_steps",
                            "sgd_momentum_cs182.defaults"}
    notebook = next(r for r in report.results if r.name == "sgd_momentum_cs182.notebook")
    assert "CS231n convention" in notebook.message


def test_dropout_p_read_as_a_keep_probability_in_2017_loses_exactly_the_dropout_checks(tmp_path):
    edit = _patch("cs231n/layers.py", "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
                  "        mask = (np.random.rand(*x.shape) < p) / p\n")
    report = grade_tree(tmp_path, "cs231n", "a2", "2016-2017", edit)
    assert lost(report) == {"dropout_forward.train_statistics", "dropout_forward.drop_probability",
                            "fc_net.dropout_drop_probability"}
    stats = next(r for r in report.results if r.name == "dropout_forward.train_statistics")
    assert "of the outputs are 0" in stats.message


def test_w1_transposed_in_uclas_net_loses_the_neural_net_checks_of_the_layout(tmp_path):
    report = grade_tree(tmp_path, "ucla", "hw3", "2020-2021",
                        lambda root: (root / "nndl" / "neural_net.py").write_text(
                            trees.neural_net_cs231n((root / "nndl" / "neural_net.py").read_text())
                            .replace("import matplotlib.pyplot as plt\n", "")))
    # every check of the layout loses; the toy run still trains with the student's own layout, and
    # W1's shape does not touch X (the side-effect check)
    section = {r.name for r in report.results if r.section == "neural_net"}
    assert lost(report) == section - {"neural_net.train_toy", "neural_net.input_unchanged"}
    scores = next(r for r in report.results if r.name == "neural_net.scores")
    assert "W1 has shape (hidden_size, input_size)" in scores.message


def test_cs231n_adam_keys_handed_in_for_ucla_lose_the_adam_checks(tmp_path):
    def cs231n_adam(root):
        path = root / "nndl" / "optim.py"
        text = path.read_text()
        path.write_text(text[: text.rindex("def adam(")])   # the reference's CS231n adam stays

    report = grade_tree(tmp_path, "ucla", "hw4", "2020-2021", cs231n_adam)
    assert {"adam.notebook", "adam.fresh_steps", "adam.defaults"} <= lost(report) <= {
        "adam.notebook", "adam.fresh_steps", "adam.defaults", "optim.loss_decreases"}
    adam = next(r for r in report.results if r.name == "adam.notebook")
    assert "has no key" in adam.message or "relative error" in adam.message


# -- starters and bad input ------------------------------------------------------------------
@pytest.mark.parametrize("course,assignment,variant", [
    ("cs231n", "a2", "2016-2017"), ("cs182", "hw02", "fa23-fa25"), ("ucla", "hw4", "2022-2026")])
def test_the_unmodified_starter_scores_zero_without_crashing(tmp_path, course, assignment, variant):
    report = grade_tree(tmp_path, course, assignment, variant, starter=True)
    assert report.score == 0 and report.results
    assert not [r.name for r in report.results if r.status == "error"]
    assert any("not implemented" in r.message.lower() for r in report.results)


def _print_statement_and_np_int(root):
    """neural_net.py keeps a print statement (and classifiers/__init__ imports it);
    predict_labels uses np.int."""
    nn = root / "cs231n" / "classifiers" / "neural_net.py"
    nn.write_text(nn.read_text().replace("    def predict(self, X):",
                                         "    def show(self):\n        print 'loss'\n\n    def predict(self, X):"))
    init = root / "cs231n" / "classifiers" / "__init__.py"
    init.write_text(init.read_text() + "from cs231n.classifiers.neural_net import *\n")
    knn = root / "cs231n" / "classifiers" / "k_nearest_neighbor.py"
    knn.write_text(trees.sub(knn.read_text(), "    def predict_labels(self, dists, k=1):",
                             "    def predict_labels(self, dists, k=1):\n        _ = np.zeros(1, dtype=np.int)"))


def test_python_2_is_translated_and_removed_numpy_names_of_the_courses_numpy_are_restored(tmp_path):
    """A 2016 repo: 2016 was a Python 2 course on a numpy that had ``np.int``. The print
    statement is translated and ``np.int`` restored (the report says both), costing nothing."""
    report = grade_tree(tmp_path, "cs231n", "a1", "2016-2017", _print_statement_and_np_int)
    assert lost(report) == set()
    notes = "\n".join(report.notes)
    assert "Python 2 code translated to Python 3 before grading" in notes
    assert "cs231n/classifiers/neural_net.py" in notes and "neural_net.py:" not in notes
    assert "np.int was removed in numpy 1.24, after this course year: the grader restores it" in notes


def test_a_numpy_name_removed_before_the_course_year_costs_only_its_checks(tmp_path):
    """In 2025 numpy 2 is the course's numpy: ``np.int`` fails there too, and costs exactly the
    checks that run predict_labels."""
    def edit(root):
        knn = root / "cs231n" / "classifiers" / "k_nearest_neighbor.py"
        knn.write_text(trees.sub(knn.read_text(), "    def predict_labels(self, dists, k=1):",
                                 "    def predict_labels(self, dists, k=1):\n        _ = np.zeros(1, dtype=np.int)"))

    report = grade_tree(tmp_path, "cs231n", "a1", "2025-2026", edit)
    assert lost(report) == {"predict_labels.majority_vote", "predict_labels.ties_to_smaller_label",
                            "knn_predict.num_loops", "knn_predict.digits_accuracy", "predict_labels.input_unchanged"}
    assert "np.int was removed in numpy 1.24 (use int or np.int64); the code using it fails" in "\n".join(report.notes)


def test_a_framework_import_beside_numpy_code_costs_only_the_functions_that_use_it(tmp_path):
    """CS231n 2018-2020 assignment 2 lists PyTorch in its requirements; a student's layers.py
    that imports torch at the top (and uses it in one helper of its own) keeps every graded
    numpy function's points. The grading environment has no torch."""
    pytest.importorskip("numpy")
    if importlib.util.find_spec("torch") is not None:
        pytest.skip("torch is installed here")

    def edit(root):
        layers = root / "cs231n" / "layers.py"
        text = layers.read_text().replace("import numpy as np\n", "import numpy as np\nimport torch\n"
                                          "import torch.nn.functional as F\n", 1)
        layers.write_text(text + "\n\ndef conv_with_torch(x, w):\n    return F.conv2d(torch.from_numpy(x), w)\n")

    report = grade_tree(tmp_path, "cs231n", "a2", "2018-2020", edit)
    assert lost(report) == set()
    assert any("imports torch, which is not installed for grading" in n for n in report.notes)


def test_profiles_are_listed_and_a_bad_profile_is_a_usage_error(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(main, ["profiles"])
    assert listed.exit_code == 0
    assert "cs231n_a2:2016-2017" in listed.output and "ucla_hw4:2022-2026" in listed.output
    bad = runner.invoke(main, [str(tmp_path), "--profile", "cs999"])
    assert bad.exit_code == 2 and "no profile named 'cs999'" in bad.output


def test_a_forced_profile_grades_a_canonical_package_in_the_course_layout(tmp_path):
    """``--profile`` on a package without a course folder: it is graded as that course's package
    (the reference's relative imports work there too), with the profile's rubric."""
    from tests.support import make_submission

    root = make_submission(tmp_path)
    report = grade(root, GradeOptions(profile="cs182_hw0"))
    assert report.profile.startswith("cs182_hw0:") and report.rubric == "cs182_hw0"
    assert report.score == report.max_score


def _half_reg_linear_classifiers(root):
    """The linear SVM and softmax with 0.5 * reg * sum(W * W) and gradient reg * W (both
    versions of each), as CS231n winter 2016's starter had them."""
    for rel in ("cs231n/classifiers/linear_svm.py", "cs231n/classifiers/softmax.py"):
        path = root / rel
        text = path.read_text().replace("reg * np.sum(W * W)", "0.5 * reg * np.sum(W * W)")
        path.write_text(text.replace("2 * reg * W", "reg * W"))


LINEAR_VALUES = {"svm_loss_naive.values", "svm_loss_vectorized.values", "softmax_loss_naive.values",
                 "softmax_loss_vectorized.values"}


def test_the_2016_half_regularisation_of_the_linear_classifiers_is_accepted(tmp_path):
    """docs/courses.md §A4: the winter 2016 starter regularised the linear classifiers with the
    half; the 2016-2017 variant accepts either form."""
    report = grade_tree(tmp_path, "cs231n", "a1", "2016-2017", _half_reg_linear_classifiers)
    assert not lost(report) & LINEAR_VALUES


def test_the_half_regularisation_costs_the_value_checks_from_2018(tmp_path):
    report = grade_tree(tmp_path, "cs231n", "a1", "2018-2020", _half_reg_linear_classifiers)
    assert LINEAR_VALUES <= lost(report)
    svm = next(r for r in report.results if r.name == "svm_loss_vectorized.values")
    assert "0.5 * reg convention" in svm.message
