"""The CIFAR-10 cache: the course's splits, prepared once as read-only ``.npy`` files.

``prepare_cifar10(source, cache_dir)`` reads a ``cifar-10-batches-py`` folder (``data_batch_1``
.. ``data_batch_5``, ``test_batch``, ``batches.meta``: pickled dicts whose ``data`` is a uint8
``(n, 3072)`` array of red, green and blue 32 x 32 planes and whose ``labels`` is a list of ints)
and writes the course's split (docs/courses.md §2.10): training images 0:49000, validation
49000:50000, test the first 1000 of ``test_batch``; channels first ``(N, 3, 32, 32)``; the mean
training image subtracted. Images are stored as float32 (half the size of the course's float64;
the grader measures in float64), labels as int64.

The cache entry is a folder ``cifar10-<key>`` named by the SHA-256 of the source files' contents,
so it is reused by every later run on the same data and rebuilt when the data change. It is
written into a temporary folder beside it and renamed into place when complete (a crashed or
concurrent build never leaves a half entry); its files are mode 0444 in a 0555 folder, with a
manifest of their shapes, dtypes and digests that is checked before an entry is reused. The
worker opens these files as read-only memory maps (``grader.sandbox.data_files``), so nothing
large crosses the sandbox pipe.

The batch files are the instructor's, but they are pickles: they are read with an unpickler that
builds only numpy arrays and plain containers, never other objects.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .sandbox.protocol import DataFile

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
SOURCE_FILES = TRAIN_FILES + ("test_batch", "batches.meta")
#: The course's split sizes (docs/courses.md §2.10): the same in CS231n, UCLA and CS182.
NUM_TRAIN, NUM_VAL, NUM_TEST = 49000, 1000, 1000
IMAGE_SHAPE = (3, 32, 32)
ARRAYS = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
CACHE_ENV = "GRADER_CACHE_DIR"
MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 4096


class DataError(Exception):
    """The data folder is not a usable cifar-10-batches-py folder; ``str()`` says why."""


def default_cache_dir() -> Path:
    """``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/grader``, else ``~/.cache/grader``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader"


@dataclass(frozen=True)
class Splits:
    """A prepared cache entry: ``folder`` and one ``DataFile`` per array name (``ARRAYS``)."""

    folder: Path
    files: dict

    def arrays(self) -> dict:
        """The arrays as read-only memory maps (plain ndarrays), for the grader's own use."""
        return {name: np.load(f.path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                for name, f in self.files.items()}


# -- reading the batches ---------------------------------------------------------------------
class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays, dtypes and builtin containers only."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
               ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a CIFAR-10 batch")


def _field(d: dict, key: str):
    for k in (key, key.encode("latin1")):
        if k in d:
            return d[k]
    raise DataError(f"no {key!r} entry")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, 3, 32, 32) uint8, labels (n,) int64)`` of one batch file."""
    try:
        with open(path, "rb") as f:
            d = _ArraysOnly(f, encoding="latin1").load()
        if not isinstance(d, dict):
            raise DataError("not a pickled dict")
        data, labels = np.asarray(_field(d, "data")), np.asarray(_field(d, "labels"))
    except DataError as e:
        raise DataError(f"{path.name}: {e}") from None
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        raise DataError(f"{path.name} is not a CIFAR-10 batch ({type(e).__name__}: {e})") from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataError(f"{path.name}: 'data' should be a uint8 (n, 3072) array, "
                        f"got {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu" \
            or (labels.size and (labels.min() < 0 or labels.max() > 9)):
        raise DataError(f"{path.name}: 'labels' should be {data.shape[0]} ints in 0..9")
    return data.reshape((-1,) + IMAGE_SHAPE), labels.astype(np.int64)


def source_key(source: Path) -> str:
    """SHA-256 (hex, first 24 digits) of the source files' names and contents."""
    h = hashlib.sha256()
    for name in SOURCE_FILES:
        path = source / name
        if not path.is_file():
            if name == "batches.meta":
                continue
            raise DataError(f"{source} is not a cifar-10-batches-py folder: no {name}")
        h.update(name.encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:24]


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


# -- the cache entry ---------------------------------------------------------------------------
def prepare_cifar10(source: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Splits:
    """The cache entry for the data in ``source``: reused when present and intact, else built."""
    source = Path(source)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = source_key(source)
    folder = cache_dir / f"cifar10-{key}"
    splits = _reuse(folder)
    if splits is not None:
        return splits
    cache_dir.mkdir(parents=True, exist_ok=True)
    if folder.exists():                      # damaged or of another format: replaced
        _remove(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".cifar10-{key}.", dir=cache_dir))
    try:
        _build(source, key, tmp)
        try:
            os.rename(tmp, folder)
        except OSError:                      # another run finished first: use its entry
            _remove(tmp)
    except BaseException:
        _remove(tmp)
        raise
    return _splits(folder, json.loads((folder / MANIFEST).read_text()))


def _build(source: Path, key: str, out: Path) -> None:
    train = [read_batch(source / name) for name in TRAIN_FILES]
    X_all = np.concatenate([x for x, _ in train])
    y_all = np.concatenate([y for _, y in train])
    del train
    X_test_all, y_test_all = read_batch(source / "test_batch")
    if len(X_all) < NUM_TRAIN + NUM_VAL or len(X_test_all) < NUM_TEST:
        raise DataError(f"{source} holds {len(X_all)} training and {len(X_test_all)} test images; "
                        f"the course's split needs {NUM_TRAIN + NUM_VAL} and {NUM_TEST}")
    mean = np.zeros(IMAGE_SHAPE, np.float64)
    for i in range(0, NUM_TRAIN, _CHUNK):
        mean += X_all[i:min(i + _CHUNK, NUM_TRAIN)].sum(axis=0, dtype=np.float64)
    mean /= NUM_TRAIN
    images = {"X_train": X_all[:NUM_TRAIN], "X_val": X_all[NUM_TRAIN:NUM_TRAIN + NUM_VAL],
              "X_test": X_test_all[:NUM_TEST]}
    labels = {"y_train": y_all[:NUM_TRAIN], "y_val": y_all[NUM_TRAIN:NUM_TRAIN + NUM_VAL],
              "y_test": y_test_all[:NUM_TEST]}
    entries = {}
    for name in ARRAYS:
        path = out / f"{name}.npy"
        if name in images:
            src = images[name]
            arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=src.shape)
            for i in range(0, len(src), _CHUNK):
                arr[i:i + _CHUNK] = src[i:i + _CHUNK] - mean
            arr.flush()
            del arr
        else:
            np.save(path, labels[name])
        os.chmod(path, 0o444)
        shape = images[name].shape if name in images else labels[name].shape
        dtype = np.dtype(np.float32 if name in images else np.int64).str
        entries[name] = {"shape": list(shape), "dtype": dtype, "bytes": path.stat().st_size,
                         "blake2b": _digest(path)}
    manifest = {"format": FORMAT, "source_sha256": key, "arrays": entries}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1))
    os.chmod(out / MANIFEST, 0o444)
    os.chmod(out, 0o555)


def _reuse(folder: Path) -> Splits | None:
    """The entry in ``folder`` if its manifest and every file check out, else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("format") != FORMAT or set(manifest["arrays"]) != set(ARRAYS):
            return None
        for name, e in manifest["arrays"].items():
            path = folder / f"{name}.npy"
            if path.stat().st_size != e["bytes"] or _digest(path) != e["blake2b"]:
                return None
        return _splits(folder, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _splits(folder: Path, manifest: dict) -> Splits:
    return Splits(folder, {name: DataFile(str(folder / f"{name}.npy"), str(e["dtype"]),
                                          tuple(int(n) for n in e["shape"]))
                           for name, e in manifest["arrays"].items()})


def _remove(path: Path) -> None:
    """Remove a (read-only) cache folder."""
    if not path.exists():
        return
    for d, _, _ in os.walk(path):
        os.chmod(d, 0o755)
    shutil.rmtree(path, ignore_errors=True)
