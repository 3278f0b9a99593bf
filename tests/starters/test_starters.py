"""Every course's official starter, untouched, scores 0 in every section of its own rubric.

The starters are built by ``tests.starters.builder`` the way each course ships them (``pass``
stubs under a TODO, ``loss = 0.0; dW = zeros`` kept, the course's own loss loops, Solver and
training code untouched), for every profile variant of every supported assignment, and graded
as a student's folder would be: detected, not named. A point given to a starter is a point
given for code the course wrote. Where today's checks still do that, the case is a strict
expected failure naming the checks (``PENDING``); it becomes an error the day they are fixed.
"""
from __future__ import annotations

import pytest

from grader.engine import grade
from tests.starters.builder import build_starter

CASES = [
    *(("cs231n", "a1", v) for v in ("2016-2017", "2018-2020", "2021-2024", "2025-2026")),
    *(("cs231n", "a2", v) for v in ("2016-2017", "2018-2020", "2021-2024", "2025-2026")),
    *(("cs182", a, v) for a in ("hw0", "hw02") for v in ("fa23-fa25", "fa26")),
    *(("ucla", a, v) for a in ("hw3", "hw4") for v in ("2020-2021", "2022-2026")),
]

PROFILE = {("cs231n", "a1"): "cs231n_a1", ("cs231n", "a2"): "cs231n_a2", ("cs182", "hw0"): "cs182_hw0",
           ("cs182", "hw02"): "cs182_hw02", ("ucla", "hw3"): "ucla_hw3", ("ucla", "hw4"): "ucla_hw4"}

#: What gives the untouched starter points today: a stub's own ``loss = 0.0; dW = zeros`` agrees
#: with the numeric gradient of that zero loss and with the other zero stub, the provided
#: training loop of LinearClassifier runs on it, and FullyConnectedNet's provided dtype cast
#: makes an empty params dict "the right dtype".
_LINEAR = ("softmax_loss_naive.numeric_gradient, softmax_loss_vectorized.numeric_gradient, "
           "softmax_loss_vectorized.matches_naive (zero loss and zero dW agree with themselves), "
           "linear_classifier_train.sgd_step, .history_and_shape (the "
           "provided loop trains the zero stub)")
_A1 = "needs: " + _LINEAR + ", svm_loss_vectorized.numeric_gradient to give 0 to a stub"
_A1_2025 = "needs: " + _LINEAR + " to give 0 to a stub"
_A2 = "needs: fc_net.dtype to give 0 when FullyConnectedNet has no parameters (the provided cast loop)"
PENDING: dict[tuple[str, str, str], str] = {
    **{("cs231n", "a1", v): _A1 for v in ("2016-2017", "2018-2020", "2021-2024")},
    ("cs231n", "a1", "2025-2026"): _A1_2025,
    **{("cs231n", "a2", v): _A2 for v in ("2016-2017", "2018-2020", "2021-2024", "2025-2026")},
}


def _params():
    for case in CASES:
        reason = PENDING.get(case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(*case, id="-".join(case), marks=marks)


@pytest.mark.parametrize("course,assignment,variant", _params())
def test_the_official_starter_scores_zero_in_every_section(tmp_path, course, assignment, variant):
    build_starter(tmp_path / "repo", course, assignment, variant)
    report = grade(tmp_path / "repo")
    # CS231n a2 2025 and CS182 HW0 fa26 ship the same code as the year before: detected as it.
    assert report.profile.split(":")[0] == PROFILE[(course, assignment)], report.profile
    assert report.results and report.max_score > 0
    assert not [r.name for r in report.results if r.status == "error"]
    earned = {r.name: r.points for r in report.results if r.points > 0}
    assert earned == {}, f"{report.profile}: {report.score}/{report.max_score} from {earned}"


def test_the_builder_leaves_no_solution_behind(tmp_path):
    """Every solution region became the course's stub: no reference code is left in the
    student's files (the course's own provided parts, e.g. the SVM's naive loss, stay)."""
    root = build_starter(tmp_path / "repo", "cs231n", "a1", "2021-2024")
    layers = (root / "cs231n" / "layers.py").read_text()
    assert "# BEGIN SOLUTION" not in layers and "np.maximum(0, x)" not in layers
    assert "cache = (x, w, b)\n    return out, cache" in layers
    svm = (root / "cs231n" / "classifiers" / "linear_svm.py").read_text()
    assert "loss += margin" in svm and "dW[:, j]" not in svm
