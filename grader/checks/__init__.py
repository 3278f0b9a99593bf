"""The catalogue of checks, one module per student module.

Importing a module registers its checks and fixture builders (see ``base.check``/``base.fixture``).
``load_catalogue()`` imports them all; the engine and the fixture tools call it.
"""
from __future__ import annotations

import importlib

from .base import REGISTRY, FIXTURE_BUILDERS, CheckContext, Outcome, check, fixture  # noqa: F401

CATALOGUE = (
    "layers",
    "layer_utils",
    "optim",
    "solver",
    "fc_net",
    "neural_net",
    "training",
    "k_nearest_neighbor",
    "linear_classifiers",
    "artefacts",
    "conventions",
    "notebook",
)


def load_catalogue() -> None:
    for name in CATALOGUE:
        importlib.import_module(f"{__name__}.{name}")
