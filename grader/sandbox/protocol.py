"""The wire format between the grader and the sandbox worker: framing plus a plain-data encoding.

Imported by BOTH sides. The worker loads this file by path, so it imports only the standard
library and numpy, never ``grader``.

Frame (one message)::

    prefix  16 bytes: header length, blob length (two big-endian uint64)
    header  UTF-8 JSON: {"v": 1, "arrays": [[dtype, shape], ...], "body": <tree>}, padded with
            spaces to a multiple of 64 bytes
    blob    the raw bytes of the arrays, C order, each one starting at a multiple of 64 bytes

(Not npz: parsing a zip per message cost ~0.6 ms for three small arrays; this costs ~25 us.)

Tree: JSON where ``null``, ``true``/``false``, numbers, strings and JSON arrays (= Python lists)
stand for themselves and every JSON object is a tagged node with exactly one key:

    {"$t": [...]}          a tuple           {"$d": {"key": <tree>, ...}}   a dict with str keys
    {"$a": i}              array i of "arrays"       {"$dt": "<f8"}   a numeric numpy dtype
    {"$f": "nan"|"inf"|"-inf"}  a non-finite float
    {"$r": [id, "Type"]}   a handle on an object that stays in the worker (``Ref``)
    {"$m": [path, dtype, shape, view]}   a read-only data file (``DataFile``), grader to worker
                           only: the worker opens it as a memory map (``data_files.py``)

An array object that appears more than once in one message is sent once: its later places in
the tree name the same index. The decoder hands the first place a view of the blob and every
later place a copy of its own, so the receiver sees separate arrays, as if each had been sent;
those copies count towards the byte cap like the blob.

Nothing is ever unpickled: arrays are rebuilt with ``np.frombuffer`` from a dtype that must be a
plain bool/int/uint/float type, after their element count and byte size were checked against the
caps. Any violation raises ``ProtocolError`` whose text is fit for a report, e.g. "returned an
array of dtype object" or "returned 1.2e9 elements, over the 8.4e6 cap".

The worker encodes student return values with the same ``Encoder``; what is not plain data
(ndarray subclasses, objects with ``__array__``, object arrays, functions, generators, custom
classes) raises ``NotPlainData`` there, which the worker reports instead of crashing. For those
return values (``Encoder(results=True)``) two containers the courses do not forbid are converted
first, in the worker, so that a right value is not refused for its type (docs/courses.md §A4): an
``np.matrix`` becomes the plain 2-D array ``np.asarray`` gives (its shape is kept, so a (1, M)
matrix where the docstring fixes (M,) still fails the shape comparison), and a 0-d array becomes
the Python scalar a numpy scalar becomes. (Lists of numbers cross as lists; the checks read them
as arrays, ``grader.checks.compare.as_array``.)
"""
from __future__ import annotations

import json
import math
import os
import re
import select
import struct
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

VERSION = 1
PREFIX = struct.Struct(">QQ")
ALIGN = 64
DEFAULT_MAX_BYTES = 64 * 2**20
HEADER_SLACK = 2**20          # the header may exceed the array cap by this much
MAX_DEPTH = 24                # containers nested in one message (values: ~20 below the envelope)
MAX_NODES = 500_000           # values in one message
MAX_NDIM = 32

_PLAIN_DTYPE = re.compile(r"^[<>|=]?[biuf][0-9]{1,2}$")
_ANY_DTYPE = re.compile(r"^[<>|=]?([A-Za-z])([0-9]*)$")
_KIND_NAMES = {"O": "object", "U": "str", "S": "bytes", "a": "bytes", "V": "void",
               "M": "datetime64", "m": "timedelta64", "c": "complex", "?": "bool"}


class ProtocolError(Exception):
    """A message breaks the protocol or a cap. ``str(error)`` is one line fit for a report."""


class NotPlainData(Exception):
    """A value cannot cross the sandbox boundary (not plain data, or over a cap)."""


@dataclass(frozen=True)
class Ref:
    """A handle on an object that lives in the worker (a layer cache, a model, a Solver).

    ``id`` names the object in the worker, ``type`` is its class name (for messages), ``session``
    identifies the worker process that holds it (a restarted worker makes old Refs stale).
    """

    id: int
    type: str = "object"
    session: str = ""

    def method(self, name: str) -> "Method":
        """A call target: the method ``name`` of this object, e.g. ``net.method("loss")``."""
        return Method(self, name)


@dataclass(frozen=True)
class Method:
    """A call target naming a method (or any dotted attribute path) of a ``Ref``."""

    ref: Ref
    name: str


@dataclass(frozen=True)
class DataFile:
    """A handle on an ``.npy`` file the worker opens read-only as a memory map, so a large
    dataset never crosses the pipe. ``shape`` and ``dtype`` are the file's array (checked when it
    is opened); ``view`` is the shape the worker's code sees (same element count), or None.
    Only folders the worker was given (``Limits.data_dirs``) may be opened."""

    path: str
    dtype: str
    shape: tuple
    view: tuple | None = None

    @property
    def ndim(self) -> int:
        return len(self.view if self.view is not None else self.shape)

    def reshape(self, *shape) -> "DataFile":
        """The same file seen with another shape (one ``-1`` allowed), like ``ndarray.reshape``."""
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        size = math.prod(self.shape)
        if shape.count(-1) == 1:
            known = math.prod(s for s in shape if s != -1)
            shape = tuple(size // known if s == -1 else s for s in shape)
        if math.prod(shape) != size:
            raise ValueError(f"cannot view {self.shape} as {shape}")
        return DataFile(self.path, self.dtype, self.shape, tuple(int(s) for s in shape))

    def __len__(self) -> int:
        return int((self.view if self.view is not None else self.shape)[0])


class Encoded:
    """A tree already produced by ``Encoder.value``, embedded as is in a message."""

    __slots__ = ("tree",)

    def __init__(self, tree: Any):
        self.tree = tree


# -- sizes in messages -----------------------------------------------------------------------
def sci(n: float) -> str:
    """``8388608 -> '8.4e6'``, ``950 -> '950'``: counts as they read in a report."""
    if n < 100_000:
        return str(int(n))
    exp = int(math.floor(math.log10(n)))
    mant = round(n / 10**exp, 1)
    if mant >= 10:
        mant, exp = mant / 10, exp + 1
    return f"{mant:g}e{exp}"


def size_text(nbytes: float) -> str:
    """``67108864 -> '64 MiB'``."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} bytes"


def _pad(n: int) -> int:
    return -n % ALIGN


def _text(path) -> str:
    """The text of an encoder path: a string, or (parent path, index or key) pairs."""
    keys = []
    while type(path) is tuple:
        path, key = path
        keys.append(f"[{key!r}]" if type(key) is str else f"[{key}]")
    return str(path) + "".join(reversed(keys))


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


# -- encoding ----------------------------------------------------------------------------------
_SENDABLE: dict[np.dtype, str] = {}   # dtypes already checked by the encoder
_JSON_OUT = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


class Encoder:
    """Turns one message into frame chunks, refusing anything that is not plain data.

    ``ref_of(obj) -> (id, type) | None`` is asked about objects that are not plain data: a handle
    to send instead, or ``None`` to refuse the object.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_elements: int | None = None,
                 ref_of: Callable[[Any], tuple[int, str] | None] | None = None, results: bool = False):
        self.max_bytes = max_bytes
        self.results = results   # a student's return value: np.matrix and 0-d arrays converted
        self.max_elements = max_elements if max_elements is not None else max(1, max_bytes // 8)
        self.ref_of = ref_of
        self.arrays: list[np.ndarray] = []
        self.specs: list[list] = []
        # id() of an array already in the blob -> (the array, kept alive so the id stays its own;
        # its index)
        self.index_of: dict[int, tuple[np.ndarray, int]] = {}
        self.nbytes = 0
        self.elements = 0
        self.nodes = 0

    def value(self, x: Any, path: str = "the value", depth: int = 0) -> Any:
        """The tree of ``x``; arrays are collected for the blob. ``path`` names ``x`` in errors."""
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise NotPlainData(f"{_text(path)}: more than {sci(MAX_NODES)} values in one message")
        if depth > MAX_DEPTH:
            raise NotPlainData(f"{_text(path)} is nested more than {MAX_DEPTH} levels deep "
                               "(a cycle?)")
        t = type(x)
        if x is None or t is bool or t is int or t is str:
            return x
        if t is float:
            if math.isfinite(x):
                return x
            return {"$f": "nan" if x != x else ("inf" if x > 0 else "-inf")}
        if t is np.ndarray:
            if self.results and x.ndim == 0 and x.dtype.kind in "biuf":
                return self._scalar(x[()], path, depth)
            return self._array(x, path)
        # Exact containers first (the common case); subclasses are read below through the base
        # class's own methods. Paths are (parent, key) pairs, made text only for an error.
        if t is tuple:
            return {"$t": [self.value(v, (path, i), depth + 1) for i, v in enumerate(x)]}
        if t is list:
            return [self.value(v, (path, i), depth + 1) for i, v in enumerate(x)]
        if t is dict and all(type(k) is str for k in x):
            return {"$d": {k: self.value(v, (path, k), depth + 1) for k, v in x.items()}}
        if t is Encoded:
            return x.tree
        if t is DataFile:
            return {"$m": [str(x.path), str(x.dtype), [int(n) for n in x.shape],
                           None if x.view is None else [int(n) for n in x.view]]}
        if isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic)):
            # A numeric dtype (``dtype=np.float64`` keywords): sent by name, decoded as np.dtype.
            dt = np.dtype(x)
            if dt.kind not in "biuf":
                raise NotPlainData(f"{_text(path)} is the dtype {dt}; only numeric dtypes "
                                   "cross the boundary")
            return {"$dt": dt.str}
        if isinstance(x, np.generic):
            return self._scalar(x, path, depth)
        if self.results and isinstance(x, np.matrix):
            return self._array(np.asarray(x), path)
        if isinstance(x, np.ndarray):
            raise NotPlainData(f"{_text(path)} is an ndarray subclass ({t.__name__}); "
                               "return a plain numpy array (np.asarray)")
        if isinstance(x, tuple):
            return {"$t": [self.value(v, (path, i), depth + 1)
                           for i, v in enumerate(tuple.__iter__(x))]}
        if isinstance(x, list):
            return [self.value(v, (path, i), depth + 1)
                    for i, v in enumerate(list.__iter__(x))]
        if isinstance(x, dict):
            out = {}
            for k, v in list(dict.items(x)):
                if not isinstance(k, str):
                    raise NotPlainData(f"{_text(path)} has the key {k!r:.40} of type "
                                       f"{type(k).__name__}; dict keys must be strings")
                k = str.__str__(k)
                out[k] = self.value(v, (path, k), depth + 1)
            return {"$d": out}
        if isinstance(x, int):
            return int.__int__(x)
        if isinstance(x, float):
            return self.value(float.__float__(x), path, depth)
        if isinstance(x, str):
            return str.__str__(x)
        ref = self.ref_of(x) if self.ref_of is not None else None
        if ref is not None:
            return {"$r": [int(ref[0]), str(ref[1])]}
        name = getattr(t, "__name__", "object")
        try:
            mimic = any(hasattr(t, a)
                        for a in ("__array__", "__array_interface__", "__array_struct__"))
        except Exception:
            mimic = False
        if mimic:
            raise NotPlainData(f"{_text(path)} is {_a(name)} object that imitates an array; "
                               "return a plain numpy array")
        raise NotPlainData(f"{_text(path)} is {_a(name)}, not plain data "
                           "(numbers, strings, numpy arrays, lists, tuples, dicts)")

    def _scalar(self, x: np.generic, path: str, depth: int) -> Any:
        kind = x.dtype.kind
        if kind == "b":
            return bool(x)
        if kind in "iu":
            return int(x)
        if kind == "f":
            return self.value(float(x), path, depth)
        if kind == "U":
            return str(x)
        raise NotPlainData(f"{_text(path)} is a numpy scalar of dtype {x.dtype}; return a real "
                           "number")

    def _array(self, x: np.ndarray, path: str) -> dict:
        dt = x.dtype
        dtext = _SENDABLE.get(dt)
        if dtext is None:
            if (dt.kind not in "biuf" or dt.hasobject or dt.fields is not None
                    or dt.subdtype is not None):
                raise NotPlainData(f"{_text(path)} is an array of dtype {dt}; only bool, int, "
                                   "uint and float arrays can be returned")
            dtext = _SENDABLE[dt] = dt.str
        if x.ndim > MAX_NDIM:
            raise NotPlainData(f"{_text(path)} has {x.ndim} dimensions, over the {MAX_NDIM} cap")
        n = int(x.size)
        if self.elements + n > self.max_elements:
            raise NotPlainData(f"{_text(path)} has {sci(n)} elements, over the "
                               f"{sci(self.max_elements)} cap")
        nbytes = n * dt.itemsize
        if self.nbytes + nbytes > self.max_bytes:
            raise NotPlainData(f"{_text(path)} takes {size_text(nbytes)}, over the "
                               f"{size_text(self.max_bytes)} cap")
        self.elements += n
        self.nbytes += nbytes + _pad(nbytes)
        seen = self.index_of.get(id(x))
        if seen is not None:   # the same object again: sent once (the decoder copies it)
            return {"$a": seen[1]}
        # Only now, with the size known to be small enough, materialise views (broadcasts too).
        a = x if x.flags.c_contiguous else x.copy(order="C")
        self.specs.append([dtext, list(a.shape)])
        self.arrays.append(a)
        self.index_of[id(x)] = (x, len(self.arrays) - 1)
        return {"$a": len(self.arrays) - 1}

    def frame(self, message: Any, path: str = "the message") -> list:
        """The chunks (bytes-like) of the frame carrying ``message``."""
        body = self.value(message, path)
        header = _JSON_OUT.encode({"v": VERSION, "arrays": self.specs, "body": body})
        header = header.encode("utf-8")
        header += b" " * _pad(len(header))   # the blob starts aligned
        chunks: list = []
        blob_len = 0
        for a in self.arrays:          # C-contiguous: their buffers are the raw bytes
            size = a.nbytes
            if size:
                chunks.append(a)
            pad = _pad(size)
            if pad:
                chunks.append(bytes(pad))
            blob_len += size + pad
        return [PREFIX.pack(len(header), blob_len), header] + chunks


def encode(message: Any, *, max_bytes: int = DEFAULT_MAX_BYTES, max_elements: int | None = None,
           ref_of: Callable[[Any], tuple[int, str] | None] | None = None) -> list:
    """Frame chunks for ``message``; raises ``NotPlainData`` for values that cannot cross."""
    return Encoder(max_bytes, max_elements, ref_of).frame(message)


# -- decoding (the data may be hostile) ----------------------------------------------------------
def _reject_constant(name: str):
    raise ProtocolError(f"bad header: the JSON constant {name} is not allowed")


_JSON_IN = json.JSONDecoder(parse_constant=_reject_constant)


def _dtype_name(text: str) -> str:
    m = _ANY_DTYPE.match(text)
    if not m:
        return repr(text[:20])
    kind, num = m.groups()
    name = _KIND_NAMES.get(kind, kind)
    if kind == "c" and num:
        return f"complex{int(num) * 8}"
    return name


def _array_table(specs: Any, blob_len: int, who: str, max_bytes: int,
                 max_elements: int) -> list[tuple[np.dtype, tuple, int, int]]:
    """Validate the "arrays" table: (dtype, shape, offset, count) for each array."""
    if not isinstance(specs, list):
        raise ProtocolError("bad header: 'arrays' is not a list")
    table, pos, elements, nbytes = [], 0, 0, 0
    for spec in specs:
        if not (isinstance(spec, list) and len(spec) == 2 and isinstance(spec[0], str)
                and isinstance(spec[1], list)):
            raise ProtocolError("bad header: an array description is malformed")
        dtext, shape = spec
        dt = _DTYPES.get(dtext)
        if dt is None:
            dt = _plain_dtype(dtext, f"{who} an array of dtype")
        if len(shape) > MAX_NDIM or not all(type(s) is int and s >= 0 for s in shape):
            raise ProtocolError("bad header: an array shape is malformed")
        count = math.prod(shape)
        elements += count
        if elements > max_elements:
            raise ProtocolError(f"{who} {sci(count)} elements, over the {sci(max_elements)} cap")
        size = count * dt.itemsize
        nbytes += size
        if nbytes > max_bytes:
            raise ProtocolError(f"{who} {size_text(size)} of arrays, over the "
                                f"{size_text(max_bytes)} cap")
        table.append((dt, tuple(shape), pos, count))
        pos += size + _pad(size)
    if pos != blob_len:
        raise ProtocolError(f"bad frame: the arrays need {pos} bytes, the message has {blob_len}")
    return table


_DTYPES: dict[str, np.dtype] = {}   # dtype strings already validated


def _plain_dtype(dtext: str, subject: str) -> np.dtype:
    """The dtype named ``dtext`` if it is a plain bool/int/uint/float one; ``subject`` starts the
    error message ("returned an array of dtype")."""
    if not _PLAIN_DTYPE.match(dtext):
        raise ProtocolError(f"{subject} {_dtype_name(dtext)}")
    try:
        dt = np.dtype(dtext)
    except TypeError:
        raise ProtocolError(f"bad header: unknown dtype {dtext!r}") from None
    if dt.kind not in "biuf" or dt.hasobject or dt.fields is not None:
        raise ProtocolError(f"{subject} {dt}")
    if len(_DTYPES) < 64:
        _DTYPES[dtext] = dt
    return dt


class _Decoder:
    def __init__(self, arrays: list[np.ndarray], make_ref, who: str, open_file=None,
                 spare_bytes: int = 0):
        self.arrays = arrays
        self.used = [False] * len(arrays)
        self.spare_bytes = spare_bytes   # what copies of repeated arrays may still take
        self.make_ref = make_ref
        self.open_file = open_file
        self.who = who
        self.nodes = 0

    def array(self, index: int) -> np.ndarray:
        """The array at ``index``: the blob's own view the first time, a copy every later time
        (within the byte cap), so that no two places of a message share one array."""
        a = self.arrays[index]
        if not self.used[index]:
            self.used[index] = True
            return a
        self.spare_bytes -= a.nbytes
        if self.spare_bytes < 0:
            raise ProtocolError(f"{self.who} arrays repeated past the byte cap")
        return a.copy()

    def tree(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ProtocolError(f"bad header: more than {sci(MAX_NODES)} values in one message")
        if depth > MAX_DEPTH:
            raise ProtocolError(f"bad header: values nested more than {MAX_DEPTH} levels deep")
        t = type(node)
        if node is None or t is bool or t is int or t is float or t is str:
            return node
        if t is list:
            return [self.tree(v, depth + 1) for v in node]
        if t is not dict or len(node) != 1:
            raise ProtocolError("bad header: an untagged JSON object")
        (tag, val), = node.items()
        if tag == "$t" and type(val) is list:
            return tuple([self.tree(v, depth + 1) for v in val])
        if tag == "$d" and type(val) is dict:
            return {k: self.tree(v, depth + 1) for k, v in val.items()}
        if tag == "$a" and type(val) is int and 0 <= val < len(self.arrays):
            return self.array(val)
        if tag == "$dt" and type(val) is str:
            return _DTYPES.get(val) or _plain_dtype(val, f"{self.who} the dtype")
        if tag == "$f" and val in ("nan", "inf", "-inf"):
            return float(val)
        if (tag == "$r" and type(val) is list and len(val) == 2 and type(val[0]) is int
                and type(val[1]) is str):
            if self.make_ref is None:
                raise ProtocolError("bad header: an unexpected object handle")
            return self.make_ref(val[0], val[1])
        if tag == "$m" and _file_node(val):
            if self.open_file is None:
                raise ProtocolError("bad header: an unexpected data file")
            return self.open_file(DataFile(val[0], val[1], tuple(val[2]),
                                           None if val[3] is None else tuple(val[3])))
        raise ProtocolError(f"bad header: a malformed {tag[:8]!r} node")


def _file_node(val: Any) -> bool:
    shapes = (val[2], val[3]) if type(val) is list and len(val) == 4 else ()
    return (len(shapes) == 2 and type(val[0]) is str and type(val[1]) is str
            and all(s is None or (type(s) is list and len(s) <= MAX_NDIM
                                  and all(type(n) is int and n >= 0 for n in s))
                    for s in shapes) and shapes[0] is not None)


def decode(payload: bytearray, header_len: int, *, max_bytes: int = DEFAULT_MAX_BYTES,
           max_elements: int | None = None, make_ref: Callable[[int, str], Any] | None = None,
           who: str = "returned", open_file: Callable[[DataFile], Any] | None = None) -> Any:
    """The message in ``payload`` (header + blob, without the prefix), validated strictly.

    Arrays are checked from the header (dtype, element count, bytes) before any is built, and are
    built with ``np.frombuffer`` (writable views of ``payload`` when it is a ``bytearray``).
    ``make_ref(id, type)`` builds the value of an object handle, ``open_file(DataFile)`` that of
    a data file (None: refused, as on the grader's side). ``who`` starts error messages.
    """
    if max_elements is None:
        max_elements = max(1, max_bytes // 8)
    try:
        doc = _JSON_IN.decode(bytes(payload[:header_len]).decode("utf-8"))
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"bad header: not valid JSON ({type(e).__name__})") from None
    if type(doc) is not dict or set(doc) != {"v", "arrays", "body"} or doc["v"] != VERSION:
        raise ProtocolError("bad header: not a protocol message of this version")
    blob = memoryview(payload)[header_len:]
    table = _array_table(doc["arrays"], len(blob), who, max_bytes, max_elements)
    arrays = []
    for dt, shape, offset, count in table:
        a = np.frombuffer(blob, dtype=dt, count=count, offset=offset) if count else np.empty(0, dt)
        arrays.append(a.reshape(shape))
    spare = max_bytes - sum(a.nbytes for a in arrays)
    return _Decoder(arrays, make_ref, who, open_file, spare).tree(doc["body"], 0)


# -- framing over pipes ------------------------------------------------------------------------
def _wait(fd: int, events: int, deadline: float | None) -> None:
    """Block until ``fd`` is ready; TimeoutError at ``deadline`` (None: wait for ever)."""
    poller = select.poll()
    poller.register(fd, events)
    while True:
        if deadline is None:
            poller.poll()
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer before the deadline")
        if poller.poll(remaining * 1000.0 + 1):
            return


def _read_into(fd: int, buf: bytearray, deadline: float | None, spin: float = 0.0) -> int:
    """Fill ``buf`` from ``fd``; returns the number of bytes read (short only at EOF).

    A non-blocking ``fd`` is read first and polled only when empty (the fast path: a reply has
    usually fully arrived by the time its prefix is read); a blocking one is polled before each
    read when there is a deadline. ``spin``: seconds a non-blocking ``fd`` is read again and
    again before it is polled (an idle core takes tens of microseconds to wake up, more than a
    short request takes; ``Limits.spin_seconds``).
    """
    view = memoryview(buf)
    got = 0
    poll_first = deadline is not None and os.get_blocking(fd)
    spin_until = None
    while got < len(buf):
        if poll_first:
            _wait(fd, select.POLLIN, deadline)
        try:
            n = os.readv(fd, [view[got:]])
        except BlockingIOError:
            if spin:   # never past the deadline: polling then raises TimeoutError
                now = time.monotonic()
                if spin_until is None:
                    spin_until = now + spin if deadline is None else min(now + spin, deadline)
                if now < spin_until:
                    continue
            _wait(fd, select.POLLIN, deadline)
            continue
        if n == 0:
            break
        got += n
    return got


def read_frame(fd: int, *, max_bytes: int = DEFAULT_MAX_BYTES,
               deadline: float | None = None, spin: float = 0.0) -> tuple[bytearray, int]:
    """Read one frame: ``(payload, header_len)``. EOFError at end of stream, TimeoutError at the
    deadline (``time.monotonic()`` seconds), ProtocolError when the announced size is over the cap.
    """
    prefix = bytearray(PREFIX.size)
    got = _read_into(fd, prefix, deadline, spin)
    if got < PREFIX.size:
        raise EOFError("the other side closed the channel" + (" mid-message" if got else ""))
    header_len, blob_len = PREFIX.unpack(prefix)
    if header_len > max_bytes + HEADER_SLACK or header_len + blob_len > max_bytes + HEADER_SLACK:
        raise ProtocolError(f"sent a message of {size_text(header_len + blob_len)}, over the "
                            f"{size_text(max_bytes)} cap")
    payload = bytearray(header_len + blob_len)
    if _read_into(fd, payload, deadline) < len(payload):
        raise EOFError("the other side closed the channel mid-message")
    return payload, header_len


def write_frame(fd: int, chunks: list, deadline: float | None = None) -> None:
    """Write all ``chunks`` (the deadline is kept only if ``fd`` is non-blocking, or polled)."""
    if len(chunks) > 1 and sum(memoryview(c).nbytes for c in chunks) <= 1 << 20:
        chunks = [b"".join(chunks)]
    poll_first = deadline is not None and os.get_blocking(fd)
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        while view:
            if poll_first:
                _wait(fd, select.POLLOUT, deadline)
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                _wait(fd, select.POLLOUT, deadline)
                continue
            view = view[n:]


def send(fd: int, message: Any, *, max_bytes: int = DEFAULT_MAX_BYTES,
         ref_of: Callable[[Any], tuple[int, str] | None] | None = None,
         deadline: float | None = None) -> None:
    """Encode ``message`` and write it as one frame."""
    write_frame(fd, encode(message, max_bytes=max_bytes, ref_of=ref_of), deadline)


def recv(fd: int, *, max_bytes: int = DEFAULT_MAX_BYTES,
         make_ref: Callable[[int, str], Any] | None = None, deadline: float | None = None,
         who: str = "returned", spin: float = 0.0) -> Any:
    """Read and decode one message."""
    payload, header_len = read_frame(fd, max_bytes=max_bytes, deadline=deadline, spin=spin)
    return decode(payload, header_len, max_bytes=max_bytes, make_ref=make_ref, who=who)
