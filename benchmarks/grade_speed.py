"""How long grading the reference takes, by check kind, and what the sandbox costs.

    python benchmarks/grade_speed.py [--repeat N] [--pool N] [--profile DIR]

Prints, each a median over the runs:

* serial: the wall and CPU time (this process and every worker, ``getrusage``) of
  ``grade reference`` with the canonical rubric, split by check kind, and the overhead ratio
  per kind: the time of the checks with the sandboxed worker divided by the time of the same
  checks making the same calls in one plain process (``DirectWorker`` below: the student code
  imported into the benchmark's own process, a thing the grader itself never does);
* pool: the same run (intake, workers, every check, close) with the checks placed over a
  ``WorkerPool`` of ``--pool`` workers (default 2) by ``engine.run_check``; its results must
  equal the serial run's.

Goals (2 cores): wall <= 1.5 s, CPU of all processes <= 2.4 s, overhead <= 1.3x per kind.
``--profile DIR`` also writes cProfile stats of one serial run: ``grader.prof`` and one
``worker-<pid>.prof`` per worker (``grader.sandbox.client.PROFILE_ENV``), and prints their top.
"""
from __future__ import annotations

import argparse
import copy
import cProfile
import importlib
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# The in-process comparison uses one BLAS thread, as the sandboxed worker does (Limits.threads).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from grader import fixtures as fixture_store  # noqa: E402
from grader.checks import load_catalogue  # noqa: E402
from grader.checks.base import REGISTRY  # noqa: E402
from grader.datasets import Datasets  # noqa: E402
from grader import profiles as course_profiles  # noqa: E402
from grader.engine import GradeOptions, grade, run_check  # noqa: E402
from grader.plan import rubric_checks  # noqa: E402
from grader.session import HangGuard  # noqa: E402
from grader.rubric import load_rubric, merge_rubrics, select_variant  # noqa: E402
from grader.sandbox import Limits, NotImplementedByStudent, StudentException, WorkerPool  # noqa: E402
from grader.sandbox.client import PROFILE_ENV, ArgsAfter  # noqa: E402
from grader.submission import prepare_submission  # noqa: E402

GOAL_WALL, GOAL_CPU, GOAL_RATIO = 1.5, 2.4, 1.3
#: Relative expected durations by check kind, to place checks on the pool's workers.
KIND_COST = {"training": 8.0, "gradient": 2.0}
from grader.sandbox.protocol import Method, Ref  # noqa: E402
from grader.session import Session  # noqa: E402


class DirectWorker:
    """The Worker API, calling the reference in this process (values are deep-copied both ways,
    as the sandbox's serialisation does). For measuring the sandbox's cost only."""

    def __init__(self, package: str = "reference"):
        self.package = package
        self.objects: dict[int, object] = {}

    def _resolve(self, target):
        if isinstance(target, Method):
            obj = self.objects[target.ref.id]
            for part in target.name.split("."):
                obj = getattr(obj, part)
            return obj
        parts = target.split(".")
        for i in range(len(parts) - 1, 0, -1):
            name = ".".join(parts[:i])
            module_name = name if name == "numpy.random" else f"{self.package}.{name}"
            try:
                obj = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue
            for part in parts[i:]:
                obj = getattr(obj, part)
            return obj
        raise LookupError(target)

    def _in(self, value):
        if isinstance(value, Ref):
            return self.objects[value.id]
        if isinstance(value, tuple):
            return tuple(self._in(v) for v in value)
        if isinstance(value, list):
            return [self._in(v) for v in value]
        if isinstance(value, dict):
            return {k: self._in(v) for k, v in value.items()}
        return copy.deepcopy(value)

    def _ref(self, obj) -> Ref:
        self.objects[len(self.objects) + 1] = obj
        return Ref(len(self.objects), type(obj).__name__)

    def _out(self, result, keep, select):
        if keep is True or keep == [-1]:
            return self._ref(result)
        if select is not None:
            result = result[select]
        if keep:
            result = tuple(self._ref(v) if i in keep else copy.deepcopy(v) for i, v in enumerate(result))
            return result
        return copy.deepcopy(result)

    def call(self, target, *args, keep=None, return_args=False, select=None, timeout=None, **kwargs):
        args, kwargs = self._in(args), self._in(kwargs)
        keep = [keep] if isinstance(keep, int) and not isinstance(keep, bool) else keep
        result = self._out(self._invoke(target, args, kwargs), keep, select)
        if return_args:
            return result, ArgsAfter(copy.deepcopy(args), copy.deepcopy(kwargs))
        return result

    def map(self, target, arglists, *, kwargs=None, keep=None, select=None, timeout=None):
        return [self.call(target, *a, keep=keep, select=select, **(kwargs or {})) for a in arglists]

    def new(self, target, *args, timeout=None, **kwargs):
        return self._ref(self._invoke(target, self._in(args), self._in(kwargs)))

    def _invoke(self, target, args, kwargs):
        """Call the target; student errors are raised as the sandbox would raise them."""
        try:
            return self._resolve(target)(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotImplementedByStudent(f"{target}: not implemented ({exc})") from None
        except Exception as exc:
            raise StudentException(f"{target} raised {type(exc).__name__}: {exc}", None,
                                   type(exc).__name__) from None

    def getattr(self, ref, path, *, keep=False, timeout=None):
        obj = self.objects[ref.id]
        for part in path.split("."):
            obj = obj[part] if isinstance(obj, dict) else (obj[int(part)] if isinstance(obj, list) else getattr(obj, part))
        return self._ref(obj) if keep else copy.deepcopy(obj)

    def setattr(self, ref, path, value, *, timeout=None):
        *head, last = path.split(".")
        obj = self.objects[ref.id]
        for part in head:
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
        value = self._in(value)
        if isinstance(obj, dict):
            obj[last] = value
        else:
            setattr(obj, last, value)


def time_direct(rubric, expected, datasets) -> dict[str, float]:
    session = Session(worker=DirectWorker(), fixtures=expected, datasets=datasets,
                      root=REPO / "reference")
    by_kind: dict[str, float] = defaultdict(float)
    for planned in rubric_checks(rubric):
        t0 = time.perf_counter()
        result = session.run_check(planned)
        by_kind[REGISTRY[planned.check.id].kind] += time.perf_counter() - t0
        if result.status not in ("passed", "skipped"):
            print(f"  (direct) {planned.check.id}: {result.status}: {result.message[:120]}")
    return by_kind


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped (the workers, with theirs)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def outcome(results) -> list[tuple]:
    """What a run decided, without timings (the serial and the pool run must agree)."""
    return [(r.name, r.section, r.status, r.points, r.message) for r in results]


def grade_with_pool(size: int, expected, datasets) -> tuple[list, float]:
    """``grade reference`` with the checks run over a WorkerPool: (results, wall seconds).
    The same steps as the engine: intake, profile, rubric variant, fixtures hidden."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="grade-pool-") as scratch:
        scratch = Path(scratch)
        submission = prepare_submission(REPO / "reference", scratch / "submission")
        selection = course_profiles.select(submission.root, scratch, name="reference")
        canonical = load_rubric("canonical")
        rubric = merge_rubrics([select_variant(canonical, selection.variant.name)])
        limits = replace(Limits(), hidden_paths=(str(fixture_store.fixture_dir(canonical)),))
        (scratch / "work").mkdir()
        pool = WorkerPool(selection.root, selection.layout, limits, size=size,
                          scratch_dir=scratch / "work")
        pool.start(wait=False)
        guards = {id(w): HangGuard(w) for w in pool.workers}
        entries = [(section.name, rc) for section in rubric.sections for rc in section.checks]
        jobs = [lambda w, name=name, rc=rc: run_check(name, rc, guards[id(w)], expected, datasets,
                                                       selection.root, None, selection)
                for name, rc in entries]
        costs = [KIND_COST.get(REGISTRY[rc.id].kind, 1.0) for _, rc in entries]
        with pool:
            results = pool.run(jobs, costs)
    return results, time.perf_counter() - t0


def print_top(path: Path, n: int = 12) -> None:
    print(f"--- {path.name} (top {n} by own time)")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(n)


def line(what: str, measured: float, goal: float, unit: str) -> str:
    verdict = "ok" if measured <= goal else "over"
    return f"  {what:<34} {measured:7.2f} {unit:<2} (goal <= {goal:g} {unit}: {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pool", type=int, default=2, help="workers of the pool run (0: none)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for cProfile stats")
    args = parser.parse_args()
    load_catalogue()
    rubric = load_rubric("canonical")
    expected = fixture_store.load(rubric)
    datasets = Datasets()
    datasets.get()  # load the digits once, outside the timings

    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        os.environ[PROFILE_ENV] = str(args.profile.resolve())
        profiler = cProfile.Profile()
        profiler.runcall(grade, REPO / "reference", GradeOptions(rubric="canonical"))
        profiler.dump_stats(str(args.profile / "grader.prof"))
        del os.environ[PROFILE_ENV]
        for path in sorted(args.profile.glob("*.prof")):
            print_top(path)

    walls, cpus, kinds, directs = [], [], [], []
    for _ in range(args.repeat):
        c0, t0 = cpu_seconds(), time.perf_counter()
        report = grade(REPO / "reference", GradeOptions(rubric="canonical"))
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        by_kind = defaultdict(float)
        for r in report.results:
            by_kind[r.kind] += r.duration_s
        kinds.append(by_kind)
        directs.append(time_direct(rubric, expected, datasets))

    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(f"grade reference (canonical rubric, {len(report.results)} checks, "
          f"score {report.score:g}/{report.max_score:g}), median of {args.repeat} runs")
    print(f"serial: wall {wall:.2f} s, CPU {cpu:.2f} s")
    print(f"{'kind':<10} {'sandboxed s':>12} {'in-process s':>13} {'ratio':>7}")
    total_s = total_d = 0.0
    ratios = {}
    for kind in sorted({k for d in kinds for k in d}):
        s = statistics.median(d.get(kind, 0.0) for d in kinds)
        d = statistics.median(x.get(kind, 0.0) for x in directs)
        total_s, total_d = total_s + s, total_d + d
        ratios[kind] = s / d if d else float("nan")
        print(f"{kind:<10} {s:>12.3f} {d:>13.3f} {ratios[kind]:>7.2f}")
    print(f"{'checks':<10} {total_s:>12.3f} {total_d:>13.3f} {total_s / total_d:>7.2f}")
    print(f"outside checks (intake, worker start/stop, report): {wall - total_s:.2f} s")

    pool_wall = pool_cpu = None
    if args.pool > 0:
        pwalls, pcpus = [], []
        for _ in range(args.repeat):
            c0 = cpu_seconds()
            results, pw = grade_with_pool(args.pool, expected, datasets)
            pwalls.append(pw)
            pcpus.append(cpu_seconds() - c0)
            same = outcome(results) == outcome(report.results[:len(results)]) and \
                len(results) == len(report.results)
            if not same:
                diff = [(a, b) for a, b in zip(outcome(results), outcome(report.results)) if a != b]
                print(f"pool run DIFFERS from the serial run: {diff[:3]}")
        pool_wall, pool_cpu = statistics.median(pwalls), statistics.median(pcpus)
        print(f"pool of {args.pool}: wall {pool_wall:.2f} s, CPU {pool_cpu:.2f} s, results "
              f"{'identical to' if same else 'DIFFERENT from'} the serial run")

    print("measured vs goal (2 cores):")
    print(line("wall, serial", wall, GOAL_WALL, "s"))
    print(line("CPU of all processes, serial", cpu, GOAL_CPU, "s"))
    if pool_wall is not None:
        print(line(f"wall, pool of {args.pool}", pool_wall, GOAL_WALL, "s"))
        print(line(f"CPU of all processes, pool of {args.pool}", pool_cpu, GOAL_CPU, "s"))
    for kind, ratio in ratios.items():
        print(line(f"overhead ratio, {kind}", ratio, GOAL_RATIO, "x"))


if __name__ == "__main__":
    main()
