"""A corpus of realistic student bugs (mutants) and correct alternative implementations.

Each area of the catalogue has a module here (``layers.py``, ``optim.py`` ...) defining
``MUTANTS`` (bugs) and ``EQUIVALENTS`` (correct variants), both lists of ``Mutant``. A mutant is
the reference with ``patches`` applied (see ``tests.support.Patch``); ``caught_by`` lists the
check ids that must lose points on it, ``collateral`` lists glob patterns of other check ids
that may legitimately lose points too (e.g. a broken layer also breaks the nets that use it).
For an equivalent, ``caught_by`` is empty: it must keep full marks everywhere.

``pending`` names the check work an entry still waits for ("needs: ..."): a mutant the rubric
cannot see yet, or a correct variant that still loses points. The test runs such an entry as a
strict expected failure, so it turns into an error the day the check is fixed; then the marker
is removed. Entries modelled on real submissions say so in their description (the pattern, in
the project's own words; docs/courses.md §7 and §A5 give the course facts).
"""
from __future__ import annotations

from dataclasses import dataclass

from tests.support import Patch  # noqa: F401  (re-exported for the corpus modules)


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    patches: tuple
    caught_by: tuple = ()
    collateral: tuple = ()
    # Words a failure message must contain to count as naming this bug (all of them, any case),
    # e.g. ("batch mean", "sum"); counted by benchmarks/mutation_score.py. Empty: not declared.
    diagnosis: tuple[str, ...] = ()
    # What the checks still need before this entry behaves as declared; None: it does today.
    pending: str | None = None
