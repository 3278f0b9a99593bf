"""Which notebooks a submission holds, which rubric grades each one, and what checks receive.

Notebook rubrics live in ``rubrics/notebooks/*.yaml``. Each is an ordinary rubric (same schema,
sections of checks) plus a ``notebook:`` block::

    notebook:
      match: ["knn.ipynb"]          # file names (glob, case-insensitive) this rubric grades
      extract_package: false        # notebook-only submissions: extract cell definitions?
      ignore_cells: ["!zip"]        # code cells whose source contains one of these are ignored
      execute: {cell_timeout: 60, budget: 900, values: {best_val: best_val}}
      claims: [...]                 # grader.notebook.claims.Claim
      questions: [...]              # grader.notebook.questions (id/match, points, kind, key)
      template_cells: [...]         # grader.notebook.template.TemplateCell

A notebook whose name no rubric matches is graded with ``generic.yaml``. The engine appends the
notebook rubric's checks after the package rubric's, so a submission without notebooks grades
exactly as before.

Checks of kind ``notebook`` receive a ``NotebookUnderTest`` as ``ctx.notebook`` (planned with the
check by ``grader.notebook.grading``): the file, its parsed stored outputs (or why it could not be
read), the ``--execute`` result when there is one, the rubric's ``notebook:`` block, and the
results of the package checks already run (claims are verified against them).
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..rubric import Rubric, RubricError, load_rubric
from ..yaml_source import LineLoader, plain
from ..submission import SKIP_NAMES
from .read import Notebook, NotebookError, read_notebook

NOTEBOOK_RUBRIC_DIR = "notebooks"
# Notebooks that are not part of what the student was asked to hand in: the course's upload
# helper (docs/courses.md §1), Jupyter's default name for a scratch notebook, and the unsolved
# starters some courses ship beside the solved copy (UCLA ``*_nosol``).
NOT_GRADED = {"collect_submission*.ipynb": "the course's upload helper",
              "collectsubmission*.ipynb": "the course's upload helper",
              "untitled*.ipynb": "a scratch notebook",
              "*_nosol*.ipynb": "an unsolved starter"}
# Courses that ask for one of two framework notebooks (docs/courses.md §1): only the one the
# student ran is graded.
FRAMEWORKS = ("pytorch", "tensorflow")
GENERIC = "generic"
MAX_NOTEBOOKS = 20
MAX_DEPTH = 5


@dataclass
class NotebookUnderTest:
    """One notebook of the submission, as the notebook checks see it."""

    name: str                              # path inside the submission, e.g. "assignment1/knn.ipynb"
    path: Path                             # the scratch copy
    rubric: Rubric
    spec: dict[str, Any]                   # the rubric's notebook: block
    stored: Notebook | None = None         # the stored outputs, as handed in
    problem: str | None = None             # why the file could not be read (None: it could)
    execution: Any = None                  # grader.notebook.execute.Execution under --execute
    package_results: dict[str, Any] = field(default_factory=dict)   # check id -> CheckResult
    package_present: bool = False
    # figures the claims check could not verify, left to a TA: {title, prompt, answer, share}
    # (share: the part of notebook.claims' points each one carries); set by that check
    review: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notebook(self) -> Notebook | None:
        """What the checks read: the re-executed notebook under ``--execute``, else the stored one."""
        if self.execution is not None and self.execution.notebook is not None:
            return self.execution.notebook
        return self.stored

    @property
    def executed(self) -> bool:
        return self.execution is not None

    def ignored(self, source: str) -> bool:
        return any(s in source for s in self.spec.get("ignore_cells") or [])


def find_notebooks(root: Path, limit: int = MAX_NOTEBOOKS) -> list[Path]:
    """``*.ipynb`` files under ``root`` (breadth-first, no symlinks, hidden and housekeeping
    folders skipped), at most ``limit``."""
    found, level = [], [Path(root)]
    for _ in range(MAX_DEPTH + 1):
        nxt = []
        for folder in level:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            for e in entries:
                if e.name.startswith(".") or e.name in SKIP_NAMES or e.is_symlink():
                    continue
                if e.is_dir(follow_symlinks=False):
                    nxt.append(Path(e.path))
                elif e.name.lower().endswith(".ipynb") and e.is_file(follow_symlinks=False):
                    found.append(Path(e.path))
                    if len(found) >= limit:
                        return found
        level = nxt
    return found


def _rubric_dir() -> Path:
    return Path(str(resources.files("rubrics"))) / NOTEBOOK_RUBRIC_DIR


def notebook_spec(rubric: Rubric) -> dict[str, Any]:
    """The ``notebook:`` block of a rubric file (validated by the rubric schema on load)."""
    if rubric.path is None:
        return {}
    document = yaml.load(rubric.path.read_text(encoding="utf-8"), Loader=LineLoader)
    return plain(document.get("notebook") or {}) if isinstance(document, dict) else {}


@lru_cache(maxsize=None)
def _load(path: str) -> tuple[Rubric, dict]:
    rubric = load_rubric(Path(path))
    return rubric, notebook_spec(rubric)


def notebook_rubrics() -> list[tuple[Rubric, dict]]:
    """Every packaged notebook rubric (``generic`` last)."""
    paths = sorted(_rubric_dir().glob("*.yaml"), key=lambda p: (p.stem == GENERIC, p.stem))
    return [_load(str(p)) for p in paths]


def rubric_for(name: str) -> tuple[Rubric, dict]:
    """The notebook rubric for the file ``name``: the first packaged rubric whose ``match``
    globs fit the file name, otherwise ``generic``."""
    base = Path(name).name.lower()
    generic = None
    for rubric, spec in notebook_rubrics():
        if rubric.name == GENERIC:
            generic = (rubric, spec)
            continue
        if any(fnmatch.fnmatch(base, str(g).lower()) for g in spec.get("match") or []):
            return rubric, spec
    if generic is None:
        raise RubricError("rubrics/notebooks/generic.yaml is missing")
    return generic


def not_graded_reason(name: str) -> str | None:
    """Why the notebook ``name`` is not part of the assignment (None: it is)."""
    base = Path(name).name.lower()
    for glob, why in NOT_GRADED.items():
        if fnmatch.fnmatch(base, glob):
            return why
    return None


def _ran(nut: NotebookUnderTest) -> bool:
    """The notebook holds outputs of a run (an execution count or stored outputs)."""
    nb = nut.stored
    return nb is not None and any(c.ran for c in nb.code_cells)


def _family(nut: NotebookUnderTest) -> str:
    """What a copy shares with its original: the folder and the stem without a copy suffix
    (``knn2``, ``knn-Copy1``, ``knn (1)`` -> ``knn``), with the framework named generically."""
    stem = Path(nut.name).stem.lower()
    for fw in FRAMEWORKS:
        stem = stem.replace(fw, "<framework>")
    stem = re.sub(r"(?:[\s_-]*copy\d*|\s*\(\d+\)|\d+)$", "", stem)
    return f"{Path(nut.name).parent.as_posix()}/{stem}"


def drop_unrun_copies(plans: list[NotebookUnderTest], notes: list[str]) -> list[NotebookUnderTest]:
    """Drop a never-run notebook when a run notebook of the same family sits beside it (the blank
    starter beside the student's executed copy, the framework notebook the student did not
    choose)."""
    ran_families = {_family(n) for n in plans if _ran(n)}
    kept = []
    for nut in plans:
        if nut.problem is None and not _ran(nut) and _family(nut) in ran_families:
            notes.append(f"{nut.name} was not graded: it was never run, and the executed "
                         f"notebook beside it is graded instead")
            continue
        kept.append(nut)
    return kept


def plan_notebooks(submission_root: Path, notes: list[str]) -> list[NotebookUnderTest]:
    """One ``NotebookUnderTest`` per notebook of the assignment, its stored outputs read;
    notebooks that are not part of it are named in ``notes`` and get no checks."""
    paths = find_notebooks(submission_root)
    if len(paths) >= MAX_NOTEBOOKS:
        notes.append(f"only the first {MAX_NOTEBOOKS} notebooks are graded")
    plans = []
    for path in paths:
        why = not_graded_reason(path.name)
        if why is not None:
            notes.append(f"{path.relative_to(submission_root).as_posix()} was not graded: {why}, "
                         "not part of the assignment")
            continue
        name = path.relative_to(submission_root).as_posix()
        rubric, spec = rubric_for(name)
        nut = NotebookUnderTest(name=name, path=path, rubric=rubric, spec=spec)
        try:
            nut.stored = read_notebook(path, name)
        except NotebookError as exc:
            nut.problem = str(exc)
            notes.append(f"notebook {exc}")
        plans.append(nut)
    return drop_unrun_copies(plans, notes)
