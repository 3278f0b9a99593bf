"""Grade one submission: submission -> profile -> plan -> session -> checks -> Report.

``grade(submission, options)`` copies the submission into a scratch folder, selects its course
profile and plans the run (``grader.plan``, with the notebook step of
``grader.notebook.grading``), starts a small pool of sandboxed workers (``GradeOptions.workers``,
default ``grader.sandbox.pool.default_size()``) and runs the planned checks over it in a
``grader.session.Session``, then builds the ``Report``. Renderers (``grader.report``) take it from
there. The report does not depend on the pool: every check runs on its own fresh objects, the
checks are placed on the workers by their expected cost (``grader.costs``) alone, never by
timing, and their results come back in plan order.

The engine never lets one problem cost more than the checks it touches: an unreadable
submission, a module that does not import, a crashing or hanging call, or a bug in a check each
end up as messages in the report, and the other checks still run.
"""
from __future__ import annotations

import datetime as _dt
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import __version__
from . import fixtures as fixture_store
from . import hints as hint_levels
from . import profiles as course_profiles
from .datasets import Datasets
from .notebook import grading as notebook_grading
from .checks.base import REGISTRY
from .packs.load import activated, open_pack
from .plan import (
    Plan,
    PlannedCheck,
    choose_rubric,
    intake,
    rubric_checks,
    validate_rubric_checks,
)
from .result import CheckResult, Report
from .rubric import Rubric, load_rubric
from .costs import cost
from .sandbox import Limits, SandboxError, WorkerPool
from .sandbox.pool import default_size
from .session import HangGuard, ProgressCallback, ResultCallback, Session, not_run


@dataclass
class GradeOptions:
    """What a caller may choose about one grading run."""

    rubric: str | Path | None = None   # None: the rubric(s) of the detected course profile
    data: str | Path | None = None
    limits: Limits = field(default_factory=Limits)
    progress: ProgressCallback | None = None
    call_timeout: float | None = None  # overrides every rubric timeout when set (``--call-timeout``)
    profile: str | None = None         # force a course profile: ``NAME`` or ``NAME:VARIANT``
    execute_notebooks: bool = False    # re-run notebooks in the sandbox (``--execute``)
    pack: str | Path | None = None     # a course pack (grader.packs): its rubric, fixtures, reference
    workers: int | None = None         # sandboxed workers for this submission (``--workers``);
                                       # None: ``grader.sandbox.pool.default_size()``
    on_result: ResultCallback | None = None   # (position in the report, result) as each check
                                       # ends, from the thread that ran it (``grade --html``
                                       # draws the report's plots meanwhile); changes nothing


def grade(submission: str | Path, options: GradeOptions | None = None) -> Report:
    """Grade ``submission`` (a folder, a zip, or a git checkout) and return the Report.

    The course profile (layout, conventions, helper files, default rubrics) is detected from the
    files, unless ``options.profile`` names one; a given ``options.rubric`` whose ``profile`` is a
    course profile selects that profile too. Raises ``RubricError`` only for a broken rubric and
    ``ProfileError`` for an unknown profile (the instructor's input); everything wrong with the
    submission ends up inside the report.
    """
    options = options or GradeOptions()
    forced = options.profile
    course_profiles.parse_forced(forced, course_profiles.PROFILES)   # ProfileError now, not later
    if options.pack is not None:   # PackError for an unusable pack (the caller's input)
        pack = open_pack(options.pack)
        with activated(pack):   # the pack's reference/ for the grader, hidden from student code
            explicit = load_rubric(pack.rubric_path(options.rubric))
            limits = options.limits
            limits = replace(limits, hidden_paths=tuple(limits.hidden_paths) + (str(pack.root),))
            return _grade(submission, replace(options, limits=limits), explicit, forced)
    explicit = load_rubric(options.rubric) if options.rubric is not None else None
    return _grade(submission, options, explicit, forced)


def _grade(submission: str | Path, options: GradeOptions, explicit: Rubric | None,
           forced: str | None) -> Report:
    if explicit is not None:
        validate_rubric_checks(explicit)
        if forced is None and explicit.profile in course_profiles.PROFILES:
            forced = explicit.profile if explicit.profile != "canonical" else None
    started_at = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        scratch = Path(scratch)
        launched: list[WorkerPool] = []
        datasets = Datasets(options.data)

        def launch(selection) -> None:
            """Right after intake: the workers import numpy and confine themselves while the
            rubric, its fixtures and the notebooks are planned."""
            (scratch / "work").mkdir()
            pool = WorkerPool(selection.root, selection.layout,
                              datasets.sandbox_limits(_hiding_fixtures(options.limits, explicit)),
                              size=options.workers or default_size(), scratch_dir=scratch / "work")
            launched.append(pool)
            try:
                pool.start(wait=False)
            except (SandboxError, OSError):
                pass   # starting again in ``_run`` reports why, as a sandbox error

        try:
            try:
                plan = make_plan(Path(submission), scratch, explicit, forced, on_intake=launch)
            except course_profiles.UnsupportedAssignment as exc:   # no rubric covers it
                return Report(submission=str(submission), rubric="none",
                              rubric_title="no rubric covers this assignment", profile="unsupported",
                              results=[], started_at=started_at,
                              duration_s=round(time.perf_counter() - t0, 3), notes=[str(exc)],
                              grader_version=__version__, error=str(exc))
            if plan.root is not None and not launched:   # a package found only in the notebooks
                launch(plan.selection)
            run = _run(plan, options, scratch, launched[0] if plan.root is not None else None, datasets)
        finally:
            for pool in launched:
                pool.close()   # closing a closed pool does nothing

    return Report(
        submission=str(submission),
        rubric=plan.rubric.name,
        rubric_title=plan.rubric.title,
        profile=plan.selection.label if plan.selection is not None else plan.rubric.profile,
        results=run.results,
        started_at=started_at,
        duration_s=round(time.perf_counter() - t0, 3),
        notes=plan.notes + run.notes,
        sandbox=run.sandbox,
        worker_stdout=run.stdout,
        worker_stderr=run.stderr,
        grader_version=__version__,
        manual=notebook_grading.manual_items(plan.notebooks),
        error=run.error,
    )


def make_plan(submission: Path, scratch: Path, explicit: Rubric | None = None,
              forced: str | None = None, on_intake: Callable | None = None) -> Plan:
    """Intake, profile, rubric and notebooks: everything decided before student code runs.

    Notebooks are graded after the package, by their own rubrics; a submission without a package
    is graded on the functions its notebooks define, when a notebook rubric allows it.
    ``on_intake(selection)`` is called as soon as the submission's package is known (the engine
    starts its workers there).
    """
    notes: list[str] = []
    selection, problem = intake(submission, scratch, notes, forced)
    if problem is None and on_intake is not None:
        on_intake(selection)
    rubric, fixtures = choose_rubric(selection, explicit, notes)
    notebooks = notebook_grading.find(scratch / "submission", notes)
    if problem is not None and notebooks:
        extracted = notebook_grading.extract(notebooks, scratch, notes)
        if extracted is not None:
            selection, problem = notebook_grading.extracted_selection(extracted), None
    return Plan(selection=selection, problem=problem, rubric=rubric, fixtures=fixtures,
                checks=rubric_checks(rubric), notebooks=notebooks,
                notebook_checks=notebook_grading.planned_checks(notebooks), notes=notes)


@dataclass
class _Run:
    """What running the plan produced, for the report."""

    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # e.g. how each --execute run went
    sandbox: dict = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    error: str | None = None   # nothing could be graded (Report.error)


def _run(plan: Plan, options: GradeOptions, scratch: Path, pool: WorkerPool | None,
         datasets: Datasets) -> _Run:
    """Run the plan: the package checks on the (launched) pool, then the notebook checks."""
    run = _Run()
    if pool is None:
        session = Session(datasets=datasets, selection=plan.selection,
                          call_timeout=options.call_timeout)
        results = not_run(plan.checks, plan.problem)
        notebook_results = _notebook_results(plan, session, results, options, scratch, run.notes)
        run.results = results + notebook_results
        run.error = plan.problem if not notebook_results else None
        return run
    try:
        with pool:
            guards = [HangGuard(w) for w in pool.workers]   # one per worker: what a lane learns
            session = Session(worker=guards[0], fixtures=plan.fixtures, datasets=datasets,
                              selection=plan.selection, root=plan.root,
                              call_timeout=options.call_timeout, hints=hint_levels.load(plan.rubric))
            costs = [cost(p.check.id, REGISTRY[p.check.id].kind) for p in plan.checks]
            results = session.run(plan.checks, options.progress, lanes=(pool, guards, costs),
                                  on_result=options.on_result)
            run.results = results + _notebook_results(plan, session, results, options, scratch,
                                                      run.notes)
            run.sandbox = dict(pool.capabilities or {})
            run.sandbox["restarts"] = pool.restarts
    except SandboxError as exc:  # the sandbox itself could not start: nothing was graded
        run.error = f"the sandbox could not run this submission: {exc}"
        run.results = not_run(plan.checks, run.error, status="error")
    # The workers have exited: only now read what they printed (for the report, never for
    # scores), worker by worker.
    run.stdout = _joined(w.stdout_text for w in pool.workers)
    run.stderr = _joined(w.stderr_text for w in pool.workers)
    return run


def _joined(texts) -> str:
    return "\n".join(t for t in texts if t)


def _notebook_results(plan: Plan, session: Session, package_results: list[CheckResult],
                      options: GradeOptions, scratch: Path, notes: list[str]) -> list[CheckResult]:
    """The notebook step after the package checks: their results verify the claims; under
    ``--execute`` each notebook is re-run first."""
    if not plan.notebooks:
        return []
    notebook_grading.attach_package_results(plan.notebooks, package_results,
                                            package_present=session.worker is not None)
    if options.execute_notebooks:
        cifar = session.datasets.cifar10_dir
        notebook_grading.execute_all(plan.notebooks, scratch / "submission", scratch,
                                     limits=options.limits, notes=notes,
                                     data_dir=str(cifar) if cifar is not None and cifar.is_dir() else None)
    watch = options.on_result
    offset = len(package_results)        # the notebook results follow the package's in the report
    return session.run(plan.notebook_checks,
                       on_result=None if watch is None else lambda i, r: watch(offset + i, r))


def _hiding_fixtures(limits: Limits, rubric: Rubric | None) -> Limits:
    """``limits`` that also hide the rubric's fixture folder from student code (a rubric given
    by path keeps its expected values outside the grader's packages, which are hidden anyway).
    ``rubric`` None: the rubric will come from the course profile, whose fixtures are the
    packaged store."""
    if rubric is not None and rubric.path is None:
        return limits
    folder = str(fixture_store.fixture_dir(rubric) if rubric is not None
                 else fixture_store.packaged_store())
    return replace(limits, hidden_paths=tuple(limits.hidden_paths) + (folder,))


def run_check(section: str, rc, worker, fixtures, datasets, submission_root=None,
              call_timeout: float | None = None, selection=None, notebook=None) -> CheckResult:
    """One rubric entry run outside a grading run (tests, benchmarks): a one-check ``Session``."""
    session = Session(worker=worker, fixtures=fixtures, datasets=datasets, selection=selection,
                      root=submission_root, call_timeout=call_timeout)
    return session.run_check(PlannedCheck(section, rc, notebook))


__all__ = ["GradeOptions", "grade", "make_plan", "run_check", "validate_rubric_checks"]
