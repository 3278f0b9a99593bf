"""First-order update rules, in the CS231n convention (docs/courses.md §2.4).

Every rule has the same interface::

    next_w, config = update(w, dw, config=None)

* ``w``: array of any shape, the current weights.
* ``dw``: array of the same shape as ``w``, the gradient of the loss with respect to ``w``.
* ``config``: dict of hyper-parameters and of the rule's state (moving averages...). Missing
  hyper-parameters are filled in with ``config.setdefault``; the state is created on the first
  call. The dict passed in is updated in place and returned, so the caller (the Solver) keeps the
  state between steps by passing the same dict again.
* ``next_w``: array of the shape of ``w``, the weights after one step.

``sgd_momentum``, ``rmsprop`` and ``adam`` never write into the caller's ``w``, ``dw`` or state
arrays: they return new arrays (``sgd`` updates ``w`` in place, as the course's given code does).

Rules that differ between courses (CS182's momentum, UCLA's state keys, UCLA's Nesterov momentum)
live in ``course_conventions.py``.
"""
import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent (given in every course).

    config keys:
    - learning_rate: scalar step size (default 1e-2).

    Updates ``w`` in place, ``w -= learning_rate * dw``, and returns ``(w, config)``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum, CS231n convention (docs/courses.md §2.4, §3.10).

    v = momentum * v - learning_rate * dw
    next_w = w + v

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    - momentum: scalar in [0, 1) giving the momentum value (default 0.9); 0 gives plain sgd.
    - velocity: array of the shape of w, the moving average of the scaled negative gradients
      (zeros when absent). The new velocity is stored back in ``config['velocity']``.

    Returns ``(next_w, config)``; ``w`` is not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    # BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
    # END SOLUTION


def rmsprop(w, dw, config=None):
    """RMSProp: divide the step by a moving average of squared gradients (docs/courses.md §2.4, §3.12).

    cache = decay_rate * cache + (1 - decay_rate) * dw**2
    next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    config keys:
    - learning_rate: scalar step size (default 1e-2).
    - decay_rate: scalar in [0, 1), decay of the squared-gradient average (default 0.99).
    - epsilon: small scalar that avoids a division by zero (default 1e-8).
    - cache: array of the shape of w, the moving average of dw**2 (default zeros). The new
      value is stored back in ``config['cache']``.

    Returns ``(next_w, config)``; ``w`` is not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    # BEGIN SOLUTION
    decay = config["decay_rate"]
    cache = decay * config["cache"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config
    # END SOLUTION


def adam(w, dw, config=None):
    """Adam with bias correction (docs/courses.md §2.4, §3.13).

    t = t + 1                                  (incremented FIRST)
    m = beta1 * m + (1 - beta1) * dw           first moment
    v = beta2 * v + (1 - beta2) * dw**2        second moment
    m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)
    next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    config keys:
    - learning_rate: scalar step size (default 1e-3).
    - beta1: decay rate of the first moment (default 0.9).
    - beta2: decay rate of the second moment (default 0.999).
    - epsilon: small scalar that avoids a division by zero (default 1e-8).
    - m: array of the shape of w, moving average of the gradient (default zeros).
    - v: array of the shape of w, moving average of the squared gradient (default zeros).
    - t: int, the number of steps taken so far (default 0). A call with ``t=5`` stores ``t=6``.

    Returns ``(next_w, config)`` with ``m``, ``v`` and ``t`` updated; ``w`` is not modified.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    # BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
    # END SOLUTION
