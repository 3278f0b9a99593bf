"""One update step of the optimisers with one known mistake (``grader.checks.optim``)."""
import numpy as np


def step_with(rule: str, mistake: str, w, dw, config: dict, hp: dict):
    """``(next_w, state)`` of one ``rule`` step with hyper-parameters ``hp`` and the running state
    in ``config`` (velocity, cache, m, v, t), with ``mistake`` applied to the formula."""
    lr, zeros = hp["learning_rate"], np.zeros_like(w)
    with np.errstate(all="ignore"):
        if rule == "sgd_momentum":
            v = config.get("velocity", zeros)
            if mistake == "cs182":
                v = hp["momentum"] * v + dw
                next_w = w - lr * v
            else:
                v = hp["momentum"] * v - lr * dw
                next_w = w - v if mistake == "w_minus_v" else w + v
            return next_w, {"velocity": v}
        if rule == "rmsprop":
            decay = hp["decay_rate"]
            cache = decay * config.get("cache", zeros) + (1 - decay) * dw**2
            if mistake == "eps_inside":
                next_w = w - lr * dw / np.sqrt(cache + hp["epsilon"])
            else:
                next_w = w - lr * dw / (np.sqrt(cache) + hp["epsilon"])
            return next_w, {"cache": cache}
        beta1, beta2 = hp["beta1"], hp["beta2"]
        t = config.get("t", 0) + 1
        m = beta1 * config.get("m", zeros) + (1 - beta1) * dw
        v = beta2 * config.get("v", zeros) + (1 - beta2) * dw**2
        tc = t - 1 if mistake == "old_t" else t
        if mistake == "no_bias_correction":
            m_hat, v_hat = m, v
        elif mistake == "swapped":
            m_hat, v_hat = m / (1 - beta2**tc), v / (1 - beta1**tc)
        else:
            m_hat, v_hat = m / (1 - beta1**tc), v / (1 - beta2**tc)
        root = np.sqrt(v) / (1 - beta2**tc) if mistake == "sqrt_before" else np.sqrt(v_hat)
        next_w = w - lr * m_hat / (root + hp["epsilon"])
        return next_w, {"m": m, "v": v, "t": t}
