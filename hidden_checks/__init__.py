"""Checks that a packaged rubric hides from students (``visibility`` other than ``visible``).

Instructor-side code, like ``reference/`` and ``known_mistakes/``: it lives in the source
checkout and travels in instructor packs (``code/hidden_checks/``), never in the engine wheel or
a student pack, so nothing a student can install names a hidden check (docs/deployment.md,
"The engine wheel holds no solution"). Each module registers its checks with the engine's own
API (``grader.checks.base.check``, ``grader.checks.toolkit.register``) and reuses the engine's
public helpers; ``grader.checks.load_catalogue`` imports this package whenever it is importable
(the source checkout, or an activated instructor pack).
"""
from . import linear_classifiers, losses, optim  # noqa: F401   importing registers the checks
