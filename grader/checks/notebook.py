"""Checks of kind ``notebook``: an executed Jupyter notebook, read in the grader.

Every check receives the notebook as ``ctx.notebook`` (a ``grader.notebook.plan.NotebookUnderTest``,
planned with the check by ``grader.notebook.grading``) and reads its stored outputs, or, under
``--execute``, the outputs of the grader's own run in the sandbox. Nothing here runs in the
student's kernel, and nothing a cell prints is trusted beyond what the check says it measures.

* ``notebook.valid``: the file is a notebook nbformat can read and validate.
* ``notebook.cells_ran``: every code cell ran without an error (fraction of the cells).
* ``notebook.execution_order``: the stored outputs come from a top-to-bottom run.
* ``notebook.claims``: the figures the notebook prints meet the course's thresholds (rubric
  ``notebook.claims``) AND can be reproduced: a claim the grader can verify (``verify``: a
  package check that must pass, or a recomputation) earns full credit only when it is
  reproduced; a claim that cannot be verified (no package, no dataset) earns
  ``unverified_credit`` (param, default 0.5) from stored outputs, full credit when the grader's
  own ``--execute`` run printed it.
* ``notebook.test_cells_unedited``: the course's test cells (rubric ``notebook.template_cells``)
  are unchanged.
* ``notebook.inline_questions``: true/false and multiple-choice questions with a key in the
  rubric are scored; free-text questions are never scored here (the report lists them for
  manual grading).

Claim verification (``verify`` in a claim):

* ``{check: ID}``: the package check ``ID`` (already run in this grading pass) must pass;
* ``{recompute: knn_accuracy, k, num_train, num_test, dataset, tolerance}``: the student's
  ``KNearestNeighbor`` (in the worker) is trained on the first ``num_train`` training images and
  predicts the first ``num_test`` test images; the grader counts the correct labels;
* ``{recompute: logs_train_acc_difference, tolerance}``: CS182's ``Train Acc Difference``
  recomputed from ``submission_logs/sgd_momentum_compare_*.npz``;
* ``{recompute: results_json, key, tolerance}``: the figure equals ``submission_logs/results.json``;
* ``{recompute: model_accuracy, value, dataset, split, tolerance}`` (``--execute`` only): the net
  whose parameters the run brought back (``execute.values``, e.g. ``best_params:
  best_model.params``) is evaluated by the grader on the ``split`` of ``dataset``.
"""
from __future__ import annotations

import math

import numpy as np

from ..notebook.claims import Claim, Figure, find_figures, select
from ..notebook.plan import NotebookUnderTest
from ..notebook.questions import find_questions, match_question, score_answer
from ..notebook.template import compare_cells
from ..sandbox import StudentError
from .base import CheckContext, Outcome, check
from .compare import rel_error

RUN_ALL_HINT = ("restart the kernel and run every cell from the top (Kernel > Restart & Run All), "
                "then save the notebook and hand it in")
FIGURE_PHRASES = {
    "knn_accuracy": "Got N / M correct => accuracy: ...",
    "validation_set_accuracy": "Validation set accuracy: ...",
    "test_set_accuracy": "Test set accuracy: ...",
    "best_validation_accuracy": "best validation accuracy achieved: ...",
    "train_acc_difference": "Train Acc Difference: ...",
    "training_accuracy": "training accuracy: ...",
    "validation_accuracy": "validation accuracy: ...",
    "loop_difference": "{Label} loop difference was: ...",
    "error": "{label} error: ...",
    "relative_error": "{label} relative error: ...",
    "difference": "difference: ...",
    "average_training_acc": "Average Training Acc for {label}: ...",
    "epoch_train_acc": "(Epoch N / M) train acc: ...",
    "epoch_val_acc": "(Epoch N / M) train acc: ...; val_acc: ...",
}


def _phrase(claim: Claim) -> str:
    phrase = FIGURE_PHRASES.get(claim.figure, claim.figure)
    return phrase.format(label=claim.label, Label=claim.label.capitalize())
MAX_LISTED = 5


def _nut(ctx: CheckContext) -> NotebookUnderTest:
    nut = ctx.notebook
    if not isinstance(nut, NotebookUnderTest):
        raise RuntimeError("notebook checks need the notebook (ctx.notebook, planned with the check)")
    return nut


def _unreadable(nut: NotebookUnderTest) -> Outcome | None:
    """A failed outcome when there is no notebook to read, else None."""
    if nut.problem:
        return Outcome.fail(f"the notebook could not be read: {nut.problem}",
                            hint="open it in Jupyter, save it again and hand in the .ipynb file")
    if nut.notebook is None:
        why = nut.execution.problem if nut.execution is not None else "no outputs"
        return Outcome.fail(f"{nut.name}: the notebook run gave nothing to read ({why})")
    return None


def _listing(items: list[str]) -> str:
    more = f"; and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return "; ".join(items[:MAX_LISTED]) + more


@check("notebook.valid", kind="notebook")
def check_valid(ctx: CheckContext) -> Outcome:
    """The file is a Jupyter notebook that nbformat reads and validates (not corrupt or truncated).

    Requirement: the notebook is part of what the courses collect (docs/courses.md §A2.2, §5.2).
    """
    nut = _nut(ctx)
    if nut.problem:
        return Outcome.fail(nut.problem, hint="open the notebook in Jupyter, save it again and hand "
                                              "in the .ipynb file itself (not a copy or an export)")
    nb = nut.stored
    if nb.validation:
        return Outcome.fail(f"{nut.name} does not follow the notebook format: {_listing(nb.validation)}",
                            hint="save it again from Jupyter; do not edit the .ipynb file by hand")
    return Outcome.ok(f"{nut.name}: nbformat {nb.nbformat}, {len(nb.cells)} cells")


def _graded_cells(nut: NotebookUnderTest, nb) -> list:
    return [c for c in nb.code_cells if not c.shell_only and not nut.ignored(c.source)]


def _execution_problems(nut: NotebookUnderTest, cells) -> list[str]:
    problems, not_run = [], []
    for cell in cells:
        run = nut.execution.cell(cell.index)
        if run is None or run.status == "ok":
            continue
        if run.status == "not_run":
            not_run.append(f"cell {cell.index + 1}")
        elif run.status == "timeout":
            problems.append(f"cell {cell.index + 1} hung ({run.detail})")
        elif run.status == "died":
            problems.append(f"cell {cell.index + 1} killed the kernel ({run.detail})")
        else:
            problems.append(f"cell {cell.index + 1} raised {run.detail}")
    if not_run:
        problems.append(f"{len(not_run)} cell(s) not run ({nut.execution.problem or 'see above'}): "
                        + ", ".join(not_run[:8]) + (" ..." if len(not_run) > 8 else ""))
    return problems


@check("notebook.cells_ran", kind="notebook")
def check_cells_ran(ctx: CheckContext) -> Outcome:
    """Every code cell was executed and none raised (from the stored outputs, or from the grader's
    own run under --execute); credit is the fraction of cells that ran cleanly.

    Requirement: the courses ask for executed notebooks (docs/courses.md §A1.5, §7.30).
    """
    nut = _nut(ctx)
    bad = _unreadable(nut)
    if bad:
        return bad
    nb = nut.notebook
    cells = _graded_cells(nut, nb)
    if not cells:
        return Outcome.fail(f"{nut.name} has no code cells to grade")
    if nut.executed:
        problems = _execution_problems(nut, cells)
        failed = sum(1 for c in cells if (r := nut.execution.cell(c.index)) is not None and r.status != "ok")
        where = "when the grader re-ran it"
    else:
        problems, failed = [], 0
        for cell in cells:
            if cell.error is not None:
                problems.append(f"{cell.label} raised {cell.error.last_line}")
            elif cell.execution_count is None:
                problems.append(f"cell {cell.index + 1} was never executed")
            else:
                continue
            failed += 1
        where = "in the saved outputs"
    if not failed:
        return Outcome.ok(f"all {len(cells)} code cells ran without an error {where}")
    return Outcome.from_fraction(1 - failed / len(cells),
                                 f"{failed} of {len(cells)} code cells did not run cleanly {where}: "
                                 f"{_listing(problems)}", hint=RUN_ALL_HINT)


@check("notebook.execution_order", kind="notebook")
def check_execution_order(ctx: CheckContext) -> Outcome:
    """The saved outputs come from running the cells top to bottom: execution counts never go
    down (outputs from out-of-order runs may not be what the code now computes).

    Requirement: outputs of a top-to-bottom run (docs/courses.md §7.30).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    nb = nut.stored
    ran = [c for c in nb.code_cells if c.execution_count is not None]
    if not ran:
        return Outcome.fail(f"{nut.name} holds no executed cell (every execution count is empty)",
                            hint=RUN_ALL_HINT)
    problems = nb.order_problems()
    if not problems:
        return Outcome.ok(f"the {len(ran)} executed cells ran in order")
    items = [f"{later.label} ran before {earlier.label}, which comes earlier in the notebook"
             for earlier, later in problems]
    return Outcome.fail(f"{len(problems)} cell(s) ran out of order: {_listing(items)}", hint=RUN_ALL_HINT)


# -- claims ---------------------------------------------------------------------------------------
class _Verdict:
    REPRODUCED, NOT_REPRODUCED, UNVERIFIABLE = "reproduced", "not reproduced", "unverifiable"


def _verify_checks(ids: list[str], nut: NotebookUnderTest) -> tuple[str, str]:
    if not nut.package_present:
        return _Verdict.UNVERIFIABLE, "no package was handed in to verify it"
    results = [nut.package_results.get(i) for i in ids]
    if any(r is None for r in results):
        return _Verdict.UNVERIFIABLE, f"{', '.join(ids)} did not run"
    failing = [r for r in results if r.status not in ("passed", "skipped")]
    if failing:
        r = failing[0]
        first = (r.message or r.status).splitlines()[0][:200]
        return _Verdict.NOT_REPRODUCED, f"your package fails {r.name}: {first}"
    if any(r.status == "skipped" for r in results):
        return _Verdict.UNVERIFIABLE, f"{', '.join(ids)} was skipped"
    return _Verdict.REPRODUCED, f"your package passes {', '.join(ids)}"


def _knn_accuracy(ctx: CheckContext, verify: dict, nut: NotebookUnderTest) -> tuple[float | None, str]:
    if not nut.package_present or ctx.worker is None:
        return None, "no package was handed in to recompute it"
    name = verify.get("dataset", "cifar10")
    data = ctx.dataset(name)
    if data is None:
        return None, f"the {name} dataset is not available here (grade with --data)"
    n_train, n_test = int(verify.get("num_train", 5000)), int(verify.get("num_test", 500))
    k = int(verify.get("k", 1))
    X_train = np.asarray(data["X_train"][:n_train], dtype=np.float32).reshape(min(n_train, len(data["X_train"])), -1)
    X_test = np.asarray(data["X_test"][:n_test], dtype=np.float32).reshape(min(n_test, len(data["X_test"])), -1)
    y_train, y_test = data["y_train"][:n_train], data["y_test"][:n_test]
    try:
        model = ctx.new("classifiers.k_nearest_neighbor.KNearestNeighbor")
        ctx.call(model.method("train"), X_train, y_train)
        pred = ctx.call(model.method("predict"), X_test, k=k, num_loops=0)
    except StudentError as exc:
        return math.nan, f"your KNearestNeighbor failed: {exc.message}"
    pred = np.asarray(pred).reshape(-1)
    if pred.shape != y_test.shape:
        return math.nan, f"your predict returned shape {pred.shape}, expected {y_test.shape}"
    correct = int(np.sum(pred == y_test))
    return correct / len(y_test), f"{correct} / {len(y_test)} with k = {k} on {name}"


def _logs_train_acc_difference(ctx: CheckContext, verify: dict) -> tuple[float | None, str]:
    from .artefacts import Unusable, find_logs_dir, read_npz

    logs = find_logs_dir(ctx) if ctx.submission_root is not None else None
    if logs is None:
        return None, "submission_logs/ is missing"
    means = {}
    for rule in ("sgd", "sgd_momentum"):
        finals = []
        for seed in verify.get("seeds", (100, 200, 300)):
            path = logs / f"sgd_momentum_compare_{rule}_{seed}.npz"
            try:
                accs = read_npz(path, path.name).get("train_accs")
            except Unusable as exc:
                return None, exc.message
            if accs is None or accs.ndim != 1 or accs.size == 0:
                return None, f"{path.name} has no train_accs"
            finals.append(float(accs[-1]))
        means[rule] = float(np.mean(finals))
    value = float(rel_error(means["sgd"], means["sgd_momentum"]))
    return value, (f"from submission_logs: mean final train accuracy sgd {means['sgd']:.4f}, "
                   f"sgd_momentum {means['sgd_momentum']:.4f}")


def _results_json(ctx: CheckContext, verify: dict) -> tuple[float | None, str]:
    from .artefacts import Unusable, find_logs_dir, read_json

    logs = find_logs_dir(ctx) if ctx.submission_root is not None else None
    if logs is None:
        return None, "submission_logs/ is missing"
    key = str(verify.get("key", "val_acc"))
    try:
        results = read_json(logs / "results.json", "results.json", "results")
    except Unusable as exc:
        return None, exc.message
    return float(results[key]), f"{key} in submission_logs/results.json"


def _model_accuracy(ctx: CheckContext, verify: dict, nut: NotebookUnderTest) -> tuple[float | None, str]:
    """The accuracy of a fully-connected net whose parameters the --execute run brought back
    (rubric ``execute.values``), measured here: affine-ReLU layers, then an affine layer."""
    name = str(verify.get("value", "best_params"))
    if nut.execution is None:
        return None, "its parameters are only available under --execute"
    values = nut.execution.values
    params = {k.split("/", 1)[1]: v for k, v in values.items() if k.startswith(name + "/")}
    if not params:
        why = nut.execution.value_errors.get(name, "not found")
        return None, f"the model's parameters {name!r} could not be brought back ({why})"
    if any(k.startswith(("gamma", "beta")) for k in params):
        return None, "a model with batch/layer norm cannot be re-evaluated from its parameters alone"
    layers = 0
    while f"W{layers + 1}" in params and f"b{layers + 1}" in params:
        layers += 1
    data = ctx.dataset(verify.get("dataset", "cifar10"))
    if data is None:
        return None, f"the {verify.get('dataset', 'cifar10')} dataset is not available here (grade with --data)"
    split = str(verify.get("split", "val"))
    X, y = data[f"X_{split}"], data[f"y_{split}"]
    h = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    try:
        for i in range(1, layers + 1):
            W, b = np.asarray(params[f"W{i}"], np.float64), np.asarray(params[f"b{i}"], np.float64)
            h = h @ W + b
            if i < layers:
                h = np.maximum(h, 0)
    except ValueError as exc:
        return math.nan, f"the parameters do not fit a fully-connected net on this data ({exc})"
    if layers == 0 or h.shape != (len(y), h.shape[1]):
        return math.nan, f"{name!r} holds no W1, b1, ... of a fully-connected net"
    acc = float(np.mean(np.argmax(h, axis=1) == y))
    return acc, f"{split} accuracy of the {layers}-layer net {name!r} from the grader's run, measured by the grader"


RECOMPUTE = {"knn_accuracy": lambda ctx, v, nut: _knn_accuracy(ctx, v, nut),
             "logs_train_acc_difference": lambda ctx, v, nut: _logs_train_acc_difference(ctx, v),
             "results_json": lambda ctx, v, nut: _results_json(ctx, v),
             "model_accuracy": _model_accuracy}


def _verify(ctx: CheckContext, claim: Claim, figure: Figure, nut: NotebookUnderTest) -> tuple[str, str]:
    verify = dict(claim.verify or {})
    if not verify:
        return _Verdict.UNVERIFIABLE, "the rubric names no way to verify it"
    if "check" in verify or "checks" in verify:
        ids = verify.get("checks") or [verify["check"]]
        return _verify_checks([str(i) for i in ids], nut)
    how = verify.get("recompute")
    if how not in RECOMPUTE:
        raise ValueError(f"unknown claim verification {how!r} (known: check, {', '.join(RECOMPUTE)})")
    value, text = RECOMPUTE[how](ctx, verify, nut)
    if value is None:
        return _Verdict.UNVERIFIABLE, text
    tol = float(verify.get("tolerance", 1e-6))
    if math.isfinite(value) and abs(value - figure.value) <= tol:
        return _Verdict.REPRODUCED, f"the grader recomputed {value:.6g} ({text})"
    shown = "nothing" if not math.isfinite(value) else f"{value:.6g}"
    return _Verdict.NOT_REPRODUCED, (f"the grader recomputed {shown} ({text}); the notebook claims "
                                     f"{figure.value:.6g}")


def _stale(claim: Claim, nut: NotebookUnderTest, figure: Figure, tol: float) -> str | None:
    """Under --execute: the saved output's figure when it differs from the re-run's."""
    if not nut.executed or nut.stored is None:
        return None
    old = select(claim, find_figures(nut.stored), nut.stored)
    if old is None or (math.isfinite(old.value) and abs(old.value - figure.value) <= tol):
        return None
    return f"the saved output said {old.value:.6g}, re-running gave {figure.value:.6g}"


@check("notebook.claims", kind="notebook")
def check_claims(ctx: CheckContext) -> Outcome:
    """The figures the notebook prints meet the course's thresholds and are reproduced by the
    grader (package checks, recomputation, or its own --execute run).

    Requirement: the thresholds the notebook states, by year (docs/courses.md §4, §A5.4).
    """
    nut = _nut(ctx)
    bad = _unreadable(nut)
    if bad:
        return bad
    specs = nut.spec.get("claims") or []
    if not specs:
        return Outcome.skip("this notebook's rubric states no figures to check")
    unverified = float(ctx.params.get("unverified_credit", 0.5))
    rerun_tol = float(ctx.params.get("rerun_tolerance", 0.02))
    nb = nut.notebook
    figures = find_figures(nb)
    total = earned = 0.0
    lines, hints = [], []
    for spec in specs:
        claim = Claim.from_spec(spec)
        total += claim.weight
        figure = select(claim, figures, nb)
        if figure is None:
            lines.append(f"{claim.name}: not found (the notebook should print '{_phrase(claim)}')")
            hints.append("run the cell that prints it and save the notebook with its outputs")
            continue
        head = f"{claim.name}: {figure.value:.6g} ({figure.line!r}, cell {figure.cell + 1})"
        if not claim.meets(figure.value):
            lines.append(f"{head} does not meet the course's {claim.threshold_text()}")
            continue
        verdict, why = _verify(ctx, claim, figure, nut)
        stale = _stale(claim, nut, figure, rerun_tol)
        if verdict == _Verdict.NOT_REPRODUCED:
            lines.append(f"{head}: NOT REPRODUCED, {why}")
            hints.append("re-run the notebook with your final code; the printed figures must "
                         "come from the code you hand in")
            continue
        if verdict == _Verdict.REPRODUCED:
            credit, state = 1.0, f"reproduced ({why})"
        elif nut.executed:
            credit, state = 1.0, f"reproduced by the grader's run of the notebook ({why})"
        else:
            credit, state = unverified, f"not verified ({why}): {unverified:g} of its credit"
        if stale:
            state += f"; {stale}"
        earned += claim.weight * credit
        lines.append(f"{head} meets {claim.threshold_text()}, {state}")
    fraction = earned / total if total else 0.0
    message = f"{len(specs)} claim(s): " + "; ".join(lines)
    return Outcome.from_fraction(fraction, message, hint="; ".join(dict.fromkeys(hints)) or None)


# -- test cells and questions ---------------------------------------------------------------------
@check("notebook.test_cells_unedited", kind="notebook")
def check_test_cells_unedited(ctx: CheckContext) -> Outcome:
    """The course's test cells (rubric template_cells) are in the notebook and unchanged
    (comments and spacing aside).

    Requirement: the course's own test cells (docs/courses.md §A1.5).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    specs = nut.spec.get("template_cells") or []
    if not specs:
        return Outcome.skip("this notebook's rubric ships no template cells")
    results = compare_cells(nut.stored, specs)
    bad = [r for r in results if r.status != "unedited"]
    if not bad:
        return Outcome.ok(f"all {len(results)} test cells are unchanged")
    items = []
    for r in bad:
        if r.status == "missing":
            items.append(f"'{r.name}' is missing")
        else:
            items.append(f"'{r.name}' ({r.cell.label}) was edited:\n{r.diff}")
    return Outcome.from_fraction(1 - len(bad) / len(results),
                                 f"{len(bad)} of {len(results)} test cells differ from the course's: "
                                 + "; ".join(items[:MAX_LISTED]),
                                 hint="restore the official test cells (copy them from the course "
                                      "notebook); change only the code you were asked to write")


@check("notebook.inline_questions", kind="notebook")
def check_inline_questions(ctx: CheckContext) -> Outcome:
    """True/false and multiple-choice inline questions with a key in the rubric are answered
    correctly (free-text questions are listed for manual grading instead).

    Requirement: the inline questions of the notebook (docs/courses.md §6, §A5.3).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    keyed = [q for q in nut.spec.get("questions") or [] if q.get("key") is not None]
    if not keyed:
        return Outcome.skip("no question has a key in the rubric: all are listed for manual grading")
    found = find_questions(nut.stored)
    total = earned = 0.0
    lines = []
    for spec in keyed:
        points = float(spec.get("points", 1))
        total += points
        q = match_question(found, str(spec["match"]))
        if q is None:
            lines.append(f"{spec['match']}: not found in the notebook")
            continue
        credit, why = score_answer(spec, q)
        earned += points * credit
        lines.append(f"{q.title}: {why}")
    return Outcome.from_fraction(earned / total if total else 0.0,
                                 f"{len(keyed)} keyed question(s): " + "; ".join(lines),
                                 hint="answer in the 'Your Answer:' cell with the option numbers "
                                      "(e.g. 1, 3) or True/False")
