"""Checks for the sandwich layers (affine-batchnorm-relu, affine-layernorm-relu): full marks on
the reference, a clean "not implemented" failure on the template, and the sandwich bugs caught.
The whole corpus of tests/mutants/layers.py runs in test_layers.py."""
import pytest

from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from tests.mutants.layers import MUTANTS
from tests.support import Patch, all_fixtures

load_catalogue()
SANDWICH_CHECKS = [cid for cid, spec in REGISTRY.items()
                   if spec.func.__module__ == "grader.checks.layer_utils"]


def test_every_sandwich_has_forward_backward_and_numeric_checks():
    """Three checks for each norm sandwich, and the notebook's gradient check of affine-ReLU."""
    assert len(SANDWICH_CHECKS) == 7
    assert "affine_relu_backward.numeric_gradient" in SANDWICH_CHECKS


def test_affine_relu_backward_without_relu_is_caught_and_named(runner_for):
    """The backward that forgets relu_backward fails and the message names the mistake."""
    runner = runner_for(Patch("layer_utils.py",
                              "    da = relu_backward(dout, relu_cache)\n    dx, dw, db = affine_backward(da, fc_cache)",
                              "    dx, dw, db = affine_backward(dout, fc_cache)"))
    result = runner.run("affine_relu_backward.numeric_gradient")
    assert result.status == "failed"
    assert "relu_backward is skipped" in result.message


@pytest.mark.parametrize("check_id", SANDWICH_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


@pytest.mark.parametrize("check_id", SANDWICH_CHECKS)
def test_unmodified_template_fails_cleanly(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


def test_batchnorm_sandwich_db_is_zero():
    """Batchnorm subtracts the batch mean, so the affine bias before it has gradient exactly 0
    (independent math): the reason the check compares db by absolute difference."""
    f = all_fixtures()["sandwich"]
    for prefix in ("a", "b"):
        assert abs(f[f"bn_{prefix}_db"]).max() < 1e-12
        assert abs(f[f"ln_{prefix}_db"]).max() > 1e-3


def test_wrong_backward_order_is_explained(runner_for):
    """Digest docs/courses.md §2.2: backward must undo relu, then batchnorm, then affine."""
    runner = runner_for(*next(m for m in MUTANTS if m.name == "sandwich_backward_wrong_order").patches)
    result = runner.run("affine_batchnorm_relu_backward.values")
    assert result.status == "failed"
    assert "reverse order" in result.message
    assert runner.run("affine_batchnorm_relu_forward.values").status == "passed"


def test_layernorm_sandwich_wrong_order_is_caught(runner_for):
    runner = runner_for(Patch(
        "layer_utils.py",
        "    da_norm = relu_backward(dout, relu_cache)\n"
        "    da, dgamma, dbeta = layernorm_backward(da_norm, ln_cache)\n"
        "    dx, dw, db = affine_backward(da, fc_cache)",
        "    da, dgamma, dbeta = layernorm_backward(dout, ln_cache)\n"
        "    da_norm = relu_backward(da, relu_cache)\n"
        "    dx, dw, db = affine_backward(da_norm, fc_cache)"))
    for check_id in ("affine_layernorm_relu_backward.values",
                     "affine_layernorm_relu_backward.numeric_gradient"):
        assert runner.run(check_id).status == "failed"


def test_sandwich_returning_gradients_in_another_order_fails(runner_for):
    """The docstring fixes the order dx, dw, db, dgamma, dbeta."""
    runner = runner_for(Patch("layer_utils.py",
                              "    dx, dw, db = affine_backward(da, fc_cache)\n"
                              "    return dx, dw, db, dgamma, dbeta\n"
                              "    # END SOLUTION\n\n\ndef affine_layernorm_relu_forward",
                              "    dx, dw, db = affine_backward(da, fc_cache)\n"
                              "    return dx, dw, db, dbeta, dgamma\n"
                              "    # END SOLUTION\n\n\ndef affine_layernorm_relu_forward"))
    result = runner.run("affine_batchnorm_relu_backward.values")
    assert result.status == "failed" and "dgamma" in result.message
