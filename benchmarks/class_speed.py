"""Grading a class: submissions per minute with --jobs 1, --jobs 2 and a 2-worker dask
LocalCluster, the 1->2 jobs scaling, the dask overhead over the pool, and the projection for
500 submissions (goal: 500 in 10 minutes).

    python benchmarks/class_speed.py [N] [--rubric NAME_OR_PATH]

N generated submissions (default 12): the reference, the starter code and mutants of
tests/mutants in turn. Every run starts from an empty output folder (no stored results); the
pool's process start-up is part of its time, the dask workers are started (and have imported
the grader) before theirs.
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
GOAL_PER_10_MIN = 500


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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="class-speed-") as tmp:
        tmp = Path(tmp)
        root = tmp / "class"
        root.mkdir()
        build_class(root, args.n)
        base = {"rubric": args.rubric}
        one = timed(root, tmp / "j1", ClassOptions(jobs=1, **base))
        two = timed(root, tmp / "j2", ClassOptions(jobs=2, **base))
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            with Client(cluster) as client:   # workers import the grader once, before timing
                client.run(__import__, "grader.classroom.dask")
            dask = timed(root, tmp / "dask", ClassOptions(dask=cluster.scheduler_address, **base))
    n = args.n
    rate = {label: 60.0 * n / t for label, t in (("jobs 1", one), ("jobs 2", two), ("dask 2", dask))}
    print(f"class of {n} submissions (reference, template, mutants), rubric "
          f"{args.rubric or 'of the detected profile'}, {os.cpu_count()} cores")
    for label, r in rate.items():
        print(f"  {label}: {r:7.1f} submissions/minute")
    scaling = one / two
    print(f"  scaling 1 -> 2 jobs: {scaling:.2f}x (goal >= {GOAL_SCALING})")
    overhead = (dask - two) / n
    print(f"  dask overhead: {overhead:+.2f} s per submission, {100 * (dask / two - 1):+.1f} % over "
          f"the 2-job pool (goal <= {100 * GOAL_DASK_OVERHEAD:.0f} %)")
    best = max(rate["jobs 2"], rate["dask 2"])
    print(f"  500 submissions: {500 / best:.1f} minutes on this machine at {best:.1f}/min "
          f"(goal: {GOAL_PER_10_MIN} in 10 minutes = 50/min; "
          f"{50 / best:.1f} such machines or dask workers x2 cores needed)")


if __name__ == "__main__":
    main()
