"""The HTML report: one self-contained page per submission, for students and TAs.

``render_html(report)`` returns a complete document: CSS inline, plots as base64 PNG data URIs,
no script, and a Content-Security-Policy that forbids every network load and every script (the
rendered notebooks are student content). It reads on a phone (one column under 700 px) and
prints (``@media print``: details opened, no colours needed).

Order of the page: the total and per-section scores as bars; the course profile, the year and
why they were chosen, and the notes; the checks that need attention (failed, error, partial), each
with its message, the diagnosed mistake, the hint, its plots and links to the notebook cells it
flagged; the questions left for manual grading; the passed and skipped checks, collapsed; the
student's notebooks (``grader.report.notebook_html``); what the student's code printed.

Plots come only from the series the checks measured (``CheckResult.series``,
``grader.report.plots``). The notebooks are read again from ``report.submission`` (or the
``notebooks`` given), for display only: nothing here changes a score.
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Iterable, Sequence

from ..result import MANUAL_HEADING, ROLE_TEXT, CheckResult, Report, format_points
from . import notebook_html
from .notebook_html import RenderedNotebook, cell_anchor, check_anchor, manual_anchor

ATTENTION = ("failed", "error", "partial")
MAX_PLOTS = 6            # plots drawn on one page (the others' curves stay in the JSON report)
_DIAGNOSIS = re.compile(r"\.?\s*Diagnosis:\s*(.*)\Z", re.DOTALL)
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src {script}; "
       "base-uri 'none'; form-action 'none'")

CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--part:#9a6700;--skip:#6e7781;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
 max-width:1000px;padding:16px;color:#1f2328;background:#fff;overflow-wrap:break-word}
td,li,.msg,pre{overflow-wrap:anywhere}
.sections td:first-child{overflow-wrap:break-word;word-break:break-word}
h1{font-size:1.5em;margin:.2em 0} h2{font-size:1.2em;border-bottom:1px solid var(--line);
 padding-bottom:.2em;margin-top:1.6em} h3{font-size:1.05em;margin:.3em 0}
a{color:#0969da}
.meta{color:#57606a;font-size:.9em}
.total{font-size:2.2em;font-weight:700}
.bar{background:var(--bg);border:1px solid var(--line);border-radius:4px;height:14px;
 overflow:hidden;min-width:80px}
.bar>span{display:block;height:100%;background:var(--ok)}
.bar.low>span{background:var(--bad)} .bar.mid>span{background:var(--part)}
table{border-collapse:collapse;width:100%} td,th{padding:4px 6px;border-bottom:1px solid var(--line);
 text-align:left;vertical-align:middle} td.num{text-align:right;white-space:nowrap}
.sections td.barcell{width:45%}
.check{border:1px solid var(--line);border-left:6px solid var(--skip);border-radius:6px;
 padding:8px 12px;margin:10px 0}
.check.failed,.check.error{border-left-color:var(--bad)} .check.partial{border-left-color:var(--part)}
.check.passed{border-left-color:var(--ok)}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:.8em;color:#fff;
 background:var(--skip);vertical-align:middle}
.badge.failed,.badge.error{background:var(--bad)} .badge.partial{background:var(--part)}
.badge.passed{background:var(--ok)} .badge.info{background:#777}
.check h3 code{font-size:.95em} .pts{float:right;font-weight:600}
pre,.msg{white-space:pre-wrap;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;
 background:var(--bg);padding:6px 8px;border-radius:4px;margin:4px 0;overflow-x:auto;overflow-y:hidden}
.diag{border-left:3px solid var(--bad);padding:2px 8px;background:#fff5f5}
.hint{border-left:3px solid #0969da;padding:2px 8px;background:#f0f7ff}
figure{margin:8px 0} figure img{max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:.8em;color:#57606a}
details{margin:6px 0} summary{cursor:pointer;font-weight:600}
.passed-list li{margin:2px 0}
.manual{border:1px dashed var(--part);border-radius:6px;padding:8px 12px;margin:10px 0}
.answer{background:#fffbe6}
.notebook{border:1px solid var(--line);border-radius:6px;padding:8px;margin:12px 0}
.notebook .cell{border-top:1px solid #eee;padding:6px 0}
.notebook .prompt{color:#57606a;font:12px ui-monospace,monospace}
.notebook .input_area pre{background:var(--bg)}   .notebook .output_error pre{background:#fff5f5}
.notebook img{max-width:100%;height:auto}
.notebook [data-flagged]{outline:3px solid var(--bad);outline-offset:2px;background:#fffafa;
 border-radius:4px;margin:8px 0}
.notebook .celltag_grader-flagged{scroll-margin-top:12px}
.flag-banner{background:var(--bad);color:#fff;padding:2px 8px;font-size:.85em;border-radius:3px}
.flag-banner a{color:#fff;text-decoration:underline}
.cells a{margin-right:6px}
.ansi-red-fg{color:#c00}.ansi-green-fg{color:#080}.ansi-blue-fg{color:#00c}
.ansi-yellow-fg{color:#960}.ansi-cyan-fg{color:#077}.ansi-bold{font-weight:700}
@media (max-width:700px){body{padding:8px;font-size:14px}.sections td.barcell{width:35%}
 .pts{float:none;display:block}.total{font-size:1.7em}}
@media print{body{max-width:none;font-size:11pt}a{color:inherit}
 details::details-content{content-visibility:visible;display:block}
 .check,.manual,.notebook [data-flagged],figure{break-inside:avoid}
 .bar>span{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


def _pct(points: float, total: float) -> float:
    return 100.0 * points / total if total else 0.0


def bar(points: float, total: float) -> str:
    """A horizontal bar showing ``points`` out of ``total`` (red under 50%, amber under 85%)."""
    pct = _pct(points, total)
    level = "low" if pct < 50 else ("mid" if pct < 85 else "")
    return (f'<div class="bar {level}" role="img" aria-label="{pct:.0f}%">'
            f'<span style="width:{pct:.1f}%"></span></div>')


def split_message(r: CheckResult) -> tuple[str, str | None, str | None]:
    """(what is wrong, the diagnosed mistake or None, the hint or None) of a result."""
    message, hint = r.message, r.hint
    if "\nHint: " in message:
        message, _, tail = message.partition("\nHint: ")
        hint = hint or tail
    elif message.startswith("Hint: "):
        hint, message = hint or message[len("Hint: "):], ""
    diagnosis = None
    m = _DIAGNOSIS.search(message)
    if m:
        diagnosis, message = m.group(1).strip(), message[:m.start()] + "."
    return message, diagnosis, hint


def document(title: str, body: str, *, script: str = "", css: str = "") -> str:
    """A complete page around ``body`` (``css`` added to the report's style sheet); ``script``
    (inline JS) is allowed by its hash only."""
    import base64
    import hashlib

    policy = "'none'"
    tag = ""
    if script:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        policy, tag = f"'sha256-{digest}'", f"<script>{script}</script>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP.format(script=policy)}\">"
            f"<title>{escape(title)}</title><style>{CSS}{css}</style></head>\n<body>\n{body}\n{tag}"
            "</body></html>\n")


def _header(report: Report) -> str:
    rows = []
    for name, (points, total) in report.section_scores().items():
        rows.append(f'<tr><td>{escape(name)}</td><td class="barcell">{bar(points, total)}</td>'
                    f'<td class="num">{format_points(points)} / {format_points(total)}</td></tr>')
    counts = report.summary()
    return (f'<header><h1>Grading report</h1>'
            f'<div class="meta">{escape(report.submission)} &middot; {escape(report.rubric_title)} '
            f'({escape(report.rubric)}) &middot; {escape(report.started_at)} &middot; '
            f'grader {escape(report.grader_version)}</div>'
            f'<p><span class="total" id="total">{format_points(report.score)} / '
            f'{format_points(report.max_score)}</span> points '
            f'({_pct(report.score, report.max_score):.0f}%)</p>{bar(report.score, report.max_score)}'
            f'<p class="meta">{escape(counts)} checks</p>'
            f'<h2>Sections</h2><table class="sections"><tbody>{"".join(rows)}</tbody></table></header>')


def _profile(report: Report) -> str:
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    return (f'<section id="profile"><h2>Course profile</h2><p>Graded as <strong>'
            f'{escape(report.profile)}</strong>; how the profile and year were chosen, and what '
            f'the intake noticed:</p><ul>{notes or "<li>no notes</li>"}</ul></section>')


def plotted(results: Sequence[CheckResult], limit: int = MAX_PLOTS) -> dict[str, set[str]]:
    """``{check: panels}`` this page draws: at most ``limit`` plots (one per panel; each costs
    tens of milliseconds, docs/architecture.md). First every panel of the checks that need
    attention, then the panels that carry the rubric's threshold, then the other panels of those
    checks, then the training and artefact checks' panels, then the rest, each in report order."""
    candidates = [c for position, r in enumerate(results) for c in plot_candidates(position, r)]
    chosen: dict[str, set[str]] = {}
    for _, _, name, panel in sorted(candidates)[:limit]:
        chosen.setdefault(name, set()).add(panel)
    return chosen


def plot_candidates(position: int, r: CheckResult) -> list[tuple[int, int, str, str]]:
    """``(rank, position, check, panel)`` of each panel of ``r``, the result at ``position`` in
    the report: ``plotted`` draws the ``limit`` smallest of all results'. A panel among the
    smallest of all is among the smallest of any part of them too (``grader.report.html_process``
    draws those of the results seen so far while the checks run)."""
    from .plots import is_threshold, split_series

    panels = split_series(r.series) if r.series else {}
    graded = any(is_threshold(line) for lines in panels.values() for line in lines)
    candidates = []
    for panel, lines in panels.items():
        if r.status in ATTENTION:
            rank = 0
        elif any(is_threshold(line) for line in lines):
            rank = 1
        else:
            rank = 2 if graded else 3 if r.kind in ("training", "artefact") else 4
        candidates.append((rank, position, r.name, panel))
    return candidates


def _plots(r: CheckResult, panels: set[str] | None = None) -> str:
    """The plots of ``panels`` (default: every panel), and a line naming the panels left out."""
    if not r.series:
        return ""
    from .plots import plot_series, split_series

    figures = []
    for plot in plot_series(r.series, r.name, panels):
        figures.append(f'<figure class="plot"><img src="{plot.data_uri}" alt="{escape(plot.alt)}" '
                       f'width="640" height="360"><figcaption>{escape(plot.alt)}</figcaption></figure>')
    left = [p for p in split_series(r.series) if panels is not None and p not in panels]
    if left:
        figures.append(f'<p class="meta">Curves not drawn here ({escape(", ".join(left))}; this page '
                       f'draws at most {MAX_PLOTS} plots): they are in the JSON report.</p>')
    return "".join(figures)


def _cell_links(r: CheckResult, notebooks: Sequence[RenderedNotebook]) -> str:
    links = []
    for nb in notebooks:
        for cell, flags in sorted(nb.flags.items()):
            if any(f.label == r.name for f in flags):
                links.append(f'<a href="#{cell_anchor(nb.index, cell)}">{escape(nb.name)} cell {cell + 1}</a>')
    return f'<p class="cells">Flagged cells: {"".join(links)}</p>' if links else ""


def _role(r: CheckResult) -> str:
    """`` · extra check (bonus only)`` / `` · optional part`` for the meta line (docs/rubrics.md)."""
    return f" &middot; {escape(ROLE_TEXT[r.role])}" if r.label else ""


def _check(r: CheckResult, notebooks: Sequence[RenderedNotebook],
           drawn: dict[str, set[str]] | None = None) -> str:
    message, diagnosis, hint = split_message(r)
    css = "info" if r.informational else r.status
    parts = [f'<article class="check {css}" id="{check_anchor(r.name)}">'
             f'<h3><span class="badge {css}">{escape(r.shown_status)}</span> <code>{escape(r.name)}</code>'
             f'<span class="pts">{format_points(r.points)} / {format_points(r.max_points)}</span></h3>'
             f'<div class="meta">{escape(r.section)} &middot; {escape(r.kind)}{_role(r)}</div>']
    if message.strip():
        parts.append(f'<div class="msg">{escape(message)}</div>')
    if diagnosis:
        parts.append(f'<p class="diag"><strong>Diagnosis:</strong> {escape(diagnosis)}</p>')
    if hint:
        parts.append(f'<p class="hint"><strong>Hint:</strong> {escape(hint)}</p>')
    parts.append(_plots(r, None if drawn is None else drawn.get(r.name, set())))
    parts.append(_cell_links(r, notebooks))
    parts.append("</article>")
    return "".join(parts)


def _manual(report: Report, notebooks: Sequence[RenderedNotebook]) -> str:
    if not report.manual:
        return ""
    items = []
    for position, item in enumerate(report.manual):
        where = ""
        for nb in notebooks:
            cells = [c for c, flags in sorted(nb.flags.items())
                     if any(f.target == manual_anchor(position) for f in flags)]
            if nb.name == item.source and cells:
                where = " ".join(f'<a href="#{cell_anchor(nb.index, c)}">cell {c + 1}</a>' for c in cells)
        points = f"{format_points(item.points)} points" if item.points is not None else "points not in the rubric"
        answer = escape(item.answer) if item.answered else "<em>no answer</em>"
        label = "Printed" if item.kind == "figure" else "Answer"
        explanation = f'<p><strong>Explanation:</strong> {escape(item.explanation)}</p>' if item.explanation else ""
        items.append(f'<div class="manual" id="{manual_anchor(position)}"><h3>{escape(item.title)} '
                     f'<span class="meta">{escape(item.source)}, {points} {where}</span></h3>'
                     f'<div class="msg">{escape(item.prompt)}</div>'
                     f'<p class="answer"><strong>{label}:</strong> {answer}</p>{explanation}</div>')
    return (f'<section id="manual"><h2>{MANUAL_HEADING} ({len(report.manual)})</h2>'
            f'<p class="meta">Not counted in the total.</p>{"".join(items)}</section>')


def _collapsed(results: Iterable[CheckResult], notebooks, drawn: dict[str, set[str]] | None = None) -> str:
    groups: dict[str, list[CheckResult]] = {}
    for r in results:
        groups.setdefault(r.section, []).append(r)
    if not groups:
        return ""
    blocks = []
    for section, rs in groups.items():
        inner = "".join(_check(r, notebooks, drawn) for r in rs)
        passed = sum(r.status == "passed" for r in rs)
        blocks.append(f'<details><summary>{escape(section)}: {passed} passed'
                      f'{", " + str(len(rs) - passed) + " skipped" if len(rs) > passed else ""}'
                      f'</summary>{inner}</details>')
    return f'<section id="passed"><h2>Passed and skipped checks</h2>{"".join(blocks)}</section>'


def _notebooks(notebooks: Sequence[RenderedNotebook]) -> str:
    if not notebooks:
        return ""
    blocks = []
    for nb in notebooks:
        flagged = len(nb.flags)
        content = (f'<p class="diag">{escape(nb.problem)}</p>' if nb.problem else nb.html)
        blocks.append(f'<div class="notebook" id="{nb.anchor}"><h3>{escape(nb.name)}</h3>'
                      f'<p class="meta">{flagged} flagged cell(s)</p>{content}</div>')
    return (f'<section id="notebooks"><h2>Notebooks</h2><style>{notebook_html.code_css()}</style>'
            f'{"".join(blocks)}</section>')


def _output(report: Report) -> str:
    parts = []
    for label, text in (("stdout", report.worker_stdout), ("stderr", report.worker_stderr)):
        if text:
            parts.append(f"<details><summary>What your code printed ({label})</summary>"
                         f"<pre>{escape(text)}</pre></details>")
    return f'<section id="output"><h2>Program output</h2>{"".join(parts)}</section>' if parts else ""


def render_notebooks(report: Report, files: Sequence[tuple[str, Path]]) -> list[RenderedNotebook]:
    return [notebook_html.render_notebook(path, name, i, report) for i, (name, path) in enumerate(files)]


def render_html(report: Report, notebooks: Sequence[tuple[str, Path]] | None = None) -> str:
    """``report`` as one self-contained HTML page.

    ``notebooks``: ``[(name, path)]`` of the notebooks to show (``name`` as the report names
    them); by default those found at ``report.submission`` when it still exists.
    """
    if notebooks is None:
        with notebook_html.notebook_files(report.submission) as files:
            return render_html(report, files)
    rendered = render_notebooks(report, notebooks)
    attention = [r for r in report.results if r.status in ATTENTION and not r.informational]
    attention.sort(key=lambda r: (r.status == "partial", -(r.max_points - r.points)))
    rest = [r for r in report.results if r.status not in ATTENTION or r.informational]
    drawn = plotted(report.results)
    needs = ("".join(_check(r, rendered, drawn) for r in attention) if attention
             else "<p>Nothing: every check passed.</p>")
    body = "".join([
        _header(report), _profile(report),
        f'<section id="attention"><h2>Needs attention ({len(attention)})</h2>{needs}</section>',
        _manual(report, rendered), _collapsed(rest, rendered, drawn), _notebooks(rendered), _output(report),
    ])
    return document(f"{report.score:g} / {report.max_score:g} · {report.submission}", body)
