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


@pytest.mark.parametrize("check_id", TRAINING_CHECKS)
def test_the_run_is_recorded_with_the_measured_accuracy_and_the_thresholds(reference_runner, check_id):
    """Loss per iteration and accuracies per epoch as the student's code logged them during the
    grader's run (at most 200 points), the accuracy the grader measured as one point at the end,
    and the rubric's thresholds."""
    result = reference_runner.run(check_id, partial_credit={"rule": "fraction"})
    series = result.series
    assert 0 < len(series["loss.train"]) <= 200 and series["loss.train"][0] > series["loss.train"][-1]
    measured = [name for name in series if name.endswith("measured by the grader")]
    assert len(measured) == 1 and series[measured[0]][-1] == pytest.approx(result.measured)
    thresholds = {name: values for name, values in series.items() if ".threshold " in name}
    if "overfit" in check_id:
        assert "accuracy.val" not in series and list(thresholds.values()) == [[1.0]]
        assert len(series["accuracy.train"]) == 21 == len(series[measured[0]])     # 20 epochs + t=0
    else:
        settings = (training.TWO_LAYER_DEFAULTS if "two_layer" in check_id else training.UCLA_DEFAULTS)["digits"]
        assert sorted(v[0] for v in thresholds.values()) == [settings["floor"], settings["target"]]
        assert "accuracy.val" in series
    if check_id == "training.neural_net_accuracy":       # 1000 iterations, thinned
        assert len(series["loss.index"]) == len(series["loss.train"]) == 200
        assert series["loss.index"][-1] == 999


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
    # the plot shows the lie: the logged accuracy at 1.0, the grader's measurement near chance
    assert result.series["accuracy.train"][-1] == 1.0
    assert result.series["accuracy.train, measured by the grader"][-1] < 0.5


def test_a_solver_without_histories_is_graded_as_before(runner_for):
    """Recording never changes a verdict: histories that cannot be read are simply not plotted."""
    runner = runner_for(Patch("solver.py", "        self.loss_history = []", "        pass"),
                        Patch("solver.py", "        self.loss_history.append(float(loss))", "        pass"))
    result = runner.run("training.overfit_three_layer")
    assert result.status == "passed", result.message
    assert "loss.train" not in result.series and "accuracy.train" in result.series


def test_partial_credit_follows_the_ramp(runner_for):
    """A too-small learning rate (1/10 of the update) learns slowly: credit strictly between 0 and 1."""
    runner = runner_for(Patch("optim.py", 'w -= config["learning_rate"] * dw',
                              'w -= 0.1 * config["learning_rate"] * dw'))
    result = runner.run("training.two_layer_accuracy", points=4, partial_credit={"rule": "fraction"})
    assert 0.5 < result.measured < 0.9
    assert 0 < result.points < 4
    floor, target = training.TWO_LAYER_DEFAULTS["digits"]["floor"], training.TWO_LAYER_DEFAULTS["digits"]["target"]
    assert result.points == pytest.approx(4 * (result.measured - floor) / (target - floor), abs=1e-3)
