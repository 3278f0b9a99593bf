"""Update rules whose values differ from CS231n's: CS182's momentum and UCLA's Nesterov momentum."""
from __future__ import annotations

import numpy as np

from .. import optim as op
from ..base import CheckContext, Outcome, check, fixture
from ..compare import as_array, compare_array, describe, join_problems
from ..toolkit import call_rule, state_problem, verdict


# ---------------------------------------------------------------------------------------------
# CS182 momentum
# ---------------------------------------------------------------------------------------------
CS182_HINT = ("CS182 convention (as given in lecture): v = momentum * v + dw; next_w = w - "
              "learning_rate * v; store config['velocity'] = v")


@fixture("momentum_cs182")
def momentum_cs182_fixture(ref):
    """docs/courses.md §3.11 (the notebook input), 5 fresh steps, the defaults; CS231n outputs for diagnosis."""
    rule, other = ref.course_conventions.sgd_momentum_cs182, ref.optim.sgd_momentum
    w, dw, v, _ = op.notebook_inputs()
    out = {"nb_w": w, "nb_dw": dw, "nb_v": v}
    next_w, config = rule(w.copy(), dw.copy(), {"learning_rate": 1e-3, "velocity": v.copy()})
    out.update(nb_next_w=next_w, nb_velocity=config["velocity"])
    _, config = other(w.copy(), dw.copy(), {"learning_rate": 1e-3, "velocity": v.copy()})
    out["nb_cs231n_velocity"] = config["velocity"]
    fw, dws = op.fresh_inputs("sgd_momentum")
    out.update(fresh_w=fw, fresh_dws=dws)
    config, cur, traj_w, traj_v = dict(op.FRESH_CONFIGS["sgd_momentum"]), fw.copy(), [], []
    for step in range(op.FRESH_STEPS):
        cur, config = rule(cur.copy(), dws[step].copy(), config)
        traj_w.append(cur.copy())
        traj_v.append(config["velocity"].copy())
    out.update(fresh_next_w=np.stack(traj_w), fresh_velocity=np.stack(traj_v))
    rng = np.random.RandomState(21)
    dw_d, w_d = rng.randn(3, 5), rng.randn(3, 5)
    out.update(def_w=w_d, def_dw=dw_d)
    for case, config in (("none", None), ("partial", {"learning_rate": 3e-2})):
        next_w, config = rule(w_d.copy(), dw_d.copy(), config)
        out[f"def_{case}_next_w"], out[f"def_{case}_velocity"] = next_w, config["velocity"]
    return out


def _momentum_problems(ctx, w, dw, config, expected_w, expected_v, where, cs231n_v=None):
    next_w, returned, callers, problem = call_rule(ctx, "sgd_momentum", w, dw, config)
    if problem:
        return [problem]
    problems = [compare_array("next_w", next_w, expected_w, ctx.tolerance),
                state_problem("sgd_momentum", "velocity", returned, expected_v, ctx.tolerance,
                                  "the returned config")]
    if problems[1] and cs231n_v is not None and "velocity" in returned:
        if compare_array("v", returned["velocity"], cs231n_v, ctx.tolerance) is None:
            problems[1] = ("the stored velocity follows the CS231n convention (v = momentum * v - "
                           "learning_rate * dw); this course keeps v = momentum * v + dw and "
                           "subtracts learning_rate * v from w")
    if not any(problems) and isinstance(callers, dict):
        problem = state_problem("sgd_momentum", "velocity", callers, expected_v, ctx.tolerance,
                                    "the config you were given")
        if problem:
            problems.append(problem + " (update the config in place and return it)")
    return [f"{where}: {p}" for p in problems if p]


@check("sgd_momentum_cs182.notebook", kind="value", fixture="momentum_cs182", tolerance=1e-7)
def check_momentum_cs182_notebook(ctx: CheckContext) -> Outcome:
    """CS182 sgd_momentum on the notebook input: next_w[0,0] = -0.39994, velocity[0,0] = -0.06 (docs/courses.md §3.11)."""
    f = ctx.fixture()
    problems = _momentum_problems(ctx, f["nb_w"], f["nb_dw"],
                                  {"learning_rate": 1e-3, "velocity": f["nb_v"].copy()},
                                  f["nb_next_w"], f["nb_velocity"], "on the notebook input (docs/courses.md §3.11)",
                                  f["nb_cs231n_velocity"])
    return verdict(problems, "next_w and the velocity match the notebook test (CS182 convention)",
                   sep="; ", hint=CS182_HINT)


@check("sgd_momentum_cs182.fresh_steps", kind="value", fixture="momentum_cs182", tolerance=1e-7)
def check_momentum_cs182_fresh(ctx: CheckContext) -> Outcome:
    """CS182 sgd_momentum over 5 steps with momentum 0.5 on a 3-D w, the returned config fed back.

    Requirement: CS182's momentum convention v = mu*v + dw (docs/courses.md §3.11, §9.1).
    """
    f = ctx.fixture()
    cur, config = f["fresh_w"], dict(op.FRESH_CONFIGS["sgd_momentum"])
    for step in range(op.FRESH_STEPS):
        next_w, returned, _, problem = call_rule(ctx, "sgd_momentum", cur, f["fresh_dws"][step], config)
        where = f"step {step + 1} of {op.FRESH_STEPS} (learning_rate 5e-2, momentum 0.5, state fed back)"
        if problem:
            return Outcome.fail(f"{where}: {problem}", hint=CS182_HINT)
        problems = [compare_array("next_w", next_w, f["fresh_next_w"][step], ctx.tolerance),
                    state_problem("sgd_momentum", "velocity", returned, f["fresh_velocity"][step],
                                      ctx.tolerance, "the returned config")]
        if any(problems):
            return Outcome.fail(f"{where}: {join_problems(problems)}",
                                hint="read learning_rate and momentum from config; " + CS182_HINT)
        cur, config = as_array("next_w", next_w)[0], returned
    return Outcome.ok("5 consecutive steps match the CS182 rule")


@check("sgd_momentum_cs182.defaults", kind="value", fixture="momentum_cs182", tolerance=1e-7)
def check_momentum_cs182_defaults(ctx: CheckContext) -> Outcome:
    """CS182 sgd_momentum with config=None or a partial config uses learning_rate 1e-2, momentum 0.9.

    Requirement: CS182's documented defaults (docs/courses.md §2.4, §3.11).
    """
    f = ctx.fixture()
    problems = []
    for case, config in (("none", None), ("partial", {"learning_rate": 3e-2})):
        label = "config=None" if config is None else f"config={config}"
        problems += _momentum_problems(ctx, f["def_w"], f["def_dw"], config,
                                       f[f"def_{case}_next_w"], f[f"def_{case}_velocity"], label)
    if problems:
        return Outcome.fail(join_problems(problems),
                            hint="config.setdefault('learning_rate', 1e-2); config.setdefault("
                                 "'momentum', 0.9); v = config.get('velocity', np.zeros_like(w))")
    return Outcome.ok("the documented defaults are used")


# ---------------------------------------------------------------------------------------------
# UCLA Nesterov momentum
# ---------------------------------------------------------------------------------------------
NESTEROV_HINT = ("v_new = momentum * v - learning_rate * dw; next_w = w - momentum * v + "
                 "(1 + momentum) * v_new; store config['velocity'] = v_new")


@fixture("nesterov")
def nesterov_fixture(ref):
    """The shared optimizer input (lr 1e-3), 5 fresh steps and config=None, from the UCLA oracle."""
    rule = ref.course_conventions.sgd_nesterov_momentum
    w, dw, v, _ = op.notebook_inputs()
    out = {"nb_w": w, "nb_dw": dw, "nb_v": v}
    next_w, config = rule(w.copy(), dw.copy(), {"learning_rate": 1e-3, "velocity": v.copy()})
    out.update(nb_next_w=next_w, nb_velocity=config["velocity"])
    fw, dws = op.fresh_inputs("sgd_momentum")
    out.update(fresh_w=fw, fresh_dws=dws)
    config, cur, traj_w, traj_v = {"learning_rate": 5e-2, "momentum": 0.5}, fw.copy(), [], []
    for step in range(op.FRESH_STEPS):
        cur, config = rule(cur.copy(), dws[step].copy(), config)
        traj_w.append(cur.copy())
        traj_v.append(config["velocity"].copy())
    out.update(fresh_next_w=np.stack(traj_w), fresh_velocity=np.stack(traj_v))
    next_w, config = rule(w.copy(), dw.copy(), None)
    out.update(none_next_w=next_w, none_velocity=config["velocity"])
    return out


@check("sgd_nesterov_momentum.values", kind="value", fixture="nesterov", tolerance=1e-7)
def check_nesterov(ctx: CheckContext) -> Outcome:
    """sgd_nesterov_momentum matches UCLA's rule on the notebook input, over 5 fed-back steps and with config=None.

    Requirement: UCLA HW4's Nesterov momentum (docs/courses.md §A3.1).
    """
    f = ctx.fixture()
    target = "optim.sgd_nesterov_momentum"
    cases = [("the notebook input (learning_rate 1e-3)", f["nb_w"], f["nb_dw"],
              {"learning_rate": 1e-3, "velocity": f["nb_v"].copy()}, f["nb_next_w"], f["nb_velocity"]),
             ("config=None", f["nb_w"], f["nb_dw"], None, f["none_next_w"], f["none_velocity"])]
    problems = []
    for label, w, dw, config, ew, ev in cases:
        problems += [f"{label}: {p}" for p in _rule_problems(ctx, target, w, dw, config, ew, ev)]
    cur, config = f["fresh_w"], {"learning_rate": 5e-2, "momentum": 0.5}
    for step in range(op.FRESH_STEPS):
        found = _rule_problems(ctx, target, cur, f["fresh_dws"][step], config,
                               f["fresh_next_w"][step], f["fresh_velocity"][step], keep=True)
        if isinstance(found, tuple):
            cur, config = found
            continue
        problems += [f"step {step + 1} of 5 (momentum 0.5, state fed back): {p}" for p in found]
        break
    return verdict(problems,
                   "Nesterov momentum matches on the notebook input, 5 steps and the defaults",
                   sep="; ", hint=NESTEROV_HINT)


def _rule_problems(ctx, target, w, dw, config, expected_w, expected_v, keep=False):
    result = ctx.call(target, w, dw, config)
    if not isinstance(result, (list, tuple)) or len(result) != 2 or not isinstance(result[1], dict):
        return [f"should return (next_w, config), got {describe(result)}"]
    next_w, returned = result
    problems = [compare_array("next_w", next_w, expected_w, ctx.tolerance),
                state_problem("sgd_momentum", "velocity", returned, expected_v, ctx.tolerance,
                                  "the returned config")]
    problems = [p for p in problems if p]
    if keep and not problems:
        return as_array("next_w", next_w)[0], returned
    return problems
