"""Checks of kind ``notebook``: an executed Jupyter notebook, read in the grader.

Every check receives the notebook as ``ctx.notebook`` (a ``grader.notebook.plan.NotebookUnderTest``,
planned with the check by ``grader.notebook.grading``) and reads its stored outputs, or, under
``--execute``, the outputs of the grader's own run in the sandbox. Nothing here runs in the
student's kernel, and nothing a cell prints is trusted beyond what the check says it measures.

* ``notebook.valid``: the file is a notebook nbformat can read and validate, and holds a run of
  the student's: a course's untouched starter notebook (no cell ever executed) earns nothing
  (a real-work gate, docs/rubrics.md); hygiene: 0 points in the course rubrics.
* ``notebook.cells_ran``: the code cells that ran did so without an error (fraction of them);
  cells never executed are reported, not counted; the Colab Drive-mount cell is housekeeping.
* ``notebook.execution_order``: the stored outputs come from a top-to-bottom run (hygiene: 0
  points in the course rubrics).
* ``notebook.claims``: the figures the notebook prints meet the course's thresholds (rubric
  ``notebook.claims``) AND can be reproduced: a claim the grader can verify (``verify``: a
  package check that must pass, or a recomputation) earns full credit only when it is
  reproduced; a claim that cannot be verified (no package, no dataset) is left to a TA (listed
  in the report's review items, its share of the points out of the maximum), full credit when
  the grader's own ``--execute`` run printed it. A claim with ``stated`` applies only to the
  notebooks whose text states it (that year's wording, ``grader.notebook.claims.applies``).
* ``notebook.test_cells_unedited``: the course's test cells (rubric ``notebook.template_cells``)
  are unchanged, in a notebook that holds a run (an untouched starter earns nothing).
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
from dataclasses import replace

import numpy as np

from ..notebook.claims import Claim, Figure, applies, find_figures, select
from ..notebook.plan import NotebookUnderTest
from ..notebook.questions import find_questions, resolve, score_answer
from ..notebook.template import compare_cells
from ..sandbox import StudentError
from .base import CheckContext, Outcome, check
from .compare import rel_error
from .toolkit import no_work

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
    if not nb.ran:
        return no_work(f"{nut.name} is a readable notebook, but none of its code cells was ever "
                       "run (no execution count, no output): the course's starter notebook is "
                       "readable too", "the notebook holds your run", hint=RUN_ALL_HINT)
    return Outcome.ok(f"{nut.name}: nbformat {nb.nbformat}, {len(nb.cells)} cells")


def _graded_cells(nut: NotebookUnderTest, nb) -> list:
    """The code cells that are the student's work: course housekeeping (shell-only cells, the
    Colab Drive-mount cell, the rubric's ``ignore_cells``) left out."""
    return [c for c in nb.code_cells
            if not c.shell_only and not c.colab_setup and not nut.ignored(c.source)]


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
    """The code cells that ran did not raise (from the stored outputs, or from the grader's own
    run under --execute); credit is the fraction of them that ran cleanly. Cells left unrun are
    reported, not counted (docs/rubrics.md, hygiene); a notebook in which nothing ran fails.

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
        return _ran_outcome(len(cells), failed, problems, "when the grader re-ran it", [])
    ran = [c for c in cells if c.ran]
    unrun = [f"cell {c.index + 1}" for c in cells if not c.ran]
    if not ran:
        return Outcome.fail(f"{nut.name} was never run: none of its {len(cells)} code cells holds "
                            "an output or an execution count", hint=RUN_ALL_HINT)
    problems = [f"{c.label} raised {c.error.last_line}" for c in ran if c.error is not None]
    return _ran_outcome(len(ran), len(problems), problems, "in the saved outputs", unrun)


def _ran_outcome(total: int, failed: int, problems: list[str], where: str, unrun: list[str]) -> Outcome:
    info = (f" (for information, not counted: {len(unrun)} cell(s) never executed: "
            f"{_listing(unrun)})") if unrun else ""
    if not failed:
        return Outcome.ok(f"all {total} code cells that ran did so without an error {where}{info}")
    return Outcome.from_fraction(1 - failed / total,
                                 f"{failed} of {total} code cells did not run cleanly {where}: "
                                 f"{_listing(problems)}{info}", hint=RUN_ALL_HINT)


@check("notebook.execution_order", kind="notebook")
def check_execution_order(ctx: CheckContext) -> Outcome:
    """The saved outputs come from running the cells top to bottom: execution counts never go
    down (outputs from out-of-order runs may not be what the code now computes). Hygiene: the
    course rubrics give it 0 points (docs/rubrics.md).

    Requirement: outputs of a top-to-bottom run (docs/courses.md §7.30).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    nb = nut.stored
    ran = [c for c in nb.code_cells if c.execution_count is not None]
    if not ran:
        if any(c.ran for c in nb.code_cells):
            return Outcome.skip(f"{nut.name} keeps outputs but no execution counts (a Colab "
                                "export): the order it ran in is not recorded")
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
    grader (package checks, recomputation, or its own --execute run). A figure that meets its
    threshold but that the grader cannot verify (no package, no dataset) is left to a TA: its
    share of the points is taken out of this check's maximum and listed for review.

    Requirement: the thresholds the notebook states, by year (docs/courses.md §4, §A5.4).
    """
    nut = _nut(ctx)
    bad = _unreadable(nut)
    if bad:
        return bad
    nb = nut.notebook
    specs = [s for s in nut.spec.get("claims") or [] if applies(s, nb)]
    if not specs:
        if nut.spec.get("claims"):   # another year's notebook: nothing to grade here
            return Outcome("skipped", "this year's notebook states none of the rubric's figures "
                           "(docs/courses.md §A5.4)", ungraded_share=1.0)
        return Outcome.skip("this notebook's rubric states no figures to check")
    rerun_tol = float(ctx.params.get("rerun_tolerance", 0.02))
    figures = find_figures(nb)
    claims = [Claim.from_spec(spec) for spec in specs]
    total = sum(c.weight for c in claims)
    graded = earned = 0.0
    lines, hints, review = [], [], []
    for claim in claims:
        figure = select(claim, figures, nb)
        if figure is None:
            graded += claim.weight
            lines.append(f"{claim.name}: not found (the notebook should print '{_phrase(claim)}')")
            hints.append("run the cell that prints it and save the notebook with its outputs")
            continue
        head = f"{claim.name}: {figure.value:.6g} ({figure.line!r}, cell {figure.cell + 1})"
        if not claim.meets(figure.value):
            graded += claim.weight
            lines.append(f"{head} does not meet the course's {claim.threshold_text()}")
            continue
        verdict, why = _verify(ctx, claim, figure, nut)
        stale = _stale(claim, nut, figure, rerun_tol)
        if verdict == _Verdict.NOT_REPRODUCED:
            graded += claim.weight
            lines.append(f"{head}: NOT REPRODUCED, {why}")
            hints.append("re-run the notebook with your final code; the printed figures must "
                         "come from the code you hand in")
            continue
        if verdict == _Verdict.REPRODUCED:
            state = f"reproduced ({why})"
        elif nut.executed:
            state = f"reproduced by the grader's run of the notebook ({why})"
        else:
            review.append({"title": claim.name, "answer": figure.line,
                           "prompt": (f"cell {figure.cell + 1} prints {figure.value:.6g}, which meets "
                                      f"the course's {claim.threshold_text()}; the grader could "
                                      f"not verify it ({why})"),
                           "share": claim.weight / total})
            lines.append(f"{head} meets {claim.threshold_text()}, not verified ({why}): "
                         "left to a TA to review, not in this check's points")
            continue
        if stale:
            state += f"; {stale}"
        graded += claim.weight
        earned += claim.weight
        lines.append(f"{head} meets {claim.threshold_text()}, {state}")
    nut.review = review
    message = f"{len(claims)} claim(s): " + "; ".join(lines)
    share = 1.0 - graded / total if total else 0.0
    if not graded:
        return Outcome("skipped", message, ungraded_share=1.0)
    outcome = Outcome.from_fraction(earned / graded, message, hint="; ".join(dict.fromkeys(hints)) or None)
    return replace(outcome, ungraded_share=share)


# -- test cells and questions ---------------------------------------------------------------------
@check("notebook.test_cells_unedited", kind="notebook")
def check_test_cells_unedited(ctx: CheckContext) -> Outcome:
    """The course's test cells (rubric template_cells) are in the notebook, unchanged (compared
    as code: comments, spacing, quotes and print text aside) and were run (an unrun test cell
    tested nothing: an untouched starter earns nothing here).

    Requirement: the course's own test cells (docs/courses.md §A1.5).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    specs = nut.spec.get("template_cells") or []
    if not specs:
        return Outcome.skip("this notebook's rubric ships no template cells")
    if not nut.stored.ran:   # a real-work gate (docs/rubrics.md)
        return no_work(f"{nut.name} was never run (no execution count, no output), and the "
                       "course's starter notebook has its test cells unchanged too",
                       "the notebook holds your run", hint=RUN_ALL_HINT)
    results = compare_cells(nut.stored, specs)
    unrun = [r for r in results if r.status == "unedited" and not nut.executed and not r.cell.ran]
    bad = [r for r in results if r.status != "unedited"] + unrun
    if not bad:
        return Outcome.ok(f"all {len(results)} test cells are unchanged")
    items = []
    for r in bad:
        if r.status == "missing":
            items.append(f"'{r.name}' is missing")
        elif r.status == "unedited":
            items.append(f"'{r.name}' ({r.cell.label}) is unchanged but was never run")
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
    correctly (free-text questions are listed for manual grading instead). A keyed question
    found by its words (``prompt``) that this year's notebook does not ask is not scored.

    Requirement: the inline questions of the notebook (docs/courses.md §6, §A5.3).
    """
    nut = _nut(ctx)
    if nut.problem:
        return _unreadable(nut)
    keyed = [q for q in nut.spec.get("questions") or [] if q.get("key") is not None]
    if not keyed:
        return Outcome.skip("no question has a key in the rubric: all are listed for manual grading")
    found = find_questions(nut.stored)
    total = earned = unasked = 0.0
    lines, not_asked = [], []
    for spec in keyed:
        q, asked = resolve(spec, found, nut.stored)
        points = float(spec.get("points", 1))
        if not asked:
            not_asked.append(str(spec["match"]))
            unasked += points
            continue
        total += points
        if q is None:
            lines.append(f"{spec['match']}: not found in the notebook")
            continue
        credit, why = score_answer(spec, q)
        earned += points * credit
        lines.append(f"{q.title}: {why}")
    info = (f" (not asked in this year's notebook, not in the points: {', '.join(not_asked)})"
            if not_asked else "")
    if not total:
        return Outcome("skipped", "this notebook asks none of the rubric's keyed questions" + info,
                       ungraded_share=1.0)
    outcome = Outcome.from_fraction(earned / total,
                                    f"{len(lines)} keyed question(s): " + "; ".join(lines) + info,
                                    hint="answer in the 'Your Answer:' cell with the option numbers "
                                         "(e.g. 1, 3) or True/False")
    return replace(outcome, ungraded_share=unasked / (unasked + total))
