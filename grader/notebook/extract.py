"""Functions and classes defined in notebook cells, written out as a package the grader can check.

For a notebook-only submission (no ``.py`` files) whose rubric allows it
(``notebook: {extract_package: true}``), ``extract_package(notebooks, dest)`` writes ``dest`` in
the canonical layout:

* ``dest/_notebook_code.py``: every top-level ``import`` of the notebooks' code cells (each
  wrapped in ``try``, since the course package they name is missing) followed by every top-level
  ``def`` and ``class``, in cell order (a later definition replaces an earlier one, as in the
  kernel). Nothing else of a cell is kept: no top-level statements run at import but imports,
  decorators and default values;
* one module per canonical module (``layers.py``, ``optim.py``, ``classifiers/fc_net.py`` ...)
  that re-exports the names the reference defines in that module, when the notebook defines them
  (``affine_forward`` -> ``layers.py``).

A course submission handed in as notebooks only (``grader.profiles``) is extracted the same way
into the course's package (``deeplearning/optim.py`` ...), with ``module_paths`` giving the
course's module for each canonical one, and graded with that course's rubric.

Cells are parsed with ``ast`` after magics and shell escapes are blanked; a cell that does not
parse is skipped and named in ``skipped``. The generated code runs only in the sandbox, like any
student code.
"""
from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .read import Notebook

#: The canonical modules of the reference package whose names a notebook may define.
CANONICAL_MODULES = ("layers", "layer_utils", "optim", "solver", "gradient_check", "features",
                     "classifiers.fc_net", "classifiers.neural_net",
                     "classifiers.k_nearest_neighbor", "classifiers.linear_svm",
                     "classifiers.softmax", "classifiers.linear_classifier")
CODE_MODULE = "_notebook_code"


@dataclass
class Extraction:
    """What was extracted: canonical module -> names, the cells that did not parse."""

    modules: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    definitions: int = 0

    @property
    def names(self) -> list[str]:
        return sorted(n for names in self.modules.values() for n in names)


@lru_cache(maxsize=1)
def reference_index() -> dict[str, str]:
    """name -> canonical module, for every public function and class the reference defines."""
    index: dict[str, str] = {}
    for module in CANONICAL_MODULES:
        try:   # a source checkout, or a course pack's reference/ (its stubs define every name)
            mod = importlib.import_module(f"reference.{module}")
        except ImportError:   # the engine alone: no course, nothing to extract
            return {}
        for name, obj in vars(mod).items():
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if getattr(obj, "__module__", "") == mod.__name__:
                index.setdefault(name, module)
    return index


def _blank_magics(source: str) -> str:
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""
    return "\n".join(("" if ln.lstrip().startswith(("%", "!")) else ln) for ln in lines)


def _guarded_import(node: ast.stmt) -> str:
    body = ast.unparse(node)
    return f"try:\n    {body}\nexcept Exception:\n    pass\n"


@dataclass
class CellCode:
    """The top-level imports and definitions of notebooks' code cells, in cell order."""

    imports: list[str] = field(default_factory=list)          # guarded import statements
    definitions: dict[str, str] = field(default_factory=dict)  # name -> source (the later one)
    packages: list[str] = field(default_factory=list)         # top-level package of each import
    skipped: list[str] = field(default_factory=list)

    @property
    def graded(self) -> dict[str, str]:
        """name -> canonical module, for the definitions the reference also defines."""
        index = reference_index()
        return {name: index[name] for name in self.definitions if name in index}


def read_cells(notebooks: list[Notebook]) -> CellCode:
    """Parse every code cell (magics blanked); a cell that does not parse is named in ``skipped``."""
    code = CellCode()
    for nb in notebooks:
        for cell in nb.code_cells:
            try:
                tree = ast.parse(_blank_magics(cell.source))
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                code.skipped.append(f"{nb.name} {cell.label}")
                continue
            for node in tree.body:
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                    code.imports.append(_guarded_import(node))
                    names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                    code.packages += [n.split(".")[0] for n in names if n]
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    code.definitions.pop(node.name, None)   # the later definition wins, kept last
                    code.definitions[node.name] = ast.unparse(node)
    return code


def extract_package(notebooks: list[Notebook], dest: Path,
                    module_paths: Mapping[str, str | None] | None = None) -> Extraction:
    """Write the definitions of ``notebooks`` into the package folder ``dest`` (see above).

    ``module_paths``: canonical module -> the module (dotted, relative to ``dest``) that holds its
    names in the course's layout (UCLA: ``classifiers.fc_net`` -> ``fc_net``), or None to leave
    that module out (a helper the course provides); a module not named keeps its canonical path.
    """
    module_paths = module_paths or {}
    code = read_cells(notebooks)
    result = Extraction(skipped=code.skipped, definitions=len(code.definitions))
    for name, module in code.graded.items():
        if module_paths.get(module, module) is not None:
            result.modules.setdefault(module, []).append(name)
    if not result.modules:
        return result
    dest.mkdir(parents=True, exist_ok=True)
    header = '"""Generated by the grader from the notebook\'s cells."""\n'
    text = (header + "".join(dict.fromkeys(code.imports)) + "\n\n"
            + "\n\n\n".join(code.definitions.values()) + "\n")
    (dest / f"{CODE_MODULE}.py").write_text(text, encoding="utf-8")
    (dest / "__init__.py").write_text("", encoding="utf-8")
    for module, names in result.modules.items():
        parts = module_paths.get(module, module).split(".")
        folder = dest.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        if len(parts) > 1 and not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("", encoding="utf-8")
        dots = "." * len(parts)
        (folder / f"{parts[-1]}.py").write_text(
            f"from {dots}{CODE_MODULE} import {', '.join(sorted(names))}  # noqa: F401\n", encoding="utf-8")
    return result
