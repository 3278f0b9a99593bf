"""The grader's copy of the course helper ``data_utils.py`` (Python 3: ``pickle`` with
``encoding='latin1'``, no ``cPickle``, no ``scipy.misc.imread``).

Supplied by ``grader.profiles`` when a submission's copy is missing, Python 2 only, or imports the
PyPI package ``future``. The CIFAR-10 loaders are the reference's; ``get_CIFAR10_data`` looks for
the data in ``cifar10_dir``, then ``$CIFAR10_DIR``, then the course's ``datasets/
cifar-10-batches-py`` beside this file. Returns images channels-first (N, 3, 32, 32), float64,
the mean training image subtracted when ``subtract_mean``.
"""
import os
import pickle

import numpy as np

CIFAR10_ENV_VAR = "CIFAR10_DIR"
COURSE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets", "cifar-10-batches-py")


def load_CIFAR_batch(filename):
    """Load one batch file of cifar-10-batches-py.

    The file is a pickle (written by Python 2, hence encoding='latin1') of a
    dict whose 'data' entry is a uint8 array (n, 3072): per row the 1024 red,
    then 1024 green, then 1024 blue values, each plane row-major 32 x 32; and
    whose 'labels' entry is a list of n ints. Keys may be str or bytes.

    Returns a tuple of:
    - X: (n, 32, 32, 3) float64 images, channels last.
    - Y: (n,) int64 labels.
    """
    with open(filename, "rb") as f:
        datadict = pickle.load(f, encoding="latin1")
    datadict = {k.decode("latin1") if isinstance(k, bytes) else k: v
                for k, v in datadict.items()}
    X = np.asarray(datadict["data"])
    Y = np.asarray(datadict["labels"], dtype=np.int64)
    X = X.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)
    return X, Y


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10 from the folder ROOT (cifar-10-batches-py).

    Returns a tuple of:
    - Xtr: (50000, 32, 32, 3) float64, data_batch_1 .. data_batch_5 in order.
    - Ytr: (50000,) int64.
    - Xte: (10000, 32, 32, 3) float64, test_batch.
    - Yte: (10000,) int64.
    """
    xs = []
    ys = []
    for b in range(1, 6):
        X, Y = load_CIFAR_batch(os.path.join(ROOT, "data_batch_%d" % (b,)))
        xs.append(X)
        ys.append(Y)
    Xtr = np.concatenate(xs)
    Ytr = np.concatenate(ys)
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte


def _split(X_train_all, y_train_all, X_test_all, y_test_all,
           num_training, num_validation, num_test, subtract_mean, name):
    """Split, subtract the mean training image and transpose to channels-first.

    Inputs are channels-last (N, H, W, C) images. Training is rows
    [0, num_training), validation rows [num_training, num_training +
    num_validation) of the training pool, test the first num_test rows of
    the test pool.
    """
    if num_training + num_validation > X_train_all.shape[0]:
        raise ValueError("%s: num_training + num_validation = %d exceeds the %d training images"
                         % (name, num_training + num_validation, X_train_all.shape[0]))
    if num_test > X_test_all.shape[0]:
        raise ValueError("%s: num_test = %d exceeds the %d test images"
                         % (name, num_test, X_test_all.shape[0]))
    X_val = X_train_all[num_training:num_training + num_validation].astype(np.float64)
    y_val = y_train_all[num_training:num_training + num_validation]
    X_train = X_train_all[:num_training].astype(np.float64)
    y_train = y_train_all[:num_training]
    X_test = X_test_all[:num_test].astype(np.float64)
    y_test = y_test_all[:num_test]

    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),
        "y_train": y_train.astype(np.int64),
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val.astype(np.int64),
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test.astype(np.int64),
    }


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True, cifar10_dir=None):
    """CIFAR-10 split for training, as in the course's data_utils.

    Training images are 0:num_training of the 50000, validation images the
    next num_validation, test images the first num_test of test_batch.

    Inputs:
    - num_training, num_validation, num_test: split sizes.
    - subtract_mean: subtract the mean training image from all three splits.
    - cifar10_dir: the cifar-10-batches-py folder; defaults to the
      environment variable CIFAR10_DIR.

    Returns a dict with keys X_train (num_training, 3, 32, 32), y_train
    (num_training,), X_val, y_val, X_test, y_test; images float64, labels int64.

    Raises FileNotFoundError naming CIFAR10_DIR when no folder is given or
    the folder holds no data_batch_1.
    """
    if cifar10_dir is None:
        cifar10_dir = os.environ.get(CIFAR10_ENV_VAR) or COURSE_DIR
    if cifar10_dir is None:
        raise FileNotFoundError(
            "CIFAR-10 not found: pass cifar10_dir or set the environment variable %s "
            "to a cifar-10-batches-py folder" % CIFAR10_ENV_VAR)
    if not os.path.isfile(os.path.join(cifar10_dir, "data_batch_1")):
        raise FileNotFoundError(
            "CIFAR-10 not found: %r holds no data_batch_1; cifar10_dir (or the environment "
            "variable %s) must name a cifar-10-batches-py folder" % (str(cifar10_dir), CIFAR10_ENV_VAR))
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)
    return _split(X_train, y_train, X_test, y_test, num_training, num_validation,
                  num_test, subtract_mean, "get_CIFAR10_data")
