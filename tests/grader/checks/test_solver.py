"""Checks for the Solver: full marks on the reference, every corpus bug caught where it says,
correct variants kept at full marks, the template failed with "not implemented", and a broken
TwoLayerNet reported as the model's fault rather than the Solver's."""
import shutil

import numpy as np
import pytest

from grader.checks import solver as solver_checks
from tests.support import TEMPLATE, CheckRunner, Patch, all_fixtures, make_submission

SOLVER_CHECKS = [
    "solver.history_lengths", "solver.lr_decay", "solver.best_params_restored",
    "solver.unknown_keyword", "solver.grad_norm_history", "solver.log_acc_iteration",
    "solver.record_histories_npz",
]


@pytest.mark.parametrize("check_id", SOLVER_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


def test_the_fixture_reproduces_the_course_history_lengths():
    """docs/courses.md §2.6: overfit-50 (50 examples, batch 25, 20 epochs) gives 40 steps and 21 accuracy checks;
    one iteration per epoch gives num_epochs checks."""
    f = all_fixtures()["solver"]
    assert f["overfit.loss_history"].size == 40
    assert f["overfit.train_acc_history"].size == f["overfit.val_acc_history"].size == 21
    assert f["single.val_acc_history"].size == 3
    assert f["decay.final_lr"] == pytest.approx([0.5 * 0.8**4] * 4)
    assert list(f["main.log_acc_iteration_history"]) == [0] + list(range(4, 50, 5))


def test_the_main_run_makes_a_missing_restore_visible():
    """The best validation accuracy is reached before the last epoch, and only once."""
    val = all_fixtures()["solver"]["main.val_acc_history"]
    assert val[-1] < val.max()
    assert np.sum(val == val.max()) == 1


def test_the_grad_norm_alternatives_differ_from_the_course_reading():
    """docs/courses.md §9.6: the misreadings a failure message names must be distinguishable from the answer."""
    f = all_fixtures()["solver"]
    expected = f["main.log_grad_norm_history"]
    for key in ("gn_weights_only", "gn_global", "gn_sum"):
        assert np.max(np.abs(f[f"main.{key}"] - expected) / expected) > 1e-2


@pytest.mark.parametrize("check_id", SOLVER_CHECKS)
def test_template_fails_as_not_implemented(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


@pytest.fixture(scope="module")
def template_solver_runner(tmp_path_factory):
    """The reference with the template's solver.py: only Solver._step's TODO is missing."""
    root = make_submission(tmp_path_factory.mktemp("template_solver"))
    shutil.copy(TEMPLATE / "solver.py", root / "solver.py")
    with CheckRunner(root) as runner:
        yield runner


@pytest.mark.parametrize("check_id", [c for c in SOLVER_CHECKS if c != "solver.unknown_keyword"])
def test_template_solver_with_a_working_model_names_the_step(template_solver_runner, check_id):
    result = template_solver_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message and "_step" in result.message


def test_template_solver_keeps_the_given_keyword_handling(template_solver_runner):
    """The constructor is given code: its keyword check passes before _step is written."""
    assert template_solver_runner.run("solver.unknown_keyword").status == "passed"


def test_grad_norm_message_names_the_weights_only_reading(runner_for):
    runner = runner_for(Patch("solver.py", "for p in grads]", 'for p in grads if p.startswith("W")]'))
    result = runner.run("solver.grad_norm_history")
    assert result.status == "failed"
    assert "weight matrices only" in result.message


def test_missing_restore_is_explained_with_the_recomputed_accuracy(runner_for):
    runner = runner_for(Patch("solver.py", "            self.model.params = self.best_params",
                              "            pass"))
    result = runner.run("solver.best_params_restored")
    assert result.status == "failed"
    assert "LAST epoch" in result.message and "recomputed by the grader" in result.message


def test_sampling_without_replacement_is_reported_as_a_diverging_run(runner_for):
    """The course samples WITH replacement (docs/courses.md §2.6); another draw makes the seeded run differ."""
    runner = runner_for(Patch("solver.py", "np.random.choice(num_train, self.batch_size)",
                              "np.random.choice(num_train, self.batch_size, replace=False)"))
    result = runner.run("solver.grad_norm_history")
    assert result.status == "failed"
    assert "leaves the reference run at iteration 0" in result.message
    assert "np.random.choice(num_train, batch_size)" in result.message


def test_a_broken_two_layer_net_is_blamed_on_the_model(runner_for):
    """A TwoLayerNet bug (missing 0.5 in L2, docs/courses.md §7.11 analogue: here a wrong data gradient) must not
    read as a Solver bug."""
    runner = runner_for(Patch("classifiers/fc_net.py", 'grads["W2"] += self.reg * W2',
                              'grads["W2"] += self.reg * W2 + 1e-3'))
    result = runner.run("solver.lr_decay")
    assert result.status == "failed"
    assert "TwoLayerNet" in result.message and "fix TwoLayerNet" in result.message


def test_lr_decay_records_the_loss_beside_the_reference_run(reference_runner):
    series = reference_runner.run("solver.lr_decay").series
    assert len(series["loss.train"]) == 20 and series["loss.train"] == pytest.approx(series["loss.reference run"])


def test_npz_reader_refuses_a_symlink(tmp_path):
    """The grader reads the student's npz from the scratch folder: never through a link."""
    target = tmp_path / "secret.npz"
    np.savez(target, a=np.zeros(2))
    link = tmp_path / "run.npz"
    link.symlink_to(target)
    arrays, problem = solver_checks._read_npz([str(link)])
    assert arrays is None and "not a regular file" in problem


def test_npz_reader_refuses_pickles(tmp_path):
    path = tmp_path / "run.npz"
    np.savez(path, a=np.array([{"x": 1}], dtype=object))
    arrays, problem = solver_checks._read_npz([str(path)])
    assert arrays is None and "without pickles" in problem
