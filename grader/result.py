"""The result model: one ``Report`` made of ``CheckResult``s. Pure data, no rendering.

The engine builds a ``Report``; every renderer in ``grader/report/`` reads one and writes one
format. Scores are decided here (sums of the points the engine awarded) and nowhere else, so
that no two formats can disagree about a total.

Everything a student can influence (check messages, what the worker printed) is bounded when the
result is built: a message keeps at most ``MAX_MESSAGE_CHARS`` characters and each worker stream
at most ``MAX_OUTPUT_CHARS``, so a report has a bounded size whatever the submission prints.
Text is also made encodable (lone surrogates, e.g. from undecodable bytes, become ``\\udcxx``
escapes), so that every renderer can write UTF-8.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

KINDS = ("value", "gradient", "training", "artefact", "notebook", "setup")
STATUSES = ("passed", "failed", "partial", "error", "skipped")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
AUDIENCES = ("student", "instructor")
MANUAL_KINDS = ("question", "figure")
MANUAL_HEADING = "To review by a TA"   # how every report format titles Report.manual
#: A check's role in its rubric (docs/rubrics.md, "Extra and optional checks"): ``extra`` checks
#: test robustness beyond the course's specification and their points are bonus, outside
#: ``Report.max_score``; ``optional`` checks are an optional part of the assignment, worth the
#: points the rubric gives them (0 unless it says otherwise).
ROLES = ("required", "extra", "optional")
#: How renderers describe a role in one phrase.
ROLE_TEXT = {"required": "required", "extra": "extra: beyond the course's specification, bonus points only",
             "optional": "optional part of the assignment"}

MAX_MESSAGE_CHARS = 2000     # one check message (or hint)
MAX_NOTE_CHARS = 2000        # one intake/sandbox note
MAX_NOTES = 50               # notes kept in one report
MAX_OUTPUT_CHARS = 20_000    # worker stdout, and again worker stderr
MAX_MANUAL_ITEMS = 200       # questions listed for manual grading in one report
MAX_SERIES = 16              # named series kept per check result
MAX_SERIES_POINTS = 2000     # points kept per series (longer ones are thinned evenly)
MAX_SERIES_NAME = 80
THRESHOLD_LINE = "threshold"  # a line "<panel>.threshold <label>" holds the rubric's threshold
INDEX_LINE = "index"          # "<panel>.index": positions of the points of a thinned history

REPORT_SCHEMA_VERSION = 1


def cap_text(text: Any, limit: int) -> str:
    """``text`` as a str of at most ``limit`` characters, with a visible truncation marker.

    The head is kept (the first lines of a message say what is wrong). Lone surrogates are
    replaced by backslash escapes so the result always encodes as UTF-8.
    """
    text = "" if text is None else str(text)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= limit:
        return text
    marker = f"... [truncated, {len(text)} characters in all]"
    return text[: max(limit - len(marker), 0)] + marker


def cap_tail(text: Any, limit: int) -> str:
    """Like ``cap_text`` but keeps the tail (the end of a program's output is the useful part)."""
    text = "" if text is None else str(text)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(text) <= limit:
        return text
    marker = f"[truncated, {len(text)} characters in all; the last ones follow] ..."
    return marker + text[len(text) - max(limit - len(marker), 0):]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def printable(text: str) -> str:
    """``text`` with control characters made visible (``\\x1b``), newlines and tabs kept.

    Carriage returns become newlines; C0/C1 controls (NUL, ESC, ...), DEL, bidirectional
    overrides and the non-characters U+FFFE/U+FFFF become backslash escapes, so that student text
    can neither drive a terminal nor break an XML or Markdown document.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def format_points(x: float) -> str:
    """Points as a short string: ``2`` for 2.0, ``1.5``, ``0.3333`` (at most 4 decimals)."""
    text = f"{round(float(x), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def hidden_message(status: str) -> str:
    """The only text a student sees for a withheld check: no expected data, no measurement."""
    return f"hidden check: {status}"


def clean_series(series: Any) -> dict[str, list[float | None]] | None:
    """``series`` as ``{name: [float | None, ...]}``: at most ``MAX_SERIES`` names of at most
    ``MAX_SERIES_NAME`` characters, each at most ``MAX_SERIES_POINTS`` points (a longer series is
    thinned to evenly spaced points, the last one kept); non-finite values become ``None`` so
    that the JSON report stays strict. A series that is not a list of numbers is dropped."""
    if not series or not isinstance(series, dict):
        return None
    out: dict[str, list[float | None]] = {}
    for name, values in series.items():
        if len(out) >= MAX_SERIES:
            break
        try:
            values = [float(v) if v is not None else math.nan for v in list(values)]
        except (TypeError, ValueError):
            continue
        if not values:
            continue
        if len(values) > MAX_SERIES_POINTS:
            step = (len(values) - 1) / (MAX_SERIES_POINTS - 1)
            values = [values[round(i * step)] for i in range(MAX_SERIES_POINTS)]
        out[cap_text(name, MAX_SERIES_NAME)] = [v if math.isfinite(v) else None for v in values]
    return out or None


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one rubric entry.

    ``points`` (earned, rounded to 4 decimals) lie in ``[0, max_points]``. ``duration_s`` is the
    wall-clock time of the check in seconds. ``measured`` is the figure a partial-credit rule
    used (e.g. a validation accuracy in 0..1), ``None`` when there is none or it was not finite.

    ``series`` (``None`` or ``{name: [value, ...]}``, see ``clean_series``) are curves the check
    measured, drawn by the HTML report. A name is ``"<panel>.<line>"``: lines of one panel share
    a plot, e.g. ``"loss.train"`` (one value per iteration), ``"accuracy.train"`` and
    ``"accuracy.val"`` (one per epoch, epoch 0 first), ``"loss.sgd"`` / ``"loss.adam"`` (one
    curve per update rule), ``"weight_std.W"`` and ``"weight_std.He sqrt(2/fan_in)"`` (one value
    per layer). A line whose label starts with ``threshold`` holds one value: the rubric's
    threshold, drawn as a horizontal line (``"accuracy.threshold val >= 0.5": [0.5]``); a line
    whose label starts with ``expected`` or ``reference`` is what the check compared against
    (drawn dashed). ``"<panel>.index"`` gives the positions in the full history of the points of
    the panel's lines of the same length, when a long history was thinned. A name without a dot is a panel of its own. Panels and their axes:
    ``grader.report.plots``; recording helpers: ``grader.checks.curves``.

    ``role`` is the rubric's role of the check (``ROLES``): an ``extra`` check's ``max_points``
    are bonus (0 unless the rubric gives ``extra_points``) and not part of ``Report.max_score``.
    """

    name: str
    section: str
    kind: str
    points: float
    max_points: float
    status: str
    message: str
    visibility: str
    duration_s: float
    measured: float | None = None
    hint: str | None = None
    series: dict[str, list[float | None]] | None = None
    role: str = "required"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"CheckResult {self.name!r}: unknown kind {self.kind!r}; one of {KINDS}")
        if self.status not in STATUSES:
            raise ValueError(f"CheckResult {self.name!r}: unknown status {self.status!r}; one of {STATUSES}")
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"CheckResult {self.name!r}: unknown visibility {self.visibility!r}; "
                             f"one of {VISIBILITIES}")
        if self.role not in ROLES:
            raise ValueError(f"CheckResult {self.name!r}: unknown role {self.role!r}; one of {ROLES}")
        max_points = float(self.max_points)
        points = round(float(self.points), 4)
        if not (math.isfinite(max_points) and max_points >= 0):
            raise ValueError(f"CheckResult {self.name!r}: max_points must be finite and >= 0, got {max_points}")
        if not (math.isfinite(points) and 0.0 <= points <= max_points + 1e-9):
            raise ValueError(f"CheckResult {self.name!r}: points must lie in [0, {max_points}], got {points}")
        measured = self.measured
        if measured is not None:
            measured = float(measured)
            if not math.isfinite(measured):
                measured = None
        duration = float(self.duration_s)
        set_ = object.__setattr__
        set_(self, "points", min(points, max_points))
        set_(self, "max_points", max_points)
        set_(self, "measured", measured)
        set_(self, "duration_s", duration if math.isfinite(duration) and duration >= 0 else 0.0)
        set_(self, "message", cap_text(self.message, MAX_MESSAGE_CHARS))
        set_(self, "hint", None if self.hint is None else cap_text(self.hint, MAX_MESSAGE_CHARS))
        set_(self, "series", clean_series(self.series))

    @property
    def informational(self) -> bool:
        """A 0-point check: reported for information, never scored (docs/rubrics.md)."""
        return self.max_points == 0 and self.status != "error" and self.role == "required"

    @property
    def shown_status(self) -> str:
        """The status as reports print it: ``information`` for a 0-point check
        (``information (failed)`` when it did not pass)."""
        if not self.informational:
            return self.status
        return "information" if self.status == "passed" else f"information ({self.status})"

    @property
    def in_max(self) -> bool:
        """Whether ``max_points`` count in the report's maximum (not for an extra check)."""
        return self.role != "extra"

    @property
    def label(self) -> str:
        """``"extra"`` / ``"optional"`` for a check with that role, else ``""`` (for renderers)."""
        return "" if self.role == "required" else self.role

    @property
    def full_message(self) -> str:
        """The message, followed by ``Hint: ...`` when the hint is not already part of it."""
        if self.hint and self.hint not in self.message:
            return f"{self.message}\nHint: {self.hint}" if self.message else f"Hint: {self.hint}"
        return self.message

    def withheld(self, after_due_date: bool = False) -> bool:
        """True when a student may not see this check's details (now, or before the due date;
        ``after_published`` checks count as released together with ``after_due_date`` ones)."""
        return self.visibility == "hidden" or (self.visibility in ("after_due_date", "after_published")
                                               and not after_due_date)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckResult":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class ManualItem:
    """Something a TA grades by hand: a free-text inline question of a notebook (``kind``
    ``question``), or a figure the notebook claims that the grader could not verify (``kind``
    ``figure``, e.g. an accuracy on a dataset the grader does not have; its ``answer`` is the
    printed figure and ``prompt`` why it could not be verified).

    ``points`` is what the rubric gives it (``None`` when the rubric does not list it); these
    points are not part of ``Report.max_score``, which counts what the grader decided.
    ``answer`` is the student's text (capped), ``answered`` False for an empty or placeholder
    answer ("fill this in").
    """

    source: str
    title: str
    prompt: str = ""
    answer: str = ""
    explanation: str = ""
    points: float | None = None
    answered: bool = True
    kind: str = "question"

    def __post_init__(self):
        set_ = object.__setattr__
        if self.kind not in MANUAL_KINDS:
            raise ValueError(f"ManualItem {self.title!r}: unknown kind {self.kind!r}; one of {MANUAL_KINDS}")
        for name in ("source", "title", "prompt", "answer", "explanation"):
            set_(self, name, cap_text(getattr(self, name), MAX_MESSAGE_CHARS))
        if self.points is not None:
            points = float(self.points)
            set_(self, "points", points if math.isfinite(points) and points >= 0 else None)
        set_(self, "answered", bool(self.answered))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ManualItem":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Report:
    """Everything one grading run produced, for one submission against one rubric.

    ``started_at`` is an ISO 8601 timestamp in UTC, ``duration_s`` the whole run in seconds.
    ``notes`` are intake and sandbox remarks ("the sandbox has no network namespace here"),
    ``sandbox`` the capabilities the worker ran with, ``manual`` the questions left for manual
    grading (not counted in the score). ``worker_stdout`` / ``worker_stderr`` hold
    what the student's code printed (tails, capped): shown to people, never read for a score.
    """

    submission: str
    rubric: str
    rubric_title: str
    profile: str
    results: list[CheckResult]
    started_at: str
    duration_s: float
    notes: list[str] = field(default_factory=list)
    sandbox: dict[str, Any] = field(default_factory=dict)
    worker_stdout: str = ""
    worker_stderr: str = ""
    grader_version: str = ""
    manual: list[ManualItem] = field(default_factory=list)
    error: str | None = None    # why nothing could be graded (unreadable upload, no sandbox)

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "results", list(self.results))
        set_(self, "manual", [m if isinstance(m, ManualItem) else ManualItem.from_dict(m)
                              for m in self.manual][:MAX_MANUAL_ITEMS])
        for r in self.results:
            if not isinstance(r, CheckResult):
                raise TypeError(f"Report.results holds a {type(r).__name__}, not a CheckResult")
        notes = [cap_text(n, MAX_NOTE_CHARS) for n in self.notes]
        if len(notes) > MAX_NOTES:
            notes = notes[:MAX_NOTES] + [f"... {len(notes) - MAX_NOTES} more notes not shown"]
        set_(self, "notes", notes)
        set_(self, "sandbox", dict(self.sandbox))
        set_(self, "worker_stdout", cap_tail(self.worker_stdout, MAX_OUTPUT_CHARS))
        set_(self, "worker_stderr", cap_tail(self.worker_stderr, MAX_OUTPUT_CHARS))
        set_(self, "duration_s", float(self.duration_s))
        set_(self, "error", None if self.error is None else cap_text(self.error, MAX_NOTE_CHARS))
        if not self.grader_version:
            from . import __version__

            set_(self, "grader_version", __version__)

    # -- totals ---------------------------------------------------------------------------
    @property
    def score(self) -> float:
        """Points earned over all checks (rounded to 4 decimals)."""
        return round(sum(r.points for r in self.results), 4)

    @property
    def max_score(self) -> float:
        """Points available over all checks but the extra ones, whose points are bonus (rounded
        to 4 decimals); ``score`` includes any bonus earned, so it can exceed this."""
        return round(sum(r.max_points for r in self.results if r.in_max), 4)

    def by_section(self) -> dict[str, list[CheckResult]]:
        """Results grouped by section, sections in the order they first appear."""
        groups: dict[str, list[CheckResult]] = {}
        for r in self.results:
            groups.setdefault(r.section, []).append(r)
        return groups

    def section_scores(self) -> dict[str, tuple[float, float]]:
        """``{section: (points earned, points available)}``, in section order (available as in
        ``max_score``: without the extra checks' bonus)."""
        return {name: (round(sum(r.points for r in rs), 4),
                       round(sum(r.max_points for r in rs if r.in_max), 4))
                for name, rs in self.by_section().items()}

    def counts(self) -> dict[str, int]:
        """How many checks have each status (every status present, zeros included)."""
        counts = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            counts[r.status] += 1
        return counts

    def summary(self) -> str:
        """The counts line the renderers print: ``"3 passed, 1 failed, 2 information"``
        (0-point checks counted as information, not by their status)."""
        counts = dict.fromkeys(STATUSES, 0)
        counts["information"] = 0
        for r in self.results:
            counts["information" if r.informational else r.status] += 1
        return ", ".join(f"{n} {status}" for status, n in counts.items() if n)

    # -- audiences ------------------------------------------------------------------------
    def for_audience(self, audience: str, after_due_date: bool = False) -> "Report":
        """A copy fit for ``audience`` (``'student'`` or ``'instructor'``).

        Instructors see everything. For students, a withheld check (``hidden``, or
        ``after_due_date`` while ``after_due_date`` is False) keeps its name, points and status,
        but its message becomes ``"hidden check: <status>"`` and its hint and measurement are
        dropped (and so are its series). When any check is withheld the worker's output is dropped as well: the student's
        code could have printed the inputs of a hidden check there.
        """
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}; one of {AUDIENCES}")
        if audience == "instructor":
            return replace(self)
        results = []
        for r in self.results:
            if r.withheld(after_due_date):
                r = replace(r, message=hidden_message(r.status), hint=None, measured=None, series=None)
            results.append(r)
        withheld = sum(r.withheld(after_due_date) for r in self.results)
        if not withheld:
            return replace(self, results=results)
        dropped = "worker output withheld: this rubric has hidden checks"
        return replace(self, results=results,
                       worker_stdout=dropped if self.worker_stdout else "",
                       worker_stderr=dropped if self.worker_stderr else "")

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; documented by ``grader/schemas/report.schema.json``.

        ``score`` and ``max_score`` are included for readers; ``from_dict`` recomputes them.
        """
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "submission": self.submission,
            "rubric": self.rubric,
            "rubric_title": self.rubric_title,
            "profile": self.profile,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "grader_version": self.grader_version,
            "score": self.score,
            "max_score": self.max_score,
            "results": [r.to_dict() for r in self.results],
            "notes": list(self.notes),
            "sandbox": dict(self.sandbox),
            "worker_stdout": self.worker_stdout,
            "worker_stderr": self.worker_stderr,
            "manual": [m.to_dict() for m in self.manual],
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        """The inverse of ``to_dict`` (derived keys such as ``score`` are ignored)."""
        version = data.get("schema_version", REPORT_SCHEMA_VERSION)
        if version != REPORT_SCHEMA_VERSION:
            raise ValueError(f"report schema_version {version!r} is not supported "
                             f"(this grader reads version {REPORT_SCHEMA_VERSION})")
        names = {f.name for f in fields(cls)} - {"results", "manual"}
        kwargs = {k: v for k, v in data.items() if k in names}
        return cls(results=[CheckResult.from_dict(r) for r in data.get("results", [])],
                   manual=[ManualItem.from_dict(m) for m in data.get("manual", [])], **kwargs)
