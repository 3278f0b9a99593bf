"""Renderers: each takes a ``grader.result.Report`` and returns one format as text.

None of them computes a score: totals come from ``Report.score``, ``Report.section_scores()``
and ``Report.counts()``. None of them filters for an audience either, except Gradescope's,
which always withholds hidden checks (its file is handed to students). Call
``report.for_audience("student")`` before rendering anything a student will read.

===============  ====================================================  =====================
format           function                                              for
===============  ====================================================  =====================
``terminal``     ``terminal.print_report(report, console)``            people at a terminal
                 / ``terminal.render_terminal(report) -> str``
``json``         ``json_report.render_json(report) -> str``            tools (our schema)
``gradescope``   ``gradescope.render_gradescope(report) -> str``       Gradescope results.json
``junit``        ``junit.render_junit(report) -> str``                 CI test reports
``markdown``     ``markdown.render_markdown(report) -> str``           a CI job summary page
``html``         ``html.render_html(report) -> str``                   people, in a browser
                                                                       (plots, notebooks)
===============  ====================================================  =====================
"""
from __future__ import annotations

from typing import Callable

from ..result import Report
from .gradescope import render_gradescope
from .html import render_html
from .json_report import render_json
from .junit import render_junit
from .markdown import render_markdown
from .terminal import print_report, render_terminal

RENDERERS: dict[str, Callable[[Report], str]] = {
    "terminal": render_terminal,
    "json": render_json,
    "gradescope": render_gradescope,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": render_html,
}


def render(report: Report, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of ``RENDERERS``)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; one of {sorted(RENDERERS)}") from None
    return renderer(report)


__all__ = ["RENDERERS", "render", "render_json", "render_gradescope", "render_junit",
           "render_markdown", "render_html", "render_terminal", "print_report"]
