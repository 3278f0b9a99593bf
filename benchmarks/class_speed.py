"""Grading a class: submissions per minute with --jobs 1, --jobs 2 and a 2-worker dask
LocalCluster, the 1->2 jobs scaling, the dask overhead over the pool, and the projection for
500 submissions; each printed as measured vs goal.

    python benchmarks/class_speed.py [N] [--rubric NAME_OR_PATH] [--no-dask]

N generated submissions (default 12): the reference, the starter code and mutants of
tests/mutants in turn. Every run starts from an empty output folder (no stored results); the
pool's process start-up is part of its time, the dask workers are started (and have imported
the grader) before theirs. The scaling compares --jobs 1 and --jobs 2 with one sandboxed worker
per submission each (what --jobs 2 gives on 2 cores: jobs x workers <= cores); --jobs 1 with its
default of two workers per submission is timed too.

Goals on 2 cores: 500 submissions in at most 10 minutes (50/min), scaling 1 -> 2 jobs at least
1.8x, dask at most 10 % slower than the 2-job pool.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.classroom import ClassOptions, grade_class
from tests.mutants import layers, optim
from tests.support import TEMPLATE, make_submission

GOAL_SCALING = 1.8          # 1 -> 2 jobs on 2 cores
GOAL_DASK_OVERHEAD = 0.10   # dask vs the pool, per submission


def build_class(root: Path, n: int) -> None:
    mutants = layers.MUTANTS + optim.MUTANTS
    for i in range(n):
        kind = i % 4
        name = f"s{i:03d}"
        if kind == 0:
            make_submission(root, name=name)
        elif kind == 1:
            make_submission(root, source=TEMPLATE, name=name)
        else:
            make_submission(root, mutants[i % len(mutants)].patches, name=name)


def timed(root: Path, out: Path, options: ClassOptions) -> float:
    t0 = time.perf_counter()
    run = grade_class(root, out, options)
    elapsed = time.perf_counter() - t0
    assert run.graded_now == len(run.records), "every submission must be graded afresh"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=12)
    parser.add_argument("--rubric", default=None)
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="class-speed-") as tmp:
        tmp = Path(tmp)
        root = tmp / "class"
        root.mkdir()
        build_class(root, args.n)
        base = {"rubric": args.rubric}
        one = timed(root, tmp / "j1", ClassOptions(jobs=1, workers=1, **base))
        one_pool = timed(root, tmp / "j1w", ClassOptions(jobs=1, **base))
        two = timed(root, tmp / "j2", ClassOptions(jobs=2, **base))
        dask = None
        if not args.no_dask:
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                with Client(cluster) as client:   # workers import the grader once, before timing
                    client.run(__import__, "grader.classroom.dask")
                dask = timed(root, tmp / "dask", ClassOptions(dask=cluster.scheduler_address, **base))
    n = args.n
    runs = {"jobs 1, 1 worker each": one, "jobs 1, 2 workers each": one_pool, "jobs 2": two}
    if dask is not None:
        runs["dask, 2 workers"] = dask
    rate = {label: 60.0 * n / t for label, t in runs.items()}
    print(f"class of {n} submissions (reference, template, mutants), rubric "
          f"{args.rubric or 'of the detected profile'}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    for label, r in rate.items():
        print(f"  {label:<24} {r:7.1f} submissions/minute ({runs[label] / n:.2f} s each)")
    best = max(rate.values())
    scaling = one / two
    print("measured vs goal (2 cores):")
    print(line("500 submissions", 500 / best, 10.0, "min", f"at {best:.1f}/min"))
    print(line("scaling 1 -> 2 jobs", scaling, GOAL_SCALING, "x", "", at_least=True))
    if dask is not None:
        overhead = dask / two - 1
        print(line("dask overhead over the 2-job pool", 100 * overhead, 100 * GOAL_DASK_OVERHEAD,
                   "%", f"{(dask - two) / n:+.2f} s per submission"))


def line(what: str, measured: float, goal: float, unit: str, note: str = "",
         at_least: bool = False) -> str:
    ok = measured >= goal if at_least else measured <= goal
    sign = ">=" if at_least else "<="
    return (f"  {what:<34} {measured:7.2f} {unit:<3} (goal {sign} {goal:g} {unit}: "
            f"{'ok' if ok else 'not met'}){' ' + note if note else ''}")


if __name__ == "__main__":
    main()
