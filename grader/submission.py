"""Submission intake: turn what a student handed in into a scratch copy the grader can import.

A submission is untrusted. Four kinds of input are accepted, and each one becomes a fresh copy
inside a scratch folder that the grader owns:

* a folder: regular files and folders are copied. Symlinks are never followed; they are skipped
  and reported. Housekeeping entries (``.git``, ``__pycache__``, ``.ipynb_checkpoints``,
  ``__MACOSX``, ``*.pyc``) are left out. Files over the per-file cap are skipped with a note;
* a git checkout (a folder holding ``.git``): copied as a folder, and the short commit sha is
  recorded. No hook runs;
* a ``.zip`` archive, extracted safely. Absolute paths, ``..`` components and drive letters are
  refused. Symlink entries are skipped and reported. The caps on entry count, sizes and
  compression ratio are checked from the central directory before anything is extracted, and
  checked again on the bytes actually written;
* a single ``.ipynb`` notebook, copied alone.

Nothing is ever written outside the scratch folder. If the intake fails, the scratch folder is
emptied again. Every refusal is a :class:`SubmissionError`, and its message can go into a report
as it is.

Sizes are in bytes; ``MiB`` is 1024 * 1024 bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MiB = 1024 * 1024

# Entries never copied, at any depth, whatever their type. They are expected and not reported.
SKIP_NAMES = frozenset({".git", "__pycache__", ".ipynb_checkpoints", "__MACOSX"})
# Compiled files never copied (the grader imports the sources).
SKIP_SUFFIXES = (".pyc", ".pyo")
# Zip entries smaller than this are not checked for compression ratio: they cannot expand into
# anything large, and small text files of repeated characters legitimately compress very well.
RATIO_MIN_BYTES = 1 * MiB

_CHUNK = 64 * 1024
_GIT_TIMEOUT_S = 10
_UTF8_FLAG = 0x800  # zip general-purpose flag bit 11: the name is UTF-8
_ENCRYPTED_FLAG = 0x1
_DRIVE = re.compile(r"^[A-Za-z]:")
_SHORT_SHA = re.compile(r"[0-9a-f]{4,64}")


class SubmissionError(Exception):
    """A submission that cannot be taken in. ``str(error)`` is one line, fit for a report."""


@dataclass(frozen=True)
class IntakeLimits:
    """Caps applied to every submission.

    max_files:       most entries (files and folders) copied or extracted.
    max_total_bytes: most bytes copied or extracted in all (default 200 MiB).
    max_file_bytes:  largest single file. Larger files are skipped with a note (default 50 MiB).
    max_ratio:       largest uncompressed/compressed size ratio of one zip entry of at least
                     RATIO_MIN_BYTES. A larger ratio is treated as a zip bomb.
    """

    max_files: int = 5000
    max_total_bytes: int = 200 * MiB
    max_file_bytes: int = 50 * MiB
    max_ratio: float = 200.0


@dataclass
class Submission:
    """A submission copied into scratch.

    root:   the folder to grade, inside scratch.
    source: what was given: "folder", "zip", "notebook", "git checkout at <short sha>" or
            "git checkout (commit unknown)".
    notes:  human-readable warnings for the report (skipped files, a missing commit sha, ...).
    """

    root: Path
    source: str
    notes: list[str] = field(default_factory=list)


def prepare_submission(path: Path, scratch: Path, limits: IntakeLimits = IntakeLimits()) -> Submission:
    """Copy the submission at ``path`` (folder, git checkout, .zip or .ipynb) into ``scratch``.

    ``scratch`` is created if it is missing and must be empty if it exists. It must not lie
    inside the submission, and the submission must not lie inside it. On failure, scratch is
    emptied again and a SubmissionError is raised.
    """
    path, scratch = Path(path), Path(scratch)
    if not path.exists():
        raise SubmissionError(f"submission not found: {_show(path)}")
    if not (path.is_dir() or path.is_file()):
        raise SubmissionError(f"submission {_show(path)} is neither a regular file nor a folder")
    if path.is_file() and path.suffix.lower() not in (".zip", ".ipynb"):
        raise SubmissionError(
            f"cannot take {_show(path.name)}: a submission is a folder, a .zip archive or an .ipynb notebook"
        )
    _prepare_scratch(path, scratch)
    try:
        if path.is_dir():
            return _take_folder(path, scratch, limits)
        if path.suffix.lower() == ".zip":
            return _take_zip(path, scratch, limits)
        return _take_notebook(path, scratch, limits)
    except SubmissionError:
        _empty(scratch)
        raise
    except OSError as exc:
        _empty(scratch)
        where = f" ({_show(Path(exc.filename).name)})" if exc.filename else ""
        raise SubmissionError(f"could not copy the submission{where}: {exc.strerror or exc}") from exc


def find_package_root(
    root: Path,
    markers: tuple[str, ...] = ("layers.py",),
    dir_markers: tuple[str, ...] = ("classifiers",),
    max_depth: int = 4,
) -> Path:
    """Return the shallowest folder under ``root`` that directly holds the student modules.

    A folder qualifies when it holds one of the ``markers`` files or ``dir_markers`` folders
    (layers.py or classifiers/). The search is breadth-first and returns ``root`` itself when
    root qualifies. Folders are searched down to ``max_depth`` levels below root. Hidden folders,
    housekeeping folders (SKIP_NAMES) and symlinks are ignored.
    SubmissionError: nothing qualifies (the message lists the Python files found), or two folders
    qualify at the same depth (the message lists them).
    """
    root = Path(root)
    if not root.is_dir():
        raise SubmissionError(f"cannot search for the student modules: {_show(root)} is not a folder")
    level, py_files = [root], []
    for _depth in range(max_depth + 1):
        hits = [d for d in level if _qualifies(d, markers, dir_markers)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            found = ", ".join(_show(h.relative_to(root).as_posix() + "/") for h in hits)
            raise SubmissionError(f"the student modules appear in several folders ({found}); keep only one copy")
        next_level = []
        for folder in level:
            for entry in sorted(folder.iterdir()):
                if entry.is_symlink():
                    continue
                if entry.is_dir() and not (entry.name.startswith(".") or entry.name in SKIP_NAMES):
                    next_level.append(entry)
                elif entry.suffix == ".py" and entry.is_file():
                    py_files.append(entry.relative_to(root).as_posix())
        level = next_level
    wanted = " or ".join([*markers, *(d + "/" for d in dir_markers)])
    if py_files:
        shown = ", ".join(_show(p) for p in py_files[:10])
        more = f" and {len(py_files) - 10} more" if len(py_files) > 10 else ""
        found = f"Python files found: {shown}{more}"
    else:
        top = sorted(e.name + ("/" if e.is_dir() else "") for e in root.iterdir())
        found = "found: " + ", ".join(_show(n) for n in top[:10]) if top else "the submission is empty"
    raise SubmissionError(f"no folder within {max_depth} levels of the submission holds {wanted}; {found}")


def _qualifies(folder: Path, markers: tuple[str, ...], dir_markers: tuple[str, ...]) -> bool:
    """True when ``folder`` directly holds a marker file or a marker folder (symlinks do not count)."""
    files = [folder / m for m in markers]
    dirs = [folder / d for d in dir_markers]
    return (any(p.is_file() and not p.is_symlink() for p in files)
            or any(p.is_dir() and not p.is_symlink() for p in dirs))


# --------------------------------------------------------------------------- scratch folder


def _prepare_scratch(path: Path, scratch: Path) -> None:
    """Check that scratch can receive the copy and create it."""
    if scratch.is_symlink() or (scratch.exists() and not scratch.is_dir()):
        raise SubmissionError(f"scratch {_show(scratch)} is not a folder")
    if scratch.exists() and any(scratch.iterdir()):
        raise SubmissionError(f"scratch folder {_show(scratch)} is not empty")
    source, target = path.resolve(), scratch.resolve()
    if path.is_dir() and target.is_relative_to(source):
        raise SubmissionError("the scratch folder must not lie inside the submission")
    if source.is_relative_to(target):
        raise SubmissionError("the submission must not lie inside the scratch folder")
    scratch.mkdir(parents=True, exist_ok=True)


def _empty(scratch: Path) -> None:
    """Remove everything the intake wrote (scratch was empty before)."""
    try:
        for child in scratch.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    except OSError:
        pass


# --------------------------------------------------------------------------- folders and git


def _take_folder(folder: Path, scratch: Path, limits: IntakeLimits) -> Submission:
    notes: list[str] = []
    files, dirs = _plan_folder(folder, limits, notes)
    if not files:
        skipped = f" ({'; '.join(notes[:3])})" if notes else ""
        raise SubmissionError(f"the submitted folder holds no files to grade{skipped}")
    for rel in dirs:
        (scratch / rel).mkdir()
    total = 0
    for rel in files:
        limit = min(limits.max_file_bytes, limits.max_total_bytes - total)
        total += _copy_file(folder / rel, scratch / rel, limit, what=_show(rel))
    source = "folder"
    if os.path.lexists(folder / ".git"):
        source = _git_source(folder, notes)
    return Submission(root=scratch, source=source, notes=notes)


def _plan_folder(folder: Path, limits: IntakeLimits, notes: list[str]) -> tuple[list[PurePosixPath], list[PurePosixPath]]:
    """Walk ``folder`` without following symlinks. Return (files, dirs) as relative paths, parents first."""
    files: list[PurePosixPath] = []
    dirs: list[PurePosixPath] = []
    total = 0
    stack = [PurePosixPath()]
    while stack:
        rel = stack.pop()
        with os.scandir(folder / rel) as it:
            entries = sorted(it, key=lambda e: e.name)
        subdirs = []
        for entry in entries:
            if entry.name in SKIP_NAMES:
                continue
            child = rel / entry.name
            _require_utf8(entry.name, child)
            if entry.is_symlink():
                target = os.readlink(entry.path)
                notes.append(f"skipped symlink {_show(child)} -> {_show(target)} (symlinks are not followed)")
            elif entry.is_dir(follow_symlinks=False):
                dirs.append(child)
                subdirs.append(child)
            elif entry.is_file(follow_symlinks=False):
                if entry.name.endswith(SKIP_SUFFIXES):
                    continue
                size = entry.stat(follow_symlinks=False).st_size
                if size > limits.max_file_bytes:
                    notes.append(_too_big_note(child, size, limits))
                    continue
                files.append(child)
                total += size
            else:
                notes.append(f"skipped {_show(child)}: not a regular file")
            if len(files) + len(dirs) > limits.max_files:
                raise SubmissionError(f"the submission holds more than {limits.max_files} files and folders")
            if total > limits.max_total_bytes:
                raise SubmissionError(f"the submission holds more than {_mib(limits.max_total_bytes)} of files")
        stack.extend(reversed(subdirs))
    return files, dirs


def _git_source(folder: Path, notes: list[str]) -> str:
    sha, problem = _git_short_sha(folder)
    if sha:
        return f"git checkout at {sha}"
    notes.append(f"git checkout: the commit could not be recorded ({problem})")
    return "git checkout (commit unknown)"


def _git_short_sha(folder: Path) -> tuple[str | None, str | None]:
    """Return (short sha of HEAD, None) or (None, why not).

    Only ``git rev-parse`` runs. It reads refs and runs no hooks. The command line also turns
    off hooks and fsmonitor, and the environment is cleaned, so the untrusted repository cannot
    make git run a program or walk up to an enclosing repository.
    """
    git = shutil.which("git")
    if git is None:
        return None, "git is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_CEILING_DIRECTORIES=str(folder.resolve().parent),
    )
    cmd = [git, "-c", f"core.hooksPath={os.devnull}", "-c", "core.fsmonitor=false",
           "-C", str(folder), "rev-parse", "--short", "HEAD"]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", env=env, timeout=_GIT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"git failed: {_show(exc)}"
    sha = proc.stdout.strip()
    if proc.returncode != 0 or not _SHORT_SHA.fullmatch(sha):
        lines = proc.stderr.strip().splitlines()
        return None, _show(lines[0] if lines else f"git exited with status {proc.returncode}")
    return sha, None


# --------------------------------------------------------------------------- notebooks


def _take_notebook(notebook: Path, scratch: Path, limits: IntakeLimits) -> Submission:
    _require_utf8(notebook.name, notebook.name)
    size = notebook.stat().st_size
    if size > limits.max_file_bytes:
        raise SubmissionError(f"the notebook is {_mib(size)}, over the {_mib(limits.max_file_bytes)} per-file limit")
    _copy_file(notebook.resolve(), scratch / notebook.name, limits.max_file_bytes, what=_show(notebook.name))
    return Submission(root=scratch, source="notebook")


# --------------------------------------------------------------------------- zip archives


@dataclass(frozen=True)
class _ZipEntry:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # safe relative path components
    is_dir: bool


def _take_zip(archive: Path, scratch: Path, limits: IntakeLimits) -> Submission:
    notes: list[str] = []
    label = _show(archive.name)
    if archive.stat().st_size > limits.max_total_bytes:
        raise SubmissionError(f"{label} is {_mib(archive.stat().st_size)}, over the {_mib(limits.max_total_bytes)} limit")
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = _plan_zip(zf, limits, notes)
            _extract_zip(zf, entries, scratch, limits)
    except SubmissionError:
        raise
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{label} has a file name that is not valid UTF-8; rename the file and zip again") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OverflowError,
            NotImplementedError, RuntimeError) as exc:
        raise SubmissionError(f"{label} is not a readable zip archive (corrupt, truncated or not a zip): {_show(exc)}") from exc
    children = list(scratch.iterdir())
    root = children[0] if len(children) == 1 and children[0].is_dir() else scratch
    return Submission(root=root, source="zip", notes=notes)


def _plan_zip(zf: zipfile.ZipFile, limits: IntakeLimits, notes: list[str]) -> list[_ZipEntry]:
    """Check every entry of the central directory before anything is extracted."""
    infos = zf.infolist()
    if len(infos) > limits.max_files:
        raise SubmissionError(f"the zip holds {len(infos)} entries, over the limit of {limits.max_files}")
    entries: list[_ZipEntry] = []
    total = 0
    for info in infos:
        parts = _safe_parts(info)
        if not parts or any(p in SKIP_NAMES for p in parts):
            continue
        shown = _show("/".join(parts))
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            notes.append(f"skipped symlink {shown} (symlinks in a zip are not extracted)")
            continue
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            notes.append(f"skipped {shown}: not a regular file")
            continue
        if info.is_dir() or kind == stat.S_IFDIR:
            entries.append(_ZipEntry(info, parts, is_dir=True))
            continue
        if parts[-1].endswith(SKIP_SUFFIXES):
            continue
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise SubmissionError(f"{shown} is encrypted; submit a zip without a password")
        if info.file_size > limits.max_file_bytes:
            notes.append(_too_big_note(shown, info.file_size, limits))
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > limits.max_ratio:
            raise SubmissionError(
                f"{shown} would expand {ratio:.0f} times (limit {limits.max_ratio:g}); "
                "refusing what looks like a zip bomb"
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise SubmissionError(f"the zip expands to more than {_mib(limits.max_total_bytes)}")
        entries.append(_ZipEntry(info, parts, is_dir=False))
    _check_conflicts(entries)
    if not any(not e.is_dir for e in entries):
        skipped = f" ({'; '.join(notes[:3])})" if notes else ""
        raise SubmissionError(f"the zip holds no files to grade{skipped}")
    return entries


def _safe_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    """Return the entry's path components, or raise on a name that could escape scratch."""
    name = info.orig_filename
    if not info.flag_bits & _UTF8_FLAG:
        # zipfile decoded the raw bytes as cp437 (a lossless round trip). Many tools write UTF-8
        # without setting the flag, so the raw bytes are read as UTF-8.
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            raise SubmissionError(
                f"zip entry {_show(name)} has a name that is not valid UTF-8; rename the file and zip again"
            ) from None
    name = name.replace("\\", "/")
    if "\x00" in name:
        raise SubmissionError(f"zip entry {_show(name)} has a NUL character in its name")
    if name.startswith("/") or _DRIVE.match(name):
        raise SubmissionError(f"zip entry {_show(name)} has an absolute path; refusing to extract")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise SubmissionError(f"zip entry {_show(name)} points outside the archive ('..'); refusing to extract")
    return parts


def _check_conflicts(entries: list[_ZipEntry]) -> None:
    """Refuse duplicate files and paths that are both a file and a folder."""
    files: set[tuple[str, ...]] = set()
    dirs: set[tuple[str, ...]] = set()
    for e in entries:
        if e.is_dir:
            dirs.add(e.parts)
        elif e.parts in files:
            raise SubmissionError(f"the zip holds '{_show('/'.join(e.parts))}' twice")
        else:
            files.add(e.parts)
        dirs.update(e.parts[:i] for i in range(1, len(e.parts)))
    clash = files & dirs
    if clash:
        raise SubmissionError(f"the zip holds '{_show('/'.join(min(clash)))}' both as a file and as a folder")


def _extract_zip(zf: zipfile.ZipFile, entries: list[_ZipEntry], scratch: Path, limits: IntakeLimits) -> None:
    """Extract the checked entries. Caps are enforced again on the bytes actually written."""
    base = os.path.normpath(scratch)
    total = 0
    for e in entries:
        target = Path(base, *e.parts)
        if os.path.commonpath([base, os.path.normpath(target)]) != base:  # defence in depth
            raise SubmissionError(f"zip entry {_show('/'.join(e.parts))} points outside the archive")
        if e.is_dir:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        limit = min(e.info.file_size, limits.max_file_bytes, limits.max_total_bytes - total)
        with zf.open(e.info) as stream:
            total += _stream(stream, target, limit, what=_show("/".join(e.parts)),
                             why="is larger than the zip's directory says (corrupt or crafted zip)")


# --------------------------------------------------------------------------- copying bytes


def _copy_file(src: Path, dst: Path, limit: int, what: str) -> int:
    """Copy one regular file without following a symlink at ``src``. Return the bytes written."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(src, flags)
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise SubmissionError(f"{what} changed while it was being copied")
        return _stream(stream, dst, limit, what=what, why="grew past the size limit while it was being copied")


def _stream(stream, dst: Path, limit: int, what: str, why: str) -> int:
    """Copy ``stream`` to a new file ``dst``, counting bytes. Stop with SubmissionError past ``limit``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    written = 0
    with os.fdopen(os.open(dst, flags, 0o644), "wb") as out:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise SubmissionError(f"{what} {why}; stopped after {limit} bytes")
            out.write(chunk)
    return written


# --------------------------------------------------------------------------- messages


def _require_utf8(name: str, shown: object) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise SubmissionError(f"file name {_show(shown)} is not valid UTF-8; rename it and submit again") from None


def _too_big_note(rel: object, size: int, limits: IntakeLimits) -> str:
    return f"skipped {_show(rel)}: {_mib(size)} is over the {_mib(limits.max_file_bytes)} per-file limit"


def _mib(n: int) -> str:
    """A size for a message: bytes below 1 MiB, MiB above."""
    return f"{n} bytes" if n < MiB else f"{n / MiB:.1f} MiB"


def _show(value: object, width: int = 200) -> str:
    """Printable form of an untrusted name: control characters and stray bytes escaped, length capped."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return text if len(text) <= width else text[: width - 3] + "..."
