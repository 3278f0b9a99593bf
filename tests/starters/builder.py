"""Course starter code as each course ships it, built from the reference.

``grader.template`` turns every solution region into ``raise NotImplementedError``; the courses'
own starters do not (docs/courses.md §A5): a region is a TODO banner and ``pass``, and the lines
the course writes around it stay, e.g. ``out = None ... cache = (x, w, b); return out, cache``,
``loss = 0.0; dW = np.zeros(W.shape)`` in the linear classifiers, the SVM's naive loss loop, zero
distance tables, ``dx = dout`` in test-mode dropout, and the untouched training loops.

``build_starter(base, course, assignment, variant)`` builds the course's tree with
``tests.grader.profiles.trees`` (from the reference, solution markers intact) and replaces each
marked region of the student's files by the course's stub from ``STUBS`` (keyed by the region's
function; a default stub for the rest), so the result scores 0 only if no check gives points for
what the course itself wrote.

With ``notebooks=True`` the course's notebooks sit beside the package as they ship: the course's
test cells and inline questions of the notebook's rubric, no cell ever run, every answer still
"fill this in" (``starter_notebook``). ``build_notebook_only`` hands in a starter as notebooks
alone: the student's modules pasted into cells, stubs and all, the course package only imported.
"""
from __future__ import annotations

import ast
import json
import shutil
import textwrap
from pathlib import Path

from grader.notebook.plan import rubric_for
from grader.template import find_stubs
from tests.grader.notebook.builders import code, md, notebook
from tests.grader.profiles import trees
from tests.support import TEMPLATE

TODO = "# TODO: your code here (see the docstring)."

#: The course's text for a region, by qualified function name (a list when a function has
#: several regions, in file order). Written at the region's indentation.
STUBS: dict[str, str | list[str]] = {
    "affine_forward": "out = None\n{todo}\npass\ncache = (x, w, b)\nreturn out, cache",
    "affine_backward": "x, w, b = cache\ndx, dw, db = None, None, None\n{todo}\npass\nreturn dx, dw, db",
    "relu_forward": "out = None\n{todo}\npass\ncache = x\nreturn out, cache",
    "relu_backward": "dx, x = None, cache\n{todo}\npass\nreturn dx",
    "softmax_loss": "loss, dx = None, None\n{todo}\npass\nreturn loss, dx",
    "svm_loss": "loss, dx = None, None\n{todo}\npass\nreturn loss, dx",
    "dropout_forward": """p, mode = dropout_param["p"], dropout_param["mode"]
if "seed" in dropout_param:
    np.random.seed(dropout_param["seed"])
mask = None
out = None
if mode == "train":
    {todo}
    pass
elif mode == "test":
    {todo}
    pass
cache = (dropout_param, mask)
out = out.astype(x.dtype, copy=False)
return out, cache""",
    "dropout_backward": """dropout_param, mask = cache
mode = dropout_param["mode"]
dx = None
if mode == "train":
    {todo}
    pass
elif mode == "test":
    dx = dout
return dx""",
    "batchnorm_forward": """mode = bn_param["mode"]
eps = bn_param.get("eps", 1e-5)
momentum = bn_param.get("momentum", 0.9)
N, D = x.shape
running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
out, cache = None, None
if mode == "train":
    {todo}
    pass
elif mode == "test":
    {todo}
    pass
else:
    raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
bn_param["running_mean"] = running_mean
bn_param["running_var"] = running_var
return out, cache""",
    "batchnorm_backward": "dx, dgamma, dbeta = None, None, None\n{todo}\npass\nreturn dx, dgamma, dbeta",
    "batchnorm_backward_alt": "dx, dgamma, dbeta = None, None, None\n{todo}\npass\nreturn dx, dgamma, dbeta",
    "layernorm_forward": 'out, cache = None, None\neps = ln_param.get("eps", 1e-5)\n{todo}\npass\nreturn out, cache',
    "layernorm_backward": "dx, dgamma, dbeta = None, None, None\n{todo}\npass\nreturn dx, dgamma, dbeta",
    "sgd_momentum": 'next_w = None\n{todo}\npass\nconfig["velocity"] = v\nreturn next_w, config',
    "rmsprop": "next_w = None\n{todo}\npass\nreturn next_w, config",
    "adam": "next_w = None\n{todo}\npass\nreturn next_w, config",
    # CS182 hw02's starter leaves a placeholder name in the gradient-norm line.
    "Solver._step": "self.log_grad_norm_history.append(FIXME)",
    "TwoLayerNet.__init__": "{todo}\npass",
    "TwoLayerNet.loss": """scores = None
{todo}
pass
if y is None:
    return scores
loss, grads = 0, {{}}
{todo}
pass
return loss, grads""",
    "FullyConnectedNet.__init__": "{todo}\npass",
    "FullyConnectedNet.loss": """scores = None
{todo}
pass
if mode == "test":
    return scores
loss, grads = 0.0, {{}}
{todo}
pass
return loss, grads""",
    "KNearestNeighbor.compute_distances_two_loops": """num_test = X.shape[0]
num_train = self.X_train.shape[0]
dists = np.zeros((num_test, num_train))
for i in range(num_test):
    for j in range(num_train):
        {todo}
        pass
return dists""",
    "KNearestNeighbor.compute_distances_one_loop": """num_test = X.shape[0]
num_train = self.X_train.shape[0]
dists = np.zeros((num_test, num_train))
for i in range(num_test):
    {todo}
    pass
return dists""",
    "KNearestNeighbor.compute_distances_no_loops": """num_test = X.shape[0]
num_train = self.X_train.shape[0]
dists = np.zeros((num_test, num_train))
{todo}
pass
return dists""",
    "KNearestNeighbor.predict_labels": """num_test = dists.shape[0]
y_pred = np.zeros(num_test)
for i in range(num_test):
    closest_y = []
    {todo}
    pass
return y_pred""",
    # The course gives the naive SVM loss; the student adds the gradient.
    "svm_loss_naive": """dW = np.zeros(W.shape)
num_classes = W.shape[1]
num_train = X.shape[0]
loss = 0.0
for i in range(num_train):
    scores = X[i].dot(W)
    correct_class_score = scores[y[i]]
    for j in range(num_classes):
        if j == y[i]:
            continue
        margin = scores[j] - correct_class_score + 1
        if margin > 0:
            loss += margin
loss /= num_train
loss += reg * np.sum(W * W)
{todo}
pass
return loss, dW""",
    "svm_loss_vectorized": "loss = 0.0\ndW = np.zeros(W.shape)\n{todo}\npass\n{todo}\npass\nreturn loss, dW",
    "softmax_loss_naive": "loss = 0.0\ndW = np.zeros_like(W)\n{todo}\npass\nreturn loss, dW",
    "softmax_loss_vectorized": "loss = 0.0\ndW = np.zeros_like(W)\n{todo}\npass\nreturn loss, dW",
    "LinearClassifier.train": ["X_batch = None\ny_batch = None\n{todo}\npass", "{todo}\npass"],
    "LinearClassifier.predict": "y_pred = np.zeros(X.shape[0])\n{todo}\npass\nreturn y_pred",
    "TwoLayerNet.train": ["X_batch = None\ny_batch = None\n{todo}\npass", "{todo}\npass"],
    "TwoLayerNet.predict": "y_pred = None\n{todo}\npass\nreturn y_pred",
}

#: The stand-alone net's loss (``classifiers/neural_net.py``) shares its qualified name with the
#: modular TwoLayerNet's: its stub, by file.
FILE_STUBS = {
    "neural_net.py": {"TwoLayerNet.loss": """W1, b1 = self.params["W1"], self.params["b1"]
W2, b2 = self.params["W2"], self.params["b2"]
N, D = X.shape
scores = None
{todo}
pass
if y is None:
    return scores
loss = None
{todo}
pass
grads = {{}}
{todo}
pass
return loss, grads"""},
}

#: UCLA's optimizers added after the canonical ones (``trees.optim_ucla``) carry no markers:
#: their bodies after the config defaults become the course's stub.
UNMARKED = {"nndl/optim.py": ("sgd_nesterov_momentum", "rmsprop", "adam")}


def default_stub(region: list[str]) -> str:
    """A region without an entry in STUBS: None for what its last line returns, then pass."""
    last = region[-1].strip() if region else ""
    if not last.startswith("return "):
        return "{todo}\npass"
    names = [n.strip() for n in last[len("return "):].split(",")]
    inits = "".join(f"{n} = None\n" for n in names if n.isidentifier())
    return inits + "{todo}\npass\n" + last


def stub_regions(source: str, rel: str) -> str:
    """Every marked region of ``source`` replaced by the course's stub."""
    lines = source.split("\n")
    regions = find_stubs(source, rel)
    seen: dict[str, int] = {}
    out, nxt = [], 1
    for region in regions:
        body = [line for line in lines[region.begin:region.end - 1] if line.strip()]
        entry = FILE_STUBS.get(Path(rel).name, {}).get(region.qualname, STUBS.get(region.qualname))
        if isinstance(entry, list):
            entry = entry[seen.get(region.qualname, 0)]
        seen[region.qualname] = seen.get(region.qualname, 0) + 1
        text = (entry or default_stub(body)).format(todo=TODO)
        out.extend(lines[nxt - 1:region.begin - 1])
        out.append(textwrap.indent(text, region.indent))
        nxt = region.end + 1
    out.extend(lines[nxt - 1:])
    return "\n".join(out)


def _is_setup(stmt: ast.stmt) -> bool:
    """A statement the course writes before the TODO of an optimizer: docstring, config defaults."""
    text = ast.unparse(stmt)
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)) or \
        text.startswith("if config is None") or "config.setdefault" in text or "config.get(" in text


def stub_unmarked(source: str, names) -> str:
    """The last ``def`` of each name: everything after its setup becomes ``next_w = None; pass``."""
    for name in names:
        defs = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == name]
        if not defs:
            continue
        node = defs[-1]
        first = next(s for s in node.body if not _is_setup(s))
        lines = source.split("\n")
        indent = " " * first.col_offset
        stub = textwrap.indent(f"next_w = None\n{TODO}\npass\nreturn next_w, config", indent)
        source = "\n".join(lines[:first.lineno - 1] + [stub] + lines[node.end_lineno:])
    return source


ANSWER_PLACEHOLDER = "$\\color{blue}{\\textit Your Answer:}$ *fill this in.*"


def starter_notebook(name: str, setup: str = "import numpy as np") -> dict:
    """The course's notebook ``name`` as it ships: a setup cell, the course's test cells and
    inline questions that its notebook rubric knows, unanswered, no cell ever run."""
    _, spec = rubric_for(name)
    cells = [md(f"# {Path(name).stem}\n\nComplete and hand in this worksheet."),
             code(setup, count=None)]
    cells += [code(cell["source"], count=None) for cell in spec.get("template_cells") or []]
    for question in spec.get("questions") or []:
        cells += [md(f"**{question['match']}**\n\nExplain your reasoning."), md(ANSWER_PLACEHOLDER)]
    return notebook(*cells)


def _notebooks_of(root: Path) -> list[Path]:
    return sorted(root.rglob("*.ipynb"))


def build_starter(base: Path, course: str, assignment: str, variant: str, *,
                  notebooks: bool = False) -> Path:
    """The course's starter for one assignment under ``base``; returns the assignment root.
    ``notebooks``: with the course's starter notebooks beside the package."""
    root = trees.build(base, course, assignment, variant, notebooks=notebooks)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if path.name == "solver.py" and assignment != "hw02":
            continue   # the course's complete Solver (the student's file only in CS182 hw02)
        text = path.read_text()
        if "# BEGIN SOLUTION" in text:
            text = stub_regions(text, rel)
        if rel in UNMARKED:
            text = stub_unmarked(text, UNMARKED[rel])
        path.write_text(text)
    for path in _notebooks_of(root):   # trees writes empty ones: the course's cells instead
        path.write_text(json.dumps(starter_notebook(path.name)))
    shutil.rmtree(root / "submission_logs", ignore_errors=True)   # the notebook writes these
    return root


#: Notebook-only starters: (course, assignment, variant) -> the notebook, the setup cell, and the
#: student modules (as they sit in the course tree) pasted into its cells.
NOTEBOOK_ONLY = {
    ("cs182", "hw02", "fa23-fa25"): ("hw2_optimizer_init.ipynb",
                                     "import numpy as np\nfrom deeplearning.classifiers.fc_net import *\n"
                                     "from deeplearning.solver import Solver",
                                     ("deeplearning/optim.py",)),
    ("cs231n", "a2", "2018-2020"): ("FullyConnectedNets.ipynb",
                                    "import numpy as np\nfrom cs231n.classifiers.fc_net import *\n"
                                    "from cs231n.solver import Solver",
                                    ("cs231n/layers.py", "cs231n/layer_utils.py",
                                     "cs231n/classifiers/fc_net.py", "cs231n/optim.py")),
    ("ucla", "hw3", "2022-2026"): ("FC_nets.ipynb",
                                   "import numpy as np\nfrom nndl.layers import *\nfrom nndl.layer_utils import *",
                                   ("nndl/layers.py", "nndl/fc_net.py")),
}


def template_notebook() -> dict:
    """``student_template/`` as one never-run notebook: every module's source in a cell of its
    own (the generic notebook rubric extracts them into the canonical package)."""
    modules = sorted(TEMPLATE.rglob("*.py"))
    cells = [code("import numpy as np", count=None)]
    cells += [code(path.read_text(), count=None) for path in modules if path.name != "__init__.py"]
    return notebook(md("# Assignment\n\nComplete the functions below."), *cells)


def build_notebook_only(base: Path, course: str, assignment: str, variant: str) -> Path:
    """A starter handed in as its notebook alone (``NOTEBOOK_ONLY``): the starter's modules in
    cells after the setup cell, then the course's test cells; no cell run. Returns its folder."""
    name, setup, modules = NOTEBOOK_ONLY[(course, assignment, variant)]
    tree = build_starter(base / "tree", course, assignment, variant)
    nb = starter_notebook(name, setup)
    pasted = [code((tree / rel).read_text(), count=None) for rel in modules]
    nb.cells[2:2] = pasted
    folder = base / "hand-in"
    folder.mkdir(parents=True)
    (folder / name).write_text(json.dumps(nb))
    shutil.rmtree(base / "tree")
    return folder
