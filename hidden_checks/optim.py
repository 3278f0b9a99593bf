"""Hidden checks of ``optim.py`` (the engine's module: ``grader.checks.optim``).

The epsilon placement check separates ``sqrt(cache) + eps`` (CS231n) from ``sqrt(cache + eps)``
(the formula CS182 writes), invisible with the course's ``eps = 1e-8``.
"""
from __future__ import annotations

from grader.checks.base import CheckContext, Outcome, check
from grader.checks.diagnosis import Diagnoses, stored
from grader.checks.optim import FORMULA_MISTAKES, HINTS
from grader.checks.toolkit import call_rule


@check("rmsprop.epsilon_placement", kind="value", fixture="optim", tolerance=1e-7)
def check_rmsprop_epsilon(ctx: CheckContext) -> Outcome:
    """rmsprop adds epsilon after the square root, visible with epsilon=1e-2 and tiny gradients.

    Extra: both placements of epsilon reproduce the course's arrays (docs/courses.md §2.4,
    §3.12); rubrics mark this check ``extra: true``.
    """
    f = ctx.fixture()
    config = {"learning_rate": 1e-2, "epsilon": 1e-2}
    next_w, _, _, problem = call_rule(ctx, "rmsprop", f["rmsprop.eps_w"], f["rmsprop.eps_dw"], config)
    label = "with epsilon=1e-2 and gradients of size 1e-3"
    if problem:
        return Outcome.fail(f"{label}: {problem}", hint=HINTS["rmsprop"])
    d = Diagnoses()
    problem = d.compare("next_w", next_w, f["rmsprop.eps_next_w"], ctx.tolerance,
                        stored(f, "rmsprop.eps_next_w", FORMULA_MISTAKES["rmsprop"]))
    if problem:
        return Outcome.fail(d.message(f"{label}: {problem}"),
                            hint="divide by (np.sqrt(cache) + epsilon), not np.sqrt(cache + epsilon); "
                                 "with the notebook's epsilon=1e-8 the two agree")
    return Outcome.ok("epsilon is added after the square root")
