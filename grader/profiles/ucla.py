"""UCLA ECE C147/C247 (package ``nndl`` beside a helper package ``cs231n/`` or ``utils/``).

docs/courses.md §A3. What differs from the canonical API:

* HW3 ``nndl/neural_net.py``: the stand-alone TwoLayerNet with W1 (H, D), W2 (C, H) and
  ``loss(X, y, reg)``: this IS the canonical ``classifiers.neural_net`` (``docs/courses.md`` §2.5.2).
* ``nndl/fc_net.py``: ``TwoLayerNet(..., hidden_dims=100, ...)`` (an int under a plural name) and
  ``FullyConnectedNet(hidden_dims, ..., dropout=0, use_batchnorm=False, ...)``.
* HW4 ``nndl/optim.py``: RMSProp keeps its average in ``config['a']``; Adam keeps the FIRST moment
  in ``config['v']`` and the second in ``config['a']`` (``reference.course_conventions``); also
  ``sgd_nesterov_momentum``. Momentum has the CS231n sign.
* The Solver (``cs231n/solver.py`` or ``utils/solver.py``, provided) imports ``from nndl import optim``.
* Dropout ``p``: the 2020 and 2021 HW4 (seed S3) keep a unit with probability p; the 2022
  docstring says "drop". The variant is read from the student's ``dropout_forward`` docstring.
* The starter sets ``bn_param[mode] = mode`` (not ``'mode'``) in ``FullyConnectedNet.loss``; the
  student is not asked to fix it, so the batchnorm net is graded in train mode only.
"""
from __future__ import annotations

from .base import Course, Helper, Profile, Variant, dict_argument, rename_kwarg, translate_kwarg
from .evidence import Evidence

FC_NET = "classifiers.fc_net.FullyConnectedNet"
TWO_LAYER = "classifiers.fc_net.TwoLayerNet"
_COMMON_ADAPTERS = {
    TWO_LAYER: (rename_kwarg("hidden_dim", "hidden_dims"),),
    "optim.rmsprop": (dict_argument(2, "config", keys={"cache": "a"}, result=1),),
    "optim.adam": (dict_argument(2, "config", keys={"m": "v", "v": "a"}, result=1),),
}
_BATCHNORM_FLAG = translate_kwarg("normalization", "use_batchnorm", [("batchnorm", True), (None, False)])

VARIANTS = (
    Variant(
        "2020-2021",
        "dropout p is the KEEP probability (HW4 docstring: 'We keep each neuron output with "
        "probability p')",
        adapters={**_COMMON_ADAPTERS,
                  FC_NET: (_BATCHNORM_FLAG, rename_kwarg("dropout_keep_ratio", "dropout"))},
    ),
    Variant(
        "2022-2026",
        "dropout p is the DROP probability (HW4 docstring: 'drop each neuron output with probability p')",
        adapters={**_COMMON_ADAPTERS,
                  FC_NET: (_BATCHNORM_FLAG, rename_kwarg("dropout_keep_ratio", "dropout", one_minus=True)),
                  "layers.dropout_forward": (dict_argument(1, "dropout_param", one_minus=("p",)),)},
    ),
)

COURSE = Course(name="ucla", title="UCLA ECE C147/C247", package="nndl", variants=VARIANTS,
                default_variant="2020-2021")

#: The stand-alone net and the modular nets are both in ``nndl``; the helpers in cs231n/ or utils/.
_MODULE_MAP = {
    "classifiers.neural_net": "{package}.neural_net",
    "classifiers.fc_net": "{package}.fc_net",
    "solver": "{helpers}.solver",
    "gradient_check": "{helpers}.gradient_check",
    "data_utils": "{helpers}.data_utils",
    "vis_utils": "{helpers}.vis_utils",
    "features": "{helpers}.features",
}
_HELPERS = (
    Helper("{helpers}/solver.py", "solver.py", {'OPTIM_MODULE = "optim"': 'OPTIM_MODULE = "nndl.optim"'},
           always=True),
    Helper("{helpers}/gradient_check.py", "gradient_check.py"),
    Helper("{helpers}/data_utils.py", "data_utils.py"),
    Helper("{helpers}/vis_utils.py", "vis_utils.py"),
)

def _homework(name: str, title: str, student_files: tuple[str, ...]) -> Profile:
    """A UCLA homework: the course's module map and helpers, its own rubric and student files."""
    return Profile(name=name, course=COURSE, title=title, rubrics=(name,), module_map=_MODULE_MAP,
                   helpers=_HELPERS, student_files=student_files)


HW3 = _homework("ucla_hw3", "UCLA HW3 (stand-alone and modular TwoLayerNet, FC nets, overfit-50)",
                ("{package}/neural_net.py", "{package}/layers.py", "{package}/layer_utils.py",
                 "{package}/fc_net.py", "{package}/optim.py"))
HW4 = _homework("ucla_hw4", "UCLA HW4 (optimizers, batchnorm, dropout, FC net with both, final model)",
                ("{package}/layers.py", "{package}/layer_utils.py", "{package}/fc_net.py",
                 "{package}/optim.py"))

PROFILES = (HW3, HW4)

#: What a folder must show to be HW3 or HW4 (docs/courses.md §A3).
EVIDENCE = (
    Evidence("UCLA HW3", "ucla_hw3", folder=r"(?<![a-z])hw\s*[-_]?\s*3(?!\d)",
             notebooks=("two_layer_nn.ipynb", "FC_nets.ipynb", "two_layer_nn_Colab.ipynb", "FC_nets_Colab.ipynb"),
             modules=("neural_net.py", "fc_net.py", "layers.py")),
    Evidence("UCLA HW4", "ucla_hw4", folder=r"(?<![a-z])hw\s*[-_]?\s*4(?!\d)",
             notebooks=("Optimization.ipynb", "Batch-Normalization.ipynb", "Dropout.ipynb",
                        "Dropout_Colab.ipynb", "Optimization_Colab.ipynb", "Batch-Normalization_Colab.ipynb"),
             modules=("layer_tests.py",),
             functions=(("optim.py", "sgd_nesterov_momentum"), ("layers.py", "batchnorm_forward"))),
)

#: Homeworks no rubric covers. HW5 folders also hold HW4's layers.py, fc_net.py and
#: layer_tests.py, so the CNN files decide; HW2's classes are not HW3's stand-alone net.
UNSUPPORTED = (
    Evidence("UCLA HW5 (CNN)", folder=r"(?<![a-z])hw\s*[-_]?\s*5(?!\d)",
             notebooks=("CNN-Layers.ipynb", "CNN-BatchNorm.ipynb", "CNN.ipynb", "Residual.ipynb",
                        "CNN-Layers_Colab.ipynb", "CNN-BatchNorm_Colab.ipynb", "CNN_Colab.ipynb"),
             modules=("conv_layers.py", "conv_layer_utils.py", "cnn.py")),
    Evidence("UCLA HW2 (kNN, SVM and softmax classes)", folder=r"(?<![a-z])hw\s*[-_]?\s*2(?!\d)",
             notebooks=("knn.ipynb", "svm.ipynb", "softmax.ipynb"),
             modules=("knn.py", "svm.py", "softmax.py"),
             unless=("neural_net.py", "fc_net.py", "layers.py")),
    Evidence("UCLA HW1 (linear regression, kNN)", folder=r"(?<![a-z])hw\s*[-_]?\s*1(?!\d)",
             notebooks=("linear_regression.ipynb",), unless=("neural_net.py", "fc_net.py", "layers.py")),
)
