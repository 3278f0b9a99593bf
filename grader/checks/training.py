"""Training checks: overfit-50 and validation accuracy after training (docs/courses.md §4).

The student's model is trained IN THE WORKER by the student's own Solver (or ``train``); the
grader then fetches the trained parameters and measures the accuracy itself, with the trusted
reference forward pass on its own copy of the data. Histories or accuracies the student's code
reports are never used for scoring.

Datasets: the embedded UCI digits by default (``(N, 1, 8, 8)``), CIFAR-10 when the grader was given
``--data``. Each check has hyper-parameters and a target per dataset; a rubric may override any of
them under ``params: {digits: {...}, cifar10: {...}}``. The digits settings were calibrated on the
reference (figures in each ``DEFAULTS`` comment; ``tests/reference/test_overfit.py`` and
``tests/grader/checks/test_training.py``). CIFAR-10 is the course's full split (49000 training,
1000 validation images, docs/courses.md §2.10), sent to the worker as read-only memory-mapped
files (``grader.datasets``), so the course's own settings, thresholds and ramps apply (they are
the courses' figures, not calibrated on this machine, which has no CIFAR-10). A course Solver
that computes ``num_train / batch_size`` keeps its divisibility: 49000 is a multiple of the
courses' batch sizes (25, 100, 200).

The accuracy checks give partial credit on a linear ramp from ``floor`` (no credit) to ``target``
(full credit), both per dataset (the course's ``clip((acc - 0.28) / 0.22, 0, 1)`` shape); a
``floor`` equal to the ``target`` is a plain threshold (a course that states "at least 50 %" and
no ramp). Use the rubric rule ``{rule: fraction}`` with them. ``train_timeout`` (seconds, per
dataset) is the wall-clock allowance of the training call when it is longer than the rubric's.

A missing dataset makes the check ``skipped``, never failed.
"""
from __future__ import annotations

import numpy as np

from . import curves
from .base import CheckContext, Outcome, check
from .models import fc_shapes, fetch_params, seed_worker
from ..trusted import reference_module

FC_NET = "classifiers.fc_net.FullyConnectedNet"
TWO_LAYER = "classifiers.fc_net.TwoLayerNet"
UCLA_NET = "classifiers.neural_net.TwoLayerNet"
SOLVER = "solver.Solver"

#: Overfit-50 (docs/courses.md §4.2, §4.3, §4.5): first 50 training examples, 20 epochs of batch 25, sgd.
#: digits: measured 20/20 seeds at 1.0 (3-layer: ws 3e-2, lr 1e-2; 5-layer: ws 1e-1, lr 1e-2).
#: cifar10: the course's pairs (3-layer: CS231n ws 1e-2, lr 1e-2; 5-layer: CS182 hw02 demo ws 1e-1, lr 1e-3).
OVERFIT_DEFAULTS = {
    "three": {"digits": {"weight_scale": 3e-2, "learning_rate": 1e-2},
              "cifar10": {"weight_scale": 1e-2, "learning_rate": 1e-2}},
    "five": {"digits": {"weight_scale": 1e-1, "learning_rate": 1e-2},
             "cifar10": {"weight_scale": 1e-1, "learning_rate": 1e-3}},
}

#: TwoLayerNet + Solver. digits: the reference reaches 0.932-0.956 best validation accuracy
#: (seeds 0-9); target 0.90. cifar10: the courses that ask for "at least 50 %" on the validation
#: set (CS231n a2 2016-2020, UCLA HW3, CS182 HW0); the settings of the UCLA HW3 run that reached
#: 0.533 with the course's default 100 hidden units (docs/courses.md §4.3): threshold 0.50.
#: CS231n a1 2021+ ("about 36 %" with the Solver's defaults) sets its own in cs231n_a1.yaml.
TWO_LAYER_DEFAULTS = {
    "digits": {"hidden_dim": 100, "weight_scale": 1e-3, "reg": 0.0, "learning_rate": 1e-2,
               "lr_decay": 0.95, "num_epochs": 10, "batch_size": 100, "target": 0.90, "floor": 0.50},
    "cifar10": {"hidden_dim": 100, "weight_scale": 1e-3, "reg": 0.0, "learning_rate": 1e-3,
                "lr_decay": 0.95, "num_epochs": 10, "batch_size": 200, "target": 0.50, "floor": 0.50,
                "train_timeout": 900},
}

#: The UCLA stand-alone net's train(), hidden size 50 as the course requires. digits: the
#: reference reaches 0.932-0.948 (seeds 0-4) with lr 1e-3; target 0.90. cifar10: the course's
#: tuned run (lr 5e-3, reg 0.25, decay 0.6, 1000 iterations of 200: 0.513) and the course's own
#: ramp, clip((X - 0.28) / 0.22, 0, 1) (docs/courses.md §4.3, §4.7).
UCLA_DEFAULTS = {
    "digits": {"hidden_size": 50, "learning_rate": 1e-3, "learning_rate_decay": 0.95, "reg": 0.25,
               "num_iters": 1000, "batch_size": 200, "target": 0.90, "floor": 0.50},
    "cifar10": {"hidden_size": 50, "learning_rate": 5e-3, "learning_rate_decay": 0.6, "reg": 0.25,
                "num_iters": 1000, "batch_size": 200, "target": 0.50, "floor": 0.28,
                "train_timeout": 600},
}


def run_settings(ctx: CheckContext, defaults: dict) -> tuple[str, dict | None, dict]:
    """``(dataset name, data or None, settings)`` for this run; rubric params override defaults.

    ``data`` holds the grader's arrays (CIFAR-10: read-only memory maps); send the worker
    ``worker_data(ctx, name, data)`` instead of the large ones.
    """
    name = ctx.datasets.default if ctx.datasets is not None else "digits"
    data = ctx.dataset(name)
    settings = {**defaults[name], **dict(ctx.params.get(name, {}))}
    return name, data, settings


def worker_data(ctx: CheckContext, name: str, data: dict, flatten: bool = False) -> dict:
    """The training and validation split for the worker: read-only file handles when the
    dataset is kept in files (CIFAR-10), else the arrays. ``flatten``: images as rows (N, D)."""
    files = getattr(ctx.datasets, "files", None)
    files = files(name) if files is not None else None
    out = {}
    for key in ("X_train", "y_train", "X_val", "y_val"):
        value = files[key] if files is not None else data[key]
        if flatten and key.startswith("X"):
            value = value.reshape(len(value), -1)
        out[key] = value
    return out


def train_timeout(ctx: CheckContext, settings: dict) -> dict:
    """``{"timeout": seconds}`` for the training call when the dataset needs longer than the
    rubric's timeout (full CIFAR-10), else ``{}``."""
    if "train_timeout" not in settings:
        return {}
    return {"timeout": max(float(ctx.timeout or 0), float(settings["train_timeout"]))}


def skip_without_data(ctx: CheckContext) -> Outcome:
    problem = getattr(ctx.datasets, "problem", None)
    if problem:
        return Outcome.skip(f"no training dataset: {problem}")
    return Outcome.skip("no training dataset is available (give --data PATH to cifar-10-batches-py, "
                        "or reinstall the grader to restore the embedded digits)")


def accuracy_ramp(acc: float, settings: dict, label: str, hint: str) -> Outcome:
    """Credit ``clip((acc - floor) / (target - floor), 0, 1)`` (``floor == target``: 1 at or above
    the target, else 0); ``measured`` is the accuracy."""
    floor, target = float(settings["floor"]), float(settings["target"])
    if floor >= target:
        fraction = 1.0 if acc >= target else 0.0
        rule = f"full credit at {target:.2f} or more, the course's threshold"
    else:
        fraction = float(np.clip((acc - floor) / (target - floor), 0.0, 1.0))
        rule = f"full credit at {target:.2f}, none at or below {floor:.2f}"
    status = "passed" if fraction >= 1.0 else ("failed" if fraction <= 0.0 else "partial")
    message = f"{label}: validation accuracy {acc:.3f} (measured by the grader; {rule})"
    return Outcome(status, message, fraction=fraction, measured=acc,
                   hint=None if status == "passed" else hint)


def run_series(histories: dict, measured: float, label: str, *, val: bool = True,
               thresholds: dict[str, float] | None = None, epochs: float | None = None) -> dict:
    """The plots of one training run: the loss and accuracies the student's code logged while
    the grader trained it, the accuracy the grader measured at the end of training (epoch
    ``epochs``; default: the last logged one), and the rubric's thresholds (``{label: value}``)."""
    series = curves.training_series(histories, val=val)
    logged = curves.values_of(histories.get("val_acc_history" if val else "train_acc_history")) or [0]
    at = len(logged) - 1 if epochs is None else round(epochs)
    series["accuracy." + label] = curves.point_at(at, measured)
    for name, value in (thresholds or {}).items():
        series.update(curves.threshold("accuracy", name, value))
    return series


def ramp_thresholds(settings: dict) -> dict[str, float]:
    return {f"full credit (val >= {float(settings['target']):.2f})": float(settings["target"]),
            f"no credit (val <= {float(settings['floor']):.2f})": float(settings["floor"])}


def _fc_accuracy(params: dict, hidden_dims, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a plain FullyConnectedNet with ``params``, computed with the trusted reference."""
    FullyConnectedNet = reference_module("classifiers.fc_net").FullyConnectedNet

    model = FullyConnectedNet(hidden_dims, input_dim=int(np.prod(X.shape[1:])),
                              num_classes=params[f"b{len(hidden_dims) + 1}"].shape[0], dtype=np.float64)
    model.params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    with np.errstate(all="ignore"):
        scores = model.loss(np.asarray(X, dtype=np.float64))
    if not np.all(np.isfinite(scores)):
        return 0.0
    return float(np.mean(np.argmax(scores, axis=1) == y))


def _overfit(ctx: CheckContext, hidden_dims: list[int], which: str) -> Outcome:
    name, data, settings = run_settings(ctx, OVERFIT_DEFAULTS[which])
    if data is None:
        return skip_without_data(ctx)
    X, y = data["X_train"][:50], data["y_train"][:50]
    num_classes = int(max(np.max(data["y_train"]), np.max(data["y_val"]))) + 1
    input_dim = int(np.prod(X.shape[1:]))
    ws, lr = float(settings["weight_scale"]), float(settings["learning_rate"])
    # The 50 examples are also the validation set: the Solver restores the parameters of its best
    # validation check, which are then the parameters with the best training accuracy.
    small = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    seed_worker(ctx, int(settings.get("seed", 0)))
    model = ctx.new(FC_NET, hidden_dims, input_dim=input_dim, num_classes=num_classes,
                    weight_scale=ws, dtype=np.float64)
    solver = ctx.new(SOLVER, model, small, num_epochs=20, batch_size=25, update_rule="sgd",
                     optim_config={"learning_rate": lr}, print_every=1000, verbose=False)
    ctx.call(solver.method("train"))
    params, problem = fetch_params(ctx, model, fc_shapes(hidden_dims, input_dim, num_classes))
    label = (f"FullyConnectedNet({hidden_dims}, weight_scale={ws:g}) trained by your Solver "
             f"(sgd, learning_rate {lr:g}, 20 epochs, batch 25) on the first 50 {name} examples")
    if problem:
        return Outcome.fail(f"{label}: after training, {problem}")
    acc = _fc_accuracy(params, hidden_dims, X, y)
    message = f"{label}: training accuracy {acc:.2f} (measured by the grader)"
    series = run_series(curves.read_histories(ctx, solver, curves.SOLVER_HISTORIES), acc,
                        "train, measured by the grader", val=False,
                        thresholds={"required (train = 1.00)": 1.0})
    return Outcome.from_measure(acc, acc >= 1.0, message, series=series,
                                hint="the net, its gradients, sgd or the Solver loop is wrong: fix the "
                                     "failing checks of those parts first; a correct implementation "
                                     "reaches 1.00 with these settings")


@check("training.overfit_three_layer", kind="training")
def check_overfit_three_layer(ctx: CheckContext) -> Outcome:
    """A 3-layer FullyConnectedNet([100, 100]) trained by the student's Solver reaches 100% on 50 examples (docs/courses.md §4.2)."""
    return _overfit(ctx, [100, 100], "three")


@check("training.overfit_five_layer", kind="training")
def check_overfit_five_layer(ctx: CheckContext) -> Outcome:
    """A 5-layer FullyConnectedNet([100] * 4) trained by the student's Solver reaches 100% on 50 examples (docs/courses.md §4.2)."""
    return _overfit(ctx, [100, 100, 100, 100], "five")


@check("training.two_layer_accuracy", kind="training")
def check_two_layer_accuracy(ctx: CheckContext) -> Outcome:
    """TwoLayerNet + the student's Solver reach the course's validation accuracy (measured by the grader, docs/courses.md §4.2, §4.3, §4.5).

    Requirement: the stated accuracy of the trained TwoLayerNet (docs/courses.md §4.2, §4.5).
    """
    name, data, s = run_settings(ctx, TWO_LAYER_DEFAULTS)
    if data is None:
        return skip_without_data(ctx)
    input_dim = int(np.prod(data["X_train"].shape[1:]))
    num_classes = int(max(np.max(data["y_train"]), np.max(data["y_val"]))) + 1
    seed_worker(ctx, int(s.get("seed", 0)))
    model = ctx.new(TWO_LAYER, input_dim=input_dim, hidden_dim=int(s["hidden_dim"]),
                    num_classes=num_classes, weight_scale=float(s["weight_scale"]), reg=float(s["reg"]))
    solver = ctx.new(SOLVER, model, worker_data(ctx, name, data), update_rule="sgd",
                     optim_config={"learning_rate": float(s["learning_rate"])}, lr_decay=float(s["lr_decay"]),
                     num_epochs=int(s["num_epochs"]), batch_size=int(s["batch_size"]), verbose=False)
    ctx.call(solver.method("train"), **train_timeout(ctx, s))
    H = int(s["hidden_dim"])
    params, problem = fetch_params(ctx, model, {"W1": (input_dim, H), "b1": (H,), "W2": (H, num_classes),
                                                "b2": (num_classes,)})
    label = (f"TwoLayerNet(hidden_dim={H}) + your Solver (sgd, learning_rate {s['learning_rate']:g}, "
             f"lr_decay {s['lr_decay']:g}, {s['num_epochs']} epochs, batch {s['batch_size']}) on {name}")
    if problem:
        return Outcome.fail(f"{label}: after training, {problem}")
    acc = _fc_accuracy(params, [H], data["X_val"], data["y_val"])
    series = run_series(curves.read_histories(ctx, solver, curves.SOLVER_HISTORIES), acc,
                        "val, measured by the grader", thresholds=ramp_thresholds(s))
    return curves.with_series(accuracy_ramp(acc, s, label, hint="a correct implementation reaches the "
                                            "target with these settings: check the TwoLayerNet, sgd "
                                            "and Solver checks"), series)


@check("training.neural_net_accuracy", kind="training")
def check_neural_net_accuracy(ctx: CheckContext) -> Outcome:
    """The UCLA TwoLayerNet's own train() reaches the target validation accuracy (measured by the grader, docs/courses.md §4.3)."""
    name, data, s = run_settings(ctx, UCLA_DEFAULTS)
    if data is None:
        return skip_without_data(ctx)
    X = data["X_train"].reshape(len(data["X_train"]), -1)
    X_val = data["X_val"].reshape(len(data["X_val"]), -1)
    D, H = X.shape[1], int(s["hidden_size"])
    C = int(max(np.max(data["y_train"]), np.max(data["y_val"]))) + 1
    seed_worker(ctx, int(s.get("seed", 0)))
    net = ctx.new(UCLA_NET, D, H, C)
    sent = worker_data(ctx, name, data, flatten=True)
    stats = ctx.call(net.method("train"), sent["X_train"], sent["y_train"], sent["X_val"], sent["y_val"],
             learning_rate=float(s["learning_rate"]), learning_rate_decay=float(s["learning_rate_decay"]),
             reg=float(s["reg"]), num_iters=int(s["num_iters"]), batch_size=int(s["batch_size"]),
             verbose=False, **train_timeout(ctx, s))
    params, problem = fetch_params(ctx, net, {"W1": (H, D), "b1": (H,), "W2": (C, H), "b2": (C,)})
    label = (f"TwoLayerNet({D}, {H}, {C}).train(learning_rate={s['learning_rate']:g}, "
             f"reg={s['reg']:g}, num_iters={s['num_iters']}, batch_size={s['batch_size']}) on {name}")
    if problem:
        return Outcome.fail(f"{label}: after training, {problem}")
    with np.errstate(all="ignore"):
        hidden = np.maximum(0, X_val.astype(np.float64) @ params["W1"].T + params["b1"])
        scores = hidden @ params["W2"].T + params["b2"]
    acc = float(np.mean(np.argmax(scores, axis=1) == data["y_val"])) if np.all(np.isfinite(scores)) else 0.0
    logged = {k: v for k, v in (stats.items() if isinstance(stats, dict) else ())
              if k in curves.SOLVER_HISTORIES}
    epochs = int(s["num_iters"]) * int(s["batch_size"]) / max(len(X), 1)   # at the end of train()
    series = run_series(logged, acc, "val, measured by the grader", thresholds=ramp_thresholds(s),
                        epochs=epochs)
    return curves.with_series(accuracy_ramp(acc, s, label, hint="check the neural_net loss/gradient/"
                                            "train checks first"), series)
