"""Write a course pack (``grade pack build RUBRIC... [--public] -o DIR|FILE.zip``).

An *instructor pack* holds the rubrics as the course wrote them (expanded), every fixture their
checks read, the full hints and the reference solution. A *student pack* (``public=True``) holds
what a student may see: only the checks marked ``visible``; fixtures only for those checks (an
array that only hidden checks read, and the known-mistake outputs stored beside it, is left out;
which arrays a check reads is recorded by running the rubric's checks on the reference); hints at
the level the rubric gives each check (full texts only for ``full``); and, instead of the
reference, the starter stubs with the course's data files. Both carry the course helpers
(``course_helpers/``: a student pack's with their course exercises left out); only an instructor
pack carries the instructor-side checks (``hidden_checks/``). docs/deployment.md explains the choice.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from .. import __version__
from .. import fixtures as fixture_store
from .. import hints as hint_levels
from ..plan import PlannedCheck, intake, validate_rubric_checks
from ..rubric import Rubric, load_rubric
from ..checks import INSTRUCTOR_CHECKS
from ..profiles.supply import COURSE_HELPERS
from ..template import render_module, render_tree
from .load import FORMAT, MANIFEST, PackError

_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BuiltPack:
    path: Path
    kind: str
    files: int
    size_bytes: int
    left_out: list[str]   # what a student pack left out, one line each


# -- rubrics ---------------------------------------------------------------------------------
def rubric_document(rubric: Rubric) -> dict:
    """A rubric as one self-contained YAML document (every setting explicit)."""
    defaults = {k: rubric.defaults[k] for k in ("timeout", "visibility", "partial_credit")}
    sections = []
    for section in rubric.sections:
        checks = []
        for c in section.checks:
            entry = {"id": c.id, "points": c.points, "visibility": c.visibility, "timeout": c.timeout,
                     "partial_credit": c.partial_credit, "hints": c.hints}
            if c.tolerance is not None:
                entry["tolerance"] = c.tolerance
            if c.params:
                entry["params"] = c.params
            if c.variants:
                entry["variants"] = list(c.variants)
            if c.role != "required":   # extra / optional (docs/rubrics.md): the flag, its points
                entry[c.role] = list(c.role_variants) if c.role_variants else True
                if c.points:
                    entry[f"{c.role}_points"] = c.points
                if c.required_points is not None:
                    entry["points"] = c.required_points
                else:
                    del entry["points"]
            checks.append(entry)
        item = {"name": section.name, "title": section.title, "checks": checks}
        if section.variants:
            item["variants"] = list(section.variants)
        sections.append(item)
    return {"name": rubric.name, "title": rubric.title, "profile": rubric.profile,
            "defaults": defaults, "datasets": dict(rubric.datasets), "sections": sections}


def public_rubric(rubric: Rubric) -> Rubric:
    """The rubric with only its ``visible`` checks (sections left empty dropped)."""
    sections = []
    for section in rubric.sections:
        checks = [c for c in section.checks if c.visibility == "visible"]
        if checks:
            sections.append(replace(section, checks=checks))
    return replace(rubric, sections=sections)


# -- which fixture arrays each check reads -----------------------------------------------------
class _Recorder(Mapping):
    """``{builder: arrays}`` that records every ``(builder, key)`` a check reads."""

    def __init__(self, fixtures: Mapping, read: set):
        self._fixtures, self._read = fixtures, read

    def __getitem__(self, builder):
        return _Arrays(builder, self._fixtures[builder], self._read)

    def __iter__(self):
        return iter(self._fixtures)

    def __len__(self):
        return len(self._fixtures)


class _Arrays(Mapping):
    def __init__(self, builder: str, arrays: Mapping, read: set):
        self._builder, self._arrays, self._read = builder, arrays, read

    def __getitem__(self, key):
        value = self._arrays[key]
        self._read.add((self._builder, key))
        return value

    def __contains__(self, key):
        self._read.add((self._builder, key))
        return key in self._arrays

    def __iter__(self):
        return iter(self._arrays)

    def __len__(self):
        return len(self._arrays)


def fixture_reads(rubric: Rubric, checks: list[tuple[str, object]], fixtures: Mapping) -> dict[str, set]:
    """``check id -> {(builder, key)}`` each check reads when it grades the reference."""
    from ..datasets import Datasets
    from ..sandbox import Limits, Worker
    from ..session import HangGuard, Session

    reads: dict[str, set] = {}
    with tempfile.TemporaryDirectory(prefix="grade-pack-") as scratch:
        scratch = Path(scratch)
        selection, problem = intake(fixture_store.reference_dir(), scratch, [], forced="canonical")
        if problem is not None:
            raise PackError(f"cannot grade the reference to see which fixtures checks read: {problem}")
        work = scratch / "work"
        work.mkdir()
        with Worker(selection.root, selection.layout, Limits(), scratch_dir=work) as worker:
            for section, rc in checks:
                read: set = set()
                session = Session(worker=HangGuard(worker), fixtures=_Recorder(fixtures, read),
                                  datasets=Datasets(None), selection=selection, root=selection.root)
                session.run_check(PlannedCheck(section, rc))
                reads[rc.id] = read
    return reads


def hidden_only(full: Rubric, kept: Rubric, fixtures: Mapping) -> set[tuple[str, str]]:
    """The arrays only the left-out checks read (with the known-mistake outputs stored beside
    them, ``<key>.<mistake>``), in builders the kept checks also use."""
    kept_ids = {rc.id for _, rc in kept.iter_checks()}
    kept_builders = set(fixture_store.builders_for(kept))
    dropped = [(s.name, rc) for s, rc in full.iter_checks() if rc.id not in kept_ids]
    if not dropped:
        return set()
    sub = replace(full, sections=[replace(s, checks=[rc]) for s, rc in full.iter_checks()])
    shared = {}
    for section in sub.sections:
        one = replace(full, sections=[section])
        mine = set(fixture_store.builders_for(one)) & kept_builders
        if mine:
            shared[section.checks[0].id] = (section.name, section.checks[0])
    if not shared:
        return set()
    reads = fixture_reads(full, list(shared.values()), fixtures)
    visible = set().union(*(r for cid, r in reads.items() if cid in kept_ids))
    hidden = set().union(*(r for cid, r in reads.items() if cid not in kept_ids)) - visible
    drop = set(hidden)
    for builder, key in hidden:
        for other in fixtures.get(builder, {}):
            if other.startswith(key + ".") and (builder, other) not in visible:
                drop.add((builder, other))
    return drop


# -- writing ----------------------------------------------------------------------------------
def _npz(arrays: dict) -> bytes:
    return fixture_store.npz_bytes(arrays)


def _fixture_files(rubrics: list[Rubric], fixtures: dict, drop: set) -> dict[str, bytes]:
    builders = sorted({b for r in rubrics for b in fixture_store.builders_for(r)})
    files, entries = {}, {}
    for builder in builders:
        if builder not in fixtures:
            raise PackError(f"fixture {builder} is missing: run `grade fixtures regenerate`")
        arrays = {k: v for k, v in fixtures[builder].items() if (builder, k) not in drop}
        data = _npz(arrays)
        files[f"rubrics/fixtures/{builder}.npz"] = data
        entries[builder] = {"npz_sha256": hashlib.sha256(data).hexdigest(),
                            "arrays": {k: hashlib.sha256(np.asarray(arrays[k], order="C").tobytes()).hexdigest()
                                       for k in sorted(arrays)}}
    files["rubrics/fixtures/manifest.json"] = (json.dumps({"builders": entries}, indent=2, sort_keys=True)
                                               + "\n").encode()
    return files


#: The statement that stands for a course exercise in a student pack's course helpers.
LEFT_OUT = "pass  # a course exercise, left out of student packs (docs/deployment.md)"


def package_files(name: str) -> dict[str, bytes]:
    """``{relative path: bytes}`` of the importable package ``name``'s ``.py`` files (none when
    it is not importable here)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    files = {}
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(folder).rglob("*.py")):
            rel = path.relative_to(folder)
            if "__pycache__" not in rel.parts:
                files[rel.as_posix()] = path.read_bytes()
    return files


def _code_files(public: bool) -> dict[str, bytes]:
    """``code/``: the reference (or its stubs), the course helpers and, in an instructor pack, the
    instructor-side checks."""
    files = {}
    for rel, data in package_files(COURSE_HELPERS).items():
        if public:
            data = render_module(data.decode("utf-8"), f"{COURSE_HELPERS}/{rel}", LEFT_OUT).encode("utf-8")
        files[f"code/{COURSE_HELPERS}/{rel}"] = data
    if not public:
        files.update({f"code/{INSTRUCTOR_CHECKS}/{rel}": data
                      for rel, data in package_files(INSTRUCTOR_CHECKS).items()})
    return files | _reference_files(public)


def _reference_files(public: bool) -> dict[str, bytes]:
    source = fixture_store.reference_dir()
    if public:
        tree = render_tree(source)
        files = {f"code/reference/{rel}": data for rel, data in tree.items() if (source / rel).is_file()}
        init = "code/reference/__init__.py"
        files[init] = files.get(init, b"") + (b"\n# A student pack: starter stubs, no solution "
                                               b"(grader.trusted).\nSTUBS = True\n")
        return files
    files = {}
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
            files[f"code/reference/{rel.as_posix()}"] = path.read_bytes()
    return files


def build_pack(rubric_names: list[str], output: Path, *, public: bool = False,
               name: str | None = None) -> BuiltPack:
    """Write the pack of ``rubric_names`` to ``output`` (a folder, or a ``.zip`` file)."""
    if not rubric_names:
        raise PackError("name at least one rubric (see `grade rubrics`)")
    full = []
    for rubric_name in rubric_names:
        rubric = load_rubric(rubric_name)
        validate_rubric_checks(rubric)
        full.append(rubric)
    files: dict[str, bytes] = {}
    left_out: list[str] = []
    kept_all, fixtures, drop = [], {}, set()
    for rubric in full:
        mine = fixture_store.load(rubric)
        kept = public_rubric(rubric) if public else rubric
        if public:
            gone = [rc.id for _, rc in rubric.iter_checks() if rc.visibility != "visible"]
            if gone:
                left_out.append(f"{rubric.name}: {len(gone)} checks that are not visible")
            drop |= hidden_only(rubric, kept, mine)
        if not kept.sections:
            raise PackError(f"{rubric.name}: no visible check to put in a student pack")
        fixtures.update(mine)
        kept_all.append(kept)
        files[f"rubrics/{rubric.name}.yaml"] = yaml.safe_dump(rubric_document(kept), sort_keys=False,
                                                              allow_unicode=True).encode()
    if drop:
        left_out.append(f"{len(drop)} fixture arrays that only those checks read")
    full_hints: dict[str, str] = {}
    for rubric in kept_all:
        full_hints.update(hint_levels.load(rubric) if public else
                          {cid: text for cid, text in hint_levels.read(hint_levels.hints_path(rubric)).items()
                           if cid in {rc.id for _, rc in rubric.iter_checks()}})
    if full_hints:
        files[f"rubrics/{hint_levels.HINTS_FILE}"] = yaml.safe_dump(dict(sorted(full_hints.items())),
                                                                    allow_unicode=True, width=100).encode()
    files.update(_fixture_files(kept_all, fixtures, drop))
    files.update(_code_files(public))
    if public:
        left_out.append("the reference solution (the starter stubs instead)")
    manifest = {"format": FORMAT, "name": name or "+".join(r.name for r in full),
                "kind": "student" if public else "instructor", "grader_version": __version__,
                "rubrics": [r.name for r in full],
                "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())}}
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode()
    output = Path(output)
    if output.suffix == ".zip":
        _write_zip(files, output)
    else:
        _write_folder(files, output)
    size = output.stat().st_size if output.is_file() else sum(len(d) for d in files.values())
    return BuiltPack(path=output, kind=manifest["kind"], files=len(files), size_bytes=size,
                     left_out=left_out)


def _write_zip(files: dict[str, bytes], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[rel])
    output.write_bytes(buffer.getvalue())


def _write_folder(files: dict[str, bytes], output: Path) -> None:
    if output.exists():
        if not (output / MANIFEST).is_file() and any(output.iterdir()):
            raise PackError(f"{output} exists and is not a pack: give a new folder or a .zip name")
        shutil.rmtree(output)
    for rel, data in files.items():
        dest = output / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)


__all__ = ["BuiltPack", "build_pack", "fixture_reads", "hidden_only", "public_rubric", "rubric_document"]
