"""Batch and layer normalisation with one known mistake (``grader.checks.layers.normalization``)."""
import numpy as np


def batchnorm_train_with(mistake: str, x, gamma, beta, bn_param: dict):
    """Train-mode batchnorm of the reference with one known mistake: ``(out, running_mean,
    running_var)``; ``"batch_stats"`` is a TEST-mode call that normalises with the batch statistics."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1]))
    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1 if mistake == "ddof1" else 0)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    keep = 1 - momentum if mistake == "swapped" else momentum
    return out, keep * running_mean + (1 - keep) * mean, keep * running_var + (1 - keep) * var


def batchnorm_dx_with(mistake: str, dout, x, gamma, bn_param: dict):
    """batchnorm's dx (train mode) with the path through the variance or the mean left out."""
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + bn_param.get("eps", 1e-5))
    std = np.sqrt(x.var(axis=0) + bn_param.get("eps", 1e-5))
    mean_term = 0.0 if mistake == "no_mean_path" else dout.mean(axis=0)
    var_term = 0.0 if mistake == "no_var_path" else x_hat * (dout * x_hat).mean(axis=0)
    return (gamma / std) * (dout - mean_term - var_term)


def layernorm_forward_with(mistake: str, x, gamma, beta, eps: float):
    """layernorm_forward of the reference with the statistics taken over the batch (axis=0)."""
    axis = 0 if mistake == "batch_axis" else 1
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layernorm_dx_with(mistake: str, dout, x, gamma, eps: float):
    """layernorm's dx with the mean of dx_hat (``batch_axis``) or both means (``batch_axis_both``)
    taken over the batch axis instead of the features."""
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=1, keepdims=True)) / std
    dx_hat = dout * gamma
    second = 0 if mistake == "batch_axis_both" else 1
    return (dx_hat - dx_hat.mean(axis=0, keepdims=True)
            - x_hat * (dx_hat * x_hat).mean(axis=second, keepdims=True)) / std
