"""The batchnorm FullyConnectedNet of courses whose starter keeps ``bn_param[mode] = mode``: graded in
train mode only."""
from __future__ import annotations

from .. import fc_net as fc
from ..base import CheckContext, Outcome, check
from ..compare import join_problems


# ---------------------------------------------------------------------------------------------
# batchnorm net, train mode only
# ---------------------------------------------------------------------------------------------
@check("fc_net.batchnorm_train_mode", kind="gradient", fixture="fc_net", tolerance=1e-7)
def check_fc_batchnorm_train_mode(ctx: CheckContext) -> Outcome:
    """With batchnorm, train-mode loss and grads (gamma, beta too) match the reference and a numeric
    gradient (test mode is not graded: the starter's ``bn_param[mode] = mode`` line is given code).

    Requirement: FullyConnectedNet with batch normalization in train mode (docs/courses.md
    §2.5.3).
    """
    f = ctx.fixture()
    problems = fc.train_problems(ctx, f, "bn")
    if problems:
        return Outcome.fail(f"{fc.describe_variant('bn')} in train mode: {join_problems(problems)}",
                            hint="use batchnorm_forward with gamma{i}, beta{i} and self.bn_params[i] "
                                 "after each hidden affine layer, before the ReLU")
    return Outcome.ok("batchnorm net: train-mode loss and gradients right")
