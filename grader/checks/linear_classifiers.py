"""Checks for ``linear_svm.py``, ``softmax.py`` and ``linear_classifier.py`` (docs/courses.md §2.8, §3.19).

* Losses (naive and vectorised, SVM and softmax): loss and dW against the reference on a
  notebook-style dev batch (digits rows with a bias column, W = 1e-4 * randn, reg 5e-6, docs/courses.md §3.19)
  and on fresh batches (larger W, reg 0 and reg 50, another number of classes). The L2 term is
  ``reg * sum(W * W)`` with gradient ``2 * reg * W``: NO factor 0.5 (docs/courses.md §1.2, §7.11).
* A numeric gradient of the student's own loss at 20 sampled coordinates of W (65 x 10), with
  reg 0 and reg 50 as the notebook's ``grad_check_sparse`` does (docs/courses.md §3.19).
* Vectorised against the student's own naive version (the notebook's comparison, docs/courses.md §3.19, §7.12).
* Softmax: initial loss ~ log(C) for tiny weights; scores around +-1000 (max-shift needed);
  logits spread over +-1000 (log-sum-exp needed, docs/courses.md §7.6).
* LinearClassifier: one SGD step, loss history and lazy W shape, aligned minibatches (labels
  encoded in a feature, so misaligned X/y cannot learn), sampling with replacement (batch > N),
  predict = argmax of X @ W on weights set by the grader, and training accuracy on the digits,
  measured here from the student's final W.

The self-consistency checks (numeric gradient, vectorised against naive, the training loop on
the student's own loss) are gated on real work (docs/rubrics.md, "Real-work gates"): the
starter's ``loss = 0.0; dW = zeros`` agrees with itself, so a loss that does not change with W,
or a naive loss returning 0 or dW = 0, earns them nothing.

dW is compared with a scale-relative error, ``max|dW - dW_ref| / max|dW_ref|``: the SVM's dW is
a sum of +-X rows whose entries can cancel to nearly 0, where the element-wise rel_error of two
correct implementations reaches 5e-8.
"""
from __future__ import annotations

import math

import numpy as np

from .base import CheckContext, CheckInputError, Outcome, check, fixture
from .compare import as_array, unpack
from .diagnosis import Diagnoses, mistake_key, stored
from .numeric import coordinates, numeric_gradient
from .toolkit import (all_zero, changed_inputs, loss_problem, no_work, no_work_problem, register,
                      unchanged_verdict, verdict)
from ..sandbox import NotImplementedByStudent, StudentException

SVM_NAIVE = "classifiers.linear_svm.svm_loss_naive"
SVM_VECTORIZED = "classifiers.linear_svm.svm_loss_vectorized"
SOFTMAX_NAIVE = "classifiers.softmax.softmax_loss_naive"
SOFTMAX_VECTORIZED = "classifiers.softmax.softmax_loss_vectorized"
LINEAR_SVM = "classifiers.linear_classifier.LinearSVM"
SOFTMAX = "classifiers.linear_classifier.Softmax"
SEED = "numpy.random.seed"  # seeds the worker's global RNG (train samples from it)

LOSS_TARGETS = {"svm_loss_naive": SVM_NAIVE, "svm_loss_vectorized": SVM_VECTORIZED,
                "softmax_loss_naive": SOFTMAX_NAIVE, "softmax_loss_vectorized": SOFTMAX_VECTORIZED}
LOSS_HINTS = {   # direction only; the formulas are in rubrics/full-hints.yaml (hints: full)
    "svm": "the loss averages, over the examples, the positive margins (delta 1) of the wrong "
           "classes; each positive margin moves two columns of dW, its own class's and the "
           "correct class's",
    "softmax": "the loss averages the cross-entropy of the softmax probabilities over the "
               "examples; dW compares those probabilities with the correct classes",
}
REG_HINT = "regularisation is reg * np.sum(W * W) (NO factor 0.5) and its gradient is 2 * reg * W"

# The loss inputs: (label, fixture prefix). "nb" is the notebook-style dev batch (docs/courses.md §3.19).
LOSS_INPUTS = (("notebook-style dev batch (docs/courses.md §3.19: digits rows + bias, W = 1e-4 * randn, reg 5e-6)", "nb"),
               ("fresh batch with reg 0", "f0"),
               ("fresh batch with reg 50", "f50"),
               ("fresh 3-class batch with reg 0.7", "c3"))


def _scaled_error(got: np.ndarray, expected: np.ndarray) -> float:
    """``max|got - expected| / max|expected|`` (floor 1e-8): an error relative to the scale."""
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1e-8)
    return float(np.max(np.abs(got - expected))) / scale if expected.size else 0.0


def _grad_problem(name: str, value, expected: np.ndarray, tol: float) -> str | None:
    """``None`` when the gradient matches ``expected`` within ``tol`` (scale-relative)."""
    arr, problem = as_array(name, value, expected.shape)
    if problem:
        return problem
    if not np.all(np.isfinite(arr)):
        return f"{name} contains {int(arr.size - np.isfinite(arr).sum())} non-finite value(s)"
    err = _scaled_error(arr, expected)
    if err <= tol:
        return None
    return f"{name} has error {err:.2e} relative to its largest entry (tolerance {tol:.0e})"


def _loss_and_grad(name: str, result) -> tuple[object, object]:
    """Unpack ``(loss, dW)``; raise CheckInputError with a clear message otherwise."""
    values, problem = unpack(name, result, 2)
    if problem:
        raise CheckInputError(problem + " (return loss, dW)")
    return values[0], values[1]


# --------------------------------------------------------------------------------------------
# known mistakes (docs/courses.md §7.6, §7.11, §7.12): the reference losses with one mistake applied
# --------------------------------------------------------------------------------------------

NO_SHIFT = ("loss and dW are what softmax gives without subtracting each row's max score first: "
            "np.exp overflows")
LOSS_MISTAKES = {
    "svm": {
        "delta0": "loss and dW match the margin delta 0 instead of 1 "
                  "(max(0, s_j - s_y) instead of max(0, s_j - s_y + 1))",
        "no_correct_class": "dW misses the correct-class term: each positive margin must also "
                            "subtract X[i] from column y[i]",
        "half_reg_both": "loss and dW use the 0.5 * reg convention (0.5 * reg * sum(W * W), "
                         "gradient reg * W); this course uses reg * sum(W * W), gradient 2 * reg * W",
    },
    "softmax": {
        "half_reg_loss": "the loss uses 0.5 * reg * sum(W * W); this course's L2 term is "
                         "reg * sum(W * W) (gradient 2 * reg * W)",
        "half_reg_both": "loss and dW use the 0.5 * reg convention (0.5 * reg * sum(W * W), "
                         "gradient reg * W); this course uses reg * sum(W * W), gradient 2 * reg * W",
        "dW_not_divided": "the data part of dW is summed over the batch: it is not divided by N",
        "loss_summed": "the data loss is summed over the batch: it is not divided by N",
        "no_shift": NO_SHIFT,          # log-sum-exp written without the shift
        "no_shift_probs": NO_SHIFT,    # probabilities exp(s) / sum(exp(s)) without the shift
        "log_of_probs": "the loss is what np.log of the probabilities gives: log(0) = -inf once "
                        "a probability underflows to 0",
    },
}


def _loss_with(kind: str, mistake: str, W, X, y, reg: float):
    """The reference ``kind`` ("svm" or "softmax") loss with one known mistake: ``(loss, dW)``."""
    from known_mistakes.losses import linear_loss_with   # instructor-side (docs/deployment.md)

    return linear_loss_with(kind, mistake, W, X, y, reg)


def _store_mistakes(out: dict, prefix: str, kind: str, W, X, y, reg: float) -> None:
    for mistake in LOSS_MISTAKES[kind]:
        loss, dW = _loss_with(kind, mistake, W, X, y, reg)
        out[mistake_key(f"{prefix}_{kind}_loss", mistake)] = loss
        out[mistake_key(f"{prefix}_{kind}_dW", mistake)] = dW


def _loss_candidates(f, prefix: str, kind: str) -> dict:
    return stored(f, (f"{prefix}_{kind}_loss", f"{prefix}_{kind}_dW"), LOSS_MISTAKES[kind])


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


def _digits_features(X: np.ndarray) -> np.ndarray:
    """Flattened images with a bias column of ones appended: (N, D + 1) (docs/courses.md §2.10, S1 softmax)."""
    X = X.reshape(X.shape[0], -1)
    return np.hstack([X, np.ones((X.shape[0], 1))])


@fixture("linear_losses")
def linear_losses_fixture(ref):
    """The four loss inputs of LOSS_INPUTS, and every reference loss on each."""
    data = ref.data_utils.get_digits_data()
    X = _digits_features(data["X_train"])
    out = {}
    # docs/courses.md §3.19 on the digits: a dev batch drawn without replacement, W = 1e-4 * randn, reg 5e-6.
    idx = np.random.RandomState(0).choice(len(X), 32, replace=False)
    out.update(nb_X=X[idx], nb_y=data["y_train"][idx],
               nb_W=np.random.RandomState(1).randn(X.shape[1], 10) * 1e-4, nb_reg=np.float64(5e-6))
    # Fresh: D = 65 (64 features + bias), W large enough that SVM margins have both signs.
    rng = np.random.RandomState(5)
    Xf = np.hstack([rng.randn(25, 64), np.ones((25, 1))])
    yf, Wf = rng.randint(0, 10, size=25), rng.randn(65, 10) * 0.3
    out.update(f0_X=Xf, f0_y=yf, f0_W=Wf, f0_reg=np.float64(0.0))
    out.update(f50_X=Xf, f50_y=yf, f50_W=Wf, f50_reg=np.float64(50.0))
    # Fresh: C = 3, D = 4, every class present.
    Xc = np.hstack([rng.randn(9, 3), np.ones((9, 1))])
    out.update(c3_X=Xc, c3_y=np.array([0, 1, 2, 2, 1, 0, 2, 0, 1]), c3_W=rng.randn(4, 3) * 0.5,
               c3_reg=np.float64(0.7))
    functions = {"svm_loss_naive": ref.classifiers.linear_svm.svm_loss_naive,
                 "svm_loss_vectorized": ref.classifiers.linear_svm.svm_loss_vectorized,
                 "softmax_loss_naive": ref.classifiers.softmax.softmax_loss_naive,
                 "softmax_loss_vectorized": ref.classifiers.softmax.softmax_loss_vectorized}
    for _, p in LOSS_INPUTS:
        for name, func in functions.items():
            loss, dW = func(out[f"{p}_W"], out[f"{p}_X"], out[f"{p}_y"], float(out[f"{p}_reg"]))
            out[f"{p}_{name}_loss"], out[f"{p}_{name}_dW"] = np.float64(loss), dW
        for kind in LOSS_MISTAKES:
            _store_mistakes(out, p, kind, *_args(out, p))
    return out


def _args(f, prefix: str) -> tuple:
    return f[f"{prefix}_W"], f[f"{prefix}_X"], f[f"{prefix}_y"], float(f[f"{prefix}_reg"])


# --------------------------------------------------------------------------------------------
# loss values
# --------------------------------------------------------------------------------------------


def _half_reg_accepted(ctx: CheckContext) -> bool:
    """CS231n winter 2016's starter regularises the linear classifiers with 0.5 * reg (its notebook
    passes twice the reg of later years): the 2016-2017 variant accepts either (docs/courses.md §A4, §9.9)."""
    return ctx.selection is not None and ctx.selection.convention("linear_reg", "full") == "either"


def _kind(name: str) -> str:
    return "svm" if name.startswith("svm") else "softmax"


def _values_check(ctx: CheckContext, name: str) -> Outcome:
    f = ctx.fixture()
    kind = _kind(name)
    results = ctx.map(LOSS_TARGETS[name], [_args(f, p) for _, p in LOSS_INPUTS])
    messages, failed, d = [], [], Diagnoses()
    half_ok = _half_reg_accepted(ctx)
    for (label, p), result in zip(LOSS_INPUTS, results):
        loss, dW = _loss_and_grad(name, result)
        problems = [loss_problem(loss, float(f[f"{p}_{name}_loss"]), ctx.tolerance),
                    _grad_problem("dW", dW, f[f"{p}_{name}_dW"], ctx.tolerance)]
        problems = [q for q in problems if q]
        if problems and half_ok:
            half = (float(f[mistake_key(f"{p}_{kind}_loss", "half_reg_both")]),
                    f[mistake_key(f"{p}_{kind}_dW", "half_reg_both")])
            if not (loss_problem(loss, half[0], ctx.tolerance) or _grad_problem("dW", dW, half[1], ctx.tolerance)):
                problems = []
        if problems:
            failed.append(p)
            messages.append(f"on the {label}: " + "; ".join(problems))
            d.check((loss, dW), _loss_candidates(f, p, kind),
                    expected=(f[f"{p}_{name}_loss"], f[f"{p}_{name}_dW"]))
    if not messages:
        return Outcome.ok(f"{name}: loss and dW match the reference on {len(LOSS_INPUTS)} batches")
    # Only the regularised batch fails: the data term is right, the L2 term is not.
    hint = REG_HINT if failed == ["f50"] else LOSS_HINTS[kind] + "; " + REG_HINT
    return Outcome.fail(d.message(f"{name}: " + " | ".join(messages)), hint=hint)


for _name in LOSS_TARGETS:
    register(f"{_name}.values", f"{_name}'s loss and dW match the reference (dev batch, reg 0, reg 50, C = 3): the "
             "loss, its regulariser reg * sum(W**2) and gradient 2 * reg * W (docs/courses.md §2.8, §A1.2).",
             _values_check, _name, kind="value", fixture="linear_losses", tolerance=1e-8)


# --------------------------------------------------------------------------------------------
# numeric gradients of the student's own loss
# --------------------------------------------------------------------------------------------

NUMERIC_INPUTS = (("notebook-style dev batch with reg 0 (docs/courses.md §3.19)", "nb", 0.0),
                  ("fresh batch with reg 50 (docs/courses.md §3.19 checks reg 5e1)", "f50", 50.0))


def _numeric_check(ctx: CheckContext, name: str, num_coords: int = 20) -> Outcome:
    f = ctx.fixture()
    rng = ctx.rng
    problems, moved = [], False
    for label, p, reg in NUMERIC_INPUTS:
        W, X, y, _ = _args(f, p)
        _, dW = _loss_and_grad(name, ctx.call(LOSS_TARGETS[name], W, X, y, reg))
        dW, problem = as_array("dW", dW, W.shape)
        if problem:
            return Outcome.fail(f"{name} on the {label}: {problem}", hint="dW has the shape of W")
        coords = coordinates(W.size, num_coords, rng)
        # h = 1e-6: the dev batch's features reach ~200, so the O(h^2) term of h = 1e-5 is ~1e-7.
        numeric = numeric_gradient(ctx, LOSS_TARGETS[name], (W, X, y, reg), 0, h=1e-6, select=0,
                                   coords=coords)
        moved = moved or not all_zero(numeric)
        analytic = dW.reshape(-1)[coords]
        if not np.all(np.isfinite(analytic)):
            problems.append(f"on the {label}: dW contains non-finite values")
            continue
        err = _scaled_error(analytic, numeric)
        if err > ctx.tolerance:
            k = int(np.argmax(np.abs(analytic - numeric)))
            i, j = np.unravel_index(coords[k], W.shape)
            problems.append(f"on the {label}: dW differs from the numeric gradient by {err:.2e} "
                            f"of its largest entry (tolerance {ctx.tolerance:.0e}); worst at "
                            f"dW[{i}, {j}]: analytic {analytic[k]:.6g}, numeric {numeric[k]:.6g}")
    if not moved:   # a real-work gate (docs/rubrics.md): a constant loss has nothing to check
        return no_work(f"{name}'s loss does not change with W (its numeric gradient is 0 at every "
                       "sampled coordinate, with reg 0 and reg 50), so a zero dW agrees with it",
                       f"{name} computes the loss", hint=LOSS_HINTS[_kind(name)])
    if problems:
        only_reg = len(problems) == 1 and "reg 50" in problems[0]
        return Outcome.fail(f"{name}: " + " | ".join(problems) + " (numeric gradient of your "
                            f"own {name} at {num_coords} sampled coordinates of W)",
                            hint=REG_HINT if only_reg else
                            "dW must be the derivative of the loss your function returns")
    return Outcome.ok(f"{name}: dW agrees with the numeric gradient of your loss")


for _name in LOSS_TARGETS:
    register(f"{_name}.numeric_gradient",
             f"{_name}'s dW agrees with a numeric gradient of its own loss (reg 0 and 50), as the "
             "notebook's grad_check_sparse cell asks (docs/courses.md §2.3, §2.8).",
             _numeric_check, _name, kind="gradient", fixture="linear_losses", tolerance=1e-6)


# --------------------------------------------------------------------------------------------
# side effects: W, X and y unchanged (docs/courses.md §2.11)
# --------------------------------------------------------------------------------------------


def _input_unchanged_check(ctx: CheckContext, name: str) -> Outcome:
    rng = ctx.rng
    W, X, y = 0.01 * rng.randn(6, 4), rng.randn(9, 6) + 1.0, rng.randint(4, size=9)
    result, changed = changed_inputs(ctx, LOSS_TARGETS[name], (W, X, y, 0.3), ("W", "X", "y", "reg"))
    values, problem = unpack(name, result, 2)
    if not problem:
        dW, problem = as_array("dW", values[1], W.shape)
        problem = problem or no_work_problem("dW", dW)
    return unchanged_verdict(name, changed, problem)


for _name in LOSS_TARGETS:
    register(f"{_name}.input_unchanged",
             f"{_name} leaves the caller's W, X and y unchanged: the course's grad_check_sparse "
             "perturbs W in place and reuses X_dev (docs/courses.md §2.11).",
             _input_unchanged_check, _name, kind="value")


# --------------------------------------------------------------------------------------------
# vectorised against the student's own naive version (docs/courses.md §3.19, §7.12)
# --------------------------------------------------------------------------------------------


def _matches_naive_check(ctx: CheckContext, naive: str, vectorized: str) -> Outcome:
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for label, p in (LOSS_INPUTS[0], LOSS_INPUTS[2]):
        args = _args(f, p)
        W = args[0]
        loss_n, dW_n = _loss_and_grad(naive, ctx.call(LOSS_TARGETS[naive], *args))
        loss_v, dW_v = _loss_and_grad(vectorized, ctx.call(LOSS_TARGETS[vectorized], *args))
        loss_n, problem = as_array(f"{naive}'s loss", loss_n)
        if problem or loss_n.size != 1 or not np.isfinite(loss_n).all():
            return Outcome.fail(f"on the {label}: {naive} returned an unusable loss "
                                f"({problem or loss_n!r}); fix {naive} first")
        dW_n, problem = as_array(f"{naive}'s dW", dW_n, W.shape)
        if problem or not np.isfinite(dW_n).all():
            return Outcome.fail(f"on the {label}: {naive} returned an unusable dW "
                                f"({problem or 'non-finite values'}); fix {naive} first")
        if all_zero(loss_n) or all_zero(dW_n):   # a real-work gate (docs/rubrics.md)
            zero = "loss 0 and dW = 0" if all_zero(loss_n, dW_n) else \
                ("loss 0" if all_zero(loss_n) else "dW = 0")
            return no_work(f"on the {label}, your {naive} returns {zero}, which no finished "
                           f"{naive} gives there, so there is nothing to compare",
                           f"{naive} computes the loss and dW", hint=LOSS_HINTS[_kind(naive)])
        found = [loss_problem(loss_v, float(loss_n.reshape(())), ctx.tolerance),
                 _grad_problem("dW", dW_v, dW_n, ctx.tolerance)]
        found = [q for q in found if q]
        if found:
            problems.append(f"on the {label}: " + "; ".join(found))
            kind = _kind(naive)
            for function, got in ((naive, (loss_n, dW_n)), (vectorized, (loss_v, dW_v))):
                mistake = Diagnoses().check(got, _loss_candidates(f, p, kind),
                                            expected=(f[f"{p}_{function}_loss"], f[f"{p}_{function}_dW"]))
                d.add(mistake and f"in your {function}, {mistake}")
    if problems:
        return Outcome.fail(d.message(f"{vectorized} disagrees with your {naive} (the notebook's "
                                      "'difference' cell, docs/courses.md §3.19): " + " | ".join(problems)),
                            hint="both versions compute the same function: compare them on a "
                                 "small batch and look for a missing / N, reg term or max-shift")
    return Outcome.ok(f"{vectorized} agrees with your {naive}")


@check("svm_loss_vectorized.matches_naive", kind="value", fixture="linear_losses", tolerance=1e-8)
def check_svm_matches_naive(ctx: CheckContext) -> Outcome:
    """svm_loss_vectorized gives the same loss and dW as the student's own svm_loss_naive.

    Requirement: the notebook compares the two versions (docs/courses.md §A1.2, §7.12).
    """
    return _matches_naive_check(ctx, "svm_loss_naive", "svm_loss_vectorized")


@check("softmax_loss_vectorized.matches_naive", kind="value", fixture="linear_losses",
       tolerance=1e-8)
def check_softmax_matches_naive(ctx: CheckContext) -> Outcome:
    """softmax_loss_vectorized gives the same loss and dW as the student's own softmax_loss_naive.

    Requirement: the notebook compares the two versions (docs/courses.md §3.19, §7.12).
    """
    return _matches_naive_check(ctx, "softmax_loss_naive", "softmax_loss_vectorized")


# --------------------------------------------------------------------------------------------
# softmax: initial loss, large scores, extreme logits
# --------------------------------------------------------------------------------------------


@fixture("softmax_scores")
def softmax_scores_fixture(ref):
    """Tiny-weight batches (C = 10 and 7), scores offset by +-1000, logits spread over +-1000."""
    rng = np.random.RandomState(99)
    out = {}
    # Tiny weights: C = 10 on digits-like scale, and C = 7 on a fresh batch.
    out.update(i10_X=np.hstack([30.0 * rng.randn(30, 64), np.ones((30, 1))]),
               i10_y=rng.randint(0, 10, size=30), i10_W=1e-4 * rng.randn(65, 10))
    out.update(i7_X=np.hstack([rng.randn(12, 20), np.ones((12, 1))]),
               i7_y=rng.randint(0, 7, size=12), i7_W=1e-6 * rng.randn(21, 7))
    # Large scores: a +-1 "bias" column whose weights are 1000 for every class shifts each row's
    # scores by +-1000. Softmax is shift-invariant, so loss and dW equal those without the shift.
    X = np.hstack([rng.randn(8, 5), np.where(np.arange(8) % 2 == 0, 1.0, -1.0)[:, np.newaxis]])
    W = rng.randn(6, 5)
    W[-1, :] = 1000.0
    out.update(big_X=X, big_y=rng.randint(0, 5, size=8), big_W=W)
    loss, dW = ref.classifiers.softmax.softmax_loss_vectorized(W, X, out["big_y"], 0.0)
    out.update(big_vectorized_loss=np.float64(loss), big_vectorized_dW=dW)
    loss, dW = ref.classifiers.softmax.softmax_loss_naive(W, X, out["big_y"], 0.0)
    out.update(big_naive_loss=np.float64(loss), big_naive_dW=dW)
    # Extreme logits: scores spread over hundreds to thousands inside a row, so the correct
    # class's probability underflows to 0 (a log of it is -inf); log-sum-exp stays finite.
    X, W = rng.randn(6, 4), 600.0 * rng.randn(4, 5)
    y = np.argmin(X.dot(W), axis=1)  # the correct class has the lowest score: p_y underflows
    loss, dW = ref.classifiers.softmax.softmax_loss_vectorized(W, X, y, 0.0)
    out.update(ext_X=X, ext_y=y, ext_W=W, ext_loss=np.float64(loss), ext_dW=dW)
    for prefix in ("big", "ext"):
        _store_mistakes(out, prefix, "softmax", out[f"{prefix}_W"], out[f"{prefix}_X"],
                        out[f"{prefix}_y"], 0.0)
    return out


@check("softmax_loss_naive.initial_loss", kind="value", fixture="softmax_scores", tolerance=0.05)
def check_softmax_initial_loss(ctx: CheckContext) -> Outcome:
    """With tiny weights softmax_loss_naive's loss is close to log(C), for C = 10 and C = 7 (docs/courses.md §3.19)."""
    f = ctx.fixture()
    problems = []
    for C, p in ((10, "i10"), (7, "i7")):
        loss, _ = _loss_and_grad("softmax_loss_naive",
                                 ctx.call(SOFTMAX_NAIVE, f[f"{p}_W"], f[f"{p}_X"], f[f"{p}_y"], 0.0))
        arr, problem = as_array("loss", loss)
        if problem or arr.size != 1:
            return Outcome.fail(f"with C = {C}: {problem or 'loss should be a scalar'}")
        value = float(arr.reshape(()))
        if not (abs(value - math.log(C)) <= ctx.tolerance):
            problems.append(f"with C = {C} classes and tiny weights the loss is {value:.6g}, "
                            f"expected about log({C}) = {math.log(C):.6f}")
    return verdict(problems, "the initial loss is close to log(C)", sep="; ",
                   hint="with W ~ 0 all classes are equally likely, so the mean "
                        "cross-entropy is -log(1/C): average over the N examples")


def large_scores_check(ctx: CheckContext, name: str, prefix: str, expected_prefix: str,
                        label: str, hint: str) -> Outcome:
    """``name``'s loss and dW on the fixture case ``prefix`` against the reference's
    ``expected_prefix`` arrays; a failure is diagnosed against the stored known mistakes."""
    f = ctx.fixture()
    W = f[f"{prefix}_W"]
    loss, dW = _loss_and_grad(name, ctx.call(LOSS_TARGETS[name], W, f[f"{prefix}_X"],
                                             f[f"{prefix}_y"], 0.0))
    problems = [loss_problem(loss, float(f[f"{expected_prefix}_loss"]), ctx.tolerance),
                _grad_problem("dW", dW, f[f"{expected_prefix}_dW"], ctx.tolerance)]
    problems = [q for q in problems if q]
    if problems:
        d = Diagnoses()
        d.check((loss, dW), _loss_candidates(f, prefix, "softmax"),
                expected=(f[f"{expected_prefix}_loss"], f[f"{expected_prefix}_dW"]))
        return Outcome.fail(d.message(f"{name} with {label}: " + "; ".join(problems)), hint=hint)
    return Outcome.ok(f"{name} is stable with {label}")


SHIFT_HINT = ("subtract each row's maximum score before np.exp (softmax does not change), so "
              "exp never overflows to inf")


@check("softmax_loss_naive.large_scores", kind="value", fixture="softmax_scores", tolerance=1e-8)
def check_softmax_naive_large(ctx: CheckContext) -> Outcome:
    """softmax_loss_naive is finite and right when every score is shifted by +-1000 (docs/courses.md §7.6).

    Extra: the course's scores stay far from overflow (docs/courses.md §2.8, §7.6); rubrics mark
    this check ``extra: true``.
    """
    return large_scores_check(ctx, "softmax_loss_naive", "big", "big_naive",
                               "scores around +-1000", SHIFT_HINT)


@check("softmax_loss_vectorized.large_scores", kind="value", fixture="softmax_scores",
       tolerance=1e-8)
def check_softmax_vectorized_large(ctx: CheckContext) -> Outcome:
    """softmax_loss_vectorized is finite and right when every score is shifted by +-1000 (docs/courses.md §7.6).

    Extra: the course's scores stay far from overflow (docs/courses.md §2.8, §7.6); rubrics mark
    this check ``extra: true``.
    """
    return large_scores_check(ctx, "softmax_loss_vectorized", "big", "big_vectorized",
                               "scores around +-1000", SHIFT_HINT)


# --------------------------------------------------------------------------------------------
# LinearClassifier
# --------------------------------------------------------------------------------------------


@fixture("linear_classifier")
def linear_classifier_fixture(ref):
    """Inputs for train/predict; predictions of the reference on weights the grader sets."""
    rng = np.random.RandomState(4242)
    out = {}
    # predict: two weight matrices, scores without near-ties.
    for p, (N, D, C) in (("p1", (11, 7, 3)), ("p2", (40, 65, 10))):
        while True:
            X, W = rng.randn(N, D), rng.randn(D, C)
            scores = np.sort(X.dot(W), axis=1)
            if np.min(scores[:, -1] - scores[:, -2]) > 1e-3:
                break
        clf = ref.classifiers.linear_classifier.LinearSVM()
        clf.W = W
        out.update({f"{p}_X": X, f"{p}_W": W, f"{p}_pred": clf.predict(X)})
        out[mistake_key(f"{p}_pred", "axis0")] = np.argmax(X.dot(W), axis=0)
    # One SGD step: every row is the same example, so every minibatch is the same.
    out["step_X"] = np.tile(rng.randn(1, 5), (12, 1))
    out["step_y"] = np.full(12, 2)
    out["step_W"] = rng.randn(5, 3)
    # Aligned batches: the label is written in a feature (one-hot * 3) plus noise; misaligned
    # X/y pairs carry no information, so they cannot exceed chance (25 %).
    y = np.arange(80) % 4
    X = 0.5 * rng.randn(80, 8)
    X[np.arange(80), y] += 3.0
    out.update(align_X=np.hstack([X, np.ones((80, 1))]), align_y=y)
    for order in ("aligned", "misaligned_xy", "misaligned_yx"):
        W = _train_softmax_with(ref, order, out["align_X"], y, **ALIGN_TRAINING)
        out["align_W" if order == "aligned" else mistake_key("align_W", order)] = W
    # History and lazy W: labels 0..4 (C = 5), D = 7.
    out.update(hist_X=rng.randn(40, 7), hist_y=np.arange(40) % 5)
    return out


ALIGN_TRAINING = {"learning_rate": 0.5, "reg": 0.0, "num_iters": 60, "batch_size": 16}
MISALIGNED = ("X_batch and y_batch come from two different index draws: draw ONE set of "
              "indices per iteration and use it for both")
TRAIN_MISTAKES = {"misaligned_xy": MISALIGNED, "misaligned_yx": MISALIGNED}


def _train_softmax_with(ref, order: str, X, y, learning_rate, reg, num_iters, batch_size):
    """The final W of the reference Softmax.train from np.random.seed(0), with the minibatches
    drawn as ``order`` says: one index draw for X and y (``aligned``), or two draws, X's first
    (``misaligned_xy``) or y's first (``misaligned_yx``)."""
    rng = np.random.RandomState(0)
    num_train, dim = X.shape
    W = 0.001 * rng.randn(dim, int(np.max(y)) + 1)
    for _ in range(num_iters):
        first = rng.choice(num_train, batch_size)
        second = first if order == "aligned" else rng.choice(num_train, batch_size)
        x_idx, y_idx = (second, first) if order == "misaligned_yx" else (first, second)
        _, grad = ref.classifiers.softmax.softmax_loss_vectorized(W, X[x_idx], y[y_idx], reg)
        W = W - learning_rate * grad
    return W


STEP_REG = 0.3   # the reg of the one-step batch: any finished loss has dW != 0 there


def _gradless(loss, dW) -> Outcome | None:
    """A real-work gate (docs/rubrics.md) for the training checks: the course provides most of
    train's loop, so it only shows the student's sampling and update when the loss it calls
    moves W. None when Softmax.loss returned a loss and a dW that are not 0."""
    if not (all_zero(loss) or all_zero(dW)):
        return None
    zero = "loss 0 and dW = 0" if all_zero(loss, dW) else ("loss 0" if all_zero(loss) else "dW = 0")
    return no_work(f"Softmax.loss (your softmax_loss_vectorized) returns {zero} on a batch with "
                   f"reg {STEP_REG}, so training never moves W and the loop the course provides "
                   "passes on its own", "softmax_loss_vectorized computes the loss and dW",
                   hint=LOSS_HINTS["softmax"])


def _loss_gate(ctx: CheckContext) -> Outcome | None:
    """``_gradless`` of Softmax.loss at the one-step batch, on a classifier whose W the grader sets."""
    f = ctx.fixture()
    probe = ctx.new(SOFTMAX)
    ctx.setattr(probe, "W", f["step_W"])
    result = ctx.call(probe.method("loss"), f["step_X"][:4], f["step_y"][:4], STEP_REG)
    return _gradless(*_loss_and_grad("Softmax.loss", result))


@check("linear_classifier_predict.argmax", kind="value", fixture="linear_classifier")
def check_predict(ctx: CheckContext) -> Outcome:
    """LinearClassifier.predict returns argmax of X @ W for weights set by the grader.

    Requirement: predict returns argmax labels (docs/courses.md §2.8).
    """
    f = ctx.fixture()
    clf = ctx.new(LINEAR_SVM)
    problems, d = [], Diagnoses()
    mistakes = {"axis0": "y_pred is the argmax over the examples (axis=0): take it over the classes "
                         "of each row (axis=1)"}
    for p in ("p1", "p2"):
        ctx.setattr(clf, "W", f[f"{p}_W"])
        expected = f[f"{p}_pred"]
        got = ctx.call(clf.method("predict"), f[f"{p}_X"])
        arr, problem = as_array("y_pred", got, expected.shape)
        if problem:
            problems.append(f"with W of shape {f[f'{p}_W'].shape}: {problem}")
            d.check(got, stored(f, f"{p}_pred", mistakes))
            continue
        wrong = int(np.sum(arr != expected))
        if wrong:
            problems.append(f"with W of shape {f[f'{p}_W'].shape}: {wrong} of {len(expected)} "
                            "predictions differ from argmax(X @ W)")
    if problems:
        return Outcome.fail(d.message("predict: " + "; ".join(problems)),
                            hint="y_pred = np.argmax(X.dot(self.W), axis=1), one label per row")
    return Outcome.ok("predict returns argmax of the scores")


@check("linear_classifier_train.sgd_step", kind="value", fixture="linear_classifier",
       tolerance=1e-9)
def check_sgd_step(ctx: CheckContext) -> Outcome:
    """One step of train moves W by -learning_rate * dW of the minibatch loss, from the current W.

    Requirement: train updates W by gradient descent (docs/courses.md §2.8).
    """
    f = ctx.fixture()
    X, y, W0 = f["step_X"], f["step_y"], f["step_W"]
    lr, reg, batch = 0.1, STEP_REG, 4
    clf = ctx.new(SOFTMAX)
    ctx.setattr(clf, "W", W0)
    # The student's own loss at W0 on a batch (every batch is the same: all rows are equal).
    loss0, dW0 = _loss_and_grad("Softmax.loss", ctx.call(clf.method("loss"), X[:batch], y[:batch],
                                                         reg))
    dW0, problem = as_array("dW", dW0, W0.shape)
    if problem or not np.isfinite(dW0).all():
        return Outcome.fail(f"Softmax.loss returned an unusable dW ({problem or 'non-finite'}); "
                            "fix softmax_loss_vectorized first")
    gate = _gradless(loss0, dW0)
    if gate is not None:
        return gate
    ctx.call(SEED, 0)
    history = ctx.call(clf.method("train"), X, y, learning_rate=lr, reg=reg, num_iters=1,
                       batch_size=batch)
    W1, problem = as_array("self.W", ctx.getattr(clf, "W"), W0.shape)
    if problem:
        return Outcome.fail(f"after train: {problem}", hint="train updates self.W in place")
    expected = W0 - lr * dW0
    err = _scaled_error(W1 - W0, expected - W0)
    if err > ctx.tolerance:
        step = W1 - W0
        denom = float(np.sum((expected - W0) ** 2)) or 1.0
        factor = float(np.sum(step * (expected - W0))) / denom
        hint = ("each iteration steps self.W against its gradient, scaled by the learning rate, "
                "starting from the current self.W (do not re-initialise it)")
        d = Diagnoses()
        if not np.any(step):
            d.add("train never changed self.W")
        elif _scaled_error(step, -(expected - W0)) <= 1e-6:
            d.add("the step goes uphill: W moved by +learning_rate * dW (W += ... instead of W -= ...)")
        return Outcome.fail(d.message(f"one SGD step (learning_rate {lr}, reg {reg}) moved W by a "
                                      f"step that differs from -learning_rate * dW by {err:.2e} of "
                                      f"its size (about {factor:.3g} times the expected step)"),
                            hint=hint)
    values, problem = as_array("loss_history", history)
    if problem or values.size != 1:
        return Outcome.fail(f"train(num_iters=1) should return a loss_history with 1 entry, got "
                            f"{problem or values.size}",
                            hint="append the minibatch loss once per iteration and return the list")
    loss0, problem = as_array("loss", loss0)
    if not problem and loss0.size == 1:
        problem = loss_problem(values.reshape(-1)[0], float(loss0.reshape(())), ctx.tolerance)
        if problem:
            return Outcome.fail(f"loss_history[0] is not the minibatch loss before the step: "
                                f"{problem}",
                                hint="record the loss returned by self.loss before updating W")
    return Outcome.ok("one SGD step is W - learning_rate * dW and the history records the loss")


@check("linear_classifier_train.history_and_shape", kind="value", fixture="linear_classifier")
def check_history_and_shape(ctx: CheckContext) -> Outcome:
    """train returns num_iters finite losses and creates W of shape (D, max(y) + 1).

    Requirement: train returns the loss history and creates W lazily (docs/courses.md §2.8).
    """
    f = ctx.fixture()
    X, y = f["hist_X"], f["hist_y"]
    num_iters, expected_shape = 13, (X.shape[1], int(y.max()) + 1)
    gate = _loss_gate(ctx)
    if gate is not None:
        return gate
    clf = ctx.new(SOFTMAX)
    ctx.call(SEED, 0)
    history = ctx.call(clf.method("train"), X, y, learning_rate=1e-2, reg=1e-3,
                       num_iters=num_iters, batch_size=10)
    if not isinstance(history, (list, tuple, np.ndarray)):
        return Outcome.fail(f"train returned {type(history).__name__}, expected the list "
                            "loss_history", hint="return loss_history at the end of train")
    values, problem = as_array("loss_history", list(history))
    if problem:
        return Outcome.fail(problem, hint="append one float loss per iteration")
    problems = []
    if values.shape != (num_iters,):
        problems.append(f"loss_history has shape {values.shape}, expected {num_iters} entries "
                        f"for num_iters={num_iters}")
    elif not np.all(np.isfinite(values)):
        problems.append("loss_history contains non-finite losses")
    W = ctx.getattr(clf, "W")
    W_arr, problem = as_array("self.W", W, expected_shape)
    if problem:
        problems.append(f"{problem} (D = {X.shape[1]} features, C = max(y) + 1 = "
                        f"{expected_shape[1]} classes)")
    return verdict(problems, f"train returns {num_iters} losses and W of shape {expected_shape}",
                   sep="; ", hint="one loss per iteration; W is (D, C) created on the first call")


@check("linear_classifier_train.aligned_batches", kind="value", fixture="linear_classifier",
       tolerance=0.9)
def check_aligned_batches(ctx: CheckContext) -> Outcome:
    """train pairs each sampled X row with its own label (labels are readable from a feature).

    Requirement: train samples minibatches of (X, y) pairs (docs/courses.md §2.8).
    """
    f = ctx.fixture()
    X, y = f["align_X"], f["align_y"]
    clf = ctx.new(SOFTMAX)
    ctx.call(SEED, 0)
    ctx.call(clf.method("train"), X, y, **ALIGN_TRAINING)
    W, problem = as_array("self.W", ctx.getattr(clf, "W"), (X.shape[1], 4))
    if problem:
        return Outcome.fail(f"after train: {problem}")
    if not np.all(np.isfinite(W)):
        return Outcome.fail("after train W contains non-finite values")
    accuracy = float(np.mean(np.argmax(X.dot(W), axis=1) == y))
    if accuracy < ctx.tolerance:
        d = Diagnoses()
        if "align_W" in f:
            d.check(W, stored(f, "align_W", TRAIN_MISTAKES), expected=f["align_W"])
        return Outcome.fail(d.message(f"on data whose label is written in one feature, training "
                                      f"reached only {accuracy:.2f} training accuracy (needs "
                                      f"{ctx.tolerance:.2f}; chance is 0.25; accuracy measured by "
                                      "the grader from self.W)"),
                            hint="draw ONE set of indices per iteration and use it for both X_batch "
                                 "and y_batch")
    return Outcome.ok(f"training on aligned batches reaches {accuracy:.2f} training accuracy")


@check("linear_classifier_train.batch_larger_than_n", kind="value", fixture="linear_classifier")
def check_batch_larger_than_n(ctx: CheckContext) -> Outcome:
    """train samples with replacement, so batch_size may exceed the number of examples.

    Extra: the course allows either sampling and no course run has batch_size > N
    (docs/courses.md §2.8, §7.22); rubrics mark this check ``extra: true``.
    """
    f = ctx.fixture()
    X, y = f["align_X"][:6], f["align_y"][:6]
    gate = _loss_gate(ctx)
    if gate is not None:
        return gate
    clf = ctx.new(SOFTMAX)
    ctx.call(SEED, 0)
    try:
        history = ctx.call(clf.method("train"), X, y, learning_rate=1e-2, reg=0.0, num_iters=3,
                           batch_size=20)
    except NotImplementedByStudent:
        raise
    except StudentException as exc:
        return Outcome.fail(f"train(X with 6 rows, batch_size=20) failed: {exc.message}",
                            hint="sample with replacement: np.random.choice(num_train, batch_size)")
    values, problem = as_array("loss_history", history)
    if problem or values.size != 3 or not np.all(np.isfinite(values)):
        return Outcome.fail(f"train(X with 6 rows, batch_size=20, num_iters=3) returned "
                            f"{problem or values}; expected 3 finite losses")
    return Outcome.ok("a batch larger than the training set works (sampling with replacement)")


# --------------------------------------------------------------------------------------------
# training accuracy on the digits, measured in the grader from the student's final W
# --------------------------------------------------------------------------------------------

# A pair from the course's tuning grid (docs/courses.md §4.2: learning rates 1e-3..1e-6, reg 1e3..5e4). On the
# digits it converges in 500 steps (~0.1 s): the reference reaches 0.86-0.88 (softmax) and
# 0.91-0.93 (SVM) validation accuracy over RNG seeds 0-4; with docs/courses.md §4.2's softmax setting
# (1e-7, 2.5e4) it needs 1500 steps for 0.82.
DIGITS_HYPER = {"learning_rate": 1e-6, "reg": 1e3, "num_iters": 500, "batch_size": 200}


@fixture("linear_digits")
def linear_digits_fixture(ref):
    """Validation accuracy of the reference Softmax and LinearSVM trained on the digits (seed 0)."""
    data = ref.data_utils.get_digits_data()
    X, Xv = _digits_features(data["X_train"]), _digits_features(data["X_val"])
    out = {}
    for key, cls in (("softmax", ref.classifiers.linear_classifier.Softmax),
                     ("svm", ref.classifiers.linear_classifier.LinearSVM)):
        np.random.seed(0)
        clf = cls()
        clf.train(X, data["y_train"], **DIGITS_HYPER)
        out[f"{key}_val_acc"] = np.float64(np.mean(clf.predict(Xv) == data["y_val"]))
    return out


def _digits_training_check(ctx: CheckContext, target: str, key: str, label: str) -> Outcome:
    data = ctx.dataset("digits")
    if data is None:
        return Outcome.skip("the digits dataset is not available")
    f = ctx.fixture()
    reference_acc = float(f[f"{key}_val_acc"])
    threshold = float(ctx.params.get("min_val_acc", reference_acc - ctx.tolerance))
    hyper = {k: ctx.params.get(k, v) for k, v in DIGITS_HYPER.items()}
    X, Xv = _digits_features(data["X_train"]), _digits_features(data["X_val"])
    clf = ctx.new(target)
    ctx.call(SEED, 0)
    ctx.call(clf.method("train"), X, data["y_train"], **hyper)
    W, problem = as_array("self.W", ctx.getattr(clf, "W"), (X.shape[1], 10))
    if problem:
        return Outcome.fail(f"after training {label} on the digits: {problem}")
    if not np.all(np.isfinite(W)):
        return Outcome.from_measure(0.0, False, f"after training {label} on the digits W "
                                    "contains NaN or inf (training diverged)",
                                    hint="check the gradient's scale (divide by N) and the update")
    accuracy = float(np.mean(np.argmax(Xv.dot(W), axis=1) == data["y_val"]))
    setting = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    message = (f"{label} trained on the digits ({setting}): validation accuracy {accuracy:.3f}, "
               f"measured by the grader from your W (needs {threshold:.3f}; the reference gets "
               f"{reference_acc:.3f})")
    return Outcome.from_measure(accuracy, accuracy >= threshold, message,
                                hint="check the loss gradient and the minibatch sampling in train")


@check("softmax_classifier.digits_accuracy", kind="training", fixture="linear_digits",
       tolerance=0.05)
def check_softmax_digits(ctx: CheckContext) -> Outcome:
    """Softmax trained with the course's hyper-parameters reaches the reference's validation accuracy.

    Requirement: the trained classifier of the notebook (docs/courses.md §2.8, §3.19, §4.2).
    """
    return _digits_training_check(ctx, SOFTMAX, "softmax", "Softmax")


@check("linear_svm_classifier.digits_accuracy", kind="training", fixture="linear_digits",
       tolerance=0.05)
def check_svm_digits(ctx: CheckContext) -> Outcome:
    """LinearSVM trained with the course's hyper-parameters reaches the reference's validation accuracy.

    Requirement: the trained classifier of the notebook (docs/courses.md §2.8, §4.2).
    """
    return _digits_training_check(ctx, LINEAR_SVM, "svm", "LinearSVM")
