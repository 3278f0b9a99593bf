"""Course profiles: grade CS231n, CS182 and UCLA submissions in their own layouts and conventions.

``select(submission, scratch)`` looks at a submission's scratch copy (``detect``), prepares it
(``supply``: assignment root, helper files, compatibility stand-ins) and returns a ``Selection``:
the profile and year variant, the assignment root, the worker's ``Layout`` with the variant's call
adapters, the rubrics, and the reasons for each choice. The engine grades with it and puts the
reasons in the report; checks see it as ``ctx.selection``.

``PROFILES`` lists every profile by name (``grade profiles``); ``canonical`` is the layout of
``reference/`` and ``student_template/`` (one package holding ``layers.py``, ``classifiers/`` ...).
"""
from __future__ import annotations

from pathlib import Path

from ..layout import Layout
from ..submission import find_package_root
from . import cs182, cs231n, python2, supply, ucla
from .base import (BASE_SOLVER_KEYWORDS, CS231N_SOLVER_KEYWORDS, Course, Helper, Profile, Selection,
                   Variant)
from .detect import Detection, ProfileError, UnsupportedAssignment, course_package, detect, parse_forced

__all__ = ["BASE_SOLVER_KEYWORDS", "CANONICAL", "CS231N_SOLVER_KEYWORDS", "PROFILES", "Course",
           "Detection", "Helper", "Profile", "ProfileError", "Selection", "UnsupportedAssignment", "Variant",
           "course_package",
           "describe", "detect", "parse_forced", "select"]

#: The layout of reference/ and student_template/: every canonical keyword as is.
CANONICAL = Profile(
    name="canonical",
    course=Course(name="canonical", title="Canonical (the reference's own layout)", package="",
                  variants=(Variant("canonical", "the reference's API: every canonical keyword",
                                    solver_keywords=CS231N_SOLVER_KEYWORDS
                                    + ("log_acc_iteration", "record_grad_norm")),),
                  default_variant="canonical"),
    title="Canonical numpy deep-learning assignment (the layout of student_template/)",
    rubrics=("canonical",),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (CANONICAL, *cs231n.PROFILES, *cs182.PROFILES,
                                                    *ucla.PROFILES)}


def select(submission: Path, scratch: Path, *, forced: str | None = None,
           name: str | None = None) -> Selection:
    """Detect and prepare the submission copied at ``submission`` (inside ``scratch``).

    ``forced``: ``--profile NAME[:VARIANT]``; ``name``: the submission's original folder name.
    Raises ``ProfileError`` for a bad ``forced``, ``SubmissionError`` when a canonical
    submission holds no student modules, and ``UnsupportedAssignment`` when no rubric covers the
    assignment found.
    """
    found = detect(submission, PROFILES, forced=forced, name=name)
    if found.notebook_only:     # no package: built from the notebooks' cells, then detected again
        course = next(p for p in PROFILES.values() if p.course.name == found.course)
        root, extracted = supply.notebook_package(list(found.notebook_only), course.course.package,
                                                  course.module_map, scratch)
        first = found.reasons + extracted
        found = detect(root, PROFILES, forced=forced, name=name)
        found.reasons[:0] = first
    if found.unsupported:
        raise UnsupportedAssignment(found.unsupported)
    profile, variant = found.profile, found.variant
    if profile is CANONICAL:
        root = find_package_root(submission)
        return Selection(profile, variant, root, Layout.canonical(root), found.rubrics,
                         reasons=found.reasons)
    package = profile.course.package
    root = found.root
    if root is None:
        root = supply.assignment_root(found.package_dir, package, scratch)
    helpers = found.helper_package
    supplied, unavailable = supply.supply_helpers([profile] + [PROFILES[name] for name in found.also],
                                                  variant, root, helpers)
    packages = [package] + ([helpers] if helpers and helpers != package else [])
    skip = {s.split(" (", 1)[0] for s in supplied}
    translated = []
    if variant.conventions.get("python2"):    # a Python 2 course year: its Python 2 files translated
        translated = python2.translate(root, supply.python_files(root, packages), skip)
    compat, compat_notes = supply.compat_dir(root, packages)
    aliases = supply.numpy_aliases(root, packages, variant)
    module_map = {canon: supply.expand(target, package, helpers)
                  for canon, target in profile.module_map.items()}
    layout = Layout(sys_path=[str(root.resolve())] + ([str(compat.resolve())] if compat else []),
                    module_prefix=f"{package}.", module_map=module_map,
                    adapters={target: [dict(op) for op in ops]
                              for target, ops in variant.adapters.items()},
                    bare_packages=packages, numpy_aliases=aliases)
    notes = unavailable + ([python2.note(translated)] if translated else [])
    return Selection(profile, variant, root, layout, found.rubrics, reasons=found.reasons,
                     supplied=supplied, problems=notes + compat_notes + supply.problems(root, packages, skip, aliases))


def describe(selection: Selection) -> list[str]:
    """The report notes for a selection: profile, variant, why, what was supplied, problems."""
    notes = [f"profile {selection.label}: {selection.profile.title}; {selection.variant.description}"]
    if selection.reasons:
        notes.append("why: " + "; ".join(selection.reasons))
    if selection.supplied:
        notes.append("supplied by the grader (course helper files the student does not own): "
                     + ", ".join(selection.supplied))
    notes.extend(selection.problems)
    return notes
