"""What one grading run will do, decided before any student code runs.

``grader.engine.grade`` builds a ``Plan`` in three steps, each a function here or in
``grader.notebook.grading``:

1. ``intake``: copy the submission into the scratch folder and select its course profile
   (``grader.profiles.Selection``), or say why it cannot be graded;
2. ``choose_rubric``: the rubric (the given one, else the profile's) restricted to the selected
   year variant, and the fixtures its checks compare against;
3. the notebook step (``grader.notebook.grading``): the submission's notebooks and the planned
   checks of their rubrics.

A ``PlannedCheck`` is one rubric entry as it will run: its report section, the entry, and the
notebook it reads (notebook checks only). The plan lists them in report order; the session runs
them and returns the results in that same order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fixtures as fixture_store
from . import profiles as course_profiles
from .checks import load_catalogue
from .checks.base import REGISTRY
from .profiles import Selection
from .rubric import (
    Rubric,
    RubricCheck,
    RubricError,
    load_rubric,
    merge_rubrics,
    select_variant,
)
from .submission import SubmissionError, prepare_submission


@dataclass(frozen=True)
class PlannedCheck:
    """One rubric entry as it will run: ``section`` is its report section."""

    section: str
    check: RubricCheck
    notebook: Any = None   # grader.notebook.plan.NotebookUnderTest, for notebook checks


@dataclass
class Plan:
    """Everything decided before grading starts.

    selection:     the course profile applied to the submission (None: it could not be read).
    problem:       why the package cannot be graded (every package check fails with it).
    rubric:        the package rubric (its sections are the report's first sections).
    fixtures:      expected values ``{builder: {key: array}}`` for the package checks.
    checks:        the package checks, in rubric order.
    notebooks:     the submission's notebooks (``NotebookUnderTest``), in file order.
    notebook_checks: their rubrics' checks; they run after the package checks, whose results
                   verify the notebooks' claims.
    notes:         what intake and planning found, for the report.
    """

    selection: Selection | None
    problem: str | None
    rubric: Rubric
    fixtures: dict
    checks: list[PlannedCheck]
    notebooks: list = field(default_factory=list)
    notebook_checks: list[PlannedCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def root(self) -> Path | None:
        """The assignment root the worker imports from (None when there is no package)."""
        return self.selection.root if self.selection is not None and self.problem is None else None


def validate_rubric_checks(rubric: Rubric) -> None:
    """Every check id in the rubric must be registered (a rubric author's mistake otherwise)."""
    load_catalogue()
    unknown = [f"sections[{i}].checks[{j}].id: unknown check {rc.id!r}"
               for i, section in enumerate(rubric.sections)
               for j, rc in enumerate(section.checks) if rc.id not in REGISTRY]
    if unknown:
        raise RubricError(f"{rubric.name}: " + "; ".join(unknown))


def intake(path: Path, scratch: Path, notes: list[str], forced: str | None = None):
    """Copy the submission into ``scratch`` and select its course profile (assignment root,
    layout, helper files): ``(Selection, None)``, or ``(None, why not)``."""
    try:
        submission = prepare_submission(path, scratch / "submission")
        notes.append(f"submission: {submission.source}")
        notes.extend(submission.notes)
        name = path.stem if path.is_file() else path.resolve().name
        selection = course_profiles.select(submission.root, scratch, forced=forced, name=name)
        notes.extend(course_profiles.describe(selection))
        return selection, None
    except course_profiles.UnsupportedAssignment:
        raise   # not a broken upload: the engine reports that no rubric covers it
    except SubmissionError as exc:
        return None, f"the submission could not be graded: {exc}"


def choose_rubric(selection: Selection | None, explicit: Rubric | None,
                  notes: list[str]) -> tuple[Rubric, dict]:
    """The rubric to grade with and its fixtures ``{builder: arrays}``.

    The given rubric, else the profile's rubric(s) (several: merged, each section reported
    separately); sections and checks that are not part of the selected year variant are left
    out (and counted in a note).
    """
    if explicit is not None:
        parts = [explicit]
    else:
        names = selection.rubrics if selection is not None else ("canonical",)
        parts = [load_rubric(name) for name in names]
        for part in parts:
            validate_rubric_checks(part)
    expected: dict = {}
    for part in parts:
        expected.update(fixture_store.load(part))
    if selection is not None:
        variant = selection.variant.name
        kept = [select_variant(part, variant) for part in parts]
        for part, mine in zip(parts, kept):
            left_out = len(list(part.iter_checks())) - len(list(mine.iter_checks()))
            if left_out:
                notes.append(f"rubric {part.name}: {left_out} checks are not part of the "
                             f"{variant} assignment and were not run")
        parts = [part for part in kept if part.sections] or kept[:1]
    return merge_rubrics(parts), expected


def rubric_checks(rubric: Rubric) -> list[PlannedCheck]:
    """The package rubric's entries in rubric order, each in its section."""
    return [PlannedCheck(section.name, rc) for section in rubric.sections for rc in section.checks]


__all__ = ["Plan", "PlannedCheck", "choose_rubric", "intake", "rubric_checks",
           "validate_rubric_checks"]
