"""Checks for TwoLayerNet and FullyConnectedNet: full marks on the reference, the course's printed
values reproduced by the fixtures, "not implemented" for the template, and failure messages that
name the mistake (the whole bug corpus is in tests/mutants/models.py)."""
import numpy as np
import pytest

from tests.starters.builder import stub_regions
from tests.support import CheckRunner, Patch, all_fixtures, make_submission

FC_CHECKS = [
    "two_layer_net.init", "two_layer_net.scores", "two_layer_net.losses", "two_layer_net.gradients",
    "fc_net.initial_loss", "fc_net.gradients", "fc_net.dropout", "fc_net.batchnorm",
    "fc_net.layernorm", "fc_net.initialization", "fc_net.dtype", "fc_net.init",
]


@pytest.mark.parametrize("check_id", FC_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


def test_the_two_layer_fixture_reproduces_the_notebook():
    """docs/courses.md §3.7: the correct scores (printed to 8 decimals) and the losses 3.4702243556 / 26.5948426952."""
    f = all_fixtures()["two_layer_net"]
    correct_scores = np.asarray(
        [[11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
         [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
         [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]])
    assert np.abs(f["nb_scores"] - correct_scores).sum() < 1e-6
    assert abs(float(f["nb_reg0_loss"]) - 3.4702243556) < 1e-10
    assert abs(float(f["nb_reg1_loss"]) - 26.5948426952) < 1e-10


def test_the_fc_fixture_reproduces_the_seed_231_losses():
    """docs/courses.md §3.9: 2.300479089768492 (reg 0) and 7.052114776533016 (reg 3.14), drawn in layer order."""
    f = all_fixtures()["fc_net"]
    assert float(f["nb_reg0_loss"]) == pytest.approx(2.300479089768492, abs=1e-12)
    assert float(f["nb_reg314_loss"]) == pytest.approx(7.052114776533016, abs=1e-12)


def test_the_fresh_parameters_leave_no_term_at_zero():
    """Random biases and gamma != 1 / beta != 0: a dropped bias or beta term changes the loss."""
    f = all_fixtures()["fc_net"]
    for key in ("bn_p_b1", "bn_p_beta1", "plain_p_b3"):
        assert np.all(f[key] != 0)
    assert np.all(f["bn_p_gamma2"] != 1)


@pytest.mark.parametrize("check_id", FC_CHECKS)
def test_template_fails_as_not_implemented(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed"
    assert "not implemented" in result.message


FC = "classifiers/fc_net.py"


def test_a_missing_half_in_the_two_layer_l2_term_is_named(runner_for):
    """docs/courses.md §7.11: without the 0.5 the regularised loss is 49.719461034881775; the message says so."""
    runner = runner_for(Patch(FC, "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                              "reg_loss = self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"))
    result = runner.run("two_layer_net.losses")
    assert result.status == "failed"
    assert "49.71946103" in result.message and "0.5" in result.message
    assert "Diagnosis: the L2 term is reg * sum(W**2) without the factor 0.5" in result.message


def test_weights_drawn_in_another_order_keep_the_points(runner_for):
    """docs/courses.md §7.15: randn(out, in).T changes the seed-231 losses only through the draw
    order, which the course does not fix; the loss is right for the student's own weights."""
    runner = runner_for(Patch(FC, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                              "W = weight_scale * np.random.randn(fan_out, fan_in).T"))
    result = runner.run("fc_net.initial_loss")
    assert result.status == "passed", result.message
    assert "another order than the notebook's" in result.message


def test_weights_rescaled_to_an_exact_std_are_not_random_draws(runner_for):
    """Another draw order is fine; a draw renormalised to an exact sample std is not N(0, ws^2)."""
    runner = runner_for(Patch(FC, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                              "_w = np.random.randn(fan_out, fan_in).T\n"
                              "                W = weight_scale * (_w - _w.mean()) / _w.std()"))
    result = runner.run("fc_net.initial_loss")
    assert result.status == "failed"
    assert "drawn differently and W1 is rescaled to an exact sample mean/std" in result.message
    assert runner.run("fc_net.gradients").status == "passed"  # the loss itself is fine


def test_weights_of_the_wrong_scale_in_another_order_fail(runner_for):
    runner = runner_for(Patch(FC, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                              "W = 2 * weight_scale * np.random.randn(fan_out, fan_in).T"))
    result = runner.run("fc_net.initial_loss")
    assert result.status == "failed"
    assert "not about weight_scale 0.05" in result.message


def test_the_batchnorm_mode_template_bug_is_explained(runner_for):
    """docs/courses.md §7.9: bn_param[mode] = mode leaves batchnorm in train mode at test time."""
    runner = runner_for(Patch(FC, 'bn_param["mode"] = mode', "bn_param[mode] = mode"))
    result = runner.run("fc_net.batchnorm")
    assert result.status == "failed"
    assert "batch statistics at test time" in result.message
    assert "bn_param['mode']" in result.message


def test_he_with_fan_out_fails_on_the_first_layer(runner_for):
    """docs/courses.md §3.17: fan-out gives layer 1 a std of sqrt(2/50) = 0.2 instead of sqrt(2/3072) = 0.0255."""
    runner = runner_for(Patch(FC, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                              "W = np.sqrt(2.0 / fan_out) * np.random.randn(fan_in, fan_out)"))
    result = runner.run("fc_net.initialization")
    assert result.status == "failed"
    assert "W1.std() is 0.2" in result.message and "initialization='he'" in result.message
    assert "Diagnosis: the weight stds match sqrt(2 / fan_out)" in result.message
    series = result.series                      # the plot: measured stds against the formula's
    assert series["weight_std.measured, he"][0] == pytest.approx(0.2, rel=0.05)
    assert series["weight_std.expected he, sqrt(2/fan_in)"][0] == pytest.approx(np.sqrt(2 / 3072))


def test_the_dtype_of_no_parameters_earns_nothing(tmp_path):
    """The course's starter: ``__init__`` still a TODO, its own loop casting self.params. An
    empty dict "has the right dtype"; the real-work gate gives it 0 (docs/rubrics.md)."""
    root = make_submission(tmp_path)
    path = root / FC
    path.write_text(stub_regions(path.read_text(), FC))
    assert "self.params[k] = v.astype(dtype)" in path.read_text()
    with CheckRunner(root) as runner:
        result = runner.run("fc_net.dtype")
    assert result.status == "failed" and result.points == 0
    assert "creates no parameters" in result.message
    assert "this check earns its points once __init__ creates W1, b1" in result.message


def test_initialization_records_measured_and_expected_stds(reference_runner):
    series = reference_runner.run("fc_net.initialization").series
    for scheme, expected in (("he", "expected he, sqrt(2/fan_in)"), ("random", "expected random, weight_scale 0.01")):
        measured, formula = series[f"weight_std.measured, {scheme}"], series[f"weight_std.{expected}"]
        assert len(measured) == len(formula) == 11
        assert measured == pytest.approx(formula, rel=0.1)


def test_fc_init_tests_the_rule_statistically_not_the_draw(runner_for):
    """docs/courses.md §2.5.3: N(0, weight_scale^2) weights, zero biases, unit gammas. A draw
    rescaled to exactly std weight_scale meets the rule; one without weight_scale does not;
    without batchnorm in the rubric (params) the gammas are not asked for."""
    exact = runner_for(Patch("classifiers/fc_net.py", "W = weight_scale * np.random.randn(fan_in, fan_out)",
                             "_w = np.random.randn(fan_in, fan_out)\n"
                             "                W = weight_scale * (_w - _w.mean()) / _w.std()"))
    assert exact.run("fc_net.init").status == "passed"
    gammas = runner_for(Patch("classifiers/fc_net.py", 'self.params["gamma%d" % i] = np.ones(fan_out)',
                              'self.params["gamma%d" % i] = np.zeros(fan_out)'))
    result = gammas.run("fc_net.init")
    assert result.status == "failed" and "gamma1 is not all ones" in result.message
    assert "normalization='batchnorm'" in result.message
    assert gammas.run("fc_net.init", params={"normalization": False}).status == "passed"


def test_regularising_every_parameter_is_reported_as_information(runner_for):
    """docs/courses.md §2.5.3: the L2 term covers the weights; gammas and betas regularised too
    is allowed (the check is extra), and the message names them."""
    runner = runner_for(Patch("classifiers/fc_net.py", '''            for i in range(1, L + 1):
                W = self.params["W%d" % i]
                loss += 0.5 * self.reg * np.vdot(W, W)
                grads["W%d" % i] += self.reg * W''', '''            for k, W in self.params.items():
                loss += 0.5 * self.reg * np.vdot(W, W)
                grads[k] += self.reg * W'''))
    result = runner.run("fc_net.regularised_params")
    assert result.status == "failed" and "gamma1 is regularised too" in result.message
    assert "b1 is regularised too" in result.message and "information" in result.message
