"""How long grading takes, by check kind, and what the sandbox costs; measured vs goal.

    python benchmarks/grade_speed.py [--repeat N] [--workers N] [--profile DIR] [--write-costs]

Prints, each a median over the runs:

* ``grade reference`` (canonical rubric) as the engine runs it, on a pool of ``--workers``
  sandboxed workers (default ``grader.sandbox.pool.default_size()``): wall time and the CPU time
  of every process (this one and every worker, ``getrusage``); its results must equal those of
  the one-worker run;
* the one-worker run, split by check kind, and the overhead ratio per kind: the time of the
  checks in the sandboxed worker divided by the time of the same checks making the same calls in
  one plain process (``DirectWorker`` below: the student code imported into the benchmark's own
  process, a thing the grader itself never does);
* a course tree each of CS231n a1, CS182 hw02 and UCLA HW3 (built by the course-profile tests'
  tree builder) graded by the engine: wall time each.

Goals (2 cores): wall <= 1.5 s, CPU of all processes <= 2.4 s, overhead <= 1.3x per kind, each
course tree <= 1.5 s. ``--profile DIR`` also writes cProfile stats of one run: ``grader.prof`` and
one ``worker-<pid>.prof`` per worker (``grader.sandbox.client.PROFILE_ENV``), and prints their
top. ``--write-costs`` rewrites ``grader/costs.py``'s table of per-check seconds (what the pool
places checks by) from the one-worker runs.
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
from grader.engine import GradeOptions, grade  # noqa: E402
from grader.sandbox import watch  # noqa: E402
from grader.plan import rubric_checks  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402
from grader.sandbox import NotImplementedByStudent, StudentException  # noqa: E402
from grader.sandbox.client import PROFILE_ENV, ArgsAfter  # noqa: E402
from grader.sandbox.pool import default_size  # noqa: E402
from grader.sandbox.protocol import Method, Ref  # noqa: E402
from grader.session import Session  # noqa: E402

GOAL_WALL, GOAL_CPU, GOAL_RATIO, GOAL_TREE = 1.5, 2.4, 1.3, 1.5
#: The course trees timed: (course, assignment, variant), as the course-profile tests build them.
TREES = [("cs231n", "a1", "2021-2024"), ("cs182", "hw02", "fa26"), ("ucla", "hw3", "2020-2021")]
COSTS_FILE = REPO / "grader" / "costs.py"


class DirectWorker:
    """The Worker API, calling the reference in this process (values are deep-copied both ways,
    as the sandbox's serialisation does). For measuring the sandbox's cost only."""

    def __init__(self, package: str = "reference"):
        self.package = package
        self.objects: dict[int, object] = {}
        # the current folder of student code, as the worker's (files a check reads are written here)
        self.scratch_dir = tempfile.mkdtemp(prefix="direct-worker-")

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

    def call(self, target, *args, keep=None, return_args=False, watch_args=False, select=None, timeout=None,
             **kwargs):
        args, kwargs = self._in(args), self._in(kwargs)
        keep = [keep] if isinstance(keep, int) and not isinstance(keep, bool) else keep
        watched = watch.snapshot(args, kwargs) if watch_args else None
        result = self._out(self._invoke(target, args, kwargs), keep, select)
        if watched is not None:   # as the worker does (grader/sandbox/watch.py)
            return result, tuple(watch.changed(watched))
        if return_args:
            return result, ArgsAfter(copy.deepcopy(args), copy.deepcopy(kwargs))
        return result

    def map(self, target, arglists, *, kwargs=None, keep=None, select=None, timeout=None):
        return [self.call(target, *a, keep=keep, select=select, **(kwargs or {})) for a in arglists]

    @staticmethod
    def _perturbations(x, coords, h):
        import numpy as np
        out = []
        for index in coords:
            for sign in (1.0, -1.0):
                shifted = np.array(x, dtype=np.float64)
                shifted.flat[index] += sign * h
                out.append(shifted)
        return out

    def perturb(self, target, args, wrt, coords, h, *, kwargs=None, select=None, timeout=None):
        """As ``Worker.perturb``: the perturbed arguments built here, the others copied per call."""
        calls = [tuple(x if i == wrt else a for i, a in enumerate(args))
                 for x in self._perturbations(args[wrt], coords, h)]
        return self.map(target, calls, kwargs=kwargs, select=select)

    def descend(self, target, w, config, A, b, steps, timeout=None):
        """As ``Worker.descend``: the same loop, with the rule called here."""
        import numpy as np
        ws, config, error = [], dict(config), None
        for _ in range(steps):
            dw = A.T @ (A @ w - b) / len(b)
            fed = {k: (v.copy() if type(v) is np.ndarray else v) for k, v in config.items()}
            try:
                out = self._invoke(target, (w.copy(), dw, fed), {})
            except StudentException as exc:
                error = exc
                break
            if not (type(out) in (tuple, list) and len(out) == 2 and type(out[1]) is dict
                    and type(out[0]) is np.ndarray and out[0].shape == w.shape
                    and np.all(np.isfinite(out[0]))):
                break
            w, config = np.array(out[0], dtype=np.float64), out[1]
            ws.append(w)
        return copy.deepcopy(ws), copy.deepcopy(config), error

    def new(self, target, *args, timeout=None, **kwargs):
        return self._ref(self._invoke(target, self._in(args), self._in(kwargs)))

    def _invoke(self, target, args, kwargs):
        """Call the target; student errors are raised as the sandbox would raise them."""
        here = os.getcwd()
        os.chdir(self.scratch_dir)
        try:
            return self._resolve(target)(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotImplementedByStudent(f"{target}: not implemented ({exc})") from None
        except Exception as exc:
            raise StudentException(f"{target} raised {type(exc).__name__}: {exc}", None,
                                   type(exc).__name__) from None
        finally:
            os.chdir(here)

    def getattr(self, ref, path, *, keep=False, timeout=None):
        obj = self.objects[ref.id]
        for part in path.split("."):
            obj = obj[part] if isinstance(obj, dict) else (obj[int(part)] if isinstance(obj, list) else getattr(obj, part))
        return self._ref(obj) if keep else copy.deepcopy(obj)

    def sweep(self, ref, path, values, target, *args, restore=None, select=None, timeout=None,
              perturb=None, **kwargs):
        """As ``Worker.sweep``: set each value at ``path``, call ``target``; ``restore`` last."""
        out = []
        if perturb is not None:
            values = self._perturbations(*perturb)
        try:
            for value in values:
                self.setattr(ref, path, value)
                out.append(self.call(target, *args, select=select, **kwargs))
        finally:
            if restore is not None:
                self.setattr(ref, path, restore)
        return out

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


def time_direct(rubric) -> dict[str, float]:
    """Seconds per check kind (see ``time_direct_checks``)."""
    by_kind: dict[str, float] = defaultdict(float)
    for name, seconds in time_direct_checks(rubric).items():
        by_kind[REGISTRY[name].kind] += seconds
    return by_kind


def time_direct_checks(rubric) -> dict[str, float]:
    """Seconds per check of the rubric's checks on a ``DirectWorker``. The fixtures and the
    datasets are loaded afresh, and the reference package is imported afresh from its source (no
    cached bytecode), as each ``grade`` does in its worker, so both sides pay the same reads."""
    for name in [n for n in sys.modules if n == "reference" or n.startswith("reference.")]:
        del sys.modules[name]
    sys.pycache_prefix = tempfile.mkdtemp(prefix="direct-pycache-")
    session = Session(worker=DirectWorker(), fixtures=fixture_store.load(rubric), datasets=Datasets(),
                      root=REPO / "reference")
    seconds: dict[str, float] = {}
    for planned in rubric_checks(rubric):
        t0 = time.perf_counter()
        result = session.run_check(planned)
        seconds[planned.check.id] = time.perf_counter() - t0
        if result.status != "passed":
            print(f"  (direct) {planned.check.id}: {result.status}: {result.message[:120]}")
    return seconds


class RequestCounter:
    """Counts the sandbox requests each check makes (``Worker._request`` wrapped while active;
    the one-worker run only, where checks run one after another in this thread)."""

    def __init__(self):
        self.by_check: dict[str, int] = defaultdict(int)
        self.current = None

    def __enter__(self):
        from grader.sandbox.client import Worker
        counter, request, run_check = self, Worker._request, Session.run_check

        def counted(worker, *args, **kwargs):
            counter.by_check[counter.current] += 1
            return request(worker, *args, **kwargs)

        def tracked(session, planned, *args, **kwargs):
            counter.current = planned.check.id
            return run_check(session, planned, *args, **kwargs)

        self._saved = request, run_check
        Worker._request, Session.run_check = counted, tracked
        return self

    def __exit__(self, *exc):
        from grader.sandbox.client import Worker
        Worker._request, Session.run_check = self._saved


def empty_round_trip(n: int = 2000) -> float:
    """Median seconds of a request that runs no student code (``ping``) on a started worker."""
    from grader.sandbox.client import Worker
    with Worker(REPO / "reference") as worker:
        worker.ping()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n // 5):
                worker.ping()
            times.append((time.perf_counter() - t0) / (n // 5))
    return statistics.median(times)


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has reaped (the workers, with theirs)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def outcome(results) -> list[tuple]:
    """What a run decided, without timings (the serial and the pool run must agree)."""
    return [(r.name, r.section, r.status, r.points, r.message) for r in results]


def grade_timed(submission, options: GradeOptions):
    """(report, wall seconds, CPU seconds of every process) of one ``grade``."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    report = grade(submission, options)
    return report, time.perf_counter() - t0, cpu_seconds() - c0


def time_trees(repeat: int) -> dict[str, float]:
    """Median wall seconds of ``grade`` on each course tree of ``TREES``."""
    from tests.grader.profiles import trees

    out = {}
    with tempfile.TemporaryDirectory(prefix="grade-trees-") as tmp:
        for course, assignment, variant in TREES:
            repo = Path(tmp) / f"{course}-{assignment}"
            trees.build(repo, course, assignment, variant)
            walls, report = [], None
            for _ in range(repeat):
                report, wall, _ = grade_timed(repo, GradeOptions())
                walls.append(wall)
            label = f"{course} {assignment} {variant}"
            if report.score != report.max_score:
                label += f" (score {report.score:g}/{report.max_score:g}!)"
            out[label] = statistics.median(walls)
    return out


def write_costs(runs: list) -> None:
    """Rewrite ``grader/costs.py``'s MEASURED table: each check's median seconds."""
    from grader.checks.base import REGISTRY

    durations = defaultdict(list)
    for report in runs:
        for r in report.results:   # the engine's checks only (grader/costs.py says why)
            if r.name in REGISTRY and REGISTRY[r.name].func.__module__.startswith("grader."):
                durations[r.name].append(r.duration_s)
    rows = "".join(f"    {name!r}: {round(statistics.median(d), 3)!r},\n"
                   for name, d in sorted(durations.items()))
    text = COSTS_FILE.read_text()
    head, rest = text.split("# BEGIN MEASURED", 1)
    _, tail = rest.split("# END MEASURED", 1)
    COSTS_FILE.write_text(f"{head}# BEGIN MEASURED (written by benchmarks/grade_speed.py "
                          f"--write-costs)\nMEASURED: dict[str, float] = {{\n{rows}}}\n"
                          f"# END MEASURED{tail}")
    print(f"wrote {len(durations)} check costs to {COSTS_FILE.relative_to(REPO)}")


def print_top(path: Path, n: int = 12) -> None:
    print(f"--- {path.name} (top {n} by own time)")
    pstats.Stats(str(path)).sort_stats("tottime").print_stats(n)


def line(what: str, measured: float, goal: float, unit: str) -> str:
    verdict = "ok" if measured <= goal else "over"
    return f"  {what:<34} {measured:7.2f} {unit:<2} (goal <= {goal:g} {unit}: {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=default_size(),
                        help="workers of the pool run (default: the engine's)")
    parser.add_argument("--profile", type=Path, default=None, help="folder for cProfile stats")
    parser.add_argument("--write-costs", action="store_true",
                        help="rewrite grader/costs.py from the one-worker runs")
    parser.add_argument("--no-trees", action="store_true", help="skip the course trees")
    args = parser.parse_args()
    load_catalogue()
    rubric = load_rubric("canonical")
    pooled = GradeOptions(rubric="canonical", workers=args.workers)
    serial = GradeOptions(rubric="canonical", workers=1)

    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        os.environ[PROFILE_ENV] = str(args.profile.resolve())
        profiler = cProfile.Profile()
        profiler.runcall(grade, REPO / "reference", pooled)
        profiler.dump_stats(str(args.profile / "grader.prof"))
        del os.environ[PROFILE_ENV]
        for path in sorted(args.profile.glob("*.prof")):
            print_top(path)

    walls, cpus, swalls, scpus, kinds, directs, serial_runs = [], [], [], [], [], [], []
    gaps: dict[str, list[float]] = defaultdict(list)
    same = True
    for _ in range(args.repeat):
        report, wall, cpu = grade_timed(REPO / "reference", pooled)
        walls.append(wall)
        cpus.append(cpu)
        with RequestCounter() as counter:
            one, swall, scpu = grade_timed(REPO / "reference", serial)
        swalls.append(swall)
        scpus.append(scpu)
        serial_runs.append(one)
        same = same and outcome(report.results) == outcome(one.results)
        by_kind = defaultdict(float)
        for r in one.results:
            by_kind[r.kind] += r.duration_s
        kinds.append(by_kind)
        direct = time_direct_checks(rubric)
        directs.append(direct)
        for r in one.results:
            gaps[r.name].append(r.duration_s - direct[r.name])

    wall, cpu = statistics.median(walls), statistics.median(cpus)
    swall, scpu = statistics.median(swalls), statistics.median(scpus)
    print(f"grade reference (canonical rubric, {len(report.results)} checks, "
          f"score {report.score:g}/{report.max_score:g}), median of {args.repeat} runs, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"pool of {args.workers}: wall {wall:.2f} s, CPU {cpu:.2f} s; one worker: wall "
          f"{swall:.2f} s, CPU {scpu:.2f} s; results {'identical' if same else 'DIFFERENT'}")
    ping = empty_round_trip()
    print(f"{'kind':<10} {'sandboxed s':>12} {'in-process s':>13} {'ratio':>7} {'requests':>9} "
          f"{'floor':>6}   (one worker; floor: in-process + requests x {ping * 1e6:.0f} us, the "
          "round trip of an empty request)")
    total_s = total_d = 0.0
    ratios = {}
    for kind in sorted({k for d in kinds for k in d}):
        s = statistics.median(d.get(kind, 0.0) for d in kinds)
        d = statistics.median(sum(t for name, t in x.items() if REGISTRY[name].kind == kind)
                              for x in directs)
        requests = sum(n for name, n in counter.by_check.items() if REGISTRY[name].kind == kind)
        total_s, total_d = total_s + s, total_d + d
        ratios[kind] = s / d if d else float("nan")
        floor = (d + requests * ping) / d if d else float("nan")
        print(f"{kind:<10} {s:>12.3f} {d:>13.3f} {ratios[kind]:>7.2f} {requests:>9d} {floor:>6.2f}")
    print(f"{'checks':<10} {total_s:>12.3f} {total_d:>13.3f} {total_s / total_d:>7.2f}")
    print(f"outside checks (intake, worker start/stop, report): {swall - total_s:.2f} s")
    worst = sorted(((statistics.median(g), name) for name, g in gaps.items()), reverse=True)[:8]
    print("the checks the sandbox slows most (median sandboxed - in-process seconds): "
          + ", ".join(f"{name} {gap * 1e3:.1f} ms" for gap, name in worst))
    trees = {} if args.no_trees else time_trees(args.repeat)
    for label, t in trees.items():
        print(f"course tree {label}: wall {t:.2f} s")

    print("measured vs goal (2 cores):")
    print(line(f"wall, pool of {args.workers}", wall, GOAL_WALL, "s"))
    print(line(f"CPU of all processes, pool of {args.workers}", cpu, GOAL_CPU, "s"))
    for kind, ratio in ratios.items():
        print(line(f"overhead ratio, {kind}", ratio, GOAL_RATIO, "x"))
    for label, t in trees.items():
        print(line(f"course tree, {label.split(' (')[0]}", t, GOAL_TREE, "s"))
    if not same:
        print("the pool run's results DIFFER from the one-worker run's")
    if args.write_costs:
        write_costs(serial_runs)


if __name__ == "__main__":
    main()
