"""One grading run: the sandboxed worker, what checks compare against, and the run's options.

A ``Session`` turns planned checks into scored ``CheckResult``s. ``run(checks)`` returns the
results in the order of ``checks`` (plan order), whatever order they ran in, so that a session
with more than one worker can run independent checks side by side and still write the same
report. Scores come from ``grader.scoring``; a check never raises out of ``run_check``.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from . import hints as hint_levels
from . import scoring
from .checks.base import (
    REGISTRY,
    CheckContext,
    CheckInputError,
    MissingFixture,
    Outcome,
)
from .plan import PlannedCheck
from .result import CheckResult
from .sandbox import CallTimeout, StudentError
from .sandbox.protocol import Method
from .trusted import ReferenceUnavailable

ProgressCallback = Callable[[str, int, int], None]
ResultCallback = Callable[[int, CheckResult], None]   # (position in ``checks``, its result)


class HangGuard:
    """The worker, with one rule: a function that ran out of time once is not called again.

    Without it, an infinite loop in ``relu_forward`` would cost the full timeout in every check
    that uses ReLU; with it, the later checks fail at once with a message naming the first one.
    """

    def __init__(self, worker, timed_out: dict[str, str] | None = None):
        self.worker = worker
        #: function -> why it timed out; guards of the workers of one pool share one record.
        self.timed_out: dict[str, str] = {} if timed_out is None else timed_out

    @staticmethod
    def _key(target) -> str:
        if isinstance(target, Method):
            return f"{target.ref.type}.{target.name}"
        return str(target)

    def _guarded(self, target, op, *args, **kwargs):
        """``worker.<op>(*args, **kwargs)``, unless ``target`` timed out before."""
        key = self._key(target)
        if key in self.timed_out:
            raise CallTimeout(f"{key} was not called again: {self.timed_out[key]}")
        try:
            return getattr(self.worker, op)(*args, **kwargs)
        except CallTimeout as exc:
            self.timed_out[key] = exc.message
            raise

    def call(self, target, *args, **kwargs):
        return self._guarded(target, "call", target, *args, **kwargs)

    def map(self, target, arglists, **kwargs):
        return self._guarded(target, "map", target, arglists, **kwargs)

    def new(self, target, *args, **kwargs):
        return self._guarded(target, "new", target, *args, **kwargs)

    def sweep(self, ref, path, values, target, *args, **kwargs):
        return self._guarded(target, "sweep", ref, path, values, target, *args, **kwargs)

    def perturb(self, target, *args, **kwargs):
        return self._guarded(target, "perturb", target, *args, **kwargs)

    def descend(self, target, *args, **kwargs):
        return self._guarded(target, "descend", target, *args, **kwargs)

    def __getattr__(self, name):  # getattr/setattr/scratch_dir/... pass straight through
        return getattr(self.worker, name)


@dataclass
class Session:
    """What every check of one run shares.

    worker:       the sandboxed worker (usually behind a ``HangGuard``); None when there is no
                  package to call (notebook and artefact checks still run).
    fixtures:     expected values ``{builder: {key: array}}``.
    datasets:     ``grader.datasets.Datasets`` (None: the checks that need one skip).
    selection:    the course profile applied (``ctx.selection``).
    root:         the assignment root in the scratch copy (artefact checks read files there);
                  a notebook check without one reads the notebook's own folder.
    call_timeout: when set, overrides every rubric timeout (``--call-timeout``).
    hints:        full hints ``{check id: text}`` for the checks whose level is ``full``
                  (``grader.hints``).
    """

    worker: Any = None
    fixtures: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    datasets: Any = None
    selection: Any = None
    root: Path | None = None
    call_timeout: float | None = None
    hints: Mapping[str, str] = field(default_factory=dict)

    def run(self, checks: list[PlannedCheck], progress: ProgressCallback | None = None,
            lanes: tuple | None = None, on_result: ResultCallback | None = None) -> list[CheckResult]:
        """Every planned check's result, in the order of ``checks``.

        ``lanes``: ``(pool, guards, costs)`` to run the checks over the workers of a
        ``grader.sandbox.WorkerPool`` (``guards[i]`` wraps ``pool.workers[i]``; ``costs`` are
        the checks' expected seconds, which alone decide where each one runs); without it, one
        after another on the session's worker. ``on_result(i, result)`` is called as soon as
        check ``i`` has its result (from the thread that ran it; it changes nothing here)."""
        total = len(checks)
        if lanes is None or lanes[0].size == 1:
            guard = self.worker if lanes is None else lanes[1][0]
            results: list[CheckResult] = []
            for planned in checks:
                if progress is not None:
                    progress(planned.check.id, len(results), total)
                results.append(self.run_check(planned, worker=guard))
                if on_result is not None:
                    on_result(len(results) - 1, results[-1])
        else:
            pool, guards, costs = lanes
            guard_of = {id(w): g for w, g in zip(pool.workers, guards)}
            lock, done = threading.Lock(), [0]

            def job(position: int, planned: PlannedCheck):
                def run_one(worker) -> CheckResult:
                    if progress is not None:
                        with lock:
                            progress(planned.check.id, done[0], total)
                    result = self.run_check(planned, worker=guard_of[id(worker)])
                    with lock:
                        done[0] += 1
                    if on_result is not None:
                        on_result(position, result)
                    return result
                return run_one

            results = pool.run([job(i, planned) for i, planned in enumerate(checks)], costs)
        if progress is not None:
            progress("", total, total)
        return results

    def context(self, planned: PlannedCheck, worker: Any = None) -> CheckContext:
        """The ``CheckContext`` one planned check runs with (on ``worker``, default the
        session's own: a pool hands each check the worker it runs on)."""
        rc, spec = planned.check, REGISTRY[planned.check.id]
        root = self.root
        if root is None and planned.notebook is not None:
            root = planned.notebook.path.parent
        return CheckContext(check_id=rc.id, worker=self.worker if worker is None else worker,
                            fixtures=self.fixtures,
                            tolerance=rc.tolerance if rc.tolerance is not None else spec.tolerance,
                            params=rc.params or {}, timeout=self.call_timeout or rc.timeout,
                            datasets=self.datasets, default_fixture=spec.fixture,
                            submission_root=root, selection=self.selection,
                            notebook=planned.notebook)

    def run_check(self, planned: PlannedCheck, worker: Any = None) -> CheckResult:
        """Run one planned check (on ``worker``, default the session's) and score it. Never
        raises; depends on nothing but its arguments and the session, so independent checks
        may run side by side."""
        spec = REGISTRY[planned.check.id]
        t0 = time.perf_counter()
        status = None
        try:
            outcome = spec.func(self.context(planned, worker))
            if not isinstance(outcome, Outcome):
                raise TypeError(f"check returned {type(outcome).__name__}, not an Outcome")
        except StudentError as exc:
            outcome = Outcome.fail(_student_error_message(exc))
        except CheckInputError as exc:
            outcome = Outcome.fail(str(exc))
        except ReferenceUnavailable as exc:   # instructor-only measurement (grader.trusted)
            outcome = Outcome.skip(str(exc))
        except MissingFixture as exc:
            outcome, status = Outcome.fail(f"grader configuration error: {exc}"), "error"
        except Exception as exc:  # a bug in the check itself: report it, never crash the run
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            outcome, status = Outcome.fail(f"internal grader error in this check ({tb}); "
                                           "please report it to the course staff"), "error"
        return score(planned, outcome, kind=spec.kind, duration=time.perf_counter() - t0,
                     status=status, hints=self.hints)


def not_run(checks: list[PlannedCheck], problem: str, status: str | None = None) -> list[CheckResult]:
    """Results for checks that could not run at all (kind ``setup``), each failing with ``problem``."""
    return [score(planned, Outcome.fail(problem), kind="setup", status=status) for planned in checks]


def score(planned: PlannedCheck, outcome: Outcome, *, kind: str, duration: float = 0.0,
          status: str | None = None, hints: Mapping[str, str] | None = None) -> CheckResult:
    """The ``CheckResult`` of ``outcome`` under the rubric entry's partial-credit rule, its hint
    at the entry's hint level (``hints``: the full texts); ``status`` overrides the scored status
    (``error``)."""
    rc = planned.check
    max_points = float(rc.points)
    share = float(getattr(outcome, "ungraded_share", 0.0) or 0.0)
    if 0.0 < share <= 1.0:   # what the grader does not decide is not in its maximum
        max_points = round(max_points * (1.0 - share), scoring.POINT_DECIMALS)
    credit = scoring.score(rc.partial_credit, outcome)
    status = status or scoring.status_for(credit, outcome)
    hint = hint_levels.shown(rc.hints, rc.id, outcome.hint, hints or {}) if outcome.hint else None
    message = outcome.message
    if hint and status != "passed":
        message = f"{message}\nHint: {hint}" if message else f"Hint: {hint}"
    return CheckResult(name=rc.id, section=planned.section, kind=kind,
                       points=scoring.award(rc.partial_credit, outcome, max_points),
                       max_points=max_points, status=status, message=message,
                       visibility=rc.visibility, duration_s=round(duration, 4),
                       measured=outcome.measured, hint=hint, series=outcome.series,
                       role=rc.role)


def _student_error_message(exc: StudentError) -> str:
    message = exc.message
    tb = getattr(exc, "traceback", None)
    if tb:
        tail = [line for line in tb.strip().splitlines() if line.strip()][-6:]
        message += "\n" + "\n".join(tail)
    return message


__all__ = ["HangGuard", "ProgressCallback", "ResultCallback", "Session", "not_run", "score"]
