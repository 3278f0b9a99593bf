"""Linear classifiers trained by minibatch SGD (CS231n assignment 1).

Shapes: N examples, D features (bias column included), C classes.
The weights W have shape (D, C) and the scores are X.dot(W).
"""

import os

import numpy as np

from .linear_svm import svm_loss_vectorized
from .softmax import softmax_loss_vectorized


class LinearClassifier:
    """Base class: SGD training and prediction; subclasses define ``loss``.

    Attributes:
    - W: (D, C) weights, or None before the first call to ``train``.
    """

    def __init__(self):
        self.W = None

    def train(self, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100,
              batch_size=200, verbose=False):
        """Train with stochastic gradient descent.

        W is created lazily on the first call as 0.001 * randn(D, C), with
        C = max(y) + 1; later calls continue from the current W. Each
        iteration samples batch_size indices WITH replacement
        (np.random.choice(N, batch_size)) and uses them for both X and y.

        Inputs:
        - X: (N, D) training data.
        - y: (N,) integer labels in [0, C).
        - learning_rate: (float) step size.
        - reg: (float) regularisation strength.
        - num_iters: (int) number of SGD steps.
        - batch_size: (int) examples per step.
        - verbose: (bool) print 'iteration %d / %d: loss %f' every 100 steps.

        Returns:
        - loss_history: list of num_iters floats, the minibatch loss before each step.
        """
        num_train, dim = X.shape
        num_classes = int(np.max(y)) + 1
        if self.W is None:
            self.W = 0.001 * np.random.randn(dim, num_classes)

        loss_history = []
        for it in range(num_iters):
            # BEGIN SOLUTION
            batch_idx = np.random.choice(num_train, batch_size)
            X_batch = X[batch_idx]
            y_batch = y[batch_idx]
            # END SOLUTION

            loss, grad = self.loss(X_batch, y_batch, reg)
            loss_history.append(loss)

            # BEGIN SOLUTION
            self.W -= learning_rate * grad
            # END SOLUTION

            if verbose and it % 100 == 0:
                print("iteration %d / %d: loss %f" % (it, num_iters, loss))

        return loss_history

    def predict(self, X):
        """Predict labels with the trained weights.

        Inputs:
        - X: (N, D) data.

        Returns:
        - y_pred: (N,) integer labels, the argmax of the scores X.dot(W).
        """
        # BEGIN SOLUTION
        return np.argmax(X.dot(self.W), axis=1)
        # END SOLUTION

    def loss(self, X_batch, y_batch, reg):
        """Loss and gradient on a minibatch; implemented by the subclasses.

        Inputs:
        - X_batch: (B, D) minibatch.
        - y_batch: (B,) labels.
        - reg: (float) regularisation strength.

        Returns a tuple of:
        - loss: float.
        - dW: (D, C) gradient with respect to self.W.
        """
        raise NotImplementedError("LinearClassifier.loss is defined by subclasses")

    def save(self, fname):
        """Save {"W": W} with np.save to the path fname (np.save adds '.npy'
        when it is missing) and print '<fname> saved.'."""
        np.save(fname, {"W": self.W})
        print(fname, "saved.")

    def load(self, fname):
        """Load W from a file written by ``save``.

        Inputs:
        - fname: full path of the .npy file.

        Returns True when loaded; prints '<fname> not available.' and returns
        False when the file does not exist (as the course does).
        """
        if not os.path.exists(fname):
            print(fname, "not available.")
            return False
        params = np.load(fname, allow_pickle=True).item()
        self.W = params["W"]
        print(fname, "loaded.")
        return True


class LinearSVM(LinearClassifier):
    """Linear classifier with the multiclass SVM (hinge) loss."""

    def loss(self, X_batch, y_batch, reg):
        """See LinearClassifier.loss; uses svm_loss_vectorized."""
        return svm_loss_vectorized(self.W, X_batch, y_batch, reg)


class Softmax(LinearClassifier):
    """Linear classifier with the softmax (cross-entropy) loss."""

    def loss(self, X_batch, y_batch, reg):
        """See LinearClassifier.loss; uses softmax_loss_vectorized."""
        return softmax_loss_vectorized(self.W, X_batch, y_batch, reg)
