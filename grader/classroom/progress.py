"""Progress of a class run: a rich bar on a terminal, one line per finished student otherwise.

The bar shows done/total, submissions per minute, the time left, the student(s) being graded and
the failures so far; the plain form (a log file, CI) prints ``[done/total] id: points status``.
``summary_table`` is the short table printed at the end.
"""
from __future__ import annotations

import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..result import format_points


class ClassProgress:
    def __init__(self, console: Console):
        self.console = console
        self.terminal = console.is_terminal
        self.total = self.done = self.failures = 0
        self.running: list[str] = []
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task = None

    def start(self, total: int, cached: int) -> None:
        self.total, self.done = total, cached
        self.started = time.monotonic()
        if self.terminal and total > cached:
            self.bar = Progress(TextColumn("[bold]grading[/]"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                                TextColumn("[red]{task.fields[failures]}[/] {task.fields[current]}"),
                                console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=total, completed=cached, rate="",
                                          failures="", current="")

    def rate(self, graded: int) -> float:
        """Submissions graded per minute in this run."""
        elapsed = time.monotonic() - self.started
        return 60.0 * graded / elapsed if elapsed > 0 else 0.0

    def started_one(self, student: str) -> None:
        self.running.append(student)
        self._refresh()

    def finished_one(self, student: str, status: str, score: float | None, max_score: float | None,
                     graded_now: int) -> None:
        self.done += 1
        if student in self.running:
            self.running.remove(student)
        if status != "graded":
            self.failures += 1
        points = "" if score is None else f"{format_points(score)}/{format_points(max_score)} "
        if self.bar is None:
            self.console.print(f"[{self.done}/{self.total}] {student}: {points}{status}",
                               highlight=False, markup=False, soft_wrap=True)
        self._refresh(graded_now)

    def _refresh(self, graded_now: int | None = None) -> None:
        if self.bar is None:
            return
        fields = {"current": ", ".join(self.running[-3:]),
                  "failures": f"{self.failures} failed" if self.failures else ""}
        if graded_now is not None:
            fields["rate"] = f"{self.rate(graded_now):.1f}/min"
        self.bar.update(self.task, completed=self.done, **fields)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def summary_table(summary: dict, graded_now: int, cached: int, outdir) -> Table:
    table = Table(title=f"class: {summary['count']} students ({summary['layout']} layout)",
                  show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for status, n in summary["status"].items():
        table.add_row(status, str(n))
    table.add_row("graded this run", f"{graded_now} ({cached} from the store)")
    total = summary["total"]
    if total:
        table.add_row("total", f"mean {format_points(total['mean'])}, median "
                      f"{format_points(total['median'])}, min {format_points(total['min'])}, max "
                      f"{format_points(total['max'])} of {format_points(summary['max'])}")
    hardest = sorted(summary["checks"].items(), key=lambda kv: (kv[1]["pass_rate"], kv[0]))[:3]
    for name, entry in hardest:
        if entry["pass_rate"] < 1:
            mistake = entry["most_frequent_mistake"]
            table.add_row("hard check", f"{name}: {entry['pass_rate']:.0%} passed"
                          + (f"; most often: {mistake['mistake']}" if mistake else ""))
    table.add_row("outputs", f"{outdir}/gradebook.csv, checks.csv, summary.json, students/")
    return table
