"""The reference Solver (docs/courses.md §2.6; docs/courses.md §A1.3, §2.3).

The models are written here (a softmax regression and two stubs) so these tests depend on no
other reference module. Every expected value comes from the description in docs/courses.md of the Solver
or from arithmetic done in the test.
"""
import os
import pickle
import re

import numpy as np
import pytest

from reference import optim
from reference.solver import Solver


class SoftmaxRegression:
    """scores = X.reshape(N, -1) @ W + b; loss = mean softmax cross-entropy (no regulariser).

    params: W (D, C), b (C,). loss(X) returns scores (N, C); loss(X, y) returns (loss, grads).
    """

    def __init__(self, input_dim, num_classes, weight_scale=1e-2, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W": weight_scale * rng.standard_normal((input_dim, num_classes)),
            "b": np.zeros(num_classes),
        }

    def loss(self, X, y=None):
        X2 = X.reshape(X.shape[0], -1)
        scores = X2 @ self.params["W"] + self.params["b"]
        if y is None:
            return scores
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        n = X2.shape[0]
        loss = -log_probs[np.arange(n), y].mean()
        dscores = np.exp(log_probs)
        dscores[np.arange(n), y] -= 1
        dscores /= n
        return loss, {"W": X2.T @ dscores, "b": dscores.sum(axis=0)}


class FixedGradientModel:
    """A model whose gradients are constants: W -> ones((2, 3)) (norm sqrt 6), b -> [3, 4] (norm 5).

    Every call of loss(X) predicts class 0; loss(X, y) returns 1.0 and the fixed gradients and
    records the rows it was given.
    """

    def __init__(self):
        self.params = {"W": np.zeros((2, 3)), "b": np.zeros(3)}
        self.batches = []

    def loss(self, X, y=None):
        self.batches.append(X.copy())
        if y is None:
            return np.tile([1.0, 0.0, 0.0], (X.shape[0], 1))
        return 1.0, {"W": np.ones((2, 3)), "b": np.array([3.0, 4.0, 0.0])}


def blobs(n_per_class, seed):
    """Three well-separated Gaussian blobs in 2-D, labels 0, 1, 2: an easy problem."""
    rng = np.random.default_rng(seed)
    centers = np.array([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([c + rng.standard_normal((n_per_class, 2)) for c in centers])
    y = np.repeat(np.arange(3), n_per_class)
    return X, y


def blob_data(n_train_per_class=100, n_val_per_class=30):
    X_train, y_train = blobs(n_train_per_class, seed=1)
    X_val, y_val = blobs(n_val_per_class, seed=2)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def quiet_solver(model, data, **kwargs):
    kwargs.setdefault("verbose", False)
    return Solver(model, data, **kwargs)


# ------------------------------------------------------------------------------ constructor


def test_defaults_are_the_course_defaults():
    """§2.6 / docs/courses.md §A1.3, §2.3: the documented default of every keyword."""
    solver = Solver(SoftmaxRegression(2, 3), blob_data())
    assert solver.update_rule is optim.sgd
    assert solver.optim_config == {}
    assert solver.lr_decay == 1.0
    assert solver.batch_size == 100
    assert solver.num_epochs == 10
    assert solver.num_train_samples == 1000
    assert solver.num_val_samples is None
    assert solver.checkpoint_name is None
    assert solver.print_every == 10
    assert solver.verbose is True
    assert solver.log_acc_iteration is False
    assert solver.record_grad_norm is False
    assert solver.epoch == 0 and solver.best_val_acc == 0 and solver.best_params == {}
    assert solver.loss_history == [] and solver.log_grad_norm_history == []


def test_unknown_keyword_raises_value_error():
    """§2.6: leftover kwargs raise ValueError('Unrecognized arguments ...')."""
    with pytest.raises(ValueError, match=r'Unrecognized arguments "learning_rate"'):
        Solver(SoftmaxRegression(2, 3), blob_data(), learning_rate=1e-3)


@pytest.mark.parametrize("name", ["sgd_with_typo", "np"])
def test_unknown_update_rule_name_raises_value_error(name):
    """§2.6: a name that is no update rule of optim raises ValueError('Invalid update_rule')."""
    with pytest.raises(ValueError, match='Invalid update_rule "%s"' % name):
        Solver(SoftmaxRegression(2, 3), blob_data(), update_rule=name)


@pytest.mark.parametrize("name", ["sgd", "sgd_momentum", "rmsprop", "adam"])
def test_update_rule_names_resolve_in_optim(name):
    """A string is looked up in the package's optim module."""
    solver = Solver(SoftmaxRegression(2, 3), blob_data(), update_rule=name)
    assert solver.update_rule is getattr(optim, name)


def test_every_per_parameter_config_is_a_separate_copy():
    """§2.6: optim_configs[p] is a copy of optim_config per parameter; the caller's dict stays."""
    user_config = {"learning_rate": 0.1}
    model = SoftmaxRegression(2, 3)
    solver = quiet_solver(model, blob_data(), optim_config=user_config, lr_decay=0.5,
                          num_epochs=2, update_rule="sgd_momentum")
    assert set(solver.optim_configs) == {"W", "b"}
    assert solver.optim_configs["W"] is not solver.optim_configs["b"]
    solver.train()
    assert user_config == {"learning_rate": 0.1}
    assert solver.optim_configs["W"]["velocity"].shape == (2, 3)
    assert solver.optim_configs["b"]["velocity"].shape == (3,)


# --------------------------------------------------------------------------------- training


@pytest.mark.parametrize("n_train, batch_size, num_epochs, n_iterations, n_checks", [
    (200, 50, 3, 12, 4),    # 4 iterations per epoch: a check at t = 0 and at each epoch end
    (50, 25, 20, 40, 21),   # the overfit-50 set-up of §4.2: 21 accuracy entries
    (50, 100, 6, 6, 6),     # one iteration per epoch: t = 0 is an epoch end, num_epochs entries
])
def test_history_lengths(n_train, batch_size, num_epochs, n_iterations, n_checks):
    """§2.6: one loss and one gradient norm per iteration, num_epochs (+1) accuracy entries."""
    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:n_train], data["y_train"][:n_train]
    solver = quiet_solver(SoftmaxRegression(2, 3), data, batch_size=batch_size,
                          num_epochs=num_epochs, optim_config={"learning_rate": 0.1})
    solver.train()
    assert len(solver.loss_history) == n_iterations
    assert len(solver.log_grad_norm_history) == n_iterations
    assert len(solver.train_acc_history) == n_checks
    assert len(solver.val_acc_history) == n_checks
    assert solver.epoch == num_epochs


def test_minibatches_are_drawn_with_replacement_like_the_course():
    """§2.6, §7.22: np.random.choice(num_train, batch_size), so a batch may exceed the data."""
    X = np.arange(10.0).reshape(5, 2)
    data = {"X_train": X, "y_train": np.zeros(5, dtype=int), "X_val": X, "y_val": np.zeros(5, int)}
    model = FixedGradientModel()
    solver = quiet_solver(model, data, batch_size=20, optim_config={"learning_rate": 0.0})
    np.random.seed(0)
    expected_rows = np.random.choice(5, 20)
    np.random.seed(0)
    solver._step()
    np.testing.assert_array_equal(model.batches[0], X[expected_rows])


def test_learning_rate_decays_once_per_epoch_on_every_parameter():
    """§2.6, §7.21: at each epoch end every optim_configs[p]['learning_rate'] *= lr_decay."""
    seen = []

    def recording_sgd(w, dw, config=None):
        seen.append(config["learning_rate"])
        return optim.sgd(w, dw, config)

    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:100], data["y_train"][:100]
    solver = quiet_solver(SoftmaxRegression(2, 3), data, update_rule=recording_sgd,
                          optim_config={"learning_rate": 0.1}, lr_decay=0.5,
                          batch_size=25, num_epochs=3)
    solver.train()
    # 4 iterations per epoch, two parameters per iteration; epoch e runs with 0.1 * 0.5**e.
    expected = [0.1 * 0.5 ** (t // 4) for t in range(12) for _ in ("W", "b")]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    for p in ("W", "b"):
        assert solver.optim_configs[p]["learning_rate"] == pytest.approx(0.1 * 0.5**3)


def shift_b_in_place(w, dw, config=None):
    """A scripted update rule: adds [0, 1] to the bias in place (as sgd does), leaves W alone."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1.0)
    if w.ndim == 1:
        w += np.array([0.0, 1.0])
    return w, config


def threshold_model():
    """1-D two-class model: class-1 score x + b[1], class-0 score b[0] = 0, so it predicts 1
    exactly when x > -b[1]."""
    model = SoftmaxRegression(1, 2)
    model.params["W"] = np.array([[0.0, 1.0]])
    model.params["b"] = np.zeros(2)
    return model


def test_best_params_are_restored_when_the_best_epoch_is_not_the_last():
    """§2.6: a copy of the params is kept at each val improvement and swapped in at the end.

    After epoch e the bias is [0, e]. Val points x = -0.5 ... -4.5 with labels 1, 1, 1, 0, 0 are
    all right only when the threshold -e lies between -2.5 and -3.5, i.e. after epoch 3 of 5:
    val accuracy 3/5, 4/5, 5/5, 4/5, 3/5.
    """
    X_val = np.array([[-0.5], [-1.5], [-2.5], [-3.5], [-4.5]])
    y_val = np.array([1, 1, 1, 0, 0])
    data = {"X_train": np.zeros((4, 1)), "y_train": np.zeros(4, dtype=int),
            "X_val": X_val, "y_val": y_val}
    model = threshold_model()
    solver = quiet_solver(model, data, update_rule=shift_b_in_place, batch_size=4, num_epochs=5)
    solver.train()
    np.testing.assert_allclose(solver.val_acc_history, [0.6, 0.8, 1.0, 0.8, 0.6])
    assert solver.best_val_acc == 1.0
    np.testing.assert_array_equal(model.params["b"], [0.0, 3.0])  # not the last epoch's [0, 5]
    np.testing.assert_array_equal(model.params["W"], [[0.0, 1.0]])


def test_params_are_kept_when_val_accuracy_never_beats_zero():
    """§2.6 edge case, decided: best_params stays {} and the model keeps its current params."""
    data = {"X_train": np.ones((4, 1)), "y_train": np.zeros(4, dtype=int),
            "X_val": -np.ones((3, 1)), "y_val": np.ones(3, dtype=int)}  # always predicted 0
    model = threshold_model()
    solver = quiet_solver(model, data, update_rule=lambda w, dw, c=None: (w, c or {}),
                          batch_size=4, num_epochs=2)
    solver.train()
    assert solver.val_acc_history == [0.0, 0.0]
    assert solver.best_params == {}
    assert set(model.params) == {"W", "b"}
    np.testing.assert_array_equal(model.params["W"], [[0.0, 1.0]])


@pytest.mark.parametrize("update_rule, learning_rate", [
    ("sgd", 1e-1), ("sgd_momentum", 5e-2), ("rmsprop", 1e-2), ("adam", 1e-2),
])
def test_loss_falls_on_an_easy_problem_with_every_update_rule(update_rule, learning_rate):
    """Three separable blobs: the loss falls from about log(3) and val accuracy ends high."""
    np.random.seed(0)
    model = SoftmaxRegression(2, 3)
    solver = quiet_solver(model, blob_data(), update_rule=update_rule, batch_size=50,
                          num_epochs=10, optim_config={"learning_rate": learning_rate})
    solver.train()
    first = solver.loss_history[0]
    assert first == pytest.approx(np.log(3), abs=0.15)
    assert np.mean(solver.loss_history[-6:]) < 0.3 * first
    assert solver.best_val_acc > 0.9


def test_grad_norm_history_is_the_mean_of_per_parameter_l2_norms():
    """Decision for §9.6: mean over ALL parameter tensors of ||grad||_2 of each flattened gradient,
    here (sqrt(6) + 5) / 2, neither the global norm sqrt(31) nor the weights-only sqrt(6)."""
    X = np.zeros((10, 2))
    data = {"X_train": X, "y_train": np.zeros(10, int), "X_val": X, "y_val": np.zeros(10, int)}
    solver = quiet_solver(FixedGradientModel(), data, batch_size=5, num_epochs=2,
                          optim_config={"learning_rate": 0.0})
    solver.train()
    assert len(solver.log_grad_norm_history) == 4
    np.testing.assert_allclose(solver.log_grad_norm_history, (np.sqrt(6) + 5) / 2, rtol=1e-12)


def test_log_acc_iteration_history_holds_zero_based_iterations():
    """CS182 hw02 (§2.6): with log_acc_iteration=True the 0-based t of each accuracy check."""
    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:100], data["y_train"][:100]
    solver = quiet_solver(SoftmaxRegression(2, 3), data, batch_size=25, num_epochs=3,
                          log_acc_iteration=True, optim_config={"learning_rate": 0.1})
    solver.train()
    assert solver.log_acc_iteration_history == [0, 3, 7, 11]

    off = quiet_solver(SoftmaxRegression(2, 3), data, batch_size=25, num_epochs=3)
    off.train()
    assert off.log_acc_iteration_history == []


# ---------------------------------------------------------------------------- check_accuracy


def test_check_accuracy_covers_every_example_in_batches():
    """§2.6: predictions in batches of batch_size (the last one partial) over all N examples."""
    x = np.linspace(-3, 3, 250)
    y = (np.sin(7 * x) > 0).astype(int)  # labels unrelated to the model
    model = threshold_model()
    calls = []
    original = model.loss
    model.loss = lambda X, y=None: (calls.append(X.shape[0]), original(X, y))[1]
    solver = quiet_solver(model, {"X_train": x[:, None], "y_train": y,
                                  "X_val": x[:, None], "y_val": y})
    acc = solver.check_accuracy(x[:, None], y)
    assert acc == pytest.approx(np.mean((x > 0).astype(int) == y))
    assert calls == [100, 100, 50]


def test_check_accuracy_subsamples_num_samples_examples():
    """§2.6: with N > num_samples, num_samples examples are drawn and classified."""
    X = np.zeros((250, 2))
    model = FixedGradientModel()
    solver = quiet_solver(model, {"X_train": X, "y_train": np.zeros(250, int),
                                  "X_val": X, "y_val": np.zeros(250, int)})
    acc = solver.check_accuracy(X, np.zeros(250, int), num_samples=40)
    assert acc == 1.0
    assert sum(len(b) for b in model.batches) == 40


# ------------------------------------------------------------------------------ artefacts


def test_record_histories_as_npz_keys_and_lengths(tmp_path):
    """CS182 (§5.1, docs/courses.md §A2.3): train_losses, train_accs, val_accs, plus the fa26
    keys accuracy_iterations and mean_gradient_norms when those histories are non-empty; the
    parent directory is created and '.npz' appended."""
    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:100], data["y_train"][:100]
    solver = quiet_solver(SoftmaxRegression(2, 3), data, batch_size=25, num_epochs=3,
                          log_acc_iteration=True, optim_config={"learning_rate": 0.1})
    solver.train()
    target = tmp_path / "submission_logs" / "optimizer_experiment_sgd"
    solver.record_histories_as_npz(str(target))

    with np.load(str(target) + ".npz") as saved:
        assert set(saved.files) == {"train_losses", "train_accs", "val_accs",
                                    "accuracy_iterations", "mean_gradient_norms"}
        assert saved["train_losses"].shape == (12,)
        assert saved["train_accs"].shape == (4,)
        assert saved["val_accs"].shape == (4,)
        np.testing.assert_array_equal(saved["accuracy_iterations"], [0, 3, 7, 11])
        assert saved["mean_gradient_norms"].shape == (12,)
        np.testing.assert_array_equal(saved["train_losses"], solver.loss_history)
        np.testing.assert_array_equal(saved["val_accs"], solver.val_acc_history)


def test_record_histories_as_npz_omits_empty_optional_histories(tmp_path):
    """Without log_acc_iteration there is no accuracy_iterations; untrained, only the 3 keys."""
    data = blob_data()
    trained = quiet_solver(SoftmaxRegression(2, 3), data, num_epochs=1)
    trained.train()
    trained.record_histories_as_npz(tmp_path / "trained.npz")
    with np.load(tmp_path / "trained.npz") as saved:
        assert set(saved.files) == {"train_losses", "train_accs", "val_accs",
                                    "mean_gradient_norms"}

    fresh = quiet_solver(SoftmaxRegression(2, 3), data)
    fresh.record_histories_as_npz(tmp_path / "fresh.npz")
    with np.load(tmp_path / "fresh.npz") as saved:
        assert set(saved.files) == {"train_losses", "train_accs", "val_accs"}


def test_checkpoint_written_at_every_accuracy_check(tmp_path):
    """CS231n (§2.6): '<name>_epoch_<e>.pkl' pickles with the eleven documented keys."""
    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:50], data["y_train"][:50]
    name = str(tmp_path / "ckpt")
    solver = quiet_solver(SoftmaxRegression(2, 3), data, batch_size=25, num_epochs=2,
                          checkpoint_name=name, optim_config={"learning_rate": 0.1})
    solver.train()
    assert sorted(os.listdir(tmp_path)) == ["ckpt_epoch_0.pkl", "ckpt_epoch_1.pkl",
                                            "ckpt_epoch_2.pkl"]
    with open(name + "_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert set(checkpoint) == {"model", "update_rule", "lr_decay", "optim_config", "batch_size",
                               "num_train_samples", "num_val_samples", "epoch", "loss_history",
                               "train_acc_history", "val_acc_history"}
    assert checkpoint["epoch"] == 2
    assert len(checkpoint["loss_history"]) == 4
    assert len(checkpoint["val_acc_history"]) == 3
    assert checkpoint["update_rule"] is optim.sgd
    assert set(checkpoint["model"].params) == {"W", "b"}


# ---------------------------------------------------------------------------------- output


def test_verbose_output_format(capsys):
    """§2.6: '(Iteration %d / %d) loss: %f' every print_every iterations (t + 1 shown) and
    '(Epoch %d / %d) train acc: %f; val_acc: %f' at every accuracy check, in that order."""
    data = blob_data()
    data["X_train"], data["y_train"] = data["X_train"][:100], data["y_train"][:100]
    solver = Solver(SoftmaxRegression(2, 3), data, batch_size=25, num_epochs=2, print_every=3,
                    optim_config={"learning_rate": 0.1})
    solver.train()
    lines = capsys.readouterr().out.splitlines()

    losses, tr, va = solver.loss_history, solver.train_acc_history, solver.val_acc_history
    expected = [
        "(Iteration 1 / 8) loss: %f" % losses[0],
        "(Epoch 0 / 2) train acc: %f; val_acc: %f" % (tr[0], va[0]),
        "(Iteration 4 / 8) loss: %f" % losses[3],
        "(Epoch 1 / 2) train acc: %f; val_acc: %f" % (tr[1], va[1]),
        "(Iteration 7 / 8) loss: %f" % losses[6],
        "(Epoch 2 / 2) train acc: %f; val_acc: %f" % (tr[2], va[2]),
    ]
    assert lines == expected
    assert all(re.fullmatch(r"\(\w+ \d+ / \d+\) .*: \d+\.\d{6}(; val_acc: \d\.\d{6})?", s)
               for s in lines)


def test_not_verbose_prints_nothing(capsys):
    solver = quiet_solver(SoftmaxRegression(2, 3), blob_data(), num_epochs=1)
    solver.train()
    assert capsys.readouterr().out == ""
