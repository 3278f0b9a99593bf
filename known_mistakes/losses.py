"""Softmax and SVM losses on scores ``x`` (N, C) with one known mistake (``grader.checks.layers.losses``)."""
import numpy as np


def softmax_loss_with(mistake: str, x, y):
    """The reference softmax loss with one known mistake: ``(loss, dx)`` (may hold inf/NaN)."""
    N, rows = x.shape[0], np.arange(x.shape[0])
    with np.errstate(all="ignore"):
        shifted = x if mistake in ("no_shift", "no_shift_probs") else x - x.max(axis=1, keepdims=True)
        if mistake in ("no_shift_probs", "log_of_probs"):
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            log_probs = np.log(probs)
        else:
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            probs = np.exp(log_probs)
        loss = -log_probs[rows, y].sum() / N
        dx = probs.copy()
        dx[rows, y] -= 1
        if mistake != "dx_not_divided":
            dx /= N
    return np.asarray(loss), dx


def svm_loss_with_delta(x, y, delta: float):
    """The reference SVM loss with another margin ``delta``: ``(loss, dx)``."""
    N, rows = x.shape[0], np.arange(x.shape[0])
    margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + delta)
    margins[rows, y] = 0
    active = margins > 0
    dx = active.astype(x.dtype)
    dx[rows, y] -= active.sum(axis=1)
    return np.asarray(margins.sum() / N), dx / N


def linear_loss_with(kind: str, mistake: str, W, X, y, reg: float):
    """The reference ``kind`` ("svm" or "softmax") linear-classifier loss with one known mistake:
    ``(loss, dW)`` (``grader.checks.linear_classifiers``)."""
    N, rows = X.shape[0], np.arange(X.shape[0])
    scores = X.dot(W)
    if kind == "svm":
        delta = 0.0 if mistake == "delta0" else 1.0
        margins = np.maximum(0.0, scores - scores[rows, y][:, np.newaxis] + delta)
        margins[rows, y] = 0.0
        coeff = (margins > 0).astype(np.float64)
        if mistake != "no_correct_class":
            coeff[rows, y] = -np.sum(coeff, axis=1)
        half = mistake == "half_reg_both"
        return (np.float64(margins.sum() / N + (0.5 if half else 1.0) * reg * np.sum(W * W)),
                X.T.dot(coeff) / N + (1.0 if half else 2.0) * reg * W)
    with np.errstate(all="ignore"):
        if mistake not in ("no_shift", "no_shift_probs"):
            scores = scores - np.max(scores, axis=1, keepdims=True)
        if mistake in ("no_shift_probs", "log_of_probs"):
            probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
            log_probs = np.log(probs)
        else:
            log_probs = scores - np.log(np.sum(np.exp(scores), axis=1, keepdims=True))
            probs = np.exp(log_probs)
        data_loss = -np.sum(log_probs[rows, y])
        dscores = probs.copy()
        dscores[rows, y] -= 1.0
        data_dW = X.T.dot(dscores)
    loss = data_loss * (1.0 if mistake == "loss_summed" else 1.0 / N)
    loss += (0.5 if mistake.startswith("half_reg") else 1.0) * reg * np.sum(W * W)
    dW = data_dW * (1.0 if mistake == "dW_not_divided" else 1.0 / N)
    dW += (1.0 if mistake == "half_reg_both" else 2.0) * reg * W
    return np.float64(loss), dW
