"""The student's notebooks as HTML for the report, with the cells the grader flagged marked.

A TA reads the free-text answers and the flagged cells here instead of opening Jupyter. The
notebook is converted by nbconvert's ``HTMLExporter`` (the ``basic`` template: cells only, no
scripts, images as data URIs); markdown and HTML outputs are sanitised first (nbconvert's
``SanitizeHTML``: no scripts, event handlers or styles from the notebook), and the report's
Content-Security-Policy blocks anything that would still try to run or load.

Which cells are flagged comes from the report, never from running anything:

* the notebook checks name cells in their messages as ``cell N`` (1-based, e.g. "cell 7 [In 12]
  raised ...", "'loss test' (cell 4) was edited", claims "(..., cell 9)"); every check of the
  notebook's section that is not passed flags the cells its message names;
* every question left for manual grading (``Report.manual``) flags its question cell and its
  answer cell (found again with ``grader.notebook.questions``).

Cell ``i`` (0-based) of notebook ``k`` gets the anchor ``nb<k>-cell-<i + 1>``.
"""
from __future__ import annotations

import contextlib
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..result import Report

_CELL_REF = re.compile(r"\bcell (\d{1,5})\b")
_CELL_TAG = re.compile(r'<div ([^>]*?)id="cell-id=(nb\d+-cell-\d+)"([^>]*)>')
_CLASS = re.compile(r'class="([^"]*)"')
SAFE_TAGS = frozenset({
    "a", "abbr", "acronym", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul"})
SAFE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "width", "height"],
                   "td": ["colspan", "rowspan"], "th": ["colspan", "rowspan"], "*": ["class"]}


@dataclass(frozen=True)
class Flag:
    """Why a cell is flagged: the check (or manual question) and where it is in the report."""

    cell: int          # 0-based cell index
    label: str         # e.g. "notebook.cells_ran" or "for manual grading: Inline Question 1"
    target: str        # the report anchor of that check / question
    status: str        # the check's status, or "manual"


@dataclass
class RenderedNotebook:
    name: str
    index: int
    html: str = ""
    problem: str | None = None
    flags: dict[int, list[Flag]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        return f"nb{self.index}"


def cell_anchor(index: int, cell: int) -> str:
    """The report anchor of cell ``cell`` (0-based) of notebook ``index``."""
    return f"nb{index}-cell-{cell + 1}"


def check_anchor(name: str) -> str:
    return "check-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def manual_anchor(position: int) -> str:
    return f"manual-{position + 1}"


def in_notebook(section: str, name: str) -> bool:
    """True when a result's ``section`` belongs to the notebook ``name`` (see
    ``grader.notebook.grading``: the notebook's name, or ``<name>/<section>``)."""
    return section == name or section.startswith(name + "/")


def flags_for(report: Report, name: str, questions=None) -> dict[int, list[Flag]]:
    """``{cell index: [Flag]}`` for the notebook ``name`` of ``report``. ``questions``: the
    notebook's ``grader.notebook.questions.Question`` list, to place the manual items."""
    flags: dict[int, list[Flag]] = {}
    for r in report.results:
        if r.kind != "notebook" or r.status == "passed" or not in_notebook(r.section, name):
            continue
        for n in dict.fromkeys(int(m) for m in _CELL_REF.findall(r.message)):
            flags.setdefault(n - 1, []).append(Flag(n - 1, r.name, check_anchor(r.name), r.status))
    if questions:
        from ..notebook.questions import match_question

        for position, item in enumerate(report.manual):
            if item.source != name:
                continue
            q = match_question(questions, item.title)
            if q is None:
                continue
            for cell in dict.fromkeys(c for c in (q.cell, q.answer_cell) if c is not None):
                flags.setdefault(cell, []).append(
                    Flag(cell, f"for manual grading: {item.title}", manual_anchor(position), "manual"))
    return flags


@contextlib.contextmanager
def notebook_files(submission: str | Path) -> Iterator[list[tuple[str, Path]]]:
    """``[(name, path)]`` of the notebooks of ``submission`` (named as the report names them:
    their path inside the submission), while the context is open. A zip is extracted with the
    grader's safe intake into a temporary folder; anything unreadable yields ``[]``."""
    from ..notebook.plan import find_notebooks

    path = Path(submission)
    if path.is_file() and path.suffix.lower() == ".ipynb":
        yield [(path.name, path)]
        return
    if path.is_dir():
        yield [(p.relative_to(path).as_posix(), p) for p in find_notebooks(path)]
        return
    if path.is_file() and path.suffix.lower() == ".zip":
        from ..submission import SubmissionError, prepare_submission

        with tempfile.TemporaryDirectory(prefix="grade-html-") as scratch:
            root = Path(scratch) / "submission"
            try:
                prepare_submission(path, root)
            except SubmissionError:
                yield []
                return
            yield [(p.relative_to(root).as_posix(), p) for p in find_notebooks(root)]
        return
    yield []


_exporter = None


def exporter():
    """One configured ``HTMLExporter`` (nbconvert is imported, and its templates loaded, only
    when a notebook is shown, and only once)."""
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors.sanitize import SanitizeHTML

        exp = HTMLExporter(template_name="basic", exclude_anchor_links=True)
        exp.register_preprocessor(SanitizeHTML(tags=sorted(SAFE_TAGS), attributes=SAFE_ATTRIBUTES,
                                               styles=[]), enabled=True)
        _exporter = exp
    return _exporter


def code_css() -> str:
    """Pygments' colours for the highlighted code cells (nbconvert marks tokens, not colours)."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".notebook .highlight")


def render_notebook(path: Path, name: str, index: int, report: Report) -> RenderedNotebook:
    """``path`` converted to HTML, each cell anchored and the flagged cells marked."""
    from ..notebook.questions import find_questions
    from ..notebook.read import NotebookError, read_notebook

    out = RenderedNotebook(name=name, index=index)
    try:
        parsed = read_notebook(path, name)
        text = path.read_text(encoding="utf-8")
    except (NotebookError, OSError, UnicodeDecodeError, ValueError) as exc:
        out.problem = f"the notebook could not be shown: {exc}"
        out.flags = flags_for(report, name)
        return out
    out.flags = flags_for(report, name, find_questions(parsed))
    key = conversion_key(text, index)
    body, out.problem = _CONVERTED[key] if key in _CONVERTED else convert(text, index)
    if out.problem is None:
        out.html = _mark(body, out)
    return out


def conversion_key(text: str, index: int) -> str:
    """What ``convert`` depends on, as one string."""
    return f"{index}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def convert(text: str, index: int) -> tuple[str, str | None]:
    """``(html, None)``: the notebook ``text`` converted by nbconvert, cell ``i`` anchored
    ``cell_anchor(index, i)``; or ``("", why not)``. Depends on nothing else (the flags are
    marked afterwards, ``_mark``), so it can run before the report exists
    (``grader.report.html_process``)."""
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except ValueError as exc:
        return "", f"the notebook could not be shown: {exc}"
    for i, cell in enumerate(nb.cells):
        cell["id"] = cell_anchor(index, i)
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if isinstance(t, str)]
        cell.setdefault("metadata", {})["tags"] = tags
    try:
        body, _ = exporter().from_notebook_node(nb)
    except Exception as exc:   # nbconvert refused this notebook: say so, keep the report
        return "", f"nbconvert could not convert the notebook: {type(exc).__name__}: {exc}"
    return body, None


_CONVERTED: dict[str, tuple[str, str | None]] = {}


@contextlib.contextmanager
def converted(conversions: dict[str, tuple[str, str | None]]) -> Iterator[None]:
    """While open, ``render_notebook`` takes a conversion already made (``{conversion_key:
    convert(...)}``) instead of converting again."""
    _CONVERTED.update(conversions)
    try:
        yield
    finally:
        _CONVERTED.clear()


def _mark(body: str, nb: RenderedNotebook) -> str:
    """Clean anchors, and a banner at the top of each flagged cell linking back to its checks."""
    from html import escape

    def tag(match: re.Match) -> str:
        before, anchor, after = match.groups()
        cell = int(anchor.rsplit("-", 1)[1]) - 1
        flags = nb.flags.get(cell)
        opening = f'<div {before}id="{anchor}"{after}>'
        if not flags:
            return opening
        # the class nbconvert gives a cell tagged grader-flagged, after the notebook's own tags
        before = _CLASS.sub(lambda m: f'class="{m.group(1)} celltag_grader-flagged"', before, count=1)
        links = ", ".join(f'<a href="#{f.target}">{escape(f.label)}</a>' for f in flags)
        return (f'<div {before}id="{anchor}" data-flagged="true"{after}>'
                f'<div class="flag-banner">Cell {cell + 1} flagged by {links}</div>')
    return _CELL_TAG.sub(tag, body)
