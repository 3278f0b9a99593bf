"""Naming the student's mistake (``grader.checks.diagnosis``): a mistake is named only when the
output equals what that mistake produces on the same input, clearly apart from the right answer
and from every other known mistake; an output that is wrong in another way names nothing."""
import numpy as np
import pytest

from grader.checks.diagnosis import (Diagnoses, Either, distance, reshaped, scaled, stored,
                                     which_mistake, with_diagnosis)
from tests.support import Patch

RNG = np.random.RandomState(0)
DOUT = RNG.randn(6, 4)
SUM = DOUT.sum(axis=0)           # the right dbeta of a batchnorm layer
MEAN = DOUT.mean(axis=0)         # dbeta averaged over the batch: SUM / 6
MEAN_NOT_SUM = "dbeta is the batch mean, not the sum over the batch"


# --------------------------------------------------------------------------------------------
# which_mistake
# --------------------------------------------------------------------------------------------


def test_an_output_equal_to_a_known_mistake_names_it():
    assert which_mistake(MEAN, {MEAN_NOT_SUM: SUM / 6}, expected=SUM) == MEAN_NOT_SUM


def test_an_output_wrong_in_another_way_names_nothing():
    assert which_mistake(0.9 * SUM, {MEAN_NOT_SUM: SUM / 6}, expected=SUM) is None
    assert which_mistake(MEAN + 1e-3, {MEAN_NOT_SUM: SUM / 6}, expected=SUM) is None


def test_a_mistake_that_changes_nothing_on_this_input_is_never_named():
    """With N = 1 the mean IS the sum: a right answer must not be called the mistake."""
    one = DOUT[:1].sum(axis=0)
    assert which_mistake(one, {MEAN_NOT_SUM: one / 1}, expected=one) is None


def test_two_mistakes_with_the_same_output_are_ambiguous():
    candidates = {MEAN_NOT_SUM: SUM / 6, "dbeta is divided by the number of examples": SUM / 6}
    assert which_mistake(MEAN, candidates, expected=SUM) is None


def test_one_mistake_written_in_several_ways_is_named_by_any_form():
    forms = Either([SUM / 6, SUM / 3])
    assert which_mistake(SUM / 3, {MEAN_NOT_SUM: forms}, expected=SUM) == MEAN_NOT_SUM


def test_non_finite_values_match_only_at_the_same_places():
    """Softmax without the max shift: NaN and inf at exactly the places the mistake puts them."""
    mistake = np.array([0.5, np.nan, np.inf, -np.inf])
    assert distance(mistake.copy(), mistake) == 0.0
    assert distance(np.array([0.5, np.nan, -np.inf, -np.inf]), mistake) == np.inf
    assert distance(np.array([0.5, 1.0, np.inf, -np.inf]), mistake) == np.inf
    assert which_mistake((np.nan, mistake), {"no max shift": (np.asarray(np.nan), mistake)},
                         expected=(1.0, np.zeros(4))) == "no max shift"


def test_outputs_of_another_shape_or_type_match_nothing():
    assert which_mistake(MEAN[:3], {MEAN_NOT_SUM: SUM / 6}) is None
    assert which_mistake(None, {MEAN_NOT_SUM: SUM / 6}) is None
    assert which_mistake("mean", {MEAN_NOT_SUM: SUM / 6}) is None
    assert which_mistake((MEAN,), {MEAN_NOT_SUM: (SUM / 6, SUM)}) is None


def test_scaled_candidates_are_factors_of_the_right_answer():
    (value,) = scaled(SUM, {MEAN_NOT_SUM: 1 / 6}).values()
    np.testing.assert_allclose(value, MEAN, rtol=1e-15)


# --------------------------------------------------------------------------------------------
# candidates stored by fixture builders, messages
# --------------------------------------------------------------------------------------------


def test_stored_reads_the_values_a_builder_wrote_under_key_dot_mistake():
    fixture = {"nb_dbeta": SUM, "nb_dbeta.mean": SUM / 6, "nb_loss": np.asarray(1.0)}
    mistakes = {"mean": MEAN_NOT_SUM, "unknown": "a mistake this fixture has no values for"}
    assert list(stored(fixture, "nb_dbeta", mistakes)) == [MEAN_NOT_SUM]
    # Several keys at once: a mistake is a candidate only when every key has a value.
    assert stored(fixture, ("nb_dbeta", "nb_loss"), mistakes) == {}
    fixture["nb_loss.mean"], fixture["nb_dbeta.mean2"] = np.asarray(6.0), SUM / 3
    both = stored(fixture, ("nb_dbeta", "nb_loss"), mistakes)
    assert isinstance(both[MEAN_NOT_SUM], Either) and len(both[MEAN_NOT_SUM][0]) == 2
    # Two names with one description: one mistake, two forms.
    forms = stored(fixture, "nb_dbeta", {"mean": MEAN_NOT_SUM, "mean2": MEAN_NOT_SUM})
    assert len(forms[MEAN_NOT_SUM]) == 2


def test_the_message_names_each_mistake_once_after_what_differs():
    message = with_diagnosis("dbeta has relative error 7.1e-01", [MEAN_NOT_SUM, None, MEAN_NOT_SUM])
    assert message == f"dbeta has relative error 7.1e-01. Diagnosis: {MEAN_NOT_SUM}"
    assert with_diagnosis("dx is wrong", [None]) == "dx is wrong"


def test_right_values_in_the_wrong_shape_are_named_as_such():
    x = RNG.randn(4, 2, 3)
    assert "flattened" in reshaped("dx", x.reshape(4, 6), x)
    assert reshaped("dx", x.reshape(4, 6) + 1.0, x) is None        # wrong values too
    assert reshaped("dx", x, x) is None                             # the right shape
    assert reshaped("dx", x.reshape(4, 6)[:, :5], x) is None        # other size


def test_diagnoses_collects_mistakes_only_for_failed_comparisons():
    d = Diagnoses()
    assert d.compare("dbeta", SUM, SUM, 1e-8, {MEAN_NOT_SUM: SUM / 6}) is None
    assert not d
    problem = d.compare("dbeta", MEAN, SUM, 1e-8, {MEAN_NOT_SUM: SUM / 6})
    assert problem.startswith("dbeta has relative error")
    assert d.message(problem).endswith(f"Diagnosis: {MEAN_NOT_SUM}")


# --------------------------------------------------------------------------------------------
# end to end: a student's bug is named; a near miss of it is not
# --------------------------------------------------------------------------------------------

L = "layers.py"
DBETA = ("    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n"
         "    dx_hat = dout * gamma\n    # x_hat")

NAMED = [
    ("batchnorm_backward.values", Patch(L, DBETA, DBETA.replace("dout.sum(axis=0)", "dout.mean(axis=0)")),
     "dbeta is the batch mean, not the sum over the batch"),
    ("relu_backward.exact_zeros", Patch(L, "dx = dout * (x > 0)", "dx = dout * (x >= 0)"),
     "ReLU mask with >= (x >= 0)"),
    ("softmax_loss.values", Patch(L, "dx[np.arange(N), y] -= 1\n    dx /= N", "dx[np.arange(N), y] -= 1"),
     "not divided by N"),
]
NOT_NAMED = [
    ("batchnorm_backward.values", Patch(L, DBETA, DBETA.replace("dout.sum(axis=0)", "0.9 * dout.sum(axis=0)"))),
    ("relu_backward.exact_zeros", Patch(L, "dx = dout * (x > 0)", "dx = dout * (x < 0)")),
    ("softmax_loss.values", Patch(L, "dx[np.arange(N), y] -= 1\n    dx /= N",
                                  "dx[np.arange(N), y] -= 1\n    dx /= N + 1")),
]


@pytest.mark.parametrize("check_id, patch, words", NAMED, ids=[c for c, _, _ in NAMED])
def test_a_known_mistake_is_named_in_the_message(runner_for, check_id, patch, words):
    result = runner_for(patch).run(check_id)
    assert result.status == "failed"
    message = result.message.split("\nHint:")[0]
    assert "Diagnosis: " in message and words in message, message


@pytest.mark.parametrize("check_id, patch", NOT_NAMED, ids=[c for c, _ in NOT_NAMED])
def test_a_near_miss_of_a_known_mistake_names_nothing(runner_for, check_id, patch):
    result = runner_for(patch).run(check_id)
    assert result.status == "failed"
    assert "Diagnosis" not in result.message, result.message
