"""Reference data loading: CIFAR-10 batch files and the embedded digits
(docs/courses.md §2.10, §5.4; docs/courses.md §A1.3; docs/architecture.md 'Embedded dataset')."""

import csv
import gzip
import pickle
import struct

import numpy as np
import pytest

from reference import data_utils
from reference.data_utils import (get_CIFAR10_data, get_digits_data, load_CIFAR10,
                                  load_CIFAR_batch, load_digits)

# ------------------------------------------------------------------ CIFAR-10 files


def _py2_str(b):
    """A Python 2 str as pickled by Python 2 (SHORT_BINSTRING / BINSTRING)."""
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)) + b)


def _py2_int(n):
    return b"J" + struct.pack("<i", n)


def _python2_pickle(data, labels):
    """The bytes of a real cifar-10-batches-py file: a protocol-2 pickle written
    by Python 2 and numpy 1.x of {'data': uint8 array (n, 3072), 'labels': [int]}.
    Its strings (keys, and the array's raw bytes) are Python 2 str, so Python 3
    must load it with encoding='latin1' (the default 'ASCII' fails on bytes >= 128)."""
    array = (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
             b"K\x00\x85" + _py2_str(b"b") + b"\x87R"                     # empty ndarray
             b"(K\x01" + _py2_int(data.shape[0]) + _py2_int(data.shape[1]) + b"\x86"  # shape
             b"cnumpy\ndtype\n" + _py2_str(b"u1") + b"K\x00K\x01\x87R"    # dtype uint8 ...
             b"(K\x03" + _py2_str(b"|") + b"NNN" + _py2_int(-1) + _py2_int(-1) + b"K\x00tb"
             b"\x89" + _py2_str(data.tobytes()) + b"tb")                  # C order, raw bytes
    label_list = b"](" + b"".join(b"K" + bytes([v]) for v in labels) + b"e"
    return b"\x80\x02}(" + _py2_str(b"data") + array + _py2_str(b"labels") + label_list + b"u."


def _write_batch(path, data, labels, writer):
    if writer == "python2":
        path.write_bytes(_python2_pickle(data, labels))
    else:  # pickles written by Python 3, with str or bytes keys
        key = (lambda k: k.encode()) if writer == "python3-bytes-keys" else (lambda k: k)
        with open(path, "wb") as f:
            pickle.dump({key("data"): data, key("labels"): list(labels),
                         key("batch_label"): "tiny batch"}, f, protocol=2)


def _write_cifar(root, writer="python2", rows_per_batch=4, test_rows=5):
    """A tiny cifar-10-batches-py folder: data_batch_1..5 and test_batch with
    a few random rows each. Returns the raw (data, labels) of train and test."""
    rng = np.random.default_rng(0)
    root.mkdir(exist_ok=True)
    raw = {}
    for name in ["data_batch_%d" % b for b in range(1, 6)] + ["test_batch"]:
        n = test_rows if name == "test_batch" else rows_per_batch
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        _write_batch(root / name, data, labels, writer)
        raw[name] = (data, labels)
    train = [raw["data_batch_%d" % b] for b in range(1, 6)]
    return ((np.concatenate([d for d, _ in train]), np.concatenate([labels for _, labels in train])),
            raw["test_batch"])


def _to_images(data):
    """Row layout of the CIFAR format (1024 R, 1024 G, 1024 B, each row-major 32x32)
    written out element by element: image[i, r, c, ch] = data[i, ch*1024 + r*32 + c]."""
    images = np.zeros((data.shape[0], 32, 32, 3))
    for ch in range(3):
        for r in range(32):
            images[:, r, :, ch] = data[:, ch * 1024 + r * 32: ch * 1024 + r * 32 + 32]
    return images


@pytest.mark.parametrize("writer", ["python2", "python3-str-keys", "python3-bytes-keys"])
def test_load_CIFAR_batch_reads_the_pickle_format(tmp_path, writer):
    """A batch loads as (n, 32, 32, 3) float64 images, channels last, and int64 labels."""
    data = np.random.default_rng(1).integers(0, 256, size=(3, 3072), dtype=np.uint8)
    _write_batch(tmp_path / "data_batch_1", data, [4, 0, 9], writer)
    X, Y = load_CIFAR_batch(str(tmp_path / "data_batch_1"))
    assert X.shape == (3, 32, 32, 3) and X.dtype == np.float64
    assert Y.dtype == np.int64
    np.testing.assert_array_equal(X, _to_images(data))
    np.testing.assert_array_equal(Y, [4, 0, 9])


def test_load_CIFAR10_concatenates_the_five_batches(tmp_path):
    """§2.10: train = data_batch_1..5 in order, test = test_batch."""
    (train_data, train_labels), (test_data, test_labels) = _write_cifar(tmp_path / "cifar")
    Xtr, Ytr, Xte, Yte = load_CIFAR10(str(tmp_path / "cifar"))
    assert Xtr.shape == (20, 32, 32, 3) and Xte.shape == (5, 32, 32, 3)
    np.testing.assert_array_equal(Xtr, _to_images(train_data))
    np.testing.assert_array_equal(Ytr, train_labels)
    np.testing.assert_array_equal(Xte, _to_images(test_data))
    np.testing.assert_array_equal(Yte, test_labels)


def test_get_CIFAR10_data_splits_subtracts_the_mean_and_goes_channels_first(tmp_path):
    """§2.10: train = rows 0:num_training, val = the next num_validation, test =
    the first num_test of test_batch; the mean training image is subtracted from
    all three; images are (N, 3, 32, 32)."""
    (train_data, train_labels), (test_data, test_labels) = _write_cifar(tmp_path / "cifar")
    data = get_CIFAR10_data(num_training=15, num_validation=5, num_test=3,
                            cifar10_dir=str(tmp_path / "cifar"))
    shapes = {k: v.shape for k, v in data.items()}
    assert shapes == {"X_train": (15, 3, 32, 32), "y_train": (15,), "X_val": (5, 3, 32, 32),
                      "y_val": (5,), "X_test": (3, 3, 32, 32), "y_test": (3,)}
    assert all(data[k].dtype == np.float64 for k in ("X_train", "X_val", "X_test"))
    assert all(data[k].dtype == np.int64 for k in ("y_train", "y_val", "y_test"))

    images = _to_images(train_data).transpose(0, 3, 1, 2)
    mean_image = images[:15].mean(axis=0)
    np.testing.assert_allclose(data["X_train"], images[:15] - mean_image, atol=1e-9)
    np.testing.assert_allclose(data["X_val"], images[15:20] - mean_image, atol=1e-9)
    np.testing.assert_allclose(data["X_test"],
                               _to_images(test_data[:3]).transpose(0, 3, 1, 2) - mean_image, atol=1e-9)
    np.testing.assert_array_equal(data["y_val"], train_labels[15:20])
    np.testing.assert_array_equal(data["y_test"], test_labels[:3])

    raw = get_CIFAR10_data(15, 5, 3, subtract_mean=False, cifar10_dir=str(tmp_path / "cifar"))
    np.testing.assert_array_equal(raw["X_train"], images[:15])


def test_get_CIFAR10_data_reads_the_folder_from_CIFAR10_DIR(tmp_path, monkeypatch):
    _write_cifar(tmp_path / "cifar")
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "cifar"))
    data = get_CIFAR10_data(num_training=10, num_validation=2, num_test=5)
    assert data["X_train"].shape == (10, 3, 32, 32) and data["X_test"].shape == (5, 3, 32, 32)


def test_get_CIFAR10_data_without_a_folder_names_CIFAR10_DIR(tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="CIFAR10_DIR"):
        get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="CIFAR10_DIR"):
        get_CIFAR10_data(cifar10_dir=str(tmp_path))  # exists but holds no batches


def test_get_CIFAR10_data_rejects_splits_larger_than_the_data(tmp_path):
    _write_cifar(tmp_path / "cifar")
    with pytest.raises(ValueError, match="exceeds"):
        get_CIFAR10_data(num_training=19, num_validation=2, num_test=1,
                         cifar10_dir=str(tmp_path / "cifar"))


# ------------------------------------------------------------------------- digits

DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]  # UCI test set


def test_load_digits_rescales_the_csv_pixels():
    """1797 images (N, 8, 8) float64 = raw * 255 / 16, labels int64; compared with
    an independent parse of the CSV by the csv module. Class counts are those of
    the UCI optdigits test set."""
    X, y = load_digits()
    assert X.shape == (1797, 8, 8) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    with gzip.open(data_utils.DIGITS_PATH, "rt") as f:
        rows = np.array([[int(v) for v in row] for row in csv.reader(f)])
    np.testing.assert_array_equal(X, rows[:, :64].reshape(-1, 8, 8) * 255 / 16)
    np.testing.assert_array_equal(y, rows[:, 64])
    assert X.min() == 0 and X.max() == 255
    np.testing.assert_array_equal(np.bincount(y), DIGITS_CLASS_COUNTS)


def test_get_digits_data_matches_the_CIFAR_dict():
    """architecture.md: the same keys as get_CIFAR10_data, images (N, 1, 8, 8)
    float64, labels int64 in 0..9, every class present in every split."""
    data = get_digits_data()
    shapes = {k: v.shape for k, v in data.items()}
    assert shapes == {"X_train": (1297, 1, 8, 8), "y_train": (1297,), "X_val": (250, 1, 8, 8),
                      "y_val": (250,), "X_test": (250, 1, 8, 8), "y_test": (250,)}
    for split in ("train", "val", "test"):
        assert data["X_" + split].dtype == np.float64
        y = data["y_" + split]
        assert y.dtype == np.int64 and y.min() >= 0 and y.max() <= 9
        assert set(y.tolist()) == set(range(10)), "a class is missing from the %s split" % split


def test_get_digits_data_splits_in_file_order_and_subtracts_the_train_mean():
    X, y = load_digits()
    X = X[:, None]  # (N, 1, 8, 8)
    data = get_digits_data(num_training=100, num_validation=20, num_test=30)
    mean_image = X[:100].mean(axis=0)
    np.testing.assert_allclose(data["X_train"], X[:100] - mean_image, atol=1e-9)
    np.testing.assert_allclose(data["X_val"], X[100:120] - mean_image, atol=1e-9)
    np.testing.assert_allclose(data["X_test"], X[120:150] - mean_image, atol=1e-9)
    np.testing.assert_array_equal(data["y_test"], y[120:150])
    np.testing.assert_allclose(data["X_train"].mean(axis=0), 0.0, atol=1e-9)

    raw = get_digits_data(subtract_mean=False)
    np.testing.assert_array_equal(raw["X_val"], X[1297:1547])

    with pytest.raises(ValueError):
        get_digits_data(num_training=1500, num_validation=250, num_test=250)
