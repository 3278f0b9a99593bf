"""The terminal report (rich): a table per section, the checks not passed with their messages,
the total, then the notes.

All student-controlled text goes through ``rich.text.Text`` (never markup) after control
characters are made visible, so a message can neither inject rich markup nor terminal escape
sequences. When the console is not a terminal, rich writes plain text without colours.
"""
from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..result import MANUAL_HEADING, ROLE_TEXT, Report, format_points, printable

SYMBOLS = {"passed": "✓", "failed": "✗", "partial": "◐", "error": "!", "skipped": "-"}
ASCII_SYMBOLS = {"passed": "+", "failed": "x", "partial": "~", "error": "!", "skipped": "-"}
STYLES = {"passed": "green", "failed": "red", "partial": "yellow", "error": "magenta", "skipped": "dim"}
OUTPUT_TAIL_LINES = 20


def _symbols(console: Console) -> dict[str, str]:
    return SYMBOLS if console.encoding.lower().startswith("utf") else ASCII_SYMBOLS


def _status(r, symbols: dict[str, str]) -> Text:
    if r.informational:
        return Text(f"i {r.shown_status}", style="dim")
    return Text(f"{symbols[r.status]} {r.status}", style=STYLES[r.status])


def _safe(text: str) -> Text:
    return Text(printable(text))


def print_report(report: Report, console: Console | None = None) -> None:
    """Print ``report`` on ``console`` (default: a new stdout console)."""
    console = console or Console()
    symbols = _symbols(console)
    console.print(Text.assemble((printable(report.rubric_title), "bold"), "  ",
                                (f"submission {printable(report.submission)}", "dim"), "  ",
                                (f"profile {printable(report.profile)}", "dim")))
    section_scores = report.section_scores()
    for section, results in report.by_section().items():
        earned, available = section_scores[section]
        table = Table(title=Text(f"{printable(section)}  {format_points(earned)} / {format_points(available)}"),
                      title_justify="left", expand=False)
        table.add_column("check")
        table.add_column("points", justify="right")
        table.add_column("status")
        for r in results:
            name = _safe(r.name)
            if r.visibility != "visible":
                name.append(f"  ({r.visibility})", style="dim")
            if r.label:
                name.append(f"  ({r.label})", style="dim")
            table.add_row(name, Text(f"{format_points(r.points)} / {format_points(r.max_points)}"),
                          _status(r, symbols))
        console.print(table)

    problems = [r for r in report.results if r.status != "passed"]
    if problems:
        console.print(Text("Checks not passed", style="bold"))
        for r in problems:
            head = Text.assemble(_status(r, symbols), " ", (printable(f"{r.section} / {r.name}"), "bold"),
                                 f"  {format_points(r.points)} / {format_points(r.max_points)}",
                                 (f"  ({ROLE_TEXT[r.role]})" if r.label else "", "dim"))
            console.print(head)
            console.print(_indent(_safe(r.full_message or r.status)))
    summary = report.summary()
    console.print(Text.assemble(("Total: ", "bold"),
                                (f"{format_points(report.score)} / {format_points(report.max_score)}", "bold"),
                                f"  ({summary}; {report.duration_s:.1f} s)"))
    if report.manual:
        console.print(Text(f"{MANUAL_HEADING} ({len(report.manual)}, not in the total)",
                           style="bold"))
        for item in report.manual:
            points = f"  [{format_points(item.points)} points]" if item.points is not None else ""
            state = "" if item.answered else "  (no answer)"
            console.print(Text("  - ") + _safe(f"{item.source}: {item.title}{points}{state}"))
            if item.kind == "figure" and item.prompt:
                console.print(_indent(_safe(item.prompt)))
            if item.answered:
                console.print(_indent(_safe(item.answer)), style="dim")
    if report.notes:
        console.print(Text("Notes", style="bold"))
        for note in report.notes:
            console.print(Text("  - ") + _safe(note))
    for label, text in (("stdout", report.worker_stdout), ("stderr", report.worker_stderr)):
        if text:
            lines = text.splitlines()[-OUTPUT_TAIL_LINES:]
            console.print(Text(f"Worker {label} (last {len(lines)} lines)", style="bold"))
            console.print(_safe("\n".join(lines)), style="dim")


def _indent(text: Text) -> Text:
    lines = text.split("\n")
    out = Text()
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        out.append("    ")
        out.append_text(line)
    return out


def render_terminal(report: Report, width: int = 100) -> str:
    """``report`` as plain text (what ``print_report`` shows on a non-terminal)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None,
                      highlight=False, emoji=False)
    print_report(report, console)
    return buffer.getvalue()
