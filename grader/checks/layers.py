"""Checks for ``layers.py``: affine and ReLU first (the pattern every other layer check follows),
then softmax and SVM losses, dropout, batch normalisation and layer normalisation.

Each layer gets
* a value check on the course notebook's own input (so a student sees the notebook's test),
* a value check on fresh inputs the notebook cannot see (other shapes, exact zeros, ...),
* a gradient check: the student's backward against a numeric gradient of the student's own
  forward, plus a comparison with the reference backward on the same input.
"""
from __future__ import annotations

import numpy as np

from .base import CheckContext, CheckInputError, Outcome, check, fixture
from .compare import as_array, compare_array, compare_scalar, join_problems, unpack
from .diagnosis import MATCH_TOL, Diagnoses, mistake_key, sample, scaled, stored
from .numeric import coordinates, numeric_gradient


def _mean_not_sum(name: str, n: int) -> dict[str, float]:
    """A known mistake for a gradient that sums over a batch of ``n``: averaging it (see ``scaled``)."""
    return {f"{name} is the batch mean, not the sum over the batch": 1.0 / n}

# --------------------------------------------------------------------------------------------
# affine
# --------------------------------------------------------------------------------------------


@fixture("affine")
def affine_fixture(ref):
    """§3.1 notebook input, §3.2 seed-231 input, and a 4-D input with another seed."""
    out = {}
    # §3.1: the notebook's linspace test.
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    out["nb_x"] = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    out["nb_w"] = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    out["nb_b"] = np.linspace(-0.3, 0.1, num=output_dim)
    out["nb_out"] = ref.layers.affine_forward(out["nb_x"], out["nb_w"], out["nb_b"])[0]
    # §3.2: seed 231, x of shape (10, 2, 3).
    rng = np.random.RandomState(231)
    x, w, b, dout = rng.randn(10, 2, 3), rng.randn(6, 5), rng.randn(5), rng.randn(10, 5)
    dx, dw, db = ref.layers.affine_backward(dout, ref.layers.affine_forward(x, w, b)[1])
    out.update(bw_x=x, bw_w=w, bw_b=b, bw_dout=dout, bw_dx=dx, bw_dw=dw, bw_db=db)
    # Fresh: a 4-D input (N=3, 2x4x5) the notebook never uses.
    rng = np.random.RandomState(7)
    x, w, b, dout = rng.randn(3, 2, 4, 5), rng.randn(40, 6), rng.randn(6), rng.randn(3, 6)
    fwd, cache = ref.layers.affine_forward(x, w, b)
    dx, dw, db = ref.layers.affine_backward(dout, cache)
    out.update(r_x=x, r_w=w, r_b=b, r_dout=dout, r_out=fwd, r_dx=dx, r_dw=dw, r_db=db)
    return out


@check("affine_forward.values", kind="value", fixture="affine", tolerance=1e-8)
def check_affine_forward_values(ctx: CheckContext) -> Outcome:
    """affine_forward matches the reference on the notebook input (§3.1) and on a 4-D input."""
    f = ctx.fixture()
    problems = []
    for label, prefix in (("notebook input (§3.1)", "nb"), ("4-D input", "r")):
        result, problem = unpack("affine_forward", ctx.call("layers.affine_forward", f[f"{prefix}_x"],
                                                            f[f"{prefix}_w"], f[f"{prefix}_b"],
                                                            keep=[1]), 2)
        if problem:
            return Outcome.fail(problem, hint="return (out, cache)")
        problem = compare_array("out", result[0], f[f"{prefix}_out"], ctx.tolerance)
        if problem:
            problems.append(f"on the {label}: {problem}")
    if problems:
        return Outcome.fail(join_problems(problems),
                            hint="out = x.reshape(N, -1) @ w + b, for x of any number of dimensions")
    return Outcome.ok("out matches on the notebook input and on a 4-D input")


def _affine_backward_problems(ctx, f, prefix, tol, d: Diagnoses):
    _, cache = ctx.call("layers.affine_forward", f[f"{prefix}_x"], f[f"{prefix}_w"],
                        f[f"{prefix}_b"], keep=[1])
    grads, problem = unpack("affine_backward", ctx.call("layers.affine_backward", f[f"{prefix}_dout"],
                                                        cache), 3)
    if problem:
        return [problem]
    n = f[f"{prefix}_dout"].shape[0]
    return [d.compare(name, got, f[f"{prefix}_{name}"], tol,
                      scaled(f[f"{prefix}_{name}"], _mean_not_sum(name, n)) if name != "dx" else None)
            for name, got in zip(("dx", "dw", "db"), grads)]


@check("affine_backward.values", kind="value", fixture="affine", tolerance=1e-8)
def check_affine_backward_values(ctx: CheckContext) -> Outcome:
    """affine_backward's dx, dw, db match the reference (§3.2 input and a 4-D input)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in (("seed-231 input (§3.2)", "bw"), ("4-D input", "r")):
        problems = [p for p in _affine_backward_problems(ctx, f, prefix, ctx.tolerance, d) if p]
        if problems:
            messages.append(f"on the {label}: {join_problems(problems)}")
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)),
                            hint="dx = (dout @ w.T).reshape(x.shape); dw = x.reshape(N, -1).T @ dout; "
                                 "db = dout.sum(axis=0)")
    return Outcome.ok("dx, dw and db match the reference")


@check("affine_backward.numeric_gradient", kind="gradient",
       fixture="affine", tolerance=1e-7)
def check_affine_backward_numeric(ctx: CheckContext) -> Outcome:
    """affine_backward agrees with a numeric gradient of the student's own affine_forward."""
    f = ctx.fixture()
    x, w, b, dout = f["bw_x"], f["bw_w"], f["bw_b"], f["bw_dout"]
    _, cache = ctx.call("layers.affine_forward", x, w, b, keep=[1])
    grads, problem = unpack("affine_backward", ctx.call("layers.affine_backward", dout, cache), 3)
    if problem:
        return Outcome.fail(problem, hint="return dx, dw, db")
    problems, d = [], Diagnoses()
    for index, name in enumerate(("dx", "dw", "db")):
        numeric = numeric_gradient(ctx, "layers.affine_forward", (x, w, b), index, dout)
        shape = (x, w, b)[index].shape
        problems.append(d.compare(name, grads[index], numeric.reshape(shape), ctx.tolerance))
    if any(problems):
        return Outcome.fail(d.message(join_problems(problems) + " against a numeric gradient of "
                                      "your affine_forward"))
    return Outcome.ok("backward agrees with the numeric gradient of your forward")


# --------------------------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------------------------


@fixture("relu")
def relu_fixture(ref):
    """§3.3 notebook input, §3.4 seed-231 input, and inputs with exact zeros in 3-D."""
    out = {"nb_x": np.linspace(-0.5, 0.5, num=12).reshape(3, 4)}
    out["nb_out"] = ref.layers.relu_forward(out["nb_x"])[0]
    rng = np.random.RandomState(231)
    out["bw_x"], out["bw_dout"] = rng.randn(10, 10), rng.randn(10, 10)
    # Exact zeros (np.linspace(-0.5, 0.5, 11) contains 0.0) in a 3-D array: catches `>=` masks
    # and masks reshaped to 2-D (digest §7.1).
    zeros = np.linspace(-0.5, 0.5, 11)
    z = np.concatenate([zeros, zeros[::-1], zeros[:2]]).reshape(2, 3, 4)
    rng = np.random.RandomState(5)
    out["z_x"], out["z_dout"] = z, rng.randn(2, 3, 4)
    out["z_out"] = ref.layers.relu_forward(z)[0]
    out["z_dx"] = ref.layers.relu_backward(out["z_dout"], ref.layers.relu_forward(z)[1])
    out[mistake_key("z_dx", "ge_mask")] = out["z_dout"] * (z >= 0)
    return out


RELU_MISTAKES = {"ge_mask": "dx matches a ReLU mask with >= (x >= 0): no gradient may pass where "
                            "x == 0, use x > 0"}


@check("relu_forward.values", kind="value", fixture="relu",
       tolerance=1e-12)
def check_relu_forward_values(ctx: CheckContext) -> Outcome:
    """relu_forward matches the reference on the notebook input (§3.3) and on a 3-D input."""
    f = ctx.fixture()
    problems = []
    for label, prefix in (("notebook input (§3.3)", "nb"), ("3-D input with exact zeros", "z")):
        result, problem = unpack("relu_forward", ctx.call("layers.relu_forward", f[f"{prefix}_x"],
                                                          keep=[1]), 2)
        if problem:
            return Outcome.fail(problem, hint="return (out, cache)")
        problem = compare_array("out", result[0], f[f"{prefix}_out"], ctx.tolerance)
        if problem:
            problems.append(f"on the {label}: {problem}")
    if problems:
        return Outcome.fail(join_problems(problems), hint="out = np.maximum(0, x), same shape as x")
    return Outcome.ok("out matches")


@check("relu_backward.exact_zeros", kind="value", fixture="relu", tolerance=1e-12)
def check_relu_backward_exact_zeros(ctx: CheckContext) -> Outcome:
    """relu_backward passes no gradient where the input is exactly 0, for a 3-D input (§7.1)."""
    f = ctx.fixture()
    _, cache = ctx.call("layers.relu_forward", f["z_x"], keep=[1])
    dx = ctx.call("layers.relu_backward", f["z_dout"], cache)
    d = Diagnoses()
    problem = d.compare("dx", dx, f["z_dx"], ctx.tolerance, stored(f, "z_dx", RELU_MISTAKES))
    if problem:
        return Outcome.fail(d.message(f"on a 3-D input containing exact zeros: {problem}"),
                            hint="dx = dout * (x > 0): strict '>' on the forward INPUT, any shape")
    return Outcome.ok("dx is right at exact zeros and for 3-D inputs")


@check("relu_backward.numeric_gradient", kind="gradient",
       fixture="relu", tolerance=1e-9)
def check_relu_backward_numeric(ctx: CheckContext) -> Outcome:
    """relu_backward agrees with a numeric gradient of the student's relu_forward (§3.4)."""
    f = ctx.fixture()
    x, dout = f["bw_x"], f["bw_dout"]
    _, cache = ctx.call("layers.relu_forward", x, keep=[1])
    dx = ctx.call("layers.relu_backward", dout, cache)
    numeric = numeric_gradient(ctx, "layers.relu_forward", (x,), 0, dout).reshape(x.shape)
    problem = compare_array("dx", dx, numeric, ctx.tolerance)
    if problem:
        return Outcome.fail(problem + " against a numeric gradient of your relu_forward",
                            hint="the mask comes from the forward input x, not from dout or out")
    return Outcome.ok("dx agrees with the numeric gradient")


# --------------------------------------------------------------------------------------------
# Shared helpers for the layers below
# --------------------------------------------------------------------------------------------


def _forward(ctx: CheckContext, target: str, *args, label: str = ""):
    """Call a layer's forward, keeping its cache in the worker: ``(out, cache_ref)``."""
    name = target.rsplit(".", 1)[-1]
    result, problem = unpack(name, ctx.call(target, *args, keep=[1]), 2)
    if problem:
        raise CheckInputError(f"{label + ': ' if label else ''}{problem}; return (out, cache)")
    return result


def _forward_with_args(ctx: CheckContext, target: str, *args):
    """Call a forward with ``return_args=True``: ``(out, cache_ref, args_after)``."""
    name = target.rsplit(".", 1)[-1]
    result, after = ctx.call(target, *args, keep=[1], return_args=True)
    result, problem = unpack(name, result, 2)
    if problem:
        raise CheckInputError(f"{problem}; return (out, cache)")
    return result[0], result[1], after


def _grad_problems(values, expected: dict, names: tuple[str, ...], tol: float,
                   function: str, d: Diagnoses | None = None,
                   candidates: dict | None = None) -> list[str]:
    """Compare the tuple a backward returned with ``expected[name]`` for each name.

    ``candidates[name]`` are known mistakes' values of that gradient (see ``diagnosis``), looked
    up in ``d`` when a gradient differs.
    """
    grads, problem = unpack(function, values, len(names))
    if problem:
        return [problem]
    d = d if d is not None else Diagnoses()
    candidates = candidates or {}
    return [p for p in (d.compare(n, g, expected[n], tol, candidates.get(n))
                        for n, g in zip(names, grads)) if p]


def _loss_problems(got, expected_loss: float, expected_dx: np.ndarray, tol: float,
                   function: str, d: Diagnoses | None = None,
                   candidates: dict | None = None) -> list[str]:
    """``(loss, dx)`` against the reference; the loss is compared relative to its size.

    ``candidates`` are known mistakes' ``(loss, dx)`` on the same input, looked up in ``d``.
    """
    result, problem = unpack(function, got, 2)
    if problem:
        return [problem]
    expected_loss = float(expected_loss)
    problems = [compare_scalar("loss", result[0], expected_loss, tol * max(1.0, abs(expected_loss))),
                compare_array("dx", result[1], expected_dx, tol)]
    problems = [p for p in problems if p]
    if problems and d is not None:
        d.check(tuple(result), candidates or {}, expected=(expected_loss, expected_dx))
    return problems


def _numeric_problems(ctx: CheckContext, target: str, args: tuple, analytic: dict,
                      wrt: dict[str, int], dout, tol: float, select: int | None = 0,
                      max_coords: int | None = None, d: Diagnoses | None = None,
                      candidates: dict | None = None, batch_sums: tuple[str, ...] = ()) -> list[str]:
    """The student's gradients ``analytic[name]`` against numeric gradients of ``target``.

    ``wrt`` maps a gradient name to the position of its argument; with ``max_coords`` only a
    sample of coordinates (fixed by the check's seed) is perturbed. A differing gradient is
    looked up in ``d`` among ``candidates[name]`` (known mistakes' full gradients) and, for the
    names in ``batch_sums``, the numeric gradient averaged over the batch of ``dout``.
    """
    rng = ctx.rng
    d = d if d is not None else Diagnoses()
    candidates = candidates or {}
    problems = []
    for name, index in wrt.items():
        x = np.asarray(args[index])
        got, problem = as_array(name, analytic[name], x.shape)
        if problem:
            problems.append(problem)
            continue
        coords = coordinates(x.size, max_coords, rng)
        numeric = numeric_gradient(ctx, target, args, index, dout, coords=coords, select=select)
        got = got.reshape(-1)[coords]
        problem = compare_array(name, got, numeric, tol)
        if problem:
            known = sample(candidates.get(name, {}), coords)
            if name in batch_sums:
                known.update(scaled(numeric, _mean_not_sum(name, np.shape(dout)[0])))
            d.check(got, known, expected=numeric, tol=max(MATCH_TOL, tol))
        problems.append(problem)
    return [p for p in problems if p]


def _on(label: str, problems: list[str]) -> str | None:
    return f"on the {label}: {join_problems(problems)}" if problems else None


# --------------------------------------------------------------------------------------------
# softmax_loss
# --------------------------------------------------------------------------------------------

SOFTMAX_HINT = ("probs = softmax of each row (subtract the row max first); loss = mean of "
                "-log probs[i, y[i]]; dx = (probs - one_hot(y)) / N")


@fixture("softmax_loss")
def softmax_loss_fixture(ref):
    """§3.6 seed-231 input, a fresh input, rows of logits near +-1000, and rows mixing +-1000."""
    out = {}
    rng = np.random.RandomState(231)  # §3.6: np.random.seed(231); 0.001 * randn(50, 10)
    out["nb_x"] = 0.001 * rng.randn(50, 10)
    out["nb_y"] = rng.randint(10, size=50)
    rng = np.random.RandomState(11)
    out["r_x"], out["r_y"] = 3.0 * rng.randn(7, 4), rng.randint(4, size=7)
    # Each row near +1000 or near -1000: exp overflows (or underflows to 0/0) without a max shift.
    rng = np.random.RandomState(12)
    offsets = np.array([1000.0, -1000.0, 1000.0, -1000.0, 1000.0, -1000.0])
    out["big_x"], out["big_y"] = offsets[:, None] + 3.0 * rng.randn(6, 5), rng.randint(5, size=6)
    # +1000 and -1000 in the same row, labels on both: a correct-class probability underflows to
    # 0, so log(probs) gives inf (digest §7.6); log-sum-exp keeps the loss finite.
    rng = np.random.RandomState(13)
    x = rng.randn(6, 5)
    x[:, 0::2] += 1000.0
    x[:, 1::2] -= 1000.0
    out["lse_x"], out["lse_y"] = x, np.array([1, 3, 0, 1, 2, 4])
    for prefix in ("nb", "r", "big", "lse"):
        loss, dx = ref.layers.softmax_loss(out[f"{prefix}_x"], out[f"{prefix}_y"])
        out[f"{prefix}_loss"], out[f"{prefix}_dx"] = np.asarray(loss), dx
        for mistake in SOFTMAX_MISTAKES:
            loss, dx = _softmax_loss_with(mistake, out[f"{prefix}_x"], out[f"{prefix}_y"])
            out[mistake_key(f"{prefix}_loss", mistake)] = loss
            out[mistake_key(f"{prefix}_dx", mistake)] = dx
    return out


NO_SHIFT = ("loss and dx are what softmax gives without subtracting each row's max score first: "
            "np.exp overflows")
SOFTMAX_MISTAKES = {
    "no_shift": NO_SHIFT,           # log-sum-exp written without the shift
    "no_shift_probs": NO_SHIFT,     # probabilities exp(x) / sum(exp(x)) without the shift
    "log_of_probs": "the loss is what np.log of the probabilities gives: log(0) = -inf once a "
                    "probability underflows to 0",
    "dx_not_divided": "dx is N times too large: it is not divided by N",
}


def _softmax_loss_with(mistake: str, x, y):
    """The reference softmax loss with one known mistake: ``(loss, dx)`` (may hold inf/NaN)."""
    N, rows = x.shape[0], np.arange(x.shape[0])
    with np.errstate(all="ignore"):
        shifted = x if mistake in ("no_shift", "no_shift_probs") else x - x.max(axis=1, keepdims=True)
        if mistake in ("no_shift_probs", "log_of_probs"):
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
            log_probs = np.log(probs)
        else:
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            probs = np.exp(log_probs)
        loss = -log_probs[rows, y].sum() / N
        dx = probs.copy()
        dx[rows, y] -= 1
        if mistake != "dx_not_divided":
            dx /= N
    return np.asarray(loss), dx


def _softmax_cases(ctx: CheckContext, cases, d: Diagnoses) -> list[str]:
    f = ctx.fixture()
    messages = []
    for label, prefix in cases:
        got = ctx.call("layers.softmax_loss", f[f"{prefix}_x"], f[f"{prefix}_y"])
        known = stored(f, (f"{prefix}_loss", f"{prefix}_dx"), SOFTMAX_MISTAKES)
        messages.append(_on(label, _loss_problems(got, f[f"{prefix}_loss"], f[f"{prefix}_dx"],
                                                  ctx.tolerance, "softmax_loss", d, known)))
    return [m for m in messages if m]


@check("softmax_loss.values", kind="value", fixture="softmax_loss",
       tolerance=1e-8)
def check_softmax_loss_values(ctx: CheckContext) -> Outcome:
    """softmax_loss's loss and dx match the reference on the §3.6 input and a fresh 7x4 input."""
    d = Diagnoses()
    messages = _softmax_cases(ctx, (("seed-231 notebook input (§3.6)", "nb"),
                                    ("fresh 7x4 input with scores of scale 3", "r")), d)
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)), hint=SOFTMAX_HINT)
    return Outcome.ok("loss and dx match the reference")


@check("softmax_loss.large_logits", kind="value", fixture="softmax_loss", tolerance=1e-8)
def check_softmax_loss_large_logits(ctx: CheckContext) -> Outcome:
    """softmax_loss stays finite and matches the reference when whole rows of scores are near +-1000."""
    d = Diagnoses()
    messages = _softmax_cases(ctx, (("scores near +-1000 (row by row)", "big"),), d)
    if messages:
        return Outcome.fail(d.message(messages[0]), hint="np.exp(1000) overflows: subtract each row's max "
                                               "score before exponentiating (digest §7.6)")
    return Outcome.ok("finite and correct for scores near +-1000")


@check("softmax_loss.log_sum_exp", kind="value", fixture="softmax_loss", tolerance=1e-8)
def check_softmax_loss_log_sum_exp(ctx: CheckContext) -> Outcome:
    """softmax_loss stays finite when a correct-class probability underflows (+1000 and -1000 in one row)."""
    d = Diagnoses()
    messages = _softmax_cases(ctx, (("scores mixing +1000 and -1000 in a row", "lse"),), d)
    if messages:
        return Outcome.fail(d.message(messages[0]),
                            hint="a probability of exp(-2000) is 0 in float64, so log(probs) is "
                                 "-inf: compute log-probabilities directly, "
                                 "shifted - log(sum(exp(shifted))) (log-sum-exp)")
    return Outcome.ok("finite and correct when probabilities underflow")


@check("softmax_loss.numeric_gradient", kind="gradient", fixture="softmax_loss", tolerance=1e-6)
def check_softmax_loss_numeric(ctx: CheckContext) -> Outcome:
    """softmax_loss's dx agrees with a numeric gradient of the student's own loss (§3.6 and fresh input)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix, max_coords in (("seed-231 notebook input (§3.6)", "nb", 40),
                                      ("fresh 7x4 input", "r", None)):
        x, y = f[f"{prefix}_x"], f[f"{prefix}_y"]
        result, problem = unpack("softmax_loss", ctx.call("layers.softmax_loss", x, y), 2)
        if problem:
            return Outcome.fail(problem, hint="return (loss, dx)")
        known = {"dx": stored(f, f"{prefix}_dx", {"dx_not_divided": SOFTMAX_MISTAKES["dx_not_divided"]})}
        messages.append(_on(label, _numeric_problems(ctx, "layers.softmax_loss", (x, y),
                                                     {"dx": result[1]}, {"dx": 0}, None,
                                                     ctx.tolerance, max_coords=max_coords, d=d,
                                                     candidates=known)))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages) + " (against a numeric gradient of "
                                      "your loss)"),
                            hint="dx = (probs - one_hot(y)) / N: did you divide by N?")
    return Outcome.ok("dx agrees with the numeric gradient of your loss")


# --------------------------------------------------------------------------------------------
# svm_loss
# --------------------------------------------------------------------------------------------

SVM_HINT = ("margins = max(0, x - x[i, y[i]] + 1) with the correct class's margin set to 0; "
            "loss = margins.sum() / N; dx is 1 where a margin is positive, minus the count of "
            "positive margins at the correct class, all divided by N")


@fixture("svm_loss")
def svm_loss_fixture(ref):
    """The seed-231 layer-test input (as §3.6) and a fresh input whose margins avoid the kinks."""
    out = {}
    rng = np.random.RandomState(231)  # the course's layer test: 0.001 * randn(50, 10), seed 231
    out["nb_x"], out["nb_y"] = 0.001 * rng.randn(50, 10), rng.randint(10, size=50)
    rng = np.random.RandomState(21)
    x, y = 1.5 * rng.randn(9, 6), rng.randint(6, size=9)
    # Move every margin x[i, j] - x[i, y[i]] + 1 (j != y[i]) at least 0.05 away from 0, where the
    # hinge has a kink and a subgradient convention would matter.
    margins = x - x[np.arange(9), y][:, None] + 1.0
    near = np.abs(margins) < 0.05
    near[np.arange(9), y] = False
    x[near] += 0.2
    out["r_x"], out["r_y"] = x, y
    for prefix in ("nb", "r"):
        loss, dx = ref.layers.svm_loss(out[f"{prefix}_x"], out[f"{prefix}_y"])
        out[f"{prefix}_loss"], out[f"{prefix}_dx"] = np.asarray(loss), dx
        loss, dx = _svm_loss_with_delta(out[f"{prefix}_x"], out[f"{prefix}_y"], 0.0)
        out[mistake_key(f"{prefix}_loss", "delta0")] = loss
        out[mistake_key(f"{prefix}_dx", "delta0")] = dx
    return out


SVM_MISTAKES = {"delta0": "loss and dx match the margin delta 0 instead of 1 "
                          "(max(0, s_j - s_y) instead of max(0, s_j - s_y + 1))"}


def _svm_loss_with_delta(x, y, delta: float):
    """The reference SVM loss with another margin ``delta``: ``(loss, dx)``."""
    N, rows = x.shape[0], np.arange(x.shape[0])
    margins = np.maximum(0, x - x[rows, y][:, np.newaxis] + delta)
    margins[rows, y] = 0
    active = margins > 0
    dx = active.astype(x.dtype)
    dx[rows, y] -= active.sum(axis=1)
    return np.asarray(margins.sum() / N), dx / N


@check("svm_loss.values", kind="value", fixture="svm_loss",
       tolerance=1e-8)
def check_svm_loss_values(ctx: CheckContext) -> Outcome:
    """svm_loss's loss and dx match the reference on the seed-231 input and a fresh 9x6 input (no kinks)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in (("seed-231 input", "nb"), ("fresh 9x6 input", "r")):
        got = ctx.call("layers.svm_loss", f[f"{prefix}_x"], f[f"{prefix}_y"])
        known = stored(f, (f"{prefix}_loss", f"{prefix}_dx"), SVM_MISTAKES)
        messages.append(_on(label, _loss_problems(got, f[f"{prefix}_loss"], f[f"{prefix}_dx"],
                                                  ctx.tolerance, "svm_loss", d, known)))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)), hint=SVM_HINT)
    return Outcome.ok("loss and dx match the reference")


@check("svm_loss.numeric_gradient", kind="gradient", fixture="svm_loss",
       tolerance=1e-6)
def check_svm_loss_numeric(ctx: CheckContext) -> Outcome:
    """svm_loss's dx agrees with a numeric gradient of the student's own loss, away from the kinks."""
    f = ctx.fixture()
    messages = []
    for label, prefix, max_coords in (("seed-231 input", "nb", 40), ("fresh 9x6 input", "r", None)):
        x, y = f[f"{prefix}_x"], f[f"{prefix}_y"]
        result, problem = unpack("svm_loss", ctx.call("layers.svm_loss", x, y), 2)
        if problem:
            return Outcome.fail(problem, hint="return (loss, dx)")
        messages.append(_on(label, _numeric_problems(ctx, "layers.svm_loss", (x, y),
                                                     {"dx": result[1]}, {"dx": 0}, None,
                                                     ctx.tolerance, max_coords=max_coords)))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(" | ".join(messages) + " (against a numeric gradient of your loss)",
                            hint=SVM_HINT)
    return Outcome.ok("dx agrees with the numeric gradient of your loss")


# --------------------------------------------------------------------------------------------
# dropout (p is the KEEP probability, digest §1.2 and §2.1)
# --------------------------------------------------------------------------------------------

DROPOUT_STAT_PS = (0.3, 0.6, 0.75, 0.9)  # §3.14's three values, plus a fresh one
DROPOUT_SEEDED = (("nb", 0.8, 123), ("r", 0.35, 7))  # §3.15's p and seed, plus fresh ones
DROPOUT_HINT = ("mask = (np.random.rand(*x.shape) < p) / p keeps each unit with probability p "
                "and scales it by 1/p; out = x * mask in train mode, out = x in test mode")


@fixture("dropout")
def dropout_fixture(ref):
    """§3.14 statistics input, §3.15 seeded input, a fresh 3-D input, and reference outputs."""
    out = {}
    rng = np.random.RandomState(231)
    out["stat_x"] = rng.randn(500, 500) + 10  # §3.14
    out["stat_ps"] = np.array(DROPOUT_STAT_PS)
    out["stat_keep"] = out["stat_ps"]  # expected fraction of units kept: p (keep semantics)
    out["stat_mean"] = np.asarray(out["stat_x"].mean())
    rng = np.random.RandomState(151)
    out["nb_x"], out["nb_dout"] = rng.randn(10, 10) + 10, rng.randn(10, 10)  # §3.15
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
    # No exact zeros in x, so out / x recovers the applied mask (digest §7.7).
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


def _as_mask(values: np.ndarray, p: float) -> bool:
    """True when every value is 0 or 1/p and both occur: a dropout mask, as applied to ones."""
    zero, kept = np.isclose(values, 0.0, atol=1e-12), np.isclose(values, 1.0 / p, rtol=1e-9)
    return bool(np.all(zero | kept) and zero.any() and kept.any())


@check("dropout_forward.train_statistics", kind="value", fixture="dropout", tolerance=0.01)
def check_dropout_forward_train_statistics(ctx: CheckContext) -> Outcome:
    """Train-mode dropout keeps a fraction p of the units (p = KEEP probability) and keeps the mean (§3.14)."""
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
        return Outcome.fail(d.message("on the 500x500 input of §3.14 (mean about 10): " +
                                      "; ".join(problems)),
                            hint="; ".join(sorted(hints)) or DROPOUT_HINT)
    return Outcome.ok("keep fraction and mean are right for p in " +
                      ", ".join(str(p) for p in f["stat_ps"]))


@check("dropout_forward.test_mode", kind="value", fixture="dropout", tolerance=0.0)
def check_dropout_forward_test_mode(ctx: CheckContext) -> Outcome:
    """In test mode dropout returns its input unchanged (no mask, no scaling), for several p and shapes."""
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
            arr, _ = as_array("out", got, x.shape)
            if arr is not None and np.all(x != 0) and _as_mask(arr / x, p):
                d.add("test-mode out is x times a dropout mask (values 0 and 1/p): test mode "
                      "applies no mask")
    if problems:
        return Outcome.fail(d.message("test mode: " + "; ".join(problems)),
                            hint="in test mode out = x: inverted dropout already scaled at train time")
    return Outcome.ok("test mode returns x unchanged")


@check("dropout_forward.seeded_mask", kind="value", fixture="dropout", tolerance=1e-12)
def check_dropout_forward_seeded_mask(ctx: CheckContext) -> Outcome:
    """With dropout_param['seed'] the output is reproducible and equals the course's mask draw."""
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for prefix, p, seed in DROPOUT_SEEDED:
        x, label = f[f"{prefix}_x"], f"input of shape {f[f'{prefix}_x'].shape}, p={p}, seed={seed}"
        param = {"mode": "train", "p": p, "seed": seed}
        first, second = ctx.map("layers.dropout_forward", [(x, param), (x, param)], select=0)
        a, problem = as_array("out", first, x.shape)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        b, _ = as_array("out", second, x.shape)
        if b is None or not np.array_equal(a, b):
            problems.append(f"{label}: two calls with the same seed gave different outputs")
            continue
        problem = d.compare("out", a, f[f"{prefix}_out"], ctx.tolerance,
                            stored(f, f"{prefix}_out", DROPOUT_MISTAKES))
        if problem:
            problems.append(f"{label}: {problem}")
    if problems:
        return Outcome.fail(d.message("; ".join(problems)),
                            hint="if 'seed' in dropout_param call np.random.seed(seed) first, then "
                                 "draw mask = (np.random.rand(*x.shape) < p) / p once")
    return Outcome.ok("seeded outputs are reproducible and match the reference")


@check("dropout_backward.values", kind="value",
       fixture="dropout", tolerance=1e-12)
def check_dropout_backward_values(ctx: CheckContext) -> Outcome:
    """dropout_backward matches the reference in train mode (seeded, §3.15) and in test mode."""
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for prefix, p, seed in DROPOUT_SEEDED:
        x, dout = f[f"{prefix}_x"], f[f"{prefix}_dout"]
        for mode, key in (("train", "dx"), ("test", "test_dx")):
            _, cache = _forward(ctx, "layers.dropout_forward", x, {"mode": mode, "p": p, "seed": seed})
            dx = ctx.call("layers.dropout_backward", dout, cache)
            known = stored(f, f"{prefix}_dx", DROPOUT_MISTAKES) if mode == "train" else None
            problem = d.compare("dx", dx, f[f"{prefix}_{key}"], ctx.tolerance, known)
            if problem:
                problems.append(f"{mode} mode, input of shape {x.shape}, p={p}: {problem}")
    if problems:
        return Outcome.fail(d.message("; ".join(problems)),
                            hint="dx = dout * mask in train mode (the mask holds the 1/p), "
                                 "dx = dout in test mode")
    return Outcome.ok("dx matches in train and test mode")


@check("dropout_backward.numeric_gradient", kind="gradient",
       fixture="dropout", tolerance=1e-8)
def check_dropout_backward_numeric(ctx: CheckContext) -> Outcome:
    """dropout_backward agrees with a numeric gradient of the student's seeded dropout_forward (§3.15)."""
    f = ctx.fixture()
    _, p, seed = DROPOUT_SEEDED[0]
    x, dout = f["nb_x"], f["nb_dout"]
    param = {"mode": "train", "p": p, "seed": seed}
    _, cache = _forward(ctx, "layers.dropout_forward", x, param)
    dx = ctx.call("layers.dropout_backward", dout, cache)
    problems = _numeric_problems(ctx, "layers.dropout_forward", (x, param), {"dx": dx}, {"dx": 0},
                                 dout, ctx.tolerance)
    if problems:
        return Outcome.fail(f"on the §3.15 input (p={p}, seed={seed}): " + join_problems(problems) +
                            " against a numeric gradient of your dropout_forward",
                            hint="dx = dout * mask, with the same mask (and 1/p) as the forward pass")
    return Outcome.ok("dx agrees with the numeric gradient")


@check("dropout_backward.uses_forward_mask", kind="value",
       fixture="dropout", tolerance=1e-10)
def check_dropout_backward_uses_forward_mask(ctx: CheckContext) -> Outcome:
    """Unseeded, dropout_backward applies the very mask the forward applied: dx = out / x * dout (§7.7)."""
    f = ctx.fixture()
    x, dout = f["c_x"], f["c_dout"]
    problems, d = [], Diagnoses()
    for p in (0.6, 0.25):
        out, cache = _forward(ctx, "layers.dropout_forward", x, {"mode": "train", "p": p})
        out, problem = as_array("out", out, x.shape)
        if problem:
            problems.append(f"p={p}: {problem}")
            continue
        dx = ctx.call("layers.dropout_backward", dout, cache)
        problem = compare_array("dx", dx, out / x * dout, ctx.tolerance)
        if problem:
            problems.append(f"p={p}: {problem} against out / x * dout")
            arr, _ = as_array("dx", dx, x.shape)
            if arr is not None and np.all(dout != 0) and _as_mask(arr / dout, p):
                d.add("dx is dout times a dropout mask, but not the one the forward pass applied: "
                      "a new mask was drawn")
    if problems:
        return Outcome.fail(d.message("unseeded call on a 6x7 input without zeros: " +
                                      "; ".join(problems)),
                            hint="store the mask the forward pass applied in the cache and reuse it; "
                                 "never draw a new mask in the backward pass")
    return Outcome.ok("backward reuses the forward mask")


# --------------------------------------------------------------------------------------------
# batch normalisation
# --------------------------------------------------------------------------------------------

BN_FRESH = {"momentum": 0.7, "eps": 1e-3}
BN_HINT = ("train mode: mu = x.mean(axis=0), var = x.var(axis=0) (biased), "
           "out = gamma * (x - mu) / sqrt(var + eps) + beta")


def _relu_net_activations(rng, n, d1, d2, d3):
    """The notebook's test activations: relu(X @ W1) @ W2 with X, W1, W2 drawn in that order."""
    X = rng.randn(n, d1)
    W1 = rng.randn(d1, d2)
    W2 = rng.randn(d2, d3)
    return np.maximum(0, X @ W1) @ W2


@fixture("batchnorm")
def batchnorm_fixture(ref):
    """The course notebook's inputs (seed 231) and fresh ones with other N, D, momentum and eps."""
    L = ref.layers
    out = {}
    # Notebook "per-feature" test: a = relu(X W1) W2 of shape (200, 3), gamma [1, 2, 3], beta [11, 12, 13].
    out["st_a"] = _relu_net_activations(np.random.RandomState(231), 200, 50, 60, 3)
    out["st_gamma"], out["st_beta"] = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    st_out = L.batchnorm_forward(out["st_a"], out["st_gamma"], out["st_beta"], {"mode": "train"})[0]
    out["st_mean"], out["st_std"] = st_out.mean(axis=0), st_out.std(axis=0)
    st_out = _batchnorm_train_with("ddof1", out["st_a"], out["st_gamma"], out["st_beta"], {})[0]
    out[mistake_key("st_std", "ddof1")] = st_out.std(axis=0)
    # Notebook backward input: seed 231, N, D = 4, 5; x = 5 randn + 12, gamma, beta, dout randn.
    rng = np.random.RandomState(231)
    out["nb_x"] = 5 * rng.randn(4, 5) + 12
    out["nb_gamma"], out["nb_beta"], out["nb_dout"] = rng.randn(5), rng.randn(5), rng.randn(4, 5)
    # Fresh: N=9, D=6 with running averages already present, momentum 0.7 and eps 1e-3.
    rng = np.random.RandomState(31)
    out["r_x"] = 3 * rng.randn(9, 6) - 2
    out["r_gamma"], out["r_beta"], out["r_dout"] = rng.randn(6), rng.randn(6), rng.randn(9, 6)
    out["r_rm"], out["r_rv"] = rng.randn(6), rng.rand(6) + 0.5
    # Test mode: fresh N=5, D=8 with given running averages.
    rng = np.random.RandomState(32)
    out["t_x"], out["t_gamma"], out["t_beta"] = 2 * rng.randn(5, 8) + 1, rng.randn(8), rng.randn(8)
    out["t_rm"], out["t_rv"] = rng.randn(8), rng.rand(8) + 0.5
    # Fresh backward input with N != D and few examples: N=10, D=3.
    rng = np.random.RandomState(33)
    out["b_x"], out["b_gamma"], out["b_beta"] = rng.randn(10, 3) * 4, rng.randn(3), rng.randn(3)
    out["b_dout"] = rng.randn(10, 3)

    for prefix in ("nb", "r", "b"):
        param = _bn_param(out, prefix, "train")
        fwd, cache = L.batchnorm_forward(out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                         out[f"{prefix}_beta"], param)
        out[f"{prefix}_out"], out[f"{prefix}_rm_after"], out[f"{prefix}_rv_after"] = (
            fwd, param["running_mean"], param["running_var"])
        out[f"{prefix}_dx"], out[f"{prefix}_dgamma"], out[f"{prefix}_dbeta"] = L.batchnorm_backward(
            out[f"{prefix}_dout"], cache)
        for mistake in ("ddof1", "swapped"):
            fwd, rm, rv = _batchnorm_train_with(mistake, out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                                out[f"{prefix}_beta"], _bn_param(out, prefix, "train"))
            out[mistake_key(f"{prefix}_out", mistake)] = fwd
            out[mistake_key(f"{prefix}_rm_after", mistake)] = rm
            out[mistake_key(f"{prefix}_rv_after", mistake)] = rv
        for mistake in ("no_var_path", "no_mean_path"):
            out[mistake_key(f"{prefix}_dx", mistake)] = _batchnorm_dx_with(
                mistake, out[f"{prefix}_dout"], out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                _bn_param(out, prefix, "train"))
    param = _bn_param(out, "t", "test")
    out["t_out"] = L.batchnorm_forward(out["t_x"], out["t_gamma"], out["t_beta"], param)[0]
    out[mistake_key("t_out", "batch_stats")] = _batchnorm_train_with(
        "batch_stats", out["t_x"], out["t_gamma"], out["t_beta"], param)[0]
    return out


UNBIASED = "the unbiased variance (ddof=1, divided by N - 1) is used; batchnorm uses the biased x.var(axis=0)"
BN_MISTAKES = {
    "ddof1": UNBIASED,
    "swapped": "the running averages weight the NEW batch statistics by momentum (momentum and "
               "1 - momentum swapped)",
    "batch_stats": "test-mode out matches normalising with the batch statistics instead of "
                   "running_mean and running_var",
    "no_var_path": "dx matches the formula without the path through the variance "
                   "(the x_hat * mean(dout * x_hat) term is missing)",
    "no_mean_path": "dx matches the formula without the path through the batch mean "
                    "(the mean(dout) term is missing)",
}


def _batchnorm_train_with(mistake: str, x, gamma, beta, bn_param: dict):
    """Train-mode batchnorm of the reference with one known mistake: ``(out, running_mean,
    running_var)``; ``"batch_stats"`` is a TEST-mode call that normalises with the batch statistics."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1]))
    running_var = bn_param.get("running_var", np.zeros(x.shape[1]))
    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1 if mistake == "ddof1" else 0)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    keep = 1 - momentum if mistake == "swapped" else momentum
    return out, keep * running_mean + (1 - keep) * mean, keep * running_var + (1 - keep) * var


def _batchnorm_dx_with(mistake: str, dout, x, gamma, bn_param: dict):
    """batchnorm's dx (train mode) with the path through the variance or the mean left out."""
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + bn_param.get("eps", 1e-5))
    std = np.sqrt(x.var(axis=0) + bn_param.get("eps", 1e-5))
    mean_term = 0.0 if mistake == "no_mean_path" else dout.mean(axis=0)
    var_term = 0.0 if mistake == "no_var_path" else x_hat * (dout * x_hat).mean(axis=0)
    return (gamma / std) * (dout - mean_term - var_term)


def _bn_grad_candidates(f, prefix: str) -> dict:
    """Known mistakes' dx, dgamma and dbeta for a batchnorm backward case."""
    n = f[f"{prefix}_dout"].shape[0]
    return {"dx": stored(f, f"{prefix}_dx", BN_MISTAKES),
            "dgamma": scaled(f[f"{prefix}_dgamma"], _mean_not_sum("dgamma", n)),
            "dbeta": scaled(f[f"{prefix}_dbeta"], _mean_not_sum("dbeta", n))}


def _bn_param(f, prefix: str, mode: str) -> dict:
    """The bn_param a case uses: defaults for the notebook inputs, BN_FRESH and running stats otherwise."""
    if prefix in ("nb", "b", "st"):
        return {"mode": mode}
    return {"mode": mode, **BN_FRESH, "running_mean": np.array(f[f"{prefix}_rm"]),
            "running_var": np.array(f[f"{prefix}_rv"])}


BN_TRAIN_CASES = (("notebook input (seed 231, N=4, D=5, default bn_param)", "nb"),
                  ("fresh input (N=9, D=6, momentum 0.7, eps 1e-3)", "r"))


@check("batchnorm_forward.train_values", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_train_values(ctx: CheckContext) -> Outcome:
    """batchnorm_forward in train mode matches the reference (notebook input, and fresh N, D, eps)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in BN_TRAIN_CASES:
        out, _ = _forward(ctx, "layers.batchnorm_forward", f[f"{prefix}_x"], f[f"{prefix}_gamma"],
                          f[f"{prefix}_beta"], _bn_param(f, prefix, "train"))
        messages.append(_on(label, [p for p in [d.compare("out", out, f[f"{prefix}_out"], ctx.tolerance,
                                                          stored(f, f"{prefix}_out", BN_MISTAKES))] if p]))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)),
                            hint=BN_HINT + "; read eps from bn_param (default 1e-5)")
    return Outcome.ok("train-mode output matches")


@check("batchnorm_forward.running_averages", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_running_averages(ctx: CheckContext) -> Outcome:
    """Train mode stores running_mean/var = momentum * old + (1 - momentum) * batch stats in bn_param."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in BN_TRAIN_CASES:
        _, _, after = _forward_with_args(ctx, "layers.batchnorm_forward", f[f"{prefix}_x"],
                                         f[f"{prefix}_gamma"], f[f"{prefix}_beta"],
                                         _bn_param(f, prefix, "train"))
        param = after[3]
        if not isinstance(param, dict):
            return Outcome.fail("bn_param is no longer a dict after the call")
        problems = []
        for key, name in (("rm", "running_mean"), ("rv", "running_var")):
            if name not in param:
                problems.append(f"bn_param has no '{name}' after the call")
            else:
                problems.append(compare_array(f"bn_param['{name}']", param[name],
                                              f[f"{prefix}_{key}_after"], ctx.tolerance))
        problems = [p for p in problems if p]
        if problems and "running_mean" in param and "running_var" in param:
            keys = (f"{prefix}_rm_after", f"{prefix}_rv_after")
            d.check((param["running_mean"], param["running_var"]), stored(f, keys, BN_MISTAKES),
                    expected=tuple(f[k] for k in keys))
        messages.append(_on(label, problems))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)),
                            hint="running_mean = momentum * running_mean + (1 - momentum) * mu "
                                 "(and the same for var, biased); start from zeros of shape (D,) "
                                 "and store both back in bn_param")
    return Outcome.ok("running averages are updated with the momentum")


@check("batchnorm_forward.test_mode", kind="value", fixture="batchnorm", tolerance=1e-8)
def check_batchnorm_forward_test_mode(ctx: CheckContext) -> Outcome:
    """In test mode batchnorm normalises with the running averages and leaves them unchanged."""
    f = ctx.fixture()
    out, _, after = _forward_with_args(ctx, "layers.batchnorm_forward", f["t_x"], f["t_gamma"],
                                       f["t_beta"], _bn_param(f, "t", "test"))
    d = Diagnoses()
    problems = [d.compare("out", out, f["t_out"], ctx.tolerance, stored(f, "t_out", BN_MISTAKES))]
    param = after[3]
    for key, name in (("rm", "running_mean"), ("rv", "running_var")):
        value = param.get(name) if isinstance(param, dict) else None
        if value is not None and compare_array(name, value, f[f"t_{key}"], 0.0):
            problems.append(f"test mode changed bn_param['{name}']")
    problems = [p for p in problems if p]
    if problems:
        return Outcome.fail(d.message("test mode on a fresh 5x8 input with given running averages: " +
                                      join_problems(problems)),
                            hint="test mode: out = gamma * (x - running_mean) / sqrt(running_var + eps) "
                                 "+ beta; do not use the batch statistics, do not update the averages")
    return Outcome.ok("test mode uses the running averages and keeps them")


@check("batchnorm_forward.per_feature_stats", kind="value", fixture="batchnorm", tolerance=1e-6)
def check_batchnorm_forward_per_feature_stats(ctx: CheckContext) -> Outcome:
    """Train-mode outputs have per-feature means beta and stds gamma (the notebook's 200x3 test)."""
    f = ctx.fixture()
    out, _ = _forward(ctx, "layers.batchnorm_forward", f["st_a"], f["st_gamma"], f["st_beta"],
                      {"mode": "train"})
    arr, problem = as_array("out", out, f["st_a"].shape)
    if problem:
        return Outcome.fail(problem)
    d = Diagnoses()
    problems = [compare_array("per-feature mean of out", arr.mean(axis=0), f["st_mean"], ctx.tolerance),
                d.compare("per-feature std of out", arr.std(axis=0), f["st_std"], ctx.tolerance,
                          stored(f, "st_std", {"ddof1": UNBIASED}))]
    problems = [p for p in problems if p]
    if problems:
        return Outcome.fail(d.message("on the notebook's 200x3 activations with gamma [1, 2, 3] and "
                                      "beta [11, 12, 13] (means should be beta, stds gamma): " +
                                      join_problems(problems)),
                            hint="normalise each feature (axis=0) with the biased variance x.var(axis=0)")
    return Outcome.ok("per-feature means and stds are beta and gamma")


def _bn_backward_check(ctx: CheckContext, target: str) -> Outcome:
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in (("notebook input (seed 231, N=4, D=5)", "nb"), ("fresh input (N=10, D=3)", "b")):
        _, cache = _forward(ctx, "layers.batchnorm_forward", f[f"{prefix}_x"], f[f"{prefix}_gamma"],
                            f[f"{prefix}_beta"], {"mode": "train"})
        got = ctx.call(target, f[f"{prefix}_dout"], cache)
        expected = {n: f[f"{prefix}_{n}"] for n in ("dx", "dgamma", "dbeta")}
        messages.append(_on(label, _grad_problems(got, expected, ("dx", "dgamma", "dbeta"),
                                                  ctx.tolerance, target.rsplit(".", 1)[-1], d,
                                                  _bn_grad_candidates(f, prefix))))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)),
                            hint="dbeta = dout.sum(axis=0), dgamma = (dout * x_hat).sum(axis=0); dx "
                                 "has three paths: through x_hat, the mean and the variance")
    return Outcome.ok("dx, dgamma and dbeta match the reference")


def _bn_numeric_check(ctx: CheckContext, target: str) -> Outcome:
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for label, prefix in (("notebook input (seed 231, N=4, D=5)", "nb"), ("fresh input (N=10, D=3)", "b")):
        args = (f[f"{prefix}_x"], f[f"{prefix}_gamma"], f[f"{prefix}_beta"], {"mode": "train"})
        _, cache = _forward(ctx, "layers.batchnorm_forward", *args)
        grads, problem = unpack(target.rsplit(".", 1)[-1],
                                ctx.call(target, f[f"{prefix}_dout"], cache), 3)
        if problem:
            return Outcome.fail(problem, hint="return dx, dgamma, dbeta")
        analytic = dict(zip(("dx", "dgamma", "dbeta"), grads))
        messages.append(_on(label, _numeric_problems(
            ctx, "layers.batchnorm_forward", args, analytic, {"dx": 0, "dgamma": 1, "dbeta": 2},
            f[f"{prefix}_dout"], ctx.tolerance, d=d,
            candidates={"dx": stored(f, f"{prefix}_dx", BN_MISTAKES)}, batch_sums=("dgamma", "dbeta"))))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages) + " (against a numeric gradient of your "
                                      "batchnorm_forward in train mode)"),
                            hint="dbeta is a sum over the batch, not a mean; dx must include the "
                                 "paths through the batch mean and variance")
    return Outcome.ok("gradients agree with the numeric gradient of your forward")


@check("batchnorm_backward.values", kind="value",
       fixture="batchnorm",
       tolerance=1e-8)
def check_batchnorm_backward_values(ctx: CheckContext) -> Outcome:
    """batchnorm_backward's dx, dgamma, dbeta match the reference (notebook input and N=10, D=3)."""
    return _bn_backward_check(ctx, "layers.batchnorm_backward")


@check("batchnorm_backward.numeric_gradient", kind="gradient",
       fixture="batchnorm",
       tolerance=1e-6)
def check_batchnorm_backward_numeric(ctx: CheckContext) -> Outcome:
    """batchnorm_backward agrees with a numeric gradient of the student's own batchnorm_forward."""
    return _bn_numeric_check(ctx, "layers.batchnorm_backward")


@check("batchnorm_backward_alt.values", kind="value",
       fixture="batchnorm",
       tolerance=1e-8)
def check_batchnorm_backward_alt_values(ctx: CheckContext) -> Outcome:
    """batchnorm_backward_alt's dx, dgamma, dbeta match the reference (notebook input and N=10, D=3)."""
    return _bn_backward_check(ctx, "layers.batchnorm_backward_alt")


@check("batchnorm_backward_alt.numeric_gradient", kind="gradient",
       fixture="batchnorm",
       tolerance=1e-6)
def check_batchnorm_backward_alt_numeric(ctx: CheckContext) -> Outcome:
    """batchnorm_backward_alt agrees with a numeric gradient of the student's own batchnorm_forward."""
    return _bn_numeric_check(ctx, "layers.batchnorm_backward_alt")


# --------------------------------------------------------------------------------------------
# layer normalisation
# --------------------------------------------------------------------------------------------

LN_HINT = ("normalise each example (row, axis=1, keepdims=True) over its D features: "
           "x_hat = (x - mean) / sqrt(var + eps); out = gamma * x_hat + beta")


@fixture("layernorm")
def layernorm_fixture(ref):
    """The notebook's inputs (seed 231, N=4, D=3 forward; N=4, D=5 backward) and fresh ones, N != D."""
    L = ref.layers
    out = {}
    out["nb_x"] = _relu_net_activations(np.random.RandomState(231), 4, 50, 60, 3)
    out["nb_gamma"], out["nb_beta"] = np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0, 7.0])
    rng = np.random.RandomState(231)
    out["bw_x"] = 5 * rng.randn(4, 5) + 12
    out["bw_gamma"], out["bw_beta"], out["bw_dout"] = rng.randn(5), rng.randn(5), rng.randn(4, 5)
    rng = np.random.RandomState(41)
    out["r_x"], out["r_gamma"], out["r_beta"] = 2 * rng.randn(6, 9) + 1, rng.randn(9), rng.randn(9)
    out["r_dout"] = rng.randn(6, 9)
    for prefix in ("nb", "bw", "r"):
        fwd, cache = L.layernorm_forward(out[f"{prefix}_x"], out[f"{prefix}_gamma"],
                                         out[f"{prefix}_beta"], _ln_param(prefix))
        out[f"{prefix}_out"] = fwd
        eps = _ln_param(prefix).get("eps", 1e-5)
        out[mistake_key(f"{prefix}_out", "batch_axis")] = _layernorm_forward_with(
            "batch_axis", out[f"{prefix}_x"], out[f"{prefix}_gamma"], out[f"{prefix}_beta"], eps)
        if prefix != "nb":
            grads = L.layernorm_backward(out[f"{prefix}_dout"], cache)
            for name, value in zip(("dx", "dgamma", "dbeta"), grads):
                out[f"{prefix}_{name}"] = value
            for mistake in ("batch_axis", "batch_axis_both"):
                out[mistake_key(f"{prefix}_dx", mistake)] = _layernorm_dx_with(
                    mistake, out[f"{prefix}_dout"], out[f"{prefix}_x"], out[f"{prefix}_gamma"], eps)
    return out


OVER_BATCH = ("each feature is normalised over the batch (axis=0); layer norm normalises each "
              "example over its own features (axis=1)")
LN_MISTAKES = {"batch_axis": OVER_BATCH}
LN_DX_MISTAKES = {"batch_axis": "dx takes means over the batch (axis=0); layer norm's dx takes them "
                                "over each example's features (axis=1)"}
LN_DX_MISTAKES["batch_axis_both"] = LN_DX_MISTAKES["batch_axis"]


def _layernorm_forward_with(mistake: str, x, gamma, beta, eps: float):
    """layernorm_forward of the reference with the statistics taken over the batch (axis=0)."""
    axis = 0 if mistake == "batch_axis" else 1
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _layernorm_dx_with(mistake: str, dout, x, gamma, eps: float):
    """layernorm's dx with the mean of dx_hat (``batch_axis``) or both means (``batch_axis_both``)
    taken over the batch axis instead of the features."""
    std = np.sqrt(x.var(axis=1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=1, keepdims=True)) / std
    dx_hat = dout * gamma
    second = 0 if mistake == "batch_axis_both" else 1
    return (dx_hat - dx_hat.mean(axis=0, keepdims=True)
            - x_hat * (dx_hat * x_hat).mean(axis=second, keepdims=True)) / std


def _ln_grad_candidates(f, prefix: str) -> dict:
    """Known mistakes' dx, dgamma and dbeta for a layernorm backward case."""
    n = f[f"{prefix}_dout"].shape[0]
    return {"dx": stored(f, f"{prefix}_dx", LN_DX_MISTAKES),
            "dgamma": scaled(f[f"{prefix}_dgamma"], _mean_not_sum("dgamma", n)),
            "dbeta": scaled(f[f"{prefix}_dbeta"], _mean_not_sum("dbeta", n))}


def _ln_param(prefix: str) -> dict:
    return {"eps": 1e-3} if prefix == "r" else {}


LN_CASES = {"nb": "notebook input (seed 231, N=4, D=3)", "bw": "notebook backward input (N=4, D=5)",
            "r": "fresh input (N=6, D=9, eps 1e-3)"}


@check("layernorm_forward.values", kind="value", fixture="layernorm", tolerance=1e-8)
def check_layernorm_forward_values(ctx: CheckContext) -> Outcome:
    """layernorm_forward normalises each example over its features and matches the reference (N != D)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for prefix, label in LN_CASES.items():
        out, _ = _forward(ctx, "layers.layernorm_forward", f[f"{prefix}_x"], f[f"{prefix}_gamma"],
                          f[f"{prefix}_beta"], _ln_param(prefix))
        messages.append(_on(label, [p for p in [d.compare("out", out, f[f"{prefix}_out"], ctx.tolerance,
                                                          stored(f, f"{prefix}_out", LN_MISTAKES))] if p]))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)), hint=LN_HINT)
    return Outcome.ok("out matches the reference")


@check("layernorm_backward.values", kind="value",
       fixture="layernorm",
       tolerance=1e-8)
def check_layernorm_backward_values(ctx: CheckContext) -> Outcome:
    """layernorm_backward's dx, dgamma, dbeta match the reference (notebook input and N=6, D=9)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for prefix in ("bw", "r"):
        _, cache = _forward(ctx, "layers.layernorm_forward", f[f"{prefix}_x"], f[f"{prefix}_gamma"],
                            f[f"{prefix}_beta"], _ln_param(prefix))
        got = ctx.call("layers.layernorm_backward", f[f"{prefix}_dout"], cache)
        expected = {n: f[f"{prefix}_{n}"] for n in ("dx", "dgamma", "dbeta")}
        messages.append(_on(LN_CASES[prefix], _grad_problems(got, expected, ("dx", "dgamma", "dbeta"),
                                                             ctx.tolerance, "layernorm_backward", d,
                                                             _ln_grad_candidates(f, prefix))))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages)),
                            hint="dgamma and dbeta sum over the batch (axis=0); dx takes means over "
                                 "the features of each example (axis=1)")
    return Outcome.ok("dx, dgamma and dbeta match the reference")


@check("layernorm_backward.numeric_gradient", kind="gradient",
       fixture="layernorm",
       tolerance=1e-6)
def check_layernorm_backward_numeric(ctx: CheckContext) -> Outcome:
    """layernorm_backward agrees with a numeric gradient of the student's own layernorm_forward."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    for prefix in ("bw", "r"):
        args = (f[f"{prefix}_x"], f[f"{prefix}_gamma"], f[f"{prefix}_beta"], _ln_param(prefix))
        _, cache = _forward(ctx, "layers.layernorm_forward", *args)
        grads, problem = unpack("layernorm_backward",
                                ctx.call("layers.layernorm_backward", f[f"{prefix}_dout"], cache), 3)
        if problem:
            return Outcome.fail(problem, hint="return dx, dgamma, dbeta")
        analytic = dict(zip(("dx", "dgamma", "dbeta"), grads))
        messages.append(_on(LN_CASES[prefix], _numeric_problems(
            ctx, "layers.layernorm_forward", args, analytic, {"dx": 0, "dgamma": 1, "dbeta": 2},
            f[f"{prefix}_dout"], ctx.tolerance, d=d,
            candidates={"dx": stored(f, f"{prefix}_dx", LN_DX_MISTAKES)}, batch_sums=("dgamma", "dbeta"))))
    messages = [m for m in messages if m]
    if messages:
        return Outcome.fail(d.message(" | ".join(messages) + " (against a numeric gradient of your "
                                      "layernorm_forward)"), hint=LN_HINT)
    return Outcome.ok("gradients agree with the numeric gradient of your forward")
