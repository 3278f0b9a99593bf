"""Checks for ``dropout_forward`` and ``dropout_backward`` of ``layers.py``."""
from __future__ import annotations

import numpy as np

from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, join_problems
from ..diagnosis import Diagnoses, mistake_key, scaled, stored
from ..toolkit import forward, gradient_problems, verdict

# --------------------------------------------------------------------------------------------
# dropout (p is the KEEP probability, docs/courses.md §1.2 and §2.1)
# --------------------------------------------------------------------------------------------

DROPOUT_STAT_PS = (0.3, 0.6, 0.75, 0.9)  # docs/courses.md §3.14's three values, plus a fresh one
DROPOUT_SEEDED = (("nb", 0.8, 123), ("r", 0.35, 7))  # docs/courses.md §3.15's p and seed, plus fresh ones
DROPOUT_HINT = ("in train mode keep each unit with probability p and scale the kept ones by 1/p "
                "(the expected output is x); in test mode return x unchanged")


@fixture("dropout")
def dropout_fixture(ref):
    """docs/courses.md §3.14 statistics input, docs/courses.md §3.15 seeded input, a fresh 3-D input, and reference outputs."""
    out = {}
    rng = np.random.RandomState(231)
    out["stat_x"] = rng.randn(500, 500) + 10  # docs/courses.md §3.14
    out["stat_ps"] = np.array(DROPOUT_STAT_PS)
    out["stat_keep"] = out["stat_ps"]  # expected fraction of units kept: p (keep semantics)
    out["stat_mean"] = np.asarray(out["stat_x"].mean())
    rng = np.random.RandomState(151)
    out["nb_x"], out["nb_dout"] = rng.randn(10, 10) + 10, rng.randn(10, 10)  # docs/courses.md §3.15
    rng = np.random.RandomState(152)
    out["r_x"], out["r_dout"] = rng.randn(4, 5, 6) - 3, rng.randn(4, 5, 6)
    for prefix, p, seed in DROPOUT_SEEDED:
        param = {"mode": "train", "p": p, "seed": seed}
        fwd, cache = ref.layers.dropout_forward(out[f"{prefix}_x"], param)
        out[f"{prefix}_out"] = fwd
        out[f"{prefix}_dx"] = ref.layers.dropout_backward(out[f"{prefix}_dout"], cache)
        test_out, test_cache = ref.layers.dropout_forward(out[f"{prefix}_x"], {"mode": "test", "p": p})
        out[f"{prefix}_test_out"] = test_out
        out[f"{prefix}_test_dx"] = ref.layers.dropout_backward(out[f"{prefix}_dout"], test_cache)
        for mistake in DROPOUT_MISTAKES:
            mask = _dropout_mask_with(mistake, out[f"{prefix}_x"].shape, p, seed)
            out[mistake_key(f"{prefix}_out", mistake)] = out[f"{prefix}_x"] * mask
            out[mistake_key(f"{prefix}_dx", mistake)] = out[f"{prefix}_dout"] * mask
    # No exact zeros in x, so out / x recovers the applied mask (docs/courses.md §7.7).
    rng = np.random.RandomState(153)
    out["c_x"], out["c_dout"] = rng.randn(6, 7) + 10, rng.randn(6, 7)
    return out


DROPS_WITH_P = ("the mask DROPS each unit with probability p; p is the probability of KEEPING a "
                "unit (mask = rand < p)")
NOT_SCALED = "the kept units are used without the 1/p scaling (inverted dropout divides them by p)"
DROPOUT_MISTAKES = {"keep_as_drop": DROPS_WITH_P,            # (rand >= p) / (1 - p)
                    "keep_as_drop_unscaled": DROPS_WITH_P,   # (rand >= p)
                    "unscaled": NOT_SCALED}                  # (rand < p)


def _dropout_mask_with(mistake: str, shape, p: float, seed: int) -> np.ndarray:
    """The train-mode mask a known mistake draws after ``np.random.seed(seed)``."""
    u = np.random.RandomState(seed).rand(*shape)
    if mistake == "keep_as_drop":
        return (u >= p) / (1 - p)
    if mistake == "keep_as_drop_unscaled":
        return (u >= p) * 1.0
    return (u < p) * 1.0


def _name_if_masked(d: Diagnoses, got, base: np.ndarray, p: float, mistake: str) -> None:
    """Name ``mistake`` in ``d`` when ``got`` is ``base`` times a dropout mask (``base`` has no zeros)."""
    arr, _ = as_array("value", got, base.shape)
    if arr is not None and np.all(base != 0) and _as_mask(arr / base, p):
        d.add(mistake)


def _as_mask(values: np.ndarray, p: float) -> bool:
    """True when every value is 0 or 1/p and both occur: a dropout mask, as applied to ones."""
    zero, kept = np.isclose(values, 0.0, atol=1e-12), np.isclose(values, 1.0 / p, rtol=1e-9)
    return bool(np.all(zero | kept) and zero.any() and kept.any())


def seeded_output(ctx: CheckContext, x, param: dict):
    """The student's train-mode output for a seeded ``param``, called twice: ``(out, None)``, or
    ``(None, problem)`` when it is not an array of x's shape or the two calls differ."""
    first, second = ctx.map("layers.dropout_forward", [(x, param), (x, param)], select=0)
    a, problem = as_array("out", first, x.shape)
    if problem:
        return None, problem
    b, _ = as_array("out", second, x.shape)
    if b is None or not np.array_equal(a, b):
        return None, "two calls with the same seed gave different outputs"
    return a, None


@check("dropout_forward.train_statistics", kind="value", fixture="dropout", tolerance=0.01)
def check_dropout_forward_train_statistics(ctx: CheckContext) -> Outcome:
    """Train-mode dropout keeps a fraction p of the units (p = KEEP probability) and keeps the mean (docs/courses.md §3.14)."""
    f = ctx.fixture()
    x, mean_tol = f["stat_x"], float(ctx.params.get("mean_tolerance", 0.02))
    params = [({"mode": "train", "p": float(p), "seed": 1000 + k},) for k, p in enumerate(f["stat_ps"])]
    outs = ctx.map("layers.dropout_forward", [(x,) + args for args in params], select=0)
    problems, hints = [], set()
    drops_with_p = unscaled = True  # every p shows the statistics of the mistake
    for p, keep, got in zip(f["stat_ps"], f["stat_keep"], outs):
        arr, problem = as_array("out", got, x.shape)
        if problem:
            problems.append(f"p={p}: {problem}")
            drops_with_p = unscaled = False
            continue
        zero_fraction = float(np.mean(arr == 0))
        drops_with_p &= abs(zero_fraction - keep) <= ctx.tolerance < abs(1 - 2 * keep)
        if abs(zero_fraction - (1 - keep)) > ctx.tolerance:
            problems.append(f"p={p}: {zero_fraction:.3f} of the outputs are 0, expected "
                            f"{1 - keep:.2f} (= 1 - p) +- {ctx.tolerance}")
            hints.add("p is the probability of KEEPING a unit: mask = rand < p")
        out_mean, x_mean = float(np.mean(arr)), float(f["stat_mean"])
        unscaled &= abs(out_mean - p * x_mean) <= mean_tol * abs(x_mean) < abs(1 - p) * abs(x_mean)
        if not abs(out_mean - x_mean) <= mean_tol * abs(x_mean):
            problems.append(f"p={p}: the output mean is {out_mean:.3f}, expected about the input "
                            f"mean {x_mean:.3f} (within {mean_tol:.0%})")
            hints.add("inverted dropout divides the kept units by p at train time")
    if problems:
        d = Diagnoses()
        d.add(DROPS_WITH_P if drops_with_p else None)
        d.add("the output mean is p times the input mean: " + NOT_SCALED if unscaled else None)
        return Outcome.fail(d.message("on the notebook's 500x500 input (mean about 10): " +
                                      "; ".join(problems)),
                            hint="; ".join(sorted(hints)) or DROPOUT_HINT)
    return Outcome.ok("keep fraction and mean are right for p in " +
                      ", ".join(str(p) for p in f["stat_ps"]))


@check("dropout_forward.test_mode", kind="value", fixture="dropout", tolerance=0.0)
def check_dropout_forward_test_mode(ctx: CheckContext) -> Outcome:
    """In test mode dropout returns its input unchanged (no mask, no scaling), for several p and shapes.

    Requirement: test-mode dropout returns its input (docs/courses.md §2.1).
    """
    f = ctx.fixture()
    cases = [(f"{label}, p={p}", f[f"{prefix}_x"], f[f"{prefix}_test_out"], p)
             for label, prefix in (("10x10 input", "nb"), ("3-D input", "r"))
             for p in (0.35, 0.8)]
    outs = ctx.map("layers.dropout_forward", [(x, {"mode": "test", "p": p}) for _, x, _, p in cases],
                   select=0)
    problems, d = [], Diagnoses()
    for (label, x, expected, p), got in zip(cases, outs):
        problem = d.compare("out", got, expected, ctx.tolerance,
                            scaled(expected, {"test-mode out is x * p: inverted dropout already "
                                              "scaled at train time, so test mode returns x": p}))
        if problem:
            problems.append(f"{label}: {problem}")
            _name_if_masked(d, got, x, p, "test-mode out is x times a dropout mask (values 0 and 1/p): "
                                          "test mode applies no mask")
    return verdict(problems, "test mode returns x unchanged", d=d, prefix="test mode: ", sep="; ",
                   hint="in test mode out = x: inverted dropout already scaled at train time")


@check("dropout_forward.seeded_mask", kind="value", fixture="dropout", tolerance=1e-12)
def check_dropout_forward_seeded_mask(ctx: CheckContext) -> Outcome:
    """With dropout_param['seed'] the output is reproducible and equals the course's mask draw.

    Requirement: dropout_param['seed'] seeds the mask draw, in the years whose p keeps
    (docs/courses.md §2.1, §A4).
    """
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for prefix, p, seed in DROPOUT_SEEDED:
        x, label = f[f"{prefix}_x"], f"input of shape {f[f'{prefix}_x'].shape}, p={p}, seed={seed}"
        param = {"mode": "train", "p": p, "seed": seed}
        a, problem = seeded_output(ctx, x, param)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        problem = d.compare("out", a, f[f"{prefix}_out"], ctx.tolerance,
                            stored(f, f"{prefix}_out", DROPOUT_MISTAKES))
        if problem:
            problems.append(f"{label}: {problem}")
    return verdict(problems, "seeded outputs are reproducible and match the reference", d=d, sep="; ",
                   hint="if 'seed' in dropout_param call np.random.seed(seed) first, then draw the "
                        "mask once, with one uniform draw per unit of x")


@check("dropout_backward.values", kind="value", fixture="dropout", tolerance=1e-12)
def check_dropout_backward_values(ctx: CheckContext) -> Outcome:
    """dropout_backward matches the reference in train mode (seeded, docs/courses.md §3.15) and in test mode."""
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for prefix, p, seed in DROPOUT_SEEDED:
        x, dout = f[f"{prefix}_x"], f[f"{prefix}_dout"]
        for mode, key in (("train", "dx"), ("test", "test_dx")):
            _, cache = forward(ctx, "layers.dropout_forward", x, {"mode": mode, "p": p, "seed": seed})
            dx = ctx.call("layers.dropout_backward", dout, cache)
            known = stored(f, f"{prefix}_dx", DROPOUT_MISTAKES) if mode == "train" else None
            problem = d.compare("dx", dx, f[f"{prefix}_{key}"], ctx.tolerance, known)
            if problem:
                problems.append(f"{mode} mode, input of shape {x.shape}, p={p}: {problem}")
    return verdict(problems, "dx matches in train and test mode", d=d, sep="; ",
                   hint="in train mode the gradient goes through the mask the forward pass applied (1/p "
                        "included); in test mode it passes unchanged")


@check("dropout_backward.numeric_gradient", kind="gradient", fixture="dropout", tolerance=1e-8)
def check_dropout_backward_numeric(ctx: CheckContext) -> Outcome:
    """dropout_backward agrees with a numeric gradient of the student's seeded dropout_forward (docs/courses.md §3.15)."""
    f = ctx.fixture()
    _, p, seed = DROPOUT_SEEDED[0]
    param = {"mode": "train", "p": p, "seed": seed}
    found = gradient_problems(ctx, "layers.dropout_forward", (f["nb_x"], param), "layers.dropout_backward",
                              f["nb_dout"], {"dx": 0}, ctx.tolerance)
    return verdict([join_problems(found)], "dx agrees with the numeric gradient",
                   suffix=" against a numeric gradient of your dropout_forward",
                   hint="use the mask the forward pass stored in its cache, with its 1/p scaling")


@check("dropout_backward.uses_forward_mask", kind="value", fixture="dropout", tolerance=1e-10)
def check_dropout_backward_uses_forward_mask(ctx: CheckContext) -> Outcome:
    """Unseeded, dropout_backward applies the very mask the forward applied: dx = out / x * dout (docs/courses.md §7.7)."""
    f = ctx.fixture()
    x, dout = f["c_x"], f["c_dout"]
    problems, d = [], Diagnoses()
    for p in (0.6, 0.25):
        out, cache = forward(ctx, "layers.dropout_forward", x, {"mode": "train", "p": p})
        out, problem = as_array("out", out, x.shape)
        if problem:
            problems.append(f"p={p}: {problem}")
            continue
        dx = ctx.call("layers.dropout_backward", dout, cache)
        problem = compare_array("dx", dx, out / x * dout, ctx.tolerance)
        if problem:
            problems.append(f"p={p}: {problem} against out / x * dout")
            _name_if_masked(d, dx, dout, p, "dx is dout times a dropout mask, but not the one the forward "
                                            "pass applied: a new mask was drawn")
    return verdict(problems, "backward reuses the forward mask", d=d, sep="; ",
                   prefix="unseeded call on a 6x7 input without zeros: ",
                   hint="store the mask the forward pass applied in the cache and reuse it; "
                        "never draw a new mask in the backward pass")
