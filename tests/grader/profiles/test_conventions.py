"""The convention checks (``grader/checks/conventions.py``), both ways, on course trees.

Each test runs single checks in a worker on a tree built from the reference in the course's
conventions (``trees``), through the profile's layout and adapters, and shows a correct variant
passing and a realistic course-specific mistake failing with a message that names it. Expected
values: the notebooks' own figures (§3.11 next_w[0, 0] = -0.39994, velocity[0, 0] = -0.06; the
CS231n toy loss 1.30378789133 at reg 0.05 and final training loss 0.017149607938732093), all
reproduced by the fixtures from the reference.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

from grader import fixtures as fixture_store
from grader.checks import load_catalogue
from grader.plan import PlannedCheck
from grader.profiles import select
from grader.rubric import RubricCheck, load_rubric
from grader.sandbox import Limits, Worker
from grader.session import Session
from tests.grader.profiles import trees

COURSE_RUBRICS = ("cs231n_a1", "cs231n_a2_fc", "cs182_hw0", "cs182_hw02", "ucla_hw3", "ucla_hw4")


@lru_cache(maxsize=1)
def course_fixtures() -> dict:
    """The stored fixtures of the course rubrics (what grading uses; their freshness is tested
    in test_rubrics.py)."""
    expected: dict = {}
    for name in COURSE_RUBRICS:
        expected.update(fixture_store.load(load_rubric(name)))
    return expected


class CourseRunner:
    """A worker on a course tree, with the profile selected as the engine would."""

    def __init__(self, base, course, assignment, variant, edit=None, forced=None):
        load_catalogue()
        tree = trees.build(base / "submission", course, assignment, variant)
        if edit:
            edit(tree)
        self.selection = select(base / "submission", base, forced=forced, name="submission")
        self.worker = Worker(self.selection.root, self.selection.layout, Limits(call_timeout=30),
                             scratch_dir=base / "work")
        self.worker.__enter__()

    def run(self, check_id, **params):
        from grader.datasets import Datasets

        rc = RubricCheck(id=check_id, points=1.0, tolerance=None, visibility="visible", timeout=60.0,
                         partial_credit={"rule": "fraction"}, params=params)
        session = Session(worker=self.worker, fixtures=course_fixtures(), datasets=Datasets(),
                          selection=self.selection, root=self.selection.root)
        return session.run_check(PlannedCheck("test", rc))

    def close(self):
        self.worker.__exit__(None, None, None)


@pytest.fixture
def runner(tmp_path):
    made = []

    def make(*args, **kwargs):
        made.append(CourseRunner(tmp_path / f"r{len(made)}", *args, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _patch(rel, old, new):
    def edit(tree):
        path = tree / rel
        path.write_text(trees.sub(path.read_text(), old, new))
    return edit


CS231N_MOMENTUM = ('v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v',
                   'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v')


def test_cs182_momentum_passes_and_a_cs231n_velocity_is_named(runner):
    good = runner("cs182", "hw02", "fa23-fa25")
    for check_id in ("sgd_momentum_cs182.notebook", "sgd_momentum_cs182.fresh_steps", "sgd_momentum_cs182.defaults"):
        assert good.run(check_id).status == "passed", check_id
    assert good.run("sgd_momentum.notebook").status == "failed"   # the CS231n arrays do not apply
    bad = runner("cs182", "hw02", "fa23-fa25", edit=_patch("deeplearning/optim.py", *CS231N_MOMENTUM))
    result = bad.run("sgd_momentum_cs182.notebook")
    assert result.status == "failed"
    assert "the stored velocity follows the CS231n convention" in result.message
    assert "v = momentum * v + dw" in result.message


def test_nesterov_momentum_is_checked_against_the_ucla_rule(runner):
    good = runner("ucla", "hw4", "2020-2021")
    assert good.run("sgd_nesterov_momentum.values").status == "passed"
    as_plain = _patch("nndl/optim.py", "    next_w = w - mu * v + (1 + mu) * v_new\n", "    next_w = w + v_new\n")
    result = runner("ucla", "hw4", "2020-2021", edit=as_plain).run("sgd_nesterov_momentum.values")
    assert result.status == "failed" and "next_w has relative error" in result.message


def test_drop_probability_dropout_accepts_both_correct_masks(runner):
    rand_lt = _patch("cs231n/layers.py", "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
                     "        mask = (np.random.rand(*x.shape) < 1 - p) / (1 - p)\n")
    for edit in (None, rand_lt):
        r = runner("cs231n", "a2", "2016-2017", edit=edit)
        for check_id in ("dropout_forward.drop_probability", "fc_net.dropout_drop_probability",
                         "dropout_forward.train_statistics", "dropout_backward.uses_forward_mask"):
            assert r.run(check_id).status == "passed", check_id


def test_drop_probability_dropout_without_rescaling_fails(runner):
    unscaled = _patch("cs231n/layers.py", "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n",
                      "        mask = (np.random.rand(*x.shape) >= p) * 1.0\n")
    r = runner("cs231n", "a2", "2016-2017", edit=unscaled)
    result = r.run("dropout_forward.drop_probability")
    assert result.status == "failed" and "neither x * (rand >= p) / (1 - p)" in result.message
    assert r.run("fc_net.dropout_drop_probability").status == "failed"


def test_batchnorm_net_in_train_mode_ignores_the_given_mode_line_but_not_a_real_bug(runner):
    ucla = runner("ucla", "hw4", "2020-2021")           # its starter line bn_param[mode] = mode
    assert ucla.run("fc_net.batchnorm_train_mode").status == "passed"
    assert ucla.run("fc_net.batchnorm").status == "failed"   # the canonical check tests test mode
    wrong_axis = _patch("nndl/layers.py", "        var = x.var(axis=0)\n", "        var = x.var(axis=0, ddof=1)\n")
    bad = runner("ucla", "hw4", "2020-2021", edit=wrong_axis)
    assert bad.run("fc_net.batchnorm_train_mode").status == "failed"


HALF_REG = _patch("cs231n/classifiers/neural_net.py", "reg_loss = reg * (", "reg_loss = 0.5 * reg * (")


def test_cs231n_standalone_net_passes_in_its_own_orientation(runner):
    r = runner("cs231n", "a1", "2018-2020")
    for check_id in ("neural_net_cs231n.scores", "neural_net_cs231n.loss", "neural_net_cs231n.gradients",
                     "neural_net_cs231n.train_toy", "neural_net_cs231n.predict"):
        assert r.run(check_id).status == "passed", check_id
    assert r.run("neural_net.scores").status == "failed"        # UCLA's (H, D) does not apply


def test_the_half_regulariser_fails_in_2018_2020_and_is_accepted_for_2016(runner):
    def half(tree):
        HALF_REG(tree)
        path = tree / "cs231n" / "classifiers" / "neural_net.py"
        text = path.read_text().replace("+ 2 * reg * W2", "+ reg * W2").replace("+ 2 * reg * W1", "+ reg * W1")
        path.write_text(text)

    late = runner("cs231n", "a1", "2018-2020", edit=half)
    result = late.run("neural_net_cs231n.loss")
    assert result.status == "failed" and "without the 0.5" in result.message
    # the toy run still trains: the loss check alone deducts the regulariser's form
    assert late.run("neural_net_cs231n.train_toy").status == "passed"
    early = runner("cs231n", "a1", "2018-2020", edit=half, forced="cs231n_a1:2016-2017")
    for check_id in ("neural_net_cs231n.loss", "neural_net_cs231n.gradients", "neural_net_cs231n.train_toy"):
        assert early.run(check_id).status == "passed", check_id


def test_the_final_ucla_model_is_measured_by_the_grader(runner):
    good = runner("ucla", "hw4", "2020-2021")
    result = good.run("training.bn_dropout_accuracy")
    assert result.status == "passed" and result.measured >= 0.9
    frozen = _patch("nndl/optim.py", '    next_w = w - config["learning_rate"] * first_hat / (np.sqrt(second_hat) + config["epsilon"])\n',
                    "    next_w = w\n")
    result = runner("ucla", "hw4", "2020-2021", edit=frozen).run("training.bn_dropout_accuracy")
    assert result.status == "failed" and "validation accuracy" in result.message


def test_fa26_solver_logging_follows_its_year(runner):
    fa26 = runner("cs182", "hw02", "fa26")
    for check_id in ("solver.log_acc_iteration", "solver.grad_norm_history"):
        assert fa26.run(check_id).status == "passed", check_id
    zero_based = _patch("deeplearning/solver.py", "self.log_acc_iteration_history.append(t + 1)",
                        "self.log_acc_iteration_history.append(t)")
    result = runner("cs182", "hw02", "fa26", edit=zero_based).run("solver.log_acc_iteration")
    assert result.status == "failed" and "you store the 0-based t; this course stores t + 1" in result.message
