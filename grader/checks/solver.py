"""Checks for the ``Solver`` (docs/courses.md §2.6): its observable contract, not its printing.

Every check trains a tiny model IN THE WORKER with the submission's Solver and compares what it
observes with the same run of the reference Solver in the fixture builder:

* the model is the submission's ``classifiers.fc_net.TwoLayerNet`` (input 12, hidden 16,
  4 classes) with parameters the grader sets itself. Before each run its loss and gradients on a
  probe batch are compared with the reference, so a broken TwoLayerNet is reported as such
  ("fix TwoLayerNet first") rather than blamed on the Solver;
* the update rule is always ``'sgd'`` (given code), so a broken momentum/rmsprop/adam cannot
  fail a Solver check;
* the worker's global RNG is seeded with ``numpy.random.seed`` just before the Solver is built,
  as the builder seeds the grader's: the Solver's only random draws are its minibatches
  (``np.random.choice(num_train, batch_size)``, with replacement), since the training sets have
  fewer than ``num_train_samples`` examples and validation is measured on the whole set. The
  runs are therefore identical to the reference's draw for draw.

Numbers the Solver reports about itself are cross-checked, never trusted: the validation accuracy
of the restored parameters is recomputed here with plain numpy.

Course profiles (``ctx.selection``): the Solver gets only the keywords its year accepts (a CS231n
Solver raises ``ValueError`` for CS182's ``log_acc_iteration``, a CS182 one for CS231n's
``num_train_samples``), plus the ones it needs (CS182 fa26 logs gradient norms only with
``record_grad_norm=True``). Where TwoLayerNet is not the student's work (CS182 hw02) the model is
a ``FullyConnectedNet`` with one hidden layer and the same parameters (``solver_model``), and
CS182 fa26 records ``t + 1`` in ``log_acc_iteration_history`` (``log_acc_iteration_base``).
"""
from __future__ import annotations

import os
import stat

import numpy as np

from ..sandbox import StudentError
from . import curves
from .base import CheckContext, CheckFailed, Outcome, check, fixture
from .toolkit import verdict
from .compare import as_array, compare_array, compare_scalar, describe, join_problems, rel_error

# The model: TwoLayerNet on 12-dimensional inputs shaped (3, 4), 16 hidden units, 4 classes.
INPUT_SHAPE, HIDDEN, CLASSES = (3, 4), 16, 4
PARAMS = ("W1", "b1", "W2", "b2")
MODEL_TARGET = "classifiers.fc_net.TwoLayerNet"
MODEL_KWARGS = {"input_dim": 12, "hidden_dim": HIDDEN, "num_classes": CLASSES,
                "weight_scale": 1e-3, "reg": 0.0}
#: The same model as a FullyConnectedNet (``solver_model: fully_connected``), float64 like the data.
FC_TARGET = "classifiers.fc_net.FullyConnectedNet"
FC_KWARGS = {"input_dim": 12, "num_classes": CLASSES, "weight_scale": 1e-3, "reg": 0.0,
             "dtype": np.float64}
RUN_SEED = 7

#: The runs. ``main``: 50 examples, batch 10 (5 iterations per epoch), 10 epochs, lr 1.0: the
#: validation accuracy peaks at epoch 2 (0.8) and ends lower, so "best params restored" shows.
RUNS = {
    "main": {"n_train": 50, "kwargs": {"update_rule": "sgd", "optim_config": {"learning_rate": 1.0},
                                       "num_epochs": 10, "batch_size": 10,
                                       "log_acc_iteration": True}},
    # The overfit-50 shape of docs/courses.md §2.6/§4.5: 50 examples, batch 25, 20 epochs -> 40 steps, 21 checks.
    "overfit": {"n_train": 50, "kwargs": {"update_rule": "sgd", "optim_config": {"learning_rate": 0.1},
                                          "num_epochs": 20, "batch_size": 25}},
    # A batch larger than the training set: one iteration per epoch -> num_epochs checks.
    "single": {"n_train": 8, "kwargs": {"update_rule": "sgd", "optim_config": {"learning_rate": 0.1},
                                        "num_epochs": 3, "batch_size": 10}},
    # Learning-rate decay 0.8 over 4 epochs of 5 iterations.
    "decay": {"n_train": 50, "kwargs": {"update_rule": "sgd", "optim_config": {"learning_rate": 0.5},
                                        "lr_decay": 0.8, "num_epochs": 4, "batch_size": 10}},
}
SHAPE_LABELS = {"overfit": "the overfit-50 shape (50 examples, batch 25, 20 epochs)",
                "single": "8 examples with batch 10 (one iteration per epoch, 3 epochs)"}
NPZ_NAME = os.path.join("grader_histories", "solver_run")
NPZ_KEYS = {"train_losses": "loss_history", "train_accs": "train_acc_history",
            "val_accs": "val_acc_history"}
NPZ_OPTIONAL = {"mean_gradient_norms": "log_grad_norm_history",
                "accuracy_iterations": "log_acc_iteration_history"}
NPZ_MAX_BYTES = 16 * 2**20


def _data():
    """Four Gaussian classes in 12 dimensions, images shaped (3, 4): 50 train, 40 val."""
    rng = np.random.RandomState(0)
    centers = rng.randn(CLASSES, 12)
    y_train, y_val = rng.randint(CLASSES, size=50), rng.randint(CLASSES, size=40)
    X_train = centers[y_train] + 1.6 * rng.randn(50, 12)
    X_val = centers[y_val] + 1.6 * rng.randn(40, 12)
    return {"X_train": X_train.reshape(50, *INPUT_SHAPE), "y_train": y_train,
            "X_val": X_val.reshape(40, *INPUT_SHAPE), "y_val": y_val}


def _init_params():
    rng = np.random.RandomState(100)
    return {"W1": 0.3 * rng.randn(12, HIDDEN), "b1": np.zeros(HIDDEN),
            "W2": 0.3 * rng.randn(HIDDEN, CLASSES), "b2": np.zeros(CLASSES)}


def _run_data(f, name):
    n = RUNS[name]["n_train"]
    return {"X_train": f["X_train"][:n], "y_train": f["y_train"][:n],
            "X_val": f["X_val"], "y_val": f["y_val"]}


class _Recorder:
    """Wraps the reference model to record the gradients of every training step."""

    def __init__(self, model):
        self.model, self.grads = model, []

    @property
    def params(self):
        return self.model.params

    @params.setter
    def params(self, value):
        self.model.params = value

    def loss(self, X, y=None):
        result = self.model.loss(X, y)
        if y is not None:
            self.grads.append({k: v.copy() for k, v in result[1].items()})
        return result


@fixture("solver")
def solver_fixture(ref):
    """Data, initial parameters, a probe of the model, and the reference Solver's runs."""
    data, init = _data(), _init_params()
    out = dict(data)
    out.update({f"init_{k}": v for k, v in init.items()})
    model = ref.classifiers.fc_net.TwoLayerNet(**MODEL_KWARGS)
    model.params = {k: v.copy() for k, v in init.items()}
    probe_X, probe_y = data["X_train"][:6], data["y_train"][:6]
    loss, grads = model.loss(probe_X, probe_y)
    out.update(probe_X=probe_X, probe_y=probe_y, probe_loss=np.asarray(loss),
               **{f"probe_d{k}": grads[k] for k in PARAMS})
    for name, run in RUNS.items():
        model = ref.classifiers.fc_net.TwoLayerNet(**MODEL_KWARGS)
        model.params = {k: v.copy() for k, v in init.items()}
        recorder = _Recorder(model)
        n = run["n_train"]
        run_data = {"X_train": data["X_train"][:n], "y_train": data["y_train"][:n],
                    "X_val": data["X_val"], "y_val": data["y_val"]}
        np.random.seed(RUN_SEED)
        solver = ref.solver.Solver(recorder, run_data, verbose=False, **run["kwargs"])
        solver.train()
        out[f"{name}.loss_history"] = np.array(solver.loss_history)
        out[f"{name}.train_acc_history"] = np.array(solver.train_acc_history)
        out[f"{name}.val_acc_history"] = np.array(solver.val_acc_history)
        out[f"{name}.epoch"] = np.asarray(solver.epoch)
        out[f"{name}.best_val_acc"] = np.asarray(solver.best_val_acc)
        out[f"{name}.log_grad_norm_history"] = np.array(solver.log_grad_norm_history)
        out[f"{name}.log_acc_iteration_history"] = np.array(solver.log_acc_iteration_history, dtype=np.int64)
        out[f"{name}.final_lr"] = np.array([solver.optim_configs[k]["learning_rate"] for k in PARAMS])
        for k in PARAMS:
            out[f"{name}.final_{k}"] = model.params[k]
        # The usual misreadings of "the mean of the L2 norm of the gradients" (docs/courses.md §9.6), so a
        # failure can say which one the student computed.
        out[f"{name}.gn_weights_only"] = np.array(
            [np.mean([np.linalg.norm(g[k]) for k in ("W1", "W2")]) for g in recorder.grads])
        out[f"{name}.gn_global"] = np.array(
            [np.sqrt(sum(np.sum(g[k] ** 2) for k in PARAMS)) for g in recorder.grads])
        out[f"{name}.gn_sum"] = np.array(
            [np.sum([np.linalg.norm(g[k]) for k in PARAMS]) for g in recorder.grads])
    return out


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

PRECONDITION = ("The Solver checks train a TwoLayerNet built from your classifiers/fc_net.py "
                "(with parameters set by the grader)")


def _model(ctx: CheckContext, f):
    """The submission's TwoLayerNet with the grader's parameters, verified on a probe batch.

    Returns ``(model_ref, None)`` or ``(None, Outcome)`` explaining why the Solver cannot be checked.
    """
    try:
        if ctx.selection is not None and ctx.selection.convention("solver_model") == "fully_connected":
            model = ctx.new(FC_TARGET, [HIDDEN], **FC_KWARGS)
        else:
            model = ctx.new(MODEL_TARGET, **MODEL_KWARGS)
        ctx.setattr(model, "params", {k: f[f"init_{k}"] for k in PARAMS})
        result = ctx.call(model.method("loss"), f["probe_X"], f["probe_y"])
    except StudentError as exc:
        return None, Outcome.fail(f"{PRECONDITION}, which failed: {exc.message}",
                                  hint="fix TwoLayerNet first (see its own checks); the Solver "
                                       "cannot be trained without a model")
    problems = []
    if not isinstance(result, (list, tuple)) or len(result) != 2 or not isinstance(result[1], dict):
        problems.append(f"loss(X, y) should return (loss, grads), got {describe(result)}")
    else:
        problems.append(compare_scalar("loss", result[0], float(f["probe_loss"]), 1e-8))
        for k in PARAMS:
            if k not in result[1]:
                problems.append(f"grads has no key '{k}'")
            else:
                problems.append(compare_array(f"grads['{k}']", result[1][k], f[f"probe_d{k}"], 1e-6))
    if any(problems):
        return None, Outcome.fail(f"{PRECONDITION}; on a probe batch it disagrees with the reference "
                                  f"({join_problems(problems)}), so the Solver cannot be checked",
                                  hint="fix TwoLayerNet.loss first (see its own checks)")
    return model, None


def _train(ctx: CheckContext, f, name: str, extra: dict | None = None):
    """Seed the worker, build the student's Solver for run ``name`` and train it.

    Returns ``(solver_ref, model_ref)``; raises ``CheckFailed`` when the model cannot be built.
    """
    model, problem = _model(ctx, f)
    if problem:
        raise CheckFailed(problem)
    ctx.call("numpy.random.seed", RUN_SEED)
    kwargs = _accepted(ctx, {"verbose": False, **RUNS[name]["kwargs"], **(extra or {})})
    solver = ctx.new("solver.Solver", model, _run_data(f, name), **kwargs)
    ctx.call(solver.method("train"))
    return solver, model


def _accepted(ctx: CheckContext, kwargs: dict) -> dict:
    """The Solver keywords this course year accepts (and needs); all of them without a profile."""
    return ctx.selection.solver_kwargs(kwargs) if ctx.selection is not None else kwargs


def _history(ctx: CheckContext, solver, name: str):
    """A Solver list attribute as a flat float array: ``(array, None)`` or ``(None, problem)``."""
    value = ctx.getattr(solver, name)
    arr, problem = as_array(f"solver.{name}", value)
    if problem:
        return None, problem
    return arr.reshape(-1), None


def _divergence(ctx: CheckContext, solver, f, run: str) -> str:
    """Where the student's loss history leaves the reference run's (for messages)."""
    got, problem = _history(ctx, solver, "loss_history")
    if problem:
        return problem
    expected = f[f"{run}.loss_history"]
    if got.shape != expected.shape:
        return f"loss_history has {got.size} entries, the reference run {expected.size}"
    if not np.all(np.isfinite(got)):
        return "loss_history contains non-finite values"
    err = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
    bad = np.flatnonzero(err > 1e-6)
    if bad.size == 0:
        return "your training steps match the reference run's"
    i = int(bad[0])
    where = (f"the loss history leaves the reference run at iteration {i} ({got[i]:.6g} vs "
             f"{expected[i]:.6g})")
    if i == 0:
        return (where + ": the first minibatch differs; with the same seed it must be drawn as "
                "np.random.choice(num_train, batch_size), one draw per step")
    return where + f": the update of iteration {i - 1} differs"


def _scores(params: dict, X: np.ndarray) -> np.ndarray:
    """affine - relu - affine, computed here with plain numpy (trusted)."""
    hidden = np.maximum(0, X.reshape(X.shape[0], -1) @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]


# --------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------


LENGTHS_HINT = ("iterations_per_epoch = max(num_train // batch_size, 1); check the accuracies at t == 0, "
                "at every epoch end and at t == num_iterations - 1")
UNKNOWN_KEYWORD_HINT = ("pop every known keyword from kwargs; if any remain, raise "
                        "ValueError('Unrecognized arguments ...')")


@check("solver.history_lengths", kind="value", fixture="solver")
def check_solver_history_lengths(ctx: CheckContext) -> Outcome:
    """loss/train_acc/val_acc histories and epoch have the course's lengths (21 checks for overfit-50).

    Requirement: the Solver's histories (docs/courses.md §2.6).
    """
    f = ctx.fixture()
    problems = []
    for run in ("overfit", "single"):
        solver, _ = _train(ctx, f, run)
        found = []
        for attr, what in (("loss_history", "one entry per iteration"),
                           ("train_acc_history", "one at t=0 and one per epoch end"),
                           ("val_acc_history", "one at t=0 and one per epoch end")):
            got, problem = _history(ctx, solver, attr)
            expected = f[f"{run}.{attr}"].size
            if problem:
                found.append(problem)
            elif got.size != expected:
                found.append(f"{attr} has {got.size} entries, expected {expected} ({what})")
        epoch = ctx.getattr(solver, "epoch")
        if epoch != int(f[f"{run}.epoch"]):
            found.append(f"solver.epoch is {epoch!r}, expected {int(f[f'{run}.epoch'])}")
        if found:
            problems.append(f"on {SHAPE_LABELS[run]}: {join_problems(found)}")
    return verdict(problems, "the histories have the expected lengths for both shapes", hint=LENGTHS_HINT)


@check("solver.lr_decay", kind="value", fixture="solver", tolerance=1e-6)
def check_solver_lr_decay(ctx: CheckContext) -> Outcome:
    """lr_decay multiplies every parameter's learning rate once per epoch (0.5 * 0.8**4 after 4 epochs).

    Requirement: the Solver's per-epoch learning-rate decay (docs/courses.md §2.6, §7.21).
    """
    f = ctx.fixture()
    solver, _ = _train(ctx, f, "decay")
    configs = ctx.getattr(solver, "optim_configs")
    if not isinstance(configs, dict):
        return Outcome.fail(f"solver.optim_configs should be a dict (parameter name -> config), got "
                            f"{describe(configs)}")
    expected_lr = f["decay.final_lr"]
    problems = []
    for k, lr in zip(PARAMS, expected_lr):
        config = configs.get(k)
        got = config.get("learning_rate") if isinstance(config, dict) else None
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            problems.append(f"optim_configs['{k}'] has no numeric 'learning_rate' ({describe(config)})")
        elif abs(got - lr) > 1e-9 * lr:
            problems.append(f"optim_configs['{k}']['learning_rate'] is {got:.6g}, expected {lr:.6g}")
    label = "after 4 epochs with learning_rate 0.5 and lr_decay 0.8"
    if problems:
        return Outcome.fail(f"{label}: {join_problems(problems)}",
                            hint="at the end of every epoch, multiply the learning_rate of EVERY "
                                 "per-parameter config in self.optim_configs by lr_decay")
    # The timing of the decay shows in the losses: compare the run with the reference's.
    got, problem = _history(ctx, solver, "loss_history")
    series = curves.panel("loss", {"train": got, "reference run": f["decay.loss_history"]})
    problem = problem or compare_array("loss_history", got, f["decay.loss_history"], ctx.tolerance)
    if problem:
        return Outcome.fail(f"{label}: the final learning rates are right but {problem}; "
                            f"{_divergence(ctx, solver, f, 'decay')}", series=series,
                            hint="decay once per epoch, at its end ((t + 1) % iterations_per_epoch == 0)")
    return Outcome.ok("every per-parameter learning rate is decayed once per epoch", series=series)


@check("solver.best_params_restored", kind="value", fixture="solver", tolerance=1e-6)
def check_solver_best_params(ctx: CheckContext) -> Outcome:
    """After train() the model holds the parameters of the best validation epoch (recomputed here).

    Requirement: the Solver keeps the best validation parameters (docs/courses.md §2.6, §7.27).
    """
    f = ctx.fixture()
    solver, model = _train(ctx, f, "main")
    params = ctx.getattr(model, "params")
    if not isinstance(params, dict) or any(k not in params for k in PARAMS):
        return Outcome.fail(f"after train() model.params should hold {list(PARAMS)}, got {describe(params)}",
                            hint="at the end of train(): self.model.params = self.best_params")
    arrays = {}
    for k in PARAMS:
        arr, problem = as_array(f"model.params['{k}']", params[k], f[f"main.final_{k}"].shape)
        if problem:
            return Outcome.fail(f"after train(): {problem}")
        arrays[k] = arr
    scores = _scores(arrays, f["X_val"])
    val_acc = float(np.mean(np.argmax(scores, axis=1) == f["y_val"])) if np.all(np.isfinite(scores)) else 0.0
    best = float(f["main.best_val_acc"])
    last = float(f["main.val_acc_history"][-1])
    param_problems = [compare_array(f"model.params['{k}']", arrays[k], f[f"main.final_{k}"], ctx.tolerance)
                      for k in PARAMS]
    label = "after 10 epochs whose validation accuracy peaks at epoch 2"
    if abs(val_acc - best) > 1e-9:
        extra = ""
        if abs(val_acc - last) <= 1e-9:
            extra = " (that of the LAST epoch)"
        return Outcome.fail(
            f"{label}: the model's parameters after train() reach a validation accuracy of "
            f"{val_acc:.3f} (recomputed by the grader){extra}; the best epoch reached {best:.3f}; "
            f"{_divergence(ctx, solver, f, 'main')}",
            hint="when val_acc > best_val_acc store COPIES of the parameters ({k: v.copy() ...}) "
                 "in best_params, and after the loop set self.model.params = self.best_params")
    if any(param_problems):
        return Outcome.fail(f"{label}: the model reaches the best validation accuracy, but its parameters "
                            f"differ from the best epoch's: {join_problems(param_problems)}; "
                            f"{_divergence(ctx, solver, f, 'main')}",
                            hint="best_params must be copies of the parameters at the best check")
    reported = ctx.getattr(solver, "best_val_acc")
    if not isinstance(reported, (int, float)) or abs(float(reported) - best) > 1e-9:
        return Outcome.fail(f"{label}: the parameters are right but solver.best_val_acc is "
                            f"{describe(reported)}, expected {best:.3f}",
                            hint="update best_val_acc together with best_params")
    return Outcome.ok(f"the restored parameters reach the best validation accuracy {best:.3f}")


@check("solver.unknown_keyword", kind="value", fixture="solver")
def check_solver_unknown_keyword(ctx: CheckContext) -> Outcome:
    """Solver accepts the documented keywords and raises ValueError for an unknown one.

    Requirement: the Solver's keywords; leftovers raise ValueError (docs/courses.md §2.6,
    §A2.3).
    """
    f = ctx.fixture()
    model, problem = _model(ctx, f)
    if problem:
        return problem
    data = _run_data(f, "main")
    documented = {"update_rule": "sgd", "optim_config": {"learning_rate": 1e-2}, "lr_decay": 0.9,
                  "batch_size": 10, "num_epochs": 1, "num_train_samples": 20, "num_val_samples": 20,
                  "checkpoint_name": None, "print_every": 5, "verbose": False}
    ctx.new("solver.Solver", model, data, **_accepted(ctx, documented))
    try:
        ctx.new("solver.Solver", model, data, update_rule="sgd", learning_rate=1e-2, verbose=False)
    except StudentError as exc:
        if getattr(exc, "type", None) == "ValueError":
            return Outcome.ok("an unknown keyword raises ValueError")
        return Outcome.fail(f"Solver(model, data, learning_rate=1e-2) should raise ValueError "
                            f"('Unrecognized arguments ...'), but: {exc.message}",
                            hint=UNKNOWN_KEYWORD_HINT)
    return Outcome.fail("Solver(model, data, learning_rate=1e-2) was accepted: an unknown keyword "
                        "(here a learning rate given outside optim_config) must raise ValueError",
                        hint=UNKNOWN_KEYWORD_HINT)


@check("solver.grad_norm_history", kind="value", fixture="solver", tolerance=1e-6)
def check_solver_grad_norm(ctx: CheckContext) -> Outcome:
    """log_grad_norm_history holds, per step, the mean over all parameters of each gradient's L2 norm.

    Requirement: hw02's gradient-norm logging (docs/courses.md §2.6, §9.6).
    """
    f = ctx.fixture()
    solver, _ = _train(ctx, f, "main")
    got, problem = _history(ctx, solver, "log_grad_norm_history")
    expected = f["main.log_grad_norm_history"]
    hint = ("in _step, after model.loss: append float(np.mean([np.linalg.norm(grads[p].ravel()) "
            "for p in grads])), one value per step, over every parameter (biases too)")
    if problem:
        return Outcome.fail(problem, hint=hint)
    if got.size != expected.size:
        return Outcome.fail(f"log_grad_norm_history has {got.size} entries after {expected.size} "
                            "iterations; expected one per iteration", hint=hint)
    problem = compare_array("log_grad_norm_history", got, expected, ctx.tolerance)
    if problem is None:
        return Outcome.ok("one mean gradient norm per step, over every parameter")
    for key, what in (("gn_weights_only", "the mean over the weight matrices only (W1, W2)"),
                      ("gn_global", "one global norm over all gradients together"),
                      ("gn_sum", "the SUM of the per-parameter norms")):
        if rel_error(got, f[f"main.{key}"]) <= ctx.tolerance:
            return Outcome.fail(f"log_grad_norm_history holds {what}; expected the mean over every "
                                f"parameter (W1, b1, W2, b2) of the L2 norm of its gradient", hint=hint)
    return Outcome.fail(f"{problem}; {_divergence(ctx, solver, f, 'main')}", hint=hint)


@check("solver.log_acc_iteration", kind="value", fixture="solver")
def check_solver_log_acc_iteration(ctx: CheckContext) -> Outcome:
    """With log_acc_iteration=True the Solver records the 0-based iteration of every accuracy check.

    Requirement: hw02's log_acc_iteration, 0-based in fa23-fa25 (docs/courses.md §A2.3).
    """
    f = ctx.fixture()
    solver, _ = _train(ctx, f, "main")
    got = ctx.getattr(solver, "log_acc_iteration_history")
    base = int(ctx.selection.convention("log_acc_iteration_base", 0)) if ctx.selection is not None else 0
    expected = f["main.log_acc_iteration_history"] + base
    arr, problem = as_array("log_acc_iteration_history", got)
    hint = ("append t (the 0-based iteration) every time the accuracies are checked" if base == 0
            else "append t + 1 every time the accuracies are checked")
    if problem:
        return Outcome.fail(problem, hint=hint)
    arr = arr.reshape(-1)
    if arr.shape == expected.shape and np.array_equal(arr, expected):
        return Outcome.ok("the iterations of the accuracy checks are recorded")
    shown = ", ".join(f"{v:g}" for v in expected[:4])
    got_shown = ", ".join(f"{v:g}" for v in arr[:6]) + (", ..." if arr.size > 6 else "")
    message = (f"log_acc_iteration_history is [{got_shown}] ({arr.size} entries), expected [{shown}, ...] "
               f"({expected.size} entries) for 50 examples, batch 10, 10 epochs")
    if arr.shape == expected.shape and np.array_equal(arr, expected + 1 - 2 * base):
        message += (": you store t + 1; this course stores the 0-based t" if base == 0 else
                    ": you store the 0-based t; this course stores t + 1")
    return Outcome.fail(message, hint=hint)


@check("solver.record_histories_npz", kind="value", fixture="solver", tolerance=1e-9)
def check_solver_record_npz(ctx: CheckContext) -> Outcome:
    """record_histories_as_npz writes an npz with train_losses, train_accs and val_accs of the run.

    Requirement: record_histories_as_npz (docs/courses.md §2.6, §A2.3).
    """
    f = ctx.fixture()
    scratch = getattr(ctx.worker, "scratch_dir", None)
    if not scratch:
        return Outcome.skip("the worker has no scratch folder to read the npz from")
    solver, _ = _train(ctx, f, "main")
    candidates = [os.path.join(scratch, NPZ_NAME + ".npz"), os.path.join(scratch, NPZ_NAME)]
    for path in candidates:
        try:
            os.unlink(path)
        except OSError:
            pass
    ctx.call(solver.method("record_histories_as_npz"), NPZ_NAME)
    hint = ("np.savez(filename, train_losses=np.array(self.loss_history), "
            "train_accs=np.array(self.train_acc_history), val_accs=np.array(self.val_acc_history))")
    arrays, problem = _read_npz(candidates)
    if problem:
        return Outcome.fail(f"record_histories_as_npz('{NPZ_NAME}'): {problem}", hint=hint)
    problems = []
    for key, attr in list(NPZ_KEYS.items()) + list(NPZ_OPTIONAL.items()):
        if key not in arrays:
            if key in NPZ_KEYS:
                problems.append(f"the file has no key '{key}' (keys: {sorted(arrays)})")
            continue
        own, problem = _history(ctx, solver, attr)
        problems.append(problem or compare_array(f"'{key}'", arrays[key], own, ctx.tolerance))
        if key in NPZ_KEYS and not problem:
            problems.append(compare_array(f"'{key}'", arrays[key], f[f"main.{attr}"], 1e-6))
    if any(problems):
        return Outcome.fail(f"record_histories_as_npz('{NPZ_NAME}'): {join_problems(problems)}",
                            hint=hint)
    return Outcome.ok("the npz holds train_losses, train_accs and val_accs of the run")


def _read_npz(candidates):
    """Read the first existing regular file among ``candidates`` as an npz, without pickles."""
    for path in candidates:
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode):
            return None, f"{os.path.basename(path)} is not a regular file"
        if info.st_size > NPZ_MAX_BYTES:
            return None, f"the file is {info.st_size} bytes, over the {NPZ_MAX_BYTES} bytes cap"
        try:
            with np.load(path, allow_pickle=False) as npz:
                if not hasattr(npz, "files"):
                    return None, "the file is a single array, not an npz archive (use np.savez)"
                return {k: npz[k] for k in npz.files}, None
        except Exception as exc:  # a broken or pickled file: the student's problem
            return None, f"the file cannot be read as an npz without pickles ({type(exc).__name__})"
    return None, "no file was written (expected <filename>.npz in the working folder)"
