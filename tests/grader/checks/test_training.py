"""Training checks: the reference reaches the targets on the embedded digits; accuracy is measured
by the grader from the trained parameters (a Solver that lies about its history earns nothing);
partial credit follows the ramp; a missing dataset skips the check."""
import pytest

from grader.checks import training
from tests.support import CheckRunner, Patch, make_submission

TRAINING_CHECKS = ["training.overfit_three_layer", "training.overfit_five_layer",
                   "training.two_layer_accuracy", "training.neural_net_accuracy"]


@pytest.mark.parametrize("check_id", TRAINING_CHECKS)
def test_reference_passes_on_digits(reference_runner, check_id):
    result = reference_runner.run(check_id, partial_credit={"rule": "fraction"})
    assert result.status == "passed", result.message
    assert result.measured >= 0.9


class NoDatasets:
    default = "digits"

    def get(self, name=None):
        return None


def test_a_missing_dataset_skips_instead_of_failing(tmp_path):
    with CheckRunner(make_submission(tmp_path), datasets=NoDatasets()) as runner:
        for check_id in TRAINING_CHECKS:
            result = runner.run(check_id)
            assert result.status == "skipped" and result.points == 0, result.message
            assert "--data" in result.message


def test_a_solver_that_reports_perfect_accuracy_but_never_trains_earns_nothing(runner_for):
    """The Solver skips every update and fakes its histories: the grader measures ~chance."""
    runner = runner_for(
        Patch("solver.py", "next_w, next_config = self.update_rule(w, dw, config)",
              "next_w, next_config = w, config"),
        Patch("solver.py", "        self.train_acc_history.append(train_acc)",
              "        self.train_acc_history.append(1.0)"),
    )
    result = runner.run("training.overfit_three_layer")
    assert result.status == "failed"
    assert result.measured < 0.5


def test_partial_credit_follows_the_ramp(runner_for):
    """A too-small learning rate (1/10 of the update) learns slowly: credit strictly between 0 and 1."""
    runner = runner_for(Patch("optim.py", 'w -= config["learning_rate"] * dw',
                              'w -= 0.1 * config["learning_rate"] * dw'))
    result = runner.run("training.two_layer_accuracy", points=4, partial_credit={"rule": "fraction"})
    assert 0.5 < result.measured < 0.9
    assert 0 < result.points < 4
    floor, target = training.TWO_LAYER_DEFAULTS["digits"]["floor"], training.TWO_LAYER_DEFAULTS["digits"]["target"]
    assert result.points == pytest.approx(4 * (result.measured - floor) / (target - floor), abs=1e-3)
