"""Dropout where ``p`` is the DROP probability (CS231n 2016-2017, CS182, UCLA 2022+): the layer and
the FullyConnectedNet, with either correct way of drawing the mask."""
from __future__ import annotations

import numpy as np

from .. import fc_net as fc
from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, join_problems
from ..models import (
    grads_problems,
    loss_and_grads,
    numeric_problems,
    set_params,
)
from ..toolkit import loss_problem, verdict


# ---------------------------------------------------------------------------------------------
# dropout as a DROP probability
# ---------------------------------------------------------------------------------------------
DROP_CASES = (("nb", 0.8, 123), ("r", 0.35, 7))   # (input, KEEP probability, seed), as layers.py
DROP_HINT = ("p is the probability of DROPPING a unit: keep each unit with probability 1 - p "
             "and scale the kept ones by 1/(1 - p); test mode returns x unchanged")


@fixture("dropout_drop")
def dropout_drop_fixture(ref):
    """Seeded inputs and the two correct masks of a drop-probability dropout, from the same draws."""
    out = {}
    for (prefix, keep, seed), shape, offset in zip(DROP_CASES, ((10, 10), (4, 5, 6)), (10, -3)):
        rng = np.random.RandomState(170 + seed)
        x = rng.randn(*shape) + offset
        out[f"{prefix}_x"], out[f"{prefix}_dout"] = x, rng.randn(*shape)
        out[f"{prefix}_out_lt"] = ref.layers.dropout_forward(x, {"mode": "train", "p": keep, "seed": seed})[0]
        np.random.seed(seed)
        draws = np.random.rand(*shape)
        out[f"{prefix}_out_ge"] = x * ((draws >= 1 - keep) / keep)
    return out


@check("dropout_forward.drop_probability", kind="value", fixture="dropout_drop", tolerance=1e-12)
def check_dropout_drop_probability(ctx: CheckContext) -> Outcome:
    """With p = drop probability and a seed, the output is x * mask for a correct drop mask (either
    way of drawing it), reproducible, and test mode passes x and dout through unchanged.

    Requirement: dropout with p the drop probability, in the years that define it so
    (docs/courses.md §7.8, §9.7, §A4).
    """
    f = ctx.fixture()
    problems = []
    for prefix, keep, seed in DROP_CASES:
        x, label = f[f"{prefix}_x"], f"input of shape {f[f'{prefix}_x'].shape}, drop p={1 - keep:g}, seed={seed}"
        param = {"mode": "train", "p": keep, "seed": seed}   # the profile's adapter passes 1 - keep
        first, second = ctx.map("layers.dropout_forward", [(x, param), (x, param)], select=0)
        a, problem = as_array("out", first, x.shape)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        b, _ = as_array("out", second, x.shape)
        if b is None or not np.array_equal(a, b):
            problems.append(f"{label}: two calls with the same seed gave different outputs")
            continue
        misses = [compare_array("out", a, f[f"{prefix}_out_{form}"], ctx.tolerance) for form in ("lt", "ge")]
        if all(misses):
            dropped = float(np.mean(a == 0))
            problems.append(f"{label}: out is neither x * (rand >= p) / (1 - p) nor x * (rand < 1 - p) "
                            f"/ (1 - p) for the seeded draws ({dropped:.2f} of the units dropped, "
                            f"expected about {1 - keep:.2f}; {misses[0]})")
        out, cache = ctx.call("layers.dropout_forward", x, {"mode": "test", "p": keep}, keep=[1])
        problem = compare_array("test-mode out", out, x, 0.0)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        dx = ctx.call("layers.dropout_backward", f[f"{prefix}_dout"], cache)
        problem = compare_array("test-mode dx", dx, f[f"{prefix}_dout"], 0.0)
        if problem:
            problems.append(f"{label}: {problem}")
    return verdict(problems,
                   "seeded drop masks are reproducible and correct; test mode is the identity",
                   sep="; ", hint=DROP_HINT)


@fixture("fc_dropout_drop")
def fc_dropout_drop_fixture(ref):
    """fc_net's dropout variants (seed 123) with each correct drop-mask form, at fixed parameters."""
    base = fc.fc_net_fixture(ref)
    out = {k: base[k] for k in ("r_X", "r_y", "r_X_test")}
    for name in ("drop75", "drop50"):
        out.update({k: v for k, v in base.items() if k.startswith(f"{name}_")})
    module, original = ref.classifiers.fc_net, ref.classifiers.fc_net.dropout_forward
    # Without dropout at the drop75 parameters (what dropout=0 must give).
    model = module.FullyConnectedNet(**fc.FC_DIMS, dtype=np.float64)
    model.params = {k: v.copy() for k, v in fc.variant(base, "drop75")[0].items()}
    out["nodrop_loss"] = np.asarray(model.loss(base["r_X"], base["r_y"])[0])

    from known_mistakes.models import dropout_rand_ge   # instructor-side (docs/deployment.md)

    module.dropout_forward = dropout_rand_ge(original)   # the same draws, the "rand >= drop" mask
    try:
        for name in ("drop75", "drop50"):
            kwargs, reg = fc.FC_VARIANTS[name]
            params, _ = fc.variant(base, name)
            model = module.FullyConnectedNet(**fc.FC_DIMS, reg=reg, dtype=np.float64, **kwargs)
            model.params = {k: v.copy() for k, v in params.items()}
            loss, grads = model.loss(base["r_X"], base["r_y"])
            out[f"{name}_ge_loss"] = np.asarray(loss)
            out.update({f"{name}_ge_d_{k}": v for k, v in grads.items()})
    finally:
        module.dropout_forward = original
    return out


@check("fc_net.dropout_drop_probability", kind="gradient", fixture="fc_dropout_drop",
       tolerance=1e-7)
def check_fc_dropout_drop(ctx: CheckContext) -> Outcome:
    """FullyConnectedNet with dropout as a DROP probability (seed 123): loss and grads match the
    reference for either correct mask form and a numeric gradient; test mode and dropout 0 drop nothing.

    Requirement: FullyConnectedNet's dropout in the years where it is a drop probability
    (docs/courses.md §3.16, §9.7, §A4).
    """
    f = ctx.fixture()
    messages = []
    for name in ("drop75", "drop50"):
        kwargs, reg = fc.FC_VARIANTS[name]
        model = ctx.new(fc.FC_NET, **fc.FC_DIMS, reg=reg, dtype=np.float64, **kwargs)
        params, grads_lt = fc.variant(f, name)
        set_params(ctx, model, params)
        loss, grads = loss_and_grads(ctx, model, f["r_X"], f["r_y"])
        label = f"FullyConnectedNet([20, 30], dropout={1 - kwargs['dropout_keep_ratio']:g}, seed=123)"
        forms = []
        for form, expected_loss, expected_grads in (
                ("lt", f[f"{name}_loss"], grads_lt),
                ("ge", f[f"{name}_ge_loss"], {k[len(name) + 6:]: v for k, v in f.items()
                                              if k.startswith(f"{name}_ge_d_")})):
            problems = [p for p in (loss_problem(loss, expected_loss, 1e-8),) if p]
            problems += grads_problems(grads, expected_grads, ctx.tolerance)
            forms.append(problems)
        if all(forms):
            messages.append(f"{label}: {join_problems(forms[0])} (against the reference with the "
                            "same dropout masks)")
            continue
        numeric = numeric_problems(ctx, model, params, grads, f["r_X"], f["r_y"], 1e-5, max_coords=6)
        if numeric:
            messages.append(f"{label}: {join_problems(numeric)}")
        scores = ctx.call(model.method("loss"), f["r_X_test"])
        problem = compare_array("test-time scores", scores, f[f"{name}_test_scores"], 1e-8)
        if problem:
            messages.append(f"{label} in test mode: {problem} (dropout must be off at test time)")
    model = ctx.new(fc.FC_NET, **fc.FC_DIMS, dtype=np.float64, dropout_keep_ratio=1)
    set_params(ctx, model, fc.variant(f, "drop75")[0])
    loss, _ = loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    problem = loss_problem(loss, f["nodrop_loss"], 1e-8)
    if problem:
        messages.append(f"FullyConnectedNet([20, 30], dropout=0): {problem} (dropout 0 means no dropout)")
    return verdict(messages,
                   "dropout (drop probability) is applied in train mode only, with correct gradients",
                   hint="after each hidden ReLU apply dropout_forward(out, self.dropout_param) "
                        "when self.use_dropout (dropout > 0), dropout_backward in reverse order; "
                        "dropout_param['p'] is the drop probability")
