"""Naming the student's mistake: is a wrong output exactly what a KNOWN mistake produces?

Fixture builders run the reference with a known mistake applied (small private functions next to
each builder) on the SAME inputs as the check, and store those outputs beside the expected ones
under ``"<key>.<mistake>"`` (``mistake_key``). When a student's output is wrong, the check asks
``which_mistake`` whether it equals one of them and, if so, names the mistake in its failure
message (``with_diagnosis``): first what differs, then the named mistake, then the hint.

A mistake is named only on clear evidence:

* the student's output matches the mistake's output to ``tol`` (relative error, 1e-6 by default;
  non-finite entries must sit at the same places with the same values: NaN matches NaN);
* the mistake's output is far from the correct one (relative error above ``far``, by default
  1000 x ``tol``), so a mistake that does not change the result on this input is never named;
* no other known mistake matches as well (two mistakes with the same output are ambiguous).

An output that is merely wrong in another way matches nothing, and the message stays as it was.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from .compare import as_array, compare_array, rel_error

MATCH_TOL = 1e-6
MARGIN = 1e3  # a named mistake's output is at least MARGIN x tol away from the correct one


def mistake_key(key: str, mistake: str) -> str:
    """The fixture key of ``key``'s value computed with ``mistake`` applied: ``"<key>.<mistake>"``."""
    return f"{key}.{mistake}"


def distance(got: Any, expected: Any) -> float:
    """Relative error between two outputs (arrays, scalars, or tuples of them); ``inf`` when they
    cannot be compared (other shapes, other lengths, NaN/inf at different places)."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return float("inf")
        return max((distance(g, e) for g, e in zip(got, expected)), default=0.0)
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = as_array("value", got, expected.shape)
    if problem:
        return float("inf")
    finite = np.isfinite(expected)
    if not np.array_equal(finite, np.isfinite(arr)):
        return float("inf")
    # NaN == NaN and inf == inf (with its sign) at the non-finite places.
    if not np.array_equal(arr[~finite], expected[~finite], equal_nan=True):
        return float("inf")
    if not finite.any():
        return 0.0
    return rel_error(arr[finite], expected[finite])


class Either(list):
    """Several outputs that show the same mistake (it can be written in more than one way)."""


def which_mistake(got: Any, candidates: Mapping[str, Any], *, expected: Any = None,
                  tol: float = MATCH_TOL, far: float | None = None) -> str | None:
    """The description of the one known mistake whose output ``got`` equals, or ``None``.

    ``candidates`` maps a description (what the student's code does, e.g. "dbeta is the batch
    mean, not the sum over the batch") to the output the reference gives with that mistake on
    the check's input (an ``Either`` of outputs when the mistake has several forms). With
    ``expected`` (the correct output), a mistake whose output is within ``far`` of it is never
    named: on this input it is indistinguishable from a correct answer (default: MARGIN x tol).
    """
    far = MARGIN * tol if far is None else far
    matches = []
    for description, value in candidates.items():
        for output in value if isinstance(value, Either) else [value]:
            if expected is not None and distance(output, expected) <= far:
                continue
            if distance(got, output) <= tol:
                matches.append(description)
    return matches[0] if len(set(matches)) == 1 else None


def stored(fixture: Mapping[str, np.ndarray], keys: str | tuple[str, ...],
           mistakes: Mapping[str, str]) -> dict[str, Any]:
    """The candidates a fixture holds for ``keys``: ``{description: value}`` for each mistake
    ``name -> description`` whose values were stored under ``mistake_key(key, name)``.

    With a tuple of keys (e.g. ``("r_loss", "r_dx")``) each value is the tuple of the stored
    values; a mistake missing for any key is left out (fixtures built before it was known).
    Mistakes sharing a description (one mistake written in several ways) become an ``Either``.
    """
    names = (keys,) if isinstance(keys, str) else tuple(keys)
    found: dict[str, Either] = {}
    for mistake, description in mistakes.items():
        wanted = [mistake_key(key, mistake) for key in names]
        if all(key in fixture for key in wanted):
            values = tuple(fixture[key] for key in wanted)
            found.setdefault(description, Either()).append(values[0] if isinstance(keys, str) else values)
    return dict(found)


def sample(candidates: Mapping[str, Any], coords: np.ndarray) -> dict[str, Any]:
    """The candidates' values at the flat indices ``coords`` (for a gradient checked on a sample)."""
    def pick(value):
        if isinstance(value, Either):
            return Either(pick(v) for v in value)
        return np.asarray(value, dtype=np.float64).reshape(-1)[coords]
    return {description: pick(value) for description, value in candidates.items()}


def scaled(expected: Any, factors: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Candidates that are the correct output times a factor: ``{description: factor * expected}``
    (a gradient summed where it should be averaged is N times the right one)."""
    expected = np.asarray(expected, dtype=np.float64)
    return {description: factor * expected for description, factor in factors.items()}


def with_diagnosis(message: str, mistakes: Iterable[str | None]) -> str:
    """``message`` followed by the named mistakes (each once, in order), if any."""
    named = list(dict.fromkeys(m for m in mistakes if m))
    if not named:
        return message
    return f"{message}. Diagnosis: {'; '.join(named)}"


def reshaped(name: str, got: Any, expected: Any, tol: float = MATCH_TOL) -> str | None:
    """A diagnosis when ``got`` holds the expected values in another shape (e.g. flattened)."""
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = as_array(name, got)
    if problem or arr.shape == expected.shape or arr.size != expected.size or arr.size == 0:
        return None
    if distance(arr.reshape(expected.shape), expected) > tol:
        return None
    how = "flattened" if arr.ndim < expected.ndim else "in another shape"
    return f"the values of {name} are right but {how}: reshape {name} to the shape of its input"


def diagnose(name: str, got: Any, expected: Any, candidates: Mapping[str, Any] | None = None,
             tol: float = MATCH_TOL) -> str | None:
    """The known mistake ``got`` matches (see ``which_mistake``), or right values in the wrong shape."""
    return (which_mistake(got, candidates or {}, expected=expected, tol=tol)
            or reshaped(name, got, expected, tol))


class Diagnoses:
    """Collects the mistakes named while a check compares several outputs, to name them once at
    the end of its message: ``problem = d.compare(...)`` ... ``Outcome.fail(d.message(text))``."""

    def __init__(self):
        self.found: list[str] = []

    def add(self, mistake: str | None) -> str | None:
        if mistake:
            self.found.append(mistake)
        return mistake

    def check(self, got: Any, candidates: Mapping[str, Any], *, expected: Any = None,
              tol: float = MATCH_TOL) -> str | None:
        """``which_mistake``, remembering the match."""
        return self.add(which_mistake(got, candidates, expected=expected, tol=tol))

    def compare(self, name: str, got: Any, expected: Any, tol: float,
                candidates: Mapping[str, Any] | None = None, *, metric: str = "rel_error") -> str | None:
        """``compare_array``; when it reports a problem, look for a known mistake too."""
        problem = compare_array(name, got, expected, tol, metric)
        if problem:
            self.add(diagnose(name, got, expected, candidates))
        return problem

    def message(self, message: str) -> str:
        return with_diagnosis(message, self.found)

    def __bool__(self) -> bool:
        return bool(self.found)
