"""Load and validate rubrics (``rubrics/*.yaml``) into ``Rubric`` objects.

A rubric says which registered checks run, in which sections, for how many points, with which
tolerance, visibility, timeout and partial-credit rule::

    name: canonical
    title: Canonical numpy deep-learning assignment
    profile: canonical
    defaults: {timeout: 20, visibility: visible, partial_credit: {rule: all_or_nothing}}
    datasets: {default: digits}
    sections:
      - name: layers
        title: Layers
        checks:
          - id: affine_forward.values
            points: 2
            tolerance: 1.0e-7
            visibility: hidden
            timeout: 10
            partial_credit: {rule: linear_ramp, low: 0.28, high: 0.5}
            params: {}
            variants: [2021-2024]      # only for these year variants of the course profile

Rubrics compose (docs/rubrics.md): ``include: [sections/layers.yaml]`` makes a section file's
sections available, ``- use: NAME`` takes one whole (as a section) or puts its checks into a
section (as a check item), ``extends: canonical`` starts from another rubric, and
``overrides: {check.id: {points: 1}}`` changes or drops (``{drop: true}``) single checks.
A check marked ``extra: true`` (robustness beyond the course's specification) or
``optional: true`` (an optional part of the assignment) is run and reported but worth only its
``extra_points`` (bonus, outside the maximum) or ``optional_points`` (default 0 for both);
``extra: [fa23-fa25]`` limits the role to those year variants (docs/rubrics.md).

The format is ``grader/schemas/rubric.schema.json`` (JSON Schema 2020-12), checked file by file.
After the schema, the loader rejects what a schema cannot say: duplicate check ids, duplicate
section names, duplicate YAML keys, a ``linear_ramp`` whose ``high`` is not above ``low``, an
override or ``use:`` naming nothing, a cycle of ``extends``/``include``, and (when the caller
passes ``known_checks``) ids that name no registered check. Every problem is reported with the
file it is in, the YAML line and the key path, e.g.
``canonical.yaml:12: sections[0].checks[3].points: -1 is less than or equal to the minimum of 0``.

``load_rubric("canonical")`` reads ``canonical.yaml`` from the ``rubrics`` package;
``load_rubric("path/to/file.yaml")`` reads that file. Shared section files
(``rubrics/sections/``) are not rubrics: ``list_rubrics`` lists only ``rubrics/*.yaml``.

Course rubrics (``cs231n_a1`` ...) mark sections and checks that exist only in some year variants
of their course with ``variants: [...]``; ``select_variant(rubric, "2016-2017")`` keeps what applies.
``merge_rubrics([a, b])`` grades two assignments' rubrics in one report (a package holding the
work of both): sections are prefixed with their rubric's name, a check already graded by an
earlier rubric is not repeated.
"""
from __future__ import annotations

import copy
import difflib
import json
import re
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import yaml_source
from .result import ROLES  # noqa: F401  (the roles a rubric check can have)
from .yaml_source import line_of, plain

RUBRIC_PACKAGE = "rubrics"
NAME_RE = re.compile(r"^[a-z0-9_]+$")

BUILTIN_DEFAULTS: dict[str, Any] = {
    "timeout": 20.0,
    "visibility": "visible",
    "partial_credit": {"rule": "all_or_nothing"},
}
BUILTIN_DATASETS: dict[str, Any] = {"default": "digits"}
DEFAULT_PROFILE = "canonical"
DEFAULT_HINTS = "direction"   # what is wrong, never the formula (docs/rubrics.md)
MAX_LISTED_ERRORS = 10


class RubricError(Exception):
    """An invalid or missing rubric. The message names the file, the YAML line and the key path."""


# -- the data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RubricCheck:
    """One rubric entry, with the rubric's defaults filled in.

    ``points`` is what the check's result is worth: the entry's ``points`` for a required
    check (0: information, reported and never scored), ``extra_points`` / ``optional_points``
    (default 0) for an extra / optional one (``role``). An extra check's points are bonus, outside
    the maximum (``in_max``). ``tolerance`` is ``None`` when the check's own default applies;
    ``timeout`` is in seconds of wall clock per call into student code; ``partial_credit`` is a
    rule mapping for ``grader.scoring.score``; ``params`` is passed to the check as is.
    """

    id: str
    points: float
    tolerance: float | None
    visibility: str
    timeout: float
    partial_credit: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    variants: tuple[str, ...] = ()   # empty: every year variant
    #: How much a failed check's hint says (``grader.hints``): full, direction or none.
    hints: str = "direction"
    role: str = "required"           # one of ROLES (docs/rubrics.md, "Extra and optional checks")
    role_variants: tuple[str, ...] = ()   # the role only in these variants; empty: in every one
    required_points: float | None = None  # the entry's ``points``: its worth as a required check

    @property
    def in_max(self) -> bool:
        """Whether the check's points are part of the rubric's maximum (extra points are bonus)."""
        return self.role != "extra"

    def as_required(self) -> RubricCheck:
        """The check in a year variant where its role does not apply: required, its ``points``."""
        return replace(self, role="required", role_variants=(), points=self.required_points or 0.0)


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    checks: list[RubricCheck]
    variants: tuple[str, ...] = ()   # empty: every year variant

    @property
    def max_points(self) -> float:
        """The points of its checks that count in the maximum (not the extra checks' bonus)."""
        return round(sum(c.points for c in self.checks if c.in_max), 4)


@dataclass(frozen=True)
class Rubric:
    """A validated rubric. ``path`` is the YAML file it came from (``grader.fixtures`` finds the
    rubric's fixture store from it)."""

    name: str
    title: str
    profile: str
    defaults: dict[str, Any]
    datasets: dict[str, Any]
    sections: list[Section]
    path: Path | None = None

    def iter_checks(self) -> Iterator[tuple[Section, RubricCheck]]:
        """Every ``(section, check)`` pair, in rubric order."""
        for section in self.sections:
            for check in section.checks:
                yield section, check

    @property
    def max_points(self) -> float:
        return round(sum(s.max_points for s in self.sections), 4)


# -- messages ---------------------------------------------------------------------------------
def format_path(path) -> str:
    """``['sections', 0, 'checks', 3, 'points']`` -> ``'sections[0].checks[3].points'``."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "(top level)"


# -- validation -------------------------------------------------------------------------------
_SCHEMA: dict | None = None


def rubric_schema() -> dict:
    """The rubric JSON Schema (``grader/schemas/rubric.schema.json``)."""
    global _SCHEMA
    if _SCHEMA is None:
        text = resources.files("grader").joinpath("schemas/rubric.schema.json").read_text("utf-8")
        _SCHEMA = json.loads(text)
    return _SCHEMA


def _describe(error: jsonschema.ValidationError, document) -> tuple[list, str]:
    """The key path and an actionable message for one schema error."""
    path = list(error.absolute_path)
    if error.validator == "not" and error.validator_value == {}:  # a key the rule does not take
        owner = document
        for key in path[:-1]:
            owner = owner[key]
        return path, f"the {owner.get('rule')} rule takes no {path[-1]!r}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            return path + [extra[0]], (f"unknown key {extra[0]!r}; allowed keys: "
                                       f"{', '.join(sorted(allowed))}")
    return path, error.message


def _schema_problems(document, kind: str = "rubric") -> list[tuple[int, str]]:
    """Schema problems of a rubric (``kind="rubric"``) or a section file (``"section_file"``)."""
    schema = rubric_schema()
    if kind != "rubric":
        schema = {**schema["$defs"][kind], "$defs": schema["$defs"]}
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in validator.iter_errors(document):
        # an if/then failure reports its own sub-errors; show those, not "does not match".
        leaves = [error]
        if error.context:
            leaves = list(error.context)
        for leaf in leaves:
            path, message = _describe(leaf, document)
            problems.append((list(path), message))
    unique = []
    for path, message in problems:
        if (path, message) not in unique:
            unique.append((path, message))
    return [(line_of(document, path), f"{format_path(path)}: {message}") for path, message in unique]


def _ramp_problems(node, path=()) -> list[tuple[list, str]]:
    """Every ``linear_ramp`` (in defaults, checks, overrides) needs ``high`` above ``low``."""
    problems = []
    if isinstance(node, dict):
        rule = node.get("partial_credit")
        if isinstance(rule, dict) and rule.get("rule") == "linear_ramp" and not rule["high"] > rule["low"]:
            where = list(path) + ["partial_credit", "high"]
            text = (f"{format_path(where)}: linear_ramp needs high > low "
                    f"(low={rule['low']}, high={rule['high']})")
            problems.append((where, text))
        for key, value in node.items():
            if key not in ("params", "notebook", "partial_credit"):
                problems += _ramp_problems(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += _ramp_problems(value, path + (i,))
    return problems


class _Problems:
    """Problems found while composing one rubric: ``(source, line, text)``, raised together."""

    def __init__(self, root: str):
        self.root, self.items = root, []

    def add(self, source: str, line: int, text: str) -> None:
        self.items.append((source, line, text))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        ordered = sorted(self.items, key=lambda p: (p[0] != self.root, p[0], p[1]))
        lines = [f"{src}:{line}: {text}" if line else f"{src}: {text}" for src, line, text in ordered]
        if len(lines) > MAX_LISTED_ERRORS:
            lines = lines[:MAX_LISTED_ERRORS] + [f"... and {len(lines) - MAX_LISTED_ERRORS} more problems"]
        raise RubricError("\n".join(lines))


def _raise(source: str, problems: list[tuple[int, str]]) -> None:
    found = _Problems(source)
    for line, text in problems:
        found.add(source, line, text)
    found.raise_if_any()


# -- composition ------------------------------------------------------------------------------
@dataclass
class _File:
    """One YAML file of a rubric: its name in messages, where relative references start."""

    source: str
    path: Path | None
    base: Path
    document: Any

    def at(self, path) -> _Where:
        return _Where(self.source, line_of(self.document, path), list(path))


@dataclass
class _Where:
    source: str
    line: int
    path: list

    def describe(self, other: _Where) -> str:
        """How to name this place in a message about ``other``: a key path in the same file."""
        text = format_path(self.path)
        return text if self.source == other.source else f"{self.source}:{self.line} {text}"


@dataclass
class _Check:
    settings: dict            # as written (plain), defaults not yet filled in
    where: _Where              # the check's ``id``
    via: _Where | None = None  # the ``use:`` that brought it in


@dataclass
class _Section:
    name: str
    title: str | None
    variants: tuple
    checks: list
    where: _Where

    def copy(self) -> _Section:
        return _Section(self.name, self.title, self.variants,
                        [_Check(dict(c.settings), c.where, c.via) for c in self.checks], self.where)


@dataclass
class _Composed:
    name: str
    title: str
    profile: str
    defaults: dict
    datasets: dict
    sections: list


def _source_name(path: Path) -> str:
    """Packaged files are named relative to the ``rubrics`` package (``sections/layers.yaml``)."""
    try:
        return path.resolve().relative_to(_packaged_dir().resolve()).as_posix()
    except ValueError:
        return str(path)


def _document(text: str, source: str):
    try:
        return yaml_source.load(text)
    except yaml_source.DuplicateKey as exc:
        raise RubricError(f"{source}:{exc.line}: duplicate key {exc.key!r} "
                          f"(first on line {exc.first_line})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"{where}: not valid YAML: {problem}") from None
    except RecursionError:
        raise RubricError(f"{source}: not valid YAML: nested too deeply") from None


def _open(path: Path, source: str) -> _File:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{source}: cannot read: {exc}") from None
    _note_read(path, text)
    return _File(source, path, path.parent, _document(text, source))


def _validated(file: _File, kind: str) -> None:
    """Schema and high-above-low problems of one file, named with that file's lines."""
    if not isinstance(file.document, dict):
        what = ("a rubric is a YAML mapping with 'name' and 'sections'" if kind == "rubric"
                else "a section file is a YAML mapping with 'sections'")
        raise RubricError(f"{file.source}: {what}, got {type(file.document).__name__}")
    problems = _schema_problems(file.document, kind)
    if not problems:
        problems = [(line_of(file.document, path), text)
                    for path, text in _ramp_problems(file.document)]
    if problems:
        _raise(file.source, problems)


def _reference(file: _File, key_path: list, value: str, stack: tuple, *, rubric: bool) -> _File:
    """Open the file an ``extends`` (``rubric=True``) or ``include`` entry names."""
    where = file.at(key_path)
    prefix = f"{where.source}:{where.line}: {format_path(key_path)}"
    if rubric and NAME_RE.match(value):
        path = _packaged_dir() / f"{value}.yaml"
        if not path.is_file():
            raise RubricError(f"{prefix}: no rubric named {value!r} "
                              f"(available: {', '.join(list_rubrics()) or 'none'})")
    else:
        path = file.base / value
        if not path.is_file():
            raise RubricError(f"{prefix}: no such file {value!r} (relative to {_source_name(file.base) or '.'})")
    if path.resolve() in stack:
        chain = " -> ".join(_source_name(p) for p in stack[stack.index(path.resolve()):])
        raise RubricError(f"{prefix}: cycle: {chain} -> {_source_name(path)}")
    return _open(path, _source_name(path))


def _stack_with(file: _File, stack: tuple) -> tuple:
    return stack + ((file.path.resolve(),) if file.path is not None else ())


def _library(file: _File, stack: tuple) -> dict[str, _Section]:
    """The sections of the files ``file`` includes, by name (what ``use:`` can name)."""
    library: dict[str, _Section] = {}
    for i, ref in enumerate(file.document.get("include") or []):
        included = _reference(file, ["include", i], ref, _stack_with(file, stack), rubric=False)
        _validated(included, "section_file")
        for section in _sections(included, _library(included, _stack_with(file, stack))):
            if section.name in library:
                where = file.at(["include", i])
                raise RubricError(f"{where.source}:{where.line}: include[{i}]: section "
                                  f"{section.name!r} is also in {library[section.name].where.source}")
            library[section.name] = section
    return library


def _use(file: _File, path: list, name: str, library: dict[str, _Section]) -> _Section:
    if name not in library:
        where = file.at(path + ["use"])
        known = ", ".join(sorted(library)) or "none: this file includes no section files"
        raise RubricError(f"{where.source}:{where.line}: {format_path(path + ['use'])}: no "
                          f"included section named {name!r} (included: {known})")
    return library[name]


def _sections(file: _File, library: dict[str, _Section]) -> list[_Section]:
    """The ``sections:`` of one file, every ``use:`` expanded."""
    sections = []
    for i, item in enumerate(file.document.get("sections") or []):
        path = ["sections", i]
        if "use" in item:
            shared = _use(file, path, item["use"], library).copy()
            shared.where = file.at(path + ["name" if "name" in item else "use"])
            shared.name = item.get("name", shared.name)
            shared.title = item.get("title", shared.title)
            shared.variants = tuple(item.get("variants", shared.variants))
            for check in shared.checks:
                check.via = file.at(path + ["use"])
            sections.append(shared)
            continue
        checks = []
        for j, entry in enumerate(item["checks"]):
            if "use" in entry:
                via = file.at(path + ["checks", j, "use"])
                for check in _use(file, path + ["checks", j], entry["use"], library).copy().checks:
                    if "variants" in entry and "variants" not in check.settings:
                        check.settings["variants"] = plain(entry["variants"])
                    checks.append(_Check(check.settings, check.where, via))
            else:
                checks.append(_Check(plain(entry), file.at(path + ["checks", j, "id"])))
        sections.append(_Section(item["name"], item.get("title"), tuple(item.get("variants", ())),
                                 checks, file.at(path + ["name"])))
    return sections


def _compose(file: _File, stack: tuple = ()) -> _Composed:
    """A rubric file with its ``extends``, ``include`` and ``overrides`` applied."""
    _validated(file, "rubric")
    doc = file.document
    here = _stack_with(file, stack)
    if "extends" in doc:
        parent = _compose(_reference(file, ["extends"], doc["extends"], here, rubric=True), here)
        defaults = {**parent.defaults, **plain(doc.get("defaults") or {})}
        datasets = {**parent.datasets, **plain(doc.get("datasets") or {})}
        profile = doc.get("profile", parent.profile)
        sections = [s.copy() for s in parent.sections]
    else:
        defaults, datasets = plain(doc.get("defaults") or {}), plain(doc.get("datasets") or {})
        profile, sections = doc.get("profile", DEFAULT_PROFILE), []
    sections += _sections(file, _library(file, stack))
    composed = _Composed(doc["name"], doc.get("title", doc["name"]), profile, defaults, datasets,
                         sections)
    _refuse_duplicates(file, composed)
    _apply_overrides(file, composed)
    _role_problems(file, composed)
    return composed


def _refuse_duplicates(file: _File, composed: _Composed) -> None:
    problems = _Problems(file.source)
    names: dict[str, _Where] = {}
    ids: dict[str, _Where] = {}
    for section in composed.sections:
        where = section.where
        if section.name in names:
            problems.add(where.source, where.line, f"{format_path(where.path)}: duplicate section "
                         f"name {section.name!r} (first at {names[section.name].describe(where)})")
        else:
            names[section.name] = where
        for check in section.checks:
            # a check brought in by ``use:`` is reported where it was used
            cid, where = check.settings["id"], check.via or check.where
            if cid in ids:
                problems.add(where.source, where.line, f"{format_path(where.path)}: duplicate check "
                             f"id {cid!r} (first at {ids[cid].describe(where)})")
            else:
                ids[cid] = where
    problems.raise_if_any()


def _apply_overrides(file: _File, composed: _Composed) -> None:
    overrides = file.document.get("overrides") or {}
    by_id = {c.settings["id"]: (s, c) for s in composed.sections for c in s.checks}
    problems = _Problems(file.source)
    for cid, change in overrides.items():
        if cid not in by_id:
            where = file.at(["overrides", cid])
            close = difflib.get_close_matches(cid, list(by_id), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.add(where.source, where.line,
                         f"overrides.{cid}: no check {cid!r} in this rubric{hint}")
            continue
        section, check = by_id[cid]
        if change.get("drop"):
            section.checks.remove(check)
        else:
            check.settings.update(plain(change))
    problems.raise_if_any()
    composed.sections = [s for s in composed.sections if s.checks]


def _role_problems(file: _File, composed: _Composed) -> None:
    """What a schema cannot see once ``use:`` and ``overrides`` are applied: a check is extra or
    optional, not both; ``extra_points`` / ``optional_points`` go with their flag; a check that is
    required in some variant has ``points``."""
    problems = _Problems(file.source)
    for section in composed.sections:
        for check in section.checks:
            c, where = check.settings, check.via or check.where
            text = None
            if c.get("extra") and c.get("optional"):
                text = "a check is extra or optional, not both"
            elif "extra_points" in c and not c.get("extra"):
                text = "extra_points needs extra: true (bonus points of an extra check)"
            elif "optional_points" in c and not c.get("optional"):
                text = "optional_points needs optional: true"
            elif "points" not in c and not (c.get("extra") is True or c.get("optional") is True):
                text = "points: a required check needs points (or extra: true / optional: true)"
            if text:
                problems.add(where.source, where.line, f"{format_path(where.path)}: check {c['id']!r}: {text}")
    problems.raise_if_any()


def _role(c: dict) -> tuple[str, tuple[str, ...], float]:
    """``(role, the variants it applies in, the points it is worth in that role)``."""
    for role in ("extra", "optional"):
        flag = c.get(role)
        if flag:
            variants = tuple(flag) if isinstance(flag, list) else ()
            return role, variants, float(c.get(f"{role}_points", 0.0))
    return "required", (), float(c["points"])


def _unknown_checks(file: _File, composed: _Composed, known_checks: Collection[str]) -> None:
    problems = _Problems(file.source)
    for section in composed.sections:
        for check in section.checks:
            cid, where = check.settings["id"], check.where
            if cid not in known_checks:
                problems.add(where.source, where.line, f"{format_path(where.path)}: unknown check {cid!r}")
    problems.raise_if_any()


# -- building ---------------------------------------------------------------------------------
def parse_rubric(text: str, source: str = "<rubric>", *, path: Path | None = None,
                 known_checks: Collection[str] | None = None) -> Rubric:
    """Validate YAML ``text`` and build the ``Rubric``. ``source`` names it in error messages;
    ``extends``/``include`` paths are relative to ``path``'s folder (default: the packaged
    rubrics)."""
    base = Path(path).parent if path is not None else _packaged_dir()
    file = _File(source, Path(path) if path is not None else None, base, _document(text, source))
    composed = _compose(file)
    if known_checks is not None:
        _unknown_checks(file, composed, known_checks)
    return _build(composed, path)


def _build(doc: _Composed, path: Path | None) -> Rubric:
    defaults = {**BUILTIN_DEFAULTS, **doc.defaults}
    defaults["timeout"] = float(defaults["timeout"])
    datasets = {**BUILTIN_DATASETS, **doc.datasets}
    sections = []
    for s in doc.sections:
        checks = []
        for entry in s.checks:
            c = entry.settings
            role, role_variants, points = _role(c)
            checks.append(RubricCheck(
                id=c["id"],
                points=points,
                tolerance=float(c["tolerance"]) if "tolerance" in c else None,
                visibility=c.get("visibility", defaults["visibility"]),
                timeout=float(c.get("timeout", defaults["timeout"])),
                partial_credit=dict(c.get("partial_credit", defaults["partial_credit"])),
                params=dict(c.get("params") or {}),
                variants=tuple(c.get("variants", ())),
                hints=_hint_level(c, defaults),
                role=role,
                role_variants=role_variants,
                required_points=float(c["points"]) if "points" in c else None,
            ))
        sections.append(Section(name=s.name, title=s.title or s.name, checks=checks,
                                variants=tuple(s.variants)))
    return Rubric(name=doc.name, title=doc.title, profile=doc.profile, defaults=defaults,
                  datasets=datasets, sections=sections, path=path)


def _hint_level(check: dict, defaults: dict) -> str:
    """A check's own ``hints``, else the default (one level, or one per visibility)."""
    if "hints" in check:
        return check["hints"]
    level = defaults.get("hints", DEFAULT_HINTS)
    if isinstance(level, dict):
        return level.get(check.get("visibility", defaults["visibility"]), DEFAULT_HINTS)
    return level


def _packaged_dir() -> Path:
    """The folder of the ``rubrics`` package, where named rubrics live."""
    return Path(str(resources.files(RUBRIC_PACKAGE)))


def list_rubrics() -> list[str]:
    """Names of the rubrics that ship in the ``rubrics`` package, sorted."""
    folder = _packaged_dir()
    return sorted(p.stem for p in folder.glob("*.yaml") if NAME_RE.match(p.stem))


def resolve_rubric(path_or_name: str | Path) -> Path:
    """A bare name (``canonical``) -> the packaged ``canonical.yaml``; anything else is a path."""
    text = str(path_or_name)
    if not isinstance(path_or_name, Path) and NAME_RE.match(text):
        candidate = _packaged_dir() / f"{text}.yaml"
        if candidate.is_file():
            return candidate
        if not Path(text).is_file():
            if not list_rubrics():
                raise RubricError(f"no rubric named {text!r}: this installation carries no course "
                                  "rubrics (the engine wheel never does); grade with --pack PACK, "
                                  "the course pack your course publishes")
            raise RubricError(f"no rubric named {text!r} (available: {', '.join(list_rubrics())}); "
                              "give a name or a path to a .yaml file")
    path = Path(text)
    if not path.is_file():
        raise RubricError(f"{path}: no such rubric file")
    return path


#: Rubrics this process has built: ``(path, source, known checks) -> (every file read, with its
#: text; the rubric)``. A process that grades many submissions (``grade class``) parses and
#: validates its rubric once; a file whose text changed since makes it build the rubric again.
_BUILT: dict[tuple, tuple[tuple[tuple[Path, str], ...], Rubric]] = {}
_READS = threading.local()


def _note_read(path: Path, text: str) -> None:
    log = getattr(_READS, "log", None)
    if log is not None:
        log.append((path, text))


def _unchanged(files: tuple[tuple[Path, str], ...]) -> bool:
    try:
        return all(path.read_text(encoding="utf-8") == text for path, text in files)
    except (OSError, UnicodeDecodeError):
        return False


def load_rubric(path_or_name: str | Path, *, known_checks: Collection[str] | None = None) -> Rubric:
    """Load, validate and build a rubric from a packaged name or a YAML path.

    ``known_checks`` (e.g. the keys of the check registry), when given, also rejects ids that
    name no registered check. Raises ``RubricError`` with ``file:line: key.path: problem``.
    Each call returns its own copy (``_BUILT`` keeps the first).
    """
    path = resolve_rubric(path_or_name)
    packaged = not isinstance(path_or_name, Path) and NAME_RE.match(str(path_or_name))
    source = path.name if packaged else str(path_or_name)
    key = (path.resolve(), source, None if known_checks is None else frozenset(known_checks))
    built = _BUILT.get(key)
    if built is not None and _unchanged(built[0]):
        return copy.deepcopy(built[1])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{source}: cannot read: {exc}") from None
    outer, _READS.log = getattr(_READS, "log", None), [(path, text)]
    try:
        rubric = parse_rubric(text, source=source, path=path, known_checks=known_checks)
        _BUILT[key] = (tuple(_READS.log), rubric)
    finally:
        _READS.log = outer
    return copy.deepcopy(rubric)


# -- course profiles ---------------------------------------------------------------------------
def select_variant(rubric: Rubric, variant: str | None) -> Rubric:
    """The rubric without the sections and checks whose ``variants`` exclude ``variant``.

    ``variant=None`` keeps everything; a section left without checks is dropped. A check whose
    role (extra, optional) is limited to some variants is required in the others; with
    ``variant=None`` the role is kept (no year known: the check deducts nothing).
    """
    if variant is None:
        return rubric
    sections = []
    for section in rubric.sections:
        if section.variants and variant not in section.variants:
            continue
        checks = [c if not c.role_variants or variant in c.role_variants else c.as_required()
                  for c in section.checks if not c.variants or variant in c.variants]
        if checks:
            sections.append(replace(section, checks=checks))
    return replace(rubric, sections=sections)


def merge_rubrics(rubrics: list[Rubric]) -> Rubric:
    """One rubric grading several assignments: sections named ``<rubric>/<section>``, titles
    ``<rubric title>: <section title>``; a check id already graded by an earlier rubric is left
    out of the later one. The first rubric gives the defaults and datasets; ``path`` is None
    (fixtures are loaded per component rubric)."""
    if len(rubrics) == 1:
        return rubrics[0]
    seen: set[str] = set()
    sections = []
    for rubric in rubrics:
        for section in rubric.sections:
            checks = [c for c in section.checks if c.id not in seen]
            seen.update(c.id for c in checks)
            if checks:
                sections.append(replace(section, name=f"{rubric.name}/{section.name}",
                                        title=f"{rubric.title}: {section.title}", checks=checks))
    first = rubrics[0]
    return Rubric(name="__".join(r.name for r in rubrics),
                  title=" + ".join(r.title for r in rubrics), profile=first.profile,
                  defaults=first.defaults, datasets=first.datasets, sections=sections, path=None)
