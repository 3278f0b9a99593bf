"""Checks for the losses of ``layers.py``: ``softmax_loss`` and ``svm_loss``."""
from __future__ import annotations

import numpy as np

from ..base import CheckContext, Outcome, check, fixture
from ..compare import unpack
from ..diagnosis import Diagnoses, mistake_key, stored
from ..toolkit import loss_problems, numeric_problems, on, over_cases, verdict

# --------------------------------------------------------------------------------------------
# softmax_loss
# --------------------------------------------------------------------------------------------

SOFTMAX_HINT = ("subtract each row's max score before exponentiating; the loss and dx are "
                "averages over the N examples")


@fixture("softmax_loss")
def softmax_loss_fixture(ref):
    """docs/courses.md §3.6 seed-231 input, a fresh input, rows of logits near +-1000, and rows mixing +-1000."""
    out = {}
    rng = np.random.RandomState(231)  # docs/courses.md §3.6: np.random.seed(231); 0.001 * randn(50, 10)
    out["nb_x"] = 0.001 * rng.randn(50, 10)
    out["nb_y"] = rng.randint(10, size=50)
    rng = np.random.RandomState(11)
    out["r_x"], out["r_y"] = 3.0 * rng.randn(7, 4), rng.randint(4, size=7)
    # Each row near +1000 or near -1000: exp overflows (or underflows to 0/0) without a max shift.
    rng = np.random.RandomState(12)
    offsets = np.array([1000.0, -1000.0, 1000.0, -1000.0, 1000.0, -1000.0])
    out["big_x"], out["big_y"] = offsets[:, None] + 3.0 * rng.randn(6, 5), rng.randint(5, size=6)
    # +1000 and -1000 in the same row, labels on both: a correct-class probability underflows to
    # 0, so log(probs) gives inf (docs/courses.md §7.6); log-sum-exp keeps the loss finite.
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
    from known_mistakes.losses import softmax_loss_with   # instructor-side (docs/deployment.md)

    return softmax_loss_with(mistake, x, y)


def loss_value_problems(ctx: CheckContext, target: str, prefix: str, mistakes: dict, d: Diagnoses) -> list[str]:
    """``(loss, dx)`` of the student's ``target(x, y)`` on case ``prefix`` against the reference;
    the known ``mistakes`` stored for the case are looked up in ``d``."""
    f = ctx.fixture()
    got = ctx.call(target, f[f"{prefix}_x"], f[f"{prefix}_y"])
    known = stored(f, (f"{prefix}_loss", f"{prefix}_dx"), mistakes)
    return loss_problems(got, f[f"{prefix}_loss"], f[f"{prefix}_dx"], ctx.tolerance,
                         target.rsplit(".", 1)[-1], d, known)


def loss_gradient_problems(ctx: CheckContext, target: str, prefix: str, max_coords: int | None,
                           d: Diagnoses | None = None, candidates: dict | None = None) -> list[str]:
    """dx of the student's ``target(x, y)`` against a numeric gradient of its own loss."""
    f = ctx.fixture()
    x, y = f[f"{prefix}_x"], f[f"{prefix}_y"]
    result, problem = unpack(target.rsplit(".", 1)[-1], ctx.call(target, x, y), 2)
    if problem:
        return [problem]
    return numeric_problems(ctx, target, (x, y), {"dx": result[1]}, {"dx": 0}, None, ctx.tolerance,
                            max_coords=max_coords, d=d, candidates=candidates)


def softmax_check(ctx: CheckContext, cases, ok: str, hint: str) -> Outcome:
    d = Diagnoses()
    messages = over_cases(cases, lambda prefix: loss_value_problems(ctx, "layers.softmax_loss", prefix,
                                                                    SOFTMAX_MISTAKES, d))
    return verdict(messages, ok, hint=hint, d=d)


@check("softmax_loss.values", kind="value", fixture="softmax_loss", tolerance=1e-8)
def check_softmax_loss_values(ctx: CheckContext) -> Outcome:
    """softmax_loss's loss and dx match the reference on the docs/courses.md §3.6 input and a fresh 7x4 input."""
    return softmax_check(ctx, (("seed-231 notebook input (docs/courses.md §3.6)", "nb"),
                               ("fresh 7x4 input with scores of scale 3", "r")),
                         "loss and dx match the reference", SOFTMAX_HINT)


@check("softmax_loss.large_logits", kind="value", fixture="softmax_loss", tolerance=1e-8)
def check_softmax_loss_large_logits(ctx: CheckContext) -> Outcome:
    """softmax_loss stays finite and matches the reference when whole rows of scores are near +-1000.

    Extra: the course's inputs stay finite without the max shift (docs/courses.md §2.1, §7.6);
    rubrics mark this check ``extra: true``.
    """
    return softmax_check(ctx, (("scores near +-1000 (row by row)", "big"),),
                         "finite and correct for scores near +-1000",
                         "np.exp(1000) overflows: subtract each row's max score before exponentiating")


@check("softmax_loss.numeric_gradient", kind="gradient", fixture="softmax_loss", tolerance=1e-6)
def check_softmax_loss_numeric(ctx: CheckContext) -> Outcome:
    """softmax_loss's dx agrees with a numeric gradient of the student's own loss (docs/courses.md §3.6 and fresh input)."""
    f, d = ctx.fixture(), Diagnoses()
    not_divided = {"dx_not_divided": SOFTMAX_MISTAKES["dx_not_divided"]}
    messages = [on(label, loss_gradient_problems(ctx, "layers.softmax_loss", prefix, max_coords, d,
                                                 {"dx": stored(f, f"{prefix}_dx", not_divided)}))
                for label, prefix, max_coords in (("seed-231 notebook input (docs/courses.md §3.6)", "nb", 40),
                                                  ("fresh 7x4 input", "r", None))]
    return verdict(messages, "dx agrees with the numeric gradient of your loss", d=d,
                   suffix=" (against a numeric gradient of your loss)",
                   hint="dx = (probs - one_hot(y)) / N: did you divide by N?")


# --------------------------------------------------------------------------------------------
# svm_loss
# --------------------------------------------------------------------------------------------

SVM_HINT = ("only positive margins count (margin delta 1), never the correct class's own; the "
            "loss and dx are averages over the N examples; the correct class's dx depends on how "
            "many margins are positive")


@fixture("svm_loss")
def svm_loss_fixture(ref):
    """The seed-231 layer-test input (as docs/courses.md §3.6) and a fresh input whose margins avoid the kinks."""
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
    from known_mistakes.losses import svm_loss_with_delta   # instructor-side (docs/deployment.md)

    return svm_loss_with_delta(x, y, delta)


SVM_CASES = (("seed-231 input", "nb"), ("fresh 9x6 input", "r"))


@check("svm_loss.values", kind="value", fixture="svm_loss", tolerance=1e-8)
def check_svm_loss_values(ctx: CheckContext) -> Outcome:
    """svm_loss's loss and dx match the reference on the seed-231 input and a fresh 9x6 input (no kinks).

    Requirement: svm_loss (docs/courses.md §2.1).
    """
    d = Diagnoses()
    messages = over_cases(SVM_CASES, lambda prefix: loss_value_problems(ctx, "layers.svm_loss", prefix,
                                                                        SVM_MISTAKES, d))
    return verdict(messages, "loss and dx match the reference", hint=SVM_HINT, d=d)


@check("svm_loss.numeric_gradient", kind="gradient", fixture="svm_loss", tolerance=1e-6)
def check_svm_loss_numeric(ctx: CheckContext) -> Outcome:
    """svm_loss's dx agrees with a numeric gradient of the student's own loss, away from the kinks.

    Requirement: svm_loss as given or written (docs/courses.md §2.1, §2.3).
    """
    messages = [on(label, loss_gradient_problems(ctx, "layers.svm_loss", prefix, max_coords))
                for (label, prefix), max_coords in zip(SVM_CASES, (40, None))]
    return verdict(messages, "dx agrees with the numeric gradient of your loss",
                   suffix=" (against a numeric gradient of your loss)", hint=SVM_HINT)
