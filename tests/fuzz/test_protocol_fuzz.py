"""Fuzzed wire-protocol frames (grader/sandbox/protocol.py) into the grader's decoder and reply
handling: random bytes, random JSON headers and array tables, and valid frames of random plain
values with bytes flipped, cut or appended.

Property: ``decode`` returns plain data or raises ``ProtocolError``, whose message is one line;
``read_frame`` raises only ``ProtocolError``, ``EOFError`` or ``TimeoutError``; the client turns
any decoded reply into a value or a ``StudentError``/``SandboxError``, never anything else.
"""
import json
import os
import time

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.sandbox import SandboxError, StudentError, Worker, protocol
from grader.sandbox.protocol import ProtocolError, Ref

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CAP = 1 << 20   # a small cap, so that sizes over it are generated too

DTYPES = ["<f8", "<f4", "|b1", "<i8", "|u1", ">i2", "|O", "<c16", "<U3", "|V8", "<M8[s]", "f8",
          "<f3", "", "x" * 50, "<f16"]
json_leaves = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
json_trees = st.recursive(json_leaves, lambda kids: st.lists(kids, max_size=4)
                          | st.dictionaries(st.text(max_size=4), kids, max_size=3), max_leaves=20)
tags = st.sampled_from(["$t", "$d", "$a", "$dt", "$f", "$r", "$x", ""])
tagged = st.recursive(
    json_leaves,
    lambda kids: st.lists(kids, max_size=4)
    | st.builds(lambda tag, val: {tag: val}, tags,
                kids | st.integers(-2, 3) | st.sampled_from(DTYPES + ["nan", "inf", "-inf"])
                | st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3)),
    max_leaves=20)
specs = st.lists(st.one_of(
    st.tuples(st.sampled_from(DTYPES), st.lists(st.integers(-1, 300), max_size=3)).map(list),
    json_trees), max_size=4)
plain = st.recursive(
    json_leaves | hnp.arrays(st.sampled_from([np.float64, np.int32, np.bool_, np.uint8]),
                             hnp.array_shapes(min_dims=0, max_dims=3, max_side=5)),
    lambda kids: st.lists(kids, max_size=3) | st.tuples(kids, kids)
    | st.dictionaries(st.text(max_size=4), kids, max_size=3), max_leaves=10)


def frame_bytes(header: bytes, blob: bytes) -> bytearray:
    return bytearray(header + blob)


def assert_clean(payload: bytearray, header_len: int):
    try:
        return protocol.decode(payload, header_len, max_bytes=CAP, make_ref=lambda i, t: Ref(i, t))
    except ProtocolError as e:
        text = str(e)
        assert text and "\n" not in text and len(text) < 300, text
        return None


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 400))
def test_random_bytes(data, header_len):
    assert_clean(bytearray(data), header_len)


@FUZZ
@given(st.sampled_from([1, 0, 2]), specs, tagged,
       st.integers(0, 3000))
def test_random_headers_and_array_tables(version, arrays, body, blob_len):
    header = json.dumps({"v": version, "arrays": arrays, "body": body}).encode()
    assert_clean(frame_bytes(header, bytes(blob_len)), len(header))


@FUZZ
@given(plain, st.data())
def test_valid_frames_with_bytes_flipped_cut_or_appended(value, data):
    chunks = protocol.encode({"ok": True, "result": value}, max_bytes=CAP)
    frame = bytearray(b"".join(bytes(memoryview(c).cast("B")) for c in chunks))
    header_len, _ = protocol.PREFIX.unpack(frame[:16])
    payload = frame[16:]
    assert assert_clean(bytearray(payload), header_len) is not None   # intact: decodes
    how = data.draw(st.sampled_from(["flip", "cut", "append", "header_len"]))
    if how == "flip" and payload:
        for i in data.draw(st.lists(st.integers(0, len(payload) - 1), min_size=1, max_size=8)):
            payload[i] ^= data.draw(st.integers(1, 255))
    elif how == "cut":
        payload = payload[:data.draw(st.integers(0, len(payload)))]
    elif how == "append":
        payload += data.draw(st.binary(min_size=1, max_size=64))
    else:
        header_len = data.draw(st.integers(0, len(payload) + 10))
    assert_clean(payload, header_len)


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=0, max_size=80))
def test_read_frame_from_a_pipe(data):
    r, w = os.pipe()
    try:
        os.write(w, data)
        os.close(w)
        w = -1
        try:
            protocol.read_frame(r, max_bytes=CAP, deadline=time.monotonic() + 1)
        except (ProtocolError, EOFError, TimeoutError):
            pass
    finally:
        os.close(r)
        if w != -1:
            os.close(w)


@settings(max_examples=60, deadline=None)
@given(tagged)
def test_any_decoded_reply_becomes_a_value_or_a_student_or_sandbox_error(reply):
    """The client's reply handling (``Worker._unpack``) on whatever a decoder could produce."""
    worker = Worker.__new__(Worker)   # no process: _unpack only reads the reply
    worker._proc = None
    try:
        value = protocol._Decoder([], lambda i, t: Ref(i, t), "returned").tree(reply, 0)
    except ProtocolError:
        return
    try:
        Worker._unpack(worker, value, "layers.relu_forward")
    except (StudentError, SandboxError) as e:
        assert str(e)
