"""Realistic bugs in the update rules (digest §7.17-§7.19 and §3.10-§3.13) and correct variants.

The Solver checks train with ``'sgd'`` (given code), so none of these touch ``solver.*``. Training
checks that use momentum/rmsprop/adam may legitimately lose points too (``collateral``).
"""
from __future__ import annotations

from tests.mutants import Mutant, Patch

F = "optim.py"
TRAINING = ("training.*", "train_*", "overfit*")

MUTANTS = [
    Mutant("momentum_sign_error", "CS231n momentum with next_w = w - v: the update climbs the loss (§7.17)",
           (Patch(F, "next_w = w + v\n    config", "next_w = w - v\n    config"),),
           caught_by=("sgd_momentum.notebook", "sgd_momentum.fresh_steps", "sgd_momentum.defaults",
                      "optim.loss_decreases"), collateral=TRAINING),
    Mutant("momentum_cs182_convention",
           "CS182's v = mu*v + dw; w -= lr*v in a CS231n submission (§3.11, §9.1)",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
                  'v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v'),),
           caught_by=("sgd_momentum.notebook", "sgd_momentum.fresh_steps", "sgd_momentum.defaults"),
           collateral=TRAINING),
    Mutant("momentum_velocity_not_stored", "the new velocity is never written back to config",
           (Patch(F, '    config["velocity"] = v\n', ""),),
           caught_by=("sgd_momentum.notebook", "sgd_momentum.fresh_steps", "sgd_momentum.defaults"),
           collateral=TRAINING + ("optim.loss_decreases",)),
    Mutant("momentum_hardcoded_0_9",
           "momentum 0.9 hard-coded: invisible to the notebook, which uses the default",
           (Patch(F, 'v = config["momentum"] * v - config["learning_rate"] * dw',
                  'v = 0.9 * v - config["learning_rate"] * dw'),),
           caught_by=("sgd_momentum.fresh_steps",), collateral=TRAINING),
    Mutant("momentum_velocity_key_required",
           "config['velocity'] read without a default: KeyError on the first step",
           (Patch(F, 'v = config.get("velocity", np.zeros_like(w))', 'v = config["velocity"]'),),
           caught_by=("sgd_momentum.fresh_steps", "sgd_momentum.defaults", "optim.loss_decreases"),
           collateral=TRAINING),
    Mutant("rmsprop_epsilon_inside_sqrt", "sqrt(cache + eps) (CS182's formula): equal to the notebook's "
           "arrays at eps=1e-8, detectable only with a large epsilon",
           (Patch(F, 'dw / (np.sqrt(cache) + config["epsilon"])', 'dw / np.sqrt(cache + config["epsilon"])'),),
           caught_by=("rmsprop.epsilon_placement",)),
    Mutant("rmsprop_cache_not_stored", "the new cache is never written back to config",
           (Patch(F, '    config["cache"] = cache\n', ""),),
           caught_by=("rmsprop.notebook", "rmsprop.fresh_steps", "rmsprop.defaults"),
           collateral=TRAINING + ("optim.loss_decreases",)),
    Mutant("rmsprop_hardcoded_decay", "decay_rate 0.99 hard-coded: invisible to the notebook",
           (Patch(F, 'decay = config["decay_rate"]', "decay = 0.99"),),
           caught_by=("rmsprop.fresh_steps", "rmsprop.defaults"), collateral=TRAINING),
    Mutant("adam_t_incremented_late", "bias correction computed with the old t, t+1 stored (§3.13: 0.00152)",
           (Patch(F, 't = config["t"] + 1', 't = config["t"]'),
            Patch(F, 'config["m"], config["v"], config["t"] = m, v, t',
                  'config["m"], config["v"], config["t"] = m, v, t + 1')),
           caught_by=("adam.notebook", "adam.fresh_steps", "adam.defaults", "optim.loss_decreases"),
           collateral=TRAINING),
    Mutant("adam_no_bias_correction", "m and v used without dividing by 1 - beta**t (§3.13: 0.207)",
           (Patch(F, "m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n    next_w = w - config",
                  "m_hat = m\n    v_hat = v\n    next_w = w - config"),),
           caught_by=("adam.notebook", "adam.fresh_steps", "adam.defaults"),
           collateral=TRAINING + ("optim.loss_decreases",)),
    Mutant("adam_t_not_stored", "m and v stored but t left unchanged (§3.13: t error 0.0909)",
           (Patch(F, 'config["m"], config["v"], config["t"] = m, v, t', 'config["m"], config["v"] = m, v'),),
           caught_by=("adam.notebook", "adam.fresh_steps", "adam.defaults"), collateral=TRAINING),
    Mutant("adam_mv_swapped_in_bias_correction", "m divided by 1 - beta2**t and v by 1 - beta1**t",
           (Patch(F, "m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n    next_w = w - config",
                  "m_hat = m / (1 - beta2**t)\n    v_hat = v / (1 - beta1**t)\n    next_w = w - config"),),
           caught_by=("adam.notebook", "adam.fresh_steps", "adam.defaults"),
           collateral=TRAINING + ("optim.loss_decreases",)),
    Mutant("adam_sqrt_before_bias_correction",
           "sqrt(v) / (1 - beta2**t) instead of sqrt(v / (1 - beta2**t)) (§7.18)",
           (Patch(F, "v_hat = v / (1 - beta2**t)\n    next_w = w - config",
                  "v_hat = np.sqrt(v) / (1 - beta2**t)\n    next_w = w - config"),
            Patch(F, "m_hat / (np.sqrt(v_hat) + config", "m_hat / (v_hat + config")),
           caught_by=("adam.notebook", "adam.fresh_steps", "adam.defaults"),
           collateral=TRAINING + ("optim.loss_decreases",)),
    Mutant("adam_hardcoded_betas", "beta1/beta2 hard-coded to 0.9/0.999: invisible to the notebook",
           (Patch(F, 'beta1, beta2 = config["beta1"], config["beta2"]', "beta1, beta2 = 0.9, 0.999"),),
           caught_by=("adam.fresh_steps", "adam.defaults"), collateral=TRAINING),
    Mutant("adam_default_beta2_0_99", "the documented default beta2=0.999 replaced by 0.99 (the "
           "notebook relies on the default)",
           (Patch(F, 'config.setdefault("beta2", 0.999)', 'config.setdefault("beta2", 0.99)'),),
           caught_by=("adam.notebook", "adam.defaults"), collateral=TRAINING),
]

EQUIVALENTS = [
    Mutant("momentum_updates_w_in_place", "w += v; next_w = w (the caller's w is modified: allowed)",
           (Patch(F, "next_w = w + v\n    config", "w += v\n    next_w = w\n    config"),)),
    Mutant("rmsprop_written_differently", "the cache built in two steps, dw*dw, np.divide",
           (Patch(F, 'cache = decay * config["cache"] + (1 - decay) * dw**2',
                  'cache = config["cache"] * decay\n    cache = cache + (1 - decay) * (dw * dw)'),
            Patch(F, 'next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])',
                  'next_w = w - np.divide(config["learning_rate"] * dw, np.sqrt(cache) + config["epsilon"])'))),
    Mutant("adam_t_incremented_in_config", "config['t'] += 1 first, then t read back from config",
           (Patch(F, 't = config["t"] + 1', 'config["t"] += 1\n    t = config["t"]'),)),
]
