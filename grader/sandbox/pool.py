"""``WorkerPool``: several sandboxed workers for one submission, and a scheduler for
independent jobs over them.

::

    with WorkerPool(root, layout, Limits(), size=2) as pool:
        results = pool.run([lambda w: w.call("layers.relu_forward", x) for x in xs])

Each worker is an ordinary ``Worker`` (the full ``Limits``, its own scratch folder, the same
call API, restarts on its own after a crash or a timeout). A job is a callable taking one
worker; ``run`` places the jobs on the workers deterministically (longest first on the least
loaded worker, by the given costs) and returns their results in submission order, so a
grading run's report does not depend on timing.

The workers of a pool are counted together by the process limit of the sandbox uid
(``Limits.nproc``): the pool sets ``Limits.nproc_sharers`` so that each leaves room for the
others' allowance.
"""
from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

from ..layout import Layout
from .client import Worker
from .limits import Limits

Job = Callable[[Worker], Any]
#: Environment override of ``default_size`` (a positive integer).
SIZE_ENV = "GRADER_WORKERS"


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def default_size() -> int:
    """Workers per submission when the caller does not say: ``$GRADER_WORKERS`` when set to a
    positive integer, else ``min(2, cores)`` (a second worker halves a grading run; more find
    little left to split)."""
    value = os.environ.get(SIZE_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return min(2, available_cores())


def assign(costs: Sequence[float], workers: int) -> list[list[int]]:
    """Job indices per worker: longest job first to the least loaded worker (ties: the lower
    worker index, then the earlier job); each worker's list in submission order."""
    if workers < 1:
        raise ValueError("a pool needs at least one worker")
    loads = [0.0] * workers
    lanes: list[list[int]] = [[] for _ in range(workers)]
    for i in sorted(range(len(costs)), key=lambda i: (-float(costs[i]), i)):
        k = min(range(workers), key=lambda k: (loads[k], k))
        lanes[k].append(i)
        loads[k] += float(costs[i])
    return [sorted(lane) for lane in lanes]


class WorkerPool:
    """``size`` sandboxed workers for the submission in ``root``.

    scratch_dir: a folder under which each worker gets its own ``worker-<i>`` scratch folder
                 (default: each worker's own temporary folder).
    """

    def __init__(self, root: str | os.PathLike, layout: Layout | None = None,
                 limits: Limits = Limits(), size: int = 2,
                 scratch_dir: str | os.PathLike | None = None):
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        shared = replace(limits, nproc_sharers=size)
        self.workers = [
            Worker(root, layout, shared,
                   scratch_dir=None if scratch_dir is None else Path(scratch_dir) / f"worker-{i}")
            for i in range(size)]

    @property
    def size(self) -> int:
        return len(self.workers)

    @property
    def capabilities(self) -> dict:
        """What the first worker could enforce (every worker is confined the same way)."""
        return self.workers[0].capabilities

    @property
    def restarts(self) -> int:
        return sum(w.restarts for w in self.workers)

    def __enter__(self) -> "WorkerPool":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, wait: bool = True) -> None:
        """Launch every worker, then (``wait``) wait for each one's hello: they start at the same
        time. ``wait=False`` returns at once; the first request to a worker waits for it."""
        for w in self.workers:
            w.start(wait=False)
        if wait:
            for w in self.workers:
                w.start()

    def close(self) -> None:
        """Close every worker (all of them, even if closing one fails)."""
        errors = []
        for w in self.workers:
            try:
                w.close()
            except Exception as e:   # noqa: BLE001  (closing the others matters more)
                errors.append(e)
        if errors:
            raise errors[0]

    def run(self, jobs: Sequence[Job], costs: Sequence[float] | None = None) -> list:
        """Run ``jobs`` (each ``job(worker) -> result``) over the workers and return the results
        in submission order. ``costs``: relative expected durations (default: equal), used only
        to place the jobs (``assign``). Each worker runs its jobs one after another in
        submission order, in a thread of its own. An exception from a job is raised after every
        job has finished: the first one in submission order."""
        jobs = list(jobs)
        costs = [1.0] * len(jobs) if costs is None else list(costs)
        if len(costs) != len(jobs):
            raise ValueError(f"{len(jobs)} jobs but {len(costs)} costs")
        results: list = [None] * len(jobs)
        failures: dict[int, BaseException] = {}
        lanes = assign(costs, self.size)

        def work(worker: Worker, lane: list[int]) -> None:
            for i in lane:
                try:
                    results[i] = jobs[i](worker)
                except BaseException as e:   # noqa: BLE001  (re-raised below, in order)
                    failures[i] = e

        busy = [(w, lane) for w, lane in zip(self.workers, lanes) if lane]
        threads = [threading.Thread(target=work, args=pair, daemon=True) for pair in busy[1:]]
        for t in threads:
            t.start()
        if busy:
            work(*busy[0])   # the first lane in the calling thread
        for t in threads:
            t.join()
        if failures:
            raise failures[min(failures)]
        return results

    def __repr__(self) -> str:
        return f"<WorkerPool of {self.size}: {', '.join(map(repr, self.workers))}>"
