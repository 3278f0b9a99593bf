"""Grading a class: submissions per minute with --jobs 1, --jobs 2 and a 2-worker dask
LocalCluster, the 1->2 jobs scaling, the dask overhead over the pool, and the projection for
500 submissions; each printed as measured vs goal.

    python benchmarks/class_speed.py [N] [--rubric NAME_OR_PATH] [--no-dask] [--repeat R]

N generated submissions (default 12): the reference, the starter code and mutants of
tests/mutants in turn. Every run starts from an empty output folder (no stored results) and
includes everything a TA waits for: grading, the report folders, the dashboard with the code
similarity, the gradebook. The pool's process start-up is part of its time; the dask workers
are started (and have imported the grader) before theirs, as a cluster that a course keeps
running would be: the cluster's start-up is never counted. The cluster has the settings
docs/class-grading.md recommends for grading workers (one thread per worker, the statistical
profiler off). The scaling compares --jobs 1 and --jobs 2 with one sandboxed worker per
submission each (what --jobs 2 gives on 2 cores: jobs x workers <= cores); --jobs 1 with its
default of two workers per submission is timed too.

Besides the wall time, each run's CPU time per submission is printed: this process (the class
runner; with dask also the scheduler and the nannies, which LocalCluster runs here) and the
grading processes with their sandboxed workers (the pool's processes, or the dask worker
processes). On a machine shared with other work the wall times are only as good as the cores
left free: the load average before each run is printed, and ``--repeat R`` runs every
configuration R times in turn and keeps each one's fastest run (the least disturbed). Every
run must produce the same gradebook; one that does not (a call that timed out on a machine too
busy did less work) is named in a warning.

Goals on 2 cores: 500 submissions in at most 10 minutes (50/min), scaling 1 -> 2 jobs at least
1.8x, dask at most 10 % slower than the 2-job pool (wall time).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
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
#: The grading workers' settings docs/class-grading.md recommends (dask config keys).
DASK_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


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


def _rusage() -> tuple[float, float]:
    """CPU seconds of this process and of its waited-for descendants."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _tree_cpu(pids: list[int]) -> float:
    """CPU seconds of the dask worker processes and the sandboxed workers they waited for."""
    import psutil

    total = 0.0
    for pid in pids:
        t = psutil.Process(pid).cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    return total


class Run:
    """One timed class run: wall seconds, CPU seconds here and in the grading processes, and
    the gradebook (every run must give the same one)."""

    def __init__(self, wall: float, here: float, grading: float, load: float, gradebook: str):
        self.wall, self.here, self.grading, self.load = wall, here, grading, load
        self.gradebook = gradebook


def timed(root: Path, out: Path, options: ClassOptions, worker_pids: list[int] | None = None) -> Run:
    shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    here0, kids0 = _rusage()
    workers0 = _tree_cpu(worker_pids) if worker_pids else 0.0
    t0 = time.perf_counter()
    run = grade_class(root, out, options)
    elapsed = time.perf_counter() - t0
    here1, kids1 = _rusage()
    grading = _tree_cpu(worker_pids) - workers0 if worker_pids else kids1 - kids0
    assert run.graded_now == len(run.records), "every submission must be graded afresh"
    return Run(elapsed, here1 - here0, grading, load, (out / "gradebook.csv").read_text())


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=12)
    parser.add_argument("--rubric", default=None)
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration (the fastest counts)")
    args = parser.parse_args()
    labels = {"one": "jobs 1, 1 worker each", "one_pool": "jobs 1, 2 workers each", "two": "jobs 2",
              "dask": "dask, 2 workers"}
    runs: dict[str, list[Run]] = {key: [] for key in labels}
    with tempfile.TemporaryDirectory(prefix="class-speed-") as tmp:
        tmp = Path(tmp)
        root = tmp / "class"
        root.mkdir()
        build_class(root, args.n)
        base = {"rubric": args.rubric}
        cluster = client = pids = None
        if not args.no_dask:
            import dask
            from distributed import Client, LocalCluster

            with dask.config.set(DASK_WORKER_CONFIG):
                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            client = Client(cluster)
            client.run(__import__, "grader.classroom.dask")   # the workers import the grader once
            pids = list(client.run(os.getpid).values())
        try:
            for _ in range(max(1, args.repeat)):
                runs["one"].append(timed(root, tmp / "j1", ClassOptions(jobs=1, workers=1, **base)))
                runs["one_pool"].append(timed(root, tmp / "j1w", ClassOptions(jobs=1, **base)))
                runs["two"].append(timed(root, tmp / "j2", ClassOptions(jobs=2, **base)))
                if cluster is not None:
                    runs["dask"].append(timed(root, tmp / "dask",
                                              ClassOptions(dask=cluster.scheduler_address, **base), pids))
        finally:
            if cluster is not None:
                client.close()
                cluster.close()
    n = args.n
    chosen = {key: best(r) for key, r in runs.items() if r}
    print(f"class of {n} submissions (reference, template, mutants), rubric "
          f"{args.rubric or 'of the detected profile'}, {os.cpu_count()} cores, "
          f"fastest of {max(1, args.repeat)} runs each")
    for key, r in chosen.items():
        walls = ", ".join(f"{x.wall:.1f}" for x in runs[key])
        print(f"  {labels[key]:<24} {60.0 * n / r.wall:7.1f} submissions/minute ({r.wall / n:.2f} s each;"
              f" CPU {r.here / n:.2f} s here + {r.grading / n:.2f} s grading per submission;"
              f" load before {r.load:.1f}; runs {walls} s)")
    first = runs["one"][0].gradebook
    differing = [labels[key] for key, rs in runs.items() for r in rs if r.gradebook != first]
    if differing:   # a call timed out on a machine too busy: that run did less work
        print(f"  WARNING: the gradebook differs from the first run's in: {', '.join(differing)}; "
              "those figures are not comparable (timeouts under load?)")
    top = max(60.0 * n / r.wall for r in chosen.values())
    one, two = chosen["one"].wall, chosen["two"].wall
    print("measured vs goal (2 cores):")
    print(line("500 submissions", 500 / top, 10.0, "min", f"at {top:.1f}/min"))
    print(line("scaling 1 -> 2 jobs", one / two, GOAL_SCALING, "x", "", at_least=True))
    if "dask" in chosen:
        dask_wall = chosen["dask"].wall
        overhead = dask_wall / two - 1
        print(line("dask overhead over the 2-job pool", 100 * overhead, 100 * GOAL_DASK_OVERHEAD,
                   "%", f"{(dask_wall - two) / n:+.2f} s per submission"))


def line(what: str, measured: float, goal: float, unit: str, note: str = "",
         at_least: bool = False) -> str:
    ok = measured >= goal if at_least else measured <= goal
    sign = ">=" if at_least else "<="
    return (f"  {what:<34} {measured:7.2f} {unit:<3} (goal {sign} {goal:g} {unit}: "
            f"{'ok' if ok else 'not met'}){' ' + note if note else ''}")


if __name__ == "__main__":
    main()
