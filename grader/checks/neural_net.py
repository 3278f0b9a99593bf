"""Checks for the stand-alone UCLA ``classifiers/neural_net.py`` ``TwoLayerNet`` (docs/courses.md §2.5.2, §3.8).

Weights are stored (out, in): ``W1`` (H, D), ``W2`` (C, H); ``reg`` is an argument of ``loss``.
The docs/courses.md §3.8 toy test pins the initialisation (np.random.seed(0), W1 drawn before W2), the scores,
the loss 1.071696123862817 and, after ``train``, the final loss 0.014497864587765886. Losses
and gradients are also compared at parameters the grader sets, so an initialisation bug does not
hide a loss bug.
"""
from __future__ import annotations

import numpy as np

from . import curves
from .base import CheckContext, Outcome, check, fixture
from .toolkit import loss_problem, on, verdict
from .compare import as_array, compare_array, describe, join_problems
from .diagnosis import Diagnoses, mistake_key, stored
from .fc_net import l2_loss_candidates
from .models import (fetch_params, grads_problems, loss_and_grads, loss_input_unchanged,
                     numeric_problems, seed_worker, set_params)

NET = "classifiers.neural_net.TwoLayerNet"
TOY = {"input_size": 4, "hidden_size": 10, "output_size": 3, "std": 1e-1}
TOY_SHAPES = {"W1": (10, 4), "b1": (10,), "W2": (3, 10), "b2": (3,)}
PARAMS = ("W1", "b1", "W2", "b2")
#: The loss and gradient inputs: (label, fixture prefix, reg, TwoLayerNet(input, hidden, classes)).
LOSS_CASES = (("notebook's toy model, reg=0.05", "toy", 0.05, (4, 10, 3)),
              ("fresh 9x7 input, reg=0.3", "r", 0.3, (7, 6, 4)))
HINT = ("W1 is (H, D) and W2 is (C, H): h = relu(X @ W1.T + b1), scores = h @ W2.T + b2; "
        "loss = softmax loss + 0.5 * reg * (sum(W1**2) + sum(W2**2)); grads have the params' shapes")
#: A second training run with 40 examples and batch 10: 4 iterations per epoch, so the
#: learning-rate decay schedule shows (on the toy data every iteration is an epoch).
SCHEDULE = {"learning_rate": 0.5, "learning_rate_decay": 0.5, "reg": 1e-3, "num_iters": 12,
            "batch_size": 10}


def toy_data():
    rng = np.random.RandomState(1)  # docs/courses.md §3.8 init_toy_data: np.random.seed(1)
    return 10 * rng.randn(5, 4), np.array([0, 1, 2, 2, 1])


# Known mistakes (docs/courses.md §7.11, §7.21, §7.22): name -> what the student's code does.
W2_FIRST = {"w2_first": "the initial weights match W2 drawn before W1: draw W1 first, then W2"}
TRAIN_MISTAKES = {
    "misaligned": "the losses match X_batch and y_batch drawn with two different index draws: "
                  "use one idx for both",
    "decay_every_iteration": "the losses match a learning rate decayed at every iteration: decay it "
                             "once per epoch (when it % iterations_per_epoch == 0)",
    "update_sign": "the losses match params += learning_rate * grads: the update climbs the loss",
}
PREDICT_MISTAKES = {"argmin": "the predictions are the argmin of the scores: use np.argmax(scores, axis=1)"}


def _train_losses_with(mistake: str, net, X, y, learning_rate, learning_rate_decay, reg, num_iters,
                       batch_size):
    """The loss history of the reference ``train`` (its given loop, drawing from the global RNG
    as the reference does) with one known mistake; ``net`` is a reference net, updated in place."""
    from known_mistakes.models import train_losses_with   # instructor-side (docs/deployment.md)

    return train_losses_with(mistake, net, X, y, learning_rate, learning_rate_decay, reg, num_iters,
                             batch_size)


@fixture("neural_net")
def neural_net_fixture(ref):
    """docs/courses.md §3.8's toy model, scores, loss and training run; a fresh input; a run with a decay schedule."""
    Net = ref.classifiers.neural_net.TwoLayerNet
    X, y = toy_data()
    np.random.seed(0)  # docs/courses.md §3.8 init_toy_model
    net = Net(**TOY)
    out = {"toy_X": X, "toy_y": y, **{f"toy_{k}": v.copy() for k, v in net.params.items()}}
    out["toy_scores"] = net.loss(X)
    loss, grads = net.loss(X, y, reg=0.05)
    out["toy_loss"] = np.asarray(loss)
    out.update({f"toy_d{k}": v for k, v in grads.items()})
    rng = np.random.RandomState(0)  # W2 drawn before W1 (after the same seed)
    out[mistake_key("toy_W2", "w2_first")] = TOY["std"] * rng.randn(TOY["output_size"], TOY["hidden_size"])
    out[mistake_key("toy_W1", "w2_first")] = TOY["std"] * rng.randn(TOY["hidden_size"], TOY["input_size"])
    toy_training = {"learning_rate": 1e-1, "learning_rate_decay": 0.95, "reg": 5e-6,
                    "num_iters": 100, "batch_size": 200}
    for mistake in TRAIN_MISTAKES:
        np.random.seed(0)
        net = Net(**TOY)
        with np.errstate(all="ignore"):
            out[mistake_key("toy_loss_history", mistake)] = _train_losses_with(mistake, net, X, y,
                                                                               **toy_training)
    np.random.seed(0)
    net = Net(**TOY)
    stats = net.train(X, y, X, y, learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    out["toy_loss_history"] = np.array(stats["loss_history"])
    out["toy_train_acc_history"] = np.array(stats["train_acc_history"])
    # Fresh: D=7, H=6, C=4, parameters and input of another scale, reg 0.3.
    rng = np.random.RandomState(23)
    fresh = {"W1": 0.4 * rng.randn(6, 7), "b1": 0.2 * rng.randn(6), "W2": 0.4 * rng.randn(4, 6),
             "b2": 0.2 * rng.randn(4)}
    X, y = rng.randn(9, 7), rng.randint(4, size=9)
    net.params = {k: v.copy() for k, v in fresh.items()}
    loss, grads = net.loss(X, y, reg=0.3)
    out.update({f"r_{k}": v for k, v in fresh.items()}, r_X=X, r_y=y, r_loss=np.asarray(loss),
               r_scores=net.loss(X), r_pred=net.predict(X), **{f"r_d{k}": v for k, v in grads.items()})
    out[mistake_key("r_pred", "argmin")] = np.argmin(net.loss(X), axis=1)
    # Schedule: 40 Gaussian examples, 3 classes, from the fresh parameters' shapes (D=7 -> C=4).
    Xs, ys = rng.randn(40, 7), rng.randint(4, size=40)
    for mistake in TRAIN_MISTAKES:
        net.params = {k: v.copy() for k, v in fresh.items()}
        np.random.seed(5)
        with np.errstate(all="ignore"):
            out[mistake_key("s_loss_history", mistake)] = _train_losses_with(mistake, net, Xs, ys, **SCHEDULE)
    net.params = {k: v.copy() for k, v in fresh.items()}
    np.random.seed(5)
    stats = net.train(Xs, ys, Xs[:10], ys[:10], **SCHEDULE)
    out.update(s_X=Xs, s_y=ys, s_loss_history=np.array(stats["loss_history"]))
    return out


def _params(f, prefix):
    return {k: f[f"{prefix}_{k}"] for k in PARAMS}


def _grads(f, prefix):
    return {k: f[f"{prefix}_d{k}"] for k in PARAMS}


def toy_net(ctx: CheckContext):
    """The student's TwoLayerNet(4, 10, 3, std=0.1) built after np.random.seed(0), as the notebook does."""
    seed_worker(ctx, 0)
    return ctx.new(NET, TOY["input_size"], TOY["hidden_size"], TOY["output_size"], std=TOY["std"])


def toy_scores_check(ctx: CheckContext, shapes: dict, label: str, *, hint: str, init_hint: str,
                     params_failed=None, init_failed=None) -> Outcome:
    """The toy model's scores against the notebook's (sum of abs differences). When they differ
    and the initial parameters already do, say so (``init_failed(d, params)`` may name the
    mistake); ``params_failed(d, problem)`` returns the hint when the parameters are unreadable."""
    f, d = ctx.fixture(), Diagnoses()
    net = toy_net(ctx)
    params, problem = fetch_params(ctx, net, shapes)
    if problem:
        hint = params_failed(d, problem) if params_failed else hint  # may name a mistake in d
        return Outcome.fail(d.message(f"TwoLayerNet(4, 10, 3, std=1e-1): {problem}"), hint=hint)
    scores = ctx.call(net.method("loss"), f["toy_X"])
    problem = compare_array("scores", scores, f["toy_scores"], ctx.tolerance, metric="sum_abs")
    if problem is None:
        return Outcome.ok("toy scores match the notebook's")
    init = [compare_array(k, params[k], f[f"toy_{k}"], 1e-12) for k in shapes]
    if not any(init):
        return Outcome.fail(f"on the {label}: {problem}", hint=hint)
    if init_failed:
        init_failed(d, params)
    return Outcome.fail(d.message(f"on the {label}: {problem}; the initial parameters already differ "
                                  f"({join_problems(init)})"), hint=init_hint)


@check("neural_net.scores", kind="value", fixture="neural_net", tolerance=1e-7)
def check_neural_net_scores(ctx: CheckContext) -> Outcome:
    """The docs/courses.md §3.8 toy model (np.random.seed(0), std 0.1) gives the notebook's scores (sum |diff| < 1e-7)."""
    f = ctx.fixture()

    def params_failed(d, problem):
        transposed = "W1" in problem and "(4, 10)" in problem
        d.add("W1 is stored transposed, as (input_size, hidden_size)" if transposed else None)
        return ("in this course W1 has shape (hidden_size, input_size) and W2 (output_size, hidden_size)"
                if transposed else HINT)

    def init_failed(d, params):
        d.check((params["W1"], params["W2"]), stored(f, ("toy_W1", "toy_W2"), W2_FIRST),
                expected=(f["toy_W1"], f["toy_W2"]))

    return toy_scores_check(ctx, TOY_SHAPES, "notebook's toy model", hint=HINT,
                            init_hint="draw W1 = std * np.random.randn(hidden_size, input_size) first, "
                                      "then W2 = std * np.random.randn(output_size, hidden_size); biases zero",
                            params_failed=params_failed, init_failed=init_failed)


@check("neural_net.loss", kind="value", fixture="neural_net", tolerance=1e-10)
def check_neural_net_loss(ctx: CheckContext) -> Outcome:
    """loss(X, y, reg=0.05) is 1.071696123862817 on the toy model (docs/courses.md §3.8), and right on a fresh input with reg 0.3."""
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    for label, prefix, reg, shapes in LOSS_CASES:
        net = ctx.new(NET, *shapes)
        set_params(ctx, net, _params(f, prefix))
        loss, _ = loss_and_grads(ctx, net, f[f"{prefix}_X"], f[f"{prefix}_y"], kwargs={"reg": reg},
                                 label="loss(X, y, reg)")
        problem = loss_problem(loss, f[f"{prefix}_loss"], ctx.tolerance)
        if problem:
            problems.append(f"on the {label}: {problem}")
            expected = float(f[f"{prefix}_loss"])
            d.check(loss, l2_loss_candidates(expected, _params(f, prefix), reg, biases=True),
                    expected=expected)
    return verdict(problems, "losses match", d=d, sep="; ", hint=HINT)


@check("neural_net.input_unchanged", kind="value")
def check_neural_net_input_unchanged(ctx: CheckContext) -> Outcome:
    """TwoLayerNet.loss(X, y, reg) leaves the caller's X and y unchanged (the notebook's gradient check reuses X, docs/courses.md §2.11)."""
    rng = ctx.rng
    net = ctx.new(NET, 7, 6, 4)
    return loss_input_unchanged(ctx, net, rng.randn(9, 7), rng.randint(4, size=9), "TwoLayerNet", reg=0.3)


def gradient_message(ctx: CheckContext, f, label: str, prefix: str, reg: float, net, params: dict,
                     grads: dict, problems: list[str]) -> str | None:
    """The ``problems`` found against the reference and against a numeric gradient of the
    student's own ``loss(X, y, reg)`` (10 sampled coordinates per parameter), for one case."""
    problems = problems + numeric_problems(ctx, net, params, grads, f[f"{prefix}_X"], f[f"{prefix}_y"],
                                           1e-6, max_coords=10, kwargs={"reg": reg})
    return on(label, problems)


@check("neural_net.gradients", kind="gradient", fixture="neural_net", tolerance=1e-8)
def check_neural_net_gradients(ctx: CheckContext) -> Outcome:
    """grads match the reference and a numeric gradient of the student's loss (toy reg 0.05; fresh reg 0.3).

    Requirement: the stand-alone net's gradient check (docs/courses.md §2.5.2, §3.8).
    """
    f = ctx.fixture()
    messages = []
    for label, prefix, reg, shapes in LOSS_CASES:
        net = ctx.new(NET, *shapes)
        params = _params(f, prefix)
        set_params(ctx, net, params)
        _, grads = loss_and_grads(ctx, net, f[f"{prefix}_X"], f[f"{prefix}_y"], kwargs={"reg": reg},
                                  label="loss(X, y, reg)")
        messages.append(gradient_message(ctx, f, label, prefix, reg, net, params, grads,
                                         grads_problems(grads, _grads(f, prefix), ctx.tolerance)))
    return verdict(messages, "gradients match the reference and the numeric gradient of your loss",
                   hint=HINT)


def train_history(stats, key: str):
    if not isinstance(stats, dict) or key not in stats:
        return None, f"train() should return a dict with '{key}', got {describe(stats)}"
    arr, problem = as_array(f"stats['{key}']", stats[key])
    return (arr.reshape(-1), None) if not problem else (None, problem)


#: Every minibatch order reaches this level on the toy run: 30 reference runs with other streams
#: end between 0.0125 and 0.0151 (the notebook's order: 0.0145); a net that does not learn stays
#: near 1.1. The course prints the final loss and fixes no draw order (docs/courses.md §3.8).
TOY_FINAL_LOSS_BOUND = 0.05


def toy_run_level(history: np.ndarray, num_iters: int) -> str | None:
    """None when a toy-run loss history that differs from the notebook's step for step still
    shows a net that learned as the course's run does; otherwise what is wrong."""
    if history.size != num_iters:
        return f"loss_history has {history.size} entries after num_iters={num_iters}, expected {num_iters}"
    if not np.all(np.isfinite(history)):
        return "loss_history holds non-finite losses"
    if float(history[-1]) > TOY_FINAL_LOSS_BOUND:
        return (f"the final loss {float(history[-1]):.6g} is above {TOY_FINAL_LOSS_BOUND}, which every "
                "minibatch order reaches: the net does not learn as it should")
    return None


def toy_run_note(history: np.ndarray) -> str:
    return (f"the toy run ends at loss {float(history[-1]):.6g}: it differs from the notebook's run "
            f"step for step (minibatches drawn in another order than the notebook's, which the course "
            f"does not fix, or a difference another check reports) and reaches the course's level "
            f"(final loss <= {TOY_FINAL_LOSS_BOUND}; the notebook's run ends at 0.0145)")


def first_divergence(got: np.ndarray, expected: np.ndarray) -> str:
    err = np.abs(got - expected) / np.maximum(1e-8, np.abs(got) + np.abs(expected))
    bad = np.flatnonzero(~(err <= 1e-7))
    if bad.size == 0:
        return ""
    i = int(bad[0])
    if i == 0:
        return (" (already at iteration 0: the first minibatch differs; draw it with "
                "np.random.choice(num_train, batch_size) — with replacement)")
    return f" (first at iteration {i}: {got[i]:.6g} vs {expected[i]:.6g}; the update or learning rate of iteration {i - 1} differs)"


@check("neural_net.train_toy", kind="training", fixture="neural_net", tolerance=1e-8)
def check_neural_net_train_toy(ctx: CheckContext) -> Outcome:
    """train() on the toy data from np.random.seed(0) trains the net (docs/courses.md §3.8): step for
    step the notebook's run (final loss 0.014497864587765886), or, with minibatches drawn in another
    order (the course fixes none), a finite history ending at the level every order reaches."""
    f = ctx.fixture()
    net = toy_net(ctx)
    stats = ctx.call(net.method("train"), f["toy_X"], f["toy_y"], f["toy_X"], f["toy_y"],
                     learning_rate=1e-1, reg=5e-6, num_iters=100, verbose=False)
    history, problem = train_history(stats, "loss_history")
    expected = f["toy_loss_history"]
    if problem:
        return Outcome.fail(problem, hint="return {'loss_history': ..., 'train_acc_history': ..., "
                                          "'val_acc_history': ...}")
    if history.size != expected.size:
        return Outcome.fail(f"loss_history has {history.size} entries after num_iters=100, expected 100")
    d = Diagnoses()
    series = curves.panel("loss", {"train": history, "reference run": expected})
    problem = d.compare("loss_history", history, expected, ctx.tolerance,
                        stored(f, "toy_loss_history", TRAIN_MISTAKES))
    level = toy_run_level(history, expected.size)
    if problem and not d.found and level is None:
        return Outcome.ok(toy_run_note(history), series=series)
    if problem:
        return Outcome.fail(d.message(f"on the notebook's toy data (final loss {history[-1]:.10g}, "
                                      f"expected {expected[-1]:.10g}): {problem}"
                                      f"{first_divergence(history, expected)}"
                                      + (f"; in any draw order, {level}" if level else "")), series=series,
                            hint="sample X_batch, y_batch = X[idx], y[idx] with idx = np.random.choice("
                                 "num_train, batch_size) (replacement: batch 200 > 5 examples), then "
                                 "params[k] -= learning_rate * grads[k] for every parameter")
    return Outcome.ok(f"the toy run ends at loss {history[-1]:.6g}, as in the notebook", series=series)


@check("neural_net.train_schedule", kind="training", fixture="neural_net", tolerance=1e-8)
def check_neural_net_train_schedule(ctx: CheckContext) -> Outcome:
    """With 4 iterations per epoch the learning rate decays at it % iterations_per_epoch == 0 (it = 0, 4, 8).

    Requirement: the stand-alone net's train() and its learning-rate decay (docs/courses.md
    §2.5.2, §7.21).
    """
    f = ctx.fixture()
    net = ctx.new(NET, 7, 6, 4)
    set_params(ctx, net, _params(f, "r"))
    seed_worker(ctx, 5)
    stats = ctx.call(net.method("train"), f["s_X"], f["s_y"], f["s_X"][:10], f["s_y"][:10], **SCHEDULE)
    history, problem = train_history(stats, "loss_history")
    if problem:
        return Outcome.fail(problem)
    expected = f["s_loss_history"]
    d = Diagnoses()
    series = curves.panel("loss", {"train": history, "reference run": expected})
    problem = d.compare("loss_history", history, expected, ctx.tolerance,
                        stored(f, "s_loss_history", TRAIN_MISTAKES))
    if problem:
        return Outcome.fail(series=series, message=d.message(
            f"40 examples, batch 10, learning_rate 0.5, learning_rate_decay 0.5: {problem}"
            f"{first_divergence(history, expected) if history is not None and history.shape == expected.shape else ''}"),
                            hint="the given code checks accuracies and decays the learning rate when "
                                 "it % iterations_per_epoch == 0, after the update")
    return Outcome.ok("the learning-rate schedule matches", series=series)


@check("neural_net.predict", kind="value", fixture="neural_net")
def check_neural_net_predict(ctx: CheckContext) -> Outcome:
    """predict(X) returns the argmax of the scores, shape (N,), integer labels.

    Requirement: predict of the stand-alone net (docs/courses.md §2.5.2).
    """
    f = ctx.fixture()
    net = ctx.new(NET, 7, 6, 4)
    set_params(ctx, net, _params(f, "r"))
    pred = ctx.call(net.method("predict"), f["r_X"])
    arr, problem = as_array("y_pred", pred, f["r_pred"].shape)
    if problem:
        return Outcome.fail(problem, hint="return np.argmax(scores, axis=1)")
    if not np.array_equal(arr, f["r_pred"]):
        wrong = int(np.sum(arr != f["r_pred"]))
        d = Diagnoses()
        d.check(arr, stored(f, "r_pred", PREDICT_MISTAKES), expected=f["r_pred"])
        return Outcome.fail(d.message(f"{wrong} of {arr.size} predictions differ from the argmax "
                                      "of the scores"),
                            hint="predict, for each example (row), the class with the highest score of loss(X)")
    return Outcome.ok("predictions are the argmax of the scores")
