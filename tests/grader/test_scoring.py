"""Partial-credit rules (grader/scoring.py); the accuracy ramps are the courses' (digest §4.7, §9.2)."""
import math
from dataclasses import dataclass

import pytest

from grader import scoring


@dataclass
class Outcome:
    """The three attributes the rules read (grader.checks.base.Outcome has the same)."""

    passed: bool | None
    fraction: float | None = None
    measured: float | None = None
    status: str = ""


UCLA_HW3 = {"rule": "linear_ramp", "low": 0.28, "high": 0.50}   # §4.7 S2: full points at 50 %
UCLA_HW4 = {"rule": "linear_ramp", "low": 0.32, "high": 0.60}   # §4.7 S3: full points at 60 %


@pytest.mark.parametrize("accuracy, credit", [
    (0.28, 0.0), (0.39, 0.5), (0.50, 1.0), (0.70, 1.0), (0.10, 0.0), (math.nan, 0.0),
])
def test_hw3_accuracy_ramp(accuracy, credit):
    """§4.7/§9.2: min(floor((X - 28%)/22%), 1) read as the linear ramp clip((X-0.28)/0.22, 0, 1)."""
    assert scoring.score(UCLA_HW3, Outcome(passed=accuracy >= 0.5, measured=accuracy)) == pytest.approx(credit)


@pytest.mark.parametrize("accuracy, credit", [(0.32, 0.0), (0.46, 0.5), (0.55, 23 / 28), (0.60, 1.0)])
def test_hw4_accuracy_ramp(accuracy, credit):
    """§4.7 S3: full points at 60 %; 55 % (the cell's "at least") earns (0.55-0.32)/0.28."""
    assert scoring.score(UCLA_HW4, Outcome(passed=False, measured=accuracy)) == pytest.approx(credit)


def test_ramp_is_not_the_literal_floor_reading():
    """Read literally, floor() would give 0 at 45 %; the ramp gives partial credit (§9.2)."""
    literal = min(math.floor((0.45 - 0.28) / 0.22), 1)
    assert literal == 0
    assert scoring.score(UCLA_HW3, Outcome(passed=False, measured=0.45)) == pytest.approx(0.17 / 0.22)


def test_ramp_and_threshold_without_a_measurement_follow_pass_fail():
    """A check that measured nothing (e.g. the student's code raised) reports passed=False."""
    assert scoring.score(UCLA_HW3, Outcome(passed=False)) == 0.0
    assert scoring.score({"rule": "threshold", "value": 0.5}, Outcome(passed=True)) == 1.0


def test_ramp_with_high_not_above_low_is_refused():
    with pytest.raises(ValueError, match="high > low"):
        scoring.score({"rule": "linear_ramp", "low": 0.5, "high": 0.5}, Outcome(passed=True, measured=0.6))


@pytest.mark.parametrize("passed, credit", [(True, 1.0), (False, 0.0), (None, 0.0)])
def test_all_or_nothing(passed, credit):
    assert scoring.score({"rule": "all_or_nothing"}, Outcome(passed=passed, fraction=0.7)) == credit
    assert scoring.score(None, Outcome(passed=passed)) == credit


@pytest.mark.parametrize("fraction, credit", [
    (0.25, 0.25), (1.0, 1.0), (0.0, 0.0), (1.7, 1.0), (-0.3, 0.0), (math.nan, 0.0), (None, 1.0),
])
def test_fraction_is_clipped_to_unit_interval(fraction, credit):
    assert scoring.score({"rule": "fraction"}, Outcome(passed=True, fraction=fraction)) == credit


@pytest.mark.parametrize("measured, credit", [(0.5, 1.0), (0.5000001, 1.0), (0.4999, 0.0), (math.nan, 0.0),
                                              (math.inf, 0.0)])
def test_threshold_is_measured_at_least_value(measured, credit):
    assert scoring.score({"rule": "threshold", "value": 0.5}, Outcome(passed=False, measured=measured)) == credit


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown partial-credit rule"):
        scoring.score({"rule": "curve"}, Outcome(passed=True))


def test_award_rounds_points_to_four_decimals():
    """3 points at credit (0.35-0.28)/0.22 = 0.31818... -> 0.9545 points."""
    assert scoring.award(UCLA_HW3, Outcome(passed=False, measured=0.35), 3) == 0.9545
    assert scoring.award({"rule": "fraction"}, Outcome(passed=False, fraction=1 / 3), 1) == 0.3333


@pytest.mark.parametrize("credit, status, expected", [
    (1.0, "passed", "passed"), (0.0, "failed", "failed"), (0.5, "failed", "partial"), (0.0, "skipped", "skipped"),
])
def test_status_for_credit(credit, status, expected):
    assert scoring.status_for(credit, Outcome(passed=None, status=status)) == expected


def test_works_with_the_checks_outcome_type():
    from grader.checks.base import Outcome as CheckOutcome

    assert scoring.score(UCLA_HW3, CheckOutcome.from_measure(0.39, False, "val acc 0.39")) == pytest.approx(0.5)
    assert scoring.score({"rule": "fraction"}, CheckOutcome.from_fraction(0.25, "1 of 4")) == 0.25
    assert scoring.score(None, CheckOutcome.skip("no data")) == 0.0


@pytest.mark.parametrize("rule", [None, {"rule": "fraction"}, UCLA_HW3, {"rule": "threshold", "value": 0.3}])
def test_a_skipped_check_earns_nothing_whatever_it_measured(rule):
    skipped = Outcome(passed=None, fraction=1.0, measured=0.9, status="skipped")
    assert scoring.score(rule, skipped) == 0.0 and scoring.award(rule, skipped, 5) == 0.0
    assert scoring.status_for(scoring.score(rule, skipped), skipped) == "skipped"
