"""The grader's modules import one another in one direction only.

The import graph of ``grader/`` is read from the source (every ``import`` statement, including
the ones inside functions) and must have no cycle: data flows submission -> profile -> plan ->
session -> checks -> report -> renderers, and a lower layer never reaches back up. Every module
must also import on its own, in a fresh interpreter; the sandbox's protocol module is started by
path inside the worker, so it must import without the ``grader`` package at all.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "grader"
#: The instructor-side checks (beside ``grader/``) are part of the graph: they import the engine,
#: which imports them only by name (``grader.checks.load_catalogue``), never by an import statement.
PACKAGES = (PACKAGE, REPO / "hidden_checks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


#: Every module of the package (folders without ``__init__.py``, such as the course helper files
#: in ``grader/profiles/helpers/`` that are copied into submissions, are not part of it).
MODULES = {module_name(p): p for package in PACKAGES for p in sorted(package.rglob("*.py"))
           if all((folder / "__init__.py").is_file()
                  for folder in [p.parent, *p.parent.parents] if package in [folder, *folder.parents])}


def imported_modules(name: str, source: str, *, is_package: bool = False,
                     known: set[str] | None = None) -> set[str]:
    """The modules among ``known`` that module ``name`` imports, wherever the statement is.

    ``from pkg import sub`` counts as importing the submodule ``pkg.sub`` only (the package is
    then merely a namespace); any other name imported from ``pkg`` as importing ``pkg`` itself.
    """
    known = set(MODULES) if known is None else known
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            subs = {f"{base}.{alias.name}" for alias in node.names} & known
            found.update(subs)
            if len(subs) < len(node.names):
                found.add(base)
    return {m for m in found if m in known and m != name}


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for name, path in MODULES.items():
        deps = imported_modules(name, path.read_text(encoding="utf-8"),
                                is_package=path.name == "__init__.py")
        graph.add_edges_from((name, dep) for dep in deps)
    return graph


def test_the_graph_reader_sees_relative_and_lazy_imports():
    source = ("from . import scoring, __version__\nfrom .checks.base import Outcome\n"
              "def f():\n    from ..engine import grade\n    import grader.result\n")
    known = {"grader", "grader.scoring", "grader.checks.base", "grader.engine", "grader.result",
             "grader.notebook.grading"}
    assert imported_modules("grader.notebook.grading", source, known=known) == {
        "grader.engine", "grader.result"}   # ``.scoring`` would be grader.notebook.scoring
    assert imported_modules("grader.session", source.replace("..engine", ".engine"), known=known) == {
        "grader", "grader.scoring", "grader.checks.base", "grader.engine", "grader.result"}


def test_the_graph_holds_the_instructor_side_checks():
    assert {"hidden_checks", "hidden_checks.optim"} <= set(MODULES)
    assert "grader.checks.optim" in import_graph().successors("hidden_checks.optim")


def test_the_grader_has_no_import_cycle():
    cycles = sorted(nx.simple_cycles(import_graph()), key=len)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:5])


def test_the_engine_flows_one_way():
    graph = import_graph()
    # The engine never imports the instructor-side checks (the engine wheel has none).
    assert not [m for m in graph if m.startswith("grader") and nx.has_path(graph, m, "hidden_checks")]
    # The steps never import the step that drives them.
    for lower, upper in [("grader.plan", "grader.engine"), ("grader.session", "grader.engine"),
                         ("grader.notebook.grading", "grader.engine"),
                         ("grader.notebook.grading", "grader.session"),
                         ("grader.checks.notebook", "grader.notebook.grading"),
                         ("grader.result", "grader.checks.base")]:
        assert not nx.has_path(graph, lower, upper), f"{lower} reaches {upper}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports_on_its_own(name):
    done = subprocess.run([sys.executable, "-c", f"import {name}"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_protocol_module_imports_without_the_grader_package(tmp_path):
    # The worker runs grader/sandbox/protocol.py by path, with no grader package on sys.path.
    script = ("import sys\n"
              f"sys.path.insert(0, {str(PACKAGE / 'sandbox')!r})\n"
              "import protocol\n"
              "assert not [m for m in sys.modules if m.startswith('grader')]\n")
    done = subprocess.run([sys.executable, "-I", "-c", script], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
