"""Forward and backward passes of the layers of a fully connected network (CS231n layout).

Every layer is a pair of functions:

* ``<layer>_forward(inputs...) -> (out, cache)``: computes the output and keeps in ``cache``
  what the backward pass needs;
* ``<layer>_backward(dout, cache) -> gradients``: receives the upstream derivative ``dout``
  (same shape as ``out``) and returns the derivative of the loss with respect to each input.

The two losses (``softmax_loss``, ``svm_loss``) return ``(loss, dx)`` directly.

Shapes: N = batch size, D = number of features (the product d_1 * ... * d_k of the trailing
dimensions of an input), M = output width of an affine layer, C = number of classes.
"""
import numpy as np


def affine_forward(x, w, b):
    """Forward pass of an affine (fully connected) layer: ``out = x_flat @ w + b``.

    Each example ``x[i]`` of shape (d_1, ..., d_k) is flattened into a row of length
    D = d_1 * ... * d_k before the product.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k), the input minibatch.
    - w: array of shape (D, M), the weights.
    - b: array of shape (M,), the biases.

    Returns a tuple of:
    - out: array of shape (N, M).
    - cache: the tuple (x, w, b), with x stored unflattened.
    """
    # BEGIN SOLUTION
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache
    # END SOLUTION


def affine_backward(dout, cache):
    """Backward pass of an affine layer.

    Inputs:
    - dout: array of shape (N, M), the upstream derivative.
    - cache: the tuple (x, w, b) from ``affine_forward``; x has shape (N, d_1, ..., d_k),
      w shape (D, M), b shape (M,).

    Returns a tuple of:
    - dx: array of shape (N, d_1, ..., d_k), the same shape as x (not flattened).
    - dw: array of shape (D, M).
    - db: array of shape (M,).
    """
    # BEGIN SOLUTION
    x, w, b = cache
    dx = dout @ w.T
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    # END SOLUTION


def relu_forward(x):
    """Forward pass of a rectified linear unit: ``out = max(0, x)`` elementwise.

    Input:
    - x: array of any shape.

    Returns a tuple of:
    - out: array of the same shape as x.
    - cache: x itself (the input, from which the backward pass builds its mask).
    """
    # BEGIN SOLUTION
    out = np.maximum(0, x)
    cache = x
    return out, cache
    # END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of a rectified linear unit.

    The gradient flows only where the *input* was strictly positive (``x > 0``); at exactly
    0 the derivative is taken to be 0.

    Inputs:
    - dout: upstream derivative, any shape.
    - cache: the input x of ``relu_forward``, same shape as dout.

    Returns:
    - dx: array of the same shape as dout.
    """
    # BEGIN SOLUTION
    x = cache
    dx = dout * (x.reshape(x.shape[0], -1) > 0)
    return dx
    # END SOLUTION


def softmax_loss(x, y):
    """Mean cross-entropy loss of a softmax classifier and its gradient.

    The log-probabilities are computed with the log-sum-exp trick, so scores of any finite
    magnitude (e.g. +-1000) give a finite loss and gradient.

    Inputs:
    - x: array of shape (N, C), the class scores; x[i, j] is the score of class j for example i.
    - y: integer array of shape (N,), the labels, 0 <= y[i] < C.

    Returns a tuple of:
    - loss: scalar, mean over the N examples of -log softmax(x[i])[y[i]].
    - dx: array of shape (N, C), the gradient of the loss with respect to x.
    """
    # BEGIN SOLUTION
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
    # END SOLUTION


def svm_loss(x, y):
    """Mean multiclass SVM (hinge) loss with margin 1 and its gradient.

    loss = (1/N) * sum_i sum_{j != y[i]} max(0, x[i, j] - x[i, y[i]] + 1).

    Inputs:
    - x: array of shape (N, C), the class scores.
    - y: integer array of shape (N,), the labels, 0 <= y[i] < C.

    Returns a tuple of:
    - loss: scalar.
    - dx: array of shape (N, C), the gradient of the loss with respect to x (a subgradient at
      the kinks, where a margin is exactly 0; such a margin counts as inactive).
    """
    # BEGIN SOLUTION
    N = x.shape[0]
    rows = np.arange(N)
    correct_scores = x[rows, y]
    margins = np.maximum(0, x - correct_scores[:, np.newaxis] + 1.0)
    margins[rows, y] = 0
    loss = margins.sum() / N
    active = margins > 0
    dx = active.astype(x.dtype)
    dx[rows, y] -= active.sum(axis=1)
    dx /= N
    return loss, dx
    # END SOLUTION


def dropout_forward(x, dropout_param):
    """Forward pass of inverted dropout.

    In train mode each unit is kept with probability p and the kept units are scaled by 1/p,
    so the expected output equals the input; in test mode the input passes through unchanged.

    Inputs:
    - x: array of any shape.
    - dropout_param: dict with the keys
      - 'mode': 'train' or 'test';
      - 'p': the probability of KEEPING each unit (read in train mode only);
      - 'seed' (optional): if present, ``np.random.seed(seed)`` is called first, which makes the
        mask reproducible (used by gradient checks).

    Returns a tuple of:
    - out: array of the same shape and dtype as x.
    - cache: the tuple (dropout_param, mask). In train mode mask is the array
      ``(np.random.rand(*x.shape) < p) / p`` (values 0 or 1/p, shape of x); in test mode it is None.
    """
    # BEGIN SOLUTION
    mode = dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])
    if mode == "train":
        p = dropout_param["p"]
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        mask = None
        out = x
    else:
        raise ValueError('Invalid forward dropout mode "%s"' % mode)
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache
    # END SOLUTION


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream derivative, same shape as the forward input.
    - cache: the tuple (dropout_param, mask) from ``dropout_forward``.

    Returns:
    - dx: array of the same shape as dout; ``dout * mask`` in train mode, ``dout`` in test mode.
    """
    # BEGIN SOLUTION
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx
    # END SOLUTION


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalisation.

    Train mode normalises each feature with the minibatch mean and (biased) variance and
    updates exponential running averages of both:

        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var  = momentum * running_var  + (1 - momentum) * var

    Test mode normalises with the running averages and leaves them unchanged.
    In both modes ``out = gamma * x_hat + beta``.

    Inputs:
    - x: array of shape (N, D).
    - gamma: array of shape (D,), the scale.
    - beta: array of shape (D,), the shift.
    - bn_param: dict with the keys
      - 'mode': 'train' or 'test' (required);
      - 'eps': constant added to the variance for numerical stability (default 1e-5);
      - 'momentum': constant of the running averages (default 0.9);
      - 'running_mean', 'running_var': arrays of shape (D,) (default zeros of x's dtype).
      The updated running averages are written back into bn_param (in both modes).

    Returns a tuple of:
    - out: array of shape (N, D), with x's dtype.
    - cache: in train mode the tuple (x_hat, x_centered, std, gamma), each of shape (N, D) or (D,):
      x_hat = (x - mean) / std, x_centered = x - mean, std = sqrt(var + eps). In test mode None
      (the backward pass is defined for train mode only).

    Raises:
    - ValueError if bn_param['mode'] is neither 'train' nor 'test'.
    """
    # BEGIN SOLUTION
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        x_centered = x - mean
        std = np.sqrt(var + eps)
        x_hat = x_centered / std
        out = gamma * x_hat + beta
        cache = (x_hat, x_centered, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = None
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    out = out.astype(x.dtype, copy=False)
    return out, cache
    # END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalisation (train mode), step by step through the graph.

    The graph is x -> (mean, x_centered) -> var -> std -> x_hat -> gamma * x_hat + beta;
    the derivatives are propagated node by node in reverse.

    Inputs:
    - dout: array of shape (N, D), the upstream derivative.
    - cache: the tuple (x_hat, x_centered, std, gamma) from ``batchnorm_forward``.

    Returns a tuple of:
    - dx: array of shape (N, D).
    - dgamma: array of shape (D,).
    - dbeta: array of shape (D,).
    """
    # BEGIN SOLUTION
    x_hat, x_centered, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # x_hat = x_centered * (1 / std)
    dinv_std = (dx_hat * x_centered).sum(axis=0)
    dx_centered = dx_hat / std
    # 1 / std = (var + eps) ** -0.5
    dvar = -0.5 * dinv_std / std**3
    # var = mean(x_centered ** 2)
    dx_centered += 2.0 * x_centered * dvar / N
    # x_centered = x - mean, mean = mean(x)
    dmean = -dx_centered.sum(axis=0)
    dx = dx_centered + dmean / N
    return dx, dgamma, dbeta
    # END SOLUTION


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalisation (train mode) in one simplified expression.

    Same result as ``batchnorm_backward``, but dx is written as a single expression in dout,
    x_hat, gamma and std (derived on paper) instead of node by node, which is faster.

    Inputs and outputs are those of ``batchnorm_backward``.
    """
    # BEGIN SOLUTION
    x_hat, _, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (gamma / std) * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, dgamma, dbeta
    # END SOLUTION


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalisation.

    Each example (row of x) is normalised over its D features with its own mean and (biased)
    variance; then ``out = gamma * x_hat + beta``. The same computation runs at train and test
    time, so there are no running averages.

    Inputs:
    - x: array of shape (N, D).
    - gamma: array of shape (D,), the scale.
    - beta: array of shape (D,), the shift.
    - ln_param: dict; may hold 'eps' (default 1e-5), added to the variance.

    Returns a tuple of:
    - out: array of shape (N, D), with x's dtype.
    - cache: the tuple (x_hat, std, gamma); x_hat of shape (N, D), std = sqrt(var + eps) of
      shape (N, 1), gamma of shape (D,).
    """
    # BEGIN SOLUTION
    eps = ln_param.get("eps", 1e-5)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    out = gamma * x_hat + beta
    cache = (x_hat, std, gamma)
    out = out.astype(x.dtype, copy=False)
    return out, cache
    # END SOLUTION


def layernorm_backward(dout, cache):
    """Backward pass of layer normalisation.

    Inputs:
    - dout: array of shape (N, D), the upstream derivative.
    - cache: the tuple (x_hat, std, gamma) from ``layernorm_forward``.

    Returns a tuple of:
    - dx: array of shape (N, D).
    - dgamma: array of shape (D,).
    - dbeta: array of shape (D,).
    """
    # BEGIN SOLUTION
    x_hat, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=1, keepdims=True)
          - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)) / std
    return dx, dgamma, dbeta
    # END SOLUTION
