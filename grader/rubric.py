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

The format is ``grader/schemas/rubric.schema.json`` (JSON Schema 2020-12). After the schema,
``load_rubric`` rejects what a schema cannot say: duplicate check ids, duplicate section names,
duplicate YAML keys, a ``linear_ramp`` whose ``high`` is not above ``low``, and (when the caller
passes ``known_checks``) ids that name no registered check. Every problem is reported with the
key path and the YAML line, e.g.
``canonical.yaml:12: sections[0].checks[3].points: -1 is less than or equal to the minimum of 0``.

``load_rubric("canonical")`` reads ``canonical.yaml`` from the ``rubrics`` package;
``load_rubric("path/to/file.yaml")`` reads that file.

Course rubrics (``cs231n_a1`` ...) mark sections and checks that exist only in some year variants
of their course with ``variants: [...]``; ``select_variant(rubric, "2016-2017")`` keeps what applies.
``merge_rubrics([a, b])`` grades two assignments' rubrics in one report (a package holding the
work of both): sections are prefixed with their rubric's name, a check already graded by an
earlier rubric is not repeated.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Collection, Iterator

import jsonschema
import yaml

RUBRIC_PACKAGE = "rubrics"
NAME_RE = re.compile(r"^[a-z0-9_]+$")

BUILTIN_DEFAULTS: dict[str, Any] = {
    "timeout": 20.0,
    "visibility": "visible",
    "partial_credit": {"rule": "all_or_nothing"},
}
BUILTIN_DATASETS: dict[str, Any] = {"default": "digits"}
DEFAULT_PROFILE = "canonical"
MAX_LISTED_ERRORS = 10


class RubricError(Exception):
    """An invalid or missing rubric. The message names the file, the YAML line and the key path."""


# -- the data -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RubricCheck:
    """One rubric entry, with the rubric's defaults filled in.

    ``points`` > 0; ``tolerance`` is ``None`` when the check's own default applies;
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


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    checks: list[RubricCheck]
    variants: tuple[str, ...] = ()   # empty: every year variant

    @property
    def max_points(self) -> float:
        return round(sum(c.points for c in self.checks), 4)


@dataclass(frozen=True)
class Rubric:
    """A validated rubric. ``path`` is the YAML file it came from (fixtures live beside it)."""

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


# -- YAML with line numbers ------------------------------------------------------------------
class _LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class _LineList(list):
    """A sequence that remembers its own line and the line of each item (1-based)."""

    line: int = 0
    item_lines: list


class _DuplicateKey(Exception):
    def __init__(self, key, line, first_line):
        super().__init__(key)
        self.key, self.line, self.first_line = key, line, first_line


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers and refuses duplicate keys."""

    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        mapping = _LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found an unhashable key", key_node.start_mark) from None
            line = key_node.start_mark.line + 1
            if key in mapping:
                raise _DuplicateKey(key, line, mapping.key_lines[key])
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping

    def construct_sequence(self, node, deep=False):
        seq = _LineList(self.construct_object(child, deep=deep) for child in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [child.start_mark.line + 1 for child in node.value]
        return seq


def _construct_map(loader, node):
    return loader.construct_mapping(node, deep=True)


def _construct_seq(loader, node):
    return loader.construct_sequence(node, deep=True)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
# YAML 1.1 (PyYAML) reads 1e-7 as a string; rubric authors mean a number, as in YAML 1.2.
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def _plain(value):
    """Line-tracking containers -> plain dicts and lists (for the Rubric objects)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _line_of(document, path) -> int:
    """The YAML line of the deepest element of ``path`` found in ``document`` (0 if none)."""
    line = getattr(document, "line", 0)
    node = document
    for key in path:
        if isinstance(node, _LineDict) and key in node:
            line = node.key_lines.get(key, line)
            node = node[key]
        elif isinstance(node, _LineList) and isinstance(key, int) and 0 <= key < len(node):
            line = node.item_lines[key]
            node = node[key]
        else:
            break
    return line


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


def _schema_problems(document) -> list[tuple[int, str]]:
    validator = jsonschema.Draft202012Validator(rubric_schema())
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
    return [(_line_of(document, path), f"{format_path(path)}: {message}") for path, message in unique]


def _semantic_problems(document, known_checks: Collection[str] | None) -> list[tuple[int, str]]:
    """What the schema cannot say; run only on a document that passed the schema."""
    problems = []
    seen_ids: dict[str, str] = {}
    seen_sections: dict[str, str] = {}
    ramps = []
    if "partial_credit" in document.get("defaults", {}):
        ramps.append((["defaults", "partial_credit"], document["defaults"]["partial_credit"]))
    for i, section in enumerate(document["sections"]):
        where = format_path(["sections", i, "name"])
        if section["name"] in seen_sections:
            problems.append((_line_of(document, ["sections", i, "name"]),
                             f"{where}: duplicate section name {section['name']!r} "
                             f"(first at {seen_sections[section['name']]})"))
        else:
            seen_sections[section["name"]] = where
        for j, check in enumerate(section["checks"]):
            path = ["sections", i, "checks", j, "id"]
            where = format_path(path)
            cid = check["id"]
            if cid in seen_ids:
                problems.append((_line_of(document, path),
                                 f"{where}: duplicate check id {cid!r} (first at {seen_ids[cid]})"))
            else:
                seen_ids[cid] = where
            if known_checks is not None and cid not in known_checks:
                problems.append((_line_of(document, path), f"{where}: unknown check {cid!r}"))
            if "partial_credit" in check:
                ramps.append((["sections", i, "checks", j, "partial_credit"], check["partial_credit"]))
    for path, rule in ramps:
        if rule.get("rule") == "linear_ramp" and not rule["high"] > rule["low"]:
            problems.append((_line_of(document, path + ["high"]),
                             f"{format_path(path + ['high'])}: linear_ramp needs high > low "
                             f"(low={rule['low']}, high={rule['high']})"))
    return problems


def _raise(source: str, problems: list[tuple[int, str]]) -> None:
    problems = sorted(problems, key=lambda p: p[0])
    lines = [f"{source}:{line}: {text}" if line else f"{source}: {text}" for line, text in problems]
    if len(lines) > MAX_LISTED_ERRORS:
        lines = lines[:MAX_LISTED_ERRORS] + [f"... and {len(lines) - MAX_LISTED_ERRORS} more problems"]
    raise RubricError("\n".join(lines))


# -- building ---------------------------------------------------------------------------------
def parse_rubric(text: str, source: str = "<rubric>", *, path: Path | None = None,
                 known_checks: Collection[str] | None = None) -> Rubric:
    """Validate YAML ``text`` and build the ``Rubric``. ``source`` names it in error messages."""
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except _DuplicateKey as exc:
        raise RubricError(f"{source}:{exc.line}: duplicate key {exc.key!r} "
                          f"(first on line {exc.first_line})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricError(f"{where}: not valid YAML: {problem}") from None
    except RecursionError:  # PyYAML composes recursively: deeply nested input exhausts the stack
        raise RubricError(f"{source}: not valid YAML: nested too deeply") from None
    if not isinstance(document, dict):
        raise RubricError(f"{source}: a rubric is a YAML mapping with 'name' and 'sections', "
                          f"got {type(document).__name__}")
    problems = _schema_problems(document)
    if problems:
        _raise(source, problems)
    problems = _semantic_problems(document, known_checks)
    if problems:
        _raise(source, problems)
    return _build(_plain(document), path)


def _build(doc: dict, path: Path | None) -> Rubric:
    defaults = {**BUILTIN_DEFAULTS, **doc.get("defaults", {})}
    defaults["timeout"] = float(defaults["timeout"])
    datasets = {**BUILTIN_DATASETS, **doc.get("datasets", {})}
    sections = []
    for s in doc["sections"]:
        checks = [RubricCheck(
            id=c["id"],
            points=float(c["points"]),
            tolerance=float(c["tolerance"]) if "tolerance" in c else None,
            visibility=c.get("visibility", defaults["visibility"]),
            timeout=float(c.get("timeout", defaults["timeout"])),
            partial_credit=dict(c.get("partial_credit", defaults["partial_credit"])),
            params=dict(c.get("params") or {}),
            variants=tuple(c.get("variants", ())),
        ) for c in s["checks"]]
        sections.append(Section(name=s["name"], title=s.get("title", s["name"]), checks=checks,
                                variants=tuple(s.get("variants", ()))))
    return Rubric(name=doc["name"], title=doc.get("title", doc["name"]),
                  profile=doc.get("profile", DEFAULT_PROFILE), defaults=defaults,
                  datasets=datasets, sections=sections, path=path)


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
            available = ", ".join(list_rubrics()) or "none"
            raise RubricError(f"no rubric named {text!r} (available: {available}); "
                              "give a name or a path to a .yaml file")
    path = Path(text)
    if not path.is_file():
        raise RubricError(f"{path}: no such rubric file")
    return path


def load_rubric(path_or_name: str | Path, *, known_checks: Collection[str] | None = None) -> Rubric:
    """Load, validate and build a rubric from a packaged name or a YAML path.

    ``known_checks`` (e.g. the keys of the check registry), when given, also rejects ids that
    name no registered check. Raises ``RubricError`` with ``file:line: key.path: problem``.
    """
    path = resolve_rubric(path_or_name)
    packaged = not isinstance(path_or_name, Path) and NAME_RE.match(str(path_or_name))
    source = path.name if packaged else str(path_or_name)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{source}: cannot read: {exc}") from None
    return parse_rubric(text, source=source, path=path, known_checks=known_checks)


# -- course profiles ---------------------------------------------------------------------------
def select_variant(rubric: Rubric, variant: str | None) -> Rubric:
    """The rubric without the sections and checks whose ``variants`` exclude ``variant``.

    ``variant=None`` keeps everything; a section left without checks is dropped.
    """
    if variant is None:
        return rubric
    sections = []
    for section in rubric.sections:
        if section.variants and variant not in section.variants:
            continue
        checks = [c for c in section.checks if not c.variants or variant in c.variants]
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
