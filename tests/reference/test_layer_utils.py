"""The reference sandwich layers chain affine, normalisation and ReLU correctly.

Section numbers (§) refer to docs/courses.md. Forward outputs are compared with the chain
written out in plain numpy; gradients with centred differences.
"""
import numpy as np

from reference.gradient_check import eval_numerical_gradient_array, rel_error
from reference.layer_utils import (
    affine_batchnorm_relu_backward,
    affine_batchnorm_relu_forward,
    affine_layernorm_relu_backward,
    affine_layernorm_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)


def test_affine_relu_forward_is_relu_of_affine():
    """§2.2: out = max(0, x_flat @ w + b) for a 3-D input."""
    np.random.seed(231)
    x = np.random.randn(2, 3, 4)
    w = np.random.randn(12, 10)
    b = np.random.randn(10)
    out, _ = affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(0, x.reshape(2, 12) @ w + b), rtol=1e-14)


def test_affine_relu_backward_matches_numeric_gradients():
    """§3.5: the CS231n seed-231 check (the notebook observes errors of 1e-11 to 1e-10)."""
    np.random.seed(231)
    x = np.random.randn(2, 3, 4)
    w = np.random.randn(12, 10)
    b = np.random.randn(10)
    dout = np.random.randn(2, 10)

    _, cache = affine_relu_forward(x, w, b)
    dx, dw, db = affine_relu_backward(dout, cache)

    dx_num = eval_numerical_gradient_array(lambda x: affine_relu_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_relu_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_relu_forward(x, w, b)[0], b, dout)
    assert dx.shape == (2, 3, 4)
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dw_num, dw) < 1e-8
    assert rel_error(db_num, db) < 1e-8


def _norm_sandwich_inputs():
    """A 3-D input, weights, normalisation parameters and dout (seed 231)."""
    np.random.seed(231)
    N, M = 6, 7
    x = np.random.randn(N, 2, 3)
    w = np.random.randn(6, M)
    b = np.random.randn(M)
    gamma = 1.0 + 0.3 * np.random.randn(M)
    beta = 0.2 * np.random.randn(M)
    dout = np.random.randn(N, M)
    return x, w, b, gamma, beta, dout


def _numeric_sandwich_gradients(forward, x, w, b, gamma, beta, param, dout):
    """Centred-difference gradients of sum(forward(...) * dout) for all five inputs."""
    args = [x, w, b, gamma, beta]
    grads = []
    for i in range(5):
        def f(v, i=i):
            call = list(args)
            call[i] = v
            return forward(*call, param)[0]
        grads.append(eval_numerical_gradient_array(f, args[i].copy(), dout))
    return grads


def test_affine_batchnorm_relu_forward_matches_plain_numpy():
    """§2.2: train mode normalises the affine output over the batch, then applies ReLU."""
    x, w, b, gamma, beta, _ = _norm_sandwich_inputs()
    bn_param = {"mode": "train"}
    out, _ = affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param)
    a = x.reshape(6, -1) @ w + b
    expected = np.maximum(0, gamma * (a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5) + beta)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    # The bn_param dict is passed through, so the running averages were updated.
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * a.mean(0), rtol=1e-12)


def test_affine_batchnorm_relu_backward_matches_numeric_gradients():
    """§2.2: (dx, dw, db, dgamma, dbeta) of the affine-batchnorm-ReLU sandwich."""
    x, w, b, gamma, beta, dout = _norm_sandwich_inputs()
    bn_param = {"mode": "train"}
    _, cache = affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param)
    grads = affine_batchnorm_relu_backward(dout, cache)
    assert len(grads) == 5
    numeric = _numeric_sandwich_gradients(affine_batchnorm_relu_forward,
                                          x, w, b, gamma, beta, bn_param, dout)
    for name, analytic, num, ref in zip(["dx", "dw", "db", "dgamma", "dbeta"], grads, numeric,
                                        [x, w, b, gamma, beta]):
        assert analytic.shape == ref.shape, name
        if name == "db":
            # Batch norm subtracts the batch mean, so a bias before it has no effect: db = 0
            # (a relative error of two round-off values near 0 would be meaningless).
            assert np.max(np.abs(analytic)) < 1e-10 and np.max(np.abs(num)) < 1e-10
        else:
            assert rel_error(num, analytic) < 1e-6, name


def test_affine_layernorm_relu_forward_matches_plain_numpy():
    """§2.2 / course APIs §1.2: layer norm normalises each example's affine output."""
    x, w, b, gamma, beta, _ = _norm_sandwich_inputs()
    out, _ = affine_layernorm_relu_forward(x, w, b, gamma, beta, {})
    a = x.reshape(6, -1) @ w + b
    a_hat = (a - a.mean(1, keepdims=True)) / np.sqrt(a.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, np.maximum(0, gamma * a_hat + beta), rtol=1e-12, atol=1e-14)


def test_affine_layernorm_relu_backward_matches_numeric_gradients():
    """§2.2 / course APIs §1.2: (dx, dw, db, dgamma, dbeta) of the layernorm sandwich."""
    x, w, b, gamma, beta, dout = _norm_sandwich_inputs()
    ln_param = {}
    _, cache = affine_layernorm_relu_forward(x, w, b, gamma, beta, ln_param)
    grads = affine_layernorm_relu_backward(dout, cache)
    assert len(grads) == 5
    numeric = _numeric_sandwich_gradients(affine_layernorm_relu_forward,
                                          x, w, b, gamma, beta, ln_param, dout)
    for name, analytic, num, ref in zip(["dx", "dw", "db", "dgamma", "dbeta"], grads, numeric,
                                        [x, w, b, gamma, beta]):
        assert analytic.shape == ref.shape, name
        assert rel_error(num, analytic) < 1e-6, name
