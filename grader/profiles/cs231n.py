"""Stanford CS231n (package ``cs231n``): assignment 1 and the fully-connected part of assignment 2.

Each ``assignmentN/`` folder holds its own ``cs231n/`` package (``docs/courses.md`` §A1.1). What the
student writes, by year:

* assignment 1: kNN, linear SVM/softmax, LinearClassifier, features (every year; no SVM from
  2025); the stand-alone ``classifiers/neural_net.py`` TwoLayerNet with **W1 of shape (D, H)**
  (2016-2020); ``layers.py`` (affine/relu, svm/softmax losses) and ``fc_net.TwoLayerNet``
  (2021+); ``FullyConnectedNet`` and the optimizers (2025+).
* assignment 2 (fully-connected part): layers incl. batchnorm/dropout (layernorm 2018+), the
  optimizers, ``FullyConnectedNet`` (and ``TwoLayerNet`` 2016-2020). ``solver.py`` is provided.

Year variants differ in the FullyConnectedNet API (§4 of the notes):

=========== ================================ ============================ ===================
variant     FullyConnectedNet keywords       dropout ``p``                rmsprop/adam args
=========== ================================ ============================ ===================
2016-2017   ``dropout=0, use_batchnorm``     DROP probability             ``(x, dx, config)``
2018-2020   ``dropout=1, normalization``     keep probability             ``(w, dw, config)``
2021-2024   ``dropout_keep_ratio=1, normal.`` keep probability (canonical) ``(w, dw, config)``
2025-2026   as 2021-2024                     keep probability             ``(w, dw, config)``
=========== ================================ ============================ ===================

The checks call optimizers positionally, so the ``(x, dx)`` names need no adapter.

The stand-alone ``neural_net.TwoLayerNet`` of assignment 1 (2016-2020) stores W1 (D, H) and its
2017+ notebook expects ``reg * sum(W**2)`` without the 0.5 (``neural_net_reg: full``; the 2016
notebook's 0.5 * reg is accepted too for 2016-2017): graded by ``neural_net_cs231n.*``.
"""
from __future__ import annotations

from .base import Course, Helper, Profile, Variant, dict_argument, rename_kwarg, translate_kwarg
from .evidence import Evidence

FC_NET = "classifiers.fc_net.FullyConnectedNet"
BATCHNORM_FLAG = translate_kwarg("normalization", "use_batchnorm",
                                 [("batchnorm", True), (None, False)])

VARIANTS = (
    Variant(
        "2016-2017",
        "FullyConnectedNet(dropout=0, use_batchnorm=False): dropout p is the DROP probability",
        adapters={
            FC_NET: (BATCHNORM_FLAG, rename_kwarg("dropout_keep_ratio", "dropout", one_minus=True)),
            "layers.dropout_forward": (dict_argument(1, "dropout_param", one_minus=("p",)),),
        },
        # winter 2016 was a Python 2.7 course: its files are translated before grading (python2);
        # one of the two Adam starters of these years provides config.setdefault('t', 1)
        conventions={"neural_net_reg": "either", "linear_reg": "either", "python2": True,
                     "adam_t_start": [0, 1]},
    ),
    Variant(
        "2018-2020",
        "FullyConnectedNet(dropout=1, normalization=None): dropout p is the keep probability",
        adapters={FC_NET: (rename_kwarg("dropout_keep_ratio", "dropout"),)},
        conventions={"neural_net_reg": "full"},
    ),
    Variant(
        "2021-2024",
        "FullyConnectedNet(dropout_keep_ratio=1, normalization=None), the canonical API; "
        "assignment 1 also holds layers.py, fc_net.TwoLayerNet and the Solver",
    ),
    Variant(
        "2025-2026",
        "as 2021-2024; assignment 1 also holds FullyConnectedNet and the optimizers, and no "
        "linear SVM",
    ),
)

COURSE = Course(name="cs231n", title="Stanford CS231n", package="cs231n", variants=VARIANTS,
                default_variant="2021-2024")

#: Helper files CS231n provides (docs/courses.md §A1.3): never the student's, replaced when missing, Python 2
#: only, or importing the PyPI package ``future`` (2018+ gradient_check.py and solver.py do).
_SOLVER = Helper("{package}/solver.py", "solver.py", {'OPTIM_MODULE = "optim"': 'OPTIM_MODULE = "cs231n.optim"'},
                 always=True)
_COMMON = (Helper("{package}/gradient_check.py", "gradient_check.py"),
           Helper("{package}/data_utils.py", "data_utils.py"),
           Helper("{package}/vis_utils.py", "vis_utils.py"))

A1 = Profile(
    name="cs231n_a1",
    course=COURSE,
    title="CS231n assignment 1 (kNN, linear classifiers, two-layer net, features)",
    rubrics=("cs231n_a1",),
    helpers=_COMMON + (Helper(_SOLVER.path, _SOLVER.source, _SOLVER.substitute,
                              variants=("2021-2024", "2025-2026"), always=True),),
    student_files=("{package}/classifiers/k_nearest_neighbor.py", "{package}/classifiers/linear_svm.py",
                   "{package}/classifiers/softmax.py", "{package}/classifiers/linear_classifier.py",
                   "{package}/classifiers/neural_net.py", "{package}/classifiers/fc_net.py",
                   "{package}/layers.py", "{package}/layer_utils.py", "{package}/optim.py",
                   "{package}/features.py"),
)

A2 = Profile(
    name="cs231n_a2",
    course=COURSE,
    title="CS231n assignment 2, fully-connected part (batchnorm, layernorm, dropout, FC nets, optimizers)",
    rubrics=("cs231n_a2_fc",),
    helpers=_COMMON + (_SOLVER, Helper("{package}/fast_layers.py", "fast_layers.py")),
    student_files=("{package}/layers.py", "{package}/layer_utils.py", "{package}/optim.py",
                   "{package}/classifiers/fc_net.py", "{package}/classifiers/cnn.py"),
)

PROFILES = (A1, A2)

#: Assignment 3 (captioning, visualisation, generative models): no rubric covers it. Its package
#: also ships a complete layers.py and optim.py (provided code), so these markers are checked
#: before layers.py counts as assignment 2. The 2025 assignment 2 has an RNN captioning notebook
#: of its own, hence ``unless`` its batchnorm/dropout notebooks.
UNSUPPORTED = (
    Evidence("CS231n assignment 3 (RNN/LSTM/transformer captioning, network visualisation, style "
             "transfer, generative models)",
             folder=r"assignment\s*[-_]?\s*3(?!\d)",
             notebooks=("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb", "Transformer_Captioning.ipynb",
                        "NetworkVisualization-PyTorch.ipynb", "NetworkVisualization-TensorFlow.ipynb",
                        "StyleTransfer-PyTorch.ipynb", "StyleTransfer-TensorFlow.ipynb",
                        "GANs-PyTorch.ipynb", "GANs-TensorFlow.ipynb",
                        "Generative_Adversarial_Networks_PyTorch.ipynb",
                        "Generative_Adversarial_Networks_TF.ipynb", "Self_Supervised_Learning.ipynb",
                        "ImageGradients.ipynb", "ImageGeneration.ipynb", "CLIP_DINO.ipynb", "DDPM.ipynb"),
             modules=("rnn_layers.py", "captioning_solver.py", "classifiers/rnn.py", "coco_utils.py",
                      "classifiers/squeezenet.py", "gan_pytorch.py", "style_transfer_pytorch.py"),
             unless=("BatchNormalization.ipynb", "Dropout.ipynb", "FullyConnectedNets.ipynb")),
)

#: What a folder must show to be assignment 1 or the fully-connected part of assignment 2.
EVIDENCE = (
    Evidence("CS231n assignment 1", "cs231n_a1", folder=r"assignment\s*[-_]?\s*1(?!\d)",
             notebooks=("knn.ipynb", "svm.ipynb", "softmax.ipynb", "two_layer_net.ipynb", "features.ipynb"),
             modules=("classifiers/k_nearest_neighbor.py", "classifiers/linear_svm.py",
                      "classifiers/softmax.py", "classifiers/linear_classifier.py",
                      "classifiers/neural_net.py")),
    Evidence("CS231n assignment 2", "cs231n_a2", folder=r"assignment\s*[-_]?\s*2(?!\d)",
             notebooks=("FullyConnectedNets.ipynb", "BatchNormalization.ipynb", "Dropout.ipynb"),
             modules=("layers.py", "classifiers/fc_net.py", "optim.py")),
)
