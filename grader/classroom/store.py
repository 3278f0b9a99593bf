"""The results store: one JSON file per graded submission, under a key that says what was graded.

key = sha256(submission content hash, grader version + source digest, rubric/fixture/options
hash). A rerun looks each submission's key up and grades only what is missing, so a changed
submission, a new grader or a changed rubric regrades exactly what it affects. Every file is
written atomically (``write_atomic``: a temp file in the same folder, then ``os.replace``), so a
run killed at any moment leaves either the old file or the new one, never half of one.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import __version__

_GRADER = Path(__file__).resolve().parents[1]
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new content, nothing between."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)   # as a plain open() would create it
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _hash_tree(h, root: Path, skip=("__pycache__",)) -> None:
    for path in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root).as_posix()
        if any(part in skip for part in path.relative_to(root).parts):
            continue
        if path.is_symlink():
            h.update(f"L {rel} {os.readlink(path)}\n".encode("utf-8", "surrogateescape"))
        elif path.is_file():
            h.update(f"F {rel} {path.stat().st_size}\n".encode("utf-8", "surrogateescape"))
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        elif path.is_dir():
            h.update(f"D {rel}\n".encode("utf-8", "surrogateescape"))


def content_hash(path: Path) -> str:
    """sha256 of a submission's bytes: a file's content and suffix, or a folder's every path and
    file (sorted; compiled caches left out), whatever its location or modification times."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        h.update(b"folder\n")
        _hash_tree(h, path)
    else:
        h.update(f"file {path.suffix.lower()}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def grader_version() -> str:
    """The grader's version and a digest of its source (a code change regrades the class)."""
    h = hashlib.sha256()
    for path in sorted(_GRADER.rglob("*.py")):
        if "__pycache__" not in path.parts:
            h.update(path.relative_to(_GRADER).as_posix().encode() + b"\n" + path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}"


def config_hash(rubric, profile, data, call_timeout, execute) -> str:
    """A digest of what decides the scores besides the submission: the packaged rubrics and
    fixtures, a rubric given by path (and its fixture folder), the profile, the dataset folder,
    the call timeout and whether notebooks are executed."""
    import rubrics as packaged

    h = hashlib.sha256()
    _hash_tree(h, Path(packaged.__file__).resolve().parent)
    if rubric is not None and Path(str(rubric)).is_file():
        rubric_path = Path(rubric).resolve()
        h.update(b"rubric file\n" + rubric_path.read_bytes())
        fixtures = rubric_path.parent / rubric_path.stem
        if fixtures.is_dir():
            _hash_tree(h, fixtures)
    options = {"rubric": None if rubric is None else str(rubric) if not Path(str(rubric)).is_file() else "file",
               "profile": profile, "data": None if data is None else str(Path(data).resolve()),
               "call_timeout": call_timeout, "execute": bool(execute)}
    h.update(json.dumps(options, sort_keys=True).encode())
    return h.hexdigest()


def encode(record: dict) -> str:
    """A record as the store writes it (keys sorted)."""
    return json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False)


def as_stored(data: dict) -> dict:
    """``data`` exactly as the store gives it back (keys in sorted order)."""
    return json.loads(encode(data))


@dataclass
class Store:
    """Stored results in ``folder``: ``<key[:2]>/<key>.json`` each holding one record
    ``{"key", "student", "status", "reason", "report"}`` (``report``: ``Report.to_dict()``)."""

    folder: Path

    @staticmethod
    def key(content: str, version: str, config: str) -> str:
        return hashlib.sha256(f"{content}\n{version}\n{config}".encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            record = json.loads(self._path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None                    # missing (or unreadable: graded again)
        return record if isinstance(record, dict) and record.get("key") == key else None

    def put(self, record: dict) -> None:
        write_atomic(self._path(record["key"]), encode(record))

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*/*.json")) if self.folder.is_dir() else 0
