"""Code similarity between students: which pairs wrote suspiciously similar code.

Information for the course staff only: it never changes a score. For every pair of students it
measures how much of the code each one wrote also appears in the other's, with copydetect's
winnowing fingerprints (k-grams of the tokenised source, identifiers, literals and comments
normalised away, so renaming variables or reformatting does not hide a copy).

"The code they wrote" is the submission's Python files (and the code cells of its notebooks)
with the starter code subtracted: every k-gram that also occurs in the starter folder
(``student_template/`` by default, or the course's own with ``--template``) and in the course
helper files the grader supplies (``grader/profiles/helpers/``, and ``course_helpers/`` where the
course content is at hand: ``grader.profiles.supply.helper_folders``) is boilerplate and is removed
from the fingerprints, so two students who only kept the starter code are not similar.

``compare(submissions)`` returns a ``SimilarityReport``: every pair with its two similarities
(the share of A's own code found in B, and of B's in A) and the overlapping regions; ``score``
is the larger of the two. ``render_html`` shows the pairs above the threshold, with the shared
regions highlighted side by side.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any, Mapping, Sequence

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEMPLATE = REPO / "student_template"
NOISE_TOKENS = 25          # k: shared runs shorter than this are never counted (copydetect default)
GUARANTEE_TOKENS = 30      # shared runs at least this long are always found (window = 30 - 25 + 1)
THRESHOLD = 0.5            # pairs listed when either student shares at least this much
MAX_FILE_BYTES = 1 * 2**20
MAX_FILES = 200
SKIP_DIRS = {"__pycache__", ".git", ".ipynb_checkpoints", "__MACOSX", "datasets", "submission_logs"}


@dataclass(frozen=True)
class StudentCode:
    """What one student wrote: the files read (relative paths) and their text, concatenated."""

    student: str
    text: str
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pair:
    """Two students' overlap. ``share_a``: the fraction of A's own code also in B's (0..1)."""

    a: str
    b: str
    share_a: float
    share_b: float
    tokens: int
    regions_a: tuple[tuple[int, int], ...] = ()
    regions_b: tuple[tuple[int, int], ...] = ()

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass
class SimilarityReport:
    students: dict[str, StudentCode]
    pairs: list[Pair]                       # every pair, most similar first
    threshold: float = THRESHOLD
    template: str | None = None
    notes: list[str] = field(default_factory=list)
    starter_lines: frozenset[str] = frozenset()    # stripped lines of the starter code

    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.score >= self.threshold]

    def rank(self, a: str, b: str) -> int:
        """1-based rank of the pair ``{a, b}`` (1 = the most similar)."""
        for i, p in enumerate(self.pairs, 1):
            if {p.a, p.b} == {a, b}:
                return i
        raise KeyError((a, b))

    def pair(self, a: str, b: str) -> Pair:
        return self.pairs[self.rank(a, b) - 1]

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "template": self.template, "notes": list(self.notes),
                "pairs": [{"a": p.a, "b": p.b, "score": round(p.score, 4), "share_a": round(p.share_a, 4),
                           "share_b": round(p.share_b, 4), "tokens": p.tokens} for p in self.pairs]}


def _sources(root: Path) -> list[tuple[str, str]]:
    """``[(relative path, text)]`` of the Python files and notebook code under ``root``."""
    root = Path(root)
    if root.is_file():
        files = [root]
        base = root.parent
    else:
        base = root
        files = []
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
                continue
            if path.suffix in (".py", ".ipynb") and path.is_file() and not path.is_symlink():
                files.append(path)
            if len(files) >= MAX_FILES:
                break
    out = []
    for path in files:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if path.suffix == ".ipynb":
            text = _notebook_code(text)
        if text.strip():
            out.append((path.relative_to(base).as_posix(), text))
    return out


def _notebook_code(text: str) -> str:
    try:
        nb = json.loads(text)
        cells = nb.get("cells", []) if isinstance(nb, dict) else []
    except (ValueError, AttributeError):
        return ""
    code = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            # IPython magics and shell escapes are not Python: leave them out
            code.append("\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))))
    return "\n\n".join(code)


def student_code(student: str, root: Path, starter: Mapping[str, str] | None = None) -> StudentCode:
    """The student's files under ``root``, minus files identical to the starter's."""
    starter = starter or {}
    texts, names = [], []
    for rel, text in _sources(root):
        if any(starter_text == text for starter_text in _same_name(starter, rel)):
            continue
        names.append(rel)
        texts.append(f"# ---- {rel}\n{text}\n")
    return StudentCode(student, "".join(texts), tuple(names))


def _same_name(starter: Mapping[str, str], rel: str) -> list[str]:
    name = rel.rsplit("/", 1)[-1]
    return [t for r, t in starter.items() if r.rsplit("/", 1)[-1] == name]


def _boilerplate(texts: Sequence[str]):
    """Every k-gram hash of the starter code (copydetect's way: a window of 1 keeps them all)."""
    import numpy as np

    hashes = set()
    for text in texts:
        hashes.update(_fingerprint(text, win_size=1).hashes)
    return np.array(sorted(hashes), dtype=np.int64)


def _fingerprint(text: str, *, win_size: int, boilerplate=None, name: str = "code.py"):
    import io

    from copydetect import CodeFingerprint

    return CodeFingerprint(name, NOISE_TOKENS, win_size, boilerplate=boilerplate, filter=True,
                           language="python", fp=io.StringIO(text))


@dataclass(frozen=True)
class Tokens:
    """One student's code tokenised by copydetect's filter (identifiers, literals and comments
    normalised; the slow part of a fingerprint, so ``grade class`` does it where the student
    was graded). ``starter``: the digest of the starter code left out of ``code``."""

    code: StudentCode
    filtered: str
    offsets: Any          # copydetect's (n, 2) array: filtered position -> raw position
    starter: str


@dataclass(frozen=True)
class _Print:
    """What ``copydetect.compare_files`` reads of a ``CodeFingerprint``, built from ``Tokens``."""

    k: int
    hashes: Any
    hash_idx: Any
    token_coverage: int
    filtered_code: str
    offsets: Any


def starter_code(template: Path | None = DEFAULT_TEMPLATE,
                 extra_starter: Sequence[Path] | None = None) -> tuple[dict[str, str], list[str]]:
    """``({name: text}, notes)`` of the starter code: ``template`` and ``extra_starter`` (default:
    the grader's helper files, the course pack's too when it is at hand)."""
    from .profiles.supply import helper_folders

    if extra_starter is None:
        extra_starter = helper_folders()
    notes = []
    starter: dict[str, str] = {}
    for folder in ([template] if template is not None else []) + list(extra_starter):
        if folder is not None and Path(folder).exists():
            for rel, text in _sources(Path(folder)):
                starter[f"{Path(folder).name}/{rel}"] = text
        elif folder is not None:
            notes.append(f"starter folder {folder} not found: its code is not subtracted")
    if template is None:
        notes.append("no starter code given (--template): course-provided code counts as written")
    return starter, notes


def starter_digest(starter: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(starter.items())).encode()).hexdigest()


def tokenize(root: Path, template: Path | None = DEFAULT_TEMPLATE,
             extra_starter: Sequence[Path] | None = None) -> Tokens:
    """The ``Tokens`` of the code under ``root`` (student id left empty: ``compare`` names it)."""
    starter, _ = starter_code(template, extra_starter)
    return _tokenize(student_code("", Path(root), starter), starter_digest(starter))


def _tokenize(code: StudentCode, digest: str) -> Tokens:
    from copydetect.utils import filter_code

    filtered, offsets = filter_code(code.text, "code.py", "python")
    return Tokens(code, filtered, offsets, digest)


def _winnow(tokens: Tokens, win_size: int, boilerplate) -> _Print:
    """copydetect's fingerprint of tokenised code (what ``CodeFingerprint`` does after its filter)."""
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    hashes, idx = get_document_fingerprints(tokens.filtered, NOISE_TOKENS, win_size, boilerplate)
    return _Print(NOISE_TOKENS, hashes, idx,
                  get_token_coverage(idx, NOISE_TOKENS, len(tokens.filtered)),
                  tokens.filtered, tokens.offsets)


def compare(submissions: Mapping[str, Path], template: Path | None = DEFAULT_TEMPLATE,
            threshold: float = THRESHOLD, extra_starter: Sequence[Path] | None = None,
            tokens: Mapping[str, Tokens] | None = None) -> SimilarityReport:
    """Every pair of ``submissions`` (``{student id: folder}``), most similar first.
    ``tokens``: students already tokenised (``tokenize`` with the same starter code; any
    tokenised against other starter code is done again here)."""
    from copydetect import compare_files

    starter, notes = starter_code(template, extra_starter)
    digest = starter_digest(starter)
    boilerplate = _boilerplate(list(starter.values()))
    given = {sid: t for sid, t in (tokens or {}).items() if t is not None and t.starter == digest}
    students = {sid: (replace(given[sid].code, student=sid) if sid in given
                      else student_code(sid, Path(root), starter))
                for sid, root in submissions.items()}
    win = GUARANTEE_TOKENS - NOISE_TOKENS + 1
    prints = {sid: _winnow(given[sid] if sid in given else _tokenize(code, digest), win, boilerplate)
              for sid, code in students.items()}
    pairs = []
    for a, b in itertools.combinations(sorted(students), 2):
        tokens_ab, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        pairs.append(Pair(a, b, float(share_a), float(share_b), int(tokens_ab),
                          _regions(slices_a), _regions(slices_b)))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    starter_lines = frozenset(ln.strip() for text in starter.values() for ln in text.splitlines())
    return SimilarityReport(students, pairs, threshold,
                            None if template is None else str(template), notes, starter_lines)


def _regions(slices) -> tuple[tuple[int, int], ...]:
    if slices is None or len(slices) == 0 or getattr(slices, "ndim", 1) != 2:
        return ()
    return tuple((int(s), int(e)) for s, e in zip(slices[0], slices[1]))


def highlight(text: str, regions: Sequence[tuple[int, int]], starter_lines: frozenset[str] = frozenset(),
              context: int = 3) -> str:
    """``text`` as escaped HTML, each line that overlaps a shared region in ``<mark>`` (a line
    that is also in the starter code is never marked: a shared k-gram may reach into it); lines
    more than ``context`` lines away from a mark are elided (``...``)."""
    lines = text.splitlines(keepends=True)
    marked, start = [], 0
    for line in lines:
        end = start + len(line)
        body = line.strip()
        marked.append(bool(body) and body not in starter_lines
                      and any(s < end and e > start for s, e in regions))
        start = end
    if not any(marked):
        return escape("".join(lines[:40]))
    near = [any(marked[max(0, i - context):i + context + 1]) for i in range(len(lines))]
    out, elided = [], False
    for line, mark, keep in zip(lines, marked, near):
        if not keep:
            if not elided:
                out.append("...\n")
            elided = True
            continue
        elided = False
        out.append(f"<mark>{escape(line.rstrip(chr(10)))}</mark>\n" if mark else escape(line))
    return "".join(out)


STYLE = """
.sim-pair{border:1px solid #d0d7de;border-radius:6px;padding:8px;margin:10px 0}
.sim-sides{display:grid;grid-template-columns:1fr 1fr;gap:8px}
.sim-sides pre{max-height:480px;overflow:auto !important;font-size:12px;white-space:pre-wrap}
mark{background:#ffd8a8}
.table-wrap{overflow-x:auto}
@media (max-width:700px){.sim-sides{grid-template-columns:1fr}}
"""


def section_html(report: SimilarityReport, names: Mapping[str, str] | None = None,
                 links: Mapping[str, str] | None = None, limit: int = 20) -> str:
    """The flagged pairs (at most ``limit``) with side-by-side highlights, and a table of the
    ``limit`` most similar pairs sharing anything; for the class dashboard and ``grade similarity``."""
    names = names or {}
    links = links or {}

    def who(sid: str) -> str:
        label = escape(sid + (f" ({names[sid]})" if names.get(sid) else ""))
        return f'<a href="{escape(links[sid])}">{label}</a>' if sid in links else label

    flagged = report.flagged()
    rows = "".join(f"<tr><td>{i}</td><td>{who(p.a)}</td><td>{who(p.b)}</td>"
                   f'<td class="num">{p.score:.0%}</td><td class="num">{p.share_a:.0%} / {p.share_b:.0%}</td>'
                   f'<td class="num">{p.tokens}</td></tr>'
                   for i, p in enumerate([p for p in report.pairs if p.score > 0][:limit], 1))
    blocks = []
    for p in flagged[:limit]:
        code_a, code_b = report.students[p.a].text, report.students[p.b].text
        blocks.append(f'<div class="sim-pair" id="pair-{escape(p.a)}-{escape(p.b)}"><h3>{who(p.a)} and '
                      f'{who(p.b)}: {p.score:.0%}</h3><p class="meta">{p.share_a:.0%} of {escape(p.a)}\'s '
                      f'own code is in {escape(p.b)}\'s, {p.share_b:.0%} the other way; {p.tokens} '
                      f'shared tokens</p><div class="sim-sides">'
                      f'<pre>{highlight(code_a, p.regions_a, report.starter_lines)}</pre>'
                      f'<pre>{highlight(code_b, p.regions_b, report.starter_lines)}</pre></div></div>')
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return (f'<section id="similarity"><h2>Code similarity</h2>'
            f'<p class="meta">Information for the staff; it never changes a score. Starter code '
            f'({escape(report.template or "none")}) and course helper files are subtracted. '
            f'{len(flagged)} of {len(report.pairs)} pairs share at least {report.threshold:.0%}.</p>'
            f'{"<ul>" + notes + "</ul>" if notes else ""}'
            f'<div class="table-wrap"><table class="sim-table"><thead><tr><th>#</th><th>student A</th><th>student B</th>'
            f'<th>similarity</th><th>A in B / B in A</th><th>tokens</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div>{"".join(blocks)}</section>')


def render_html(report: SimilarityReport) -> str:
    """A stand-alone page (``grade similarity -o FILE.html``)."""
    from .report.html import document

    return document("Code similarity", section_html(report), css=STYLE)
