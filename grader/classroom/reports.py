"""One student's report folder, ``OUTDIR/students/<id>/``: every registered per-student format.

``render_student_files(report)`` gives ``{file name: text}``; the pool processes and the dask
tasks call it right after grading (the HTML report with its plots is most of a class run's
rendering, and there it runs in parallel), and the client writes the texts as each result
arrives. ``MARKER`` (``.key``) is written last and names the store key and the formats the files
were rendered for: a folder whose marker matches is complete and current, so a rerun (or the
end of a run) renders only the folders that are missing or stale. Rendering always starts from
the report exactly as the store gives it back (``store.as_stored``: its keys sorted), so a
folder rendered by a pool process and one rebuilt from the store hold the same bytes.
"""
from __future__ import annotations

from pathlib import Path

from ..report import RENDERERS
from ..result import Report
from .store import as_stored, write_atomic

#: Files of each student's report folder: every registered renderer among these is written.
STUDENT_FILES = {"json": "report.json", "gradescope": "results.json", "markdown": "report.md",
                 "html": "report.html"}
#: Formats a student may be handed: rendered for the student audience (hidden checks withheld).
STUDENT_AUDIENCE = ("markdown", "html")
MARKER = ".key"


def formats() -> list[str]:
    """The per-student formats this installation renders (a format whose extra is missing is
    not registered)."""
    return [fmt for fmt in STUDENT_FILES if fmt in RENDERERS]


def marker_text(key: str) -> str:
    return f"{key} {','.join(formats())}\n"


def render_student_files(report: Report) -> dict[str, str]:
    """``{file name: text}`` of one student's folder, rendered from the stored form of ``report``."""
    report = Report.from_dict(as_stored(report.to_dict()))
    files = {}
    for fmt in formats():
        shown = report.for_audience("student") if fmt in STUDENT_AUDIENCE else report
        files[STUDENT_FILES[fmt]] = RENDERERS[fmt](shown)
    return files


def is_current(folder: Path, key: str) -> bool:
    """The folder was written completely for the result stored under ``key``."""
    try:
        return (folder / MARKER).read_text("utf-8") == marker_text(key)
    except (OSError, UnicodeDecodeError):
        return False


def write_student_files(folder: Path, key: str, files: dict[str, str]) -> None:
    """Write the rendered ``files`` (each atomically, an unchanged one left alone), then the
    marker: a run killed in between leaves a folder without a current marker, rendered again."""
    for name, text in files.items():
        target = folder / name
        try:
            same = target.read_text("utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            write_atomic(target, text)
    write_atomic(folder / MARKER, marker_text(key))


def write_student_reports(folder: Path, report: Report, key: str) -> None:
    """The folder of a stored result, unless it is already current."""
    if not is_current(folder, key):
        write_student_files(folder, key, render_student_files(report))
