"""Grade a whole class: ``grade class SUBMISSIONS -o OUTDIR`` (see docs/class-grading.md).

Data flows one way: ``inputs`` (the class folder -> one Submission per student) -> ``store``
(what is already graded, by content key) -> ``runner`` (local pool) or ``dask`` (a cluster), each
submission through ``grader.engine.grade`` -> the store -> ``gradebook`` (gradebook.csv,
checks.csv, summary.json, canvas.csv), one report folder per student (``reports``: rendered by
the grading process, rebuilt here only when not current) and the dashboard (``index.html``),
rebuilt from the store on every run. Only this process writes OUTDIR; it and the store are
hidden from student code.
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
from ..rubric import load_rubric
from ..sandbox import Limits
from ..sandbox.pool import available_cores, default_size
from . import gradebook
from .inputs import ClassInput, ClassInputError, Submission, read_class
from .reports import STUDENT_FILES, write_student_files, write_student_reports
from .runner import ClassOptions, Finished, Job, record_for, run_local
from .store import Store, config_hash, content_hash, grader_version, write_atomic

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
    if options.dask or options.jobs > 1:   # every core is busy: no busy-waiting (Limits.spin_seconds)
        limits = replace(limits, spin_seconds=0.0)
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


def write_class_dashboard(outdir: Path, rows: list[gradebook.Row], tokens: dict | None = None) -> Path:
    """``OUTDIR/index.html`` (``grader.report.dashboard``): the class statistics, each graded
    student's report linked, and the code similarity of the submission folders (``tokens``:
    the students whose code the pool already tokenised, ``grader.similarity.Tokens``)."""
    from .. import similarity
    from ..report.dashboard import write_dashboard

    graded = [row for row in rows if row.report is not None]
    students = [(row.submission.id, row.submission.name,
                 outdir / "students" / row.submission.id / "report.json",
                 f"students/{row.submission.id}/report.html") for row in graded]
    code = {row.submission.id: row.submission.path for row in graded if row.submission.path.is_dir()}
    report = None
    if len(code) > 1:
        report = similarity.compare(code, tokens={sid: t for sid, t in (tokens or {}).items()
                                                  if sid in code})
    return write_dashboard(outdir, students, similarity=report)


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
        tokens: dict[str, object] = {}

        def started(job: Job) -> None:
            if progress is not None:
                progress.started_one(job.submission.id)

        def finished(done: Finished) -> None:
            nonlocal graded_now
            graded_now += 1
            record = done.record
            sid = done.job.submission.id
            if record["report"] is not None:
                store.put(record)          # stored first: a kill after this line loses nothing
                if done.files is not None:
                    write_student_files(outdir / "students" / sid, record["key"], done.files)
            if done.code is not None:
                tokens[sid] = done.code
            records[sid] = record
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
        for row in rows:                   # the folders the pool did not write (from the store)
            if row.report is not None:
                write_student_reports(outdir / "students" / row.submission.id, row.report,
                                      records[row.submission.id]["key"])
        write_class_dashboard(outdir, rows, tokens)
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


__all__ = ["STUDENT_FILES", "ClassBusy", "ClassInputError", "ClassOptions", "ClassRun", "Submission", "grade_class",
           "read_class", "workers_per_job"]
