"""The reference layers reproduce the course notebooks' values and pass numeric gradient checks.

Section numbers (§) refer to docs/courses.md. Inputs and expected values are copied from the
course notebooks, computed by hand, or checked against independent math (numerical gradients,
definitions of mean and standard deviation); none is copied from the implementation.
"""
import numpy as np
import pytest

from reference.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)
from reference.layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)


# -------------------------------------------------------------------------------------- affine

def test_affine_forward_matches_course_output():
    """§3.1: the notebook's linspace input gives the printed output (a correct layer gets ~1e-9)."""
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)

    out, _ = affine_forward(x, w, b)

    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297],
                            [3.25553199, 3.5141327, 3.77273342]])
    assert out.shape == (2, 3)
    assert rel_error(out, correct_out) < 1e-8


def _affine_backward_inputs():
    """§3.2: the CS231n seed-231 draws, in the notebook's order."""
    np.random.seed(231)
    x = np.random.randn(10, 2, 3)
    w = np.random.randn(6, 5)
    b = np.random.randn(5)
    dout = np.random.randn(10, 5)
    return x, w, b, dout


def test_affine_backward_reproduces_seed231_dw():
    """§3.2: dw for seed 231 equals the matrix the CS231n notebook printed to 8 decimals."""
    x, w, b, dout = _affine_backward_inputs()
    _, cache = affine_forward(x, w, b)
    _, dw, _ = affine_backward(dout, cache)

    printed_dw = np.array([
        [-2.37342917, -0.51198268, 0.31810037, 2.90403428, 1.06935402],
        [-3.51268592, -2.11141032, -3.63676781, -1.97058092, -2.23413933],
        [5.08663365, 1.49488732, 3.34009108, 5.93662486, -2.15844283],
        [-0.69809993, -0.20996862, -2.34841896, 2.76050051, -3.16921717],
        [2.22793491, 2.34320739, -4.92577398, 2.06883897, -3.34916043],
        [-0.77798671, -1.29867108, -3.14496814, 0.15478615, -3.09581511]])
    # 8 printed decimals: every entry is within half a unit of the last place.
    assert np.max(np.abs(dw - printed_dw)) <= 5e-9 + 1e-12


def test_affine_backward_matches_numeric_gradients_and_keeps_x_shape():
    """§3.2: dx, dw, db agree with centred differences (< 1e-8); dx comes back as (10, 2, 3)."""
    x, w, b, dout = _affine_backward_inputs()
    dx_num = eval_numerical_gradient_array(lambda x: affine_forward(x, w, b)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda w: affine_forward(x, w, b)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda b: affine_forward(x, w, b)[0], b, dout)

    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)

    assert dx.shape == (10, 2, 3), "dx must have the shape of the unflattened input x"
    assert dw.shape == (6, 5) and db.shape == (5,)
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dw_num, dw) < 1e-8
    assert rel_error(db_num, db) < 1e-8


# ---------------------------------------------------------------------------------------- relu

def test_relu_forward_matches_course_output():
    """§3.3: the printed array; its 8-decimal rounding leaves a correct layer at 5e-8."""
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    correct_out = np.array([[0., 0., 0., 0.],
                            [0., 0., 0.04545455, 0.13636364],
                            [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(out, correct_out) <= 1e-7


def test_relu_backward_matches_numeric_gradient():
    """§3.4: seed-231 numeric check (the notebook observes ~3e-12)."""
    np.random.seed(231)
    x = np.random.randn(10, 10)
    dout = np.random.randn(*x.shape)
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert rel_error(dx_num, dx) < 1e-9


def test_relu_backward_is_zero_at_exact_zero():
    """§7.1: the mask is strict (x > 0), so an input of exactly 0 passes no gradient."""
    x = np.linspace(-0.5, 0.5, 11)
    assert x[5] == 0.0, "precondition: the input contains an exact zero"
    dout = np.ones_like(x)
    _, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    expected = np.array([0.] * 6 + [1.] * 5)
    np.testing.assert_array_equal(dx, expected)


def test_relu_works_on_3d_inputs():
    """§2.1 / §7.1: ReLU accepts any shape; a 3-D input keeps its shape and passes the check."""
    np.random.seed(0)
    x = np.random.randn(3, 4, 5)
    dout = np.random.randn(3, 4, 5)
    out, cache = relu_forward(x)
    dx = relu_backward(dout, cache)
    assert out.shape == dx.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, np.where(x > 0, x, 0.0))
    dx_num = eval_numerical_gradient_array(lambda x: relu_forward(x)[0], x, dout)
    assert rel_error(dx_num, dx) < 1e-9


# -------------------------------------------------------------------------------------- losses

def test_softmax_loss_reproduces_seed231_loss_and_gradient():
    """§3.6: seed 231 gives loss 2.3025458445007376 exactly; dx matches centred differences."""
    np.random.seed(231)
    num_classes, num_inputs = 10, 50
    x = 0.001 * np.random.randn(num_inputs, num_classes)
    y = np.random.randint(num_classes, size=num_inputs)

    dx_num = eval_numerical_gradient(lambda x: softmax_loss(x, y)[0], x, verbose=False)
    loss, dx = softmax_loss(x, y)

    assert abs(loss - 2.3025458445007376) < 1e-12
    assert rel_error(dx_num, dx) < 1e-7  # the notebook observes 8.2e-9


def test_softmax_loss_is_finite_for_huge_logits():
    """§7.6: logits of +-1000 give a finite loss and gradient (log-sum-exp), worked by hand.

    Row 0 scores (1000, -1000, 0), label 1: -log p = 1000 - (-1000) = 2000, probs (1, 0, 0).
    Row 1 scores (-1000, 1000, 1000), label 0: -log p = 2000 + log 2, probs (0, 1/2, 1/2).
    """
    x = np.array([[1000.0, -1000.0, 0.0],
                  [-1000.0, 1000.0, 1000.0]])
    y = np.array([1, 0])
    # exp underflowing to 0 is fine; overflow, log(0) and 0/0 are not.
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        loss, dx = softmax_loss(x, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dx))
    assert abs(loss - (4000.0 + np.log(2.0)) / 2) < 1e-9
    expected_dx = np.array([[1.0, -1.0, 0.0],
                            [-1.0, 0.5, 0.5]]) / 2
    np.testing.assert_allclose(dx, expected_dx, atol=1e-12)


def test_svm_loss_hand_computed_case():
    """§2.1: margin-1 hinge loss on a 2x3 example worked by hand.

    Row 0 scores (1, 2, 3), label 0: margins 2-1+1 = 2 and 3-1+1 = 3, sum 5;
    gradient (-2, 1, 1). Row 1 scores (0.5, 1, 1.2), label 2: margins 0.3 and 0.8, sum 1.1;
    gradient (1, 1, -2). Loss (5 + 1.1) / 2 = 3.05, gradient divided by N = 2.
    """
    x = np.array([[1.0, 2.0, 3.0],
                  [0.5, 1.0, 1.2]])
    y = np.array([0, 2])
    loss, dx = svm_loss(x, y)
    assert abs(loss - 3.05) < 1e-12
    np.testing.assert_allclose(dx, np.array([[-2.0, 1.0, 1.0], [1.0, 1.0, -2.0]]) / 2, atol=1e-15)


def test_svm_loss_inactive_margins_give_zero_loss():
    """§2.1: when the correct score beats every other by more than 1, loss and gradient are 0."""
    x = np.array([[5.0, 1.0, 2.0], [0.0, 0.0, 3.5]])
    y = np.array([0, 2])
    loss, dx = svm_loss(x, y)
    assert loss == 0.0
    np.testing.assert_array_equal(dx, np.zeros_like(x))


def test_svm_loss_matches_numeric_gradient_away_from_kinks():
    """§2.1: away from the kinks the hinge loss is differentiable and dx matches the numeric one."""
    np.random.seed(231)
    num_classes, num_inputs = 10, 50
    x = np.random.randn(num_inputs, num_classes)
    y = np.random.randint(num_classes, size=num_inputs)
    margins = x - x[np.arange(num_inputs), y][:, None] + 1.0
    margins[np.arange(num_inputs), y] = np.inf
    assert np.min(np.abs(margins)) > 1e-3, "precondition: no margin within 1e-3 of a kink"

    dx_num = eval_numerical_gradient(lambda x: svm_loss(x, y)[0], x, verbose=False)
    _, dx = svm_loss(x, y)
    assert rel_error(dx_num, dx) < 1e-8


# ------------------------------------------------------------------------------------- dropout

@pytest.mark.parametrize("p", [0.3, 0.6, 0.75])
def test_dropout_forward_statistics(p):
    """§3.14: p is the KEEP probability; inverted scaling keeps the mean; test mode is identity."""
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10

    out, (_, mask) = dropout_forward(x, {"mode": "train", "p": p})
    out_test, (_, mask_test) = dropout_forward(x, {"mode": "test", "p": p})

    assert abs(out.mean() - x.mean()) < 0.1, "train output should keep the input mean (x / p)"
    assert abs((out == 0).mean() - (1 - p)) < 0.01, "about 1 - p of the units should be dropped"
    assert mask is not None and mask.shape == x.shape
    np.testing.assert_array_equal(out_test, x)
    assert mask_test is None


def test_dropout_backward_matches_numeric_gradient():
    """§3.15: with a fixed seed the mask is the same on every call, so centred differences work."""
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.8, "seed": 123}
    _, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)
    assert rel_error(dx, dx_num) < 1e-9  # the notebook observes 5.4e-11


def test_dropout_same_seed_gives_same_mask():
    """§2.1: 'seed' in dropout_param reseeds numpy first, so two calls drop the same units."""
    x = np.ones((20, 30))
    out_a, (_, mask_a) = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    np.random.rand(5)  # move the global stream; the seed must make this irrelevant
    out_b, (_, mask_b) = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    np.testing.assert_array_equal(mask_a, mask_b)
    np.testing.assert_array_equal(out_a, out_b)
    # The mask holds 0 or 1/p.
    assert set(np.unique(mask_a)) <= {0.0, 2.0}


def test_dropout_test_mode_backward_and_dtype():
    """§2.1: test-mode backward passes dout through; output keeps x's dtype (float32)."""
    x = np.random.RandomState(0).randn(4, 6).astype(np.float32)
    out, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1})
    assert out.dtype == np.float32
    dout = np.arange(24, dtype=np.float64).reshape(4, 6)
    _, cache = dropout_forward(x, {"mode": "test", "p": 0.5})
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


# ----------------------------------------------------------------------------------- batchnorm

def _bn_notebook_activations():
    """The CS231n BatchNormalization notebook's input: pre-activations of a 2-layer net."""
    np.random.seed(231)
    N, D1, D2, D3 = 200, 50, 60, 3
    X = np.random.randn(N, D1)
    W1 = np.random.randn(D1, D2)
    W2 = np.random.randn(D2, D3)
    return np.maximum(0, X @ W1) @ W2


def test_batchnorm_train_output_has_requested_mean_and_std():
    """§2.1: train mode gives per-feature mean beta and std |gamma| (mean 0, std 1 by default).

    This is the CS231n notebook's check. The standard deviation of the output is
    |gamma| * sqrt(var / (var + eps)), within 1e-4 of |gamma| for these large variances;
    an unbiased (ddof=1) variance would give 0.9975 instead.
    """
    a = _bn_notebook_activations()
    D = a.shape[1]
    assert np.all(a.std(axis=0) > 5), "precondition: the raw activations are far from unit scale"

    out, _ = batchnorm_forward(a, np.ones(D), np.zeros(D), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), 1.0, atol=1e-4)

    gamma = np.array([1.0, 2.0, 3.0])
    beta = np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), gamma, atol=3e-4)

    out, _ = batchnorm_forward(a, -gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.std(axis=0), gamma, atol=3e-4)


def test_batchnorm_train_updates_running_averages_with_momentum():
    """§2.1: running = momentum * running + (1 - momentum) * batch statistic, written back.

    x = [[1, 2], [3, 6]] has mean (2, 4) and biased variance (1, 4). With momentum 0.8 and
    running (10, 0) / (1, 1): mean 0.8*(10, 0) + 0.2*(2, 4) = (8.4, 0.8),
    var 0.8*(1, 1) + 0.2*(1, 4) = (1.0, 1.6).
    """
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn_param = {"mode": "train", "momentum": 0.8,
                "running_mean": np.array([10.0, 0.0]), "running_var": np.array([1.0, 1.0])}
    out, _ = batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [8.4, 0.8], rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], [1.0, 1.6], rtol=1e-14)
    eps = 1e-5
    expected = np.array([[-1 / np.sqrt(1 + eps), -2 / np.sqrt(4 + eps)],
                         [1 / np.sqrt(1 + eps), 2 / np.sqrt(4 + eps)]])
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_batchnorm_default_running_averages_start_at_zero():
    """§2.1: defaults are momentum 0.9 and zero running stats of x's dtype and shape (D,)."""
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    bn_param = {"mode": "train"}
    batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [0.2, 0.4], rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], [0.1, 0.4], rtol=1e-14)

    x32 = x.astype(np.float32)
    bn_param = {"mode": "train"}
    batchnorm_forward(x32, np.ones(2, np.float32), np.zeros(2, np.float32), bn_param)
    assert bn_param["running_mean"].dtype == np.float32
    assert bn_param["running_mean"].shape == (2,)


def test_batchnorm_test_mode_uses_running_stats_and_leaves_them_unchanged():
    """§2.1 / §7.9: test mode normalises with the running averages, example by example.

    With running mean (1, 2), running var (4, 9), eps 0, gamma (2, 1), beta (0, -1):
    x = (3, 8) -> ((3-1)/2*2 + 0, (8-2)/3*1 - 1) = (2, 1).
    """
    running_mean = np.array([1.0, 2.0])
    running_var = np.array([4.0, 9.0])
    bn_param = {"mode": "test", "eps": 0.0,
                "running_mean": running_mean.copy(), "running_var": running_var.copy()}
    gamma, beta = np.array([2.0, 1.0]), np.array([0.0, -1.0])
    x = np.array([[3.0, 8.0], [1.0, 2.0], [-1.0, 5.0]])

    out, _ = batchnorm_forward(x, gamma, beta, bn_param)

    np.testing.assert_allclose(out, [[2.0, 1.0], [0.0, -1.0], [-2.0, 0.0]], rtol=1e-14)
    np.testing.assert_array_equal(bn_param["running_mean"], running_mean)
    np.testing.assert_array_equal(bn_param["running_var"], running_var)
    # One example alone gives the same output as inside the batch.
    out_one, _ = batchnorm_forward(x[:1], gamma, beta, bn_param)
    np.testing.assert_array_equal(out_one, out[:1])


def test_batchnorm_rejects_unknown_mode():
    """§2.1: any mode other than 'train'/'test' raises the course's ValueError."""
    with pytest.raises(ValueError, match='Invalid forward batchnorm mode "eval"'):
        batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"})


def _bn_gradient_inputs():
    """The CS231n BatchNormalization notebook's gradient-check input (seed 231)."""
    np.random.seed(231)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)
    return x, gamma, beta, dout


def test_batchnorm_backward_matches_numeric_gradients():
    """§2.1: dx, dgamma, dbeta from the graph derivation agree with centred differences."""
    x, gamma, beta, dout = _bn_gradient_inputs()
    bn_param = {"mode": "train"}
    fx = lambda x: batchnorm_forward(x, gamma, beta, bn_param)[0]
    fg = lambda g: batchnorm_forward(x, g, beta, bn_param)[0]
    fb = lambda b: batchnorm_forward(x, gamma, b, bn_param)[0]
    dx_num = eval_numerical_gradient_array(fx, x, dout)
    dgamma_num = eval_numerical_gradient_array(fg, gamma.copy(), dout)
    dbeta_num = eval_numerical_gradient_array(fb, beta.copy(), dout)

    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)

    assert dx.shape == x.shape and dgamma.shape == dbeta.shape == (5,)
    assert rel_error(dx_num, dx) < 1e-6
    assert rel_error(dgamma_num, dgamma) < 1e-6
    assert rel_error(dbeta_num, dbeta) < 1e-6


def test_batchnorm_backward_alt_equals_backward():
    """§2.1: the simplified expression gives the same gradients as the step-by-step one."""
    np.random.seed(231)
    N, D = 100, 500
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
    dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
    assert rel_error(dx1, dx2) < 1e-10
    assert rel_error(dgamma1, dgamma2) < 1e-10
    assert rel_error(dbeta1, dbeta2) < 1e-10


def test_batchnorm_keeps_float32():
    """§2.5.3: nets run in float32 by default; the layer must not upcast x's dtype."""
    rng = np.random.RandomState(0)
    x = rng.randn(8, 3).astype(np.float32)
    gamma, beta = np.ones(3, np.float32), np.zeros(3, np.float32)
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert out.dtype == np.float32
    bn_param = {"mode": "test", "running_mean": np.zeros(3), "running_var": np.ones(3)}
    out, _ = batchnorm_forward(x, gamma, beta, bn_param)
    assert out.dtype == np.float32


# ----------------------------------------------------------------------------------- layernorm

def test_layernorm_normalises_each_example():
    """Layer norm (course APIs §1.2, CS231n 2018+): each row gets mean 0 and std 1 over its features."""
    np.random.seed(231)
    x = np.random.randn(4, 30) * np.array([[1.0], [10.0], [0.5], [3.0]]) + np.array([[5], [-2], [0], [40]])
    D = x.shape[1]
    out, _ = layernorm_forward(x, np.ones(D), np.zeros(D), {})
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1.0, atol=1e-4)
    # Rows are independent: normalising one row alone gives the same result.
    out_row, _ = layernorm_forward(x[1:2], np.ones(D), np.zeros(D), {})
    np.testing.assert_allclose(out_row, out[1:2], rtol=1e-12)


def test_layernorm_hand_computed_with_eps():
    """Layer norm (course APIs §1.2): ln_param's 'eps' is used: x = (1, 3) has mean 2 and biased var 1; eps 3 gives std 2.

    out = gamma * (-1/2, 1/2) + beta with gamma (2, 4), beta (1, 1) = (0, 3).
    """
    out, _ = layernorm_forward(np.array([[1.0, 3.0]]), np.array([2.0, 4.0]),
                               np.array([1.0, 1.0]), {"eps": 3.0})
    np.testing.assert_allclose(out, [[0.0, 3.0]], atol=1e-15)


def test_layernorm_backward_matches_numeric_gradients():
    """Layer norm (course APIs §1.2): dx, dgamma, dbeta agree with centred differences."""
    np.random.seed(231)
    N, D = 4, 5
    x = 5 * np.random.randn(N, D) + 12
    gamma = np.random.randn(D)
    beta = np.random.randn(D)
    dout = np.random.randn(N, D)
    ln_param = {}
    dx_num = eval_numerical_gradient_array(lambda x: layernorm_forward(x, gamma, beta, ln_param)[0], x, dout)
    dgamma_num = eval_numerical_gradient_array(lambda g: layernorm_forward(x, g, beta, ln_param)[0],
                                               gamma.copy(), dout)
    dbeta_num = eval_numerical_gradient_array(lambda b: layernorm_forward(x, gamma, b, ln_param)[0],
                                              beta.copy(), dout)
    _, cache = layernorm_forward(x, gamma, beta, ln_param)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    assert dx.shape == x.shape and dgamma.shape == dbeta.shape == (D,)
    assert rel_error(dx_num, dx) < 1e-6
    assert rel_error(dgamma_num, dgamma) < 1e-6
    assert rel_error(dbeta_num, dbeta) < 1e-6
