"""Grade the submissions of a class that the store does not hold yet, in a local process pool.

Each pool process grades one submission at a time with ``grader.engine.grade``, so each
submission still runs in its own sandboxed worker with the same limits, timeouts and partial
credit as ``grade SUBMISSION``, and never more than ``jobs`` student workers run at once. The
pool processes return plain report data, with the student's report files already rendered
(``grader.classroom.reports``) and the student's code tokenised for the dashboard's similarity
(``grader.similarity.tokenize``): that work runs in parallel there, not in the parent after the
pool. Only this (parent) process writes the store and the output folder. ``record_for`` turns a
report into the record the store keeps.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engine import GradeOptions, grade
from ..result import Report
from ..sandbox.pool import available_cores
from .inputs import Submission
from .reports import render_student_files

TIMEOUT_MARKERS = (" did not finish within ", " was not called again: ")
ATTEMPTS = 2          # a submission whose grading process died is tried once more


@dataclass(frozen=True)
class Job:
    """One submission to grade: the student and the store key its result goes under."""

    submission: Submission
    key: str


@dataclass
class Finished:
    """What grading one job gave: the record for the store, or ``record["report"] is None``
    (grading itself failed; not stored, so a rerun tries again)."""

    job: Job
    record: dict
    cached: bool = False
    files: dict[str, str] | None = None   # the rendered report folder (``reports``), when sent
    code: object = None                   # ``grader.similarity.Tokens``, when sent


def status_of(report: Report) -> tuple[str, str]:
    """``("graded"|"error"|"timeout", reason)`` for a report: ``error`` when the submission could
    not be set up (nothing of it was graded), ``timeout`` when student code ran out of time."""
    setup = [r for r in report.results if r.kind == "setup"]
    if setup and len(setup) == len(report.results):
        return "error", setup[0].message.splitlines()[0] if setup[0].message else "not graded"
    timed_out = [r for r in report.results if any(m in r.message for m in TIMEOUT_MARKERS)]
    if timed_out:
        return "timeout", f"{len(timed_out)} checks ran out of time, first {timed_out[0].name}"
    return "graded", ""


def record_for(job: Job, report: Report | None, reason: str = "") -> dict:
    if report is None:
        return {"key": job.key, "student": job.submission.id, "status": "error", "reason": reason,
                "report": None}
    status, why = status_of(report)
    return {"key": job.key, "student": job.submission.id, "status": status, "reason": why,
            "report": report.to_dict()}


def grade_to_dict(path: str, options: GradeOptions, code_root: str | None = None) -> dict:
    """Grade one submission (in a pool process or a dask task): ``{"report": plain data,
    "files": the rendered report folder, "code": the code under ``code_root`` (a folder; None:
    not taken) tokenised for the similarity (``grader.similarity.Tokens``)}``."""
    report = grade(path, options)
    files = code = None
    # Both are only a head start for the parent, which renders / tokenises what is missing: a
    # failure here must not cost the student's grade.
    try:
        files = render_student_files(report)
    except Exception:
        pass
    if code_root is not None:
        from ..similarity import tokenize

        try:
            code = tokenize(code_root)
        except Exception:
            pass
    return {"report": report.to_dict(), "files": files, "code": code}


def finished_from(job: Job, result: dict) -> Finished:
    """The ``Finished`` of a job whose ``grade_to_dict`` returned ``result``."""
    report = Report.from_dict(result["report"])
    return Finished(job, record_for(job, report), files=result["files"], code=result["code"])


def run_local(jobs: Iterable[Job], options: GradeOptions, workers: int,
              on_start: Callable[[Job], None], on_done: Callable[[Finished], None]) -> list[str]:
    """Grade ``jobs`` with at most ``workers`` at a time; ``on_done`` gets each result as it
    arrives (in completion order). A pool process that dies costs the submissions it was
    grading one more attempt each, then they are errors with the reason. Returns a line per
    retried submission."""
    retried: list[str] = []
    pending = list(jobs)
    attempts: dict[str, int] = {}
    options = replace(options, progress=None)
    context = multiprocessing.get_context("spawn")
    while pending:
        broken: list[Job] = []
        with cf.ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context) as pool:
            running: dict[cf.Future, Job] = {}
            while pending or running:
                while pending and len(running) < workers:
                    job = pending.pop(0)
                    attempts[job.submission.id] = attempts.get(job.submission.id, 0) + 1
                    on_start(job)
                    try:
                        path = job.submission.path
                        running[pool.submit(grade_to_dict, str(path), options,
                                            str(path) if path.is_dir() else None)] = job
                    except cf.process.BrokenProcessPool:
                        broken.append(job)
                        break
                if not running:
                    break
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    job = running.pop(future)
                    try:
                        result = finished_from(job, future.result())
                    except cf.process.BrokenProcessPool:
                        broken.append(job)
                        continue
                    except Exception as exc:  # the grader failed on this submission: report it
                        on_done(Finished(job, record_for(job, None, f"grading failed: {exc!r}")))
                        continue
                    on_done(result)
                if broken:
                    break
            if broken:  # the pool is gone: what was still running there died with it
                broken.extend(running.values())
                running.clear()
        for job in broken:
            if attempts[job.submission.id] < ATTEMPTS:
                retried.append(f"{job.submission.id}: its grading process died")
                pending.insert(0, job)
            else:
                on_done(Finished(job, record_for(job, None, "the grading process died twice "
                                                            "(out of memory or killed)")))
    return retried


def default_jobs() -> int:
    """One job per core this process may use."""
    return available_cores()


@dataclass
class ClassOptions:
    """What ``grade class`` was asked for (``grader.classroom.grade_class``)."""

    rubric: str | Path | None = None
    profile: str | None = None
    pack: str | Path | None = None   # a course pack (grader.packs); ``rubric`` names one of its rubrics
    data: str | Path | None = None
    call_timeout: float | None = None
    execute: bool = False
    jobs: int = field(default_factory=default_jobs)
    dask: str | None = None
    force: bool = False
    only: tuple[str, ...] = ()
    limits: object = None     # grader.sandbox.Limits; None: the defaults
    workers: int | None = None  # sandboxed workers per submission; None: ``workers_per_job``
