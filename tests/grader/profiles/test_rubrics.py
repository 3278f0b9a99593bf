"""The course rubrics: consistent with their profiles, fixtures fresh, variants and merging.

``variants: [...]`` restricts a section or check to some year variants of the rubric's course;
``select_variant`` keeps what applies; ``merge_rubrics`` grades two assignments in one report.
"""
from __future__ import annotations

import pytest

from grader import fixtures as fixture_store
from grader.engine import validate_rubric_checks
from grader.profiles import PROFILES
from grader.rubric import (
    RubricError,
    load_rubric,
    merge_rubrics,
    parse_rubric,
    select_variant,
)

COURSE_RUBRICS = ("cs231n_a1", "cs231n_a2_fc", "cs182_hw0", "cs182_hw02", "ucla_hw3", "ucla_hw4")


@pytest.mark.parametrize("name", COURSE_RUBRICS)
def test_each_course_rubric_matches_its_profile(name):
    rubric = load_rubric(name)
    validate_rubric_checks(rubric)
    profile = PROFILES[rubric.profile]
    assert name in profile.rubrics
    known = {v.name for v in profile.course.variants}
    used = {v for section in rubric.sections for v in section.variants}
    used |= {v for _, check in rubric.iter_checks() for v in check.variants}
    assert used <= known, f"unknown variants {used - known}"
    for variant in known:   # every year variant keeps something in every rubric
        assert select_variant(rubric, variant).sections


def test_every_profile_names_a_packaged_rubric():
    for profile in PROFILES.values():
        for name in profile.rubrics:
            assert load_rubric(name).profile == profile.name


def test_the_course_fixtures_are_fresh():
    """Every builder the course rubrics need is in the store and matches a fresh run."""
    staleness = fixture_store.check([load_rubric(name) for name in COURSE_RUBRICS])
    assert staleness.problems == [], "stale fixtures; run `grade fixtures regenerate`"


RUBRIC = """
name: demo
profile: cs231n_a2
sections:
  - name: always
    checks:
      - {id: affine_forward.values, points: 1}
      - {id: fc_net.layernorm, points: 1, variants: [2018-2020, 2021-2024]}
  - name: old
    variants: [2016-2017]
    checks:
      - {id: dropout_forward.drop_probability, points: 2}
"""


def test_select_variant_keeps_what_the_year_has():
    rubric = parse_rubric(RUBRIC)
    old = select_variant(rubric, "2016-2017")
    assert [(s.name, [c.id for c in s.checks]) for s in old.sections] == [
        ("always", ["affine_forward.values"]), ("old", ["dropout_forward.drop_probability"])]
    new = select_variant(rubric, "2021-2024")
    assert [c.id for _, c in new.iter_checks()] == ["affine_forward.values", "fc_net.layernorm"]
    assert select_variant(rubric, None) is rubric


def test_merged_rubrics_prefix_sections_and_grade_each_check_once():
    first = parse_rubric(RUBRIC)
    second = parse_rubric(RUBRIC.replace("name: demo", "name: other").replace("name: old", "name: extra"))
    merged = merge_rubrics([first, second])
    assert merged.name == "demo__other"
    assert [s.name for s in merged.sections] == ["demo/always", "demo/old"]
    assert merged.max_points == first.max_points


def test_a_variants_list_must_name_variants():
    with pytest.raises(RubricError, match="variants"):
        parse_rubric(RUBRIC.replace("variants: [2016-2017]", "variants: []"))
