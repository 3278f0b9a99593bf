"""What do the CIFAR-10 training checks cost on the full course split (--data)?

For each rubric with training checks, one correct submission of that course (the test trees of
tests/grader/profiles/trees.py, the reference for the canonical rubric) is graded by
``grader.engine.grade`` with ``--data``, each rubric in a fresh process. Printed per rubric: the
wall time of each training check and of the whole run, and the peak memory of grader + worker:

* ``sum``: the largest sum of the resident sets of the grader and all its descendants (the
  worker), sampled every 0.2 s with psutil;
* ``grader``: the largest resident set of the grader process alone (same samples);
* ``worker``: ``ru_maxrss`` of the grader's largest child (the worker; its count starts from the
  grader's resident set at the fork).

Resident sets count the pages of the memory-mapped dataset each process touched (the same page
cache pages in both processes), so ``sum`` overstates the memory in use.

Goals: peak grader + worker memory under 2 GiB (the 602 MB training split is mapped, not copied
through the pipe); the CIFAR preparation (first run) under 60 s and its reuse under 5 s; every
rubric's training checks together under 15 minutes on one core. Wall times depend on the load of
the machine; the worker's CPU seconds (its whole run, children's rusage) do not, much.

The data: ``--data DIR`` (a cifar-10-batches-py folder), else a generated full-size dataset in the
exact format (tests/fake_cifar.py; its accuracies say nothing about real CIFAR-10, only the times
and memory are comparable). The cache goes to a temporary folder unless ``--cache DIR``.

Usage:  python benchmarks/cifar_training.py [--data DIR] [--cache DIR] [--rubric NAME ...]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))   # this checkout's grader, not an installed one

GIB = 2 ** 30
GOAL_MEMORY = 2 * GIB
GOAL_PREPARE_S, GOAL_REUSE_S, GOAL_TRAINING_S = 60.0, 5.0, 15 * 60.0
#: rubric -> (course, assignment, variant) of the tree graded; None: the reference (canonical).
TREES = {
    "canonical": None,
    "cs231n_a1": ("cs231n", "a1", "2025-2026"),
    "cs231n_a1@2018-2020": ("cs231n", "a1", "2018-2020"),
    "cs231n_a2_fc": ("cs231n", "a2", "2018-2020"),
    "cs182_hw0": ("cs182", "hw0", "fa23-fa25"),
    "ucla_hw3": ("ucla", "hw3", "2020-2021"),
    "ucla_hw4": ("ucla", "hw4", "2020-2021"),
}


def _sample_peak(stop: threading.Event, out: dict) -> None:
    import psutil

    me = psutil.Process()
    while not stop.is_set():
        total = 0
        for p in [me] + me.children(recursive=True):
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            if p is me:
                out["grader"] = max(out.get("grader", 0), rss)
        out["sum"] = max(out.get("sum", 0), total)
        stop.wait(0.2)


def one(rubric: str, data: Path, cache: Path, work: Path) -> dict:
    """Grade one tree in this process; the figures as a dict."""
    from grader.checks.base import REGISTRY
    from grader.engine import GradeOptions, grade
    from tests.support import make_submission

    tree = TREES[rubric]
    if tree is None:
        root = make_submission(work)
    else:
        from tests.grader.profiles import trees
        trees.build(work / "repo", *tree)
        root = work / "repo"
    import os
    os.environ["GRADER_CACHE_DIR"] = str(cache)
    peak: dict = {}
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_peak, args=(stop, peak), daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    report = grade(root, GradeOptions(rubric=rubric.split("@")[0], data=data))
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    training = [(r.name, r.status, r.duration_s, r.measured, r.message) for r in report.results
                if r.name in REGISTRY and REGISTRY[r.name].kind == "training"
                and REGISTRY[r.name].fixture is None]
    return {"rubric": rubric, "wall_s": wall, "training": training, "peak_sum": peak.get("sum", 0),
            "grader_maxrss": peak.get("grader", 0),
            "worker_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
            "worker_cpu_s": _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)),
            "error": report.error}


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="a cifar-10-batches-py folder (default: generated)")
    ap.add_argument("--cache", type=Path, help="the cache folder (default: a temporary one)")
    ap.add_argument("--rubric", action="append", choices=sorted(TREES),
                    help="only these rubrics (repeatable; default: all with training checks)")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.data, args.cache, args.work)))
        return

    with tempfile.TemporaryDirectory(prefix="cifar-bench-") as tmp:
        tmp = Path(tmp)
        data = args.data
        if data is None:
            from tests.fake_cifar import write_fake_cifar10
            t = time.perf_counter()
            data = write_fake_cifar10(tmp / "cifar-10-batches-py")
            print(f"generated a full-size CIFAR-10 (50000 + 10000 images) in {time.perf_counter() - t:.1f} s")
        cache = args.cache or tmp / "cache"
        from grader.data_cache import prepare_cifar10
        t = time.perf_counter()
        prepare_cifar10(data, cache)
        first = time.perf_counter() - t
        t = time.perf_counter()
        prepare_cifar10(data, cache)
        reuse = time.perf_counter() - t
        print(f"prepare the cache: {first:.1f} s (goal < {GOAL_PREPARE_S:.0f} s); reuse "
              f"(hash + verify): {reuse:.1f} s (goal < {GOAL_REUSE_S:.0f} s)")
        worst, total_training = 0, 0.0
        for i, rubric in enumerate(args.rubric or list(TREES)):
            proc = subprocess.run([sys.executable, __file__, "--one", rubric, "--data", str(data),
                                   "--cache", str(cache), "--work", str(tmp / f"w{i}")],
                                  capture_output=True, text=True, cwd=REPO)
            if proc.returncode != 0:
                print(f"{rubric}: failed\n{proc.stderr[-2000:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            train_s = sum(t[2] for t in r["training"])
            total_training = max(total_training, train_s)
            worst = max(worst, r["peak_sum"])
            print(f"\n{rubric}: whole run {r['wall_s']:.0f} s (worker CPU {r['worker_cpu_s']:.0f} s), "
                  f"training checks {train_s:.0f} s "
                  f"(goal < {GOAL_TRAINING_S / 60:.0f} min); peak memory grader + worker "
                  f"{_mib(r['peak_sum'])} (goal < {_mib(GOAL_MEMORY)}); grader "
                  f"{_mib(r['grader_maxrss'])}, worker ru_maxrss {_mib(r['worker_maxrss'])}"
                  + (f"; error: {r['error']}" if r["error"] else ""))
            for name, status, seconds, measured, message in r["training"]:
                acc = f"{measured:.3f}" if measured is not None else "-"
                print(f"  {name:34s} {status:8s} {seconds:7.1f} s  measured {acc}")
                if status not in ("passed",):
                    print(f"    {message[:300]}")
        print(f"\nworst peak memory {_mib(worst)} (goal < {_mib(GOAL_MEMORY)}: "
              f"{'met' if worst < GOAL_MEMORY else 'NOT met'}); slowest rubric's training checks "
              f"{total_training:.0f} s (goal < {GOAL_TRAINING_S:.0f} s: "
              f"{'met' if total_training < GOAL_TRAINING_S else 'NOT met'})")


if __name__ == "__main__":
    main()
