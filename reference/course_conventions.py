"""Rules that differ between courses: the one place where they live.

``optim.py`` follows CS231n. The functions below are the other courses' versions, kept as
oracles for the grader's course profiles (they have no solution markers: students never get
this module). Each one names its course and the evidence for it; section numbers refer to
the sections of docs/courses.md (``§N`` for course facts, ``§AN`` for course APIs).

All rules share the interface of ``optim.py``: ``next_w, config = rule(w, dw, config=None)``,
``w`` and ``dw`` arrays of one shape, ``config`` updated in place (defaults via
``setdefault``) and returned. None of them writes into ``w``, ``dw`` or the state arrays passed in.

Lookup tables for profiles:

* ``MOMENTUM_CONVENTION[course]``: the SGD+momentum rule of ``course``.
* ``UPDATE_RULES[course][name]``: every update rule of ``course`` under the name the course uses.
"""
import numpy as np

from . import optim


def sgd_momentum_cs182(w, dw, config=None):
    """SGD+momentum, Berkeley CS182 convention (sp22 hw1, hw02 fa23-fa26).

    v = momentum * v + dw
    next_w = w - learning_rate * v

    Evidence: S4 (CS182 hw02) states v_t = m*v_{t-1} + dw, w = w - alpha*v_t, and its expected
    arrays (§3.11, next_w[0, 0] = -0.39994, velocity[0, 0] = -0.06) are reproduced only by this
    form; the CS231n form gives rel_error 1.0 on them (§1.2, §3.11, §9.1).

    config keys: learning_rate (default 1e-2), momentum (default 0.9), velocity (array of the
    shape of w, read with ``config.get``, zeros when absent; the new one is stored back). Here the
    velocity is a moving sum of gradients, so it has the units of dw (CS231n's has those of w).

    Returns ``(next_w, config)``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    v = config["momentum"] * v + dw
    next_w = w - config["learning_rate"] * v
    config["velocity"] = v
    return next_w, config


def sgd_nesterov_momentum(w, dw, config=None):
    """SGD with Nesterov momentum, UCLA ECE C147/C247 HW4 (§A3.1).

    v_new = momentum * v - learning_rate * dw
    next_w = w - momentum * v + (1 + momentum) * v_new

    This is the "look-ahead" form: ``w`` stands for the point ``theta + momentum * v`` at which
    the gradient is taken, so ``dw`` is the gradient at the look-ahead point. Velocity follows the
    CS231n sign (a scaled negative gradient), as UCLA's plain momentum does.

    config keys: learning_rate (default 1e-2), momentum (default 0.9), velocity (array of the
    shape of w, read with ``config.get``, zeros when absent; the new one is stored back).
    The defaults are those of the UCLA starter's other rules; no seed shows them.

    Returns ``(next_w, config)``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    mu = config["momentum"]
    v_new = mu * v - config["learning_rate"] * dw
    next_w = w - mu * v + (1 + mu) * v_new
    config["velocity"] = v_new
    return next_w, config


def rmsprop_ucla(w, dw, config=None):
    """RMSProp with UCLA's state key: the squared-gradient average is ``config['a']``.

    The update is CS231n's (``optim.rmsprop``), only the key differs: UCLA ``a`` = CS231n
    ``cache`` (§A3.1, §4 "Optimizer state keys").

    a = decay_rate * a + (1 - decay_rate) * dw**2
    next_w = w - learning_rate * dw / (sqrt(a) + epsilon)

    config keys: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), a (zeros, shape of w).

    Returns ``(next_w, config)``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("a", np.zeros_like(w))

    decay = config["decay_rate"]
    a = decay * config["a"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(a) + config["epsilon"])
    config["a"] = a
    return next_w, config


def adam_ucla(w, dw, config=None):
    """Adam with UCLA's state keys: ``v`` = FIRST moment, ``a`` = second moment, ``t``.

    The update is CS231n's (``optim.adam``, t incremented first, bias-corrected); only the keys
    differ (§A3.1, §4): UCLA ``v`` = CS231n ``m`` and UCLA ``a`` = CS231n ``v``. A grader that
    reads ``config['v']`` of a UCLA submission as the second moment would fail a correct student.

    config keys: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    v (zeros, shape of w), a (zeros, shape of w), t (0).

    Returns ``(next_w, config)`` with ``v``, ``a`` and ``t`` updated.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("a", np.zeros_like(w))
    config.setdefault("t", 0)

    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    first = beta1 * config["v"] + (1 - beta1) * dw
    second = beta2 * config["a"] + (1 - beta2) * dw**2
    first_hat = first / (1 - beta1**t)
    second_hat = second / (1 - beta2**t)
    next_w = w - config["learning_rate"] * first_hat / (np.sqrt(second_hat) + config["epsilon"])
    config["v"], config["a"], config["t"] = first, second, t
    return next_w, config


# Course name -> its SGD+momentum rule.
#   cs231n: v = mu*v - lr*dw; w += v   (§1.2, verified against §3.10's arrays)
#   cs182:  v = mu*v + dw; w -= lr*v   (§1.2, verified against §3.11's arrays; sp22 and hw02)
#   ucla:   the CS231n sign            (§A4 "Momentum sign"; no seed tests it)
# CS182 fall 2020 still used the CS231n form (§A2.1); a profile for that term maps to 'cs231n'.
MOMENTUM_CONVENTION = {
    "cs231n": optim.sgd_momentum,
    "cs182": sgd_momentum_cs182,
    "ucla": optim.sgd_momentum,
}

# Course name -> {update_rule name as the course spells it -> rule}.
UPDATE_RULES = {
    "cs231n": {
        "sgd": optim.sgd,
        "sgd_momentum": optim.sgd_momentum,
        "rmsprop": optim.rmsprop,
        "adam": optim.adam,
    },
    "cs182": {
        "sgd": optim.sgd,
        "sgd_momentum": sgd_momentum_cs182,
        "rmsprop": optim.rmsprop,
        "adam": optim.adam,
    },
    "ucla": {
        "sgd": optim.sgd,
        "sgd_momentum": optim.sgd_momentum,
        "sgd_nesterov_momentum": sgd_nesterov_momentum,
        "rmsprop": rmsprop_ucla,
        "adam": adam_ucla,
    },
}
