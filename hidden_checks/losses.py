"""Hidden checks of ``layers.softmax_loss`` (the engine's family: ``grader.checks.layers.losses``)."""
from __future__ import annotations

from grader.checks.base import CheckContext, Outcome, check
from grader.checks.layers.losses import softmax_check


@check("softmax_loss.log_sum_exp", kind="value", fixture="softmax_loss", tolerance=1e-8)
def check_softmax_loss_log_sum_exp(ctx: CheckContext) -> Outcome:
    """softmax_loss stays finite when a correct-class probability underflows (+1000 and -1000 in one row).

    Extra: a max shift then np.log of the probabilities is the course's own given code
    (docs/courses.md §2.1, §7.6); rubrics mark this check ``extra: true``.
    """
    return softmax_check(ctx, (("scores mixing +1000 and -1000 in a row", "lse"),),
                         "finite and correct when probabilities underflow",
                         "a probability of exp(-2000) is 0 in float64, so log(probs) is -inf: compute "
                         "the log-probabilities without taking the log of a probability")
