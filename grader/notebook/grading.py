"""The engine's notebook step: plan, (optionally) extract and execute, then run the notebook
rubrics' checks and list the questions left for manual grading.

``grader.engine.grade`` calls, in this order:

1. ``plan(submission_dir, notes)``: the notebooks of the submission with their rubric and stored
   outputs (a corrupt one becomes a note and a failed ``notebook.valid``; the package is graded
   as usual);
2. ``extract(notebooks, scratch, notes)`` only when no package was found: a package folder built
   from the notebooks' definitions, when a notebook's rubric allows it (``extract_package``);
3. ``grade_notebooks(...)`` after the package checks (their results verify the claims): under
   ``--execute`` each notebook is first re-run in a sandbox worker of its own; then each notebook
   rubric's checks run in the grader, with the notebook in ``params["notebook"]``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from ..result import CheckResult, ManualItem
from .execute import ExecuteSettings, execute_notebook
from .extract import extract_package
from .plan import NotebookUnderTest, plan_notebooks


def plan(submission_dir: Path, notes: list[str]) -> list[NotebookUnderTest]:
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


def _execute(nut: NotebookUnderTest, submission_dir: Path, scratch: Path, options, index: int,
             notes: list[str]) -> None:
    settings = ExecuteSettings.from_spec(nut.spec.get("execute"))
    workdir = scratch / f"execute-{index}"
    try:
        nut.execution = execute_notebook(nut.path, submission_dir, workdir, limits=options.limits,
                                         settings=settings, data_dir=_data_dir(options))
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


def _data_dir(options) -> str | None:
    from ..datasets import Datasets

    folder = Datasets(options.data).cifar10_dir
    return str(folder) if folder is not None and folder.is_dir() else None


def grade_notebooks(notebooks: list[NotebookUnderTest], *, worker, datasets, package_root,
                    package_results: list[CheckResult], options, submission_dir: Path,
                    scratch: Path, notes: list[str]) -> tuple[list[CheckResult], list[ManualItem]]:
    """Run every notebook's rubric; returns (results, questions for manual grading)."""
    from ..checks.notebook import manual_questions
    from ..engine import run_check

    by_id = {r.name: r for r in package_results}
    results: list[CheckResult] = []
    manual: list[ManualItem] = []
    for index, nut in enumerate(notebooks):
        nut.package_results = by_id
        nut.package_present = worker is not None
        if getattr(options, "execute_notebooks", False) and nut.problem is None:
            _execute(nut, submission_dir, scratch, options, index, notes)
        root = package_root if package_root is not None else nut.path.parent
        sections = nut.rubric.sections
        for section in sections:
            label = nut.name if len(sections) == 1 else f"{nut.name}/{section.name}"
            for rc in section.checks:
                rc = dataclasses.replace(rc, params={**rc.params, "notebook": nut})
                results.append(run_check(label, rc, worker, {}, datasets, root, options.call_timeout))
        manual.extend(ManualItem(source=nut.name, **item) for item in manual_questions(nut))
    return results, manual




def extracted_selection(root: Path):
    """The canonical profile applied to an extracted package folder."""
    from ..layout import Layout
    from ..profiles import CANONICAL, Selection

    return Selection(CANONICAL, CANONICAL.course.variants[0], root, Layout.canonical(root),
                     CANONICAL.rubrics, reasons=["the package was extracted from the notebooks"])


__all__ = ["plan", "extract", "extracted_selection", "grade_notebooks"]
