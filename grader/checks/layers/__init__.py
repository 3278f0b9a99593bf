"""Checks for ``layers.py``, one module per family of layers.

Importing this package registers them all: ``affine_relu`` (the pattern every other layer check
follows), ``losses`` (softmax and SVM), ``dropout``, ``normalization`` (batch and layer norm) and
``side_effects`` (every function leaves the caller's arrays unchanged).
"""
from __future__ import annotations

from . import affine_relu, dropout, losses, normalization, side_effects  # noqa: F401  (registers the checks)
