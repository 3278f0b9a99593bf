"""Grade a class on an existing dask.distributed cluster (``grade class ... --dask ADDRESS``).

Each submission is one task that carries the submission's bytes (a folder is zipped in memory),
so the workers need no shared file system, only this grader installed. On the worker the bytes
are unpacked into a private temp folder and graded by ``grader.engine.grade`` in its own
sandboxed worker process; the report comes back as plain data and only the client writes the
store and OUTDIR. A task that fails because its dask worker died (``KilledWorker``, or any other
error of the task itself) is submitted once more; a second failure makes that submission an
``error`` with the reason. Needs the ``cluster`` extra (``pip install '.[cluster]'``).
"""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..engine import GradeOptions
from .runner import ATTEMPTS, Finished, Job, finished_from, grade_to_dict, record_for

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def pack(path: Path) -> tuple[str, bytes]:
    """``(file name, bytes)`` of a submission: a file as it is, a folder as a zip of its files."""
    path = Path(path)
    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in sorted(path.rglob("*")):
            if item.is_file() and not item.is_symlink() and "__pycache__" not in item.parts:
                info = zipfile.ZipInfo(f"{path.name}/{item.relative_to(path).as_posix()}", _FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, item.read_bytes())
    return f"{path.name}.zip", buffer.getvalue()


def grade_packed(name: str, data: bytes, options: GradeOptions, folder: bool = False) -> dict:
    """The dask task: grade one packed submission; what ``runner.grade_to_dict`` returns.
    ``folder``: the submission was a folder (``pack`` zipped it), whose code is also tokenised
    for the dashboard's similarity, from a copy unpacked here for reading only."""
    with tempfile.TemporaryDirectory(prefix="grade-class-") as tmp:
        target = Path(tmp) / os.path.basename(name)
        target.write_bytes(data)
        code_root = None
        if folder:
            with zipfile.ZipFile(target) as zf:
                zf.extractall(Path(tmp) / "code")
            code_root = str(Path(tmp) / "code" / Path(name).stem)
        return grade_to_dict(str(target), options, code_root)


def run_dask(address: str, jobs: list[Job], options: GradeOptions,
             on_start: Callable[[Job], None], on_done: Callable[[Finished], None]) -> list[str]:
    """Grade ``jobs`` on the cluster at ``address`` (``DASK_SCHEDULER_ADDRESS`` when empty).
    Returns a line per retried task (student and why)."""
    from distributed import Client, as_completed

    retried: list[str] = []
    if not jobs:
        return retried
    with Client(address or os.environ.get("DASK_SCHEDULER_ADDRESS")) as client:
        attempts: dict[str, int] = {}
        futures = {}

        def submit(job: Job):
            attempts[job.submission.id] = attempts.get(job.submission.id, 0) + 1
            name, data = pack(job.submission.path)
            on_start(job)
            future = client.submit(grade_packed, name, data, options, job.submission.path.is_dir(),
                                   pure=False,
                                   key=f"grade-{job.submission.id}-{job.key[:12]}-{attempts[job.submission.id]}")
            futures[future] = job
            return future

        queue = as_completed([submit(job) for job in jobs])
        for future in queue:
            job = futures.pop(future)
            try:
                result = finished_from(job, future.result())
            except Exception as exc:  # KilledWorker, a lost connection, an error of the task
                if attempts[job.submission.id] < ATTEMPTS:
                    retried.append(f"{job.submission.id}: {type(exc).__name__}: {exc}")
                    queue.add(submit(job))
                else:
                    on_done(Finished(job, record_for(
                        job, None, f"failed {ATTEMPTS} times on the cluster: {type(exc).__name__}: {exc}")))
                continue
            finally:
                future.release()
            on_done(result)
    return retried
