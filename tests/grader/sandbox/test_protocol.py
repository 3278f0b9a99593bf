"""The wire format between grader and worker (grader/sandbox/protocol.py), tested in-process.

What must hold (architecture.md, "Sandbox contract"): only plain data crosses (None, bool, int,
float, str, bool/int/uint/float arrays, lists, tuples, str-keyed dicts, Refs); tuples stay tuples;
everything else is refused with a message fit for a report; arrays are checked for dtype and size
from the header before any is built, and nothing is ever unpickled.
"""
import json
import os
import pickle
import struct
import threading
import time

import numpy as np
import pytest

from grader.sandbox import protocol
from grader.sandbox.protocol import NotPlainData, ProtocolError, Ref

MiB = 2**20


def roundtrip(value, **kwargs):
    """Encode to frame bytes and decode them again, as the two processes do."""
    frame = b"".join(bytes(memoryview(c).cast("B")) for c in protocol.encode(value, **kwargs))
    header_len, blob_len = struct.unpack(">QQ", frame[:16])
    assert len(frame) == 16 + header_len + blob_len
    return protocol.decode(bytearray(frame[16:]), header_len,
                           make_ref=lambda i, t: Ref(i, t, "s"))


def handmade(arrays, body, blob=b""):
    """A frame payload written by hand, as a hostile worker could send it."""
    header = json.dumps({"v": 1, "arrays": arrays, "body": body}).encode()
    return bytearray(header + blob), len(header)


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**80, 1.5, -0.0, 1e-300, "", "héllo", [], [1, [2, [3]]],
    (), (1,), (1, (2, 3), [4]), {}, {"a": 1, "$t": [1], "b": {"c": (None, "x")}},
])
def test_plain_values_round_trip_with_their_types(value):
    out = roundtrip(value)
    assert out == value
    assert type(out) is type(value)


def test_tuples_stay_tuples_and_lists_stay_lists_when_nested():
    out = roundtrip({"t": (1, [2, (3,)]), "l": [(4,), [5]]})
    assert type(out["t"]) is tuple and type(out["t"][1]) is list and type(out["t"][1][1]) is tuple
    assert type(out["l"][0]) is tuple and type(out["l"][1]) is list


def test_non_finite_floats_round_trip():
    out = roundtrip([float("nan"), float("inf"), float("-inf")])
    assert np.isnan(out[0]) and out[1] == np.inf and out[2] == -np.inf


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                   np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                   np.float64, np.longdouble])
def test_arrays_round_trip_with_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 7).astype(dtype)
    out = roundtrip({"a": a})["a"]
    assert type(out) is np.ndarray and out.dtype == a.dtype and out.shape == a.shape
    np.testing.assert_array_equal(out, a)


@pytest.mark.parametrize("make", [
    lambda: np.array(3.5),                                     # 0-d
    lambda: np.zeros((0, 3)),                                  # empty
    lambda: np.asfortranarray(np.arange(12.0).reshape(3, 4)),  # Fortran order
    lambda: np.arange(20.0).reshape(4, 5)[::2, 1::2],          # strided view
    lambda: np.arange(6, dtype=">f8"),                         # big-endian
    lambda: np.broadcast_to(np.arange(3.0), (4, 3)),           # small broadcast view
    lambda: np.array([np.nan, np.inf, -np.inf]),
])
def test_array_layouts_round_trip(make):
    a = make()
    out = roundtrip(a)
    assert out.shape == a.shape and out.dtype == a.dtype
    np.testing.assert_array_equal(out, a)


def test_decoded_arrays_are_writable_so_student_code_may_update_them_in_place():
    a, b = roundtrip((np.zeros(3), np.ones((2, 2), dtype=np.int32)))
    a += 1
    b[0, 0] = 5
    assert a.tolist() == [1.0, 1.0, 1.0] and b[0, 0] == 5


def test_an_array_repeated_in_a_message_is_sent_once_and_arrives_as_separate_arrays():
    x = np.arange(1000.0)
    chunks = protocol.encode([(x, 1), (x, 2), (x, 3)])
    _, blob_len = struct.unpack(">QQ", bytes(chunks[0]))
    assert blob_len == x.nbytes          # the bytes once, not three times (8000: no padding)
    out = roundtrip([(x, 1), (x, 2), (x, 3)])
    first, second, third = (args[0] for args in out)
    assert all(np.array_equal(a, x) for a in (first, second, third))
    first += 1                           # each place has an array of its own
    assert np.array_equal(second, x) and np.array_equal(third, x) and second is not third


def test_equal_but_distinct_arrays_are_each_sent():
    chunks = protocol.encode([np.zeros(100), np.zeros(100)])
    _, blob_len = struct.unpack(">QQ", bytes(chunks[0]))
    assert blob_len == 2 * 832        # each padded to a multiple of 64 bytes


def test_numpy_scalars_become_python_scalars():
    out = roundtrip([np.float32(1.5), np.float64(2.25), np.int64(-3), np.uint8(7), np.bool_(True)])
    assert out == [1.5, 2.25, -3, 7, True]
    assert [type(v) for v in out] == [float, float, int, int, bool]


def test_refs_round_trip_as_handles():
    handle = lambda x: (x.id, x.type) if isinstance(x, Ref) else None
    assert roundtrip((1, Ref(4, "tuple", "s")), ref_of=handle) == (1, Ref(4, "tuple", "s"))


def test_numeric_dtypes_cross_by_name():
    """The course's ``FullyConnectedNet(..., dtype=np.float64)`` keyword."""
    out = roundtrip({"dtype": np.float64, "d32": np.dtype("float32"), "i": np.int64})
    assert out == {"dtype": np.dtype("float64"), "d32": np.dtype("float32"), "i": np.dtype("int64")}
    assert all(isinstance(v, np.dtype) for v in out.values())
    with pytest.raises(NotPlainData, match="the dtype object"):
        protocol.encode(np.dtype(object))
    payload, header_len = handmade([], {"$dt": "|O"})
    with pytest.raises(ProtocolError, match="^returned the dtype object$"):
        protocol.decode(payload, header_len)


# -- refusals by the encoder (what a worker must not send) ----------------------------------------
class Liar:
    """Pretends to be an array (the brief's "__array__ liar")."""

    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)

    def __eq__(self, other):
        return True


def a_generator():
    yield 1


@pytest.mark.parametrize("value, words", [
    (np.array([1, None], dtype=object), "dtype object"),
    (np.asarray([[1.0, 2.0]]).view(np.matrix), "ndarray subclass (matrix)"),
    (np.ma.masked_array([1.0, 2.0]), "ndarray subclass (MaskedArray)"),
    (Liar(), "imitates an array"),
    (np.array([1 + 2j]), "dtype complex128"),
    (np.array(["a"]), "dtype <U1"),
    (np.zeros(2, dtype=[("a", "f8")]), "dtype"),
    (np.complex128(1j), "numpy scalar of dtype complex128"),
    (len, "builtin_function_or_method, not plain data"),
    (a_generator(), "a generator, not plain data"),
    (object(), "an object, not plain data"),
    ({1: "x"}, "dict keys must be strings"),
    (b"bytes", "a bytes, not plain data"),
    ({1.5, 2.5}, "a set, not plain data"),
])
def test_encoder_refuses_what_is_not_plain_data(value, words):
    with pytest.raises(NotPlainData) as err:
        protocol.encode({"out": [value]})
    assert words in str(err.value)
    assert "['out'][0]" in str(err.value)    # the message says where the bad value is


def test_a_huge_broadcast_view_is_refused_by_size_without_being_materialised():
    view = np.broadcast_to(np.float64(1.0), (10**9,))   # 8 GB if materialised
    start = time.perf_counter()
    with pytest.raises(NotPlainData, match=r"1e9 elements, over the 8.4e6 cap"):
        protocol.encode(view)
    assert time.perf_counter() - start < 0.5


def test_arrays_over_the_byte_cap_are_refused():
    with pytest.raises(NotPlainData, match=r"over the 1 MiB cap"):
        protocol.encode([np.zeros(100_000), np.zeros(100_000)], max_bytes=1 * MiB,
                        max_elements=10**9)


def test_a_cyclic_structure_is_refused_not_a_recursion_crash():
    loop = []
    loop.append(loop)
    with pytest.raises(NotPlainData, match="nested more than"):
        protocol.encode(loop)


# -- refusals by the decoder (hostile bytes from a worker) ----------------------------------------
@pytest.mark.parametrize("dtype, words", [
    ("|O", "returned an array of dtype object"),
    ("<c16", "returned an array of dtype complex128"),
    ("<U5", "returned an array of dtype str"),
    ("|V8", "returned an array of dtype void"),
    ("<M8", "returned an array of dtype datetime64"),
])
def test_decoder_refuses_bad_dtypes_from_the_header(dtype, words):
    payload, header_len = handmade([[dtype, [1]]], {"$a": 0}, bytes(64))
    with pytest.raises(ProtocolError, match=words):
        protocol.decode(payload, header_len)


def test_decoder_refuses_an_element_count_over_the_cap_before_reading_data():
    # 64 MiB / 8 bytes = 8388608 elements: "8.4e6"; 1.2e9 is what the header claims.
    payload, header_len = handmade([["<f8", [1_200_000_000]]], {"$a": 0})
    with pytest.raises(ProtocolError) as err:
        protocol.decode(payload, header_len)
    assert str(err.value) == "returned 1.2e9 elements, over the 8.4e6 cap"


def test_decoder_refuses_bytes_over_the_cap():
    payload, header_len = handmade([["<f8", [200_000]]], {"$a": 0}, bytes(1_600_000))
    with pytest.raises(ProtocolError, match="over the 1 MiB cap"):
        protocol.decode(payload, header_len, max_bytes=1 * MiB, max_elements=10**9)


def test_decoder_refuses_an_array_repeated_past_the_byte_cap():
    # one 80 KB array named 20 times: 1.6 MB of copies in a 1 MiB message is refused
    payload, header_len = handmade([["<f8", [10_000]]], [{"$a": 0}] * 20, bytes(80_000))
    with pytest.raises(ProtocolError, match="repeated past the byte cap"):
        protocol.decode(payload, header_len, max_bytes=1 * MiB)
    payload, header_len = handmade([["<f8", [10_000]]], [{"$a": 0}] * 10, bytes(80_000))
    assert len(protocol.decode(payload, header_len, max_bytes=1 * MiB)) == 10


class Boom:
    """Unpickling this would create a file: the proof that nothing is ever unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickled_member_crafted_by_hand_is_refused_and_never_unpickled(tmp_path):
    evil = tmp_path / "unpickled"
    blob = pickle.dumps(Boom(str(evil)))
    blob += bytes(-len(blob) % 64)
    payload, header_len = handmade([["|O", [1]]], {"$a": 0}, blob)
    with pytest.raises(ProtocolError, match="dtype object"):
        protocol.decode(payload, header_len)
    # the same blob claimed as bytes of a plain dtype is just numbers, never code
    payload, header_len = handmade([["|u1", [len(blob)]]], {"$a": 0}, blob)
    assert protocol.decode(payload, header_len).dtype == np.uint8
    assert not evil.exists()


@pytest.mark.parametrize("arrays, body, blob", [
    ([], {"x": 1}, b""),                       # untagged object
    ([], {"$t": 1}, b""),                      # malformed tag
    ([], {"$a": 0}, b""),                      # array index out of range
    ([], {"$f": "nope"}, b""),
    ([["<f8", [2]]], {"$a": 0}, bytes(8)),    # blob shorter than the header says
    ([["<f8", [-1]]], {"$a": 0}, b""),         # negative dimension
    ([["<f8", [True]]], {"$a": 0}, b""),       # bool as a dimension
    ([["<f3", [1]]], {"$a": 0}, bytes(64)),    # not a real dtype
])
def test_decoder_refuses_malformed_headers(arrays, body, blob):
    payload, header_len = handmade(arrays, body, blob)
    with pytest.raises(ProtocolError):
        protocol.decode(payload, header_len)


def test_decoder_refuses_non_json_nan_literals_and_deep_nesting():
    for text in (b"not json", b'{"v": 1, "arrays": [], "body": NaN}',
                 b'{"v": 1, "arrays": [], "body": ' + b"[" * 100 + b"]" * 100 + b"}",
                 b'{"v": 1, "arrays": [], "body": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"):
        with pytest.raises(ProtocolError):
            protocol.decode(bytearray(text), len(text))


def test_an_object_handle_is_refused_where_none_is_expected():
    payload, header_len = handmade([], {"$r": [1, "x"]})
    with pytest.raises(ProtocolError, match="handle"):
        protocol.decode(payload, header_len)


# -- framing over a pipe -------------------------------------------------------------------------
def test_a_large_message_crosses_a_pipe_intact():
    r, w = os.pipe()
    value = {"big": np.arange(1_000_000, dtype=np.float64), "small": (1, "two")}
    writer = threading.Thread(target=protocol.send, args=(w, value))
    writer.start()
    try:
        out = protocol.recv(r, deadline=time.monotonic() + 10)
    finally:
        writer.join()
        os.close(r)
        os.close(w)
    np.testing.assert_array_equal(out["big"], value["big"])
    assert out["small"] == (1, "two")


def test_a_spinning_read_gets_a_frame_and_stops_at_the_deadline():
    """Limits.spin_seconds: the reader reads again before it polls, never past the deadline."""
    r, w = os.pipe()
    os.set_blocking(r, False)
    try:
        timer = threading.Timer(0.02, protocol.send, args=(w, {"late": 1}))
        timer.start()
        assert protocol.recv(r, deadline=time.monotonic() + 10, spin=1.0) == {"late": 1}
        timer.join()
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            protocol.read_frame(r, deadline=t0 + 0.05, spin=30.0)
        assert time.monotonic() - t0 < 20   # the 30 s spin did not outlast the deadline
    finally:
        os.close(r)
        os.close(w)


def test_an_announced_size_over_the_cap_is_refused_before_reading():
    r, w = os.pipe()
    os.write(w, struct.pack(">QQ", 10, 2**40))
    with pytest.raises(ProtocolError, match="over the 64 MiB cap"):
        protocol.read_frame(r, deadline=time.monotonic() + 1)
    os.close(r)
    os.close(w)


def test_end_of_stream_and_deadline():
    r, w = os.pipe()
    with pytest.raises(TimeoutError):
        protocol.read_frame(r, deadline=time.monotonic() + 0.05)
    os.write(w, b"\x00" * 5)
    os.close(w)
    with pytest.raises(EOFError, match="mid-message"):
        protocol.read_frame(r, deadline=time.monotonic() + 1)
    os.close(r)
