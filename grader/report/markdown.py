"""A Markdown summary for a CI job page (e.g. GitHub's ``$GITHUB_STEP_SUMMARY``).

Layout: a heading with the total, a line of counts, one table per section
(check | points | status; an extra or optional check says so after its name), then the failures in a ``<details>`` block, each message in an
HTML-escaped ``<pre>``, then the notes. Inline text that a student can influence (submission
name, notes) has Markdown's punctuation backslash-escaped (``|`` cannot split a table cell,
a backtick cannot open a code span, ``[`` cannot start a link) and control characters made
visible; messages are HTML-escaped inside ``<pre>`` so they cannot close the block.

A submission that could not be graded (``Report.error``) is a heading, that one reason and the
notes: no tables of checks that never ran.
"""
from __future__ import annotations

import html
import re

from ..result import MANUAL_HEADING, ROLE_TEXT, Report, format_points, printable

STATUS_ICONS = {"passed": "✅", "failed": "❌", "partial": "🟡", "error": "⚠️", "skipped": "⏭️"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!])")
OUTPUT_TAIL_CHARS = 4000


def md_escape(text: str) -> str:
    """One line of inline Markdown showing ``text`` literally (table-cell safe)."""
    text = printable(str(text)).replace("\n", " ").replace("\t", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _pre(text: str) -> str:
    return "<pre>" + html.escape(printable(text), quote=False) + "</pre>"


def _icon(r) -> str:
    return "ℹ️" if r.informational else STATUS_ICONS[r.status]


def render_markdown(report: Report) -> str:
    """``report`` as GitHub-flavoured Markdown."""
    if report.error is not None:
        out = [f"## {md_escape(report.rubric_title)}: could not be graded", "",
               f"⚠️ {md_escape(report.error)}", "", f"submission {md_escape(report.submission)}", ""]
        if report.notes:
            out += ["**Notes**", ""] + [f"- {md_escape(note)}" for note in report.notes] + [""]
        return "\n".join(out)
    out = [f"## {md_escape(report.rubric_title)}: {format_points(report.score)} / "
           f"{format_points(report.max_score)} points", ""]
    out.append(report.summary()
               + f" · submission {md_escape(report.submission)} · profile {md_escape(report.profile)}"
               + f" · {report.duration_s:.1f} s")
    out.append("")
    section_scores = report.section_scores()
    for section, results in report.by_section().items():
        earned, available = section_scores[section]
        out += [f"### {md_escape(section)} ({format_points(earned)} / {format_points(available)})", "",
                "| check | points | status |", "|---|---:|---|"]
        for r in results:
            name = md_escape(r.name) + (f" *({r.label})*" if r.label else "")
            out.append(f"| {name} | {format_points(r.points)} / "
                       f"{format_points(r.max_points)} | {_icon(r)} {r.shown_status} |")
        out.append("")
    problems = [r for r in report.results if r.status != "passed"]
    if problems:
        out += [f"<details><summary>Checks not passed ({len(problems)})</summary>", ""]
        for r in problems:
            role = f" ({ROLE_TEXT[r.role]})" if r.label else ""
            out.append(f"**{md_escape(r.section)} / {md_escape(r.name)}**: {r.shown_status}, "
                       f"{format_points(r.points)} / {format_points(r.max_points)}{md_escape(role)}")
            out += ["", _pre(r.full_message or r.status), ""]
        out += ["</details>", ""]
    if report.manual:
        out += [f"<details><summary>{MANUAL_HEADING} ({len(report.manual)}, not in "
                "the total)</summary>", ""]
        for item in report.manual:
            points = f" ({format_points(item.points)} points)" if item.points is not None else ""
            state = "" if item.answered else ": no answer"
            out.append(f"**{md_escape(item.source)}: {md_escape(item.title)}**{points}{state}")
            if item.kind == "figure" and item.prompt:
                out += ["", md_escape(item.prompt)]
            out += ["", _pre(item.answer), ""] if item.answered else [""]
        out += ["</details>", ""]
    if report.notes:
        out += ["**Notes**", ""] + [f"- {md_escape(note)}" for note in report.notes] + [""]
    for label, text in (("stdout", report.worker_stdout), ("stderr", report.worker_stderr)):
        if text:
            tail = text[-OUTPUT_TAIL_CHARS:]
            out += [f"<details><summary>Worker {label} (last {len(tail)} characters)</summary>", "",
                    _pre(tail), "", "</details>", ""]
    return "\n".join(out)
