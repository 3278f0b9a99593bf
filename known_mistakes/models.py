"""Networks and training loops with one known mistake (``grader.checks.neural_net``, ``fc_net``)."""
import numpy as np


def train_losses_with(mistake: str, net, X, y, learning_rate, learning_rate_decay, reg, num_iters,
                      batch_size):
    """The loss history of the reference ``train`` (its given loop, drawing from the global RNG
    as the reference does) with one known mistake; ``net`` is a reference net, updated in place."""
    num_train = X.shape[0]
    iterations_per_epoch = max(num_train / batch_size, 1)
    history = []
    for it in range(num_iters):
        idx = np.random.choice(num_train, batch_size, replace=True)
        y_idx = np.random.choice(num_train, batch_size) if mistake == "misaligned" else idx
        loss, grads = net.loss(X[idx], y=y[y_idx], reg=reg)
        history.append(loss)
        for name in net.params:
            step = learning_rate * grads[name]
            net.params[name] = net.params[name] + step if mistake == "update_sign" else net.params[name] - step
        if mistake == "decay_every_iteration" or it % iterations_per_epoch == 0:
            learning_rate *= learning_rate_decay
    return np.array(history)


def fc_init_with(mistake: str, rng, dims, weight_scale: float) -> dict:
    """FullyConnectedNet's 'random' initialisation drawn from ``rng`` with one known mistake."""
    params = {}
    for i in range(1, len(dims)):
        fan_in, fan_out = dims[i - 1], dims[i]
        if mistake == "draw_transposed":
            params[f"W{i}"] = weight_scale * rng.randn(fan_out, fan_in).T
        else:
            params[f"W{i}"] = weight_scale * rng.randn(fan_in, fan_out)
        params[f"b{i}"] = weight_scale * rng.randn(fan_out) if mistake == "random_biases" else np.zeros(fan_out)
    return params


def dropout_rand_ge(original):
    """``dropout_forward`` with the other correct mask form, ``rand >= 1 - keep`` (the same draws);
    test mode goes to ``original``."""

    def dropout_ge(x, dropout_param):
        if dropout_param["mode"] != "train":
            return original(x, dropout_param)
        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])
        keep = dropout_param["p"]
        mask = (np.random.rand(*x.shape) >= 1 - keep) / keep
        return (x * mask).astype(x.dtype, copy=False), (dropout_param, mask)

    return dropout_ge
