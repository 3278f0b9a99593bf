"""Checks for ``classifiers/k_nearest_neighbor.py``: L2 distances, the majority vote, predict.

* Each distance version (two loops, one loop, no loops) is compared with the reference on fresh
  data the notebook cannot see: a non-square (num_test, num_train) case and a single test point
  (docs/courses.md §2.7, §3.18 compares the three versions with each other on CIFAR-10).
* The no-loop version is also run on test points that duplicate training points: the expansion
  ``|a|^2 + |b|^2 - 2 a.b`` can round to a tiny negative number there, whose square root is NaN.
* ``predict_labels``: majority vote for k = 1 and k > 1 on distance matrices without vote ties,
  and vote ties, which go to the SMALLER label (docs/courses.md §2.7), on hand-made matrices where the
  nearest voter has the larger label.
* ``predict`` with num_loops 0/1/2, and k = 1 on the embedded digits test split: the predictions
  are the output, so they are compared with the reference's predictions one by one; the
  accuracy is computed here, from those predictions, never taken from the student.
"""
from __future__ import annotations

import numpy as np

from .base import CheckContext, CheckFailed, CheckInputError, Outcome, check, fixture
from .compare import as_array
from .diagnosis import Diagnoses, mistake_key, stored
from .toolkit import changed_inputs, no_work_problem, register, unchanged_verdict, verdict

KNN = "classifiers.k_nearest_neighbor.KNearestNeighbor"
DISTANCE_HINTS = {
    "compute_distances_two_loops": "dists[i, j] is the distance between test point i and training "
                                   "point j",
    "compute_distances_one_loop": "row i of dists holds the distances from test point i to every "
                                  "training point, in one vectorised expression",
    "compute_distances_no_loops": "expand |a - b|^2 = |a|^2 + |b|^2 - 2 a.b with one matrix product "
                                  "(X @ X_train.T), broadcast the squared norms, then take the "
                                  "square root",
}


def _knn(ctx: CheckContext, X_train: np.ndarray, y_train: np.ndarray):
    """A student KNearestNeighbor in the worker, trained on (X_train, y_train)."""
    knn = ctx.new(KNN)
    ctx.call(knn.method("train"), X_train, y_train)
    return knn


def _labels(name: str, got, expected: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """``got`` as an integer label vector shaped like ``expected``, or the reason it is not one."""
    arr, problem = as_array(name, got, np.shape(expected))
    if problem:
        return None, problem
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        return None, f"{name} should hold integer labels, got non-integer values"
    return arr.astype(np.int64), None


def _no_vote_ties(y_train: np.ndarray, dists: np.ndarray, ks) -> bool:
    """True when no row of ``dists`` has a tie in the vote of its k nearest, for every k."""
    order = np.argsort(dists, axis=1)
    for k in ks:
        for row in order[:, :k]:
            counts = np.bincount(y_train[row])
            if np.sum(counts == counts.max()) > 1:
                return False
    return True


# --------------------------------------------------------------------------------------------
# distances
# --------------------------------------------------------------------------------------------

#: Known mistakes of the distance functions (any of the three versions): name -> description.
DISTANCE_MISTAKES = {
    "no_sqrt": "dists are the SQUARED distances: take np.sqrt of the sum of squares",
    "all_axes": "each row is one number: the sum runs over every axis instead of axis=1 "
                "(one distance per training point)",
    "plus_2ab": "dists match |a|^2 + |b|^2 + 2 a.b: the cross term must be subtracted",
}


def _distances_with(mistake: str, X: np.ndarray, X_train: np.ndarray) -> np.ndarray:
    """The (num_test, num_train) L2 distances with one known mistake."""
    sq = ((X[:, np.newaxis, :] - X_train[np.newaxis, :, :]) ** 2).sum(axis=2)
    if mistake == "no_sqrt":
        return sq
    if mistake == "all_axes":
        return np.repeat(np.sqrt(sq.sum(axis=1, keepdims=True)), len(X_train), axis=1)
    expanded = (X ** 2).sum(axis=1)[:, np.newaxis] + (X_train ** 2).sum(axis=1) + 2.0 * X @ X_train.T
    return np.sqrt(np.maximum(expanded, 0.0))


@fixture("knn_distances")
def knn_distances_fixture(ref):
    """Fresh inputs: (7, 64) test vs (23, 64) train, a single test point with D = 3, duplicates."""
    out = {}
    knn = ref.classifiers.k_nearest_neighbor.KNearestNeighbor()
    rng = np.random.RandomState(2718)
    # A non-square case (catches transposed results) with D = 64 as for the digits.
    Xtr, Xte = rng.randn(23, 64), rng.randn(7, 64)
    knn.train(Xtr, rng.randint(0, 4, size=23))
    out.update(a_Xtr=Xtr, a_Xte=Xte)
    for name in DISTANCE_HINTS:
        out[f"a_{name}"] = getattr(knn, name)(Xte)
    for mistake in DISTANCE_MISTAKES:
        out[mistake_key("a_dists", mistake)] = _distances_with(mistake, Xte, Xtr)
    # A single test point, D = 3, values on another scale.
    Xtr, Xte = 10.0 * rng.randn(5, 3), 10.0 * rng.randn(1, 3)
    knn.train(Xtr, np.arange(5))
    out.update(s_Xtr=Xtr, s_Xte=Xte)
    for name in DISTANCE_HINTS:
        out[f"s_{name}"] = getattr(knn, name)(Xte)
    for mistake in DISTANCE_MISTAKES:
        out[mistake_key("s_dists", mistake)] = _distances_with(mistake, Xte, Xtr)
    # Duplicates: test points equal to training points, plus two fresh points. The seed is one
    # where the reference's expansion WITHOUT its clip at 0 rounds to a negative squared distance
    # at some duplicate (so a missing clip shows up as NaN).
    for _ in range(100):
        Xtr = 5.0 + 10.0 * rng.randn(60, 6)
        Xte = np.vstack([Xtr[[3, 17, 29, 41, 52]], 5.0 + 10.0 * rng.randn(2, 6)])
        unclipped = (np.sum(Xte ** 2, axis=1)[:, np.newaxis] + np.sum(Xtr ** 2, axis=1)[np.newaxis, :]
                     - 2.0 * Xte.dot(Xtr.T))
        if np.sum(unclipped < 0) >= 2:
            break
    else:  # pragma: no cover - depends only on the fixed seed
        raise RuntimeError("knn_distances: no seed gave a negative unclipped self-distance")
    knn.train(Xtr, np.zeros(60, dtype=np.int64))
    out.update(d_Xtr=Xtr, d_Xte=Xte, d_dists=knn.compute_distances_two_loops(Xte))
    return out


def _distance_check(ctx: CheckContext, name: str) -> Outcome:
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for label, prefix in (("a (7, 64) test set against a (23, 64) training set", "a"),
                          ("a single test point (1, 3) against 5 training points", "s")):
        knn = _knn(ctx, f[f"{prefix}_Xtr"], np.arange(len(f[f"{prefix}_Xtr"])))
        dists = ctx.call(knn.method(name), f[f"{prefix}_Xte"])
        problem = d.compare("dists", dists, f[f"{prefix}_{name}"], ctx.tolerance,
                            stored(f, f"{prefix}_dists", DISTANCE_MISTAKES))
        if problem:
            problems.append(f"on {label}: {problem}")
    if problems:
        shape = "dists has shape (num_test, num_train) and "
        return Outcome.fail(d.message(f"{name}: " + "; ".join(problems)),
                            hint=shape + DISTANCE_HINTS[name] + " (L2 distance, with the square root)")
    return Outcome.ok(f"{name} matches the reference L2 distances")


for _name in ("compute_distances_two_loops", "compute_distances_one_loop", "compute_distances_no_loops"):
    register(f"{_name}.values", f"{_name} returns the (num_test, num_train) L2 distances of fresh data "
             "(docs/courses.md §2.7, §3.18).",
             _distance_check, _name, kind="value", fixture="knn_distances", tolerance=1e-7)


def _distance_input_unchanged(ctx: CheckContext, name: str) -> Outcome:
    rng = ctx.rng
    X_train, X = rng.randn(8, 5), rng.randn(4, 5)
    knn = _knn(ctx, X_train, np.arange(8))
    dists, changed = changed_inputs(ctx, knn.method(name), (X,), ("X",))
    dists, problem = as_array("dists", dists, (4, 8))
    problem = problem or no_work_problem("dists", dists)
    return unchanged_verdict(name, changed, problem,
                             why="the course's notebook computes the distances of the SAME X_test "
                                 "three ways and compares them (docs/courses.md §2.11)")


for _name in ("compute_distances_two_loops", "compute_distances_one_loop", "compute_distances_no_loops"):
    register(f"{_name}.input_unchanged",
             f"{_name} leaves the caller's X unchanged (the notebook reuses X_test, docs/courses.md §2.11).",
             _distance_input_unchanged, _name, kind="value")


@check("predict_labels.input_unchanged", kind="value")
def check_predict_labels_input_unchanged(ctx: CheckContext) -> Outcome:
    """predict_labels leaves the caller's dists unchanged: the notebook votes on the same dists for k = 1 and k = 5 (docs/courses.md §2.11)."""
    rng = ctx.rng
    knn = _knn(ctx, np.zeros((6, 1)), np.array([1, 2, 1, 2, 2, 1]))   # no label 0
    dists = rng.rand(4, 6)
    labels, changed = changed_inputs(ctx, knn.method("predict_labels"), (dists,), ("dists",), k=3)
    labels, problem = _labels("y_pred", labels, np.zeros(4))
    problem = problem or no_work_problem("y_pred", labels)
    return unchanged_verdict("predict_labels", changed, problem,
                             why="the notebook votes on the same dists for k = 1 and k = 5 "
                                 "(docs/courses.md §2.11): sort a copy, or use np.argsort")


@check("compute_distances_no_loops.duplicate_points", kind="value", fixture="knn_distances",
       tolerance=1e-6)
def check_no_loops_duplicates(ctx: CheckContext) -> Outcome:
    """compute_distances_no_loops gives finite, non-negative, ~0 distances for duplicated points.

    Extra: the expansion the course hints at has no clip and no course test has duplicate points
    (docs/courses.md §2.7, §3.18); rubrics mark this check ``extra: true``.
    """
    f = ctx.fixture()
    expected = f["d_dists"]
    knn = _knn(ctx, f["d_Xtr"], np.zeros(len(f["d_Xtr"]), dtype=np.int64))
    got, problem = as_array("dists", ctx.call(knn.method("compute_distances_no_loops"), f["d_Xte"]),
                            expected.shape)
    if problem:
        return Outcome.fail(f"on test points that duplicate training points: {problem}")
    where = "on test points that are exact copies of training points"
    if np.any(np.isnan(got)):
        message = f"{where}: dists contains {int(np.isnan(got).sum())} NaN value(s)"
        if np.all(expected[np.isnan(got)] <= 1e-6 * np.max(expected)):
            message += (". Diagnosis: the NaNs sit where the distance is 0: np.sqrt of a squared "
                        "distance that rounding made slightly negative")
        return Outcome.fail(message,
                            hint="rounding can make |a|^2 + |b|^2 - 2 a.b slightly negative for "
                                 "equal points: clip it at 0 (np.maximum(..., 0)) before np.sqrt")
    if not np.all(np.isfinite(got)) or np.any(got < 0):
        return Outcome.fail(f"{where}: dists has negative or infinite values (min {np.min(got):.3g})",
                            hint="distances are square roots of clipped squared distances: >= 0")
    # Absolute error relative to the largest distance: sqrt of rounding noise is tiny but not 0.
    scale = float(np.max(expected))
    err = float(np.max(np.abs(got - expected))) / scale
    if err > ctx.tolerance:
        return Outcome.fail(f"{where}: dists differs from the exact L2 distances by up to "
                            f"{err:.2e} of the largest distance (tolerance {ctx.tolerance:.0e})",
                            hint=DISTANCE_HINTS["compute_distances_no_loops"])
    return Outcome.ok("duplicated points get distance ~0, no NaN, no negative values")


# --------------------------------------------------------------------------------------------
# predict_labels
# --------------------------------------------------------------------------------------------


@fixture("knn_labels")
def knn_labels_fixture(ref):
    """Distance matrices without vote ties (k = 1, 3, 5) and hand-made vote ties (k = 2, 4)."""
    out = {}
    knn = ref.classifiers.k_nearest_neighbor.KNearestNeighbor()
    rng = np.random.RandomState(1618)
    # Majority vote. Labels 0..5 with 4 never used (np.bincount / one-hot code must cope).
    y_train = rng.choice(np.array([0, 1, 2, 3, 5]), size=15)
    rows = []
    while len(rows) < 6:
        row = rng.rand(1, 15)
        if _no_vote_ties(y_train, row, (3, 5)):
            rows.append(row)
    dists = np.vstack(rows)
    knn.train(np.zeros((15, 1)), y_train)
    out.update(m_y_train=y_train, m_dists=dists)
    for k in (1, 3, 5):
        out[f"m_pred_k{k}"] = knn.predict_labels(dists, k=k)
        for mistake in VOTE_MISTAKES:
            out[mistake_key(f"m_pred_k{k}", mistake)] = _vote_with(mistake, dists, y_train, k)
    # Vote ties: the nearest voter carries the LARGER of the tied labels, so taking the nearest,
    # the largest, or the first-counted label instead of the smallest is visible; the last two
    # rows for k = 4 tell these mistakes apart (a four-way tie whose nearest voter is neither the
    # smallest nor the largest label, and a nearest voter outvoted by a majority).
    y_train = np.array([3, 1, 1, 3, 0, 2, 2, 0, 4, 5])
    #          nearest first: indices of training points (their labels in the comment)
    order_k2 = [[0, 1],       # 3, 1 -> 1
                [5, 4],       # 2, 0 -> 0
                [8, 6],       # 4, 2 -> 2
                [1, 2],       # 1, 1 -> 1 (no tie)
                [9, 3]]       # 5, 3 -> 3
    order_k4 = [[0, 3, 1, 2],   # 3, 3, 1, 1 -> 1
                [9, 8, 5, 4],   # 5, 4, 2, 0 -> 0
                [6, 0, 5, 7],   # 2, 3, 2, 0 -> 2 (no tie)
                [3, 5, 6, 0],   # 3, 2, 2, 3 -> 2
                [5, 9, 4, 8],   # 2, 5, 0, 4 -> 0
                [9, 1, 2, 7]]   # 5, 1, 1, 0 -> 1 (no tie)
    knn.train(np.zeros((10, 1)), y_train)
    out["t_y_train"] = y_train
    for k, order in ((2, order_k2), (4, order_k4)):
        dists = 10.0 + rng.rand(len(order), 10)  # the rest is farther than every voter
        for i, nearest in enumerate(order):
            dists[i, nearest] = np.sort(rng.rand(k))
        out[f"t_dists_k{k}"] = dists
        out[f"t_pred_k{k}"] = knn.predict_labels(dists, k=k)
        for mistake in VOTE_MISTAKES:
            out[mistake_key(f"t_pred_k{k}", mistake)] = _vote_with(mistake, dists, y_train, k)
    return out


VOTE_MISTAKES = {
    "larger": "vote ties go to the LARGER label; they go to the smallest (np.bincount(...).argmax())",
    "nearest": "vote ties go to the label of the nearest voter (as Counter.most_common does); "
               "they go to the smallest label",
    "k1": "the predictions are the label of the single nearest neighbour: k is ignored",
}


def _vote_with(mistake: str, dists: np.ndarray, y_train: np.ndarray, k: int) -> np.ndarray:
    """predict_labels with one known mistake in the vote."""
    nearest = y_train[np.argsort(dists, axis=1, kind="stable")[:, :k]]
    if mistake == "k1":
        return nearest[:, 0]
    labels = []
    for row in nearest:
        counts = np.bincount(row)
        tied = np.flatnonzero(counts == counts.max())
        labels.append(tied.max() if mistake == "larger" else next(v for v in row if v in tied))
    return np.array(labels)


def _vote_problem(d: Diagnoses, f, key: str, k: int, got: np.ndarray, expected: np.ndarray) -> str | None:
    """"k=..: n of m rows wrong (...)" for the rows that differ, naming a known mistake."""
    wrong = np.flatnonzero(got != expected)
    if not wrong.size:
        return None
    d.check(got, stored(f, key, VOTE_MISTAKES), expected=expected)
    i = int(wrong[0])
    return f"k={k}: {wrong.size} of {len(expected)} rows wrong (row {i}: got {got[i]}, expected {expected[i]})"


def _vote_problems(ctx: CheckContext, f, y_train, cases, d: Diagnoses) -> list[str | None]:
    """predict_labels(dists, k) of a KNN trained on ``y_train`` against the reference, for each
    case ``(k, dists key, expected labels key)``; raises CheckFailed when the labels are unusable."""
    knn = _knn(ctx, np.zeros((len(y_train), 1)), y_train)
    problems = []
    for k, dists_key, key in cases:
        got, problem = _labels("y_pred", ctx.call(knn.method("predict_labels"), f[dists_key], k=k), f[key])
        if problem:
            raise CheckFailed(Outcome.fail(f"predict_labels(dists, k={k}): {problem}",
                                           hint="return an array of shape (num_test,)"))
        problems.append(_vote_problem(d, f, key, k, got, f[key]))
    return problems


@check("predict_labels.majority_vote", kind="value", fixture="knn_labels")
def check_majority_vote(ctx: CheckContext) -> Outcome:
    """predict_labels returns the majority label of the k nearest for k = 1, 3, 5 (no vote ties).

    Requirement: predict_labels' majority vote (docs/courses.md §2.7).
    """
    f, d = ctx.fixture(), Diagnoses()
    problems = _vote_problems(ctx, f, f["m_y_train"], [(k, "m_dists", f"m_pred_k{k}") for k in (1, 3, 5)], d)
    return verdict(problems, "majority vote is right for k = 1, 3 and 5", d=d, sep="; ",
                   prefix="predict_labels on distance matrices without vote ties: ",
                   hint="take the labels of the k smallest distances in each row "
                        "(np.argsort(dists[i])[:k]) and return the most common one")


@check("predict_labels.ties_to_smaller_label", kind="value", fixture="knn_labels")
def check_ties(ctx: CheckContext) -> Outcome:
    """predict_labels breaks a tie in the vote in favour of the smaller label (k = 2 and 4).

    Requirement: ties go to the smaller label, as the starter code says (docs/courses.md §2.7).
    """
    f, d = ctx.fixture(), Diagnoses()
    problems = _vote_problems(ctx, f, f["t_y_train"], [(k, f"t_dists_k{k}", f"t_pred_k{k}") for k in (2, 4)], d)
    return verdict(problems, "vote ties go to the smaller label", d=d, sep="; ",
                   prefix="predict_labels with tied votes: ",
                   hint="when several labels get the same number of votes, return the SMALLEST of "
                        "them (np.bincount(...).argmax() does this; the label of the nearest voter "
                        "or Counter.most_common do not)")


# --------------------------------------------------------------------------------------------
# predict
# --------------------------------------------------------------------------------------------


@fixture("knn_predict")
def knn_predict_fixture(ref):
    """Fresh (30, 10) training / (9, 10) test data, 4 classes, no vote ties for k = 1 and 5."""
    rng = np.random.RandomState(31415)
    Xtr = rng.randn(30, 10)
    while True:
        y_train, Xte = rng.randint(0, 4, size=30), rng.randn(9, 10)
        knn = ref.classifiers.k_nearest_neighbor.KNearestNeighbor()
        knn.train(Xtr, y_train)
        if _no_vote_ties(y_train, knn.compute_distances_no_loops(Xte), (5,)):
            break
    out = {"Xtr": Xtr, "ytr": y_train, "Xte": Xte}
    for k in (1, 5):
        out[f"pred_k{k}"] = knn.predict(Xte, k=k)
    return out


@check("knn_predict.num_loops", kind="value", fixture="knn_predict")
def check_predict_num_loops(ctx: CheckContext) -> Outcome:
    """predict(X, k, num_loops) gives the reference labels with num_loops 0, 1, 2 and k 1, 5.

    Requirement: predict(X, k, num_loops) (docs/courses.md §2.7, §A1.2).
    """
    f = ctx.fixture()
    knn = _knn(ctx, f["Xtr"], f["ytr"])
    cases = [(k, loops) for k in (1, 5) for loops in (0, 1, 2)]
    results = ctx.map(knn.method("predict"), [(f["Xte"], k, loops) for k, loops in cases])
    problems = []
    for (k, loops), got in zip(cases, results):
        expected = f[f"pred_k{k}"]
        got, problem = _labels("y_pred", got, expected)
        if problem:
            problems.append(f"predict(X, k={k}, num_loops={loops}): {problem}")
            continue
        wrong = int(np.sum(got != expected))
        if wrong:
            problems.append(f"predict(X, k={k}, num_loops={loops}): {wrong} of {len(expected)} "
                            "labels differ from the reference")
    return verdict(problems, "predict is right for num_loops 0, 1, 2 and k = 1, 5", sep="; ",
                   hint="predict computes the distances with the version num_loops asks "
                        "for and passes k on to predict_labels")


@fixture("knn_digits")
def knn_digits_fixture(ref):
    """The reference's k = 1 predictions on the digits test split (docs/courses.md §4.2: 'kNN k=1')."""
    data = ref.data_utils.get_digits_data()
    Xtr = data["X_train"].reshape(len(data["X_train"]), -1)
    Xte = data["X_test"].reshape(len(data["X_test"]), -1)
    knn = ref.classifiers.k_nearest_neighbor.KNearestNeighbor()
    knn.train(Xtr, data["y_train"])
    dists = knn.compute_distances_one_loop(Xte)
    # A test point is ambiguous when training points of different labels are (nearly) tied as
    # its nearest neighbour: any of their labels is then a correct k = 1 prediction.
    nearest = dists.min(axis=1, keepdims=True)
    tied = dists <= nearest * (1 + 1e-9) + 1e-12
    ambiguous = np.array([len(set(data["y_train"][row])) > 1 for row in tied])
    return {"y_pred": knn.predict(Xte, k=1), "ambiguous": ambiguous}


@check("knn_predict.digits_accuracy", kind="training", fixture="knn_digits")
def check_digits_accuracy(ctx: CheckContext) -> Outcome:
    """k = 1 predictions on the digits test split equal the reference's (accuracy measured here).

    Requirement: predict as the course defines it (docs/courses.md §2.7).
    """
    data = ctx.dataset("digits")
    if data is None:
        return Outcome.skip("the digits dataset is not available")
    f = ctx.fixture()
    expected, ambiguous = f["y_pred"], f["ambiguous"].astype(bool)
    Xtr = data["X_train"].reshape(len(data["X_train"]), -1)
    Xte = data["X_test"].reshape(len(data["X_test"]), -1)
    if len(Xte) != len(expected):
        raise CheckInputError("grader configuration error: the digits fixture does not match "
                              "the dataset; regenerate the fixtures")
    knn = _knn(ctx, Xtr, data["y_train"])
    got, problem = _labels("y_pred", ctx.call(knn.method("predict"), Xte, k=1), expected)
    if problem:
        return Outcome.fail(f"predict(X_test, k=1) on the digits: {problem}",
                            hint="return one label per test point")
    accuracy = float(np.mean(got == data["y_test"]))
    differ = int(np.sum((got != expected) & ~ambiguous))
    message = (f"k = 1 on the digits test split: {np.sum(got == data['y_test'])} / {len(got)} "
               f"correct (accuracy {accuracy:.3f}, measured by the grader from your predictions)")
    if differ:
        reference_acc = float(np.mean(expected == data["y_test"]))
        return Outcome.from_measure(accuracy, False,
                                    f"{message}; {differ} predictions differ from the reference "
                                    f"kNN (reference accuracy {reference_acc:.3f})",
                                    hint="with k = 1 the prediction is the label of the training "
                                         "point at the smallest L2 distance")
    return Outcome.from_measure(accuracy, True, message + "; every prediction matches the reference")
