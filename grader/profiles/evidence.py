"""The positive evidence an assignment needs before it is graded, and what a folder shows.

Each course module states, for every assignment of the course it knows (``Evidence``), what a
folder must hold to be that assignment: folder names, notebooks beside the package, package
modules, functions defined in them, files in ``submission_logs/``. Assignments that no rubric
covers (UCLA HW2 and HW5, CS231n assignment 3, CS182 hw1 ...) are stated the same way, with
``profile=None``: a folder showing them is reported as unsupported, with what was found, and
nothing is graded (better than grading it with the nearest rubric).

``Found`` is what one folder holds, read once without running anything (``scan``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import scan


@dataclass(frozen=True)
class Evidence:
    """What shows that a folder holds one assignment (any one item is enough).

    title:     e.g. ``"UCLA HW5 (CNN)"``; used in the report.
    profile:   the profile that grades it, or None when no rubric covers it.
    folder:    a regular expression one of the folder names (root and parents) matches.
    notebooks: notebook file names beside the package.
    modules:   files in the package (``classifiers/rnn.py``).
    functions: ``(module, name)``: a def/class ``name`` in that package file.
    logs:      file-name prefixes in ``submission_logs/`` (``train_2layer_fc``).
    unless:    notebook or module names whose presence means it is NOT this assignment (a later
               year of a supported assignment that shares a file with it).
    """

    title: str
    profile: str | None = None
    folder: str | None = None
    notebooks: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    functions: tuple[tuple[str, str], ...] = ()
    logs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


@dataclass
class Found:
    """What one assignment folder holds: its names, notebooks, package files and logs."""

    pkg: Path
    names: list[str] = field(default_factory=list)
    notebooks: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    logs: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, root: Path | None, pkg: Path, names: list[str], notebooks: set[str]) -> Found:
        modules: set[str] = set()
        try:
            for path in sorted(pkg.rglob("*"))[:2000]:
                rel = path.relative_to(pkg)
                if path.is_file() and not path.is_symlink() and path.suffix in (".py", ".pyx") \
                        and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                    modules.add(rel.as_posix())
        except OSError:
            pass
        logs: list[str] = []
        folder = root / "submission_logs" if root is not None else None
        if folder is not None and folder.is_dir() and not folder.is_symlink():
            try:
                logs = sorted(p.name for p in folder.iterdir() if p.is_file())
            except OSError:
                logs = []
        return cls(pkg, [n for n in names if n], set(notebooks), modules, logs)

    def source(self, rel: str) -> str:
        return (scan.read_source(self.pkg / rel) or "") if rel in self.modules else ""

    def has(self, rel: str) -> bool:
        return rel in self.modules

    def describe(self) -> str:
        """One phrase naming what the folder holds (for the unsupported message)."""
        parts = []
        shown = sorted(m for m in self.modules if not m.endswith("__init__.py"))
        if shown:
            parts.append(", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else ""))
        if self.notebooks:
            parts.append("notebooks " + ", ".join(sorted(self.notebooks)[:6]))
        return "; ".join(parts) or "no course modules"


def matches(evidence: Evidence, found: Found, *, use_folder: bool = True) -> list[str]:
    """The items of ``evidence`` that ``found`` shows, as short phrases (``[]``: none)."""
    if any(u in found.notebooks or found.has(u) for u in evidence.unless):
        return []
    hits = []
    if use_folder and evidence.folder:
        name = next((n for n in found.names if re.search(evidence.folder, n, re.IGNORECASE)), None)
        if name:
            hits.append(f"the folder is named {name}")
    notebooks = sorted(found.notebooks & set(evidence.notebooks))
    if notebooks:
        hits.append("notebooks " + ", ".join(notebooks))
    modules = [m for m in evidence.modules if found.has(m)]
    if modules:
        hits.append(", ".join(modules))
    functions = [f"{name} in {rel}" for rel, name in evidence.functions
                 if scan.defines(found.source(rel), name)]
    if functions:
        hits.append(", ".join(functions))
    logs = sorted(f for f in found.logs if f.startswith(evidence.logs)) if evidence.logs else []
    if logs:
        hits.append("submission_logs/ " + ", ".join(logs[:4]))
    return hits


def unsupported_message(evidence: Evidence, hits: list[str], found: Found) -> str:
    """The one line the report gives when no rubric covers the assignment found."""
    return (f"this looks like {evidence.title} ({'; '.join(hits)}), which no rubric covers; "
            f"nothing graded (the folder holds {found.describe()})")
