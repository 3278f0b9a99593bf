"""Grade a whole class: ``grade class SUBMISSIONS -o OUTDIR`` (see docs/class-grading.md).

Data flows one way: ``inputs`` (the class folder -> one Submission per student) -> ``store``
(what is already graded, by content key) -> ``runner`` (local pool) or ``dask`` (a cluster), each
submission through ``grader.engine.grade`` -> the store -> ``gradebook`` (gradebook.csv,
checks.csv, summary.json, canvas.csv), one report folder per student and the dashboard
(``index.html``), rebuilt from the store on every run. Only this process writes OUTDIR; it and the store are hidden from student code.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..engine import GradeOptions, validate_rubric_checks
from ..packs import MANIFEST, open_pack
from ..profiles import PROFILES, parse_forced
from ..report import RENDERERS
from ..result import Report
from ..rubric import load_rubric
from ..sandbox import Limits
from ..sandbox.pool import available_cores, default_size
from . import gradebook
from .inputs import ClassInput, ClassInputError, Submission, read_class
from .runner import ClassOptions, Finished, Job, record_for, run_local
from .store import Store, config_hash, content_hash, grader_version, write_atomic

#: Files of each student's report folder: every registered renderer among these is written.
STUDENT_FILES = {"json": "report.json", "gradescope": "results.json", "markdown": "report.md",
                 "html": "report.html"}
#: Formats a student may be handed: rendered for the student audience (hidden checks withheld).
STUDENT_AUDIENCE = ("markdown", "html")


class ClassBusy(Exception):
    """Another run is writing the same output folder."""


@dataclass
class ClassRun:
    """What a class run did: the input, each student's record, the summary, the counts."""

    input: ClassInput
    records: dict[str, dict]
    summary: dict
    graded_now: int
    cached: int
    canvas_unmatched: list[str]
    retried: list[str]


def _lock(outdir: Path):
    fh = open(outdir / ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise ClassBusy(f"another `grade class` run is writing {outdir}") from None
    return fh


def _remove_stale_temp_files(outdir: Path) -> None:
    """Temp files a killed run left behind (``write_atomic``'s ``.<name>.*.tmp``)."""
    for pattern in (".*.tmp", "*/.*.tmp", "*/*/.*.tmp"):
        for path in outdir.glob(pattern):
            path.unlink(missing_ok=True)


def _check_options(options: ClassOptions) -> None:
    """Raise ``RubricError``/``ProfileError`` now, before any student is graded."""
    parse_forced(options.profile, PROFILES)
    if options.pack is not None:   # PackError for an unusable pack
        validate_rubric_checks(load_rubric(open_pack(options.pack).rubric_path(options.rubric)))
    elif options.rubric is not None:
        validate_rubric_checks(load_rubric(options.rubric))


def grade_options(options: ClassOptions, hidden: tuple[str, ...]) -> GradeOptions:
    limits = options.limits or Limits()
    limits = replace(limits, hidden_paths=tuple(limits.hidden_paths) + hidden)
    return GradeOptions(rubric=options.rubric, data=options.data, limits=limits,
                        call_timeout=options.call_timeout, profile=options.profile,
                        execute_notebooks=options.execute, pack=options.pack,
                        workers=workers_per_job(options))


def workers_per_job(options: ClassOptions) -> int:
    """Sandboxed workers per submission: ``options.workers`` when given, else as many as leave
    ``jobs x workers`` within the cores (a pool of ``jobs`` submissions at once already keeps
    the cores busy); 1 on a dask cluster, whose workers each run their own tasks."""
    if options.workers is not None:
        return max(1, options.workers)
    if options.dask:
        return 1
    return max(1, min(default_size(), available_cores() // max(1, options.jobs)))


def write_student_reports(folder: Path, report: Report) -> None:
    """One student's report folder: each renderer of ``STUDENT_FILES`` that is registered."""
    for fmt, name in STUDENT_FILES.items():
        if fmt not in RENDERERS:
            continue
        shown = report.for_audience("student") if fmt in STUDENT_AUDIENCE else report
        text = RENDERERS[fmt](shown)
        target = folder / name
        if not (target.is_file() and target.read_text("utf-8") == text):
            write_atomic(target, text)


def write_class_dashboard(outdir: Path, rows: list[gradebook.Row]) -> Path:
    """``OUTDIR/index.html`` (``grader.report.dashboard``): the class statistics, each graded
    student's report linked, and the code similarity of the submission folders."""
    from ..report.dashboard import write_dashboard

    graded = [row for row in rows if row.report is not None]
    students = [(row.submission.id, row.submission.name,
                 outdir / "students" / row.submission.id / "report.json",
                 f"students/{row.submission.id}/report.html") for row in graded]
    code = {row.submission.id: row.submission.path for row in graded if row.submission.path.is_dir()}
    return write_dashboard(outdir, students, code=code if len(code) > 1 else None)


def grade_class(path: Path, outdir: Path, options: ClassOptions, *,
                progress=None, canvas: tuple[Path, str] | None = None,
                on_input: Callable[[ClassInput], None] | None = None) -> ClassRun:
    """Grade the class in ``path`` into ``outdir``; see the module docstring.

    Raises ``ClassInputError`` (nothing to grade), ``ClassBusy``, ``RubricError``/``ProfileError``
    (the instructor's input) and ``gradebook.CanvasError``; a student's problem never raises.
    """
    path, outdir = Path(path).resolve(), Path(outdir).resolve()
    _check_options(options)
    outdir.mkdir(parents=True, exist_ok=True)
    lock = _lock(outdir)
    try:
        _remove_stale_temp_files(outdir)
        classes = read_class(path, outdir / ".staging")
        inside = [s for s in classes.submissions if s.path.resolve() == outdir]
        if inside:                         # ``grade class hw2/ -o hw2/grades``
            classes.submissions.remove(inside[0])
            classes.notes.append(f"{inside[0].origin}: the output folder; skipped")
        if not classes.submissions:
            raise ClassInputError(f"{path} holds no submissions besides the output folder")
        unknown = sorted(set(options.only) - {s.id for s in classes.submissions})
        if unknown:
            classes.notes.append(f"--only: no student {', '.join(unknown)} in this class")
        if on_input is not None:
            on_input(classes)
        store = Store(outdir / ".store")
        version = grader_version()
        config = config_hash(options.rubric, options.profile, options.data, options.call_timeout,
                             options.execute)
        if options.pack is not None:   # a rebuilt pack regrades everyone
            manifest = open_pack(options.pack).root / MANIFEST
            config = hashlib.sha256((config + manifest.read_text("utf-8")).encode()).hexdigest()
        records: dict[str, dict] = {}
        todo: list[Job] = []
        for sub in classes.submissions:
            job = Job(sub, Store.key(content_hash(sub.path), version, config))
            chosen = not options.only or sub.id in options.only
            stored = store.get(job.key)
            if stored is not None and not (chosen and (options.force or options.only)):
                records[sub.id] = stored
            elif chosen:
                todo.append(job)
            else:
                records[sub.id] = record_for(job, None, "not graded yet (not chosen by --only)")
        cached = len(classes.submissions) - len(todo)
        hidden = tuple(dict.fromkeys(os.path.realpath(p) for p in (outdir, path) if p.is_dir()))
        grade_opts = grade_options(options, hidden)
        graded_now = 0

        def started(job: Job) -> None:
            if progress is not None:
                progress.started_one(job.submission.id)

        def finished(done: Finished) -> None:
            nonlocal graded_now
            graded_now += 1
            record = done.record
            if record["report"] is not None:
                store.put(record)          # stored first: a kill after this line loses nothing
            records[done.job.submission.id] = record
            if progress is not None:
                report = record["report"]
                progress.finished_one(done.job.submission.id, record["status"],
                                      report["score"] if report else None,
                                      report["max_score"] if report else None, graded_now)

        if progress is not None:
            progress.start(len(classes.submissions), cached)
        try:
            if options.dask:
                from .dask import run_dask

                retried = run_dask(options.dask, todo, grade_opts, started, finished)
            else:
                retried = run_local(todo, grade_opts, options.jobs, started, finished)
        finally:
            if progress is not None:
                progress.stop()
        for job in todo:                   # a runner that gave up on a job still leaves a row
            records.setdefault(job.submission.id, record_for(job, None, "not graded (no result came back)"))
        rows = [gradebook.Row.of(sub, records[sub.id])
                for sub in sorted(classes.submissions, key=lambda s: s.id)]
        for row in rows:
            if row.report is not None:
                write_student_reports(outdir / "students" / row.submission.id, row.report)
        write_class_dashboard(outdir, rows)
        summary = gradebook.summary(rows, classes.layout, classes.notes)
        unmatched: list[str] = []
        if canvas is not None:
            text, unmatched = gradebook.canvas_csv(rows, canvas[0], canvas[1])
            write_atomic(outdir / "canvas.csv", text)
        write_atomic(outdir / "checks.csv", gradebook.checks_csv(rows))
        write_atomic(outdir / "summary.json", gradebook.summary_json(rows, classes.layout, classes.notes))
        write_atomic(outdir / "gradebook.csv", gradebook.gradebook_csv(rows))
        return ClassRun(classes, records, summary, graded_now, cached, unmatched, retried)
    finally:
        lock.close()


__all__ = ["ClassBusy", "ClassInputError", "ClassOptions", "ClassRun", "Submission", "grade_class",
           "read_class", "workers_per_job"]
