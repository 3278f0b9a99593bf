"""Multiclass SVM (hinge) loss for a linear classifier (CS231n assignment 1).

Shapes: N examples, D features (bias column included), C classes.
Scores are X.dot(W). The margin is delta = 1. L2 regularisation is
reg * sum(W * W) with NO factor 0.5, so its gradient is 2 * reg * W.
"""

import numpy as np


def svm_loss_naive(W, X, y, reg):
    """Structured SVM loss with explicit loops over examples and classes.

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) minibatch of data.
    - y: (N,) labels; y[i] = c means X[i] has label c, 0 <= c < C.
    - reg: (float) regularisation strength.

    Returns a tuple of:
    - loss: float, mean hinge loss over the N examples plus reg * sum(W * W).
    - dW: (D, C) gradient of the loss with respect to W.
    """
    # The course provides the loss loop and students add the gradient; the
    # whole body is marked as solution for simplicity.
    # BEGIN SOLUTION
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + 1  # delta = 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
    # END SOLUTION


def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss, vectorised; same inputs and outputs as svm_loss_naive.

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) minibatch of data.
    - y: (N,) integer labels in [0, C).
    - reg: (float) regularisation strength.

    Returns a tuple of:
    - loss: float.
    - dW: (D, C) gradient with respect to W.
    """
    # BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X.dot(W)  # (N, C)
    correct = scores[rows, y][:, np.newaxis]  # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)
    margins[rows, y] = 0.0
    loss = np.sum(margins) / num_train + reg * np.sum(W * W)

    # Each positive margin adds X[i] to column j and subtracts it from column y[i].
    coeff = (margins > 0).astype(X.dtype)  # (N, C)
    coeff[rows, y] = -np.sum(coeff, axis=1)
    dW = X.T.dot(coeff) / num_train + 2 * reg * W
    return loss, dW
    # END SOLUTION
