"""Recording curves (grader.checks.curves): long histories are thinned to at most 200 points with
their positions kept, bad data is left out instead of failing a check, thresholds are one value."""
import math

import numpy as np
import pytest

from grader.checks import curves
from grader.checks.base import Outcome
from grader.result import CheckResult
from grader.sandbox import StudentException


def test_a_short_history_is_kept_whole_without_an_index():
    assert curves.panel("loss", {"train": [3.0, 2.0, 1.0]}) == {"loss.train": [3.0, 2.0, 1.0]}


def test_a_long_history_is_thinned_to_200_points_with_their_positions():
    losses = list(np.linspace(2.3, 0.1, 2450))
    series = curves.panel("loss", {"train": losses, "reference run": losses[::-1]})
    index = series["loss.index"]
    assert len(series["loss.train"]) == len(series["loss.reference run"]) == len(index) <= 200
    assert index[0] == 0 and index[-1] == 2449 and index == sorted(set(index))
    assert all(series["loss.train"][k] == losses[int(i)] for k, i in enumerate(index))


def test_a_thinned_panel_keeps_short_lines_whole():
    series = curves.panel("accuracy", {"train": [0.1] * 500, "claimed": [0.5]})
    assert series["accuracy.claimed"] == [0.5] and len(series["accuracy.train"]) == 200


@pytest.mark.parametrize("value", [None, "text", [[1.0, 2.0]], [], {"a": 1}, [object()]])
def test_what_is_not_a_list_of_numbers_is_left_out(value):
    assert curves.panel("loss", {"train": value}) == {}


def test_non_finite_values_stay_in_place_and_become_null_in_the_result():
    series = curves.panel("loss", {"train": [2.0, float("nan"), float("inf")]})
    result = CheckResult("c", "s", "training", 1, 1, "passed", "", "visible", 0.1, series=series)
    assert result.series == {"loss.train": [2.0, None, None]}


def test_thresholds_and_single_points():
    assert curves.threshold("accuracy", "full credit", 0.9) == {"accuracy.threshold full credit": [0.9]}
    assert curves.threshold("accuracy", "x", float("nan")) == {}
    point = curves.point_at(3, 0.93)
    assert len(point) == 4 and all(math.isnan(v) for v in point[:3]) and point[3] == 0.93


class FakeContext:
    """``getattr`` answers from a dict; a missing attribute raises as the worker would."""

    def __init__(self, attrs):
        self.attrs = attrs

    def getattr(self, ref, name):
        if name not in self.attrs:
            raise StudentException(f"'Solver' object has no attribute '{name}'")
        return self.attrs[name]


def test_histories_that_cannot_be_read_are_left_out():
    ctx = FakeContext({"loss_history": [2.3, 1.0], "train_acc_history": "not a list"})
    assert curves.read_histories(ctx, None, curves.SOLVER_HISTORIES) == {"loss_history": [2.3, 1.0]}


def test_with_series_adds_to_an_outcome_without_changing_its_verdict():
    outcome = Outcome.fail("wrong", hint="fix it", measured=0.4, series={"loss.train": [1.0]})
    extended = curves.with_series(outcome, {"accuracy.train": [0.5]})
    assert (extended.status, extended.message, extended.hint, extended.measured) == ("failed", "wrong", "fix it", 0.4)
    assert extended.series == {"loss.train": [1.0], "accuracy.train": [0.5]}
    assert curves.with_series(outcome, {}) is outcome
