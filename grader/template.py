"""Generate the student starter code (``student_template/``) from the reference (``reference/``).

The reference marks the part of a function a student must write with two comment lines at the
same indentation (see docs/architecture.md)::

    def relu_forward(x):
        # ...the docstring is kept in the template...
        # BEGIN SOLUTION
        out = ...
        ...
        # END SOLUTION

Each framed region, markers included, becomes one line at the marker's indentation::

        raise NotImplementedError("relu_forward: not implemented yet")

where ``relu_forward`` is the qualified name of the innermost enclosing ``def`` (``Class.method``
for methods, ``outer.inner`` for nested functions). Everything outside the markers is copied
unchanged: imports, docstrings, course-provided helpers.

Public API:

* ``render_module(source, module_name) -> str``: strip one module (``module_name`` labels errors).
* ``find_stubs(source, module_name) -> list[Stub]``: where the markers are and which function
  each one belongs to (the README and the tests use it).
* ``build_template(reference_dir, out_dir) -> list[Path]``: write the whole starter tree.
* ``diff_template(reference_dir, out_dir) -> list[str]``: files that differ from a fresh build.

Command line: ``python -m grader.template [--reference DIR] [--out DIR] [--check]``.
"""
from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"

_MARKER_RE = re.compile(r"#\s*(BEGIN|END) SOLUTION\s*")
_NEAR_MISS_RE = re.compile(r"#\W*(BEGIN|END)\W*SOLUTION", re.IGNORECASE)

# First line of the generated README: marks a folder as written by this module, so that
# build_template may delete files that a fresh build no longer produces.
GENERATED_MARK = "<!-- Generated from reference/ by `grade template build`. -->"

STUB_MESSAGE = "{qualname}: not implemented yet"


class MarkerError(ValueError):
    """A malformed solution marker. ``str(err)`` reads ``<file>:<line>: <what is wrong>``."""

    def __init__(self, module_name: str, line: int, problem: str):
        self.module_name = module_name
        self.line = line
        self.problem = problem
        super().__init__(f"{module_name}:{line}: {problem}")


@dataclass(frozen=True)
class Stub:
    """One marker region: ``begin``/``end`` are the 1-based lines of its two markers."""

    qualname: str
    begin: int
    end: int
    indent: str

    @property
    def message(self) -> str:
        """The text of the NotImplementedError the template raises in place of the region."""
        return STUB_MESSAGE.format(qualname=self.qualname)


@dataclass(frozen=True)
class _Def:
    qualname: str
    def_line: int   # line of the ``def`` keyword
    col: int        # column of the ``def`` keyword
    last_line: int  # last line that still belongs to the function (trailing comments included)


# --------------------------------------------------------------------------------------------
# One module
# --------------------------------------------------------------------------------------------

def _normalise_newlines(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _is_code_line(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _collect_defs(tree: ast.Module, lines: list[str]) -> list[_Def]:
    """Every function in the module with its qualified name and its extent in lines.

    A function's extent runs from its ``def`` line to the line before the next code line after
    its last statement, so a comment right after the last statement (typically ``# END
    SOLUTION``) still belongs to it; the column test in ``_owner`` keeps dedented comments out.
    """
    defs: list[_Def] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = prefix + child.name
                last = child.end_lineno
                while last < len(lines) and not _is_code_line(lines[last]):
                    last += 1
                defs.append(_Def(qualname, child.lineno, child.col_offset, last))
                visit(child, qualname + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return defs


def _owner(defs: list[_Def], line: int, indent: str) -> _Def | None:
    """The innermost function whose body contains a comment at ``line`` indented by ``indent``."""
    inside = [d for d in defs if d.def_line < line <= d.last_line and len(indent) > d.col]
    return max(inside, key=lambda d: d.def_line, default=None)


def _marker_comments(source: str, module_name: str) -> list[tuple[str, int, str]]:
    """``(kind, line, indent)`` for every marker comment, kind ``BEGIN`` or ``END``.

    Comments are found with ``tokenize``, so text that merely looks like a marker inside a
    string is ignored. A comment that resembles a marker but is not exactly one (a typo, a
    trailing comment after code) is an error: silently copying it would leak the solution.
    """
    markers = []
    lines = source.split("\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError) as err:
        if isinstance(err, SyntaxError):
            line = err.lineno or 1
        else:  # TokenError(message, (line, column))
            line = err.args[1][0] if len(err.args) > 1 else 1
        raise MarkerError(module_name, line, f"cannot tokenize the source: {err.args[0]}") from err
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        line_no, col = tok.start
        match = _MARKER_RE.fullmatch(tok.string)
        if match is None:
            if _NEAR_MISS_RE.search(tok.string):
                raise MarkerError(
                    module_name, line_no,
                    f"comment {tok.string.strip()!r} looks like a solution marker but is not one; "
                    f"write exactly {BEGIN!r} or {END!r} on a line of its own")
            continue
        line = lines[line_no - 1]
        if line[:col].strip():
            raise MarkerError(module_name, line_no,
                              f"{match.group(1)} SOLUTION marker must be on a line of its own, "
                              "not after code")
        markers.append((match.group(1), line_no, line[:col]))
    return markers


def find_stubs(source: str, module_name: str) -> list[Stub]:
    """Locate and validate every marker region of one module.

    Parameters: ``source`` the module text; ``module_name`` a label for error messages (the
    module's path relative to the package, e.g. ``classifiers/fc_net.py``).
    Returns the regions in file order. Raises ``MarkerError`` for an unmatched BEGIN or END,
    nested markers, BEGIN and END at different indentations, a marker outside any function, or
    a BEGIN and END in different functions.
    """
    source = _normalise_newlines(source)
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise MarkerError(module_name, err.lineno or 1,
                          f"the source is not valid Python: {err.msg}") from err
    lines = source.split("\n")
    defs = _collect_defs(tree, lines)

    stubs: list[Stub] = []
    open_begin: tuple[int, str] | None = None
    for kind, line_no, indent in _marker_comments(source, module_name):
        if kind == "BEGIN":
            if open_begin is not None:
                raise MarkerError(module_name, line_no,
                                  "nested BEGIN SOLUTION: the region opened at line "
                                  f"{open_begin[0]} is not closed yet")
            if _owner(defs, line_no, indent) is None:
                raise MarkerError(module_name, line_no,
                                  "BEGIN SOLUTION marker outside any function; markers must "
                                  "frame statements inside a def")
            open_begin = (line_no, indent)
            continue
        if open_begin is None:
            raise MarkerError(module_name, line_no,
                              "END SOLUTION without a matching BEGIN SOLUTION")
        begin_line, begin_indent = open_begin
        if indent != begin_indent:
            raise MarkerError(module_name, line_no,
                              f"END SOLUTION is indented by {len(indent)} characters but its "
                              f"BEGIN SOLUTION (line {begin_line}) by {len(begin_indent)}; "
                              "both markers must have the same indentation")
        owner = _owner(defs, begin_line, begin_indent)
        if _owner(defs, line_no, indent) != owner:
            raise MarkerError(module_name, line_no,
                              f"END SOLUTION is not in the function {owner.qualname!r} that "
                              f"its BEGIN SOLUTION (line {begin_line}) opens")
        stubs.append(Stub(owner.qualname, begin_line, line_no, indent))
        open_begin = None
    if open_begin is not None:
        raise MarkerError(module_name, open_begin[0],
                          "BEGIN SOLUTION without a matching END SOLUTION")
    return stubs


def render_module(source: str, module_name: str, statement: str | None = None) -> str:
    """Return the template version of one reference module.

    Every marker region (both marker lines included) is replaced by
    ``raise NotImplementedError("<qualname>: not implemented yet")`` at the marker's
    indentation, or by ``statement`` when given (a course helper in a student pack
    keeps working without its exercise: ``pass``); all other lines are kept unchanged.
    Newlines are normalised to ``'\\n'``.
    ``module_name`` labels errors (``<module_name>:<line>: ...``). Raises ``MarkerError`` for
    malformed markers and when the result would not be valid Python.
    """
    source = _normalise_newlines(source)
    stubs = find_stubs(source, module_name)
    lines = source.split("\n")
    out: list[str] = []
    next_line = 1
    for stub in stubs:
        out.extend(lines[next_line - 1:stub.begin - 1])
        out.append(f'{stub.indent}raise NotImplementedError("{stub.message}")' if statement is None
                   else stub.indent + statement)
        next_line = stub.end + 1
    out.extend(lines[next_line - 1:])
    result = "\n".join(out)
    try:
        ast.parse(result)
    except SyntaxError as err:
        raise MarkerError(module_name, _source_line(stubs, err.lineno or 1),
                          f"the template would not be valid Python ({err.msg}); the markers "
                          "must frame whole statements of one block") from err
    return result


def _source_line(stubs: list[Stub], rendered_line: int) -> int:
    """Map a line number of the rendered module back to the reference module."""
    shift = 0
    for stub in stubs:
        rendered_begin = stub.begin - shift
        if rendered_line < rendered_begin:
            break
        if rendered_line == rendered_begin:
            return stub.begin
        shift += stub.end - stub.begin
    return rendered_line + shift


# --------------------------------------------------------------------------------------------
# The whole tree
# --------------------------------------------------------------------------------------------

#: Reference files that are not course material and never reach students:
#: ``course_conventions.py`` holds working solutions under other courses' names (the grader's
#: oracles for course profiles) and ``__main__.py`` is the reference's own demo.
NOT_FOR_STUDENTS = frozenset({"course_conventions.py", "__main__.py"})


def _skipped(rel: Path) -> bool:
    if rel.as_posix() in NOT_FOR_STUDENTS:
        return True
    return any(part == "__pycache__" or part.startswith(".") for part in rel.parts)


def _source_files(reference_dir: Path) -> list[Path]:
    """Relative paths of the files the template carries: every ``.py`` file and every file under
    ``datasets/``, caches and hidden files excluded, sorted."""
    files = []
    for path in reference_dir.rglob("*"):
        rel = path.relative_to(reference_dir)
        if not path.is_file() or _skipped(rel) or path.suffix == ".pyc":
            continue
        if path.suffix == ".py" or rel.parts[0] == "datasets":
            files.append(rel)
    return sorted(files, key=lambda p: p.as_posix())


def render_tree(reference_dir: Path) -> dict[str, bytes]:
    """The complete template as ``{relative posix path: file content}``, in sorted order."""
    reference_dir = Path(reference_dir)
    if not reference_dir.is_dir():
        raise FileNotFoundError(f"reference folder not found: {reference_dir}")
    files: dict[str, bytes] = {}
    stubs: dict[str, list[Stub]] = {}
    for rel in _source_files(reference_dir):
        key = rel.as_posix()
        data = (reference_dir / rel).read_bytes()
        if rel.suffix == ".py":
            source = data.decode("utf-8")
            stubs[key] = find_stubs(source, key)
            data = render_module(source, key).encode("utf-8")
        files[key] = data
    files["README.md"] = _readme(stubs).encode("utf-8")
    files[".github/workflows/grade.yml"] = WORKFLOW.encode("utf-8")
    return dict(sorted(files.items()))


def _readme(stubs: dict[str, list[Stub]]) -> str:
    todo = []
    for path, regions in stubs.items():
        if regions:
            qualnames = dict.fromkeys(s.qualname for s in regions)  # one entry per function
            names = ", ".join(f"`{q}`" for q in qualnames)
            todo.append(f"- `{path}`: {names}")
    todo_text = "\n".join(todo) if todo else "- (nothing: the reference has no marked regions)"
    return README.format(mark=GENERATED_MARK, todo=todo_text)


README = """{mark}
# Numpy deep-learning assignment: starter code

This folder is a Python package in the CS231n layout. Each function or method that you must write
raises `NotImplementedError("<name>: not implemented yet")`; replace that line with your code.
Keep the names, signatures and return values described in the docstrings, keep the imports
relative (`from .layers import affine_forward`), and use vectorised numpy.

## What to implement

{todo}

## Grade your work locally

Your course publishes two files (the links and their sha256 are in the course's instructions): the
grader's engine wheel and the course's *student pack* (the rubric's public checks and their
expected values; docs/deployment.md of the grader explains what it holds).

```bash
pip install numpy_dl_autograder-<version>-py3-none-any.whl
grade . --pack student-pack.zip   # run from this folder
```

`grade .` runs the course's public checks and prints, for every check, the points earned and what
is wrong. Every push to GitHub runs it too (`.github/workflows/grade.yml`, with the versions the
course pinned); the report appears in the run's summary page and as a JUnit artifact.

**That score is feedback, not your grade.** It runs in a repository you control, on the public
checks only. The grade of record comes from the course staff's own run on what you submit
(Gradescope, or `grade class`), which also runs the checks that are hidden from you.
"""

WORKFLOW = """\
# FEEDBACK ONLY. This run grades your work with the course's PUBLIC checks, in a repository you
# control, so its score is advisory. Your grade of record comes from the course staff's own run
# on what you submit (Gradescope, or `grade class`), which also runs the hidden checks.
#
# The course sets four organisation (or repository) variables once; every run installs exactly
# those files, checked against their sha256 (the grader's docs/deployment.md):
#   AUTOGRADER_WHEEL_URL, AUTOGRADER_WHEEL_SHA256   the grader's engine wheel (no solutions in it)
#   AUTOGRADER_PACK_URL,  AUTOGRADER_PACK_SHA256    the course's student pack (public checks)
# The run fails when the submission cannot be graded at all, or (if the course sets
# AUTOGRADER_FAIL_UNDER) when the public score is below that many points.
name: grade

on:
  push:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    env:
      WHEEL_URL: ${{ vars.AUTOGRADER_WHEEL_URL }}
      WHEEL_SHA256: ${{ vars.AUTOGRADER_WHEEL_SHA256 }}
      PACK_URL: ${{ vars.AUTOGRADER_PACK_URL }}
      PACK_SHA256: ${{ vars.AUTOGRADER_PACK_SHA256 }}
      FAIL_UNDER: ${{ vars.AUTOGRADER_FAIL_UNDER || '0' }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Fetch the pinned grader and student pack
        run: |
          set -euo pipefail
          for name in WHEEL_URL WHEEL_SHA256 PACK_URL PACK_SHA256; do
            if [ -z "${!name}" ]; then
              echo "::error::the course has not set the variable AUTOGRADER_$name"
              exit 1
            fi
          done
          mkdir -p "$RUNNER_TEMP/autograder"
          wheel="$RUNNER_TEMP/autograder/$(basename "${WHEEL_URL%%[?#]*}")"
          curl -fsSL "$WHEEL_URL" -o "$wheel"
          curl -fsSL "$PACK_URL" -o "$RUNNER_TEMP/autograder/student-pack.zip"
          echo "$WHEEL_SHA256  $wheel" | sha256sum -c -
          echo "$PACK_SHA256  $RUNNER_TEMP/autograder/student-pack.zip" | sha256sum -c -
      - name: Install the grader
        run: python -m pip install "$RUNNER_TEMP"/autograder/*.whl
      - name: Grade (feedback only)
        run: >-
          grade . --pack "$RUNNER_TEMP/autograder/student-pack.zip"
          --markdown "$GITHUB_STEP_SUMMARY" --junit grade-junit.xml
          --fail-under "$FAIL_UNDER"
      - name: Upload the JUnit report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grade-junit
          path: grade-junit.xml
          if-no-files-found: ignore
"""


def _existing_files(out_dir: Path) -> set[str]:
    if not out_dir.is_dir():
        return set()
    return {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
            if p.is_file() and "__pycache__" not in p.relative_to(out_dir).parts}


def _is_generated(out_dir: Path) -> bool:
    readme = out_dir / "README.md"
    if not readme.is_file():
        return False
    with readme.open(encoding="utf-8", errors="replace") as f:
        return f.readline().rstrip("\n") == GENERATED_MARK


def build_template(reference_dir: Path, out_dir: Path) -> list[Path]:
    """Write the student template for ``reference_dir`` into ``out_dir``; return the written files.

    ``out_dir`` must be missing, empty, or a template written earlier by this function (its
    README starts with ``GENERATED_MARK``); files from an earlier build that a fresh build no
    longer produces are deleted. Nothing is written when a module has malformed markers.
    """
    reference_dir, out_dir = Path(reference_dir), Path(out_dir)
    files = render_tree(reference_dir)
    existing = _existing_files(out_dir)
    if existing and not _is_generated(out_dir):
        raise FileExistsError(f"{out_dir} is not empty and was not generated by grader.template; "
                              "refusing to overwrite it")
    for stale in sorted(existing - set(files)):
        (out_dir / stale).unlink()
    written = []
    for rel, data in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    _remove_empty_dirs(out_dir)
    return written


def _remove_empty_dirs(out_dir: Path) -> None:
    for path in sorted(out_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name != "__pycache__" and not any(path.iterdir()):
            path.rmdir()


def diff_template(reference_dir: Path, out_dir: Path) -> list[str]:
    """Relative paths (sorted) where ``out_dir`` differs from a fresh build of ``reference_dir``:
    changed, missing or extra files (``__pycache__`` ignored)."""
    files = render_tree(Path(reference_dir))
    out_dir = Path(out_dir)
    existing = _existing_files(out_dir)
    differing = {rel for rel in existing - set(files)}
    for rel, data in files.items():
        path = out_dir / rel
        if rel not in existing or path.read_bytes() != data:
            differing.add(rel)
    return sorted(differing)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

_REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.template",
        description="Generate student_template/ from reference/ (solution regions become "
                    "NotImplementedError).")
    parser.add_argument("--reference", type=Path, default=_REPO / "reference",
                        help="reference package folder (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=_REPO / "student_template",
                        help="template folder to write or check (default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the files that differ from a "
                             "fresh generation")
    args = parser.parse_args(argv)
    try:
        if args.check:
            differing = diff_template(args.reference, args.out)
            if differing:
                print(f"{args.out} is stale; these files differ from a fresh generation "
                      "(run `python -m grader.template`):")
                for rel in differing:
                    print(f"  {rel}")
                return 1
            print(f"{args.out} is up to date with {args.reference}")
            return 0
        written = build_template(args.reference, args.out)
    except (MarkerError, FileNotFoundError, FileExistsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
