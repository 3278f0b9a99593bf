"""Every check says which course requirement it enforces, or that it is extra (docs/rubrics.md,
"Extra and optional checks"): its docstring cites a section of docs/courses.md ("§3.12"), or says
"Extra:" and is marked ``extra`` wherever a packaged rubric uses it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from grader.rubric import list_rubrics, load_rubric

load_catalogue()
COURSES = (Path(__file__).resolve().parents[2] / "docs" / "courses.md").read_text(encoding="utf-8")
SECTIONS = set(re.findall(r"^#+ (§[A-Z]?\d+(?:\.\d+)*)", COURSES, flags=re.MULTILINE))
CITED = re.compile(r"§[A-Z]?\d+(?:\.\d+)*")


def _doc(check_id: str) -> str:
    return REGISTRY[check_id].func.__doc__ or ""


def _roles() -> dict[str, set[str]]:
    """check id -> the roles packaged rubrics give it (in any year variant)."""
    roles: dict[str, set[str]] = {}
    for name in list_rubrics():
        for _, rc in load_rubric(name).iter_checks():
            roles.setdefault(rc.id, set()).add(rc.role)
    return roles


def test_the_headings_of_courses_md_are_found():
    assert {"§2.1", "§3.12", "§7.6", "§A2.2"} <= SECTIONS


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_each_check_cites_the_requirement_it_enforces_or_says_it_is_extra(check_id):
    doc = _doc(check_id)
    cited = set(CITED.findall(doc))
    assert cited or "Extra:" in doc, f"{check_id}: the docstring names no docs/courses.md section: {doc!r}"
    assert cited <= SECTIONS, f"{check_id}: cites {sorted(cited - SECTIONS)}, not sections of docs/courses.md"


def test_the_extra_checks_say_so_and_only_they_do():
    roles = _roles()
    for check_id in sorted(REGISTRY):
        says_extra = "Extra:" in _doc(check_id)
        marked = roles.get(check_id, set())
        if "extra" in marked:
            assert says_extra, f"{check_id} is extra in a packaged rubric; its docstring must say 'Extra:'"
        if says_extra:
            assert marked <= {"extra"}, f"{check_id} says 'Extra:' but a packaged rubric gives it {marked}"


def test_a_docstring_without_a_citation_fails_here():
    """The rule can fail: a docstring such as the ones this test made the checks replace."""
    doc = "rmsprop matches the reference over 5 steps with decay_rate 0.9 on a 1-D w, state fed back."
    assert not CITED.findall(doc) and "Extra:" not in doc
