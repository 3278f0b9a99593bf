"""Shared test helpers: submissions made from the reference, and running checks against them.

* ``make_submission(tmp_path, patches)`` copies ``reference/`` and applies source patches
  (``Patch(file, find, replace)``; ``find`` must occur exactly once), so a test can build a
  realistic buggy submission in one line.
* ``CheckRunner(root)`` starts one sandboxed worker on a submission folder and runs registered
  checks against it with fixtures produced by the reference in memory (no rubric needed).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from grader import fixtures as fixture_store
from grader.checks import load_catalogue
from grader.checks.base import FIXTURE_BUILDERS, REGISTRY
from grader.engine import run_check
from grader.layout import Layout
from grader.rubric import RubricCheck
from grader.sandbox import Limits, Worker

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "reference"
TEMPLATE = REPO / "student_template"


@dataclass(frozen=True)
class Patch:
    """Replace the one occurrence of ``find`` in ``file`` (relative to the package) by ``replace``."""

    file: str
    find: str
    replace: str


def apply_patches(root: Path, patches) -> None:
    for patch in patches:
        path = root / patch.file
        source = path.read_text()
        count = source.count(patch.find)
        if count != 1:
            raise AssertionError(f"{patch.file}: {patch.find!r} occurs {count} times, expected once")
        path.write_text(source.replace(patch.find, patch.replace))


def make_submission(tmp_path: Path, patches=(), source: Path = REFERENCE, name: str = "submission") -> Path:
    """A copy of ``source`` (the reference by default) with ``patches`` applied."""
    root = tmp_path / name
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("__pycache__", "__main__.py",
                                                                 "course_conventions.py"))
    apply_patches(root, patches)
    return root


@lru_cache(maxsize=1)
def all_fixtures() -> dict:
    """Every registered fixture builder run on the reference, grouped ``{builder: {key: arr}}``."""
    load_catalogue()
    return fixture_store.group(fixture_store.build_arrays(sorted(FIXTURE_BUILDERS)))


@dataclass
class CheckRunner:
    """One worker on ``root``; ``run(check_id)`` returns the scored ``CheckResult``."""

    root: Path
    limits: Limits = field(default_factory=lambda: Limits(call_timeout=30))
    datasets: object = None

    def __post_init__(self):
        from grader.datasets import Datasets

        load_catalogue()
        self.datasets = self.datasets or Datasets()
        self.worker = Worker(self.root, Layout.canonical(self.root), self.limits,
                             scratch_dir=self.root.parent / f"{self.root.name}-work")
        self.worker.__enter__()

    def run(self, check_id: str, *, points: float = 1.0, tolerance=None, params=None,
            partial_credit=None, timeout: float = 30.0, selection=None):
        assert check_id in REGISTRY, f"no check named {check_id!r}"
        rc = RubricCheck(id=check_id, points=points, tolerance=tolerance, visibility="visible",
                         timeout=timeout, partial_credit=partial_credit or {"rule": "all_or_nothing"},
                         params=params or {})
        return run_check("test", rc, self.worker, all_fixtures(), self.datasets, self.root,
                         selection=selection)

    def close(self):
        self.worker.__exit__(None, None, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
