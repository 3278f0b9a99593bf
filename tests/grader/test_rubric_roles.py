"""Extra and optional checks (docs/rubrics.md, "Extra and optional checks"): a rubric marks a
check ``extra: true`` (robustness beyond the course's specification: reported, 0 points, out of
the maximum unless ``extra_points`` gives bonus points) or ``optional: true`` (an optional part:
0 points and out of the maximum unless ``optional_points`` gives it points). Tested both ways: on
the rubric, on scoring, on every renderer, and end to end on the reference and on an
implementation the course accepts (softmax without the max shift)."""
from __future__ import annotations

import json

import pytest

from grader.checks.base import Outcome
from grader.engine import GradeOptions, grade
from grader.fixtures import STORE_DIR, packaged_store
from grader.plan import PlannedCheck
from grader.report.gradescope import gradescope_dict
from grader.report.junit import render_junit
from grader.report.markdown import render_markdown
from grader.report.terminal import render_terminal
from grader.result import Report
from grader.rubric import RubricError, load_rubric, parse_rubric, select_variant
from grader.session import score
from tests.mutants.layers import EQUIVALENTS
from tests.support import make_submission


def _rubric(checks: str, overrides: str = ""):
    text = f"name: r\nsections:\n  - name: s\n    checks:\n{checks}"
    return parse_rubric(text + (f"overrides:\n{overrides}" if overrides else ""))


def _checks(rubric):
    return {rc.id: rc for _, rc in rubric.iter_checks()}


# -- the rubric -----------------------------------------------------------------------------
def test_an_extra_check_needs_no_points_and_is_out_of_the_maximum():
    rubric = _rubric("      - {id: a.b, points: 2}\n      - {id: a.c, extra: true}\n"
                     "      - {id: a.d, points: 3, extra: true}\n")
    checks = _checks(rubric)
    assert (checks["a.b"].role, checks["a.b"].points, checks["a.b"].in_max) == ("required", 2.0, True)
    assert (checks["a.c"].role, checks["a.c"].points, checks["a.c"].in_max) == ("extra", 0.0, False)
    # the points an extra check has as a required one are kept, not counted
    assert (checks["a.d"].points, checks["a.d"].required_points) == (0.0, 3.0)
    assert rubric.max_points == 2.0


def test_extra_points_are_bonus_outside_the_maximum():
    rubric = _rubric("      - {id: a.b, points: 2}\n      - {id: a.c, extra: true, extra_points: 1.5}\n")
    assert _checks(rubric)["a.c"].points == 1.5 and rubric.max_points == 2.0


def test_an_optional_check_counts_only_with_optional_points():
    rubric = _rubric("      - {id: a.b, points: 2}\n      - {id: a.c, optional: true}\n"
                     "      - {id: a.d, points: 4, optional: true, optional_points: 1}\n")
    checks = _checks(rubric)
    assert (checks["a.c"].role, checks["a.c"].points, checks["a.c"].in_max) == ("optional", 0.0, True)
    assert checks["a.d"].points == 1.0 and rubric.max_points == 3.0


def test_a_role_limited_to_variants_is_required_in_the_others():
    rubric = _rubric("      - {id: a.b, points: 2, optional: [fa23-fa25]}\n"
                     "      - {id: a.c, points: 1, extra: [2016-2017]}\n")
    assert rubric.max_points == 0.0 + 0.0            # no year known: the roles apply
    fa25 = _checks(select_variant(rubric, "fa23-fa25"))
    assert (fa25["a.b"].role, fa25["a.b"].points) == ("optional", 0.0)
    assert (fa25["a.c"].role, fa25["a.c"].points) == ("required", 1.0)
    fa26 = select_variant(rubric, "fa26")
    assert {rc.role for _, rc in fa26.iter_checks()} == {"required"} and fa26.max_points == 3.0


def test_an_override_sets_and_clears_a_role():
    rubric = _rubric("      - {id: a.b, points: 2}\n      - {id: a.c, points: 1, extra: true}\n",
                     "  a.b: {extra: true, extra_points: 1}\n  a.c: {extra: false}\n")
    checks = _checks(rubric)
    assert (checks["a.b"].role, checks["a.b"].points) == ("extra", 1.0)
    assert (checks["a.c"].role, checks["a.c"].points) == ("required", 1.0) and rubric.max_points == 1.0


@pytest.mark.parametrize("checks, overrides, message", [
    ("      - {id: a.b}\n", "", r"'points' is a required property"),
    ("      - {id: a.b, extra: [x]}\n", "", r"'points' is a required property"),
    ("      - {id: a.b, extra: true, optional: true}\n", "", "extra or optional, not both"),
    ("      - {id: a.b, points: 1, extra_points: 1}\n", "", "extra_points needs extra: true"),
    ("      - {id: a.b, points: 1, optional_points: 1}\n", "", "optional_points needs optional: true"),
    ("      - {id: a.b, extra: true}\n", "  a.b: {extra: false}\n", "a required check needs points"),
    ("      - {id: a.b, extra: yes please}\n", "", r"checks\[0\]\.extra"),
])
def test_the_loader_refuses_inconsistent_roles(checks, overrides, message):
    with pytest.raises(RubricError, match=message):
        _rubric(checks, overrides)


def test_the_packaged_rubrics_mark_the_robustness_checks_extra_and_cs182_rmsprop_optional():
    canonical = _checks(load_rubric("canonical"))
    extra = {cid for cid, rc in canonical.items() if rc.role == "extra"}
    assert extra == {"softmax_loss.large_logits", "softmax_loss.log_sum_exp",
                     "softmax_loss_naive.large_scores", "softmax_loss_vectorized.large_scores",
                     "softmax_loss_vectorized.extreme_logits", "compute_distances_no_loops.duplicate_points",
                     "linear_classifier_train.batch_larger_than_n", "rmsprop.epsilon_placement",
                     "relu_backward.exact_zeros",
                     # a backward pass may reuse dout and its cache: no course cell reads them again
                     *(f"{name}.input_unchanged" for name in (
                         "affine_backward", "relu_backward", "dropout_backward", "batchnorm_backward",
                         "batchnorm_backward_alt", "layernorm_backward"))}
    assert canonical["relu_backward.any_shape"].role == "required"
    hw02 = load_rubric("cs182_hw02")
    fa25, fa26 = (_checks(select_variant(hw02, v)) for v in ("fa23-fa25", "fa26"))
    for cid in ("rmsprop.notebook", "rmsprop.fresh_steps", "rmsprop.defaults"):
        assert (fa25[cid].role, fa25[cid].points) == ("optional", 0.0)
        assert fa26[cid].role == "required" and fa26[cid].points > 0
    assert select_variant(hw02, "fa26").max_points - select_variant(hw02, "fa23-fa25").max_points == 4.0


# -- scoring and the reports ------------------------------------------------------------------
def _report(outcomes):
    rubric = _rubric("      - {id: a.req, points: 2}\n      - {id: a.extra, extra: true}\n"
                     "      - {id: a.bonus, extra: true, extra_points: 1}\n"
                     "      - {id: a.opt, optional: true}\n")
    checks = _checks(rubric)
    results = [score(PlannedCheck("s", checks[cid]), outcome, kind="value") for cid, outcome in outcomes.items()]
    return Report("sub", "r", "R", "canonical", results, "2026-01-01T00:00:00Z", 1.0)


def test_a_failing_extra_or_optional_check_costs_nothing():
    report = _report({"a.req": Outcome.ok(), "a.extra": Outcome.fail("overflow at +-1000"),
                      "a.bonus": Outcome.fail("no"), "a.opt": Outcome.fail("not done")})
    assert (report.score, report.max_score) == (2.0, 2.0)
    by_name = {r.name: r for r in report.results}
    assert (by_name["a.extra"].status, by_name["a.extra"].role) == ("failed", "extra")
    assert by_name["a.opt"].role == "optional" and by_name["a.req"].role == "required"
    assert report.section_scores() == {"s": (2.0, 2.0)}


def test_a_passing_extra_check_with_extra_points_earns_a_bonus():
    report = _report({"a.req": Outcome.fail("wrong"), "a.bonus": Outcome.ok()})
    assert (report.score, report.max_score) == (1.0, 2.0)
    report = _report({"a.req": Outcome.ok(), "a.bonus": Outcome.ok()})
    assert report.score == 3.0 and report.max_score == 2.0     # above the maximum: bonus


def test_the_json_report_keeps_the_role():
    report = _report({"a.req": Outcome.ok(), "a.extra": Outcome.fail("x")})
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert [r.role for r in again.results] == ["required", "extra"] and again.max_score == 2.0


def test_every_renderer_labels_extra_and_optional_checks():
    report = _report({"a.req": Outcome.fail("wrong"), "a.extra": Outcome.fail("overflow"),
                      "a.opt": Outcome.ok()})
    markdown = render_markdown(report)
    assert "a.extra *(extra)*" in markdown and "a.opt *(optional)*" in markdown
    assert "a.req *(" not in markdown and "1 / 2" not in markdown and "0 / 2 points" in markdown
    terminal = render_terminal(report)
    assert "a.extra  (extra)" in terminal and "a.opt  (optional)" in terminal
    assert "Total: 0 / 2" in terminal
    junit = render_junit(report)
    assert "role: extra" in junit and "role: optional" in junit and junit.count("role:") == 2
    tests = {t["name"]: t for t in gradescope_dict(report)["tests"]}
    assert tests["a.extra"]["max_score"] == 0.0 and "extra" in tests["a.extra"]["tags"]
    assert tests["a.extra"]["extra_data"]["role"] == "extra"
    assert tests["a.extra"]["output"].splitlines()[-1].startswith("(extra:")
    assert "role" not in tests["a.req"]["extra_data"] and tests["a.req"]["tags"] == ["s"]
    assert sum(t["max_score"] for t in tests.values()) == report.max_score


# -- end to end -------------------------------------------------------------------------------
SOFTMAX_RUBRIC = """name: softmax_roles
profile: canonical
sections:
  - name: softmax
    checks:
      - {id: softmax_loss.values, points: 2}
      - {id: softmax_loss.large_logits, extra: true}
      - {id: softmax_loss.log_sum_exp, extra: true, extra_points: 1}
"""
NO_MAX_SHIFT = next(m for m in EQUIVALENTS if m.name == "softmax_without_max_shift")


def _grade(tmp_path, patches, rubric_text):
    """Grade with a rubric file of our own that reads the packaged fixture store."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(rubric_text)
    (tmp_path / STORE_DIR).symlink_to(packaged_store(), target_is_directory=True)
    return grade(make_submission(tmp_path, patches), GradeOptions(rubric=rubric))


def test_softmax_without_the_max_shift_keeps_full_marks_and_sees_the_extra_checks_fail(tmp_path):
    report = _grade(tmp_path, NO_MAX_SHIFT.patches, SOFTMAX_RUBRIC)
    by_name = {r.name: r for r in report.results}
    assert by_name["softmax_loss.large_logits"].status == "failed"
    assert by_name["softmax_loss.log_sum_exp"].status == "failed"
    assert (report.score, report.max_score) == (2.0, 2.0)       # no bonus, nothing lost
    reference = _grade(tmp_path / "ref", (), SOFTMAX_RUBRIC)
    assert (reference.score, reference.max_score) == (3.0, 2.0)  # the bonus point


def test_an_instructor_can_make_an_extra_check_required_again(tmp_path):
    required = SOFTMAX_RUBRIC + "overrides:\n  softmax_loss.large_logits: {extra: false, points: 1}\n"
    report = _grade(tmp_path, NO_MAX_SHIFT.patches, required)
    assert (report.score, report.max_score) == (2.0, 3.0)
