"""Fake course submissions, BUILT from the reference (or from the starter code) in each course's
own layout, API and conventions.

``build(base, course, assignment, variant)`` writes one assignment folder under ``base`` and
returns it. Student modules come from ``reference/`` (``starter=True``: from
``student_template/``, whose solution regions raise NotImplementedError), with imports made
absolute (``from cs231n.layers import *``) and the course's API applied by text patches:

* CS231n 2016-2017: ``FullyConnectedNet(dropout=0, use_batchnorm=False)``, dropout's p = DROP
  probability (mask ``rand >= p``); 2018-2020: ``dropout=1, normalization``; the 2016-2020 a1
  ``neural_net.py`` with W1 (D, H), ``reg * sum(W**2)`` and ``import matplotlib.pyplot`` at the top;
  2025: no linear SVM, ``softmax.py`` importing ``past.builtins``.
* CS182: ``deeplearning/``, the 2017 API with ``initialization`` (hw02), the course's momentum
  ``v = mu*v + dw; w -= lr*v``, ``submission_logs/``; fa26: ``assignment_utils.py``,
  ``log_acc_iteration`` = t + 1, gradient norms only with ``record_grad_norm=True``.
* UCLA: ``nndl/`` beside ``utils/`` (HW3) or ``cs231n/`` (HW4); ``TwoLayerNet(hidden_dims=...)``;
  optimizer keys ``a`` (RMSProp) and ``v``/``a`` (Adam); ``sgd_nesterov_momentum``; the starter's
  ``bn_param[mode] = mode``; 2022+ dropout as a drop probability.

Course helper files (``gradient_check.py``, ``solver.py`` ...) are written the way the course ships
them: importing the PyPI package ``future`` (CS231n 2018+), Python 2 (2016-2017), or missing.
"""
from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

from reference import course_conventions
from tests.support import REFERENCE, TEMPLATE

FUTURE_HEADER = ("from __future__ import print_function\nfrom future import standard_library\n"
                 "standard_library.install_aliases()\nfrom builtins import range\n")
PAST_HEADER = "from past.builtins import xrange\n"
PY2_LINE = "print 'run the following from the cs231n directory and try again:'\n"


# -- text helpers ----------------------------------------------------------------------------
def source(rel: str, starter: bool = False) -> str:
    return ((TEMPLATE if starter else REFERENCE) / rel).read_text()


def sub(text: str, old: str, new: str, *, required: bool = True) -> str:
    """Replace the one occurrence of ``old`` (absent and not ``required``: unchanged)."""
    count = text.count(old)
    if count == 0 and not required:
        return text
    if count != 1:
        raise AssertionError(f"{old!r} occurs {count} times")
    return text.replace(old, new)


def absolutize(text: str, package: str, rel: str) -> str:
    """Relative imports of the reference -> the course's absolute ones (``from cs231n.x import``)."""
    here = [package] + rel.split("/")[:-1]

    def repl(m):
        dots, name = m.group(1), m.group(2)
        base = here[: len(here) - (len(dots) - 1)]
        return "from " + ".".join(base + ([name] if name else [])) + " import"

    return re.sub(r"^from (\.+)(\w*) import", repl, text, flags=re.MULTILINE)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def notebook(root: Path, name: str) -> None:
    """An empty nbformat-4 notebook (the course's notebooks sit beside the package)."""
    write(root, name, json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def module(rel: str, package: str, starter: bool) -> str:
    return absolutize(source(rel, starter), package, rel)


def strip_class(text: str, name: str) -> str:
    """Remove ``class name`` (to the next top-level class or the end)."""
    return re.sub(r"^class " + name + r"\b.*?(?=^class |\Z)", "", text, flags=re.S | re.M)


# -- API patches -----------------------------------------------------------------------------
def fc_net_api(text: str, api: str, *, bn_mode_bug: bool = False, initialization: bool = True) -> str:
    """FullyConnectedNet's keywords for ``api``: "2017" (dropout = DROP probability,
    use_batchnorm), "2018" (dropout = keep, normalization), "ucla-keep", "ucla-drop"."""
    if api == "canonical":
        return text
    use_bn = api in ("2017", "ucla-keep", "ucla-drop")
    first = "dropout=0" if api != "2018" else "dropout=1"
    second = "use_batchnorm=False" if use_bn else "normalization=None"
    text = sub(text, "        dropout_keep_ratio=1,\n        normalization=None,\n",
               f"        {first},\n        {second},\n")
    keep = {"2017": "1 - dropout", "ucla-drop": "1 - dropout", "2018": "dropout",
            "ucla-keep": "dropout if dropout > 0 else 1"}[api]
    lines = f"        dropout_keep_ratio = {keep}\n"
    if use_bn:
        lines += '        normalization = "batchnorm" if use_batchnorm else None\n'
    text = sub(text, '        if normalization not in (None, "batchnorm", "layernorm"):',
               lines + '        if normalization not in (None, "batchnorm", "layernorm"):')
    if api in ("2017", "ucla-drop"):   # the layers' p is the drop probability
        text = sub(text, 'self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}',
                   'self.dropout_param = {"mode": "train", "p": dropout}')
    if not initialization:
        text = sub(text, '        initialization="random",\n', "")
        text = sub(text, '        if initialization not in ("random", "he", "zero"):\n'
                         '            raise ValueError(\'Unknown initialization "%s"\' % (initialization,))\n',
                   '        initialization = "random"\n')
    if bn_mode_bug:
        text = sub(text, 'bn_param["mode"] = mode', "bn_param[mode] = mode")
    return text


def two_layer_hidden_dims(text: str) -> str:
    """UCLA's fc_net.TwoLayerNet takes ``hidden_dims`` (an int)."""
    text = sub(text, "        hidden_dim=100,\n", "        hidden_dims=100,\n")
    return sub(text, "        self.params = {}\n        self.reg = reg\n",
               "        hidden_dim = hidden_dims\n        self.params = {}\n        self.reg = reg\n")


def dropout_drop(text: str) -> str:
    """layers.dropout_forward with p = DROP probability (mask ``rand >= p``), docstring too."""
    text = sub(text, "      - 'p': the probability of KEEPING each unit (read in train mode only);",
               "      - 'p': Dropout parameter. We drop each neuron output with probability p.")
    return sub(text, "        mask = (np.random.rand(*x.shape) < p) / p\n",
               "        mask = (np.random.rand(*x.shape) >= p) / (1 - p)\n", required=False)


def momentum_cs182(text: str) -> str:
    return sub(text, 'v = config["momentum"] * v - config["learning_rate"] * dw\n    next_w = w + v',
               'v = config["momentum"] * v + dw\n    next_w = w - config["learning_rate"] * v',
               required=False)


def neural_net_cs231n(text: str) -> str:
    """The stand-alone net of CS231n 2016-2020: W1 (D, H), W2 (H, C), reg * sum(W**2),
    matplotlib imported at the top (as the course's file does)."""
    text = sub(text, "import numpy as np\n", "import numpy as np\nimport matplotlib.pyplot as plt\n")
    text = sub(text, "std * np.random.randn(hidden_size, input_size)", "std * np.random.randn(input_size, hidden_size)")
    text = sub(text, "std * np.random.randn(output_size, hidden_size)", "std * np.random.randn(hidden_size, output_size)")
    for old, new in (("hidden_in = X @ W1.T + b1", "hidden_in = X @ W1 + b1"),
                     ("scores = hidden @ W2.T + b2", "scores = hidden @ W2 + b2"),
                     ("reg_loss = 0.5 * reg * (", "reg_loss = reg * ("),
                     ('grads["W2"] = dscores.T @ hidden + reg * W2', 'grads["W2"] = hidden.T @ dscores + 2 * reg * W2'),
                     ("dhidden_in = (dscores @ W2) *", "dhidden_in = (dscores @ W2.T) *"),
                     ('grads["W1"] = dhidden_in.T @ X + reg * W1', 'grads["W1"] = X.T @ dhidden_in + 2 * reg * W1'),
                     ('X @ self.params["W1"].T', 'X @ self.params["W1"]'),
                     ('hidden @ self.params["W2"].T', 'hidden @ self.params["W2"]')):
        text = sub(text, old, new, required=False)
    return text


def optim_ucla(text: str, starter: bool) -> str:
    """UCLA's optim.py: RMSProp keeps 'a', Adam 'v' (first moment) and 'a'; plus Nesterov."""
    extra = []
    for fn, name in ((course_conventions.sgd_nesterov_momentum, "sgd_nesterov_momentum"),
                     (course_conventions.rmsprop_ucla, "rmsprop"), (course_conventions.adam_ucla, "adam")):
        code = inspect.getsource(fn).replace(f"def {fn.__name__}(", f"def {name}(")
        if starter:
            code = code.split('    """', 2)
            code = code[0] + '    """' + code[1] + '    """\n    raise NotImplementedError\n'
        extra.append(code)
    return text + "\n\n" + "\n\n".join(extra)


def solver_for(package: str, *, future: bool = False, py2: bool = False, optim_from: str | None = None) -> str:
    """The course's given solver.py: the reference Solver, as the course ships it."""
    text = absolutize(source("solver.py"), package, "solver.py")
    if optim_from:
        text = sub(text, f"from {package} import optim", f"from {optim_from} import optim")
    if future:
        text = FUTURE_HEADER + text
    if py2:
        text = text.replace('    """Trains a classification model', "    print 'hi'\n    \"\"\"Trains a classification model", 1)
    return text


def solver_cs182(text: str, fa26: bool) -> str:
    """CS182's Solver: no CS231n-only keywords; fa23-fa25 do not know record_grad_norm."""
    for key, default in (("num_train_samples", "1000"), ("num_val_samples", "None"),
                         ("checkpoint_name", "None")):
        text = sub(text, f'self.{key} = kwargs.pop("{key}", {default})', f"self.{key} = {default}")
    if not fa26:
        text = sub(text, '        self.record_grad_norm = kwargs.pop("record_grad_norm", False)\n', "")
    return text


def helper_gradient_check(style: str) -> str:
    text = source("gradient_check.py")
    if style == "py2":
        return text + "\n\ndef _legacy():\n    print 'numerical: %f' % 1.0\n"
    if style == "past":
        return PAST_HEADER + text
    return text


# -- courses ---------------------------------------------------------------------------------
CS231N_FC_API = {"2016-2017": "2017", "2018-2020": "2018", "2021-2024": "canonical", "2025-2026": "canonical"}


def cs231n(base: Path, assignment: str, variant: str, *, starter: bool = False, notebooks: bool = False,
           name: str | None = None) -> Path:
    """``assignment1``/``assignment2`` with its ``cs231n/`` package, for ``variant``."""
    root = base / (name or f"assignment{assignment[-1]}")
    pkg = "cs231n"
    old = variant in ("2016-2017", "2018-2020")
    helper_style = "py2" if variant == "2016-2017" else "past"
    files: dict[str, str] = {}
    mod = lambda rel: module(rel, pkg, starter)
    if assignment == "a1":
        for rel in ("classifiers/k_nearest_neighbor.py", "classifiers/softmax.py",
                    "classifiers/linear_classifier.py", "features.py"):
            files[rel] = mod(rel)
        if variant != "2025-2026":
            files["classifiers/linear_svm.py"] = mod("classifiers/linear_svm.py")
        else:
            files["classifiers/softmax.py"] = PAST_HEADER + files["classifiers/softmax.py"]
            text = sub(files["classifiers/linear_classifier.py"],
                       "from cs231n.classifiers.linear_svm import svm_loss_vectorized\n", "")
            files["classifiers/linear_classifier.py"] = strip_class(text, "LinearSVM")
        if old:
            files["classifiers/neural_net.py"] = neural_net_cs231n(mod("classifiers/neural_net.py"))
        else:
            for rel in ("layers.py", "layer_utils.py", "optim.py"):
                files[rel] = mod(rel)
            fc = mod("classifiers/fc_net.py")
            files["classifiers/fc_net.py"] = fc if variant == "2025-2026" else strip_class(fc, "FullyConnectedNet")
            files["solver.py"] = solver_for(pkg, future=True)
        inits = "from cs231n.classifiers.k_nearest_neighbor import *\nfrom cs231n.classifiers.linear_classifier import *\n"
        notebooks_present = ["knn.ipynb", "softmax.ipynb", "two_layer_net.ipynb", "features.ipynb"]
        notebooks_present += ["svm.ipynb"] if variant != "2025-2026" else ["FullyConnectedNets.ipynb"]
    else:
        api = CS231N_FC_API[variant]
        files["layers.py"] = mod("layers.py")
        if api == "2017":
            files["layers.py"] = dropout_drop(files["layers.py"])
        files["layer_utils.py"] = mod("layer_utils.py")
        if old:   # CS231n's layer_utils imports the fast layers at the top
            files["layer_utils.py"] = sub(files["layer_utils.py"], "from cs231n.layers import (",
                                          "from cs231n.fast_layers import *\nfrom cs231n.layers import (")
        files["optim.py"] = mod("optim.py")
        fc = fc_net_api(mod("classifiers/fc_net.py"), api, initialization=False)
        files["classifiers/fc_net.py"] = fc if old else strip_class(fc, "TwoLayerNet")
        files["solver.py"] = solver_for(pkg, future=variant != "2016-2017", py2=variant == "2016-2017")
        if variant == "2016-2017":
            files["fast_layers.py"] = "import numpy as np\n" + PY2_LINE
        inits = "from cs231n.classifiers.fc_net import *\n"
        notebooks_present = ["FullyConnectedNets.ipynb", "BatchNormalization.ipynb", "Dropout.ipynb"]
    files["gradient_check.py"] = helper_gradient_check(helper_style)
    files["__init__.py"] = ""
    files["classifiers/__init__.py"] = inits
    for rel, text in files.items():
        write(root, f"{pkg}/{rel}", text)
    for nb in notebooks_present if notebooks else ():
        notebook(root, nb)
    return root


def cs182(base: Path, assignment: str, variant: str, *, starter: bool = False, notebooks: bool = False,
          name: str | None = None) -> Path:
    """``hw0/`` or ``hw02/code/`` with ``deeplearning/`` (and ``submission_logs/`` for hw02)."""
    root = base / (name or ("hw0" if assignment == "hw0" else "hw02/code"))
    pkg = "deeplearning"
    mod = lambda rel: module(rel, pkg, starter)
    files = {rel: mod(rel) for rel in ("layers.py", "layer_utils.py", "optim.py")}
    files["layers.py"] = dropout_drop(files["layers.py"])
    files["classifiers/fc_net.py"] = fc_net_api(mod("classifiers/fc_net.py"), "2017",
                                                initialization=assignment == "hw02")
    files["gradient_check.py"] = helper_gradient_check("plain")
    files["__init__.py"] = files["classifiers/__init__.py"] = ""
    if assignment == "hw0":
        files["solver.py"] = solver_cs182(solver_for(pkg), fa26=False)   # given in HW0
    else:
        files["optim.py"] = momentum_cs182(files["optim.py"])
        solver = solver_cs182(mod("solver.py"), variant == "fa26")   # the student's file in hw02
        if variant == "fa26":
            solver = sub(solver, "self.log_acc_iteration_history.append(t)",
                         "self.log_acc_iteration_history.append(t + 1)")
            solver = sub(solver, "        grad_norms = [np.linalg.norm(grads[p].ravel()) for p in grads]\n"
                                 "        self.log_grad_norm_history.append(float(np.mean(grad_norms)))\n",
                         "        if self.record_grad_norm:\n"
                         "            grad_norms = [np.linalg.norm(grads[p].ravel()) for p in grads]\n"
                         "            self.log_grad_norm_history.append(float(np.mean(grad_norms)))\n",
                         required=False)
            write(root, "assignment_utils.py", "def build_submission():\n    pass\n")
        files["solver.py"] = solver
        if not starter:
            from tests.grader.checks.test_artefacts import write_valid_logs

            write_valid_logs(root / "submission_logs")
        if notebooks:
            notebook(root, "q_optimizer_init.ipynb")
    for rel, text in files.items():
        write(root, f"{pkg}/{rel}", text)
    return root


def ucla(base: Path, assignment: str, variant: str, *, starter: bool = False, notebooks: bool = False,
         name: str | None = None) -> Path:
    """``hw3/`` (nndl/ + utils/) or ``HW4-code/`` (nndl/ + cs231n/)."""
    root = base / (name or ("hw3" if assignment == "hw3" else "HW4-code"))
    pkg = "nndl"
    helpers = "utils" if assignment == "hw3" else "cs231n"
    mod = lambda rel: module(rel, pkg, starter)
    api = "ucla-drop" if variant == "2022-2026" else "ucla-keep"
    fc = fc_net_api(mod("classifiers/fc_net.py"), api, bn_mode_bug=True, initialization=False)
    files = {"layers.py": mod("layers.py"), "layer_utils.py": mod("layer_utils.py"),
             "fc_net.py": two_layer_hidden_dims(fc), "optim.py": mod("optim.py")}
    if api == "ucla-drop":
        files["layers.py"] = dropout_drop(files["layers.py"])
    if assignment == "hw3":
        files["neural_net.py"] = mod("classifiers/neural_net.py")
        files["__init__.py"] = "from .fc_net import *\nfrom .neural_net import *\n"
        notebooks_present = ["two_layer_nn.ipynb", "FC_nets.ipynb"]
    else:
        files["optim.py"] = optim_ucla(files["optim.py"], starter)
        files["layer_tests.py"] = "def affine_forward_test():\n  pass\n"
        files["__init__.py"] = ""
        write(root, f"{helpers}/solver.py", solver_for(helpers, optim_from="nndl"))
        notebooks_present = ["Optimization.ipynb", "Batch-Normalization.ipynb", "Dropout.ipynb"]
    for rel, text in files.items():
        write(root, f"{pkg}/{rel}", text)
    write(root, f"{helpers}/__init__.py", "")
    write(root, f"{helpers}/gradient_check.py", helper_gradient_check("plain"))
    for nb in notebooks_present if notebooks else ():
        notebook(root, nb)
    return root


BUILDERS = {"cs231n": cs231n, "cs182": cs182, "ucla": ucla}


def build(base: Path, course: str, assignment: str, variant: str, **kwargs) -> Path:
    """One course submission under ``base``; returns its assignment root."""
    return BUILDERS[course](base, assignment, variant, **kwargs)


# -- assignments no rubric covers (their files as the courses lay them out) -------------------
def _stub(*names: str) -> str:
    """A module defining ``names`` (functions, or classes when capitalised) with trivial bodies."""
    parts = ["import numpy as np\n"]
    for name in names:
        if name[0].isupper():
            parts.append(f"\n\nclass {name}(object):\n    def __init__(self, dims=[10, 3073]):\n"
                         f"        self.W = np.zeros(dims)\n")
        else:
            parts.append(f"\n\ndef {name}(x, *args):\n    return x\n")
    return "".join(parts)


def ucla_hw2(base: Path, name: str = "hw2") -> Path:
    """UCLA HW2: kNN, SVM and softmax classes in nndl/ (W of shape (C, D+1)), no neural net."""
    root = base / name
    write(root, "nndl/__init__.py", "")
    write(root, "nndl/knn.py", _stub("KNN", "compute_L2_distances_vectorized"))
    write(root, "nndl/svm.py", _stub("SVM", "loss_and_grad", "fast_loss_and_grad"))
    write(root, "nndl/softmax.py", _stub("Softmax", "loss_and_grad", "fast_loss_and_grad"))
    write(root, "utils/__init__.py", "")
    write(root, "utils/data_utils.py", "def load_CIFAR10(root):\n    pass\n")
    for nb in ("knn.ipynb", "svm.ipynb", "softmax.ipynb"):
        notebook(root, nb)
    return root


def ucla_hw5(base: Path, name: str = "code") -> Path:
    """UCLA HW5: HW4's finished layers.py, fc_net.py and layer_tests.py carried over, plus the CNN
    files and notebooks (the folder name says nothing here)."""
    root = ucla(base, "hw4", "2020-2021", name=name)
    write(root, "nndl/conv_layers.py", _stub("conv_forward_naive", "conv_backward_naive",
                                             "max_pool_forward_naive", "spatial_batchnorm_forward"))
    write(root, "nndl/conv_layer_utils.py", _stub("conv_relu_forward"))
    write(root, "nndl/cnn.py", _stub("ThreeLayerConvNet"))
    write(root, "cs231n/fast_layers.py", _stub("conv_forward_fast"))
    for nb in ("CNN-Layers.ipynb", "CNN-BatchNorm.ipynb", "CNN.ipynb"):
        notebook(root, nb)
    return root


def cs182_sp22_hw1(base: Path, name: str = "cs182_hw1_main", notebooks: bool = True) -> Path:
    """CS182 sp22 hw1: a renamed CS231n 2017 assignment 2 in deeplearning/, with an EMPTY
    submission_logs/ (its notebooks write train_2layer_fc.npz ... only when run)."""
    root = cs182(base, "hw0", "fa23-fa25", name=name)
    write(root, "deeplearning/classifiers/cnn.py", _stub("ThreeLayerConvNet"))
    write(root, "deeplearning/fast_layers.py", _stub("conv_forward_fast"))
    write(root, "deeplearning/im2col_cython.pyx", "# cython\n")
    write(root, "collectSubmission.sh", "zip -r assignment1.zip .\n")
    (root / "submission_logs").mkdir()
    for nb in ("FullyConnectedNets.ipynb", "BatchNormalization.ipynb", "Dropout.ipynb",
               "ConvolutionalNetworks.ipynb", "Pytorch.ipynb") if notebooks else ():
        notebook(root, nb)
    return root


def cs231n_a3(base: Path, name: str = "assignment3", notebooks: bool = True) -> Path:
    """CS231n assignment 3: the provided layers.py/optim.py plus the RNN captioning files."""
    root = base / name
    for rel in ("layers.py", "optim.py"):
        write(root, f"cs231n/{rel}", module(rel, "cs231n", False))
    write(root, "cs231n/__init__.py", "")
    write(root, "cs231n/rnn_layers.py", _stub("rnn_step_forward", "rnn_step_backward", "lstm_step_forward"))
    write(root, "cs231n/captioning_solver.py", _stub("CaptioningSolver"))
    write(root, "cs231n/classifiers/__init__.py", "")
    write(root, "cs231n/classifiers/rnn.py", _stub("CaptioningRNN"))
    write(root, "cs231n/coco_utils.py", _stub("load_coco_data"))
    for nb in ("RNN_Captioning.ipynb", "LSTM_Captioning.ipynb") if notebooks else ():
        notebook(root, nb)
    return root


def python2(text: str) -> str:
    """The same code as CS231n's Python 2 starter writes it: print statements and xrange."""
    text = re.sub(r"^(\s*)print\((.*)\)\s*$", r"\1print \2", text, flags=re.MULTILINE)
    return re.sub(r"\bin range\(", "in xrange(", text)


def cs231n_2016_python2(base: Path, name: str = "assignment1") -> Path:
    """A finished CS231n winter 2016 assignment 1 in Python 2 (each module's own lines)."""
    root = cs231n(base, "a1", "2016-2017", name=name)
    for rel in ("classifiers/k_nearest_neighbor.py", "classifiers/linear_classifier.py",
                "classifiers/linear_svm.py", "classifiers/softmax.py", "classifiers/neural_net.py"):
        path = root / "cs231n" / rel
        text = python2(path.read_text())
        assert text != path.read_text(), rel
        path.write_text(text)
    return root


def solver_python2(package: str) -> str:
    """The Solver as CS231n winter 2016 shipped it: Python 2 (print statements, xrange,
    iteritems) and ``num_train / self.batch_size``, an integer division in Python 2 only."""
    text = python2(solver_for(package))
    text = sub(text, "max(num_train // self.batch_size, 1)", "max(num_train / self.batch_size, 1)")
    return text.replace(".items()", ".iteritems()")


def cs182_notebook_only(base: Path, name: str = "hw02") -> Path:
    """A CS182 hw02 handed in as its notebook alone: the optimizers written in its cells (the
    course's momentum form), the course package only imported."""
    from tests.grader.notebook.builders import code, numbered

    optim = momentum_cs182(module("optim.py", "deeplearning", False))
    cells = [code("%matplotlib inline\nimport numpy as np\nfrom deeplearning.classifiers.fc_net import *\n"
                  "from deeplearning.solver import Solver"),
             code(optim),
             code("solver = Solver(model, data, update_rule=sgd_momentum)\nsolver.train()")]
    root = base / name
    write(root, "hw2_optimizer_init.ipynb", json.dumps(numbered(*cells)))
    return root
