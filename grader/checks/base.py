"""The vocabulary every check is written in: ``Outcome``, ``CheckContext``, ``@check`` and ``@fixture``.

A check is a small named function ``check(ctx) -> Outcome`` that exercises one behaviour of the
student's code through the sandboxed worker (``ctx.worker``) and compares what comes back with
expected values that the reference produced (``ctx.fixture(...)``). Comparisons always happen
here, in the trusted grader process.

A fixture builder is a function ``build(ref) -> dict[str, np.ndarray]`` that runs the trusted
reference (``ref`` is the imported ``reference`` package) on fixed inputs. Builders run only when
an instructor regenerates fixtures (``grade fixtures regenerate``); grading reads the stored
arrays, so expected values of hidden checks never need to exist anywhere but in the grader.
"""
from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ..result import KINDS


@dataclass(frozen=True)
class Outcome:
    """What one check observed.

    ``status`` is ``passed``, ``failed``, ``partial`` or ``skipped``. ``fraction`` (0..1) is used by
    the ``fraction`` partial-credit rule, ``measured`` (e.g. an accuracy) by ``linear_ramp`` and
    ``threshold``. ``message`` tells the student what is wrong; ``hint`` how to fix it.
    ``series`` holds named curves the check measured, for plots (format:
    ``grader.result.CheckResult``): ``{"loss.train": [...], "accuracy.threshold val": [0.5]}``.
    ``ungraded_share`` (0..1) is the share of the check's points the grader does not decide: left
    to a TA (figures it could not verify) or not part of this year's work (a question that
    year's notebook does not ask). The session takes it out of the check's maximum, and the
    ``fraction`` is over the rest.
    """

    status: str
    message: str = ""
    fraction: float | None = None
    measured: float | None = None
    hint: str | None = None
    series: Mapping[str, Any] | None = None
    ungraded_share: float = 0.0

    @property
    def passed(self) -> bool | None:
        if self.status == "skipped":
            return None
        return self.status == "passed"

    @classmethod
    def ok(cls, message: str = "", *, measured: float | None = None,
           series: Mapping[str, Any] | None = None) -> "Outcome":
        return cls("passed", message, fraction=1.0, measured=measured, series=series)

    @classmethod
    def fail(cls, message: str, *, hint: str | None = None, measured: float | None = None,
             fraction: float = 0.0, series: Mapping[str, Any] | None = None) -> "Outcome":
        return cls("failed", message, fraction=fraction, measured=measured, hint=hint, series=series)

    @classmethod
    def skip(cls, message: str) -> "Outcome":
        return cls("skipped", message)

    @classmethod
    def from_fraction(cls, fraction: float, message: str, *, hint: str | None = None,
                      series: Mapping[str, Any] | None = None) -> "Outcome":
        """``passed`` at 1, ``failed`` at 0, ``partial`` in between."""
        fraction = float(min(max(fraction, 0.0), 1.0)) if math.isfinite(fraction) else 0.0
        status = "passed" if fraction >= 1.0 else ("failed" if fraction <= 0.0 else "partial")
        return cls(status, message, fraction=fraction, hint=None if status == "passed" else hint,
                   series=series)

    @classmethod
    def from_measure(cls, measured: float, passed: bool, message: str, *,
                     hint: str | None = None, series: Mapping[str, Any] | None = None) -> "Outcome":
        """A measured figure (accuracy, error) whose credit the rubric's rule decides."""
        status = "passed" if passed else "failed"
        return cls(status, message, fraction=1.0 if passed else 0.0, measured=float(measured),
                   hint=None if passed else hint, series=series)


@dataclass(frozen=True)
class CheckSpec:
    """A registered check: its id, the function, its kind, its fixture, its default tolerance and
    its docstring (what the check verifies, for listings)."""

    id: str
    func: Callable[["CheckContext"], Outcome]
    kind: str
    fixture: str | None
    tolerance: float | None
    doc: str


REGISTRY: dict[str, CheckSpec] = {}
FIXTURE_BUILDERS: dict[str, Callable[[Any], dict[str, np.ndarray]]] = {}


def check(check_id: str, *, kind: str, fixture: str | None = None, tolerance: float | None = None):
    """Register ``func`` as the check ``check_id``.

    ``fixture`` names the fixture builder whose arrays ``ctx.fixture()`` returns; ``tolerance`` is
    the default a rubric may override. The docstring of ``func`` says what the check verifies.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown check kind {kind!r}")

    def register(func):
        if check_id in REGISTRY and REGISTRY[check_id].func.__wrapped__ is not func:
            raise ValueError(f"check {check_id!r} is registered twice")

        @functools.wraps(func)
        def run(ctx: "CheckContext") -> Outcome:
            try:
                return func(ctx)
            except CheckFailed as failed:
                return failed.outcome

        REGISTRY[check_id] = CheckSpec(check_id, run, kind, fixture, tolerance, (func.__doc__ or "").strip())
        return func

    return register


def fixture(name: str):
    """Register a fixture builder ``build(ref) -> {key: array}`` under ``name``."""

    def register(func):
        if name in FIXTURE_BUILDERS and FIXTURE_BUILDERS[name] is not func:
            raise ValueError(f"fixture {name!r} is registered twice")
        FIXTURE_BUILDERS[name] = func
        return func

    return register


def check_seed(check_id: str) -> int:
    """A stable per-check seed, so that grading the same submission twice is identical."""
    return zlib.crc32(check_id.encode("utf-8"))


@dataclass
class CheckContext:
    """Everything a check may use. Built by the session (``grader.session``) for each check."""

    check_id: str
    worker: Any
    fixtures: Mapping[str, Mapping[str, np.ndarray]]
    tolerance: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    datasets: Any = None
    default_fixture: str | None = None
    submission_root: Any = None  # Path of the scratch copy (artefact checks read files from it)
    #: The course profile applied to the submission (``grader.profiles.Selection``; None outside
    #: a grading run): e.g. ``ctx.selection.solver_kwargs(kwargs)``,
    #: ``ctx.selection.convention("solver_model")``.
    selection: Any = None
    #: The notebook a check of kind ``notebook`` reads (``grader.notebook.plan.NotebookUnderTest``).
    notebook: Any = None

    # -- expected values -------------------------------------------------------------------
    def fixture(self, name: str | None = None) -> Mapping[str, np.ndarray]:
        """The arrays the reference produced for fixture ``name`` (default: the check's own)."""
        name = name or self.default_fixture
        if name is None or name not in self.fixtures:
            raise MissingFixture(f"fixture {name!r} is missing: run `grade fixtures regenerate`")
        return self.fixtures[name]

    # -- data ------------------------------------------------------------------------------
    @property
    def rng(self) -> np.random.RandomState:
        """A RandomState seeded from the check id (fresh inputs, identical on every run)."""
        return np.random.RandomState(check_seed(self.check_id))

    def dataset(self, name: str | None = None):
        """The training dataset dict (``X_train`` ...), or ``None`` when it is not available."""
        if self.datasets is None:
            return None
        return self.datasets.get(name)

    # -- calls into the sandbox, with the rubric's timeout -----------------------------------
    def call(self, target, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.call(target, *args, **kwargs)

    def map(self, target, arglists, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.map(target, arglists, **kwargs)

    def new(self, target, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.new(target, *args, **kwargs)

    def sweep(self, ref, path, values, target, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.sweep(ref, path, values, target, *args, **kwargs)

    def perturb(self, target, args, wrt, coords, h, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.perturb(target, args, wrt, coords, h, **kwargs)

    def descend(self, target, w, config, A, b, steps, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.descend(target, w, config, A, b, steps, **kwargs)

    def getattr(self, ref, name, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.getattr(ref, name, **kwargs)

    def setattr(self, ref, name, value, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return self.worker.setattr(ref, name, value, **kwargs)


class CheckFailed(Exception):
    """Raised by a helper that already knows the check's outcome (e.g. the model a Solver check
    needs cannot be built): the check returns ``outcome`` at once."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.message)
        self.outcome = outcome


class MissingFixture(Exception):
    """The rubric's fixtures do not hold what a check needs (an instructor's problem)."""


class CheckInputError(Exception):
    """What the student returned cannot be compared (wrong type or shape): a failed check."""
