"""The grader's copy of the course helper ``vis_utils.py`` (Python 3, numpy only).

Supplied by ``grader.profiles`` when a submission's copy is missing, Python 2 only, or imports the
PyPI package ``future``. Nothing here is graded; notebooks use it to draw weights as a grid.
"""
from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Lay out a stack of images as one grid image.

    Inputs:
    - Xs: array (N, H, W, C) of N images.
    - ubound: each image is rescaled to [0, ubound].
    - padding: pixels of zeros between images.

    Returns an array (G*(H+padding)-padding, G*(W+padding)-padding, C) with G = ceil(sqrt(N)).
    """
    (N, H, W, C) = Xs.shape
    grid_size = int(ceil(sqrt(N)))
    grid_height = H * grid_size + padding * (grid_size - 1)
    grid_width = W * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, C))
    next_idx = 0
    y0, y1 = 0, H
    for _ in range(grid_size):
        x0, x1 = 0, W
        for _ in range(grid_size):
            if next_idx < N:
                img = Xs[next_idx]
                low, high = np.min(img), np.max(img)
                grid[y0:y1, x0:x1] = ubound * (img - low) / max(high - low, 1e-12)
                next_idx += 1
            x0 += W + padding
            x1 += W + padding
        y0 += H + padding
        y1 += H + padding
    return grid


def vis_grid(Xs):
    """Images (N, H, W, C) in a square grid with a one-pixel gap, each scaled to [0, 1]."""
    (N, H, W, C) = Xs.shape
    A = int(ceil(sqrt(N)))
    G = np.ones((A * H + A, A * W + A, C), Xs.dtype)
    G *= np.min(Xs)
    n = 0
    for y in range(A):
        for x in range(A):
            if n < N:
                G[y * H + y:(y + 1) * H + y, x * W + x:(x + 1) * W + x, :] = Xs[n, :, :, :]
                n += 1
    maxg, ming = G.max(), G.min()
    return (G - ming) / max(maxg - ming, 1e-12)


def vis_nn(rows):
    """A list of rows, each a list of images (H, W, C), as one grid image scaled to [0, 1]."""
    N = len(rows)
    D = len(rows[0])
    H, W, C = rows[0][0].shape
    Xs = rows[0][0]
    G = np.ones((N * H + N, D * W + D, C), Xs.dtype)
    for y in range(N):
        for x in range(D):
            G[y * H + y:(y + 1) * H + y, x * W + x:(x + 1) * W + x, :] = rows[y][x]
    maxg, ming = G.max(), G.min()
    return (G - ming) / max(maxg - ming, 1e-12)
