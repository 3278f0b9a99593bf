"""Datasets for training checks: the embedded UCI digits by default, CIFAR-10 when given.

CIFAR-10 is used when ``--data PATH`` (or the environment variable ``CIFAR10_DIR``) points at a
``cifar-10-batches-py`` folder. Its course split (49000 / 1000 / 1000) is prepared once into the
cache of ``grader.data_cache`` (reused by later runs on the same files) and reaches the worker as
read-only memory-mapped files (``files``; the worker may open them through
``sandbox_limits``), so nothing large crosses the sandbox pipe. A check asks for the dataset it
needs; a missing or unusable dataset is ``None`` (``problem`` says why) and the check reports
itself as skipped, never failed.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .data_cache import SOURCE_FILES, DataError, Splits, prepare_cifar10

ENV_VAR = "CIFAR10_DIR"
#: CPU seconds a worker may use in a run on CIFAR-10 (its default limit is for the small
#: datasets): the full-data training checks take minutes (benchmarks/cifar_training.py).
DATA_CPU_SECONDS = 3600

#: Cache entries already prepared in this process (class grading prepares once), by source
#: folder, cache folder and the source files' sizes and modification times.
_PREPARED: dict[tuple, Splits] = {}


class Datasets:
    """Lazily loaded datasets, each a dict ``X_train, y_train, X_val, y_val, X_test, y_test``.

    ``cache_dir``: where the CIFAR-10 cache lives (default ``data_cache.default_cache_dir()``).
    """

    def __init__(self, cifar10_dir: str | Path | None = None, cache_dir: str | Path | None = None):
        cifar10_dir = cifar10_dir or os.environ.get(ENV_VAR) or None
        self.cifar10_dir = Path(cifar10_dir) if cifar10_dir else None
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.problem: str | None = None
        self._splits: Splits | None = None
        self._cache: dict[str, dict | None] = {}

    @property
    def default(self) -> str:
        """``cifar10`` when a CIFAR-10 folder was given, otherwise ``digits``."""
        return "cifar10" if self.cifar10_dir is not None else "digits"

    def get(self, name: str | None = None) -> dict | None:
        """The arrays of dataset ``name`` (CIFAR-10: read-only memory maps of the cache)."""
        name = name or self.default
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def files(self, name: str | None = None) -> dict | None:
        """``DataFile`` handles of the dataset's arrays, to send to the worker instead of the
        arrays; None for a dataset that is not kept in files (the digits are small)."""
        name = name or self.default
        splits = self.prepare() if name == "cifar10" else None
        return dict(splits.files) if splits is not None else None

    def prepare(self) -> Splits | None:
        """The CIFAR-10 cache entry (built on first use), or None (``problem`` says why)."""
        if self._splits is not None or self.cifar10_dir is None or self.problem is not None:
            return self._splits
        source = self.cifar10_dir
        try:
            stats = tuple((n, (source / n).stat().st_size, (source / n).stat().st_mtime_ns)
                          for n in SOURCE_FILES if (source / n).exists())
            key = (str(source.resolve()), str(self.cache_dir), stats)
            if key not in _PREPARED:
                _PREPARED[key] = prepare_cifar10(source, self.cache_dir)
            self._splits = _PREPARED[key]
        except (DataError, OSError) as e:
            self.problem = f"the CIFAR-10 data in {source} could not be prepared: {e}"
        return self._splits

    def sandbox_limits(self, limits):
        """``limits`` (``grader.sandbox.Limits``) for a worker that trains on this data: the
        cache folder readable (read-only) and, for CIFAR-10, the CPU time of full-data runs."""
        splits = self.prepare()
        if splits is None:
            return limits
        cpu = limits.cpu_seconds if limits.cpu_seconds is None else max(limits.cpu_seconds,
                                                                         DATA_CPU_SECONDS)
        return replace(limits, data_dirs=tuple(limits.data_dirs) + (str(splits.folder),),
                       cpu_seconds=cpu)

    def _load(self, name: str) -> dict | None:
        try:   # a source checkout, or a course pack (its reference/ always holds data_utils)
            from reference import data_utils
        except ImportError:   # the engine alone: no embedded digits; CIFAR-10 with the course loaders
            from .profiles.helpers import data_utils
            if name == "digits":
                return None

        if name == "digits":
            return data_utils.get_digits_data()
        if name == "cifar10":
            splits = self.prepare()
            return splits.arrays() if splits is not None else None
        raise ValueError(f"unknown dataset {name!r} (known: digits, cifar10)")
