"""How long grading the reference takes, by check kind, and what the sandbox costs.

    python benchmarks/grade_speed.py [--repeat N]

Prints the wall time of ``grade reference`` with the canonical rubric, split by check kind, and
the overhead ratio: the time of the checks with the sandboxed worker divided by the time of the
same checks making the same calls in one plain process (``DirectWorker`` below: the student code
imported into the benchmark's own process, a thing the grader itself never does).
Goals (2 cores): whole grade <= 2 s, overhead <= 1.3x.
"""
from __future__ import annotations

import argparse
import copy
import importlib
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader import fixtures as fixture_store  # noqa: E402
from grader.checks import load_catalogue  # noqa: E402
from grader.checks.base import REGISTRY  # noqa: E402
from grader.datasets import Datasets  # noqa: E402
from grader.engine import GradeOptions, grade  # noqa: E402
from grader.plan import rubric_checks  # noqa: E402
from grader.rubric import load_rubric  # noqa: E402
from grader.sandbox import NotImplementedByStudent, StudentException  # noqa: E402
from grader.sandbox.client import ArgsAfter  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load_catalogue()
    rubric = load_rubric("canonical")
    expected = fixture_store.load(rubric)
    datasets = Datasets()
    datasets.get()  # load the digits once, outside the timings

    walls, kinds, directs = [], [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        report = grade(REPO / "reference", GradeOptions(rubric="canonical"))
        walls.append(time.perf_counter() - t0)
        by_kind = defaultdict(float)
        for r in report.results:
            by_kind[r.kind] += r.duration_s
        kinds.append(by_kind)
        directs.append(time_direct(rubric, expected, datasets))

    wall = statistics.median(walls)
    print(f"grade reference (canonical rubric, {len(report.results)} checks, "
          f"score {report.score:g}/{report.max_score:g}): median wall {wall:.2f} s over {args.repeat} runs "
          f"(goal <= 2 s)")
    print(f"{'kind':<10} {'sandboxed s':>12} {'in-process s':>13} {'ratio':>7}")
    total_s = total_d = 0.0
    for kind in sorted({k for d in kinds for k in d}):
        s = statistics.median(d.get(kind, 0.0) for d in kinds)
        d = statistics.median(x.get(kind, 0.0) for x in directs)
        total_s, total_d = total_s + s, total_d + d
        print(f"{kind:<10} {s:>12.3f} {d:>13.3f} {s / d if d else float('nan'):>7.2f}")
    print(f"{'checks':<10} {total_s:>12.3f} {total_d:>13.3f} {total_s / total_d:>7.2f}  (goal <= 1.3)")
    print(f"outside checks (intake, worker start/stop, report): {wall - total_s:.2f} s")


if __name__ == "__main__":
    main()
