"""No grader module uses another module's private names.

A name that starts with one underscore belongs to its module. Code that needs it elsewhere makes
it public (or moves it to the module that shares it, e.g. ``grader.checks.toolkit``). This scan
reads every ``grader/**/*.py`` and the instructor-side checks (``hidden_checks/**/*.py``, which
use the engine's check helpers) and fails on

* ``from X import _y`` (any module X), and
* ``alias._y`` where ``alias`` names an imported grader module (``from . import fc_net as fc``).

Dunder names (``__future__``, ``__version__``) are not private.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "grader"

# Known offenders outside grader/checks, to be made public where they live; remove each entry
# when it is fixed (the last test fails on an entry that no longer offends). Each entry is
# "path: what" as ``offences`` reports it.
ALLOWED: set[str] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(path: Path) -> list[str]:
    """The dotted package a file belongs to, e.g. ``["grader", "checks"]``."""
    return list(path.relative_to(ROOT).parent.parts)


def _resolve(path: Path, node: ast.ImportFrom) -> list[str] | None:
    """The dotted module an ImportFrom imports from, or None when it is outside the grader."""
    if node.level:  # relative: level 1 is the file's own package, 2 its parent, ...
        base = _package_of(path)
        base = base[:len(base) - (node.level - 1)]
        return base + (node.module.split(".") if node.module else [])
    parts = (node.module or "").split(".")
    return parts if parts[0] == "grader" else None


def _is_module(parts: list[str]) -> bool:
    folder = ROOT.joinpath(*parts)
    return folder.with_suffix(".py").is_file() or (folder / "__init__.py").is_file()


def _module_aliases(path: Path, tree: ast.Module) -> set[str]:
    """Names bound to grader modules by the file's imports."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "grader":
                    aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            parts = _resolve(path, node)
            if parts is None:
                continue
            for alias in node.names:
                if _is_module(parts + [alias.name]):
                    aliases.add(alias.asname or alias.name)
    return aliases


def offences(path: Path) -> list[str]:
    """``"<path>: <name>"`` for each private name of another module the file uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    where = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found += [f"{where}: from {'.' * node.level}{node.module or ''} import {a.name}"
                      for a in node.names if _private(a.name)]
    aliases = _module_aliases(path, tree)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            found.append(f"{where}: {node.value.id}.{node.attr}")
    return sorted(set(found))


def _files():
    return sorted(GRADER.rglob("*.py")) + sorted((ROOT / "hidden_checks").rglob("*.py"))


def test_the_scan_sees_the_grader():
    assert any(p.name == "toolkit.py" for p in _files())
    assert any(p.parent.name == "hidden_checks" for p in _files())


def test_the_scan_catches_both_forms(tmp_path, monkeypatch):
    """A check for the check: both forms are reported, dunders and own names are not."""
    package = tmp_path / "grader" / "checks"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "other.py").write_text("def _helper(): pass\n")
    sample = package / "sample.py"
    sample.write_text("from __future__ import annotations\n"
                      "from .other import _helper\n"
                      "from . import other as o\n"
                      "def _mine(): return o._helper(), o.__name__\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert offences(sample) == ["grader/checks/sample.py: from .other import _helper",
                                "grader/checks/sample.py: o._helper"]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_uses_another_modules_private_names(path):
    found = [o for o in offences(path) if o not in ALLOWED]
    assert not found, "make these names public where they are shared:\n" + "\n".join(found)


def test_the_allow_list_holds_only_live_offenders():
    live = {o for path in _files() for o in offences(path)}
    assert ALLOWED <= live, f"no longer offending, remove from ALLOWED: {sorted(ALLOWED - live)}"
