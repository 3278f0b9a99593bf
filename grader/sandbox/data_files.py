"""Read-only data files in the worker: how a ``DataFile`` handle becomes an array.

Loaded by ``worker.py`` like its other siblings (standard library and numpy only). The grader
sends a large dataset as a ``protocol.DataFile`` (path, dtype, shape, view) instead of its bytes;
the worker's decoder calls ``Opener`` with it, which maps the ``.npy`` file read-only
(``np.load(mmap_mode="r")``) and hands student code a plain, non-writable ndarray on that map.

Only files inside the folders of ``Limits.data_dirs`` may be opened (a handle naming any other
path is a bad request). Student code cannot change the data: the array is not writable (and cannot
be made writable: the map itself is read-only), the files are mode 0444 in 0555 folders owned by
the grader, and where the worker has its own mount namespace the folders are bind-mounted
read-only (``confinement.read_only_data``), which stops root too.
"""
from __future__ import annotations

import os


def inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


class Opener:
    """``opener(handle) -> ndarray``: the read-only array of a ``DataFile`` in ``dirs``.

    ``error`` is the exception class raised for a handle that cannot be honoured (the
    protocol's ``ProtocolError``, so the request is answered as a bad request). Maps are opened
    once per worker and shared by every request that names the same file.
    """

    def __init__(self, dirs: list[str], error: type[Exception]):
        self.dirs = [os.path.realpath(d) for d in dirs]
        self.error = error
        self.maps: dict[str, object] = {}

    def __call__(self, handle):
        import numpy as np

        real = os.path.realpath(handle.path)
        if not any(inside(real, d) for d in self.dirs):
            raise self.error(f"the data file {handle.path!r} is outside the worker's data folders")
        base = self.maps.get(real)
        if base is None:
            try:
                mapped = np.load(real, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as e:
                raise self.error(f"the data file {handle.path!r} cannot be opened ({e})") from None
            base = self.maps[real] = mapped.view(np.ndarray)   # plain ndarray, still read-only
        if base.dtype.str != handle.dtype or tuple(base.shape) != tuple(handle.shape):
            raise self.error(f"the data file {handle.path!r} holds {base.dtype.str} "
                             f"{tuple(base.shape)}, not {handle.dtype} {tuple(handle.shape)}")
        return base if handle.view is None else base.reshape(handle.view)
