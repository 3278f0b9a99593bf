"""A generated dataset in the exact ``cifar-10-batches-py`` format, with learnable classes.

``write_fake_cifar10(folder)`` writes ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and
``batches.meta`` as the real files are (docs/courses.md §2.10): pickled dicts with ``b'data'``, a
uint8 ``(n, 3072)`` array (red, green, blue 32 x 32 planes, row-major), ``b'labels'``, a list of
ints in 0..9, ``b'batch_label'`` and ``b'filenames'``; ``batches.meta`` holds ``b'label_names'``,
``b'num_cases_per_batch'`` and ``b'num_vis'``.

Each class is a fixed random pattern of 8 x 8 blocks per colour plane; an example is its class
pattern at a random contrast plus block noise (which hides the pattern partly), upsampled to
32 x 32, plus one of a pool of pixel-noise images: the class means classify about 85 % of the images correctly, so a net can
learn the classes but not perfectly.
Everything comes from one seeded RNG (same files on every run). ``per_batch`` = 10000 gives the
real sizes (50000 training + 10000 test images); tests use a smaller ``per_batch`` of the same
format when full size is not needed.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

BLOCKS = (3, 8, 8)
PATTERN_STD, COARSE_NOISE, PIXEL_NOISE = 8.0, 25.0, 48.0
NOISE_POOL = 2048   # pixel-noise images drawn from (generating fresh noise for each is slow)
LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck"]


def _batch(rng: np.random.Generator, patterns: np.ndarray, noise: np.ndarray, n: int,
           label: str) -> dict:
    labels = rng.integers(0, 10, size=n)
    images = np.empty((n, 3072), np.uint8)
    for i in range(0, n, 2000):    # in chunks: a full batch needs ~40 MB of float32 at a time
        j = slice(i, min(i + 2000, n))
        m = j.stop - j.start
        contrast = rng.uniform(0.5, 1.0, size=(m, 1, 1, 1)).astype(np.float32)
        coarse = contrast * patterns[labels[j]] + COARSE_NOISE * rng.standard_normal(
            (m,) + BLOCKS, dtype=np.float32)
        x = 128.0 + coarse.repeat(4, axis=2).repeat(4, axis=3).reshape(m, 3072)
        x += noise[rng.integers(0, len(noise), size=m)]
        images[j] = np.clip(x, 0, 255).astype(np.uint8)
    return {b"batch_label": label.encode(), b"labels": labels.tolist(), b"data": images,
            b"filenames": [f"img_{label.replace(' ', '_')}_{k}.png".encode() for k in range(n)]}


def write_fake_cifar10(folder: Path, per_batch: int = 10000, seed: int = 0) -> Path:
    """Write the seven files into ``folder`` (created); returns it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    patterns = PATTERN_STD * rng.standard_normal((10,) + BLOCKS, dtype=np.float32)
    noise = PIXEL_NOISE * rng.standard_normal((NOISE_POOL, 3072), dtype=np.float32)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        label = f"training batch {i + 1} of 5" if i < 5 else "testing batch 1 of 1"
        with open(folder / name, "wb") as f:
            pickle.dump(_batch(rng, patterns, noise, per_batch, label), f, protocol=2)
    meta = {b"num_cases_per_batch": per_batch, b"label_names": [n.encode() for n in LABEL_NAMES],
            b"num_vis": 3072}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=2)
    return folder
