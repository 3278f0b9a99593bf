"""CS231n 2016-2020's stand-alone TwoLayerNet: W1 stored (D, H) and ``reg * sum(W**2)``."""
from __future__ import annotations

import numpy as np

from .. import neural_net as nn
from .. import training as tr
from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, join_problems
from ..models import (
    fetch_params,
    grads_problems,
    loss_and_grads,
    seed_worker,
    set_params,
)
from ..toolkit import loss_problem, verdict


# ---------------------------------------------------------------------------------------------
# CS231n's stand-alone TwoLayerNet: W1 (D, H), reg * sum(W**2)
# ---------------------------------------------------------------------------------------------
NET = "classifiers.neural_net.TwoLayerNet"
CS_SHAPES = {"W1": (4, 10), "b1": (10,), "W2": (10, 3), "b2": (3,)}
CS_HINT = ("in CS231n W1 has shape (input_size, hidden_size) and W2 (hidden_size, output_size): "
           "scores = relu(X @ W1 + b1) @ W2 + b2; loss = softmax loss + reg * (sum(W1**2) + "
           "sum(W2**2)); grads add 2 * reg * W")
REG_FORMS = {"full": ("reg * sum(W**2)", 2.0), "half": ("0.5 * reg * sum(W**2)", 1.0)}


def _transposed(params):
    return {k: (v.T.copy() if k.startswith("W") else v.copy()) for k, v in params.items()}


@fixture("neural_net_cs231n")
def neural_net_cs231n_fixture(ref):
    """CS231n's toy test (W1 = 0.1 * randn(4, 10) drawn first after seed 0), a fresh input, the
    toy training run, each for reg * sum(W**2) ("full") and 0.5 * reg * sum(W**2) ("half")."""
    Net = ref.classifiers.neural_net.TwoLayerNet
    X, y = nn.toy_data()
    np.random.seed(0)
    toy = {"W1": 0.1 * np.random.randn(4, 10), "b1": np.zeros(10),
           "W2": 0.1 * np.random.randn(10, 3), "b2": np.zeros(3)}
    out = {"toy_X": X, "toy_y": y, **{f"toy_{k}": v for k, v in toy.items()}}
    net = Net(4, 10, 3)
    net.params = _transposed(toy)
    out["toy_scores"] = net.loss(X)
    rng = np.random.RandomState(24)
    fresh = {"W1": 0.4 * rng.randn(7, 6), "b1": 0.2 * rng.randn(6), "W2": 0.4 * rng.randn(6, 4),
             "b2": 0.2 * rng.randn(4)}
    Xr, yr = rng.randn(9, 7), rng.randint(4, size=9)
    out.update({f"r_{k}": v for k, v in fresh.items()}, r_X=Xr, r_y=yr)
    for form, (_, mult) in REG_FORMS.items():
        for prefix, params, Xs, ys, reg in (("toy", toy, X, y, 0.05), ("r", fresh, Xr, yr, 0.3)):
            net.params = _transposed(params)
            loss, grads = net.loss(Xs, ys, reg=mult * reg)
            out[f"{prefix}_{form}_loss"] = np.asarray(loss)
            out.update({f"{prefix}_{form}_d{k}": g.T.copy() if k.startswith("W") else g
                        for k, g in grads.items()})
        # The toy run: the course builds the model after seed 0 and trains at once.
        net.params = _transposed(toy)
        np.random.seed(0)
        np.random.randn(4, 10), np.random.randn(10, 3)   # the constructor's draws
        stats = net.train(X, y, X, y, learning_rate=1e-1, reg=mult * 5e-6, num_iters=100, verbose=False)
        out[f"toy_{form}_loss_history"] = np.array(stats["loss_history"])
    net.params = _transposed(fresh)
    out["r_scores"], out["r_pred"] = net.loss(Xr), net.predict(Xr)
    return out


def _forms(ctx: CheckContext) -> tuple[str, ...]:
    accepted = ctx.selection.convention("neural_net_reg", "full") if ctx.selection is not None else "full"
    return ("full", "half") if accepted == "either" else (accepted,)


@check("neural_net_cs231n.scores", kind="value", fixture="neural_net_cs231n", tolerance=1e-7)
def check_cs_scores(ctx: CheckContext) -> Outcome:
    """CS231n's toy model (seed 0, std 0.1, W1 (4, 10)) gives the notebook's scores (sum |diff| < 1e-7).

    Requirement: the notebook's toy-model scores, CS231n 2016-2020 (docs/courses.md §A1.2).
    """
    return nn.toy_scores_check(ctx, CS_SHAPES, "toy model", hint=CS_HINT,
                               init_hint="W1 = std * np.random.randn(input_size, hidden_size) first, then "
                                         "W2 = std * np.random.randn(hidden_size, output_size); biases zero")


def _cs_loss_grads(ctx, f, prefix, reg, shapes):
    net = ctx.new(NET, *shapes)
    params = {k: f[f"{prefix}_{k}"] for k in ("W1", "b1", "W2", "b2")}
    set_params(ctx, net, params)
    loss, grads = loss_and_grads(ctx, net, f[f"{prefix}_X"], f[f"{prefix}_y"], kwargs={"reg": reg},
                                 label="loss(X, y, reg)")
    return net, params, loss, grads


@check("neural_net_cs231n.loss", kind="value", fixture="neural_net_cs231n", tolerance=1e-10)
def check_cs_loss(ctx: CheckContext) -> Outcome:
    """loss(X, y, reg=0.05) on the toy model is 1.30378789133 (reg * sum(W**2)), and right on a fresh input.

    Requirement: CS231n 2016-2020's stand-alone net loss (docs/courses.md §A1.2).
    """
    f = ctx.fixture()
    forms = _forms(ctx)
    problems = []
    for label, prefix, reg, shapes in nn.LOSS_CASES:
        _, _, loss, _ = _cs_loss_grads(ctx, f, prefix, reg, shapes)
        misses = [loss_problem(loss, f[f"{prefix}_{form}_loss"], ctx.tolerance) for form in forms]
        if all(misses):
            problems.append(f"on the {label}: {misses[0]}")
    if problems:
        hint = CS_HINT
        if "half" not in forms and any(str(f"{float(f['toy_half_loss']):.10g}") in p for p in problems):
            hint = "this course's loss has reg * (sum(W1**2) + sum(W2**2)), without the 0.5 (gradient 2 * reg * W)"
        return Outcome.fail(join_problems(problems), hint=hint)
    return Outcome.ok("losses match")


@check("neural_net_cs231n.gradients", kind="gradient", fixture="neural_net_cs231n", tolerance=1e-8)
def check_cs_gradients(ctx: CheckContext) -> Outcome:
    """grads match the reference (same regularisation as the loss) and a numeric gradient of the student's loss.

    Requirement: CS231n 2016-2020's stand-alone net gradient check (docs/courses.md §A1.2).
    """
    f = ctx.fixture()
    messages = []
    for label, prefix, reg, shapes in nn.LOSS_CASES:
        net, params, loss, grads = _cs_loss_grads(ctx, f, prefix, reg, shapes)
        found = []
        for form in _forms(ctx):
            expected = {k: f[f"{prefix}_{form}_d{k}"] for k in ("W1", "b1", "W2", "b2")}
            found.append(grads_problems(grads, expected, ctx.tolerance))
        messages.append(nn.gradient_message(ctx, f, label, prefix, reg, net, params, grads,
                                            found[0] if all(found) else []))
    return verdict(messages, "gradients match the reference and the numeric gradient of your loss",
                   hint=CS_HINT)


@check("neural_net_cs231n.train_toy", kind="training", fixture="neural_net_cs231n", tolerance=1e-8)
def check_cs_train_toy(ctx: CheckContext) -> Outcome:
    """train() on the toy data from seed 0 trains the net (docs/courses.md §3.8): step for step the
    notebook's run (final loss 0.017149607938732093 with W1 (D, H)), or, with minibatches in
    another order (the course fixes none), a finite history ending at the level every order reaches.

    Requirement: the notebook's toy training run, CS231n 2016-2020 (docs/courses.md §A1.2).
    """
    f = ctx.fixture()
    net = nn.toy_net(ctx)
    stats = ctx.call(net.method("train"), f["toy_X"], f["toy_y"], f["toy_X"], f["toy_y"],
                     learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    history, problem = nn.train_history(stats, "loss_history")
    if problem:
        return Outcome.fail(problem, hint="return {'loss_history': ..., 'train_acc_history': ..., "
                                          "'val_acc_history': ...}")
    misses = []
    for form in _forms(ctx):
        expected = f[f"toy_{form}_loss_history"]
        problem = compare_array("loss_history", history, expected, ctx.tolerance)
        if problem is None:
            return Outcome.ok(f"the toy run ends at loss {history[-1]:.6g}, as in the notebook")
        detail = nn.first_divergence(history, expected) if history.shape == expected.shape else ""
        misses.append(f"{problem}{detail} (final loss {float(expected[-1]):.10g} expected)")
    level = nn.toy_run_level(history, 100)
    if level is None:
        return Outcome.ok(nn.toy_run_note(history))
    return Outcome.fail(f"on the toy data: {misses[0]}; in any draw order, {level}",
                        hint="sample idx = np.random.choice(num_train, batch_size) (with replacement), "
                             "then params[k] -= learning_rate * grads[k] for every parameter")


@check("neural_net_cs231n.predict", kind="value", fixture="neural_net_cs231n")
def check_cs_predict(ctx: CheckContext) -> Outcome:
    """predict(X) returns the argmax of the scores, shape (N,).

    Requirement: CS231n 2016-2020's stand-alone net predict (docs/courses.md §A1.2).
    """
    f = ctx.fixture()
    net = ctx.new(NET, 7, 6, 4)
    set_params(ctx, net, {k: f[f"r_{k}"] for k in ("W1", "b1", "W2", "b2")})
    pred = ctx.call(net.method("predict"), f["r_X"])
    arr, problem = as_array("y_pred", pred, f["r_pred"].shape)
    if problem or not np.array_equal(arr, f["r_pred"]):
        wrong = problem or f"{int(np.sum(arr != f['r_pred']))} of {arr.size} predictions differ"
        return Outcome.fail(f"{wrong} from the argmax of the scores",
                            hint="predict, for each example (row), the class with the highest score of loss(X)")
    return Outcome.ok("predictions are the argmax of the scores")


@check("neural_net_cs231n.accuracy", kind="training")
def check_cs_accuracy(ctx: CheckContext) -> Outcome:
    """CS231n's TwoLayerNet trained by its own train() reaches the target validation accuracy
    (measured by the grader with W1 (D, H)); settings and ramp as training.neural_net_accuracy.

    Requirement: CS231n 2016-2020's stand-alone net trained in the notebook (docs/courses.md
    §A1.2, §4.2).
    """
    name, data, s = tr.run_settings(ctx, tr.UCLA_DEFAULTS)
    if data is None:
        return tr.skip_without_data(ctx)
    X = data["X_train"].reshape(len(data["X_train"]), -1)
    X_val = data["X_val"].reshape(len(data["X_val"]), -1)
    D, H = X.shape[1], int(s["hidden_size"])
    C = int(max(np.max(data["y_train"]), np.max(data["y_val"]))) + 1
    seed_worker(ctx, int(s.get("seed", 0)))
    net = ctx.new(NET, D, H, C)
    sent = tr.worker_data(ctx, name, data, flatten=True)
    ctx.call(net.method("train"), sent["X_train"], sent["y_train"], sent["X_val"], sent["y_val"],
             learning_rate=float(s["learning_rate"]), learning_rate_decay=float(s["learning_rate_decay"]),
             reg=float(s["reg"]), num_iters=int(s["num_iters"]), batch_size=int(s["batch_size"]),
             verbose=False, **tr.train_timeout(ctx, s))
    params, problem = fetch_params(ctx, net, {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)})
    label = (f"TwoLayerNet({D}, {H}, {C}).train(learning_rate={s['learning_rate']:g}, reg={s['reg']:g}, "
             f"num_iters={s['num_iters']}, batch_size={s['batch_size']}) on {name}")
    if problem:
        return Outcome.fail(f"{label}: after training, {problem}")
    with np.errstate(all="ignore"):
        scores = np.maximum(0, X_val.astype(np.float64) @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    acc = float(np.mean(np.argmax(scores, axis=1) == data["y_val"])) if np.all(np.isfinite(scores)) else 0.0
    return tr.accuracy_ramp(acc, s, label, hint="check the neural_net_cs231n loss/gradient/train checks first")
