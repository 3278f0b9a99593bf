"""Checks for the UCLA stand-alone TwoLayerNet: the docs/courses.md §3.8 toy values, training step for step, and
messages naming the course-specific mistakes (W1 stored (D, H), sampling without replacement)."""
import numpy as np
import pytest

from tests.support import Patch, all_fixtures

NN_CHECKS = ["neural_net.scores", "neural_net.loss", "neural_net.gradients", "neural_net.train_toy",
             "neural_net.train_schedule", "neural_net.predict"]
NN = "classifiers/neural_net.py"


@pytest.mark.parametrize("check_id", NN_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


def test_the_fixture_reproduces_the_toy_notebook():
    """docs/courses.md §3.8: the printed scores (< 1e-7), loss 1.071696123862817 and final training loss 0.014497864587765886."""
    f = all_fixtures()["neural_net"]
    correct_scores = np.asarray([[-1.07260209, 0.05083871, -0.87253915],
                                 [-2.02778743, -0.10832494, -1.52641362],
                                 [-0.74225908, 0.15259725, -0.39578548],
                                 [-0.38172726, 0.10835902, -0.17328274],
                                 [-0.64417314, -0.18886813, -0.41106892]])
    assert np.sum(np.abs(f["toy_scores"] - correct_scores)) < 1e-7
    assert abs(float(f["toy_loss"]) - 1.071696123862817) < 1e-12
    assert abs(f["toy_loss_history"][-1] - 0.014497864587765886) < 1e-12


def test_the_schedule_run_has_several_iterations_per_epoch():
    """40 examples, batch 10: the decay happens at it = 0, 4, 8, so a per-iteration decay shows."""
    f = all_fixtures()["neural_net"]
    assert f["s_X"].shape[0] // 10 == 4 and f["s_loss_history"].size == 12


@pytest.mark.parametrize("check_id", NN_CHECKS)
def test_template_fails_as_not_implemented(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed"
    assert "not implemented" in result.message


def test_w1_stored_as_in_the_modular_net_is_named(runner_for):
    """docs/courses.md §2.5.2: this course stores W1 as (H, D)."""
    runner = runner_for(Patch(NN, 'self.params["W1"] = std * np.random.randn(hidden_size, input_size)',
                              'self.params["W1"] = std * np.random.randn(input_size, hidden_size)'))
    result = runner.run("neural_net.scores")
    assert result.status == "failed"
    assert "(hidden_size, input_size)" in result.message


def test_sampling_without_replacement_fails_the_toy_run(runner_for):
    """docs/courses.md §7.22: batch 200 from 5 examples needs replacement; the worker's ValueError is reported."""
    runner = runner_for(Patch(NN, "idx = np.random.choice(num_train, batch_size, replace=True)",
                              "idx = np.random.choice(num_train, batch_size, replace=False)"))
    result = runner.run("neural_net.train_toy")
    assert result.status == "failed"
    assert "ValueError" in result.message


def test_a_wrong_learning_rate_schedule_says_where_the_runs_part(runner_for):
    runner = runner_for(Patch(NN, """                val_acc_history.append(val_acc)
                learning_rate *= learning_rate_decay""", """                val_acc_history.append(val_acc)
            learning_rate *= learning_rate_decay"""))
    result = runner.run("neural_net.train_schedule")
    assert result.status == "failed"
    assert "first at iteration 3" in result.message  # the update of iteration 2 used a twice-decayed rate


def test_minibatches_in_another_order_still_train_the_toy_net(runner_for):
    """The course prints the toy run's final loss and fixes no draw order (docs/courses.md §3.8):
    indices from np.random.rand (another stream than np.random.choice) keep the points."""
    runner = runner_for(Patch(NN, "idx = np.random.choice(num_train, batch_size, replace=True)",
                              "idx = (np.random.rand(batch_size) * num_train).astype(int)"))
    result = runner.run("neural_net.train_toy")
    assert result.status == "passed", result.message
    assert "another order than the notebook's" in result.message


def test_a_toy_run_that_does_not_learn_fails_whatever_the_order(runner_for):
    """Another draw order AND a learning rate that is never used: the final loss stays near 1.1."""
    runner = runner_for(Patch(NN, "idx = np.random.choice(num_train, batch_size, replace=True)",
                              "idx = (np.random.rand(batch_size) * num_train).astype(int)"),
                        Patch(NN, "self.params[name] -= learning_rate * grads[name]",
                              "self.params[name] -= 1e-4 * grads[name]"))
    result = runner.run("neural_net.train_toy")
    assert result.status == "failed"
    assert "does not learn" in result.message
