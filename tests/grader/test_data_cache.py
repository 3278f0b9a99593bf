"""CIFAR-10 with --data: the cache of the course split (grader/data_cache.py), the read-only
files the worker maps (grader/sandbox/data_files.py), and a training check end to end on it.

The data are generated in the exact cifar-10-batches-py format (tests/fake_cifar.py), at full
size once per session (50000 + 10000 images); the split sizes are the course's 49000 / 1000 /
1000 (docs/courses.md §2.10). Cheaper variants (errors, rebuilds) use a few hundred images with
the split sizes scaled down.
"""
import hashlib
import os
import pickle

import numpy as np
import pytest

from grader import data_cache
from grader.data_cache import DataError, prepare_cifar10, read_batch
from grader.datasets import Datasets
from grader.sandbox import Limits, ProtocolError, StudentError, Worker
from grader.sandbox import protocol
from grader.sandbox.protocol import DataFile
from reference.data_utils import load_CIFAR_batch
from tests.fake_cifar import write_fake_cifar10
from tests.support import CheckRunner, Patch, make_submission


@pytest.fixture(scope="session")
def full_cifar(tmp_path_factory):
    """(source folder, Datasets on a fresh cache) for a full-size generated CIFAR-10."""
    base = tmp_path_factory.mktemp("cifar")
    source = write_fake_cifar10(base / "cifar-10-batches-py")
    datasets = Datasets(source, cache_dir=base / "cache")
    assert datasets.prepare() is not None, datasets.problem
    return source, datasets


@pytest.fixture
def small_split(monkeypatch):
    """The course's split scaled down, for 600 + 200 generated images."""
    monkeypatch.setattr(data_cache, "NUM_TRAIN", 450)
    monkeypatch.setattr(data_cache, "NUM_VAL", 50)
    monkeypatch.setattr(data_cache, "NUM_TEST", 100)


# -- the loader and the cache ------------------------------------------------------------------
def test_the_loader_builds_the_course_split_from_the_batch_files(full_cifar):
    source, datasets = full_cifar
    data = datasets.get("cifar10")
    shapes = {k: v.shape for k, v in data.items()}
    assert shapes == {"X_train": (49000, 3, 32, 32), "y_train": (49000,), "X_val": (1000, 3, 32, 32),
                      "y_val": (1000,), "X_test": (1000, 3, 32, 32), "y_test": (1000,)}
    assert data["X_train"].dtype == np.float32 and data["y_train"].dtype == np.int64
    # Validation = training images 49000:50000 = rows 9000:10000 of data_batch_5, channels first,
    # minus the mean training image (differences of two images do not depend on the mean).
    chw, labels5 = read_batch(source / "data_batch_5")
    chw = chw.astype(np.float64)
    np.testing.assert_allclose(data["X_val"][3] - data["X_val"][7], chw[9003] - chw[9007], atol=1e-3)
    np.testing.assert_array_equal(data["y_val"], labels5[9000:])
    raw_test, labels_test = load_CIFAR_batch(str(source / "test_batch"))   # the course's loader
    np.testing.assert_array_equal(data["y_test"], labels_test[:1000])
    test_chw = raw_test.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(data["X_test"][0] - data["X_test"][1], test_chw[0] - test_chw[1], atol=1e-3)
    assert abs(float(data["X_train"].mean(dtype=np.float64))) < 1e-3      # mean image subtracted
    assert not data["X_train"].flags.writeable


def test_the_cache_is_reused_read_only_and_keyed_by_content(full_cifar):
    source, datasets = full_cifar
    folder = datasets.prepare().folder
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    again = prepare_cifar10(source, folder.parent)           # a later run: reused, not rebuilt
    assert again.folder == folder
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps
    assert folder.name == f"cifar10-{data_cache.source_key(source)}"
    assert oct(folder.stat().st_mode & 0o777) == "0o555"
    assert {oct(p.stat().st_mode & 0o777) for p in folder.iterdir()} == {"0o444"}
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]   # no temporary left over


def test_a_damaged_entry_is_rebuilt_and_other_data_get_another_entry(tmp_path, small_split):
    source = write_fake_cifar10(tmp_path / "src", per_batch=100)
    first = prepare_cifar10(source, tmp_path / "cache")
    target = first.folder / "y_val.npy"
    os.chmod(target, 0o644)
    with open(target, "r+b") as f:                           # as a student without the sandbox could
        f.seek(-8, os.SEEK_END)
        f.write(b"\x07" * 8)
    rebuilt = prepare_cifar10(source, tmp_path / "cache")
    assert rebuilt.folder == first.folder
    np.testing.assert_array_equal(rebuilt.arrays()["y_val"], read_batch(source / "data_batch_5")[1][-50:])
    other = write_fake_cifar10(tmp_path / "other", per_batch=100, seed=1)
    assert prepare_cifar10(other, tmp_path / "cache").folder != first.folder


def test_a_broken_batch_is_one_clear_message_and_the_checks_skip(tmp_path, small_split):
    source = write_fake_cifar10(tmp_path / "src", per_batch=100)
    (source / "data_batch_3").write_bytes((source / "data_batch_3").read_bytes()[:5000])
    with pytest.raises(DataError, match="data_batch_3"):
        prepare_cifar10(source, tmp_path / "cache")
    assert [p.name for p in (tmp_path / "cache").iterdir()] == []   # nothing half-written
    datasets = Datasets(source, cache_dir=tmp_path / "cache2")
    assert datasets.get("cifar10") is None and "data_batch_3" in datasets.problem
    with CheckRunner(make_submission(tmp_path / "sub"), datasets=datasets) as runner:
        result = runner.run("training.two_layer_accuracy")
    assert result.status == "skipped" and "data_batch_3" in result.message


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_batch_files_are_unpickled_as_arrays_only(tmp_path):
    path = tmp_path / "data_batch_1"
    with open(path, "wb") as f:
        pickle.dump({b"data": _Exploit(), b"labels": [0]}, f, protocol=2)
    with pytest.raises(DataError, match="not part of a CIFAR-10 batch"):
        read_batch(path)


# -- the worker's view -----------------------------------------------------------------------
STUDENT = '''
import os
import numpy as np


def describe(x):
    return [type(x).__name__, list(x.shape), str(x.dtype), bool(x.flags.writeable),
            float(x[:5].astype(np.float64).sum())]


def write_array(x):
    x[0] = 1.0


def make_writable(x):
    x.setflags(write=True)
    x[0] = 1.0


def write_file(path):
    os.chmod(path, 0o666)
    with open(path, "r+b") as f:
        f.seek(-16, os.SEEK_END)
        f.write(b"\\0" * 16)


def remove_file(path):
    os.unlink(path)
'''


def test_the_worker_maps_the_files_read_only_and_cannot_change_them(full_cifar, tmp_path):
    _, datasets = full_cifar
    files = datasets.files("cifar10")
    grader_view = datasets.get("cifar10")["X_val"]
    digest = hashlib.sha256(open(files["X_val"].path, "rb").read()).hexdigest()
    root = tmp_path / "sub"
    root.mkdir()
    (root / "layers.py").write_text(STUDENT)
    limits = datasets.sandbox_limits(Limits(call_timeout=30))
    with Worker(root, limits=limits) as w:
        kind, shape, dtype, writable, head = w.call("layers.describe", files["X_train"])
        assert (kind, shape, dtype, writable) == ("ndarray", [49000, 3, 32, 32], "float32", False)
        assert head == pytest.approx(float(datasets.get("cifar10")["X_train"][:5].astype(np.float64).sum()))
        assert w.call("layers.describe", files["X_train"].reshape(49000, -1))[1] == [49000, 3072]
        for name, arg, error in [("write_array", files["X_val"], "read-only"),
                                 ("make_writable", files["X_val"], "WRITEABLE"),
                                 ("write_file", files["X_val"].path, "rror"),
                                 ("remove_file", files["X_val"].path, "rror")]:
            with pytest.raises(StudentError, match=error):
                w.call(f"layers.{name}", arg)
        assert w.capabilities["read_only_data"]["applied"] is (os.geteuid() == 0)
    assert hashlib.sha256(open(files["X_val"].path, "rb").read()).hexdigest() == digest
    assert np.isfinite(grader_view).all()


def test_only_the_data_folders_can_be_named_and_the_grader_never_opens_a_handle(full_cifar, tmp_path):
    _, datasets = full_cifar
    root = tmp_path / "sub"
    root.mkdir()
    (root / "layers.py").write_text(STUDENT)
    outside = tmp_path / "secret.npy"
    np.save(outside, np.arange(3.0))
    with Worker(root, limits=datasets.sandbox_limits(Limits(call_timeout=30))) as w:
        with pytest.raises(StudentError):
            w.call("layers.describe", DataFile(str(outside), "<f8", (3,)))
        assert w.call("layers.describe", datasets.files("cifar10")["y_val"])[1] == [1000]
    # A reply naming a file (from a worker) is refused by the grader's decoder.
    chunks = protocol.encode({"ok": True, "result": DataFile(str(outside), "<f8", (3,))})
    payload = b"".join(bytes(c) for c in chunks)
    header_len, _ = protocol.PREFIX.unpack(payload[:protocol.PREFIX.size])
    with pytest.raises(ProtocolError, match="unexpected data file"):
        protocol.decode(bytearray(payload[protocol.PREFIX.size:]), header_len)


# -- a training check on the full split ----------------------------------------------------------
SHORT = {"cifar10": {"num_iters": 150}}   # the course's settings, 150 of its 1000 iterations


def test_a_training_check_trains_on_the_full_split_and_measures_it(full_cifar, tmp_path):
    """The reference's train() on all 49000 images reaches the course's full-credit 50 % on the
    generated (learnable) classes; the same net with labels drawn apart from the images (a real
    sampling bug) stays near chance and gets no credit."""
    _, datasets = full_cifar
    limits = datasets.sandbox_limits(Limits(call_timeout=60))
    bug = Patch("classifiers/neural_net.py", "y_batch = y[idx]",
                "y_batch = y[np.random.choice(num_train, batch_size, replace=True)]")
    outcomes = {}
    for label, patches in (("reference", ()), ("bug", (bug,))):
        root = make_submission(tmp_path / label, patches)
        with CheckRunner(root, limits=limits, datasets=datasets) as runner:
            outcomes[label] = runner.run("training.neural_net_accuracy", points=9, params=SHORT,
                                         partial_credit={"rule": "fraction"})
    ok, bad = outcomes["reference"], outcomes["bug"]
    assert ok.status == "passed" and ok.points == 9, ok.message
    assert "on cifar10" in ok.message and "none at or below 0.28" in ok.message
    assert bad.status == "failed" and bad.points == 0 and bad.measured < 0.2, bad.message


def test_every_cifar_run_keeps_the_courses_epoch_divisibility():
    """A course Solver computing num_train / batch_size as a float (Python 2 code run as
    Python 3) ends its epochs only when the batch size divides the 49000 training images."""
    from grader.checks import load_catalogue
    from grader.checks.conventions.training import BN_DROPOUT_DEFAULTS
    from grader.checks.training import TWO_LAYER_DEFAULTS, UCLA_DEFAULTS
    from grader.rubric import load_rubric

    load_catalogue()
    defaults = {"training.two_layer_accuracy": TWO_LAYER_DEFAULTS, "training.neural_net_accuracy": UCLA_DEFAULTS,
                "neural_net_cs231n.accuracy": UCLA_DEFAULTS, "training.bn_dropout_accuracy": BN_DROPOUT_DEFAULTS}
    seen = 0
    for name in ("canonical", "cs182_hw0", "cs231n_a1", "cs231n_a2_fc", "ucla_hw3", "ucla_hw4"):
        for _, rc in load_rubric(name).iter_checks():
            if rc.id in defaults:
                settings = {**defaults[rc.id]["cifar10"], **dict((rc.params or {}).get("cifar10", {}))}
                assert data_cache.NUM_TRAIN % int(settings["batch_size"]) == 0, (name, rc.id)
                assert "cifar10" in (rc.params or {}), f"{name}: {rc.id} states no full-data target"
                seen += 1
    assert seen == 9
