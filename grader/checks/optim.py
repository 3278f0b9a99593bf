"""Checks for the update rules of ``optim.py`` (sgd_momentum, rmsprop, adam), CS231n convention.

Every rule has the interface ``next_w, config = rule(w, dw, config=None)`` (docs/courses.md §2.4). Each
rule gets
* ``<rule>.notebook``: the course notebook's own input (docs/courses.md §3.10, §3.12, §3.13): ``next_w`` and the
  state stored in the config (the returned dict, and the caller's dict, which the notebook reads);
* ``<rule>.fresh_steps``: several consecutive steps with other hyper-parameters and shapes, the
  returned config fed back each time (state not written back, ``t`` incremented late, a
  hard-coded hyper-parameter ... show up only here);
* ``<rule>.defaults``: ``config=None`` and a partial config fill in the documented defaults.
The fixture also holds the inputs of an instructor-side check of where rmsprop adds epsilon
(``hidden_checks/optim.py``; docs/deployment.md). ``optim.loss_decreases``
runs each rule for 50 steps on a least-squares problem whose loss the grader computes.

Only ``next_w`` is compared, never the caller's ``w``: a rule may update ``w`` in place.
"""
from __future__ import annotations

import itertools

import numpy as np

from ..sandbox import StudentError
from . import curves
from .base import CheckContext, Outcome, check, fixture
from .compare import as_array, compare_array, join_problems
from .diagnosis import Diagnoses, mistake_key, stored
from .toolkit import call_rule, register, state_problem, verdict

RULES = ("sgd_momentum", "rmsprop", "adam")

#: The state each rule stores in its config, and the formula hint shown on failure.
STATE = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
HINTS = {
    "sgd_momentum": "CS231n convention: the velocity decays by momentum and takes the step "
                    "against dw (learning rate included); w moves by the velocity; store "
                    "config['velocity']",
    "rmsprop": "cache is a decaying average (decay_rate) of the squared gradient; the step divides "
               "by its square root, epsilon added after the root; store config['cache']",
    "adam": "increment t FIRST, then update m and v, divide by (1 - beta1**t) and (1 - beta2**t); "
            "store m, v and t back in config",
}
SECTIONS = {"sgd_momentum": "docs/courses.md §3.10", "rmsprop": "docs/courses.md §3.12", "adam": "docs/courses.md §3.13"}

#: Hyper-parameters of the multi-step checks (other than the notebook's).
FRESH_CONFIGS = {
    "sgd_momentum": {"learning_rate": 5e-2, "momentum": 0.5},
    "rmsprop": {"learning_rate": 3e-3, "decay_rate": 0.9},
    "adam": {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-3},
}
FRESH_STEPS = 5

#: The documented defaults (docs/courses.md §2.4) and a partial config for ``<rule>.defaults``.
DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}
#: Where a missing Adam ``t`` may start: 0 (the course's rule), or 1 in the years whose starter
#: provides ``config.setdefault('t', 1)`` (CS231n 2016-2017; docs/courses.md §A5.1).
ADAM_T_STARTS = (0, 1)
PARTIAL = {"sgd_momentum": {"learning_rate": 3e-2}, "rmsprop": {"decay_rate": 0.5},
           "adam": {"beta2": 0.9}}

#: Step sizes for the least-squares descent (the reference reaches < 1 % of the initial loss).
DESCENT_CONFIGS = {
    "sgd_momentum": {"learning_rate": 2e-2, "momentum": 0.9},
    "rmsprop": {"learning_rate": 5e-2, "decay_rate": 0.9},
    "adam": {"learning_rate": 1e-1},
}
DESCENT_STEPS = 50


def notebook_inputs():
    """The shared optimizer input of the notebooks (docs/courses.md §3.10-§3.13): w, dw, first and second state."""
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    s1 = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    s2 = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    return w, dw, s1, s2


def _notebook_config(rule: str) -> dict:
    """The config the notebook passes (docs/courses.md §3.10: lr 1e-3 + velocity; docs/courses.md §3.12; docs/courses.md §3.13 with t=5)."""
    _, _, s1, s2 = notebook_inputs()
    if rule == "sgd_momentum":
        return {"learning_rate": 1e-3, "velocity": s1.copy()}
    if rule == "rmsprop":
        return {"learning_rate": 1e-2, "cache": s1.copy()}
    return {"learning_rate": 1e-2, "m": s1.copy(), "v": s2.copy(), "t": 5}


def fresh_inputs(rule: str):
    """Weights and a sequence of gradients for the multi-step check (not the notebook's)."""
    rng = np.random.RandomState({"sgd_momentum": 11, "rmsprop": 12, "adam": 13}[rule])
    shape = {"sgd_momentum": (3, 4, 2), "rmsprop": (7,), "adam": (2, 5, 3)}[rule]
    w = rng.randn(*shape)
    scale = 0.1 if rule == "adam" else 1.0   # small gradients make Adam's epsilon matter
    dws = scale * rng.randn(FRESH_STEPS, *shape)
    dws[0].flat[0] = 0.0                     # an exact zero gradient
    return w, dws


def _descent_problem():
    """A least-squares problem: loss(w) = 0.5 * mean((A w - b)**2), w of shape (6,)."""
    rng = np.random.RandomState(3)
    A = rng.randn(30, 6)
    b = A @ rng.randn(6) + 0.1 * rng.randn(30)
    return A, b


def _ls_loss(A, b, w):
    r = A @ w - b
    return 0.5 * float(np.mean(r * r))


def _ls_grad(A, b, w):
    return A.T @ (A @ w - b) / len(b)


# --------------------------------------------------------------------------------------------
# known mistakes (docs/courses.md §7.17-docs/courses.md §7.19): the reference rules with one mistake applied
# --------------------------------------------------------------------------------------------

#: Formula mistakes per rule: name -> what the student's code does.
FORMULA_MISTAKES = {
    "sgd_momentum": {
        "w_minus_v": "next_w = w - v: with v = momentum * v - learning_rate * dw the update climbs "
                     "the loss (CS231n adds the velocity to w)",
        "cs182": "this is CS182's convention (v = momentum * v + dw; next_w = w - learning_rate * v), "
                 "not CS231n's (the velocity takes the learning rate, and w moves by plus the velocity)",
    },
    "rmsprop": {
        "eps_inside": "next_w matches dividing by np.sqrt(cache + epsilon): epsilon inside the "
                      "square root (CS231n adds it after: np.sqrt(cache) + epsilon)",
    },
    "adam": {
        "old_t": "the bias correction uses the old t: increment t before using it",
        "no_bias_correction": "m and v are used without bias correction (no division by "
                              "1 - beta1**t and 1 - beta2**t)",
        "swapped": "the bias corrections are swapped: m divided by 1 - beta2**t and v by 1 - beta1**t",
        "sqrt_before": "next_w matches sqrt(v) / (1 - beta2**t) instead of sqrt(v / (1 - beta2**t))",
    },
}


def _fixed_mistakes(rule: str, config: dict) -> dict[str, tuple[str, dict]]:
    """Hyper-parameters fixed at their defaults instead of read from ``config``: every non-empty
    set of the config's keys whose value differs from the default -> (description, fixed values)."""
    keys = [k for k, v in config.items() if k in DEFAULTS[rule] and v != DEFAULTS[rule][k]]
    found = {}
    for size in range(1, len(keys) + 1):
        for subset in itertools.combinations(keys, size):
            description = "; ".join(f"{k} is fixed at {DEFAULTS[rule][k]:g} instead of the "
                                    f"config's {config[k]:g}" for k in subset)
            found["fixed_" + "+".join(subset)] = (description, {k: DEFAULTS[rule][k] for k in subset})
    return found


def _mistakes(rule: str, config: dict | None = None) -> dict[str, str]:
    """Every known mistake of ``rule`` for calls with ``config``: name -> description."""
    found = dict(FORMULA_MISTAKES[rule])
    found.update({name: description for name, (description, _) in
                  _fixed_mistakes(rule, config or {}).items()})
    return found


def _step_with(rule: str, mistake: str, w, dw, config):
    """One step of the reference ``rule`` with ``mistake`` applied: ``(next_w, config)``.

    ``mistake`` is a FORMULA_MISTAKES name or a ``_fixed_mistakes`` name (hyper-parameters read
    as constants: the config keeps the caller's values). ``config`` is not modified.
    """
    config = dict(config or {})
    for key, value in DEFAULTS[rule].items():
        config.setdefault(key, value)
    fixed = dict(_fixed_mistakes(rule, config).get(mistake, ("", {}))[1])
    hp = {**{k: config[k] for k in DEFAULTS[rule]}, **fixed}
    from known_mistakes.optim import step_with   # instructor-side (docs/deployment.md)

    next_w, state = step_with(rule, mistake, w, dw, config, hp)
    config.update(state)
    return next_w, config


def _store_step(out: dict, prefix: str, rule: str, mistake: str, next_w, config) -> None:
    out[mistake_key(f"{prefix}_next_w", mistake)] = next_w
    for key in STATE[rule]:
        out[mistake_key(f"{prefix}_{key}", mistake)] = np.asarray(config[key])


def _candidates(f, prefix: str, rule: str, mistakes: dict[str, str], step: int | None = None) -> dict:
    """Known mistakes' ``(next_w, *state)`` stored under ``prefix`` (at ``step`` of a trajectory)."""
    keys = (f"{prefix}_next_w",) + tuple(f"{prefix}_{k}" for k in STATE[rule])
    found = stored(f, keys, mistakes)
    if step is not None:
        found = {d: type(v)(tuple(np.asarray(a)[step] for a in item) for item in v)
                 for d, v in found.items()}
    return found


def _diagnose_step(d: Diagnoses, rule: str, next_w, returned: dict, candidates: dict, expected) -> None:
    """Name the known mistake whose ``(next_w, *state)`` the student's step returned."""
    if all(key in returned for key in STATE[rule]):
        got = (next_w,) + tuple(returned[key] for key in STATE[rule])
        d.check(got, candidates, expected=expected)


@fixture("optim")
def optim_fixture(ref):
    """Reference outputs for every optimizer check (notebook, fresh steps, defaults, descent)."""
    out = {}
    w, dw, _, _ = notebook_inputs()
    out["nb_w"], out["nb_dw"] = w, dw
    for rule in RULES:
        fn = getattr(ref.optim, rule)
        config = _notebook_config(rule)
        for key in STATE[rule]:
            if key in config:
                out[f"{rule}.nb_in_{key}"] = np.asarray(config[key])
        for mistake in FORMULA_MISTAKES[rule]:
            _store_step(out, f"{rule}.nb", rule, mistake, *_step_with(rule, mistake, w, dw, config))
        next_w, config = fn(w.copy(), dw.copy(), config)
        out[f"{rule}.nb_next_w"] = next_w
        for key in STATE[rule]:
            out[f"{rule}.nb_{key}"] = np.asarray(config[key])

        # Several steps, fresh hyper-parameters, the returned config fed back.
        fw, dws = fresh_inputs(rule)
        out[f"{rule}.fresh_w"], out[f"{rule}.fresh_dws"] = fw, dws
        for key, stacked in _trajectory(fn, rule, fw, dws, dict(FRESH_CONFIGS[rule])).items():
            out[f"{rule}.fresh_{key}"] = stacked
        for start in ADAM_T_STARTS[1:] if rule == "adam" else ():
            # A provided config.setdefault('t', start) (docs/courses.md §A5.1): the same steps
            # from t = start, which the reference reproduces when the caller passes it.
            for key, stacked in _trajectory(fn, rule, fw, dws, dict(FRESH_CONFIGS[rule], t=start)).items():
                out[f"{rule}.fresh{_t_suffix(start)}_{key}"] = stacked
        for mistake in _mistakes(rule, FRESH_CONFIGS[rule]):
            step = (lambda w, dw, config, mistake=mistake: _step_with(rule, mistake, w, dw, config))
            for key, stacked in _trajectory(step, rule, fw, dws, dict(FRESH_CONFIGS[rule])).items():
                out[mistake_key(f"{rule}.fresh_{key}", mistake)] = stacked

        # Defaults: config=None, then a partial config.
        # w and dw bounded away from 0, so that both epsilon placements (docs/courses.md §2.4) agree at eps=1e-8.
        rng = np.random.RandomState(21)
        dw_d = np.where(rng.rand(3, 5) < 0.5, -1.0, 1.0) * rng.uniform(1.0, 2.0, (3, 5))
        w_d = np.where(rng.rand(3, 5) < 0.5, -1.0, 1.0) * rng.uniform(2.0, 4.0, (3, 5))
        out[f"{rule}.def_w"], out[f"{rule}.def_dw"] = w_d, dw_d
        for case, config in (("none", None), ("partial", dict(PARTIAL[rule]))):
            for mistake in _mistakes(rule, config):
                _store_step(out, f"{rule}.def_{case}", rule, mistake,
                            *_step_with(rule, mistake, w_d, dw_d, config))
            start_config = None if config is None else dict(config)
            next_w, config = fn(w_d.copy(), dw_d.copy(), config)
            out[f"{rule}.def_{case}_next_w"] = next_w
            for key in STATE[rule]:
                out[f"{rule}.def_{case}_{key}"] = np.asarray(config[key])
            for start in ADAM_T_STARTS[1:] if rule == "adam" else ():
                next_w, config = fn(w_d.copy(), dw_d.copy(), dict(start_config or {}, t=start))
                out[f"{rule}.def_{case}{_t_suffix(start)}_next_w"] = next_w
                for key in STATE[rule]:
                    out[f"{rule}.def_{case}{_t_suffix(start)}_{key}"] = np.asarray(config[key])

        # Least-squares descent: the reference's final loss (for the message).
        A, b = _descent_problem()
        cur, config = np.zeros(A.shape[1]), dict(DESCENT_CONFIGS[rule])
        for _ in range(DESCENT_STEPS):
            cur, config = fn(cur, _ls_grad(A, b, cur), config)
        out[f"{rule}.descent_final_loss"] = np.asarray(_ls_loss(A, b, cur))

    # RMSProp with a large epsilon and small gradients: the two epsilon placements differ.
    rng = np.random.RandomState(14)
    w_e, dw_e = rng.randn(4, 3), 1e-3 * rng.randn(4, 3)
    config = {"learning_rate": 1e-2, "epsilon": 1e-2}
    out[mistake_key("rmsprop.eps_next_w", "eps_inside")] = _step_with("rmsprop", "eps_inside", w_e,
                                                                      dw_e, config)[0]
    next_w, config = ref.optim.rmsprop(w_e.copy(), dw_e.copy(), config)
    out.update({"rmsprop.eps_w": w_e, "rmsprop.eps_dw": dw_e, "rmsprop.eps_next_w": next_w})
    A, b = _descent_problem()
    out["descent_A"], out["descent_b"] = A, b
    return out


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _trajectory(step, rule: str, w, dws, config) -> dict[str, np.ndarray]:
    """``FRESH_STEPS`` updates ``w, config = step(w, dw, config)`` with the returned config fed
    back: next_w and each state key of ``rule`` stacked over the steps."""
    traj: dict[str, list] = {"next_w": []}
    cur = w.copy()
    for i in range(FRESH_STEPS):
        cur, config = step(cur.copy(), dws[i].copy(), config)
        traj["next_w"].append(cur.copy())
        for key in STATE[rule]:
            traj.setdefault(key, []).append(np.copy(config[key]))
    return {key: np.stack([np.asarray(v) for v in values]) for key, values in traj.items()}


def _t_suffix(start: int) -> str:
    """The fixture-key suffix of Adam steps whose missing t starts at ``start`` (none for 0)."""
    return f"_t{start}" if start else ""


def t_starts(ctx: CheckContext, rule: str) -> tuple[int, ...]:
    """The values a missing ``config['t']`` may start from in this course year: 0, and 1 where
    the year's starter provides ``config.setdefault('t', 1)`` (``adam_t_start`` convention,
    CS231n 2016-2017, docs/courses.md §A5.1)."""
    if rule != "adam" or ctx.selection is None:
        return (0,)
    return tuple(ctx.selection.convention("adam_t_start", (0,)))


def _start_state(rule: str, key: str, config: dict | None, w):
    """The state a call starts from: the caller's, or the documented zeros (t = 0)."""
    if config and key in config:
        return config[key]
    return 0 if key == "t" else np.zeros_like(np.asarray(w, dtype=np.float64))


# --------------------------------------------------------------------------------------------
# notebook inputs
# --------------------------------------------------------------------------------------------


def _expected(f, rule: str, case: str, step: int | None = None) -> tuple:
    """The reference's ``(next_w, state...)`` for a fixture case (``nb``, ``fresh``, ``def_none``)."""
    values = (f[f"{rule}.{case}_next_w"],) + tuple(f[f"{rule}.{case}_{k}"] for k in STATE[rule])
    return values if step is None else tuple(v[step] for v in values)


def _step_problems(ctx: CheckContext, rule: str, next_w, returned: dict, expected: tuple,
                   start: dict | None, w) -> list[str | None]:
    """next_w and each state the rule stored in the returned config against ``expected``;
    ``start`` is the config the call started from (to tell an unchanged state)."""
    return [compare_array("next_w", next_w, expected[0], ctx.tolerance)] + [
        state_problem(rule, key, returned, value, ctx.tolerance, "the returned config",
                      before=_start_state(rule, key, start, w))
        for key, value in zip(STATE[rule], expected[1:])]


def _notebook_check(ctx: CheckContext, rule: str) -> Outcome:
    f = ctx.fixture()
    config = _notebook_config(rule)
    next_w, returned, callers, problem = call_rule(ctx, rule, f["nb_w"], f["nb_dw"], config)
    label = f"on the notebook input ({SECTIONS[rule]})"
    if problem:
        return Outcome.fail(f"{label}: {problem}", hint=HINTS[rule])
    expected = _expected(f, rule, "nb")
    problems = _step_problems(ctx, rule, next_w, returned, expected, _notebook_config(rule), f["nb_w"])
    for index, key in enumerate(STATE[rule], start=1):
        if problems[index] is None and isinstance(callers, dict):
            # The notebook reads the state from the dict it passed in (docs/courses.md §3.10-docs/courses.md §3.13).
            problem = state_problem(rule, key, callers, expected[index], ctx.tolerance,
                                    "the config you were given")
            problems[index] = problem and (problem + " (the notebook reads the state from the dict "
                                           "it passed: update it in place and return it)")
    d = Diagnoses()
    if any(problems):
        _diagnose_step(d, rule, next_w, returned, _candidates(f, f"{rule}.nb", rule, FORMULA_MISTAKES[rule]),
                       expected)
    return verdict([join_problems(problems)], f"next_w and the stored {', '.join(STATE[rule])} match {label}",
                   d=d, prefix=f"{label}: ", hint=HINTS[rule])


def _fresh_check(ctx: CheckContext, rule: str) -> Outcome:
    return _first_passing([_fresh_outcome(ctx, rule, start) for start in t_starts(ctx, rule)])


def _first_passing(outcomes: list[Outcome]) -> Outcome:
    """The first passing outcome, else the first (the course's main convention's) failure."""
    return next((o for o in outcomes if o.passed), outcomes[0])


def _fresh_outcome(ctx: CheckContext, rule: str, start: int = 0) -> Outcome:
    f = ctx.fixture()
    dws = f[f"{rule}.fresh_dws"]
    cur = f[f"{rule}.fresh_w"]
    config = dict(FRESH_CONFIGS[rule])
    settings = ", ".join(f"{k}={v:g}" for k, v in FRESH_CONFIGS[rule].items())
    for step in range(FRESH_STEPS):
        label = (f"at step {step + 1} of {FRESH_STEPS} consecutive calls ({settings}, w of shape "
                 f"{cur.shape}, starting without state, your returned config passed back each time)")
        next_w, returned, _, problem = call_rule(ctx, rule, cur, dws[step], config)
        if problem:
            return Outcome.fail(f"{label}: {problem}", hint=HINTS[rule])
        expected = _expected(f, rule, f"fresh{_t_suffix(start)}", step)
        problems = _step_problems(ctx, rule, next_w, returned, expected, config, cur)
        problems += [f"the returned config's '{key}' is {returned.get(key)!r}, expected {value!r} "
                     "(keep the caller's hyper-parameters)"
                     for key, value in FRESH_CONFIGS[rule].items() if returned.get(key) != value]
        if any(problems):
            d = Diagnoses()
            _diagnose_step(d, rule, next_w, returned,
                           _candidates(f, f"{rule}.fresh", rule, _mistakes(rule, FRESH_CONFIGS[rule]), step),
                           expected)
            return Outcome.fail(d.message(f"{label}: {join_problems(problems)}"),
                                hint="read every hyper-parameter from config (not constants), "
                                     "create the state when it is missing, and store the new state "
                                     "in config. " + HINTS[rule])
        cur, config = as_array("next_w", next_w)[0], returned
    return Outcome.ok(f"{FRESH_STEPS} consecutive steps with {settings} match the reference"
                      + (f" (t starting at {start}, as this year's starter provides)" if start else ""))


def _defaults_check(ctx: CheckContext, rule: str) -> Outcome:
    return _first_passing([_defaults_outcome(ctx, rule, start) for start in t_starts(ctx, rule)])


def _defaults_outcome(ctx: CheckContext, rule: str, start: int = 0) -> Outcome:
    f = ctx.fixture()
    w, dw = f[f"{rule}.def_w"], f[f"{rule}.def_dw"]
    problems, d = [], Diagnoses()
    for label, config, case in (("with config=None", None, "none"),
                                (f"with the partial config {PARTIAL[rule]}", dict(PARTIAL[rule]),
                                 "partial")):
        next_w, returned, _, problem = call_rule(ctx, rule, w, dw, config)
        if problem:
            return Outcome.fail(f"{label}: {problem}", hint="start with: if config is None: config = {}")
        expected = _expected(f, rule, f"def_{case}{_t_suffix(start)}")
        found = [compare_array("next_w", next_w, expected[0], ctx.tolerance)]
        for name, value in {**DEFAULTS[rule], **(config or {})}.items():
            got = returned.get(name)
            numeric = isinstance(got, (int, float)) and not isinstance(got, bool)
            if not numeric or not np.isclose(got, value, rtol=1e-12, atol=0):
                found.append(f"the returned config's '{name}' is {got!r}, expected {value!r}")
        found += _step_problems(ctx, rule, next_w, returned, expected, None, w)[1:]
        if any(found):
            problems.append(f"{label}: {join_problems(found)}")
            _diagnose_step(d, rule, next_w, returned,
                           _candidates(f, f"{rule}.def_{case}", rule, _mistakes(rule, config)), expected)
    defaults = ", ".join(f"{k}={v:g}" for k, v in DEFAULTS[rule].items())
    ok = "config=None and a partial config use the documented defaults"
    return verdict(problems, ok + (f" (t starting at {start}, as this year's starter provides)" if start else ""), d=d,
                   hint=f"fill missing keys with config.setdefault ({defaults}) and start "
                        "the state at zeros" + (" and t at 0" if rule == "adam" else ""))


RULE_CHECKS = {
    "notebook": (_notebook_check, {
        "sgd_momentum": "sgd_momentum's next_w and stored velocity match the notebook test (docs/courses.md §3.10, CS231n convention).",
        "rmsprop": "rmsprop's next_w and stored cache match the notebook test (docs/courses.md §3.12).",
        "adam": "adam's next_w and stored m, v and t (t=5 becomes 6) match the notebook test (docs/courses.md §3.13)."}),
    "fresh_steps": (_fresh_check, {
        "sgd_momentum": "sgd_momentum matches the reference over 5 steps with momentum 0.5 on a 3-D w, state fed back "
                        "(the rule and its velocity key, docs/courses.md §2.4, §3.10).",
        "rmsprop": "rmsprop matches the reference over 5 steps with decay_rate 0.9 on a 1-D w, state fed back "
                   "(the rule and its cache key, docs/courses.md §2.4, §3.12).",
        "adam": "adam matches the reference over 5 steps from t=0 with other betas and epsilon, state fed back "
                "(t incremented first, docs/courses.md §2.4, §3.13, §7.18; from t=1 too where the year's "
                "starter provides config.setdefault('t', 1), docs/courses.md §A5.1)."}),
    "defaults": (_defaults_check, {
        "sgd_momentum": "sgd_momentum with config=None or a partial config uses learning_rate 1e-2, momentum 0.9 "
                        "(the documented defaults, docs/courses.md §2.4).",
        "rmsprop": "rmsprop with config=None or a partial config uses learning_rate 1e-2, decay 0.99, eps 1e-8 "
                   "(the documented defaults, docs/courses.md §2.4).",
        "adam": "adam with config=None or a partial config uses lr 1e-3, betas 0.9/0.999, eps 1e-8, t from 0 "
                "(or 1 where the year's starter provides config.setdefault('t', 1); the documented defaults, "
                "docs/courses.md §2.4, §A5.1)."}),
}
for _aspect, (_run, _docs) in RULE_CHECKS.items():
    for _rule, _doc in _docs.items():
        register(f"{_rule}.{_aspect}", _doc, _run, _rule, kind="value", fixture="optim", tolerance=1e-7)


# --------------------------------------------------------------------------------------------
# sanity: each rule decreases a convex loss
# --------------------------------------------------------------------------------------------


@check("optim.loss_decreases", kind="value", fixture="optim", tolerance=0.1)
def check_optim_loss_decreases(ctx: CheckContext) -> Outcome:
    """Each rule, called 50 times with its state fed back, cuts a least-squares loss below 10 % of its start.

    Requirement: the update rules of docs/courses.md §2.4, which the courses train with (§4).
    """
    f = ctx.fixture()
    A, b = f["descent_A"], f["descent_b"]
    ratio = float(ctx.tolerance)
    start = _ls_loss(A, b, np.zeros(A.shape[1]))
    passed, lines, losses = 0, [], {}
    for rule in RULES:
        w, config = np.zeros(A.shape[1]), dict(DESCENT_CONFIGS[rule])
        settings = ", ".join(f"{k}={v:g}" for k, v in DESCENT_CONFIGS[rule].items())
        problem, losses[rule] = None, [start]
        try:
            # the whole descent in one round trip; from a step it cannot feed back, call by call
            ws, fed, error = ctx.descend(f"optim.{rule}", w, config, A, b, DESCENT_STEPS)
            for w in ws:
                losses[rule].append(_ls_loss(A, b, w))
            if ws:
                w, config = ws[-1], fed
            if error is not None:
                raise error
            for step in range(len(ws), DESCENT_STEPS):
                next_w, returned, _, problem = call_rule(ctx, rule, w, _ls_grad(A, b, w), config)
                if problem:
                    problem = f"step {step + 1}: {problem}"
                    break
                w, problem = as_array("next_w", next_w, w.shape)
                if problem or not np.all(np.isfinite(w)):
                    problem = f"step {step + 1}: {problem or 'next_w is not finite'}"
                    break
                config = returned
                losses[rule].append(_ls_loss(A, b, w))
        except StudentError as exc:
            problem = exc.message
        if problem:
            lines.append(f"{rule}: {problem}")
            stopped = losses.pop(rule)
            losses[f"{rule} (stopped at step {len(stopped)})"] = stopped
            continue
        final = _ls_loss(A, b, w)
        reference = float(f[f"{rule}.descent_final_loss"])
        if np.isfinite(final) and final <= ratio * start:
            passed += 1
            lines.append(f"{rule}: loss {start:.3g} -> {final:.3g}")
        else:
            lines.append(f"{rule} ({settings}): the loss went from {start:.3g} to {final:.3g} in "
                         f"{DESCENT_STEPS} steps; it should fall below {ratio * start:.3g} "
                         f"(the reference reaches {reference:.3g})")
    series = {**curves.panel("descent", losses),
              **curves.threshold("descent", f"{ratio:.0%} of the start", ratio * start)}
    return Outcome.from_fraction(passed / len(RULES), "; ".join(lines), series=series,
                                 hint="an update must move w AGAINST the gradient, and the state "
                                      "must be carried from one call to the next in config")
