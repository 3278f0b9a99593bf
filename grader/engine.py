"""Grade one submission: intake, plan the rubric, run every check in one sandboxed worker, report.

The engine never lets one problem cost more than the checks it touches: an unreadable
submission, a module that does not import, a crashing or hanging call, or a bug in a check each
end up as messages in the report, and the other checks still run.
"""
from __future__ import annotations

import datetime as _dt
import tempfile
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from . import __version__, fixtures as fixture_store, profiles as course_profiles, scoring
from .checks import load_catalogue
from .checks.base import REGISTRY, CheckContext, CheckInputError, MissingFixture, Outcome
from .datasets import Datasets
from .notebook import grading as notebook_grading
from .result import CheckResult, Report
from .rubric import Rubric, RubricError, load_rubric, merge_rubrics, select_variant
from .sandbox import CallTimeout, Limits, SandboxError, StudentError, Worker
from .sandbox.protocol import Method
from .submission import SubmissionError, prepare_submission

ProgressCallback = Callable[[str, int, int], None]


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


def validate_rubric_checks(rubric: Rubric) -> None:
    """Every check id in the rubric must be registered (a rubric author's mistake otherwise)."""
    load_catalogue()
    unknown = [f"sections[{i}].checks[{j}].id: unknown check {rc.id!r}"
               for i, section in enumerate(rubric.sections)
               for j, rc in enumerate(section.checks) if rc.id not in REGISTRY]
    if unknown:
        raise RubricError(f"{rubric.name}: " + "; ".join(unknown))


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
    explicit = None
    if options.rubric is not None:
        explicit = load_rubric(options.rubric)
        validate_rubric_checks(explicit)
        if forced is None and explicit.profile in course_profiles.PROFILES:
            forced = explicit.profile if explicit.profile != "canonical" else None
    started_at = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()
    notes: list[str] = []
    sandbox_info: dict = {}
    stdout = stderr = ""

    with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
        scratch = Path(scratch)
        try:
            selection, setup_problem = _intake(Path(submission), scratch, notes, forced)
        except course_profiles.UnsupportedAssignment as exc:   # no rubric covers it: nothing graded
            notes.append(str(exc))
            return Report(submission=str(submission), rubric="none", rubric_title="no rubric covers "
                          "this assignment", profile="unsupported", results=[], started_at=started_at,
                          duration_s=round(time.perf_counter() - t0, 3), notes=notes,
                          grader_version=__version__)
        rubric, expected = _rubric_for(selection, explicit, notes)
        # Notebooks (grader.notebook.grading): graded after the package, by their own rubrics.
        submission_dir = scratch / "submission"
        notebooks = notebook_grading.plan(submission_dir, notes)
        if setup_problem is not None and notebooks:
            extracted = notebook_grading.extract(notebooks, scratch, notes)
            if extracted is not None:
                selection, setup_problem = notebook_grading.extracted_selection(extracted), None
        manual: list = []
        if setup_problem is not None:
            results = [_result(section.name, rc, Outcome.fail(setup_problem), kind="setup")
                       for section in rubric.sections for rc in section.checks]
            nb_results, manual = notebook_grading.grade_notebooks(
                notebooks, worker=None, datasets=Datasets(options.data), package_root=None,
                package_results=results, options=options, submission_dir=submission_dir,
                scratch=scratch, notes=notes)
            results += nb_results
        else:
            root = selection.root
            datasets = Datasets(options.data)
            work = scratch / "work"
            work.mkdir()
            worker = Worker(root, selection.layout, _hiding_fixtures(options.limits, rubric),
                            scratch_dir=work)
            try:
                with worker:
                    guarded = HangGuard(worker)
                    results = _run_all(rubric, guarded, expected, datasets, options.progress, root,
                                       options.call_timeout, selection)
                    nb_results, manual = notebook_grading.grade_notebooks(
                        notebooks, worker=guarded, datasets=datasets, package_root=root,
                        package_results=results, options=options, submission_dir=submission_dir,
                        scratch=scratch, notes=notes)
                    results += nb_results
                    sandbox_info = dict(worker.capabilities or {})
                    sandbox_info["restarts"] = worker.restarts
            except SandboxError as exc:  # the sandbox itself could not start: nothing was graded
                problem = f"the sandbox could not run this submission: {exc}"
                results = [_result(section.name, rc, Outcome.fail(problem), kind="setup", status="error")
                           for section in rubric.sections for rc in section.checks]
            # The worker has exited: only now read what it printed (for the report, never for scores).
            stdout, stderr = worker.stdout_text, worker.stderr_text

    return Report(
        submission=str(submission),
        rubric=rubric.name,
        rubric_title=rubric.title,
        profile=selection.label if selection is not None else rubric.profile,
        results=results,
        started_at=started_at,
        duration_s=round(time.perf_counter() - t0, 3),
        notes=notes,
        sandbox=sandbox_info,
        worker_stdout=stdout,
        worker_stderr=stderr,
        grader_version=__version__,
        manual=manual,
    )


def _intake(path: Path, scratch: Path, notes: list[str], forced: str | None = None):
    """Copy the submission into ``scratch`` and select its course profile (assignment root,
    layout, helper files): ``(Selection, None)``, or ``(None, why not)``."""
    try:
        submission = prepare_submission(path, scratch / "submission")
        notes.append(f"submission: {submission.source}")
        notes.extend(submission.notes)
        name = path.stem if path.is_file() else path.resolve().name
        selection = course_profiles.select(submission.root, scratch, forced=forced, name=name)
        notes.extend(course_profiles.describe(selection))
        return selection, None
    except course_profiles.UnsupportedAssignment:
        raise
    except SubmissionError as exc:
        return None, f"the submission could not be graded: {exc}"


def _rubric_for(selection, explicit: Rubric | None, notes: list[str]):
    """The rubric to grade with and its fixtures ``{builder: arrays}``.

    The given rubric, else the profile's rubric(s) (several: merged, each section reported
    separately); sections and checks that are not part of the selected year variant are left
    out (and counted in a note).
    """
    if explicit is not None:
        parts = [explicit]
    else:
        names = selection.rubrics if selection is not None else ("canonical",)
        parts = [load_rubric(name) for name in names]
        for part in parts:
            validate_rubric_checks(part)
    expected: dict = {}
    for part in parts:
        expected.update(fixture_store.load(part))
    if selection is not None:
        variant = selection.variant.name
        kept = [select_variant(part, variant) for part in parts]
        for part, mine in zip(parts, kept):
            left_out = len(list(part.iter_checks())) - len(list(mine.iter_checks()))
            if left_out:
                notes.append(f"rubric {part.name}: {left_out} checks are not part of the "
                             f"{variant} assignment and were not run")
        parts = [part for part in kept if part.sections] or kept[:1]
    return merge_rubrics(parts), expected


def _hiding_fixtures(limits: Limits, rubric: Rubric) -> Limits:
    """``limits`` that also hide the rubric's fixture folder from student code (a rubric given
    by path keeps its expected values outside the grader's packages, which are hidden anyway)."""
    if rubric.path is None:
        return limits
    folder = str(fixture_store.fixture_dir(rubric))
    return replace(limits, hidden_paths=tuple(limits.hidden_paths) + (folder,))


class HangGuard:
    """The worker, with one rule: a function that ran out of time once is not called again.

    Without it, an infinite loop in ``relu_forward`` would cost the full timeout in every check
    that uses ReLU; with it, the later checks fail at once with a message naming the first one.
    """

    def __init__(self, worker):
        self.worker = worker
        self.timed_out: dict[str, str] = {}

    @staticmethod
    def _key(target) -> str:
        if isinstance(target, Method):
            return f"{target.ref.type}.{target.name}"
        return str(target)

    def _guarded(self, op, target, *args, **kwargs):
        key = self._key(target)
        if key in self.timed_out:
            raise CallTimeout(f"{key} was not called again: {self.timed_out[key]}")
        try:
            return getattr(self.worker, op)(target, *args, **kwargs)
        except CallTimeout as exc:
            self.timed_out[key] = exc.message
            raise

    def call(self, target, *args, **kwargs):
        return self._guarded("call", target, *args, **kwargs)

    def map(self, target, arglists, **kwargs):
        return self._guarded("map", target, arglists, **kwargs)

    def new(self, target, *args, **kwargs):
        return self._guarded("new", target, *args, **kwargs)

    def __getattr__(self, name):  # getattr/setattr/scratch_dir/... pass straight through
        return getattr(self.worker, name)


def _run_all(rubric: Rubric, worker, expected, datasets, progress, root,
             call_timeout: float | None = None, profile=None) -> list[CheckResult]:
    total = sum(len(section.checks) for section in rubric.sections)
    results = []
    for section in rubric.sections:
        for rc in section.checks:
            if progress is not None:
                progress(rc.id, len(results), total)
            results.append(run_check(section.name, rc, worker, expected, datasets, root, call_timeout,
                                     profile))
    if progress is not None:
        progress("", total, total)
    return results


def run_check(section: str, rc, worker, expected, datasets, submission_root=None,
              call_timeout: float | None = None, profile=None) -> CheckResult:
    """Run one rubric entry and score it. Never raises. ``profile``: the course Selection."""
    spec = REGISTRY[rc.id]
    ctx = CheckContext(check_id=rc.id, worker=worker, fixtures=expected,
                       tolerance=rc.tolerance if rc.tolerance is not None else spec.tolerance,
                       params=rc.params or {}, timeout=call_timeout or rc.timeout, datasets=datasets,
                       default_fixture=spec.fixture, submission_root=submission_root,
                       profile=profile)
    t0 = time.perf_counter()
    status_override = None
    try:
        outcome = spec.func(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check returned {type(outcome).__name__}, not an Outcome")
    except StudentError as exc:
        outcome = Outcome.fail(_student_error_message(exc))
    except CheckInputError as exc:
        outcome = Outcome.fail(str(exc))
    except MissingFixture as exc:
        outcome, status_override = Outcome.fail(f"grader configuration error: {exc}"), "error"
    except Exception as exc:  # a bug in the check itself: report it, never crash the run
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        outcome, status_override = Outcome.fail(f"internal grader error in this check ({tb}); "
                                                "please report it to the course staff"), "error"
    duration = time.perf_counter() - t0
    return _result(section, rc, outcome, kind=spec.kind, duration=duration, status=status_override)


def _student_error_message(exc: StudentError) -> str:
    message = exc.message
    tb = getattr(exc, "traceback", None)
    if tb:
        tail = [line for line in tb.strip().splitlines() if line.strip()][-6:]
        message += "\n" + "\n".join(tail)
    return message


def _result(section: str, rc, outcome: Outcome, *, kind: str, duration: float = 0.0,
            status: str | None = None) -> CheckResult:
    fraction = 0.0 if outcome.status == "skipped" else scoring.score(rc.partial_credit, outcome)
    points = round(rc.points * fraction, 4)
    if status is None:
        if outcome.status == "skipped":
            status = "skipped"
        elif fraction >= 1.0:
            status = "passed"
        elif fraction > 0.0:
            status = "partial"
        else:
            status = "failed"
    message = outcome.message
    if outcome.hint and status != "passed":
        message = f"{message}\nHint: {outcome.hint}" if message else f"Hint: {outcome.hint}"
    return CheckResult(name=rc.id, section=section, kind=kind, points=points,
                       max_points=float(rc.points), status=status, message=message,
                       visibility=rc.visibility, duration_s=round(duration, 4),
                       measured=outcome.measured, hint=outcome.hint)
