"""Training checks of the reference nets with the reference Solver on the embedded UCI digits.

Overfit-50 is the course's sanity check (docs/courses.md §4.2, §4.3, §4.5): the first 50 training
examples, Solver(num_epochs=20, batch_size=25, update_rule='sgd'), must reach training accuracy
1.0. The digits are 8x8 (input_dim 64), not CIFAR's 3072, so the course's hyper-parameters do not
all transfer; each test's docstring records what was measured (seeds 0..19 unless stated).
"""
import numpy as np
import pytest

from reference.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from reference.data_utils import get_digits_data
from reference.solver import Solver


@pytest.fixture(scope="module")
def digits():
    return get_digits_data()


def overfit_50(data, hidden_dims, weight_scale, learning_rate, seed=0):
    """Run the course's overfit-50 set-up; return the Solver after training."""
    small_data = {
        "X_train": data["X_train"][:50],
        "y_train": data["y_train"][:50],
        "X_val": data["X_val"],
        "y_val": data["y_val"],
    }
    np.random.seed(seed)
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    model = FullyConnectedNet(hidden_dims, input_dim=input_dim, weight_scale=weight_scale,
                              dtype=np.float64)
    solver = Solver(model, small_data, print_every=1000, num_epochs=20, batch_size=25,
                    update_rule="sgd", optim_config={"learning_rate": learning_rate},
                    verbose=False)
    solver.train()
    return solver


def test_overfit_50_three_layer_net(digits):
    """§4.2: FullyConnectedNet([100, 100]) overfits 50 examples in 20 epochs.

    The course pair (weight_scale 1e-2, learning_rate 1e-2) reaches only 0.78-0.88 train
    accuracy on digits (seeds 0-4). Keeping the course learning rate 1e-2 and raising the weight
    scale to 3e-2 reaches 1.0 for 20/20 seeds, first at epoch 3-10 (seed 0: epoch 7); the other
    near pair, weight_scale 1e-2 with learning_rate 4e-2, also works (20/20, epochs 9-15).
    """
    solver = overfit_50(digits, [100, 100], weight_scale=3e-2, learning_rate=1e-2)
    assert len(solver.train_acc_history) == 21  # t = 0 plus 20 epochs of 2 iterations
    assert solver.train_acc_history[-1] == 1.0, solver.train_acc_history


def test_overfit_50_five_layer_net(digits):
    """§4.2: FullyConnectedNet([100, 100, 100, 100]) overfits 50 examples in 20 epochs.

    Measured pair: weight_scale 1e-1, learning_rate 1e-2 reaches 1.0 for 20/20 seeds, first at
    epoch 3-10 (seed 0: epoch 4). At weight_scale <= 3e-2 the 5-layer net's signal vanishes on
    digits and it stays at 0.14-0.96 whatever the learning rate (the CS231n student's 0.96).
    """
    solver = overfit_50(digits, [100, 100, 100, 100], weight_scale=1e-1, learning_rate=1e-2)
    assert solver.train_acc_history[-1] == 1.0, solver.train_acc_history


def test_two_layer_net_with_solver_learns_digits(digits):
    """TwoLayerNet(64, 100, 10) (weight_scale 1e-3) + Solver(sgd, learning_rate 1e-2,
    lr_decay 0.95, 10 epochs, batch 100) on the 1297 training digits: measured best validation
    accuracy 0.944 for seed 0 (0.932-0.956 over seeds 0-9). Threshold 0.90."""
    np.random.seed(0)
    model = TwoLayerNet(input_dim=64, hidden_dim=100, num_classes=10)
    solver = Solver(model, digits, update_rule="sgd", optim_config={"learning_rate": 1e-2},
                    lr_decay=0.95, num_epochs=10, batch_size=100, verbose=False)
    solver.train()
    assert solver.best_val_acc > 0.90, solver.val_acc_history
    # the Solver left the best parameters in the model
    assert solver.check_accuracy(digits["X_val"], digits["y_val"]) == solver.best_val_acc
