"""Getting a detected submission ready to import: its assignment root, the course helper files
the grader supplies, compatibility stand-ins, and precise remarks on the student's files.

Everything happens in the scratch copy (never in the submission itself) and before the worker
starts; nothing here runs student code.

* ``notebook_package``: a submission of notebooks only, whose cells define the assignment's
  functions, becomes ``assembled/<package>/`` (``grader.notebook.extract``), graded like a package.
* ``assignment_root``: a submission that IS a course package (``grade assignment1/cs231n``) is
  moved one level down, into a folder of its own, so that ``import cs231n.layers`` works.
* ``supply_helpers``: a course helper (``Helper``, e.g. ``cs231n/solver.py``) is replaced by the
  grader's Python 3 copy (``helpers/``, or for a helper that holds a course exercise, the Solver,
  the course content's ``course_helpers/``: see ``helper_source``) when it is missing, does not
  compile under Python 3
  (2016's print statements), imports the PyPI package ``future``/``past`` (2018+ CS231n), or
  imports at module level a package the grading environment does not have (a framework such
  as ``torch`` the course's requirements list): it would fail to import for reasons that are not
  the student's work. A student-owned file (``Profile.student_files``) is never touched, broken
  or not.
* ``compat_dir``: student files may import ``past.builtins`` (CS231n 2025 ``softmax.py``),
  ``future`` or ``matplotlib`` (``neural_net.py`` at module top). When those packages are not
  installed, minimal stand-ins go into ``<root>/.grader_compat`` (last on the worker's path):
  ``xrange``/``install_aliases``/plotting calls that do nothing.
* ``numpy_aliases``: numpy names removed in numpy 1.24/2.0 (``np.float``, ``np.NaN``) that the
  student's files use are restored in the worker when the course year ran on a numpy that had them
  (docs/courses.md, "The grading environment"); later years' code is graded as it runs today.
* Frameworks (``torch``, ``tensorflow``) that a course year's requirements list but the grading
  environment does not have get a stand-in package: importing it works, using it raises an error
  that names the missing framework, so only the functions that use it fail.
* ``problems``: ``file:line: what is wrong`` for Python 2 syntax, TabError, encodings, numpy
  names removed in numpy 1.24/2.0, a package folder without ``__init__.py``, compiled files.
"""
from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from ..notebook.extract import extract_package
from ..notebook.read import NotebookError, read_notebook
from . import scan
from .base import Profile, Variant

HELPERS_DIR = Path(__file__).with_name("helpers")
#: The course content's helper package (the source checkout, or a course pack's ``code/``).
COURSE_HELPERS = "course_helpers"
COMPAT_DIR = ".grader_compat"
MAX_PROBLEMS = 20
#: Packages a course helper may import that are the course's own (present in the submission).
COURSE_PACKAGES = {"cs231n", "deeplearning", "nndl", "utils"}

_COMPAT_FILES = {
    "past": {
        "__init__.py": '"""Stand-in for the PyPI package future\'s ``past`` (supplied by the grader)."""\n',
        "builtins.py": (
            '"""``past.builtins`` names as their Python 3 equivalents (supplied by the grader)."""\n'
            "from functools import reduce  # noqa: F401\n\n"
            "xrange = range\nbasestring = str\nunicode = str\nlong = int\nunichr = chr\n"
            "raw_input = input\n\n\ndef cmp(a, b):\n    return (a > b) - (a < b)\n"),
    },
    "future": {
        "__init__.py": '"""Stand-in for the PyPI package ``future`` (supplied by the grader)."""\n',
        "standard_library.py": ('"""``install_aliases`` is not needed on Python 3."""\n\n\n'
                                "def install_aliases():\n    pass\n"),
        "builtins.py": "from builtins import *  # noqa: F401,F403\n",
        "utils.py": ('"""A few ``future.utils`` helpers, Python 3 only."""\n'
                     "PY2, PY3 = False, True\n\n\n"
                     "def iteritems(d, **kw):\n    return iter(d.items(**kw))\n\n\n"
                     "def itervalues(d, **kw):\n    return iter(d.values(**kw))\n\n\n"
                     "def iterkeys(d, **kw):\n    return iter(d.keys(**kw))\n"),
    },
    "matplotlib": {
        "__init__.py": (
            '"""Stand-in for matplotlib, which is not installed for grading (supplied by the grader):\n'
            'every name is a callable that draws nothing."""\n'
            "rcParams = {}\n\n\nclass _Nothing:\n"
            "    def __call__(self, *args, **kwargs):\n        return _Nothing()\n\n"
            "    def __getattr__(self, name):\n        return _Nothing()\n\n"
            "    def __getitem__(self, key):\n        return _Nothing()\n\n\n"
            "def use(*args, **kwargs):\n    pass\n\n\n"
            "def __getattr__(name):\n    return _Nothing()\n"),
        "pyplot.py": ('"""Stand-in for matplotlib.pyplot: plotting calls do nothing."""\n'
                      "from matplotlib import _Nothing, rcParams  # noqa: F401\n\n\n"
                      "def __getattr__(name):\n    return _Nothing()\n"),
    },
}


#: Frameworks the course years' requirements list (CS231n assignment 2 since 2017, CS182, UCLA);
#: student numpy code may import them beside the graded functions.
FRAMEWORKS = ("torch", "torchvision", "tensorflow", "keras")

_FRAMEWORK_STAND_IN = '''"""Stand-in for {name}, which the grading environment does not have (supplied by the grader).

Importing it works; using any of its names raises ImportError, so only the functions that need
{name} fail. The graded functions of the assignment are numpy code.
"""
import importlib.abc
import importlib.machinery
import sys


def _missing(*args, **kwargs):
    raise ImportError("{name} is not installed for grading: the graded functions must not need it")


class _Missing:
    def __getattr__(self, attr):
        _missing()

    __call__ = _missing


class _Submodules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("{name}."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__path__ = []
        module.__getattr__ = lambda attr: _Missing()


sys.meta_path.append(_Submodules())


def __getattr__(attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return _Missing()
'''


def assignment_root(package_dir: Path, package: str, scratch: Path) -> Path:
    """Copy a bare course package to ``scratch/assembled/<package>``; return the new root (the
    copy in ``scratch/submission`` stays where the notebook grading looks for it)."""
    root = scratch / "assembled"
    root.mkdir()
    shutil.copytree(package_dir, root / package, symlinks=True)
    return root


def notebook_package(notebooks: list[Path], package: str, module_map: Mapping[str, str],
                     scratch: Path) -> tuple[Path, list[str]]:
    """Build ``scratch/assembled/<package>`` from the definitions in ``notebooks`` (a submission
    of notebooks only), the notebooks (and the ``submission_logs/`` beside them) copied beside it
    as the course lays them out; return the new root and one line saying what was extracted.

    ``module_map`` is the profile's (``{package}.fc_net`` for UCLA); helpers the course provides
    (``{helpers}.*``) are not taken from the notebooks: the grader supplies its own."""
    root = scratch / "assembled"
    root.mkdir()
    paths = {canon: (None if target.startswith("{helpers}") else
                     target.replace("{package}.", "", 1)) for canon, target in module_map.items()}
    stored = []
    for path in notebooks:
        try:
            stored.append(read_notebook(path))
        except NotebookError:
            continue
        if not (root / path.name).exists():
            shutil.copy2(path, root / path.name)
        logs = path.parent / "submission_logs"   # what the notebook wrote (CS182 hw02) goes along
        if logs.is_dir() and not logs.is_symlink() and not (root / logs.name).exists():
            shutil.copytree(logs, root / logs.name, symlinks=True)
    result = extract_package(stored, root / package, paths)
    modules = ", ".join(f"{paths.get(m) or m} ({len(v)})" for m, v in sorted(result.modules.items()))
    line = f"extracted from the notebooks' cells into {package}/: {modules}"
    if result.skipped:
        line += "; cells that are not valid Python were skipped: " + ", ".join(result.skipped[:10])
    return root, [line]


def course_helpers_dir() -> Path | None:
    """The folder of ``course_helpers`` where it is importable (the source checkout, or an
    activated course pack, docs/deployment.md); None with the engine alone."""
    try:
        spec = importlib.util.find_spec(COURSE_HELPERS)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def helper_folders() -> list[Path]:
    """Every folder holding the grader's copies of course helper files, engine's first."""
    course = course_helpers_dir()
    return [HELPERS_DIR] + ([course] if course is not None else [])


def helper_source(name: str) -> Path | None:
    """The grader's copy of the helper file ``name`` (``Helper.source``): the engine's own
    (``helpers/``), else the course content's (``course_helpers/``); None when neither has it."""
    for folder in helper_folders():
        if (folder / name).is_file():
            return folder / name
    return None


def expand(template: str, package: str, helpers: str | None) -> str:
    return template.format(package=package, helpers=helpers or package)


def why_replace(path: Path, rel: str) -> str | None:
    """Why the course helper at ``path`` cannot be used as it is (None: it can)."""
    if path.is_symlink():
        return "a symlink"
    if not path.exists():
        return "missing"
    if not path.is_file():
        return "not a file"
    problem = scan.compile_problem(path, rel)
    if problem:
        return f"not Python 3: {problem.split(': ', 1)[-1]}"
    source = scan.read_source(path)
    if source is None:
        return "too large to be the course's file"
    for line, name in scan.top_level_imports(source):
        if name in ("future", "past"):
            return f"imports the PyPI package future (line {line})"
    for line, name in scan.module_level_imports(source):
        if name not in COURSE_PACKAGES and name not in _COMPAT_FILES and not _installed(name):
            return (f"imports {name} (line {line}), which the grading environment does not have; "
                    "the grader's copy does not need it")
    return None


def imported_modules(root: Path, packages: list[str]) -> set[str]:
    """Every dotted name and last component named in the import lines of the packages' files."""
    names: set[str] = set()
    for path in python_files(root, packages):
        for line in (scan.read_source(path) or "").splitlines():
            m = re.match(r"\s*(?:from\s+([\w.]+)\s+import\s+(.*)|import\s+(.*))", line)
            if not m:
                continue
            words = re.findall(r"[\w.]+", " ".join(g for g in m.groups() if g))
            for word in words:
                names.update(word.split("."))
    return names


def supply_helpers(profiles: list[Profile], variant: Variant, root: Path,
                   helpers: str | None) -> tuple[list[str], list[str]]:
    """Write the grader's copies of the profiles' helper files where needed: ``(supplied, not
    supplied)``, one line each (``rel (why)``, and the same with why no copy was available).

    ``profiles``: the detected profile and those of other assignments in the same package (one
    course). A helper that is there but unusable is always replaced; a missing one is supplied
    when it is ``always`` needed (the Solver) or when a file of the submission imports it. A file
    any of the profiles counts as the student's is never touched. A copy that is course content
    (``course_helpers/``) and not here (the engine alone, no course pack) is not supplied, and
    the second list says that the course pack is needed."""
    package = profiles[0].course.package
    owned = {expand(p, package, helpers) for profile in profiles for p in profile.student_files}
    packages = [package] + ([helpers] if helpers and helpers != package else [])
    imported = None
    supplied, unavailable, seen = [], [], set()
    for helper in [h for profile in profiles for h in profile.helpers]:
        if helper.variants and variant.name not in helper.variants:
            continue
        rel = expand(helper.path, package, helpers)
        if rel in owned or rel in seen:     # the student's file wins; each helper once
            continue
        seen.add(rel)
        path = root / rel
        reason = why_replace(path, rel)
        if reason is None:
            continue
        if reason == "missing" and not helper.always:
            if imported is None:
                imported = imported_modules(root, packages)
            if Path(rel).stem not in imported:
                continue
            reason = "missing, and imported by the submission"
        source = helper_source(helper.source)
        if source is None:
            unavailable.append(f"{rel} ({reason}) was not replaced: the grader's copy of the course's "
                               f"{helper.source} is course content and comes with the course pack "
                               "(grade --pack PACK; rebuild a pack without code/course_helpers/); the "
                               "checks that need it fail")
            continue
        text = source.read_text(encoding="utf-8")
        for old, new in helper.substitute.items():
            if old not in text:
                raise RuntimeError(f"helper {helper.source}: {old!r} not found")
            text = text.replace(old, new)
        if path.is_symlink() or path.is_dir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        supplied.append(f"{rel} ({reason})")
    return supplied, unavailable


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def python_files(root: Path, packages: list[str]) -> list[Path]:
    """The .py files of the given package folders under ``root`` (sorted, capped)."""
    files = []
    for package in packages:
        folder = root / package
        if folder.is_dir() and not folder.is_symlink():
            files += [p for p in sorted(folder.rglob("*.py"))
                      if not any(part.startswith(".") or part == "__pycache__"
                                 for part in p.relative_to(root).parts)]
    return files[:400]


def compat_dir(root: Path, packages: list[str]) -> tuple[Path | None, list[str]]:
    """Create the stand-ins the package's files need (module-level imports of uninstalled
    ``past``/``future``/``matplotlib``); return the folder (or None) and one note per stand-in."""
    needed: dict[str, str] = {}
    for path in python_files(root, packages):
        source = scan.read_source(path) or ""
        for line, name in scan.top_level_imports(source):
            if (name in _COMPAT_FILES or name in FRAMEWORKS) and name not in needed and not _installed(name):
                needed[name] = f"{path.relative_to(root).as_posix()}:{line}"
    if not needed:
        return None, []
    folder = root / COMPAT_DIR
    notes = []
    for name, where in sorted(needed.items()):
        files = _COMPAT_FILES.get(name) or {"__init__.py": _FRAMEWORK_STAND_IN.replace("{name}", name)}
        for filename, text in files.items():
            target = folder / name / filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        what = ("draws nothing" if name == "matplotlib" else
                "can be imported; the functions that use it fail" if name in FRAMEWORKS else
                "maps the Python 2 names to Python 3")
        notes.append(f"{where} imports {name}, which is not installed for grading: the grader "
                     f"supplies a stand-in that {what}")
    return folder, notes


def first_year(variant: Variant) -> int | None:
    """The first calendar year of a course variant's name ("2018-2020" -> 2018, "fa23-fa25" -> 2023)."""
    m = re.match(r"(?:[a-z]{2})?(\d{2,4})", variant.name)
    if not m:
        return None
    year = int(m.group(1))
    return year + 2000 if year < 100 else year


#: The last course year whose environment still had the names a numpy release removed
#: (numpy 1.24: December 2022; numpy 2.0: June 2024).
NUMPY_REMOVAL_LAST_YEAR = {"1.24": 2022, "2.0": 2024}


def numpy_aliases(root: Path, packages: list[str], variant: Variant) -> dict[str, str]:
    """Removed numpy names the package files use that the course year's numpy still had:
    name -> meaning (``scan.NUMPY_MEANING``), for the worker to restore."""
    year = first_year(variant)
    if year is None:
        return {}
    found = {}
    for path in python_files(root, packages):
        for _, name in scan.removed_numpy_uses(scan.read_source(path) or ""):
            if year <= NUMPY_REMOVAL_LAST_YEAR[scan.removed_in(name)]:
                found[name] = scan.NUMPY_MEANING[name]
    return dict(sorted(found.items()))


def problems(root: Path, packages: list[str], skip: set[str],
             restored: Mapping[str, str] | None = None) -> list[str]:
    """``file:line: problem`` remarks on the package files (``skip``: supplied helpers;
    ``restored``: the numpy names the grader restores for this course year)."""
    restored = restored or {}
    found = []
    for path in python_files(root, packages):
        rel = path.relative_to(root).as_posix()
        if rel in skip:
            continue
        problem = scan.compile_problem(path, rel)
        if problem:
            if path.name == "__init__.py":
                problem += " (package __init__.py files are not run by the grader)"
            else:
                problem += ": the checks that need this module fail"
            found.append(problem)
            continue
        source = scan.read_source(path) or ""
        for line, name in scan.removed_numpy_uses(source)[:3]:
            if name in restored:
                found.append(f"{rel}:{line}: np.{name} was removed in numpy {scan.removed_in(name)}, "
                             "after this course year: the grader restores it, nothing is deducted")
            else:
                found.append(f"{rel}:{line}: np.{name} was removed in numpy {scan.REMOVED_NUMPY[name]}; "
                             "the code using it fails when it runs")
    for package in packages:
        folder = root / package
        if not folder.is_dir():
            continue
        for d in sorted([folder] + [p for p in folder.rglob("*") if p.is_dir()]):
            parts = d.relative_to(root).parts
            if any(part.startswith(".") or part in ("__pycache__", "datasets") for part in parts):
                continue
            if any(d.glob("*.py")) and not (d / "__init__.py").exists():
                found.append(f"{d.relative_to(root).as_posix()}/ has no __init__.py (the grader "
                             "imports it as a package anyway)")
        for ext in ("*.so", "*.pyd"):
            for p in sorted(folder.rglob(ext))[:3]:
                found.append(f"{p.relative_to(root).as_posix()}: a compiled extension from the "
                             "student's machine; the grader's code does not need it")
    if len(found) > MAX_PROBLEMS:
        found = found[:MAX_PROBLEMS] + [f"... and {len(found) - MAX_PROBLEMS} more remarks"]
    return found
