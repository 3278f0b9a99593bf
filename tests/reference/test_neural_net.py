"""reference.classifiers.neural_net: the stand-alone UCLA TwoLayerNet (docs/courses.md §2.5.2, §3.8).

The toy model and data are the HW3 notebook's; expected numbers are the notebook's values.
"""
import numpy as np

from reference.classifiers.neural_net import TwoLayerNet
from reference.gradient_check import eval_numerical_gradient, rel_error

INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, NUM_INPUTS = 4, 10, 3, 5


def init_toy_model():
    """§3.8: np.random.seed(0); TwoLayerNet(4, 10, 3, std=1e-1)."""
    np.random.seed(0)
    return TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, NUM_CLASSES, std=1e-1)


def init_toy_data():
    """§3.8: np.random.seed(1); X = 10 * randn(5, 4); y = [0, 1, 2, 2, 1]."""
    np.random.seed(1)
    X = 10 * np.random.randn(NUM_INPUTS, INPUT_SIZE)
    y = np.array([0, 1, 2, 2, 1])
    return X, y


def test_parameter_shapes_are_out_by_in():
    """§2.5.2: W1 (H, D), b1 (H,), W2 (C, H), b2 (C,), biases zero."""
    net = init_toy_model()
    assert net.params["W1"].shape == (HIDDEN_SIZE, INPUT_SIZE)
    assert net.params["W2"].shape == (NUM_CLASSES, HIDDEN_SIZE)
    assert net.params["b1"].shape == (HIDDEN_SIZE,) and np.all(net.params["b1"] == 0)
    assert net.params["b2"].shape == (NUM_CLASSES,) and np.all(net.params["b2"] == 0)


def test_toy_scores():
    """§3.8: the notebook's correct_scores; summed absolute difference < 1e-7."""
    net = init_toy_model()
    X, _ = init_toy_data()
    correct_scores = np.asarray([
        [-1.07260209, 0.05083871, -0.87253915],
        [-2.02778743, -0.10832494, -1.52641362],
        [-0.74225908, 0.15259725, -0.39578548],
        [-0.38172726, 0.10835902, -0.17328274],
        [-0.64417314, -0.18886813, -0.41106892]])
    scores = net.loss(X)
    assert scores.shape == (NUM_INPUTS, NUM_CLASSES)
    assert np.sum(np.abs(scores - correct_scores)) < 1e-7


def test_toy_loss():
    """§3.8: loss with reg=0.05 is 1.071696123862817 (< 1e-12; 0.5 * reg * ||W||^2)."""
    net = init_toy_model()
    X, y = init_toy_data()
    loss, _ = net.loss(X, y, reg=0.05)
    assert abs(loss - 1.071696123862817) < 1e-12


def test_toy_numeric_gradients():
    """§3.8: every gradient matches the numeric one ("less than 1e-8 or so")."""
    net = init_toy_model()
    X, y = init_toy_data()
    loss, grads = net.loss(X, y, reg=0.05)
    assert sorted(grads) == sorted(net.params)
    for name in grads:
        f = lambda W: net.loss(X, y, reg=0.05)[0]
        grad_num = eval_numerical_gradient(f, net.params[name], verbose=False)
        assert rel_error(grad_num, grads[name]) < 1e-8, name


def test_toy_training_final_loss():
    """§3.8: train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100) right after the
    seed-0 model ends with loss 0.014497864587765886 (to 1e-12). This needs minibatches drawn
    with replacement (batch 200 > 5 examples) and the learning rate decayed every iteration
    (iterations_per_epoch = max(5 / 200, 1) = 1)."""
    X, y = init_toy_data()
    net = init_toy_model()
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    assert abs(stats["loss_history"][-1] - 0.014497864587765886) < 1e-12
    assert len(stats["loss_history"]) == 100
    assert len(stats["train_acc_history"]) == len(stats["val_acc_history"]) == 100


def test_epoch_bookkeeping():
    """§2.5.2: with 50 examples and batch 10 (5.0 iterations per epoch) the accuracies are
    recorded at it = 0, 5, 10, 15, 20 of 23 iterations: 5 entries each, fractions in [0, 1]."""
    np.random.seed(0)
    X = np.random.randn(50, 4)
    y = np.random.randint(3, size=50)
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    stats = net.train(X, y, X[:7], y[:7], learning_rate=1e-1, num_iters=23, batch_size=10)
    assert len(stats["loss_history"]) == 23
    assert len(stats["train_acc_history"]) == len(stats["val_acc_history"]) == 5
    assert all(0 <= a <= 1 for a in stats["train_acc_history"] + stats["val_acc_history"])


def test_training_step_decay_zero_stops_after_first_epoch_check():
    """§2.5.2 / §7.21: the decay happens at it = 0 too; with toy data (1 iteration per epoch)
    and learning_rate_decay=0, iterations after the first leave the weights unchanged."""
    X, y = init_toy_data()
    net = init_toy_model()
    net.train(X, y, X, y, learning_rate=1e-1, learning_rate_decay=0.0, num_iters=1)
    after_one = {k: v.copy() for k, v in net.params.items()}
    net2 = init_toy_model()
    net2.train(X, y, X, y, learning_rate=1e-1, learning_rate_decay=0.0, num_iters=10)
    for name in after_one:
        np.testing.assert_array_equal(net2.params[name], after_one[name])


def test_predict_is_argmax_of_scores():
    """predict(X) returns the argmax of the scores, shape (N,)."""
    net = init_toy_model()
    X, _ = init_toy_data()
    y_pred = net.predict(X)
    assert y_pred.shape == (NUM_INPUTS,)
    np.testing.assert_array_equal(y_pred, np.argmax(net.loss(X), axis=1))


def test_training_learns_a_separable_problem():
    """A sanity check of train + predict: 3 well-separated Gaussian blobs are learnt (> 0.95)."""
    np.random.seed(0)
    centres = np.array([[4.0, 0, 0, 0], [0, 4.0, 0, 0], [0, 0, 4.0, 0]])
    y = np.repeat(np.arange(3), 100)
    X = centres[y] + np.random.randn(300, 4)
    net = TwoLayerNet(4, 10, 3, std=1e-1)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=1e-5, num_iters=200, batch_size=50)
    assert (net.predict(X) == y).mean() > 0.95
    assert stats["loss_history"][-1] < stats["loss_history"][0]


def test_loss_is_finite_for_extreme_scores():
    """Digest §7.6: large logits must not give an infinite loss (log-sum-exp)."""
    net = init_toy_model()
    X, y = init_toy_data()
    loss, grads = net.loss(1e5 * X, y)  # scores of order 1e4-1e5
    assert np.isfinite(loss) and all(np.all(np.isfinite(g)) for g in grads.values())
