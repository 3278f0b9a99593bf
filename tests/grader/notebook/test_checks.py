"""The notebook checks, each passing on a good notebook and failing on a realistic problem.

They run through a ``grader.session.Session`` with the notebook in ``ctx.notebook``, as the
engine runs them; only the claim recomputations need a worker (on the reference package, or on a
realistic bug from the mutant corpus).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from grader.checks import load_catalogue
from grader.datasets import Datasets
from grader.notebook.plan import NotebookUnderTest, rubric_for
from grader.notebook.questions import manual_questions
from grader.notebook.read import parse_notebook
from grader.plan import PlannedCheck
from grader.result import CheckResult
from grader.rubric import RubricCheck
from grader.session import Session
from tests.mutants.classifiers import KNN
from tests.support import CheckRunner, Patch, make_submission

from .builders import code, error, md, notebook, stream

load_catalogue()
GENERIC, _ = rubric_for("anything.ipynb")


def nut(*cells, spec=None, problem=None, package=None, present=None):
    nb = None if problem else parse_notebook(json.dumps(notebook(*cells)), "knn.ipynb")
    results = {r.name: r for r in (package or [])}
    return NotebookUnderTest(name="knn.ipynb", path=Path("knn.ipynb"), rubric=GENERIC,
                             spec=spec or {}, stored=nb, problem=problem, package_results=results,
                             package_present=bool(package) if present is None else present)


def run(check_id, under_test, *, worker=None, root=None, datasets=None, **params):
    rc = RubricCheck(id=check_id, points=4.0, tolerance=None, visibility="visible", timeout=60.0,
                     partial_credit={"rule": "fraction"}, params=params)
    session = Session(worker=worker, datasets=datasets, root=root)
    return session.run_check(PlannedCheck("notebook", rc, notebook=under_test))


def passed(name):
    return CheckResult(name=name, section="s", kind="value", points=1, max_points=1,
                       status="passed", message="ok", visibility="visible", duration_s=0)


def failed(name, message):
    return CheckResult(name=name, section="s", kind="value", points=0, max_points=1,
                       status="failed", message=message, visibility="visible", duration_s=0)


CLEAN = [code("import numpy as np", count=1), code("print(1)", stream("1\n"), count=2)]


# -- valid, cells_ran, execution_order -------------------------------------------------------
def test_valid_passes_on_a_notebook_and_fails_on_a_corrupt_file():
    assert run("notebook.valid", nut(*CLEAN)).status == "passed"
    bad = run("notebook.valid", nut(problem="knn.ipynb is not valid JSON (corrupt or truncated file?)"))
    assert bad.status == "failed" and "corrupt or truncated" in bad.message


def test_valid_gives_nothing_for_a_starter_notebook_nobody_ran():
    """A real-work gate (docs/rubrics.md): the course's starter notebook is readable too. A Colab
    export (outputs, null execution counts) holds a run and passes."""
    starter = run("notebook.valid", nut(md("## Inline Question 1"), code("import numpy as np", count=None),
                                        code("print(1)", count=None)))
    assert starter.status == "failed" and starter.points == 0
    assert "none of its code cells was ever run" in starter.message
    assert "earns its points once the notebook holds your run" in starter.message
    assert run("notebook.valid", nut()).status == "failed"   # no cell at all
    colab = run("notebook.valid", nut(code("print(1)", stream("1\n"), count=None)))
    assert colab.status == "passed", colab.message


def test_cells_ran_counts_errors_and_reports_never_executed_cells_without_counting_them():
    assert run("notebook.cells_ran", nut(*CLEAN)).status == "passed"
    result = run("notebook.cells_ran", nut(
        *CLEAN, code("best_model.loss(X)", error("AttributeError", "'Solver' object has no attribute 'loss'"), count=3),
        code("print(2)", count=None)))
    assert result.status == "partial" and result.points == pytest.approx(4 * 2 / 3, abs=1e-3)   # 1 of 3 ran cells raised
    assert "cell 3 [In 3] raised AttributeError: 'Solver' object has no attribute 'loss'" in result.message
    assert "not counted: 1 cell(s) never executed: cell 4" in result.message
    assert "Restart & Run All" in result.message
    only_unrun = run("notebook.cells_ran", nut(*CLEAN, code("print(2)", count=None)))
    assert only_unrun.status == "passed" and "never executed: cell 3" in only_unrun.message


def test_a_notebook_in_which_nothing_ran_earns_nothing_for_cells_ran():
    result = run("notebook.cells_ran", nut(code("import numpy as np", count=None), code("x = 1", count=None)))
    assert result.status == "failed" and "never run" in result.message


def test_a_colab_export_with_outputs_but_null_execution_counts_was_executed():
    # Colab's "Download .ipynb" keeps the outputs and saves execution_count null in every cell.
    colab = [code("import numpy as np", count=None),
             code("print('Got 137 / 500 correct => accuracy: 0.274000')",
                  stream("Got 137 / 500 correct => accuracy: 0.274000\n"), count=None),
             code("y = 1 / 0", error("ZeroDivisionError", "division by zero"), count=None)]
    result = run("notebook.cells_ran", nut(*colab[:2]))
    # a silent cell of a Colab export looks unrun: reported, not counted
    assert result.status == "passed" and "never executed: cell 1" in result.message
    with_outputs = [code("import numpy as np", stream("\n"), count=None), *colab[1:]]
    result = run("notebook.cells_ran", nut(*with_outputs))
    assert result.status == "partial" and "raised ZeroDivisionError" in result.message
    assert "never executed" not in result.message
    order = run("notebook.execution_order", nut(*with_outputs))
    assert order.status == "skipped" and "Colab export" in order.message


DRIVE_MOUNT = ("# This mounts your Google Drive to the Colab VM.\nfrom google.colab import drive\n"
               "drive.mount('/content/drive')\nFOLDERNAME = None\n"
               "assert FOLDERNAME is not None, \"[!] Enter the foldername.\"\n"
               "%cd /content/drive/My\\ Drive/$FOLDERNAME/cs231n/datasets/\n!bash get_datasets.sh")


def test_an_unrun_or_failing_drive_mount_cell_is_housekeeping_not_an_error():
    unrun = run("notebook.cells_ran", nut(code(DRIVE_MOUNT, count=None), *CLEAN))
    assert unrun.status == "passed" and "never executed" not in unrun.message
    local = run("notebook.cells_ran", nut(
        code(DRIVE_MOUNT, error("ModuleNotFoundError", "No module named 'google.colab'"), count=1), *CLEAN))
    assert local.status == "passed"
    # the same error in the student's own cell still counts
    own = run("notebook.cells_ran", nut(
        code("from google.colab import files", error("ModuleNotFoundError", "No module named 'google.colab'"),
             count=1), *CLEAN))
    assert own.status == "partial"


def test_cells_ran_ignores_shell_cells_and_the_rubrics_ignored_cells():
    cells = [*CLEAN, code("!zip -r sub.zip .", count=None), code("print(open('fc_net.py').read())",
                                                                 error("ModuleNotFoundError", "x"), count=3)]
    result = run("notebook.cells_ran", nut(*cells, spec={"ignore_cells": ["open('fc_net.py')"]}))
    assert result.status == "passed"


def test_execution_order_fails_on_a_cell_that_ran_before_an_earlier_one():
    assert run("notebook.execution_order", nut(*CLEAN)).status == "passed"
    result = run("notebook.execution_order", nut(code("a", count=1), code("b", count=28), code("c", count=24)))
    assert result.status == "failed"
    assert "cell 3 [In 24] ran before cell 2 [In 28]" in result.message


# -- claims ------------------------------------------------------------------------------
KNN_CELL = code("y_test_pred = classifier.predict_labels(dists, k=1)",
                stream("Got 137 / 500 correct => accuracy: 0.274000\n"), count=3)
K1 = {"name": "kNN k = 1", "figure": "knn_accuracy", "at_least": 0.25,
      "verify": {"check": "knn_predict.digits_accuracy"}}


def test_a_claim_meeting_its_threshold_and_reproduced_by_the_package_earns_full_credit():
    result = run("notebook.claims", nut(KNN_CELL, spec={"claims": [K1]},
                                        package=[passed("knn_predict.digits_accuracy")]))
    assert result.status == "passed" and "reproduced" in result.message


def test_a_claim_the_package_cannot_reproduce_earns_nothing_and_is_flagged():
    package = [failed("knn_predict.digits_accuracy", "accuracy 0.12 on the digits (required 0.9)")]
    result = run("notebook.claims", nut(KNN_CELL, spec={"claims": [K1]}, package=package))
    assert result.status == "failed"
    assert "NOT REPRODUCED" in result.message and "accuracy 0.12" in result.message


ONE_LOOP_CELL = code("dists_one = classifier.compute_distances_one_loop(X_test)",
                     stream("One loop difference was: 0.000000\nGood! The distance matrices are the same\n"))
ONE_LOOP = {"name": "one loop", "figure": "loop_difference", "label": "one", "at_most": 0.001,
            "verify": {"check": "compute_distances_one_loop.values"}}
K1_RECOMPUTED = {"name": "kNN k = 1", "figure": "knn_accuracy", "at_least": 0.25,
                 "verify": {"recompute": "knn_accuracy", "k": 1, "dataset": "cifar10"}}


def test_a_figure_the_grader_cannot_verify_is_left_to_a_ta_not_half_credit():
    # knn.ipynb claims 27.4 % with k = 1; CIFAR-10 is not available to recompute it.
    under_test = nut(KNN_CELL, ONE_LOOP_CELL, spec={"claims": [K1_RECOMPUTED, ONE_LOOP]},
                     package=[passed("compute_distances_one_loop.values")])
    result = run("notebook.claims", under_test)
    assert result.status == "passed"
    assert result.max_points == pytest.approx(2.0) and result.points == pytest.approx(2.0)   # 4 - half to review
    assert "left to a TA to review" in result.message
    [item] = under_test.review
    assert item["title"] == "kNN k = 1" and item["share"] == pytest.approx(0.5)
    assert "Got 137 / 500 correct" in item["answer"] and "could not verify" in item["prompt"]


def test_when_no_figure_can_be_verified_the_whole_check_is_left_to_a_ta():
    under_test = nut(KNN_CELL, spec={"claims": [K1]}, present=False)
    result = run("notebook.claims", under_test)
    assert result.status == "skipped" and result.max_points == 0 and result.points == 0
    assert "not verified (no package was handed in" in result.message
    assert result.informational and len(under_test.review) == 1


def test_a_figure_below_its_threshold_is_failed_even_when_it_cannot_be_verified():
    low = code("y = classifier.predict_labels(dists, k=1)",
               stream("Got 100 / 500 correct => accuracy: 0.200000\n"))
    under_test = nut(low, spec={"claims": [K1]}, present=False)
    result = run("notebook.claims", under_test)
    assert result.status == "failed" and result.max_points == 4 and under_test.review == []


def test_a_missing_or_low_figure_earns_nothing():
    low = code("y = classifier.predict_labels(dists, k=1)",
               stream("Got 100 / 500 correct => accuracy: 0.200000\n"))
    result = run("notebook.claims", nut(low, spec={"claims": [K1]}, package=[passed("knn_predict.digits_accuracy")]))
    assert result.status == "failed" and "does not meet the course's >= 0.25" in result.message
    result = run("notebook.claims", nut(*CLEAN, spec={"claims": [K1]}))
    assert "not found (the notebook should print 'Got N / M correct => accuracy: ...')" in result.message


def test_claims_are_skipped_when_the_rubric_states_none():
    assert run("notebook.claims", nut(*CLEAN)).status == "skipped"


# ---- recomputed with the student's package in the worker --------------------------------
def independent_1nn_accuracy(data, n_train, n_test):
    """1-NN accuracy by brute force (independent of any kNN implementation under test)."""
    X = data["X_train"][:n_train].reshape(n_train, -1).astype(np.float64)
    T = data["X_test"][:n_test].reshape(n_test, -1).astype(np.float64)
    d = ((T[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    return float(np.mean(data["y_train"][:n_train][np.argmin(d, axis=1)] == data["y_test"][:n_test]))


@pytest.fixture(scope="module")
def knn_claim(tmp_path_factory):
    """A notebook claiming the true 1-NN accuracy on the first digits, and its claim spec."""
    n_train, n_test = 600, 200
    acc = independent_1nn_accuracy(Datasets().get("digits"), n_train, n_test)
    cell = code("y_test_pred = classifier.predict_labels(dists, k=1)",
                stream(f"Got {round(acc * n_test)} / {n_test} correct => accuracy: {acc:f}\n"))
    spec = {"name": "kNN k = 1", "figure": "knn_accuracy", "at_least": 0.25,
            "verify": {"recompute": "knn_accuracy", "k": 1, "num_train": n_train, "num_test": n_test,
                       "dataset": "digits", "tolerance": 0.01}}
    return cell, spec


def test_the_knn_accuracy_is_recomputed_with_the_students_classifier(tmp_path, knn_claim):
    cell, spec = knn_claim
    with CheckRunner(make_submission(tmp_path)) as ref:
        result = run("notebook.claims", nut(cell, spec={"claims": [spec]}, present=True),
                     worker=ref.worker, root=ref.root, datasets=ref.datasets)
    assert result.status == "passed", result.message
    assert "the grader recomputed" in result.message and "with k = 1 on digits" in result.message


def test_a_claimed_accuracy_a_buggy_package_cannot_reproduce_is_flagged(tmp_path, knn_claim):
    cell, spec = knn_claim
    bug = Patch(KNN, "sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)",
                "sq_dists = test_sq + train_sq + 2.0 * X.dot(self.X_train.T)")
    with CheckRunner(make_submission(tmp_path, [bug])) as buggy:
        result = run("notebook.claims", nut(cell, spec={"claims": [spec]}, present=True),
                     worker=buggy.worker, root=buggy.root, datasets=buggy.datasets)
    assert result.status == "failed"
    assert "NOT REPRODUCED, the grader recomputed" in result.message and "the notebook claims" in result.message


def _write_logs(root: Path, finals: dict) -> None:
    logs = root / "submission_logs"
    logs.mkdir(parents=True)
    for rule, accs in finals.items():
        for seed, final in zip((100, 200, 300), accs):
            np.savez(logs / f"sgd_momentum_compare_{rule}_{seed}.npz", train_losses=np.ones(300),
                     train_accs=np.array([0.1, final]), val_accs=np.array([0.1, 0.3]))


def test_train_acc_difference_is_recomputed_from_the_submission_logs(tmp_path):
    # seed S4 prints "Train Acc Difference: 0.025384101536406075" for these final accuracies.
    _write_logs(tmp_path, {"sgd": (0.482, 0.504, 0.473), "sgd_momentum": (0.509, 0.516, 0.510)})
    spec = {"claims": [{"figure": "train_acc_difference", "at_most": 0.04,
                        "verify": {"recompute": "logs_train_acc_difference", "tolerance": 1e-6}}]}
    good = code("print('Train Acc Difference: ', ...)", stream("Train Acc Difference:  0.025384101536406075\n"))
    assert run("notebook.claims", nut(good, spec=spec), root=tmp_path).status == "passed"
    fake = code("print('Train Acc Difference: ', ...)", stream("Train Acc Difference:  0.01\n"))
    result = run("notebook.claims", nut(fake, spec=spec), root=tmp_path)
    assert result.status == "failed" and "NOT REPRODUCED" in result.message


# -- template cells and questions --------------------------------------------------------------
TEST_CELL = "next_w, _ = sgd_momentum(w, dw, config=config)\nprint('next_w error: ', rel_error(next_w, expected))\n"


def test_test_cells_unedited_passes_on_the_template_and_fails_on_an_edit():
    spec = {"template_cells": [{"name": "momentum", "source": TEST_CELL}]}
    assert run("notebook.test_cells_unedited", nut(code(TEST_CELL), spec=spec)).status == "passed"
    edited = TEST_CELL.replace("rel_error(next_w, expected)", "0.0")
    result = run("notebook.test_cells_unedited", nut(code(edited), spec=spec))
    assert result.status == "failed" and "'momentum' (cell 1 [In 1]) was edited" in result.message
    assert run("notebook.test_cells_unedited", nut(code(TEST_CELL))).status == "skipped"


def test_test_cells_of_a_starter_nobody_ran_earn_nothing():
    """The course's own cells are unedited in its starter too (a real-work gate, docs/rubrics.md)."""
    spec = {"template_cells": [{"name": "momentum", "source": TEST_CELL}]}
    result = run("notebook.test_cells_unedited", nut(code(TEST_CELL, count=None), spec=spec))
    assert result.status == "failed" and result.points == 0
    assert "earns its points once the notebook holds your run" in result.message


QUESTIONS = [md("Inline Question 1\n\nWhy are some rows bright?"), md("Your Answer: outliers"),
             md("Inline Question 2\n\nSelect all that apply."), md("Your Answer: 1, 2, 3"),
             md("Inline Question 3\n\nWhich statements hold?"), md("Your Answer: 2")]
KEYS = {"questions": [{"match": "Inline Question 1", "kind": "free_text", "points": 2},
                      {"match": "Inline Question 2", "kind": "multiple_choice", "key": [1, 2, 3], "points": 1},
                      {"match": "Inline Question 3", "kind": "multiple_choice", "key": [2, 4], "points": 1},
                      {"match": "Inline Question 9", "kind": "free_text", "points": 1}]}


def test_keyed_questions_are_scored_and_free_text_ones_are_not():
    result = run("notebook.inline_questions", nut(*QUESTIONS, spec=KEYS))
    assert result.status == "partial" and result.points == pytest.approx(2.0)
    assert "Inline Question 2: correct" in result.message
    assert "Inline Question 3: selected [2], which is not the right set" in result.message
    assert run("notebook.inline_questions", nut(*QUESTIONS)).status == "skipped"


def test_free_text_questions_are_listed_for_manual_grading_with_the_answer_and_points():
    items = manual_questions(nut(*QUESTIONS, spec=KEYS))
    assert [(i["title"], i["answer"], i["points"], i["answered"]) for i in items] == [
        ("Inline Question 1", "outliers", 2.0, True),
        ("Inline Question 9", "", 1.0, False),   # listed in the rubric, missing from the notebook
    ]
    # without a rubric every question found is listed, points unknown
    assert [i["title"] for i in manual_questions(nut(*QUESTIONS))] == [
        "Inline Question 1", "Inline Question 2", "Inline Question 3"]


def test_a_models_accuracy_is_measured_from_the_parameters_an_execute_run_brought_back():
    from grader.notebook.execute import Execution

    data = Datasets().get("digits")
    X = data["X_train"].reshape(len(data["X_train"]), -1)
    # a least-squares linear classifier (one affine layer), fitted and measured here independently
    A = np.hstack([X, np.ones((len(X), 1))])
    W = np.linalg.lstsq(A, np.eye(10)[data["y_train"]], rcond=None)[0]
    Xv = data["X_val"].reshape(len(data["X_val"]), -1)
    acc = float(np.mean(np.argmax(Xv @ W[:-1] + W[-1], axis=1) == data["y_val"]))
    spec = {"claims": [{"figure": "validation_set_accuracy", "at_least": 0.5,
                        "verify": {"recompute": "model_accuracy", "value": "best_params",
                                   "dataset": "digits", "split": "val", "tolerance": 1e-9}}]}
    values = {"best_params/W1": W[:-1], "best_params/b1": W[-1]}
    for printed, status in ((acc, "passed"), (min(acc + 0.05, 1.0), "failed")):
        under = nut(code("print(...)", stream(f"Validation set accuracy:  {printed!s}\n")), spec=spec)
        under.execution = Execution(notebook=under.stored, cells=[], values=values, value_errors={},
                                    problem=None, kernel_start_s=1.0, total_s=2.0)
        result = run("notebook.claims", under, datasets=Datasets())
        assert result.status == status, result.message
    assert "val accuracy of the 1-layer net" in result.message
