"""Every mutant in the corpus loses points on the checks that name its bug, and only where it
declares; every equivalent implementation keeps full marks. Graded end to end with the canonical
rubric, as a student's submission would be. A mutant that declares ``diagnosis`` words gets a
failure message that names its bug with them. An extra check (``extra: true``, 0 points) cannot
deduct: a mutant declared caught by one must fail it, an equivalent may. An entry marked
``pending`` (the check it needs does not exist yet) runs as a strict expected failure: it must still fail today, and becomes an
error as soon as the check is fixed, when its marker is removed."""
from __future__ import annotations

import fnmatch
import importlib
import pkgutil

import pytest

import tests.mutants as corpus
from grader.engine import grade
from grader.rubric import load_rubric
from tests.support import make_submission


def _load(kind):
    found = []
    for info in pkgutil.iter_modules(corpus.__path__):
        if info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{corpus.__name__}.{info.name}")
        found.extend(getattr(module, kind, []))
    return found


MUTANTS = _load("MUTANTS")
EQUIVALENTS = _load("EQUIVALENTS")


def _params(entries):
    """One pytest parameter per entry; a pending entry is a strict xfail giving what it needs."""
    return [pytest.param(m, id=m.name, marks=pytest.mark.xfail(strict=True, reason=m.pending))
            if m.pending else pytest.param(m, id=m.name) for m in entries]
RUBRIC_IDS = {rc.id for section in load_rubric("canonical").sections for rc in section.checks}


def _lost(report):
    """The checks that deducted points (an extra check's points are bonus: it never deducts)."""
    return {r.name for r in report.results
            if r.in_max and r.points < r.max_points and r.status != "skipped"}


def _flagged(report):
    """The extra checks that did not pass: reported to the student, worth 0 points."""
    return {r.name for r in report.results if not r.in_max and r.status in ("failed", "partial", "error")}


def test_the_corpus_is_large_and_uniquely_named():
    names = [m.name for m in MUTANTS + EQUIVALENTS]
    assert len(names) == len(set(names))
    assert len(MUTANTS) >= 25 and len(EQUIVALENTS) >= 5


def test_pending_markers_say_what_they_need():
    for entry in MUTANTS + EQUIVALENTS:
        assert entry.pending is None or entry.pending.startswith("needs: "), entry.name


def _names(message: str, words) -> bool:
    """The message, WITHOUT its hint (a hint is the same for every bug), holds every word."""
    text = message.split("\nHint:")[0].lower()
    return all(word.lower() in text for word in words)


@pytest.mark.parametrize("mutant", _params(MUTANTS))
def test_mutant_loses_points_where_it_says_and_names_its_bug(tmp_path, mutant):
    """Graded once, a mutant must (1) lose points on its caught_by checks (an extra check, worth
    0 points, fails instead), (2) nowhere outside its collateral, and (3) when it declares
    ``diagnosis`` words, get a caught_by message that
    contains them all: the message says what the code does, not only that a number differs."""
    caught_in_rubric = set(mutant.caught_by) & RUBRIC_IDS
    assert caught_in_rubric, f"{mutant.name}: none of {mutant.caught_by} is in the canonical rubric"
    report = grade(make_submission(tmp_path, mutant.patches))
    lost = _lost(report) | _flagged(report)
    missed = caught_in_rubric - lost
    assert not missed, f"{mutant.name} ({mutant.description}) survived {sorted(missed)}"
    allowed = set(mutant.caught_by)
    stray = {name for name in lost - allowed
             if not any(fnmatch.fnmatch(name, pattern) for pattern in mutant.collateral)}
    assert not stray, f"{mutant.name} also lost points on {sorted(stray)}"
    if mutant.diagnosis:
        messages = {r.name: r.message for r in report.results if r.name in caught_in_rubric}
        assert any(_names(message, mutant.diagnosis) for message in messages.values()), (
            f"{mutant.name}: no caught_by message names the bug with {mutant.diagnosis}: {messages}")


@pytest.mark.parametrize("variant", _params(EQUIVALENTS))
def test_equivalent_implementation_keeps_full_marks(tmp_path, variant):
    """Full marks: no check deducts points. An extra check may fail (robustness the course does
    not ask for); it is reported and costs nothing."""
    report = grade(make_submission(tmp_path, variant.patches))
    assert _lost(report) == set(), [(r.name, r.message) for r in report.results if r.status != "passed"]


def test_most_mutants_declare_the_words_that_name_their_bug():
    """At least 70 % of the mutants get a message that names their bug (checked
    per mutant above, where it is graded); the words are lowercase, as the comparison is."""
    diagnosed = [m for m in MUTANTS if m.diagnosis]
    assert len(diagnosed) >= 0.7 * len(MUTANTS), f"{len(diagnosed)} of {len(MUTANTS)}"
    for mutant in diagnosed:
        assert all(word == word.lower() and word.strip() for word in mutant.diagnosis), mutant.name
