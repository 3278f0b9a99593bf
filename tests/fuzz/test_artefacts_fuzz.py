"""Fuzzed artefacts into the artefact checks (grader/checks/artefacts.py): a valid CS182
``submission_logs/`` folder in which one file is replaced by generated content.

``.npz`` files get arrays of random numeric dtypes and shapes (NaN and infinities included),
object arrays (pickled), extra or missing keys, random bytes, cut or corrupted archives; JSON
files get any JSON value (NaN and Infinity literals included), wrong types, random bytes and text.

Property: every check ends in passed, failed or partial with a message; never ``error`` (a crash
inside a check), never an exception out of ``run_check``, and nothing is ever unpickled.
"""
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader.engine import run_check
from grader.rubric import RubricCheck
from tests.grader.checks.test_artefacts import CHECKS, write_valid_logs

NPZ_FILES = ["optimizer_experiment_adam", "sgd_momentum_compare_sgd_100",
             "sgd_momentum_compare_sgd_momentum_200", "initialization_experiment_he",
             "best_fc_model"]
JSON_FILES = ["results", "w_stds_he", "w_stds_zero"]
KEYS = ["train_losses", "train_accs", "val_accs", "accuracy_iterations", "mean_gradient_norms",
        "x", "arr_0"]


class Boom:
    """Unpickling this would create a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


numeric = hnp.arrays(
    st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8, np.bool_]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=40))
floats = hnp.arrays(np.float64, st.integers(0, 400),
                    elements=st.floats(allow_nan=True, allow_infinity=True, width=64))
arrays = st.one_of(numeric, floats, floats.map(lambda a: a.reshape(-1, 1)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=12) | st.dictionaries(
        st.sampled_from(["val_acc", "test_acc", "lr", "num_epochs", "batch_size", "lr_decay",
                         "update_rule", "x"]) | st.text(max_size=5), kids, max_size=8),
    max_leaves=30)


def npz_bytes(data, valid: Path, unpickled: Path) -> bytes:
    kind = data.draw(st.sampled_from(["mutated", "mutated", "arrays", "object", "bytes", "cut",
                                      "flip"]))
    if kind == "bytes":
        return data.draw(st.binary(max_size=500))
    if kind == "mutated":   # the valid file with one key replaced, dropped or added
        with np.load(valid) as npz:
            members = {k: npz[k] for k in npz.files}
        key = data.draw(st.sampled_from(KEYS))
        if data.draw(st.booleans()) and key in members:
            del members[key]
        else:
            members[key] = data.draw(arrays)
    else:
        members = data.draw(st.dictionaries(st.sampled_from(KEYS), arrays, max_size=5))
    if kind == "object":
        members[data.draw(st.sampled_from(KEYS))] = np.array([Boom(str(unpickled)), 1.0],
                                                             dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **members)
    raw = bytearray(buffer.getvalue())
    if kind == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw)))]
    elif kind == "flip" and raw:
        for i in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=6)):
            raw[i] ^= data.draw(st.integers(1, 255))
    return bytes(raw)


def json_bytes(data) -> bytes:
    kind = data.draw(st.sampled_from(["value", "value", "value", "bytes", "text"]))
    if kind == "bytes":
        return data.draw(st.binary(max_size=200))
    if kind == "text":
        return data.draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return json.dumps(data.draw(json_values), allow_nan=True).encode()


@pytest.fixture(scope="module")
def valid_logs(tmp_path_factory):
    return write_valid_logs(tmp_path_factory.mktemp("valid") / "submission_logs")


def run_all(package: Path) -> list:
    results = []
    for check_id in CHECKS:
        rc = RubricCheck(id=check_id, points=1.0, tolerance=None, visibility="visible",
                         timeout=10.0, partial_credit={"rule": "all_or_nothing"}, params={})
        results.append(run_check("artefacts", rc, None, {}, None, package))
    return results


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(st.data())
def test_one_fuzzed_artefact_never_crashes_a_check(valid_logs, data):
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp, "hw", "deeplearning")
        package.mkdir(parents=True)
        logs = Path(tmp, "hw", "submission_logs")
        shutil.copytree(valid_logs, logs, copy_function=os.link)   # hard links: fast
        unpickled = Path(tmp, "unpickled")
        if data.draw(st.booleans()):
            name = data.draw(st.sampled_from(NPZ_FILES)) + ".npz"
            content = npz_bytes(data, valid_logs / name, unpickled)
        else:
            name = data.draw(st.sampled_from(JSON_FILES)) + ".json"
            content = json_bytes(data)
        (logs / name).unlink()   # a new file, not a write through the shared link
        (logs / name).write_bytes(content)
        results = run_all(package)
        assert not unpickled.exists(), "an artefact was unpickled"
    errors = [(r.name, r.message) for r in results if r.status == "error"]
    assert errors == []
    assert all(r.message for r in results if r.status != "passed")
