"""Checks for affine and ReLU: full marks on the reference, and each realistic bug caught."""
import pytest

from tests.support import Patch

AFFINE_RELU_CHECKS = [
    "affine_forward.values", "affine_backward.values", "affine_backward.numeric_gradient",
    "relu_forward.values", "relu_backward.any_shape", "relu_backward.exact_zeros",
    "relu_backward.numeric_gradient",
]


@pytest.mark.parametrize("check_id", AFFINE_RELU_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


def test_relu_backward_with_ge_mask_is_caught_only_by_the_exact_zero_check(runner_for):
    """Digest docs/courses.md §7.1: `>=` is invisible to the notebook's random input, visible at exact
    zeros. The course never fixes the subgradient at 0 (§2.1): the required any_shape check passes
    it, and only the extra exact_zeros check reports it."""
    runner = runner_for(Patch("layers.py", "dx = dout * (x > 0)", "dx = dout * (x >= 0)"))
    assert runner.run("relu_backward.exact_zeros").status == "failed"
    assert runner.run("relu_backward.numeric_gradient").status == "passed"
    assert runner.run("relu_backward.any_shape").status == "passed"


def test_relu_backward_with_a_2d_mask_fails_the_any_shape_check(runner_for):
    """Digest docs/courses.md §7.1: a mask from x reshaped to (N, -1) breaks on 3-D inputs."""
    runner = runner_for(Patch("layers.py", "dx = dout * (x > 0)", "dx = dout * (x.reshape(x.shape[0], -1) > 0)"))
    result = runner.run("relu_backward.any_shape")
    assert result.status == "failed" and "relu_backward" in result.message
    assert runner.run("relu_backward.numeric_gradient").status == "passed"


def test_affine_backward_without_reshape_fails_with_a_shape_message(runner_for):
    """Digest docs/courses.md §7.4: dx returned flat, not in x's shape."""
    runner = runner_for(Patch("layers.py", "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T"))
    result = runner.run("affine_backward.values")
    assert result.status == "failed"
    assert "shape" in result.message


# --------------------------------------------------------------------------------------------
# softmax / SVM losses, dropout, batchnorm, layernorm (and the mutant corpus of this area)
# --------------------------------------------------------------------------------------------
import numpy as np  # noqa: E402

from grader.checks import load_catalogue  # noqa: E402
from grader.checks.base import REGISTRY  # noqa: E402
from tests.mutants.layers import EQUIVALENTS, MUTANTS  # noqa: E402
from tests.support import all_fixtures  # noqa: E402

load_catalogue()


def _checks_of(package):
    """The checks registered by the modules of ``grader.checks.<package>`` and their hidden
    counterparts in ``hidden_checks`` (``hidden_checks.losses`` for the layers' losses)."""
    hidden = {"layers": ("hidden_checks.losses",)}.get(package, ())
    return [cid for cid, spec in REGISTRY.items()
            if spec.func.__module__.startswith(f"grader.checks.{package}.") or spec.func.__module__ in hidden]


LAYER_CHECKS = [cid for cid in _checks_of("layers") if cid not in AFFINE_RELU_CHECKS]

# Mutants whose bug only a fresh input can see: the notebook-style check must still pass them.
STILL_PASSES = {
    "softmax_without_max_shift": ("softmax_loss.values", "softmax_loss.numeric_gradient"),
    "softmax_log_of_probabilities": ("softmax_loss.values", "softmax_loss.large_logits"),
    "dropout_backward_redraws_mask": ("dropout_backward.values", "dropout_backward.numeric_gradient"),
    "relu_backward_ge_mask": ("relu_backward.numeric_gradient",),
}


@pytest.mark.parametrize("name", sorted(STILL_PASSES))
def test_a_bug_only_fresh_inputs_reveal_passes_the_notebook_style_checks(runner_for, name):
    """Why fresh inputs matter: these mutants pass the notebook-style checks and still lose points."""
    mutant = next(m for m in MUTANTS + EQUIVALENTS if m.name == name)
    runner = runner_for(*mutant.patches)
    for check_id in STILL_PASSES[name]:
        assert runner.run(check_id).status == "passed", check_id
    assert all(runner.run(check_id).status == "failed" for check_id in mutant.caught_by)


@pytest.mark.parametrize("check_id", LAYER_CHECKS)
def test_layer_check_passes_on_the_reference(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


def test_softmax_fixture_reproduces_the_course_loss():
    """docs/courses.md §3.6: the seed-231 input gives loss 2.3025458445007376 (printed by the CS231n notebook)."""
    f = all_fixtures()["softmax_loss"]
    assert abs(float(f["nb_loss"]) - 2.3025458445007376) < 1e-12
    assert np.all(np.isfinite(f["lse_dx"])) and np.isfinite(float(f["lse_loss"]))


def test_svm_fixture_is_away_from_the_kinks():
    """The hinge's kinks (margin exactly 0) are avoided, so the numeric gradient is well defined;
    with scores ~0.001 every margin is ~1, so the loss is ~(C - 1) = 9 (the course's 'around 9')."""
    f = all_fixtures()["svm_loss"]
    assert abs(float(f["nb_loss"]) - 9.0) < 0.01
    for prefix in ("nb", "r"):
        x, y = f[f"{prefix}_x"], f[f"{prefix}_y"]
        margins = x - x[np.arange(len(y)), y][:, None] + 1.0
        margins[np.arange(len(y)), y] = 1.0
        assert np.min(np.abs(margins)) > 0.04


def test_dropout_fixture_keeps_a_fraction_p():
    """docs/courses.md §3.14/§3.15 with KEEP semantics: the reference's seeded output keeps about p of the units
    and needs an input without zeros for the out / x mask recovery of docs/courses.md §7.7."""
    f = all_fixtures()["dropout"]
    assert abs(np.mean(f["nb_out"] != 0) - 0.8) < 0.1
    assert np.all(f["c_x"] != 0)
    assert abs(float(f["stat_mean"]) - 10) < 0.01


def test_batchnorm_fixture_has_means_beta_and_stds_gamma():
    """The batchnorm notebook's statement: after train-mode batchnorm, per-feature means are beta
    and stds are gamma (up to eps)."""
    f = all_fixtures()["batchnorm"]
    assert np.allclose(f["st_mean"], f["st_beta"], atol=1e-10)
    assert np.allclose(f["st_std"], f["st_gamma"], rtol=1e-6)


@pytest.mark.parametrize("check_id", LAYER_CHECKS)
def test_unmodified_template_fails_cleanly(template_runner, check_id):
    """Every stub raises NotImplementedError: a failed check saying so, never a grader error."""
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


def test_softmax_failure_names_the_input_and_the_fix(runner_for):
    """A message must say which input broke and how to fix it (checks_common rule 4)."""
    runner = runner_for(*next(m for m in MUTANTS + EQUIVALENTS if m.name == "softmax_without_max_shift").patches)
    result = runner.run("softmax_loss.large_logits")
    assert "+-1000" in result.message and "max" in result.message.split("Hint:")[1]


def test_dropout_statistics_message_explains_keep_probability(runner_for):
    runner = runner_for(*next(m for m in MUTANTS if m.name == "dropout_p_as_drop_probability").patches)
    result = runner.run("dropout_forward.train_statistics")
    assert "p=0.3" in result.message and "KEEPING" in result.message
