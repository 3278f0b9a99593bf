"""Open a course pack and check it against its manifest (docs/deployment.md "Course packs").

Layout of a pack (a folder, or a ``.zip`` of that folder's contents)::

    pack.json                 the manifest: format, name, kind (student | instructor), the grader
                              version it was built with, its rubrics, and the sha256 of every file
    rubrics/<name>.yaml       each rubric, expanded (no include/extends/overrides)
    rubrics/full-hints.yaml        full hints, only for checks whose hint level is ``full``
    rubrics/fixtures/         the fixture store of those rubrics (``<builder>.npz``, manifest.json)
    code/reference/           instructor pack: the reference solution; student pack: the starter
                              stubs and the course's data files (``STUBS = True``)
    code/course_helpers/      the course helper files the grader supplies (the Solver); in a
                              student pack without their course exercises
    code/hidden_checks/       instructor pack only: the checks the rubrics hide

``activate(pack)`` puts ``code/`` first on the grader's import path, so ``import reference`` (the
embedded datasets, and the measurements of ``grader.trusted``) resolves to the pack's copy, and
``course_helpers`` and ``hidden_checks`` (``grader.checks.load_catalogue``) to the pack's.
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = "pack.json"
FORMAT = 1
KINDS = ("student", "instructor")
MAX_MEMBERS = 10_000
MAX_UNPACKED = 512 * 1024 * 1024


class PackError(Exception):
    """A pack that cannot be used: ``str(error)`` says why in one line."""


@dataclass(frozen=True)
class Pack:
    root: Path
    manifest: dict

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    @property
    def public(self) -> bool:
        return self.kind == "student"

    @property
    def rubrics(self) -> list[str]:
        return list(self.manifest["rubrics"])

    @property
    def code(self) -> Path:
        return self.root / "code"

    def rubric_path(self, name: str | None = None) -> Path:
        """The pack's rubric ``name``, or its only rubric."""
        if name is None:
            if len(self.rubrics) != 1:
                raise PackError(f"pack {self.name} holds the rubrics {', '.join(self.rubrics)}: "
                                "choose one with --rubric")
            name = self.rubrics[0]
        if name not in self.rubrics:
            raise PackError(f"pack {self.name} has no rubric {name!r} (it holds: "
                            f"{', '.join(self.rubrics)})")
        return self.root / "rubrics" / f"{name}.yaml"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_EXTRACTED: dict[tuple, Path] = {}   # (zip path, size, mtime) -> its folder, for this process


def _extract(archive: Path) -> Path:
    """Unpack a pack zip into a private folder removed at exit (no absolute or ``..`` names);
    once per process (``grade class`` grades every student with the same pack)."""
    stat = archive.stat()
    key = (str(archive.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _EXTRACTED and _EXTRACTED[key].is_dir():
        return _EXTRACTED[key]
    _EXTRACTED[key] = _unpack(archive)
    return _EXTRACTED[key]


def _unpack(archive: Path) -> Path:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackError(f"{archive}: not a pack zip ({exc})") from None
    with zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED:
            raise PackError(f"{archive}: too large for a course pack")
        target = Path(tempfile.mkdtemp(prefix="grade-pack-"))
        atexit.register(shutil.rmtree, target, ignore_errors=True)
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts:
                raise PackError(f"{archive}: unsafe member name {member.filename!r}")
            if member.is_dir():
                continue
            dest = target.joinpath(*name.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(zf.read(member))
    return target


def open_pack(path: str | Path, *, sha256: str | None = None) -> Pack:
    """The pack at ``path`` (folder or zip), every file checked against the manifest;
    ``sha256``: the zip's own expected digest (as the student workflow pins it)."""
    path = Path(path)
    if not path.exists():
        raise PackError(f"{path}: no such pack")
    if sha256 is not None and (path.is_dir() or sha256_file(path) != sha256.lower()):
        raise PackError(f"{path}: sha256 differs from the pinned {sha256}")
    root = path if path.is_dir() else _extract(path)
    manifest_path = root / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackError(f"{path}: not a course pack (no readable {MANIFEST}: {exc})") from None
    if manifest.get("format") != FORMAT or manifest.get("kind") not in KINDS:
        raise PackError(f"{path}: {MANIFEST} is not a format-{FORMAT} pack manifest")
    files = manifest.get("files") or {}
    for rel, digest in files.items():
        member = root / rel
        if not member.is_file():
            raise PackError(f"{path}: {rel} is missing")
        if sha256_file(member) != digest:
            raise PackError(f"{path}: {rel} differs from the manifest (edited after the build?)")
    listed = set(files) | {MANIFEST}
    extra = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts
                   and p.relative_to(root).as_posix() not in listed)
    if extra:
        raise PackError(f"{path}: {extra[0]} is not in the manifest")
    return Pack(root=root.resolve(), manifest=manifest)


@contextlib.contextmanager
def activated(pack: Pack):
    """``activate(pack)`` for the duration of a ``with`` block: the import path and the
    ``reference`` modules are put back afterwards."""
    path = list(sys.path)
    saved = {n: m for n, m in sys.modules.items() if n == "reference" or n.startswith("reference.")}
    try:
        activate(pack)
        yield pack
    finally:
        sys.path[:] = path
        for name in [n for n in sys.modules if n == "reference" or n.startswith("reference.")]:
            del sys.modules[name]
        sys.modules.update(saved)


def activate(pack: Pack) -> None:
    """Make the pack's ``code/`` the grader's ``reference`` (first on the import path)."""
    code = str(pack.code)
    loaded = sys.modules.get("reference")
    if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(code):
        for name in [n for n in sys.modules if n == "reference" or n.startswith("reference.")]:
            del sys.modules[name]
    if code not in sys.path:
        sys.path.insert(0, code)


__all__ = ["FORMAT", "KINDS", "MANIFEST", "Pack", "PackError", "activate", "activated", "open_pack",
           "sha256_file"]
