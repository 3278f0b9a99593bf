"""Hidden checks of ``classifiers/softmax.py`` (the engine's module: ``grader.checks.linear_classifiers``)."""
from __future__ import annotations

from grader.checks.base import CheckContext, Outcome, check
from grader.checks.linear_classifiers import large_scores_check


@check("softmax_loss_vectorized.extreme_logits", kind="value", fixture="softmax_scores",
       tolerance=1e-8)
def check_softmax_vectorized_extreme(ctx: CheckContext) -> Outcome:
    """softmax_loss_vectorized stays finite when the correct class's probability underflows (docs/courses.md §7.6).

    Extra: a max shift then the log of the probabilities is the course's hint (docs/courses.md
    §2.8, §7.6); rubrics mark this check ``extra: true``.
    """
    return large_scores_check(
        ctx, "softmax_loss_vectorized", "ext", "ext", "logits spread over +-1000 (the correct "
        "class's probability underflows to 0)",
        "compute log-probabilities as shifted - log(sum(exp(shifted))) (log-sum-exp) instead of "
        "np.log(probabilities), which is log(0) = -inf here")
