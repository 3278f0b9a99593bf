"""The engine's notebook step: find the notebooks, plan their checks, and (``--execute``)
re-run them in the sandbox. It never runs a check itself: it hands planned checks to the engine.

``grader.engine.grade`` calls, in this order:

1. ``find(submission_dir, notes)``: the notebooks of the submission with their rubric and stored
   outputs (a corrupt one becomes a note and a failed ``notebook.valid``; the package is graded
   as usual);
2. ``extract(notebooks, scratch, notes)`` only when no package was found: a package folder built
   from the notebooks' definitions, when a notebook's rubric allows it (``extract_package``);
3. ``planned_checks(notebooks)``: each notebook rubric's checks, the notebook in
   ``PlannedCheck.notebook`` (checks read it as ``ctx.notebook``);
4. after the package checks ran: ``attach_package_results(...)`` (the claims are verified
   against them) and, under ``--execute``, ``execute_all(...)``: each notebook re-run in a
   sandbox worker of its own.

``manual_items(notebooks)`` lists the questions left for manual grading.
"""
from __future__ import annotations

from pathlib import Path

from ..layout import Layout
from ..plan import PlannedCheck
from ..profiles import CANONICAL, Selection
from ..result import CheckResult, ManualItem
from ..sandbox import Limits
from .execute import ExecuteSettings, execute_notebook
from .extract import extract_package
from .plan import NotebookUnderTest, plan_notebooks
from .questions import manual_questions


def find(submission_dir: Path | None, notes: list[str]) -> list[NotebookUnderTest]:
    """The submission's notebooks (``[]`` when it holds none); never raises for a bad notebook."""
    if submission_dir is None or not Path(submission_dir).is_dir():
        return []
    return plan_notebooks(Path(submission_dir), notes)


def extract(notebooks: list[NotebookUnderTest], scratch: Path, notes: list[str]) -> Path | None:
    """A package built from the notebooks' cells (``None`` when no rubric allows it or no
    graded function is defined in them)."""
    allowed = [n for n in notebooks if n.spec.get("extract_package") and n.stored is not None]
    if not allowed:
        return None
    dest = scratch / "extracted"
    result = extract_package([n.stored for n in allowed], dest)
    if not result.modules:
        notes.append("the notebooks define none of the functions the rubric grades; nothing "
                     "could be extracted")
        return None
    modules = ", ".join(f"{m} ({len(v)})" for m, v in sorted(result.modules.items()))
    notes.append(f"no package was handed in: graded the functions defined in "
                 f"{', '.join(n.name for n in allowed)} instead ({modules})")
    if result.skipped:
        notes.append("cells that are not valid Python were skipped: " + ", ".join(result.skipped[:10]))
    return dest


def extracted_selection(root: Path) -> Selection:
    """The canonical profile applied to an extracted package folder."""
    return Selection(CANONICAL, CANONICAL.course.variants[0], root, Layout.canonical(root),
                     CANONICAL.rubrics, reasons=["the package was extracted from the notebooks"])


def planned_checks(notebooks: list[NotebookUnderTest]) -> list[PlannedCheck]:
    """Every notebook rubric's checks, notebook by notebook; a rubric with several sections
    reports them as ``NOTEBOOK/SECTION``."""
    planned: list[PlannedCheck] = []
    for nut in notebooks:
        sections = nut.rubric.sections
        for section in sections:
            label = nut.name if len(sections) == 1 else f"{nut.name}/{section.name}"
            planned.extend(PlannedCheck(label, rc, nut) for rc in section.checks)
    return planned


def attach_package_results(notebooks: list[NotebookUnderTest], results: list[CheckResult],
                           package_present: bool) -> None:
    """Give every notebook the package checks' results (its claims are verified against them)."""
    by_id = {r.name: r for r in results}
    for nut in notebooks:
        nut.package_results = by_id
        nut.package_present = package_present


def execute_all(notebooks: list[NotebookUnderTest], submission_dir: Path, scratch: Path, *,
                limits: Limits, data_dir: str | None, notes: list[str]) -> None:
    """``--execute``: re-run every readable notebook in a sandbox worker of its own."""
    for index, nut in enumerate(notebooks):
        if nut.problem is None:
            _execute(nut, submission_dir, scratch / f"execute-{index}", limits, data_dir, notes)


def _execute(nut: NotebookUnderTest, submission_dir: Path, workdir: Path, limits: Limits,
             data_dir: str | None, notes: list[str]) -> None:
    settings = ExecuteSettings.from_spec(nut.spec.get("execute"))
    try:
        nut.execution = execute_notebook(nut.path, submission_dir, workdir, limits=limits,
                                         settings=settings, data_dir=data_dir)
    except Exception as exc:  # the sandbox itself failed: a grader problem, reported as such
        notes.append(f"{nut.name}: --execute failed in the grader: {type(exc).__name__}: {exc}")
        return
    run = nut.execution
    timing = f"kernel start {run.kernel_start_s:.1f} s, " if run.kernel_start_s is not None else ""
    notes.append(f"{nut.name}: re-executed in the sandbox ({timing}{run.total_s:.1f} s in all"
                 + (f"; {run.restarts} kernel restart(s)" if run.restarts else "")
                 + (f"; {run.problem}" if run.problem else "") + ")")
    if run.neutralised:
        notes.append(f"{nut.name}: set-up lines neutralised before running: "
                     + ", ".join(run.neutralised[:10]))


def manual_items(notebooks: list[NotebookUnderTest]) -> list[ManualItem]:
    """What a TA grades by hand in every notebook: its free-text questions, then the figures its
    claims check could not verify (with their share of that check's points)."""
    items = [ManualItem(source=nut.name, **item) for nut in notebooks for item in manual_questions(nut)]
    for nut in notebooks:
        points = sum(c.points for _, c in nut.rubric.iter_checks() if c.id == "notebook.claims")
        for figure in nut.review:
            items.append(ManualItem(source=nut.name, kind="figure", title=figure["title"],
                                    prompt=figure["prompt"], answer=figure["answer"],
                                    points=round(points * figure["share"], 4)))
    return items


__all__ = ["attach_package_results", "execute_all", "extract", "extracted_selection", "find",
           "manual_items", "planned_checks"]
