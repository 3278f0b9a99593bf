"""Berkeley CS182/CS282A (package ``deeplearning``): HW0 and hw02 "Optimization and Initialization".

The package is a renamed CS231n 2017 assignment 2 (``docs/courses.md`` §A2): ``FullyConnectedNet(
hidden_dims, ..., dropout=0, use_batchnorm=False, ...)`` with dropout as a drop probability
("dropout strength", ``use_dropout = dropout > 0``), and the Solver of ``docs/courses.md`` §2.6.

* HW0 (seed S0): layers (affine/relu), TwoLayerNet, FullyConnectedNet, then training with the
  given Solver (TwoLayerNet to 50 %, overfit-50 with 3 and 5 layers).
* hw02 (seed S4; root ``hw02/code``): ``sgd_momentum`` in the course's own convention
  ``v = mu*v + dw; w -= lr*v`` (§3.11), rmsprop, adam, ``initialization='he'|'random'|'zero'``,
  the Solver's gradient-norm logging and ``log_acc_iteration``, and the ``submission_logs/``
  folder the notebook writes (§5.1). ``solver.py`` is the student's file here. In fa25
  ``TwoLayerNet`` is still a stub nobody asks for, so the Solver checks train a
  ``FullyConnectedNet`` with one hidden layer (the given forward/backward) instead.

Year variants: fa23-fa25 record ``log_acc_iteration_history`` as the 0-based ``t`` and always log
gradient norms; fa26 records ``t + 1``, logs norms only with ``record_grad_norm=True`` and saves
two more keys in the npz (accepted by the artefact checks).
"""
from __future__ import annotations

from .base import BASE_SOLVER_KEYWORDS, Course, Helper, Profile, Variant, rename_kwarg, translate_kwarg
from .evidence import Evidence

FC_NET = "classifiers.fc_net.FullyConnectedNet"
#: No dropout layer is graded in these assignments; the network's keyword is translated anyway
#: (drop probability, as in the sp22 hw1 it descends from) so that dropout_keep_ratio=1 means none.
_ADAPTERS = {
    FC_NET: (translate_kwarg("normalization", "use_batchnorm", [("batchnorm", True), (None, False)]),
             rename_kwarg("dropout_keep_ratio", "dropout", one_minus=True)),
}

VARIANTS = (
    Variant(
        "fa23-fa25",
        "Solver(log_acc_iteration=...) records the 0-based iteration; gradient norms always logged",
        adapters=_ADAPTERS,
        solver_keywords=BASE_SOLVER_KEYWORDS + ("log_acc_iteration",),
        conventions={"log_acc_iteration_base": 0},
    ),
    Variant(
        "fa26",
        "Solver(record_grad_norm=True) logs gradient norms; log_acc_iteration records t + 1",
        adapters=_ADAPTERS,
        solver_keywords=BASE_SOLVER_KEYWORDS + ("log_acc_iteration", "record_grad_norm"),
        solver_extra={"record_grad_norm": True},
        conventions={"log_acc_iteration_base": 1},
    ),
)

COURSE = Course(name="cs182", title="Berkeley CS182", package="deeplearning", variants=VARIANTS,
                default_variant="fa23-fa25")

_SOLVER = Helper("{package}/solver.py", "solver.py",
                 {'OPTIM_MODULE = "optim"': 'OPTIM_MODULE = "deeplearning.optim"'}, always=True)
_COMMON = (Helper("{package}/gradient_check.py", "gradient_check.py"),
           Helper("{package}/data_utils.py", "data_utils.py"),
           Helper("{package}/vis_utils.py", "vis_utils.py"))

HW0 = Profile(
    name="cs182_hw0",
    course=COURSE,
    title="CS182 HW0 (layers, TwoLayerNet, FullyConnectedNet, training with the Solver)",
    rubrics=("cs182_hw0",),
    helpers=_COMMON + (_SOLVER,),
    student_files=("{package}/layers.py", "{package}/layer_utils.py",
                   "{package}/classifiers/fc_net.py"),
)

HW02 = Profile(
    name="cs182_hw02",
    course=COURSE,
    title="CS182 hw02 (optimizers in the course's convention, initialization, Solver logging, "
          "submission_logs)",
    rubrics=("cs182_hw02",),
    helpers=_COMMON,
    student_files=("{package}/optim.py", "{package}/solver.py", "{package}/classifiers/fc_net.py",
                   "{package}/layers.py", "{package}/layer_utils.py"),
    conventions={"solver_model": "fully_connected"},
)

PROFILES = (HW0, HW02)

#: The submission_logs/ files only hw02's notebook writes (docs/courses.md §5.1).
HW02_LOGS = ("sgd_momentum_compare_", "initialization_experiment_", "w_stds_")

#: What a folder must show to be HW0 or hw02.
EVIDENCE = (
    Evidence("CS182 hw02", "cs182_hw02", folder=r"(?<![a-z])hw0?2(?!\d)",
             notebooks=("hw2_optimizer_init.ipynb", "q_optimizer_init.ipynb"), logs=HW02_LOGS),
    Evidence("CS182 HW0", "cs182_hw0", folder=r"(?<![a-z])hw0{1,2}(?!\d)",
             modules=("layers.py", "classifiers/fc_net.py")),
)

#: Homeworks of other terms in the same ``deeplearning`` package that no rubric covers. The
#: sp19-sp22 hw1 is a renamed CS231n 2017 assignment 2 (FC nets, batchnorm, dropout, ConvNets,
#: PyTorch) with the FC code of HW0/hw02: its notebooks, its logs and its CNN files decide.
UNSUPPORTED = (
    Evidence("CS182 hw1 (sp19-sp22: fully-connected nets, batchnorm, dropout, ConvNets, PyTorch)",
             notebooks=("ConvolutionalNetworks.ipynb", "Pytorch.ipynb", "PyTorch.ipynb",
                        "BatchNormalization.ipynb"),
             modules=("classifiers/cnn.py", "fast_layers.py", "im2col_cython.pyx", "im2col.py"),
             functions=(("layers.py", "conv_forward_naive"),),
             logs=("train_2layer_fc", "overfit_3layer_fc", "overfit_5layer_fc"),
             # the RNN homework ships the same CNN helper files
             unless=("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb", "rnn_layers.py")),
    Evidence("CS182 RNN/captioning homework (sp21 hw2 and later: captioning, visualisation, style transfer)",
             notebooks=("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb", "NetworkVisualization.ipynb",
                        "StyleTransfer.ipynb"),
             modules=("rnn_layers.py", "captioning_solver.py", "classifiers/rnn.py", "coco_utils.py")),
)
