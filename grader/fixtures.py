"""Expected outputs, produced only by running the reference: one fixture store.

The store is one folder, ``rubrics/fixtures/`` for the packaged rubrics (a rubric file outside the
package keeps its own store in ``fixtures/`` beside it). It holds one file per fixture builder,
not per rubric, so rubrics that share a builder share its arrays:

* ``<builder>.npz`` holds one array per key the builder returns, written deterministically
  (sorted members, fixed zip timestamps, no pickles), so regenerating gives byte-identical files;
* ``manifest.json`` records, per builder, the content hash of the reference it was built from,
  the sha256 of the ``.npz`` and one sha256 per array.

A builder is *stale* when its file or manifest entry is missing, the reference changed since it was
built, or the file no longer matches the manifest (edited by hand); ``check`` also compares each
stored file with a fresh run of the reference (a changed builder), up to the last bits that
differ between processors (``same_arrays``); regenerating keeps a file whose arrays are the same
in that sense, so fixtures do not change with the machine that rebuilt them. ``grade fixtures regenerate
[RUBRIC...]`` rewrites the stale builders (``--all``: every builder); ``grade fixtures check
[RUBRIC]`` reports each builder's state.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .checks import load_catalogue
from .checks.base import FIXTURE_BUILDERS, REGISTRY

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
STORE_DIR = "fixtures"
MANIFEST = "manifest.json"


def reference_dir() -> Path:
    import reference

    return Path(reference.__file__).resolve().parent


def import_reference():
    """The trusted ``reference`` package with every submodule imported (for ``ref.layers`` ...)."""
    import importlib
    import pkgutil

    import reference

    for module in pkgutil.walk_packages(reference.__path__, prefix="reference."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return reference


def reference_hash() -> str:
    """sha256 over every ``reference/**/*.py`` file (path and bytes), in sorted order."""
    root = reference_dir()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def packaged_store() -> Path:
    """``rubrics/fixtures/``: the store of every rubric that ships in the ``rubrics`` package."""
    from importlib import resources

    return Path(str(resources.files("rubrics"))) / STORE_DIR


def fixture_dir(rubric) -> Path:
    """The store a rubric reads: ``rubrics/fixtures/`` for a packaged rubric (and for a merged
    one, ``path`` None), else ``fixtures/`` beside the rubric file. The engine hides it from
    student code."""
    store = packaged_store()
    if rubric.path is None:
        return store
    path = Path(rubric.path).resolve()
    if path.is_relative_to(store.parent.resolve()):
        return store
    return path.parent / STORE_DIR


def npz_path(rubric, builder: str) -> Path:
    """Where ``builder``'s arrays are stored for ``rubric``."""
    return fixture_dir(rubric) / f"{builder}.npz"


def builders_for(rubric) -> list[str]:
    """The fixture builders the rubric's checks need, sorted."""
    load_catalogue()
    names = set()
    for section in rubric.sections:
        for rc in section.checks:
            spec = REGISTRY.get(rc.id)
            if spec is not None and spec.fixture:
                names.add(spec.fixture)
            names.update((rc.params or {}).get("fixtures", []))
    return sorted(names)


def build_arrays(names: list[str]) -> dict[str, np.ndarray]:
    """Run each builder on the reference (global RNG reset to seed 0 first); keys
    ``"<builder>/<key>"``."""
    reference = import_reference()
    load_catalogue()
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        if name not in FIXTURE_BUILDERS:
            raise KeyError(f"no fixture builder named {name!r}")
        np.random.seed(0)
        produced = FIXTURE_BUILDERS[name](reference)
        for key, value in produced.items():
            arr = np.asarray(value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"fixture {name}/{key} has dtype {arr.dtype}; numbers only")
            arrays[f"{name}/{key}"] = arr
    return arrays


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A deterministic ``.npz`` (members sorted, fixed timestamps, no pickles)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[key], order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def group(arrays: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """``{"builder/key": a}`` -> ``{builder: {key: a}}``."""
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for full_key, value in arrays.items():
        builder, _, key = full_key.partition("/")
        grouped.setdefault(builder, {})[key] = value
    return grouped


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _builder_files(arrays: dict[str, np.ndarray]) -> dict[str, tuple[bytes, dict]]:
    """``{"builder/key": a}`` -> ``{builder: (npz bytes, manifest entry)}``."""
    files = {}
    reference = reference_hash()
    for builder, mine in group(arrays).items():
        data = npz_bytes(mine)
        files[builder] = (data, {
            "reference_sha256": reference,
            "npz_sha256": _sha256(data),
            "arrays": {key: _sha256(np.asarray(mine[key], order="C").tobytes()) for key in sorted(mine)},
        })
    return files


def read_manifest(store: Path) -> dict[str, dict]:
    """The manifest's entry per builder (empty when there is no manifest)."""
    path = store / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text()).get("builders", {})


def _write_manifest(store: Path, entries: dict[str, dict]) -> None:
    text = json.dumps({"builders": entries}, indent=2, sort_keys=True) + "\n"
    (store / MANIFEST).write_text(text)


# -- staleness --------------------------------------------------------------------------------
@dataclass
class Staleness:
    """Each builder's problems (an empty list: fresh); ``problems`` lists them all, prefixed."""

    builders: dict[str, list[str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {p}" for name, found in self.builders.items() for p in found]

    @property
    def fresh(self) -> bool:
        return not self.problems

    @property
    def stale(self) -> list[str]:
        return [name for name, found in self.builders.items() if found]


def _stored_problems(store: Path, names: list[str]) -> dict[str, list[str]]:
    """What can be told without running the reference: missing, reference changed, edited."""
    manifest = read_manifest(store)
    current = reference_hash()
    found = {}
    for name in names:
        path = store / f"{name}.npz"
        entry = manifest.get(name)
        if not path.is_file() or entry is None:
            found[name] = ["missing; run `grade fixtures regenerate`"]
            continue
        problems = []
        if entry.get("reference_sha256") != current:
            problems.append("the reference changed since the fixtures were generated")
        if entry.get("npz_sha256") != _sha256(path.read_bytes()):
            problems.append(f"{path.name} differs from the manifest (edited by hand?)")
        found[name] = problems
    return found


def _by_store(rubrics) -> dict[Path, list[str]]:
    """A rubric or several -> ``{store: builders they need}`` (shared builders once)."""
    if not isinstance(rubrics, (list, tuple)):
        rubrics = [rubrics]
    stores: dict[Path, set[str]] = {}
    for rubric in rubrics:
        stores.setdefault(fixture_dir(rubric), set()).update(builders_for(rubric))
    return {store: sorted(names) for store, names in stores.items()}


#: Fresh runs on another processor may differ in the last bits (BLAS kernels sum in another
#: order): values within this relative distance of the stored ones are the same fixture.
ULP_RTOL = 1e-11


def _stored_arrays(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile):
        return None


def same_arrays(stored: dict[str, np.ndarray] | None, fresh: dict[str, np.ndarray]) -> bool:
    """Whether a fresh build equals the stored arrays: the same keys, dtypes and shapes, integer
    and boolean arrays exactly, floating-point ones up to ``ULP_RTOL`` of each array's scale."""
    if stored is None or sorted(stored) != sorted(fresh):
        return False
    for key, new in fresh.items():
        old, new = stored[key], np.asarray(new)
        if old.dtype != new.dtype or old.shape != new.shape:
            return False
        if not np.issubdtype(new.dtype, np.inexact):
            if not np.array_equal(old, new):
                return False
            continue
        if not np.array_equal(np.isnan(old), np.isnan(new)) or not np.array_equal(np.isinf(old), np.isinf(new)):
            return False
        finite = np.isfinite(new)
        if not np.array_equal(old[~finite], new[~finite], equal_nan=True):
            return False
        scale = float(np.max(np.abs(new[finite]), initial=0.0))
        # (values that are zero up to rounding, 1e-17, are compared on an absolute floor)
        if not np.allclose(old[finite], new[finite], rtol=ULP_RTOL, atol=max(ULP_RTOL * scale, 1e-14)):
            return False
    return True


def check(rubrics, *, fresh_run: bool = True) -> Staleness:
    """The builders of a rubric (or of several): missing, built from another reference, edited
    by hand, or (``fresh_run``) different from a fresh run of the reference."""
    found: dict[str, list[str]] = {}
    for store, names in _by_store(rubrics).items():
        mine = _stored_problems(store, names)
        if fresh_run:
            present = [n for n in names if not any(p.startswith("missing") for p in mine[n])]
            for builder, fresh in group(build_arrays(present)).items():
                if not same_arrays(_stored_arrays(store / f"{builder}.npz"), fresh):
                    mine[builder].append("differs from a fresh run of the reference (a fixture "
                                         "builder changed?); rebuild with `grade fixtures "
                                         "regenerate --all`")
        found.update(mine)
    return Staleness(dict(sorted(found.items())))


def regenerate(rubrics, *, force: bool = False) -> list[Path]:
    """Rebuild the stale builders (``force``: every builder) of a rubric or of several, in their
    store; returns the files written, sorted."""
    written = []
    for store, names in _by_store(rubrics).items():
        if not force:
            names = [n for n, problems in _stored_problems(store, names).items() if problems]
        if not names:
            continue
        store.mkdir(parents=True, exist_ok=True)
        entries = read_manifest(store)
        arrays = build_arrays(names)
        for builder, (data, entry) in _builder_files(arrays).items():
            path = store / f"{builder}.npz"
            kept = entries.get(builder)
            if (kept and path.is_file() and kept.get("npz_sha256") == _sha256(path.read_bytes())
                    and same_arrays(_stored_arrays(path), group(arrays)[builder])):
                # the same fixture up to the last bits: keep the stored bytes (no churn across machines)
                entries[builder] = {**kept, "reference_sha256": entry["reference_sha256"]}
                continue
            path.write_bytes(data)
            entries[builder] = entry
            written.append(path)
        _write_manifest(store, entries)
    return sorted(written)


def unused(rubrics) -> list[Path]:
    """Files in the rubrics' stores that none of them needs (left from a removed builder)."""
    found = []
    for store, names in _by_store(rubrics).items():
        found += [p for p in sorted(store.glob("*.npz")) if p.stem not in names]
    return found


class _Decoded:
    """One ``.npz`` file's arrays, each decoded once per process (``_decoded``)."""

    def __init__(self, data: bytes):
        self._file = np.load(io.BytesIO(data), allow_pickle=False)   # the bytes: no file stays open
        self.files = tuple(self._file.files)
        self._arrays: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray:
        with self._lock:
            if key not in self._arrays:
                self._arrays[key] = self._file[key]
            return self._arrays[key]


#: Decoded ``.npz`` files by (path, inode, mtime, size): a process that grades many submissions
#: (``grade class``) decodes each fixture array once; a regenerated file is read again.
_DECODED: dict[tuple, _Decoded] = {}
_DECODED_LOCK = threading.Lock()


def _decoded(path: Path) -> _Decoded:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _DECODED_LOCK:
        if key not in _DECODED:
            _DECODED[key] = _Decoded(path.read_bytes())
        return _DECODED[key]


class StoredArrays(Mapping):
    """One builder's stored arrays ``{key: array}``, read from its ``.npz`` when a check first
    asks for them, each array once (a correct submission never reads the arrays of the known
    mistakes, about half of them). Each ``StoredArrays`` hands out its own copies of the arrays
    the process decoded (``_decoded``), so no grading run sees what another one did to them.
    Safe to share between the threads of a worker pool."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._file: _Decoded | None = None
        self._arrays: dict[str, np.ndarray] = {}

    def _npz(self) -> _Decoded:
        if self._file is None:
            self._file = _decoded(self.path)
        return self._file

    def __getitem__(self, key: str) -> np.ndarray:
        with self._lock:
            if key not in self._arrays:
                if key not in self._npz().files:
                    raise KeyError(key)
                self._arrays[key] = self._npz().get(key).copy()
            return self._arrays[key]

    def __iter__(self):
        with self._lock:
            return iter(list(self._npz().files))

    def __len__(self) -> int:
        with self._lock:
            return len(self._npz().files)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._arrays or key in self._npz().files


def load(rubric) -> dict[str, Mapping[str, np.ndarray]]:
    """The rubric's fixtures as ``{builder: {key: array}}`` (a builder not in the store is left
    out: its checks then report missing expected values). Each builder's arrays are read when
    first used (``StoredArrays``)."""
    store = fixture_dir(rubric)
    expected = {}
    for name in builders_for(rubric):
        path = store / f"{name}.npz"
        if path.is_file():
            expected[name] = StoredArrays(path)
    return expected
