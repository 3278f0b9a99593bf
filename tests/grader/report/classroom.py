"""Submissions and reports for the HTML report, dashboard, similarity and browser tests.

* ``graded(kind, tmp)``: a real grading run (``grader.engine.grade``) of the reference, the
  starter code, the buggy example with a notebook beside it, and two mutants of
  ``tests/mutants`` (each graded once per test process);
* ``class_of(n, tmp)``: a class of ``n`` students for the dashboard: each student's report is
  assembled section by section from the real reports above (so every result is one the grader
  produced), with code folders for the similarity section;
* ``renamed_copy(src, dest)`` and ``write_independent_layers(root)``: a copy with every local
  variable renamed, and a correct ``layers.py`` written independently of the reference.
"""
from __future__ import annotations

import io
import json
import shutil
import tokenize
from dataclasses import replace
from functools import lru_cache
from pathlib import Path


from grader.engine import GradeOptions, grade
from grader.report.json_report import render_json
from grader.result import Report
from tests.grader.notebook import builders as nb
from tests.mutants.layers import MUTANTS as LAYER_MUTANTS
from tests.mutants.optim import MUTANTS as OPTIM_MUTANTS
from tests.support import REFERENCE, REPO, TEMPLATE, apply_patches

BUGGY = REPO / "examples" / "buggy_submission"
MUTANT_A = next(m for m in LAYER_MUTANTS if m.name == "affine_backward_dx_not_reshaped")
MUTANT_B = next(m for m in OPTIM_MUTANTS if m.diagnosis)
NOTEBOOK = "experiments.ipynb"       # no course rubric matches it: graded by generic.yaml


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "__main__.py",
                                                             "course_conventions.py"))
    return dest


def notebook_with_flags(path: Path) -> Path:
    """A notebook a TA must look at: a cell that raised, one never run, a free-text question."""
    cells = [
        nb.md("# Two-layer net\nTrain the net and answer the questions below."),
        nb.code("import numpy as np\nx = np.arange(3)\nprint(x.sum())", nb.stream("3\n"), count=1),
        nb.code("y = best_model.loss(X)", nb.error("NameError", "name 'best_model' is not defined"),
                count=2),
        nb.md("## Inline Question 1\nWhy does the training loss go down while the validation "
              "accuracy stays flat?"),
        nb.md("**Your Answer:** the net overfits the small training set: it memorises the 50 "
              "examples, so the validation accuracy stops improving."),
        nb.code("print('never run')", count=None),
    ]
    return nb.write(nb.notebook(*cells), path)


def build(kind: str, tmp: Path) -> Path:
    """The submission folder of ``kind`` under ``tmp``."""
    dest = tmp / kind
    if dest.exists():
        return dest
    if kind == "reference":
        return _copy(REFERENCE, dest)
    if kind == "template":
        return _copy(TEMPLATE, dest)
    if kind == "buggy_notebook":
        _copy(BUGGY, dest)
        notebook_with_flags(dest / NOTEBOOK)
        return dest
    if kind in ("mutant_a", "mutant_b"):
        mutant = MUTANT_A if kind == "mutant_a" else MUTANT_B
        _copy(REFERENCE, dest)
        apply_patches(dest, mutant.patches)
        return dest
    if kind == "mutant_a_renamed":
        return renamed_copy(build("mutant_a", tmp), dest)
    if kind == "independent":
        _copy(TEMPLATE, dest)
        write_independent_layers(dest)
        return dest
    raise ValueError(kind)


@lru_cache(maxsize=None)
def _graded(kind: str, tmp: str) -> str:
    report = grade(build(kind, Path(tmp)), GradeOptions())
    return render_json(report)


def graded(kind: str, tmp: Path) -> Report:
    """``kind`` graded for real (once per process and folder)."""
    return Report.from_dict(json.loads(_graded(kind, str(tmp))))


# -- a class ----------------------------------------------------------------------------------
CLASS_BASES = ("reference", "template", "buggy_notebook", "mutant_a", "mutant_b")
CODE_OF = {0: "reference", 1: "mutant_a", 2: "mutant_a_renamed", 3: "independent"}


def class_of(n: int, tmp: Path) -> list[tuple[str, str, Path, str]]:
    """``n`` students ``(id, name, report.json, html relpath)`` under ``tmp/class``, each with a
    report assembled section by section from the real reports of ``CLASS_BASES`` and a code
    folder ``tmp/class/code/<id>`` (students 0-3: see ``CODE_OF``; the others: the starter)."""
    bases = [graded(kind, tmp) for kind in CLASS_BASES]
    sections = list(bases[0].section_scores())
    root = tmp / "class"
    students = []
    for i in range(n):
        sid = f"s{i:03d}"
        results = []
        for j, section in enumerate(sections):
            base = bases[(i * (j + 1) + i // 5) % len(bases)]
            results += [r for r in base.results if r.section == section]
        report = replace(bases[0], submission=f"class/{sid}", results=results, manual=[])
        folder = root / "students" / sid
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_text(render_json(report), encoding="utf-8")
        code = root / "code" / sid
        if not code.exists():
            shutil.copytree(build(CODE_OF.get(i, "template"), tmp), code)
        students.append((sid, f"Student {i + 1}", folder / "report.json", f"students/{sid}/report.html"))
    return students


# -- code for the similarity tests ---------------------------------------------------------------
RENAMES = {"dout": "upstream_grad", "dx": "grad_input", "dw": "grad_weights", "db": "grad_bias",
           "cache": "saved_values", "out": "result", "mask": "keep_mask", "N": "batch_size",
           "shifted": "centered_scores", "log_probs": "log_p", "margins": "hinge_terms",
           "config": "opt_state", "next_w": "updated_w", "loss": "objective", "grads": "gradients",
           "scores": "class_scores", "params": "parameters", "probs": "p"}


def renamed_copy(src: Path, dest: Path) -> Path:
    """A copy of ``src`` with its local variables renamed (``RENAMES``) and comments dropped:
    what a student hiding a copy would do."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
    for path in dest.rglob("*.py"):
        tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
        out, previous = [], None
        for tok in tokens:
            if tok.type == tokenize.NAME and tok.string in RENAMES and (previous is None or previous.string != "."):
                tok = tok._replace(string=RENAMES[tok.string])
            elif tok.type == tokenize.COMMENT:
                tok = tok._replace(string="")
            out.append(tok)
            previous = tok
        path.write_text(tokenize.untokenize(out))
    return dest


INDEPENDENT_LAYERS = '''

def affine_forward(x, w, b):
    flat = np.reshape(x, (np.shape(x)[0], np.prod(np.shape(x)[1:], dtype=int)))
    return np.einsum("nd,dm->nm", flat, w) + b[np.newaxis, :], (x, w, b)


def affine_backward(dout, cache):
    inputs, weights, _ = cache
    rows = inputs.shape[0]
    grad_weights = np.einsum("nd,nm->dm", inputs.reshape(rows, -1), dout)
    grad_inputs = np.einsum("nm,dm->nd", dout, weights).reshape(inputs.shape)
    return grad_inputs, grad_weights, np.add.reduce(dout, axis=0)


def relu_forward(x):
    return np.where(x > 0, x, np.zeros_like(x)), x


def relu_backward(dout, cache):
    positive = np.greater(cache, 0)
    return np.multiply(dout, positive)


def softmax_loss(x, y):
    count = len(y)
    top = np.amax(x, axis=-1)
    logsum = top + np.log(np.sum(np.exp(x - top[:, None]), axis=-1))
    picked = x[np.arange(count), y]
    value = float(np.sum(logsum - picked)) / count
    grad = np.exp(x - logsum[:, None])
    for row, label in enumerate(y):
        grad[row, label] = grad[row, label] - 1.0
    return value, grad / count


def svm_loss(x, y):
    count, classes = x.shape
    truth = np.take_along_axis(x, y[:, None], axis=1)
    hinge = np.clip(x - truth + 1.0, 0.0, None)
    hinge[np.arange(count), y] = 0.0
    active = (hinge > 0).astype(float)
    active[np.arange(count), y] = -active.sum(axis=1)
    return hinge.sum() / count, active / count
'''


def write_independent_layers(root: Path) -> None:
    """The starter's ``layers.py`` with six layer functions written without looking at the
    reference (einsum, where, take_along_axis, explicit loops), defined after the stubs."""
    path = root / "layers.py"
    path.write_text(path.read_text() + INDEPENDENT_LAYERS)   # later definitions replace the stubs
