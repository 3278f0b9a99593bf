"""Edited test cells: the official notebook's test cells compared with the student's.

A rubric may ship the sources of the course template's test cells (``template_cells``: name,
source and optionally an ``anchor``, a line that identifies the cell). ``compare_cells`` finds
each one in the student's notebook (the code cell holding the anchor, by default the template's
first code line) and compares the code.

The comparison is on the parsed code (``ast.dump``), so what a test does not depend on is not an
edit: whitespace, blank lines, comments, the quotes around a string (each year's official cell
writes them its own way), and the text a ``print()`` call shows (``'Difference was: %f'``; the
values it prints still count). Any other change (an expected array, a tolerance, a removed
assert) makes the cell ``edited``; a test cell that cannot be found is ``missing``. A Python 2
cell is compared after the grader's Python 2 translation; one that still does not parse is
compared on its tokens, comments and layout aside.
"""
from __future__ import annotations

import ast
import difflib
import io
import tokenize
from dataclasses import dataclass
from typing import Any, Mapping

from .read import Cell, Notebook

_SKIP_TOKENS = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass(frozen=True)
class TemplateCell:
    name: str
    source: str
    anchor: str

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> "TemplateCell":
        source = str(spec["source"])
        anchor = spec.get("anchor") or _first_code_line(source)
        return cls(name=str(spec.get("name") or anchor[:60]), source=source, anchor=str(anchor))


@dataclass(frozen=True)
class CellComparison:
    """``status`` is ``unedited``, ``edited`` or ``missing``; ``diff`` a few changed lines."""

    name: str
    status: str
    cell: Cell | None = None
    diff: str = ""


def _first_code_line(source: str) -> str:
    for line in source.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped
    return source.strip()


def _magic_free(source: str) -> str:
    """Magic and shell lines become ``pass`` so the source tokenizes."""
    return "\n".join(("pass" if line.lstrip().startswith(("%", "!")) else line)
                     for line in source.splitlines())


def code_tokens(source: str) -> list[str]:
    """The code of ``source`` as token strings (no comments or layout); whitespace-split words
    when it does not tokenize."""
    try:
        tokens = tokenize.generate_tokens(io.StringIO(_magic_free(source)).readline)
        return [t.string for t in tokens if t.type not in _SKIP_TOKENS]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source.split()


class _PrintText(ast.NodeTransformer):
    """Blanks every string constant inside a ``print(...)`` call (its wording, not its values)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for sub in ast.walk(arg):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        sub.value = ""
            return node
        return self.generic_visit(node)


def code_shape(source: str) -> str | None:
    """``ast.dump`` of ``source`` with print text blanked; ``None`` when it does not parse. A
    Python 2 cell (2016's ``print 'Difference was: %f' % d``) is read through the grader's
    Python 2 translation (``grader.profiles.python2``)."""
    text = _magic_free(source)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        from ..profiles.python2 import translated

        text = translated(text, "cell")
        if text is None:
            return None
        tree = ast.parse(text)
    return ast.dump(_PrintText().visit(tree), annotate_fields=False)


def same_code(student: str, template: str) -> bool:
    """The two cells do the same test: equal parsed code (print text aside), or, when either
    does not parse, equal tokens."""
    shapes = code_shape(student), code_shape(template)
    if None not in shapes:
        return shapes[0] == shapes[1]
    return code_tokens(student) == code_tokens(template)


def _code_lines(source: str) -> list[str]:
    return [ln.rstrip() for ln in source.splitlines()
            if ln.strip() and not ln.strip().startswith("#")]


def _squash(text: str) -> str:
    return "".join(text.split())


def find_cell(notebook: Notebook, template: TemplateCell) -> Cell | None:
    """The student's code cell holding the template's anchor (spacing ignored); the closest one
    when several do."""
    anchor = _squash(template.anchor)
    hits = [c for c in notebook.cells if c.is_code and anchor in _squash(c.source)]
    if not hits:
        return None
    want = code_tokens(template.source)
    return max(hits, key=lambda c: difflib.SequenceMatcher(None, want, code_tokens(c.source)).ratio())


def compare_cell(notebook: Notebook, template: TemplateCell) -> CellComparison:
    cell = find_cell(notebook, template)
    if cell is None:
        return CellComparison(template.name, "missing")
    if same_code(cell.source, template.source):
        return CellComparison(template.name, "unedited", cell)
    diff = difflib.unified_diff(_code_lines(template.source), _code_lines(cell.source),
                                "template", "yours", n=0, lineterm="")
    changed = [ln for ln in diff if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return CellComparison(template.name, "edited", cell, "\n".join(changed[:6])[:800])


def compare_cells(notebook: Notebook, specs: list[Mapping[str, Any]]) -> list[CellComparison]:
    return [compare_cell(notebook, TemplateCell.from_spec(s)) for s in specs]
