"""Expected durations of checks, used only to place the checks of one submission on the workers
of its pool (``grader.sandbox.pool.assign``): the longest first, each on the least loaded
worker. A wrong figure costs time, never a different result (the report does not depend on the
placement, see docs/architecture.md).

``MEASURED`` holds seconds per check id from one ``grade reference`` run of the canonical rubric
(rewrite it with ``python benchmarks/grade_speed.py --write-costs``); a check not in it gets the
default of its kind.
"""
from __future__ import annotations

#: Seconds by check kind, for checks that ``MEASURED`` does not list.
KIND_DEFAULTS = {"training": 0.3, "gradient": 0.05, "value": 0.02}
DEFAULT = 0.02

# BEGIN MEASURED (written by benchmarks/grade_speed.py --write-costs)
MEASURED: dict[str, float] = {}
# END MEASURED


def cost(check_id: str, kind: str) -> float:
    """The expected seconds of one check."""
    found = MEASURED.get(check_id)
    return found if found is not None else KIND_DEFAULTS.get(kind, DEFAULT)


__all__ = ["DEFAULT", "KIND_DEFAULTS", "MEASURED", "cost"]
