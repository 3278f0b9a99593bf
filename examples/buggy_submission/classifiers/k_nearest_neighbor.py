"""k-nearest-neighbour classifier with L2 distance (CS231n assignment 1).

Shapes: N_tr training points, N_te test points, D features per point.
Labels are non-negative integers (class indices).
"""

import numpy as np


class KNearestNeighbor:
    """A kNN classifier with L2 distance.

    Attributes (set by ``train``):
    - X_train: (N_tr, D) training data.
    - y_train: (N_tr,) integer training labels.
    """

    def __init__(self):
        self.X_train = None
        self.y_train = None

    def train(self, X, y):
        """Memorise the training data.

        Inputs:
        - X: (N_tr, D) training data.
        - y: (N_tr,) integer labels; y[i] is the label of X[i].
        """
        self.X_train = X
        self.y_train = y

    def predict(self, X, k=1, num_loops=0):
        """Predict labels for test data.

        Inputs:
        - X: (N_te, D) test data.
        - k: number of nearest neighbours that vote.
        - num_loops: 0, 1 or 2, which distance implementation to use.

        Returns:
        - y_pred: (N_te,) predicted labels, same dtype as y_train.
        """
        if num_loops == 0:
            dists = self.compute_distances_no_loops(X)
        elif num_loops == 1:
            dists = self.compute_distances_one_loop(X)
        elif num_loops == 2:
            dists = self.compute_distances_two_loops(X)
        else:
            raise ValueError("Invalid value %d for num_loops (use 0, 1 or 2)" % num_loops)
        return self.predict_labels(dists, k=k)

    def compute_distances_two_loops(self, X):
        """L2 distance between each test point and each training point,
        with a Python loop over both (the course's naive version).

        Inputs:
        - X: (N_te, D) test data.

        Returns:
        - dists: (N_te, N_tr); dists[i, j] = ||X[i] - X_train[j]||_2.
        """
        # BEGIN SOLUTION
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            for j in range(num_train):
                dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))
        return dists
        # END SOLUTION

    def compute_distances_one_loop(self, X):
        """L2 distances as in ``compute_distances_two_loops``, looping over test points only.

        Inputs:
        - X: (N_te, D) test data.

        Returns:
        - dists: (N_te, N_tr).
        """
        # BEGIN SOLUTION
        num_test = X.shape[0]
        num_train = self.X_train.shape[0]
        dists = np.zeros((num_test, num_train))
        for i in range(num_test):
            dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))
        return dists
        # END SOLUTION

    def compute_distances_no_loops(self, X):
        """L2 distances without Python loops, by the expansion
        ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b.

        Rounding can make the expansion slightly negative for (nearly) equal
        points, so it is clipped at 0 before the square root.

        Inputs:
        - X: (N_te, D) test data.

        Returns:
        - dists: (N_te, N_tr).
        """
        # BEGIN SOLUTION
        test_sq = np.sum(X ** 2, axis=1)[:, np.newaxis]  # (N_te, 1)
        train_sq = np.sum(self.X_train ** 2, axis=1)[np.newaxis, :]  # (1, N_tr)
        sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)
        return np.sqrt(np.maximum(sq_dists, 0.0))
        # END SOLUTION

    def predict_labels(self, dists, k=1):
        """Majority vote among the k nearest training points.

        Ties in the vote go to the smaller label. Among training points at
        equal distance, the one with the smaller index counts as nearer.

        Inputs:
        - dists: (N_te, N_tr); dists[i, j] = distance from test i to train j.
        - k: number of voters.

        Returns:
        - y_pred: (N_te,) predicted labels, same dtype as y_train.
        """
        # BEGIN SOLUTION
        num_test = dists.shape[0]
        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]  # (N_te, k)
        closest_y = self.y_train[nearest]  # (N_te, k)
        num_classes = int(np.max(self.y_train)) + 1
        votes = np.zeros((num_test, num_classes), dtype=np.int64)
        rows = np.repeat(np.arange(num_test), closest_y.shape[1])
        np.add.at(votes, (rows, closest_y.ravel()), 1)
        # argmax returns the first maximum, i.e. the smallest label among ties.
        return np.argmax(votes, axis=1).astype(self.y_train.dtype)
        # END SOLUTION
