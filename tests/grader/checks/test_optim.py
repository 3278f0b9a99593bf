"""Checks for the update rules: full marks on the reference, every corpus bug caught where it says,
correct variants kept at full marks, and the unmodified template failed with "not implemented"."""

import pytest

from tests.support import Patch

OPTIM_CHECKS = [
    "sgd_momentum.notebook", "sgd_momentum.fresh_steps", "sgd_momentum.defaults",
    "rmsprop.notebook", "rmsprop.fresh_steps", "rmsprop.defaults", "rmsprop.epsilon_placement",
    "adam.notebook", "adam.fresh_steps", "adam.defaults",
    "optim.loss_decreases",
]


@pytest.mark.parametrize("check_id", OPTIM_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


@pytest.mark.parametrize("check_id", OPTIM_CHECKS)
def test_template_fails_as_not_implemented(template_runner, check_id):
    """The starter code's stubs fail every check cleanly (docs/courses.md §7.19: not a crash in rel_error)."""
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


def test_adam_t_incremented_late_is_named_in_the_notebook_message(runner_for):
    """docs/courses.md §3.13: with t incremented after the bias correction next_w is off by 1.5e-3 and t is right."""
    runner = runner_for(Patch("optim.py", 't = config["t"] + 1', 't = config["t"]'),
                        Patch("optim.py", 'config["m"], config["v"], config["t"] = m, v, t',
                              'config["m"], config["v"], config["t"] = m, v, t + 1'))
    result = runner.run("adam.notebook")
    assert result.status == "failed"
    assert "next_w has relative error 1.52e-03" in result.message
    assert "docs/courses.md §3.13" in result.message and "t FIRST" in result.message
    assert "Diagnosis: the bias correction uses the old t" in result.message.split("\nHint:")[0]


def test_adam_t_not_stored_reports_t(runner_for):
    """docs/courses.md §3.13: the notebook's t=5 must come back as 6."""
    runner = runner_for(Patch("optim.py", 'config["m"], config["v"], config["t"] = m, v, t',
                              'config["m"], config["v"] = m, v'))
    result = runner.run("adam.notebook")
    assert result.status == "failed"
    assert "['t'] is 5, expected 6 (the new t is not stored in config)" in result.message


def test_hard_coded_momentum_is_invisible_to_the_notebook_input(runner_for):
    """docs/courses.md §3.10 uses the default momentum 0.9, so only the fresh hyper-parameters reveal a constant."""
    runner = runner_for(Patch("optim.py", 'v = config["momentum"] * v - config["learning_rate"] * dw',
                              'v = 0.9 * v - config["learning_rate"] * dw'))
    assert runner.run("sgd_momentum.notebook").status == "passed"
    result = runner.run("sgd_momentum.fresh_steps")
    assert result.status == "failed"
    assert "momentum=0.5" in result.message
    assert "Diagnosis: momentum is fixed at 0.9 instead of the config's 0.5" in result.message


def test_a_constant_that_is_not_the_default_is_not_named(runner_for):
    """Only a constant equal to the documented default is a known mistake; 0.8 is wrong otherwise."""
    runner = runner_for(Patch("optim.py", 'v = config["momentum"] * v - config["learning_rate"] * dw',
                              'v = 0.8 * v - config["learning_rate"] * dw'))
    result = runner.run("sgd_momentum.fresh_steps")
    assert result.status == "failed"
    assert "Diagnosis" not in result.message


def test_hard_coded_adam_betas_are_invisible_to_the_notebook_input(runner_for):
    runner = runner_for(Patch("optim.py", 'beta1, beta2 = config["beta1"], config["beta2"]',
                              "beta1, beta2 = 0.9, 0.999"))
    assert runner.run("adam.notebook").status == "passed"
    assert runner.run("adam.fresh_steps").status == "failed"


def test_rmsprop_epsilon_inside_sqrt_matches_the_notebook_but_not_a_large_epsilon(runner_for):
    """docs/courses.md §2.4: both epsilon placements reproduce the notebook's arrays at eps=1e-8."""
    runner = runner_for(Patch("optim.py", 'dw / (np.sqrt(cache) + config["epsilon"])',
                              'dw / np.sqrt(cache + config["epsilon"])'))
    for cid in ("rmsprop.notebook", "rmsprop.fresh_steps", "rmsprop.defaults"):
        assert runner.run(cid).status == "passed", cid
    result = runner.run("rmsprop.epsilon_placement")
    assert result.status == "failed"
    assert "np.sqrt(cache) + epsilon" in result.message


def test_state_kept_only_in_a_new_dict_fails_the_notebook_check(runner_for):
    """The notebook reads config['velocity'] from the dict it passed (docs/courses.md §3.10), not the returned one."""
    runner = runner_for(Patch("optim.py", '    config["velocity"] = v\n    return next_w, config',
                              '    config = dict(config, velocity=v)\n    return next_w, config'))
    result = runner.run("sgd_momentum.notebook")
    assert result.status == "failed"
    assert "update it in place" in result.message
    assert runner.run("sgd_momentum.fresh_steps").status == "passed"


def test_loss_decreases_gives_partial_credit_per_rule(runner_for):
    """A momentum sign error climbs the least-squares loss; the two other rules still descend."""
    runner = runner_for(Patch("optim.py", "next_w = w + v\n    config", "next_w = w - v\n    config"))
    result = runner.run("optim.loss_decreases", partial_credit={"rule": "fraction"})
    assert result.status == "partial"
    assert result.points == pytest.approx(2 / 3, abs=1e-3)
    assert "sgd_momentum" in result.message and "the reference reaches" in result.message
    # the curves show it: momentum's loss climbs above the 10 % line, the others fall below it
    series = result.series
    threshold = series["descent.threshold 10% of the start"][0]
    assert series["descent.sgd_momentum"][-1] > threshold > series["descent.adam"][-1]
    assert len(series["descent.rmsprop"]) == 51 and series["descent.rmsprop"][-1] < threshold


def test_the_descent_of_a_rule_that_breaks_stops_where_it_broke(runner_for):
    """Adam's bias correction with the old t divides by zero at step 1: its curve is one point."""
    runner = runner_for(Patch("optim.py", 't = config["t"] + 1', 't = config["t"]'),
                        Patch("optim.py", 'config["m"], config["v"], config["t"] = m, v, t',
                              'config["m"], config["v"], config["t"] = m, v, t + 1'))
    result = runner.run("optim.loss_decreases", partial_credit={"rule": "fraction"})
    assert result.series["descent.adam (stopped at step 1)"] == [pytest.approx(result.series["descent.rmsprop"][0])]


def _cs231n(variant: str):
    """The Selection of CS231n assignment 2 in year variant ``variant`` (only its conventions are read)."""
    from grader.profiles.cs231n import A2, COURSE
    from grader.profiles.base import Selection
    year = next(v for v in COURSE.variants if v.name == variant)
    return Selection(profile=A2, variant=year, root=None, layout=None, rubrics=("cs231n_a2_fc",))


def test_adam_accepts_the_provided_t_default_of_1_only_in_2016_2017(runner_for):
    """docs/courses.md §A5.1: one 2016-2017 Adam starter provides config.setdefault('t', 1), so a
    correct body's first step from an empty config uses t = 2; other years start t at 0."""
    runner = runner_for(Patch("optim.py", 'config.setdefault("t", 0)', 'config.setdefault("t", 1)'))
    for check_id in ("adam.fresh_steps", "adam.defaults"):
        old = runner.run(check_id, selection=_cs231n("2016-2017"))
        assert old.status == "passed" and "t starting at 1" in old.message, old.message
        assert runner.run(check_id, selection=_cs231n("2021-2024")).status == "failed"
        assert runner.run(check_id).status == "failed"                      # canonical
    assert runner.run("adam.notebook").status == "passed"                   # t = 5 given


def test_adam_starting_t_at_0_still_passes_in_2016_2017(reference_runner):
    """The other 2016-2017 Adam starter defaults t to 0: both are accepted in those years."""
    for check_id in ("adam.fresh_steps", "adam.defaults"):
        result = reference_runner.run(check_id, selection=_cs231n("2016-2017"))
        assert result.status == "passed" and "t starting" not in result.message
