"""Which of a call's argument arrays the call changed in place, seen from inside the worker.

Asked for with ``Worker.call(..., watch_args=True)``. Before the call, every numpy array reachable
from the arguments through tuples, lists and dicts (so the arrays of a layer cache held in the
worker too) is copied; after the call each one is compared with its copy (shape, dtype and bytes:
"unchanged" means bit for bit). Only the paths of the changed arrays go back, never the arrays:
``"0"`` is the first positional argument, ``"1.2"`` item 2 of the second, ``"bn_param.running_mean"``
a key of a keyword argument (the dotted paths of ``getattr``).

Other objects are not looked into, nor are object arrays; a container is read through the base
type's own methods, so a subclass cannot hide its items. Imported by the worker only (loaded by
path, like ``protocol``): standard library and numpy.
"""
from __future__ import annotations

import numpy as np

MAX_DEPTH = 8            # containers nested below an argument
MAX_ARRAYS = 1000        # arrays copied for one call


def snapshot(args, kwargs) -> list:
    """``[(path, array, copy)]`` for the arrays reachable from ``args`` and ``kwargs``."""
    found: list = []
    seen: set[int] = set()

    def visit(obj, path: str, depth: int) -> None:
        if depth > MAX_DEPTH or len(found) >= MAX_ARRAYS:
            return
        if isinstance(obj, np.ndarray):
            if id(obj) not in seen and not obj.dtype.hasobject:
                seen.add(id(obj))
                found.append((path, obj, np.array(obj, copy=True, subok=False)))
            return
        if isinstance(obj, tuple):
            items = enumerate(tuple.__iter__(obj))
        elif isinstance(obj, list):
            items = enumerate(list(list.__iter__(obj)))
        elif isinstance(obj, dict):
            items = list(dict.items(obj))
        else:
            return
        for key, item in items:
            visit(item, f"{path}.{key}", depth + 1)

    for i, arg in enumerate(args):
        visit(arg, str(i), 0)
    for name, arg in kwargs.items():
        visit(arg, str(name), 0)
    return found


def changed(found: list) -> list[str]:
    """The paths of the arrays of ``snapshot`` that are no longer equal to their copies."""
    return [path for path, array, copy in found if not _same(array, copy)]


def _same(array: np.ndarray, copy: np.ndarray) -> bool:
    base = np.ndarray
    return (base.shape.__get__(array) == copy.shape and base.dtype.__get__(array) == copy.dtype
            and base.tobytes(array) == copy.tobytes())
