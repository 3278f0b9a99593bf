"""Sandwich layers: common chains of layers from ``layers.py`` as one forward/backward pair.

Each ``*_forward`` returns ``(out, cache)`` where cache is the tuple of the caches of the
layers it chains; each ``*_backward`` takes ``(dout, cache)`` and returns the gradients with
respect to the sandwich's inputs, in the order of the forward's arguments.

Shapes: N = batch size, D = d_1 * ... * d_k (flattened input size), M = output width.
"""
from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
)


def affine_relu_forward(x, w, b):
    """Affine layer followed by a ReLU.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input.
    - w: array of shape (D, M), b: array of shape (M,), the affine layer's parameters.

    Returns a tuple of:
    - out: array of shape (N, M), the ReLU's output.
    - cache: the tuple (fc_cache, relu_cache) of the affine and ReLU caches.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of the affine-ReLU sandwich.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: the tuple (fc_cache, relu_cache) from ``affine_relu_forward``.

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k); dw: array of shape (D, M); db: array of shape (M,).
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


def affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param):
    """Affine layer, then batch normalisation, then ReLU.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input.
    - w: array of shape (D, M), b: array of shape (M,), the affine layer's parameters.
    - gamma, beta: arrays of shape (M,), the batchnorm scale and shift.
    - bn_param: the batchnorm parameter dict (see ``layers.batchnorm_forward``); its running
      averages are updated in place in train mode.

    Returns a tuple of:
    - out: array of shape (N, M).
    - cache: the tuple (fc_cache, bn_cache, relu_cache).
    """
    # BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    a_norm, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(a_norm)
    cache = (fc_cache, bn_cache, relu_cache)
    return out, cache
    # END SOLUTION


def affine_batchnorm_relu_backward(dout, cache):
    """Backward pass of the affine-batchnorm-ReLU sandwich (train mode).

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: the tuple (fc_cache, bn_cache, relu_cache) from ``affine_batchnorm_relu_forward``.

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k); dw: (D, M); db: (M,); dgamma: (M,); dbeta: (M,).
    """
    # BEGIN SOLUTION
    fc_cache, bn_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(da_norm, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
    # END SOLUTION


def affine_layernorm_relu_forward(x, w, b, gamma, beta, ln_param):
    """Affine layer, then layer normalisation, then ReLU.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input.
    - w: array of shape (D, M), b: array of shape (M,), the affine layer's parameters.
    - gamma, beta: arrays of shape (M,), the layernorm scale and shift.
    - ln_param: the layernorm parameter dict (see ``layers.layernorm_forward``).

    Returns a tuple of:
    - out: array of shape (N, M).
    - cache: the tuple (fc_cache, ln_cache, relu_cache).
    """
    # BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    a_norm, ln_cache = layernorm_forward(a, gamma, beta, ln_param)
    out, relu_cache = relu_forward(a_norm)
    cache = (fc_cache, ln_cache, relu_cache)
    return out, cache
    # END SOLUTION


def affine_layernorm_relu_backward(dout, cache):
    """Backward pass of the affine-layernorm-ReLU sandwich.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: the tuple (fc_cache, ln_cache, relu_cache) from ``affine_layernorm_relu_forward``.

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k); dw: (D, M); db: (M,); dgamma: (M,); dbeta: (M,).
    """
    # BEGIN SOLUTION
    fc_cache, ln_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = layernorm_backward(da_norm, ln_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
    # END SOLUTION
