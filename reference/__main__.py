"""``python -m reference``: a few-second demo of the reference on the embedded UCI digits.

Trains a FullyConnectedNet [100, 100] with the reference Solver (Adam, fixed seed) on
``get_digits_data()`` and prints its validation and test accuracy, e.g.::

    FullyConnectedNet [100, 100] on UCI digits (1297 train / 250 val): val acc 0.97, test acc 0.96
"""
import time

import numpy as np

from .classifiers.fc_net import FullyConnectedNet
from .data_utils import get_digits_data
from .solver import Solver

SEED = 0
HIDDEN_DIMS = [100, 100]


def accuracy(model, X, y):
    """Fraction of the rows of X (N, ...) whose argmax score equals the label y (N,)."""
    return float(np.mean(np.argmax(model.loss(X), axis=1) == y))


def main():
    """Train, then print one line with the validation and test accuracy and the time taken."""
    np.random.seed(SEED)
    data = get_digits_data()
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    model = FullyConnectedNet(HIDDEN_DIMS, input_dim=input_dim, num_classes=10,
                              weight_scale=1e-2, reg=1e-2, dtype=np.float64)
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=15, batch_size=50, verbose=False)
    start = time.perf_counter()
    solver.train()
    seconds = time.perf_counter() - start

    val_acc = accuracy(model, data["X_val"], data["y_val"])
    test_acc = accuracy(model, data["X_test"], data["y_test"])
    print("FullyConnectedNet %s on UCI digits (%d train / %d val): val acc %.2f, test acc %.2f"
          " (%.1f s of training)"
          % (HIDDEN_DIMS, data["X_train"].shape[0], data["X_val"].shape[0], val_acc, test_acc,
             seconds))


if __name__ == "__main__":
    main()
