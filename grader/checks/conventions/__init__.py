"""Checks for course conventions whose expected values differ from the canonical ones, one module
per convention family (``momentum``, ``dropout``, ``fc_net``, ``neural_net``, ``training``).

The canonical checks follow CS231n (and the course profiles' call adapters translate keyword and
key names), but some conventions change the VALUES a correct submission produces. Each has its
own checks here, with oracles from ``reference.course_conventions`` or from the reference under a
documented transformation:

* ``sgd_momentum_cs182.*``: Berkeley CS182's ``v = mu*v + dw; next_w = w - lr*v`` (docs/courses.md §3.11:
  next_w[0, 0] = -0.39994, velocity[0, 0] = -0.06). A CS231n-form velocity is named as such.
* ``sgd_nesterov_momentum.values``: UCLA HW4's Nesterov rule (CS231n sign, look-ahead form).
* ``dropout_forward.drop_probability``: courses where dropout's ``p`` is the DROP probability
  (CS231n 2016-2017, CS182, UCLA 2022+). The profile's adapter passes 1 - keep; a seeded mask may
  be drawn as ``rand < 1 - p`` or as ``rand >= p`` (both correct), so either is accepted.
* ``fc_net.dropout_drop_probability``: the FullyConnectedNet with dropout for those courses, with
  either mask form.
* ``fc_net.batchnorm_train_mode``: UCLA and CS182 starters ship ``bn_param[mode] = mode`` (the
  key is not ``'mode'``), which students are not asked to fix: the batchnorm net is graded in
  train mode only.
* ``neural_net_cs231n.*``: CS231n 2016-2020's stand-alone ``TwoLayerNet`` stores **W1 (D, H)**,
  W2 (H, C) (UCLA's, the canonical one, stores them transposed) and its 2017+ notebook regularises
  with ``reg * sum(W**2)`` (no 0.5): ``loss(X, y, reg=0.05)`` = 1.30378789133 and the toy run
  ends at 0.017149607938732093 (the course notebook's figures, reproduced here from the reference
  with the weights transposed and reg doubled). ``neural_net_reg`` says which is accepted:
  ``"full"`` (2018-2020) or ``"either"`` (2016-2017, whose 2016 notebook used 0.5 * reg).
* ``training.bn_dropout_accuracy``: UCLA HW4's final model (batchnorm + dropout, adam), trained in
  the worker and measured by the grader with the reference forward pass.
"""
from __future__ import annotations

from . import dropout, fc_net, momentum, neural_net, training  # noqa: F401  (registers the checks)
