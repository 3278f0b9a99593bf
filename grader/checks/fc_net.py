"""Checks for ``classifiers/fc_net.py``: the modular ``TwoLayerNet`` and ``FullyConnectedNet``.

The notebooks' own tests come first (docs/courses.md §3.7 TwoLayerNet on linspace parameters, docs/courses.md §3.9 the seed-231
initial losses, docs/courses.md §3.17 the initialisation stds); then inputs they cannot see. Losses and gradients
are compared with the reference AT THE SAME PARAMETERS, set by the grader, so a bug in the
initialisation cannot hide or fake a bug in ``loss`` (and vice versa), and every gradient is also
checked against a numeric gradient of the student's own loss.
"""
from __future__ import annotations

import numpy as np

from . import curves
from .base import CheckContext, Outcome, check, fixture
from .toolkit import labelled, loss_problem, no_work, verdict
from .compare import as_array, compare_array, describe, join_problems, rel_error
from .diagnosis import Diagnoses, mistake_key, stored
from .models import (fc_shapes, fetch_params, grads_problems, loss_and_grads, loss_input_unchanged,
                     numeric_problems, seed_worker, set_params)
from ..trusted import ReferenceUnavailable, reference_module

TWO_LAYER = "classifiers.fc_net.TwoLayerNet"
FC_NET = "classifiers.fc_net.FullyConnectedNet"

# docs/courses.md §3.7: N, D, H, C = 3, 5, 50, 7 with std 1e-3.
TL_N, TL_D, TL_H, TL_C, TL_STD = 3, 5, 50, 7, 1e-3
TL_HINT = ("scores = relu(X.reshape(N, -1) @ W1 + b1) @ W2 + b2; loss = softmax loss + "
           "0.5 * reg * (sum(W1**2) + sum(W2**2)); grads add reg * W (never to the biases)")

# docs/courses.md §3.9: N, D, H1, H2, C = 2, 15, 20, 30, 10, weight_scale 5e-2, float64.
FC_DIMS = dict(hidden_dims=[20, 30], input_dim=15, num_classes=10)
FC_HINT = ("{affine - [norm] - relu - [dropout]} x (L-1) - affine - softmax; loss adds "
           "0.5 * reg * sum over every W{i} of sum(W{i}**2) and each grads['W{i}'] gets + reg * W{i}")


# --------------------------------------------------------------------------------------------
# known mistakes of the L2 term (docs/courses.md §7.11) and of the initialisation (docs/courses.md §7.15, §7.16)
# --------------------------------------------------------------------------------------------

NO_HALF = ("the L2 term is reg * sum(W**2) without the factor 0.5 (this course: 0.5 * reg * "
           "sum(W**2), whose gradient is reg * W)")
BIAS_REG = "the biases are regularised too: the L2 term covers the weights W only"
LAST_NOT_REG = ("the output layer's weights are not regularised: the L2 term (and its gradient "
                "reg * W) covers every W{i}, the last one too")
GRAD_2REG = "the gradient adds 2 * reg * W: the derivative of 0.5 * reg * sum(W**2) is reg * W"


def l2_loss_candidates(loss: float, params: dict, reg: float, *, biases: bool = False) -> dict:
    """Known L2 mistakes' loss, from the correct loss at ``params`` (weights ``W1``, ``W2``, ...)."""
    weights = sorted((k for k in params if k.startswith("W")), key=lambda k: int(k[1:]))
    half = {k: 0.5 * reg * float(np.sum(np.asarray(params[k]) ** 2)) for k in params}
    found = {NO_HALF: loss + sum(half[k] for k in weights),
             LAST_NOT_REG: loss - half[weights[-1]]}
    if biases:
        found[BIAS_REG] = loss + sum(half[k] for k in params if k.startswith("b"))
    return {d: np.asarray(v) for d, v in found.items() if reg}


def _l2_grad_candidates(grads: dict, params: dict, reg: float) -> dict[str, dict]:
    """Known L2 mistakes' gradients, per parameter, from the correct ones."""
    weights = sorted((k for k in params if k.startswith("W")), key=lambda k: int(k[1:]))
    found: dict[str, dict] = {k: {} for k in grads}
    if reg:
        for k in weights:
            found[k][GRAD_2REG] = grads[k] + reg * params[k]
        found[weights[-1]][LAST_NOT_REG] = grads[weights[-1]] - reg * params[weights[-1]]
    return found


def _diagnose_grads(d: Diagnoses, grads: dict, expected: dict, candidates: dict[str, dict]) -> None:
    """Name a known mistake in any of the student's gradients that differs from the reference."""
    for name, value in expected.items():
        if name in grads and candidates.get(name) and compare_array(name, grads[name], value, 1e-7):
            d.check(grads[name], candidates[name], expected=value)


def _tl_notebook_params():
    D, H, C = TL_D, TL_H, TL_C
    return {"W1": np.linspace(-0.7, 0.3, num=D * H).reshape(D, H), "b1": np.linspace(-0.1, 0.9, num=H),
            "W2": np.linspace(-0.3, 0.4, num=H * C).reshape(H, C), "b2": np.linspace(-0.9, 0.1, num=C)}


@fixture("two_layer_net")
def two_layer_net_fixture(ref):
    """docs/courses.md §3.7 linspace parameters and input; a fresh 4-D input with random parameters."""
    out = {}
    params = _tl_notebook_params()
    X = np.linspace(-5.5, 4.5, num=TL_N * TL_D).reshape(TL_D, TL_N).T
    y = np.asarray([0, 5, 1])
    model = ref.classifiers.fc_net.TwoLayerNet(input_dim=TL_D, hidden_dim=TL_H, num_classes=TL_C,
                                               weight_scale=TL_STD)
    model.params = {k: v.copy() for k, v in params.items()}
    out.update({f"nb_{k}": v for k, v in params.items()}, nb_X=X, nb_y=y, nb_scores=model.loss(X))
    for label, reg in (("reg0", 0.0), ("reg1", 1.0), ("reg07", 0.7)):
        model.reg = reg
        loss, grads = model.loss(X, y)
        out[f"nb_{label}_loss"] = np.asarray(loss)
        out.update({f"nb_{label}_d{k}": v for k, v in grads.items()})
    # Fresh: images (5, 2, 3, 4), 24 -> 10 -> 4, reg 0.37.
    rng = np.random.RandomState(17)
    fresh = {"W1": 0.3 * rng.randn(24, 10), "b1": 0.1 * rng.randn(10),
             "W2": 0.3 * rng.randn(10, 4), "b2": 0.1 * rng.randn(4)}
    X, y = rng.randn(5, 2, 3, 4), rng.randint(4, size=5)
    model = ref.classifiers.fc_net.TwoLayerNet(input_dim=24, hidden_dim=10, num_classes=4, reg=0.37)
    model.params = {k: v.copy() for k, v in fresh.items()}
    loss, grads = model.loss(X, y)
    out.update({f"r_{k}": v for k, v in fresh.items()}, r_X=X, r_y=y, r_scores=model.loss(X),
               r_loss=np.asarray(loss), **{f"r_d{k}": v for k, v in grads.items()})
    return out


def _tl_params(f, prefix):
    return {k: f[f"{prefix}_{k}"] for k in ("W1", "b1", "W2", "b2")}


def _tl_grads(f, prefix):
    return {k: f[f"{prefix}_d{k}"] for k in ("W1", "b1", "W2", "b2")}


TL_INIT_HINT = ("W1 = weight_scale * np.random.randn(input_dim, hidden_dim), W2 = weight_scale * "
                "np.random.randn(hidden_dim, num_classes), b1 and b2 zeros")


@check("two_layer_net.init", kind="value")
def check_two_layer_net_init(ctx: CheckContext) -> Outcome:
    """TwoLayerNet's parameters have the right shapes, weight std = weight_scale and zero biases (docs/courses.md §3.7).

    The rule is statistical, as the course's own assert (std within 10 %, mean within 4 standard
    errors): no seed or draw order is fixed, so a draw rescaled to exactly std weight_scale passes
    and one that lost weight_scale does not (docs/courses.md §2.5.3)."""
    problems, d = [], Diagnoses()
    root_std = {"W1": [], "W2": []}  # per case: is the std sqrt(weight_scale) (and not weight_scale)?
    for D, H, C, std in ((TL_D, TL_H, TL_C, TL_STD), (60, 80, 9, 0.05)):
        seed_worker(ctx, 231)
        model = ctx.new(TWO_LAYER, input_dim=D, hidden_dim=H, num_classes=C, weight_scale=std)
        shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
        params, problem = fetch_params(ctx, model, shapes)
        label = f"TwoLayerNet(input_dim={D}, hidden_dim={H}, num_classes={C}, weight_scale={std})"
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        for name in ("W1", "W2"):
            got = float(params[name].std())
            if abs(got - std) >= std / 10:  # the notebook's test
                problems.append(f"{label}: {name}.std() is {got:.3g}, expected {std:g} (within 10%)")
            root_std[name].append(abs(got - np.sqrt(std)) < np.sqrt(std) / 10 and abs(got - std) >= std / 10)
            if abs(float(params[name].mean())) > 4 * std / np.sqrt(params[name].size) + 1e-12:
                problems.append(f"{label}: {name} has mean {float(params[name].mean()):.3g}; "
                                f"expected zero-mean Gaussian weights")
        for name in ("b1", "b2"):
            if np.any(params[name] != 0):
                problems.append(f"{label}: {name} is not all zeros")
    for name, flags in root_std.items():
        if flags and all(flags):
            d.add(f"{name}'s std is sqrt(weight_scale): weight_scale is the standard deviation, "
                  "multiply randn by weight_scale itself")
    return verdict(problems, "shapes, weight stds and zero biases are right", d=d, sep="; ",
                   hint=TL_INIT_HINT)


@check("two_layer_net.input_unchanged", kind="value")
def check_two_layer_net_input_unchanged(ctx: CheckContext) -> Outcome:
    """TwoLayerNet.loss leaves the caller's X and y unchanged (the course's gradient cells reuse X, docs/courses.md §2.11)."""
    rng = ctx.rng
    model = ctx.new(TWO_LAYER, input_dim=24, hidden_dim=10, num_classes=4, reg=0.3)
    return loss_input_unchanged(ctx, model, rng.randn(5, 2, 3, 4), rng.randint(4, size=5), "TwoLayerNet")


@check("two_layer_net.scores", kind="value", fixture="two_layer_net", tolerance=1e-6)
def check_two_layer_net_scores(ctx: CheckContext) -> Outcome:
    """loss(X) returns the test-time scores of docs/courses.md §3.7 (sum of abs differences < 1e-6) and of a 4-D input."""
    f = ctx.fixture()
    problems = []
    for label, prefix, D, H, C in (("notebook's linspace parameters and input", "nb", TL_D, TL_H, TL_C),
                                   ("a 4-D input (5, 2, 3, 4)", "r", 24, 10, 4)):
        model = ctx.new(TWO_LAYER, input_dim=D, hidden_dim=H, num_classes=C)
        set_params(ctx, model, _tl_params(f, prefix))
        scores = ctx.call(model.method("loss"), f[f"{prefix}_X"])
        problem = compare_array("scores", scores, f[f"{prefix}_scores"], ctx.tolerance, metric="sum_abs")
        if problem:
            problems.append(f"on the {label}: {problem}")
    return verdict(problems, "test-time scores match", sep="; ",
                   hint="with y=None return the scores (N, C); flatten X to (N, D) first")


@check("two_layer_net.losses", kind="value", fixture="two_layer_net", tolerance=1e-10)
def check_two_layer_net_losses(ctx: CheckContext) -> Outcome:
    """The training loss is 3.4702243556 at reg 0 and 26.5948426952 at reg 1.0 (docs/courses.md §3.7), and right on a fresh input."""
    f = ctx.fixture()
    problems, d = [], Diagnoses()
    model = ctx.new(TWO_LAYER, input_dim=TL_D, hidden_dim=TL_H, num_classes=TL_C)
    set_params(ctx, model, _tl_params(f, "nb"))
    for label, reg in (("reg0", 0.0), ("reg1", 1.0)):
        ctx.setattr(model, "reg", reg)
        loss, _ = loss_and_grads(ctx, model, f["nb_X"], f["nb_y"])
        problem = loss_problem(loss, f[f"nb_{label}_loss"], ctx.tolerance)
        if problem:
            problems.append(f"the notebook's input with model.reg = {reg}: {problem}")
            expected = float(f[f"nb_{label}_loss"])
            d.check(loss, l2_loss_candidates(expected, _tl_params(f, "nb"), reg, biases=True),
                    expected=expected)
    model = ctx.new(TWO_LAYER, input_dim=24, hidden_dim=10, num_classes=4, reg=0.37)
    set_params(ctx, model, _tl_params(f, "r"))
    loss, _ = loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    problem = loss_problem(loss, f["r_loss"], 1e-8)
    if problem:
        problems.append(f"fresh 4-D input with reg=0.37 passed to the constructor: {problem}")
        d.check(loss, l2_loss_candidates(float(f["r_loss"]), _tl_params(f, "r"), 0.37, biases=True),
                expected=float(f["r_loss"]))
    return verdict(problems, "training losses match, with and without regularisation", d=d,
                   sep="; ", hint=TL_HINT)


@check("two_layer_net.gradients", kind="gradient", fixture="two_layer_net", tolerance=1e-7)
def check_two_layer_net_gradients(ctx: CheckContext) -> Outcome:
    """grads match the reference and a numeric gradient of the student's loss (docs/courses.md §3.7, reg 0 and 0.7; fresh input)."""
    f = ctx.fixture()
    messages, d = [], Diagnoses()
    cases = (("notebook input, reg 0", "nb", "nb_reg0", 0.0, (TL_D, TL_H, TL_C)),
             ("notebook input, reg 0.7", "nb", "nb_reg07", 0.7, (TL_D, TL_H, TL_C)),
             ("fresh 4-D input, reg 0.37", "r", "r", 0.37, (24, 10, 4)))
    for label, prefix, grads_prefix, reg, (D, H, C) in cases:
        model = ctx.new(TWO_LAYER, input_dim=D, hidden_dim=H, num_classes=C)
        params = _tl_params(f, prefix)
        set_params(ctx, model, params)
        ctx.setattr(model, "reg", reg)
        _, grads = loss_and_grads(ctx, model, f[f"{prefix}_X"], f[f"{prefix}_y"])
        expected = _tl_grads(f, grads_prefix)
        problems = grads_problems(grads, expected, ctx.tolerance)
        if problems:
            _diagnose_grads(d, grads, expected, _l2_grad_candidates(expected, params, reg))
        problems += numeric_problems(ctx, model, params, grads, f[f"{prefix}_X"], f[f"{prefix}_y"],
                                     1e-6)
        if problems:
            messages.append(f"on the {label}: {join_problems(problems)}")
    return verdict(messages, "gradients match the reference and the numeric gradient of your loss",
                   d=d, hint=TL_HINT)


# --------------------------------------------------------------------------------------------
# FullyConnectedNet
# --------------------------------------------------------------------------------------------

def _fc_param_names(n_layers: int, norm: bool) -> list[str]:
    names = [f"{p}{i}" for i in range(1, n_layers + 1) for p in ("W", "b")]
    if norm:
        names += [f"{p}{i}" for i in range(1, n_layers) for p in ("gamma", "beta")]
    return names


def _fresh_fc_params(rng, norm: bool) -> dict[str, np.ndarray]:
    """Parameters for FC_DIMS with random biases (and random gamma/beta), so no term hides."""
    shapes = fc_shapes(FC_DIMS["hidden_dims"], FC_DIMS["input_dim"], FC_DIMS["num_classes"], norm)
    params = {}
    for name, shape in shapes.items():
        if name.startswith("W"):
            params[name] = rng.randn(*shape) / np.sqrt(shape[0]) * 1.2
        elif name.startswith("gamma"):
            params[name] = 1.0 + 0.3 * rng.randn(*shape)
        else:
            params[name] = 0.1 * rng.randn(*shape)
    return params


#: The FullyConnectedNet variants checked on fresh parameters: name -> (constructor kwargs, reg).
#: Regularisation is checked once ("plain_reg"), so a bug in it does not also cost the dropout
#: and normalisation checks.
FC_VARIANTS = {
    "plain": ({}, 0.0),
    "plain_reg": ({}, 3.14),
    "drop75": ({"dropout_keep_ratio": 0.75, "seed": 123}, 0.0),
    "drop50": ({"dropout_keep_ratio": 0.5, "seed": 123}, 0.0),
    "bn": ({"normalization": "batchnorm"}, 0.0),
    "ln": ({"normalization": "layernorm"}, 0.0),
}


FC_LOSS_MISTAKES = {
    "draw_transposed": "the initial loss matches weights drawn as np.random.randn(fan_out, fan_in).T: "
                       "draw each W as weight_scale * np.random.randn(fan_in, fan_out)",
    "random_biases": "the initial loss matches biases drawn with randn after each W: biases start "
                     "at zero and take no random draws",
    "no_half": NO_HALF,
    "last_not_reg": LAST_NOT_REG,
}
DROPOUT_MISTAKES = {
    "dropout_in_test": "the test-time scores match dropout still applied in test mode: set "
                       "dropout_param['mode'] = 'test' when y is None",
    "no_dropout_backward": "the gradients match a backward pass that skips dropout_backward: the "
                           "gradient must go back through the same dropout mask",
}


def _fc_init_with(mistake: str, rng, dims, weight_scale: float) -> dict:
    """FullyConnectedNet's 'random' initialisation drawn from ``rng`` with one known mistake."""
    from known_mistakes.models import fc_init_with   # instructor-side (docs/deployment.md)

    return fc_init_with(mistake, rng, dims, weight_scale)


def _fc_dropout_with(ref, mistake: str, params: dict, X, y, keep: float, seed: int):
    """The reference FullyConnectedNet with dropout and one known mistake: the test-time scores
    computed with train-mode dropout (``dropout_in_test``), or the gradients of a backward pass
    that skips dropout_backward (``no_dropout_backward``)."""
    L, U = ref.layers, ref.layer_utils
    n = len([k for k in params if k.startswith("W")])
    out, caches = X, []
    for i in range(1, n):
        out, cache = U.affine_relu_forward(out, params[f"W{i}"], params[f"b{i}"])
        out, _ = L.dropout_forward(out, {"mode": "train", "p": keep, "seed": seed})
        caches.append(cache)
    scores, last = L.affine_forward(out, params[f"W{n}"], params[f"b{n}"])
    if mistake == "dropout_in_test":
        return scores
    grads = {}
    dout, grads[f"W{n}"], grads[f"b{n}"] = L.affine_backward(L.softmax_loss(scores, y)[1], last)
    for i in range(n - 1, 0, -1):
        dout, grads[f"W{i}"], grads[f"b{i}"] = U.affine_relu_backward(dout, caches[i - 1])
    return grads


@fixture("fc_net")
def fc_net_fixture(ref):
    """docs/courses.md §3.9's seed-231 losses, and losses/grads/scores of the variants at fixed parameters."""
    FCN = ref.classifiers.fc_net.FullyConnectedNet
    out = {}
    np.random.seed(231)  # docs/courses.md §3.9, drawn in the notebook's order: X, y, then the two models
    X = np.random.randn(2, 15)
    y = np.random.randint(10, size=(2,))
    out.update(nb_X=X, nb_y=y)
    for label, reg in (("reg0", 0.0), ("reg314", 3.14)):
        model = FCN([20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2, dtype=np.float64)
        out[f"nb_{label}_loss"] = np.asarray(model.loss(X, y)[0])
        for description, loss in l2_loss_candidates(float(out[f"nb_{label}_loss"]), model.params, reg).items():
            mistake = next(k for k, v in FC_LOSS_MISTAKES.items() if v == description)
            out[mistake_key(f"nb_{label}_loss", mistake)] = loss
    for mistake in ("draw_transposed", "random_biases"):
        rng = np.random.RandomState(231)  # the same draws as the notebook: X, y, then two models
        rng.randn(2, 15), rng.randint(10, size=(2,))
        for label, reg in (("reg0", 0.0), ("reg314", 3.14)):
            model = FCN([20, 30], input_dim=15, num_classes=10, reg=reg, dtype=np.float64)
            model.params = _fc_init_with(mistake, rng, [15, 20, 30, 10], 5e-2)
            out[mistake_key(f"nb_{label}_loss", mistake)] = np.asarray(model.loss(X, y)[0])
    rng = np.random.RandomState(41)
    X, y = rng.randn(6, 3, 5), rng.randint(10, size=6)  # images of 15 values
    X_test = rng.randn(4, 3, 5)
    out.update(r_X=X, r_y=y, r_X_test=X_test)
    for index, (name, (kwargs, reg)) in enumerate(FC_VARIANTS.items()):
        params = _fresh_fc_params(np.random.RandomState(50 + index), "normalization" in kwargs)
        model = FCN(**FC_DIMS, reg=reg, dtype=np.float64, **kwargs)
        model.params = {k: v.copy() for k, v in params.items()}
        loss, grads = model.loss(X, y)
        out[f"{name}_loss"] = np.asarray(loss)
        out.update({f"{name}_p_{k}": v for k, v in params.items()})
        out.update({f"{name}_d_{k}": v for k, v in grads.items()})
        # Test mode after that one training step (batchnorm: with the running averages it made).
        out[f"{name}_test_scores"] = model.loss(X_test)
        if "dropout_keep_ratio" in kwargs:
            keep, seed = kwargs["dropout_keep_ratio"], kwargs["seed"]
            out[mistake_key(f"{name}_test_scores", "dropout_in_test")] = _fc_dropout_with(
                ref, "dropout_in_test", params, X_test, None, keep, seed)
            grads = _fc_dropout_with(ref, "no_dropout_backward", params, X, y, keep, seed)
            out.update({mistake_key(f"{name}.grad_{k}", "no_dropout_backward"): v for k, v in grads.items()})
    return out


def variant(f, name):
    params = {k[len(name) + 3:]: v for k, v in f.items() if k.startswith(f"{name}_p_")}
    grads = {k[len(name) + 3:]: v for k, v in f.items() if k.startswith(f"{name}_d_")}
    return params, grads


def _fc_model(ctx: CheckContext, f, name: str):
    """The student's FullyConnectedNet for variant ``name`` with the fixture's parameters."""
    kwargs, reg = FC_VARIANTS[name]
    model = ctx.new(FC_NET, **FC_DIMS, reg=reg, dtype=np.float64, **kwargs)
    params, grads = variant(f, name)
    set_params(ctx, model, params)
    return model, params, grads


def describe_variant(name: str) -> str:
    kwargs, reg = FC_VARIANTS[name]
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"FullyConnectedNet([20, 30], input_dim=15, num_classes=10{', ' + args if args else ''}, reg={reg})"


def train_problems(ctx: CheckContext, f, name: str, d: Diagnoses | None = None, *,
                    numeric: bool = True) -> list[str]:
    """Loss and grads of variant ``name`` against the reference and the numeric gradient; known
    mistakes (L2 term, dropout backward) are looked up in ``d``."""
    d = d if d is not None else Diagnoses()
    model, params, expected = _fc_model(ctx, f, name)
    loss, grads = loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    reg = FC_VARIANTS[name][1]
    problems = [p for p in (loss_problem(loss, f[f"{name}_loss"], 1e-8),) if p]
    if problems:
        d.check(loss, l2_loss_candidates(float(f[f"{name}_loss"]), params, reg),
                expected=f[f"{name}_loss"])
    grad_problems = grads_problems(grads, expected, ctx.tolerance)
    if grad_problems:
        _diagnose_grads(d, grads, expected, _l2_grad_candidates(expected, params, reg))
        names = sorted(expected)
        d.check(tuple(grads.get(k) for k in names),
                stored(f, tuple(f"{name}.grad_{k}" for k in names), DROPOUT_MISTAKES),
                expected=tuple(expected[k] for k in names))
    problems += grad_problems
    if numeric:
        names = sorted(params)
        if FC_VARIANTS[name][0].get("normalization") == "batchnorm":
            # A bias right before batchnorm has an exactly zero gradient (the batch mean removes
            # it): a numeric derivative of it is pure rounding noise, so it is compared with the
            # reference only.
            names = [k for k in names if not (k.startswith("b") and not k.startswith("beta")
                                              and k != f"b{len(FC_DIMS['hidden_dims']) + 1}")]
        problems += numeric_problems(ctx, model, params, grads, f["r_X"], f["r_y"], 1e-5, max_coords=8,
                                     names=names)
    return problems


def _test_scores_problem(ctx: CheckContext, f, name: str, d: Diagnoses | None = None, *,
                         after_train_step: bool) -> str | None:
    d = d if d is not None else Diagnoses()
    model, _, _ = _fc_model(ctx, f, name)
    if after_train_step:
        loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    scores = ctx.call(model.method("loss"), f["r_X_test"])
    return d.compare("test-time scores", scores, f[f"{name}_test_scores"], 1e-8,
                     stored(f, f"{name}_test_scores", DROPOUT_MISTAKES))


@check("fc_net.initial_loss", kind="value", fixture="fc_net", tolerance=1e-10)
def check_fc_net_initial_loss(ctx: CheckContext) -> Outcome:
    """With np.random.seed(231) the initial losses are 2.300479089768492 (reg 0) and 7.052114776533016
    (reg 3.14) with layer-order draws (docs/courses.md §3.9). The course prints them without stating
    them, so weights drawn in another order pass when the loss is right for the student's own
    weights and those look like N(0, weight_scale^2) draws with zero biases."""
    f = ctx.fixture()
    seed_worker(ctx, 231)
    ctx.call("numpy.random.randn", 2, 15)                 # the notebook draws X and y first
    ctx.call("numpy.random.randint", 10, size=(2,))
    problems, draws_wrong, d, own_draws_problem = [], False, Diagnoses(), None
    for label, reg in (("reg0", 0.0), ("reg314", 3.14)):
        model = ctx.new(FC_NET, [20, 30], input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2,
                        dtype=np.float64)
        loss, _ = loss_and_grads(ctx, model, f["nb_X"], f["nb_y"])
        problem = loss_problem(loss, f[f"nb_{label}_loss"], ctx.tolerance)
        if problem:
            problems.append(f"reg = {reg}: {problem}")
            own = _init_is_the_difference(ctx, model, f, reg, loss)
            draws_wrong = draws_wrong or own
            if own:
                own_draws_problem = own_draws_problem or _draws_problem(ctx, model, 5e-2)
            # Losses near log(10): a wrong draw moves them by ~1e-3, far above their 1e-10 precision.
            d.check(loss, stored(f, f"nb_{label}_loss", FC_LOSS_MISTAKES), expected=f[f"nb_{label}_loss"],
                    tol=1e-9)
    # Another draw order is no mistake here; the other stored ones (biases, L2 form) are.
    mistakes = [m for m in d.found if m != FC_LOSS_MISTAKES["draw_transposed"]]
    if problems and draws_wrong and not mistakes and own_draws_problem is None:
        return Outcome.ok("your losses are right for your own initial weights, which are drawn in "
                          "another order than the notebook's (the course states no initial loss, so "
                          "no draw order) and look like N(0, weight_scale^2) draws with zero biases")
    if problems:
        if draws_wrong:
            hint = ("your loss is right for your own initial weights, so the weights were drawn "
                    "differently" + (f" and {own_draws_problem}" if own_draws_problem else "")
                    + ": draw W1, W2, W3 in layer order as weight_scale * "
                    "np.random.randn(fan_in, fan_out), biases zeros, no other random draws")
        else:
            hint = FC_HINT
        return Outcome.fail(d.message(join_problems(problems)), hint=hint)
    return Outcome.ok("the seed-231 initial losses match")


def _draws_problem(ctx: CheckContext, model, weight_scale: float) -> str | None:
    """None when the model's initial weights look like independent N(0, weight_scale^2) draws
    (sample mean and std within 5 standard errors, the std not rescaled to exactly weight_scale)
    and its biases are zero; otherwise what differs."""
    params, problem = fetch_params(ctx, model, fc_shapes([20, 30], 15, 10, False))
    if problem:
        return problem
    for name, value in sorted(params.items()):
        value = np.asarray(value, dtype=np.float64)
        if name.startswith("b"):
            if np.any(value != 0):
                return f"{name} is not zero"
            continue
        n, mean, std = value.size, float(value.mean()), float(value.std())
        if abs(mean) > 5 * weight_scale / np.sqrt(n):
            return f"{name} has mean {mean:.3g}, not about 0"
        if abs(std / weight_scale - 1) > 5 / np.sqrt(2 * n):
            return f"{name} has std {std:.4g}, not about weight_scale {weight_scale:g}"
        if abs(std / weight_scale - 1) < 1e-9 or abs(mean) < 1e-15:
            return f"{name} is rescaled to an exact sample mean/std, not a random draw"
    return None


def _init_is_the_difference(ctx: CheckContext, model, f, reg: float, loss) -> bool:
    """True when the student's loss equals the reference loss at the student's own parameters."""
    try:
        FullyConnectedNet = reference_module("classifiers.fc_net").FullyConnectedNet  # trusted, in the grader
    except ReferenceUnavailable:   # a student's installation: no diagnosis of the draws
        return False

    shapes = fc_shapes([20, 30], 15, 10, False)
    params, problem = fetch_params(ctx, model, shapes)
    arr, loss_problem_ = as_array("loss", loss)
    if problem or loss_problem_ or arr.size != 1:
        return False
    ref_model = FullyConnectedNet([20, 30], input_dim=15, num_classes=10, reg=reg, dtype=np.float64)
    ref_model.params = params
    with np.errstate(all="ignore"):
        expected = float(ref_model.loss(f["nb_X"], f["nb_y"])[0])
    return bool(np.isfinite(expected) and abs(float(arr.reshape(())) - expected) <= 1e-8 * max(1, abs(expected)))


@check("fc_net.input_unchanged", kind="value")
def check_fc_net_input_unchanged(ctx: CheckContext) -> Outcome:
    """FullyConnectedNet.loss leaves the caller's X and y unchanged (the course's gradient cells reuse X, docs/courses.md §2.11)."""
    rng = ctx.rng
    model = ctx.new(FC_NET, [6, 5], input_dim=24, num_classes=4, reg=0.3, dtype=np.float64)
    return loss_input_unchanged(ctx, model, rng.randn(5, 2, 3, 4), rng.randint(4, size=5),
                                "FullyConnectedNet")


@check("fc_net.gradients", kind="gradient", fixture="fc_net", tolerance=1e-7)
def check_fc_net_gradients(ctx: CheckContext) -> Outcome:
    """Loss and grads of a 3-layer net match the reference at fixed parameters, reg 0 and 3.14 (docs/courses.md §3.9)."""
    f = ctx.fixture()
    d = Diagnoses()
    messages = [f"{describe_variant(name)}: {join_problems(problems)}"
                for name in ("plain", "plain_reg")
                if (problems := train_problems(ctx, f, name, d))]
    return verdict(messages, "loss and gradients match with and without regularisation", d=d,
                   hint=FC_HINT)


@check("fc_net.dropout", kind="gradient", fixture="fc_net", tolerance=1e-7)
def check_fc_net_dropout(ctx: CheckContext) -> Outcome:
    """With dropout (keep 0.75 and 0.5, seed 123) loss and grads match the reference (docs/courses.md §3.16); test mode drops nothing."""
    f, d = ctx.fixture(), Diagnoses()
    drops = ("drop75", "drop50")
    messages = [_train_message(ctx, f, name, d) for name in drops]
    # Test mode: the same scores as without dropout (inverted dropout needs no test-time scaling).
    messages += [labelled(f"{describe_variant(name)} in test mode (loss(X) without y)",
                          _test_scores_problem(ctx, f, name, d, after_train_step=True)) for name in drops]
    # keep ratio 1 means no dropout at all: the loss is the plain net's.
    model = ctx.new(FC_NET, **FC_DIMS, dtype=np.float64, dropout_keep_ratio=1)
    set_params(ctx, model, variant(f, "plain")[0])
    loss, _ = loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    messages.append(labelled("with dropout_keep_ratio=1 (no dropout)", loss_problem(loss, f["plain_loss"], 1e-8)))
    return verdict(messages, "dropout is applied in train mode only, with consistent gradients",
                   d=d,
                   hint="after each hidden ReLU apply dropout_forward(out, self.dropout_param) "
                        "when self.use_dropout, and dropout_backward in reverse order; set "
                        "dropout_param['mode'] from y (test mode when y is None)")


BN_NET_HINT = ("use affine_batchnorm_relu_forward with self.bn_params[i] for each hidden layer, and set "
               "bn_param['mode'] = mode (the key 'mode', not mode itself)")


def _train_message(ctx: CheckContext, f, name: str, d: Diagnoses) -> str | None:
    """What is wrong with variant ``name``'s loss and grads in train mode, or None."""
    return labelled(f"{describe_variant(name)} in train mode", join_problems(train_problems(ctx, f, name, d)))


@check("fc_net.batchnorm", kind="gradient", fixture="fc_net", tolerance=1e-7)
def check_fc_net_batchnorm(ctx: CheckContext) -> Outcome:
    """With batchnorm, loss/grads (gamma, beta too) match the reference; test mode uses the running averages.

    Requirement: FullyConnectedNet with batch normalization (docs/courses.md §2.5.3).
    """
    f, d = ctx.fixture(), Diagnoses()
    messages = [_train_message(ctx, f, "bn", d),
                labelled("in test mode after one training call",
                         _test_scores_problem(ctx, f, "bn", d, after_train_step=True))]
    # Test mode: one example's scores cannot depend on the rest of the batch.
    model, _, _ = _fc_model(ctx, f, "bn")
    loss_and_grads(ctx, model, f["r_X"], f["r_y"])
    whole = ctx.call(model.method("loss"), f["r_X_test"])
    first = ctx.call(model.method("loss"), f["r_X_test"][:1])
    whole, p1 = as_array("scores", whole, (len(f["r_X_test"]), 10))
    first, p2 = as_array("scores", first, (1, 10))
    if not (p1 or p2) and rel_error(whole[:1], first) > 1e-8:
        messages.append("in test mode the scores of one example change with the rest of the batch: "
                        "batchnorm still uses the batch statistics at test time")
    return verdict(messages, "batchnorm net: gradients right, test mode uses the running averages",
                   d=d, hint=BN_NET_HINT)


@check("fc_net.layernorm", kind="gradient", fixture="fc_net", tolerance=1e-7)
def check_fc_net_layernorm(ctx: CheckContext) -> Outcome:
    """With layernorm, loss/grads (gamma, beta too) match the reference; test mode normalises per example.

    Requirement: FullyConnectedNet with layer normalization, CS231n 2018+ (docs/courses.md
    §2.5.3, §A1.2).
    """
    f, d = ctx.fixture(), Diagnoses()
    messages = [_train_message(ctx, f, "ln", d),
                labelled("in test mode", _test_scores_problem(ctx, f, "ln", d, after_train_step=False))]
    return verdict(messages, "layernorm net: loss and gradients right", d=d,
                   hint="use affine_layernorm_relu_forward with gamma{i}, beta{i} and "
                        "self.bn_params[i] for each hidden layer")


#: docs/courses.md §3.17: FullyConnectedNet([50] * 10) with the default input_dim 3072, 11 weight matrices.
INIT_DIMS = [3072] + [50] * 10 + [10]
DEFAULT_WEIGHT_SCALE = 1e-2

#: Known He mistakes (docs/courses.md §7.16): the std of W{i} they give from (fan_in, fan_out), and what they are.
HE_MISTAKES = {
    "fan_out": (lambda fan_in, fan_out: np.sqrt(2.0 / fan_out),
                "the weight stds match sqrt(2 / fan_out): He uses the layer's INPUT width, "
                "std = sqrt(2 / fan_in)"),
    "gain_one": (lambda fan_in, fan_out: np.sqrt(1.0 / fan_in),
                 "the weight stds match sqrt(1 / fan_in): He's gain for ReLU is 2, std = sqrt(2 / fan_in)"),
    "weight_scale": (lambda fan_in, fan_out: DEFAULT_WEIGHT_SCALE * np.sqrt(2.0 / fan_in),
                     "the weight stds match weight_scale * sqrt(2 / fan_in): He initialisation "
                     "does not use weight_scale"),
    "uniform": (lambda fan_in, fan_out: np.sqrt(2.0 / fan_in) / np.sqrt(3.0),
                "the weight stds match a uniform draw in +-sqrt(2 / fan_in) (std sqrt(2 / fan_in) / "
                "sqrt(3)): He draws from a normal distribution, np.random.randn"),
}


def _he_mistake(params: dict, tol: float) -> str | None:
    """The known He mistake whose std every weight matrix has (within ``tol``), if one does."""
    for std_of, description in HE_MISTAKES.values():
        stds = [(float(params[f"W{i}"].std()), std_of(INIT_DIMS[i - 1], INIT_DIMS[i]),
                 np.sqrt(2.0 / INIT_DIMS[i - 1])) for i in range(1, len(INIT_DIMS))]
        if (all(rel_error(got, mistaken) < tol for got, mistaken, _ in stds)
                and any(rel_error(mistaken, he) > 3 * tol for _, mistaken, he in stds)):
            return description
    return None


@check("fc_net.initialization", kind="value", tolerance=0.03)
def check_fc_net_initialization(ctx: CheckContext) -> Outcome:
    """initialization='he' | 'random' | 'zero' give weight stds sqrt(2/fan_in) | weight_scale | 0 (docs/courses.md §3.17)."""
    shapes = {}
    for i in range(1, len(INIT_DIMS)):
        shapes[f"W{i}"], shapes[f"b{i}"] = (INIT_DIMS[i - 1], INIT_DIMS[i]), (INIT_DIMS[i],)
    problems, d, stds = [], Diagnoses(), {}
    for scheme in ("he", "random", "zero"):
        seed_worker(ctx, 2023)
        model = ctx.new(FC_NET, [50] * 10, initialization=scheme)
        params, problem = fetch_params(ctx, model, shapes)
        label = f"FullyConnectedNet([50] * 10, initialization='{scheme}')"
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        if scheme != "zero":
            stds[f"measured, {scheme}"] = [float(params[f"W{i}"].std()) for i in range(1, len(INIT_DIMS))]
        found = []
        for i in range(1, len(INIT_DIMS)):
            W, fan_in = params[f"W{i}"], INIT_DIMS[i - 1]
            std = float(W.std())
            if scheme == "zero":
                ok, expected = not np.any(W), "0"
            elif scheme == "random":
                ok, expected = rel_error(std, 1e-2) < ctx.tolerance, "0.01 (weight_scale)"
            elif i < len(INIT_DIMS) - 1:
                he = np.sqrt(2.0 / fan_in)
                ok, expected = rel_error(std, he) < ctx.tolerance, f"sqrt(2/{fan_in}) = {he:.4g}"
            else:  # the linear output layer: gain sqrt(2) or 1 (the course never checks it, docs/courses.md §9.4)
                ok = min(rel_error(std, np.sqrt(2.0 / fan_in)), rel_error(std, np.sqrt(1.0 / fan_in))) < 0.05
                expected = f"sqrt(2/{fan_in}) or sqrt(1/{fan_in})"
            if not ok:
                found.append(f"W{i}.std() is {std:.4g}, expected {expected}")
            if np.any(params[f"b{i}"] != 0):
                found.append(f"b{i} is not all zeros")
        if found:
            problems.append(f"{label}: {join_problems(found[:4])}"
                            + (f" (and {len(found) - 4} more)" if len(found) > 4 else ""))
            if scheme == "he":
                d.add(_he_mistake(params, ctx.tolerance))
    expected = {"he": ("expected he, sqrt(2/fan_in)", [np.sqrt(2.0 / n) for n in INIT_DIMS[:-1]]),
                "random": ("expected random, weight_scale 0.01", [DEFAULT_WEIGHT_SCALE] * (len(INIT_DIMS) - 1))}
    lines = {}
    for scheme, (name, values) in expected.items():
        if f"measured, {scheme}" in stds:
            lines.update({f"measured, {scheme}": stds[f"measured, {scheme}"], name: values})
    outcome = verdict(problems, "He, random and zero initialisation give the expected stds", d=d,
                      hint="'he': np.random.randn(fan_in, fan_out) * np.sqrt(2 / fan_in) with "
                           "fan_in = the layer's INPUT width, no weight_scale; 'random': "
                           "weight_scale * randn; 'zero': np.zeros; biases always zero")
    return curves.with_series(outcome, curves.panel("weight_std", lines))


#: fc_net.init: FullyConnectedNet([60, 50], input_dim=40, num_classes=30, weight_scale=0.05):
#: weight matrices of 1500-3000 entries, whose sample std is within 2 % of weight_scale (1/sqrt(2n)).
FC_INIT = dict(hidden_dims=[60, 50], input_dim=40, num_classes=30, weight_scale=0.05)
FC_INIT_HINT = ("W{i} = weight_scale * np.random.randn(fan_in, fan_out), b{i} = np.zeros(fan_out); with "
                "normalization, gamma{i} = np.ones and beta{i} = np.zeros for every layer but the last")


def init_problems(params: dict, weight_scale: float) -> list[str]:
    """What differs from the course's initial values (docs/courses.md §2.5.3, §3.17): each W a
    zero-mean Gaussian of std ``weight_scale`` (tested statistically, as the course's own test:
    std within 10 %, mean within 4 standard errors), biases and betas zeros, gammas ones."""
    found = []
    for name in sorted(params):
        value = params[name]
        if name.startswith("W"):
            std, mean = float(value.std()), float(value.mean())
            if abs(std - weight_scale) >= weight_scale / 10:
                found.append(f"{name}.std() is {std:.3g}, expected weight_scale = {weight_scale:g} (within 10%)")
            if abs(mean) > 4 * weight_scale / np.sqrt(value.size):
                found.append(f"{name} has mean {mean:.3g}: expected zero-mean Gaussian weights")
        elif name.startswith("gamma") and np.any(value != 1):
            found.append(f"{name} is not all ones")
        elif (name.startswith("b") or name.startswith("beta")) and np.any(value != 0):
            found.append(f"{name} is not all zeros")
    return found


@check("fc_net.init", kind="value")
def check_fc_net_init(ctx: CheckContext) -> Outcome:
    """FullyConnectedNet's initial parameters follow the course's rule (docs/courses.md §2.5.3, §3.17): each W zero-mean with std weight_scale (statistically: the draw order and seed are free), biases zero; with batchnorm gamma ones and beta zeros, none for the last layer.

    ``params: {normalization: false}`` for a rubric whose FullyConnectedNet has no batchnorm."""
    cases = [({}, False)]
    if ctx.params.get("normalization", True):
        cases.append(({"normalization": "batchnorm"}, True))
    problems = []
    for kwargs, norm in cases:
        model = ctx.new(FC_NET, **FC_INIT, **kwargs)
        shapes = fc_shapes(FC_INIT["hidden_dims"], FC_INIT["input_dim"], FC_INIT["num_classes"], norm)
        params, problem = fetch_params(ctx, model, shapes)
        label = "FullyConnectedNet([60, 50], input_dim=40, num_classes=30, weight_scale=0.05" + \
            (", normalization='batchnorm')" if norm else ")")
        found = [problem] if problem else init_problems(params, FC_INIT["weight_scale"])
        if found:
            problems.append(f"{label}: {join_problems(found)}")
    return verdict(problems, "weights have std weight_scale and mean 0, biases zero (gamma ones, beta zeros)",
                   sep="; ", hint=FC_INIT_HINT)


def _regularised(grads_reg: dict, grads_free: dict, params: dict, reg: float) -> dict[str, bool]:
    """Which parameters the loss regularises, read from the student's own gradients at reg and
    at 0 (same parameters): the L2 term adds c * reg * p to p's gradient (c = 1 with the 0.5)."""
    found = {}
    for name, value in params.items():
        delta, _ = as_array(name, grads_reg.get(name), value.shape)
        free, _ = as_array(name, grads_free.get(name), value.shape)
        if delta is not None and free is not None:
            found[name] = float(np.abs(delta - free).max()) > 1e-3 * reg * float(np.abs(value).max())
    return found


@check("fc_net.regularised_params", kind="value")
def check_fc_net_regularised_params(ctx: CheckContext) -> Outcome:
    """extra (information, 0 points): in a batchnorm FullyConnectedNet the L2 term covers every W and no b, gamma or beta (docs/courses.md §2.5.3); regularising gamma and beta is allowed by the course, and the weights and biases already cost points in fc_net.gradients.

    Read from the student's own gradients at reg 0.7 and at reg 0, with the same parameters."""
    params = _fresh_fc_params(np.random.RandomState(61), True)
    grads = {}
    for reg in (0.7, 0.0):
        model = ctx.new(FC_NET, **FC_DIMS, reg=reg, dtype=np.float64, normalization="batchnorm")
        set_params(ctx, model, params)
        _, grads[reg] = loss_and_grads(ctx, model, np.random.RandomState(62).randn(6, 15),
                                       np.arange(6) % 10)
    regularised = _regularised(grads[0.7], grads[0.0], params, 0.7)
    missing = sorted(set(params) - set(regularised))
    if missing:
        return Outcome.fail(f"grads lacks {missing}: nothing to check yet")
    problems = [f"{name} is not regularised" for name in sorted(regularised)
                if name.startswith("W") and not regularised[name]]
    problems += [f"{name} is regularised too" for name in sorted(regularised)
                 if not name.startswith("W") and regularised[name]]
    return verdict(problems, "the L2 term covers the weights only", sep="; ",
                   prefix="FullyConnectedNet(..., normalization='batchnorm', reg=0.7): ",
                   suffix=" (information: the course's rule is 0.5 * reg * sum of W**2 over the "
                          "weights; it allows the batchnorm scale and shift to be regularised)",
                   hint="sum np.sum(W * W) over the keys 'W1' ... 'WL' only")


@check("fc_net.dtype", kind="value")
def check_fc_net_dtype(ctx: CheckContext) -> Outcome:
    """Every parameter has the net's dtype (float32 by default, float64 when asked), gamma/beta included.

    Requirement: FullyConnectedNet casts its parameters to dtype (docs/courses.md §2.5.3).
    """
    problems = []
    for kwargs, expected in (({}, "float32"), ({"dtype": np.float64}, "float64"),
                             ({"normalization": "batchnorm"}, "float32")):
        model = ctx.new(FC_NET, [6, 5], input_dim=8, num_classes=3, **kwargs)
        params = ctx.getattr(model, "params")
        if not isinstance(params, dict):
            problems.append(f"model.params should be a dict, got {describe(params)}")
            continue
        if not params:   # a real-work gate (docs/rubrics.md): the course's cast loop, on nothing
            return no_work("FullyConnectedNet([6, 5], input_dim=8, num_classes=3) creates no "
                           "parameters, so the cast to dtype the course provides has nothing to cast",
                           "__init__ creates W1, b1, ... (the course's loop then casts them)")
        wrong = sorted(k for k, v in params.items()
                       if not (isinstance(v, np.ndarray) and v.dtype == np.dtype(expected)))
        if wrong:
            args = ", ".join(f"{k}={getattr(v, '__name__', v)}" for k, v in kwargs.items())
            problems.append(f"FullyConnectedNet([6, 5], input_dim=8, num_classes=3{', ' + args if args else ''}): "
                            f"{wrong} are not {expected}")
    return verdict(problems, "parameters have the requested dtype", sep="; ",
                   hint="the given code casts every parameter at the end of __init__: "
                        "self.params[k] = v.astype(dtype); create all parameters before it")
