"""The catalogue of checks, one module per student module.

Importing a module registers its checks and fixture builders (see ``base.check``/``base.fixture``).
``load_catalogue()`` imports them all; the engine and the fixture tools call it. It also imports
the instructor-side checks, the package ``hidden_checks`` (the checks a packaged rubric hides),
whenever it is importable: from the source checkout, or from an activated instructor pack's
``code/`` (docs/deployment.md). The engine alone does not name them.
"""
from __future__ import annotations

import importlib
import importlib.util

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


#: The instructor-side check package (beside ``reference/``; ``code/`` of instructor packs).
INSTRUCTOR_CHECKS = "hidden_checks"


def load_catalogue() -> None:
    for name in CATALOGUE:
        importlib.import_module(f"{__name__}.{name}")
    if instructor_checks_available():   # a failure inside the package is not hidden
        importlib.import_module(INSTRUCTOR_CHECKS)


def instructor_checks_available() -> bool:
    """Whether the instructor-side checks can be imported here (already imported, the source
    checkout, or an activated instructor pack)."""
    try:
        return importlib.util.find_spec(INSTRUCTOR_CHECKS) is not None
    except (ImportError, ValueError):
        return False
