"""Python 2 course code, translated to Python 3 in the scratch copy before grading.

CS231n's winter 2016 course was taught in Python 2.7 (docs/courses.md §A1): the starter's own
lines (``print 'iteration %d'``, ``xrange``, ``dict.iteritems()``) make the whole module fail to
import under Python 3, and every check of it would fail for the course's code, not the
student's. A package file that does not compile as Python 3, or that uses a Python 2 builtin
it does not define or import (``xrange``, ``d.iteritems()``), is therefore run through the 2to3
fixers of ``fissix`` (a maintained fork of lib2to3) and kept translated when the result
compiles; the report names each translated file. Any other file is never touched, and neither is
one the fixers cannot turn into Python 3 (its compile problem is reported as before).

Only text is read and written here (``fissix`` parses, it does not run anything). The fixers do
not change ``/``: Python 2's integer division stays a true division. The course helpers whose
arithmetic depends on it (the 2016 ``Solver``'s ``num_train / batch_size``) are not translated but
replaced by the grader's Python 3 copy (``supply``), which uses ``//``.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

from . import scan


@lru_cache(maxsize=1)
def _tool():
    from fissix.refactor import RefactoringTool, get_fixers_from_package

    return RefactoringTool(get_fixers_from_package("fissix.fixes"))


def translated(source: str, name: str) -> str | None:
    """``source`` translated to Python 3, or None when the fixers fail or the result does not compile."""
    text = source if source.endswith("\n") else source + "\n"
    try:
        result = str(_tool().refactor_string(text, name))
        compile(result, name, "exec", dont_inherit=True)
    except Exception:  # noqa: BLE001 -- fissix raises its own parse errors; any means "cannot"
        return None
    return result


#: Builtins Python 3 no longer has; a module that uses one without defining or importing it
#: compiles but fails when the line runs (2016's ``for i in xrange(num_test)``).
PY2_BUILTINS = {"xrange", "unicode", "basestring", "raw_input", "unichr", "long", "execfile",
                "reduce", "cmp", "file", "reload", "intern", "apply", "buffer"}
PY2_DICT_METHODS = {"iteritems", "itervalues", "iterkeys", "has_key"}


def python2_names(source: str) -> list[str]:
    """The Python 2 builtins and dict methods a Python 3 module uses without binding them."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in PY2_DICT_METHODS):
            used.add("." + node.func.attr)
    names = (used & PY2_BUILTINS) - bound
    return sorted(names | {u for u in used if u.startswith(".")})


def translate(root: Path, files: list[Path], skip: set[str]) -> list[str]:
    """Translate, in place, each of ``files`` that is Python 2 (does not compile as Python 3, or
    uses a Python 2 builtin it does not bind); return their paths relative to ``root``
    (``skip``: paths relative to ``root`` left alone)."""
    done = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        if rel in skip:
            continue
        source = scan.read_source(path)
        if source is None:
            continue
        problem = scan.compile_problem(path, rel)
        if problem is None and not python2_names(source):
            continue    # Python 3: never touched
        if problem is not None and ("TabError" in problem or "not UTF-8" in problem):
            continue    # not Python 2 syntax: reported as it is
        text = translated(source, rel)
        if text is not None:
            path.write_text(text, encoding="utf-8")
            done.append(rel)
    return done


def note(files: list[str]) -> str:
    return ("Python 2 code translated to Python 3 before grading (2to3 fixers of fissix; print "
            "statements, xrange, iteritems ...): " + ", ".join(files))
