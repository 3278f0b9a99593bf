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

Every format is registered below with ``register``: its name, and, for the formats the ``grade``
command can write to a file, the option (``--junit``) and its help text. The command builds its
output options from this registry, so a new format is one module and one ``register`` line.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ..result import Report

Render = Callable[[Report], str]


class _Deferred:
    """A render function imported from its module when it is first called: a run that writes
    no JUnit file never imports junitparser, one without a terminal report never imports rich."""

    def __init__(self, module: str, name: str):
        self.module, self.name = module, name
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        return getattr(importlib.import_module(f"{__name__}.{self.module}"), self.name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<render function {self.module}.{self.name}>"


render_terminal = _Deferred("terminal", "render_terminal")
print_report = _Deferred("terminal", "print_report")
render_json = _Deferred("json_report", "render_json")
render_gradescope = _Deferred("gradescope", "render_gradescope")
render_junit = _Deferred("junit", "render_junit")
render_markdown = _Deferred("markdown", "render_markdown")
render_html = _Deferred("html", "render_html")


@dataclass(frozen=True)
class Renderer:
    """One registered format. ``option``: the ``grade`` option that writes it to a file (None:
    not written to a file); ``help``: that option's help text."""

    name: str
    render: Render
    option: str | None = None
    help: str = ""


FORMATS: dict[str, Renderer] = {}
RENDERERS: dict[str, Render] = {}   # name -> render function, in registration order


def register(name: str, render: Render, *, option: str | None = None, help: str = "") -> Renderer:
    """Register the format ``name`` (and its file option, when it has one)."""
    if name in FORMATS:
        raise ValueError(f"report format {name!r} is registered twice")
    if option is not None and any(r.option == option for r in FORMATS.values()):
        raise ValueError(f"option {option} already writes another format")
    FORMATS[name] = renderer = Renderer(name, render, option, help)
    RENDERERS[name] = render
    return renderer


def file_formats() -> list[Renderer]:
    """The formats the ``grade`` command can write to a file, in registration order."""
    return [r for r in FORMATS.values() if r.option is not None]


register("terminal", render_terminal)
register("json", render_json, option="--json", help="Write the JSON report here.")
register("gradescope", render_gradescope, option="--gradescope",
         help="Write Gradescope's results.json here.")
register("junit", render_junit, option="--junit", help="Write JUnit XML here.")
register("markdown", render_markdown, option="--markdown",
         help="Write a Markdown summary here; appended to when it is $GITHUB_STEP_SUMMARY.")
register("html", render_html, option="--html",
         help="Write a self-contained HTML report here (plots, the notebooks rendered).")


def render(report: Report, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of ``RENDERERS``)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; one of {sorted(RENDERERS)}") from None
    return renderer(report)


__all__ = ["FORMATS", "RENDERERS", "Renderer", "file_formats", "register", "render", "render_json", "render_gradescope", "render_junit",
           "render_markdown", "render_html", "render_terminal", "print_report"]
