"""The reference, for the few checks that measure with it in the trusted grader process.

Most checks compare with stored fixtures; a training check measures the accuracy of the student's
trained parameters with the reference's forward pass. The reference is instructor-side: it is in a
source checkout and in an instructor pack, never in the engine wheel or a student pack
(docs/deployment.md), whose ``reference`` package holds only the starter stubs and says so with
``STUBS = True``. Without it those checks are skipped with ``ReferenceUnavailable``'s message.
"""
from __future__ import annotations

import importlib

UNAVAILABLE = ("measured only by the instructor's grader: this installation has no reference "
               "solution (the engine wheel and a student pack never carry one)")


class ReferenceUnavailable(Exception):
    """The reference solution is not installed here (a student's installation)."""


def reference_available() -> bool:
    try:
        reference = importlib.import_module("reference")
    except ImportError:
        return False
    return not getattr(reference, "STUBS", False)


def reference_module(name: str):
    """``reference.<name>``, imported in the grader; ``ReferenceUnavailable`` when absent."""
    if not reference_available():
        raise ReferenceUnavailable(UNAVAILABLE)
    return importlib.import_module(f"reference.{name}")


__all__ = ["ReferenceUnavailable", "UNAVAILABLE", "reference_available", "reference_module"]
