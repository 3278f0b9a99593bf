"""The course-specific update rules (reference/course_conventions.py).

CS182's momentum is checked against its own notebook arrays (docs/courses.md §3.11) and shown to be
incompatible with CS231n's (§3.10, §9.1); the UCLA rules are checked to be the CS231n rules under
renamed state keys (docs/courses.md §A3.1, §4), and UCLA's Nesterov momentum against the textbook
look-ahead form of Nesterov's method.
"""
import numpy as np
import pytest

from reference import course_conventions as cc
from reference import optim


def rel_error(x, y):
    """The courses' metric (docs/courses.md §3.0)."""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


N, D = 4, 5


def course_inputs():
    """w, dw and the state array of the notebooks' optimizer cells (docs/courses.md §3.10-§3.13)."""
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    state = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    return w, dw, state


# Digest §3.10 (CS231n, S1).
CS231N_NEXT_W = np.asarray([
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
CS231N_VELOCITY = np.asarray([
    [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
    [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
    [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
    [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])

# Digest §3.11 (CS182 hw02, S4).
CS182_NEXT_W = np.asarray([
    [-0.39994, -0.347375263, -0.294810526, -0.242245789, -0.189681053],
    [-0.137116316, -0.084551579, -0.031986842, 0.020577895, 0.073142632],
    [0.125707368, 0.178272105, 0.230836842, 0.283401579, 0.335966316],
    [0.388531053, 0.441095789, 0.493660526, 0.546225263, 0.59879]])
CS182_VELOCITY = np.asarray([
    [-0.06, 0.006842105, 0.073684211, 0.140526316, 0.207368421],
    [0.274210526, 0.341052632, 0.407894737, 0.474736842, 0.541578947],
    [0.608421053, 0.675263158, 0.742105263, 0.808947368, 0.875789474],
    [0.942631579, 1.009473684, 1.076315789, 1.143157895, 1.21]])


def run_momentum(rule):
    """One step of ``rule`` on the §3.10/§3.11 inputs: lr 1e-3, velocity = linspace(0.6, 0.9)."""
    w, dw, v = course_inputs()
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = rule(w, dw, config=config)
    return next_w, config["velocity"]


# ------------------------------------------------------------------------------ CS182 momentum


def test_cs182_momentum_matches_cs182_notebook():
    """§3.11: errors below the notebook's 1e-7 (a correct rule gets 6.4e-9 and 1.9e-8)."""
    next_w, velocity = run_momentum(cc.sgd_momentum_cs182)
    assert rel_error(next_w, CS182_NEXT_W) < 1e-7
    assert rel_error(velocity, CS182_VELOCITY) < 1e-7


@pytest.mark.parametrize("rule, other_next_w, other_velocity", [
    (optim.sgd_momentum, CS182_NEXT_W, CS182_VELOCITY),
    (cc.sgd_momentum_cs182, CS231N_NEXT_W, CS231N_VELOCITY),
], ids=["cs231n-rule-on-cs182-arrays", "cs182-rule-on-cs231n-arrays"])
def test_each_momentum_convention_fails_the_other_course_with_rel_error_one(
        rule, other_next_w, other_velocity):
    """§3.10/§3.11/§7.17: each convention gives rel_error 1.0 on the other course's arrays."""
    next_w, velocity = run_momentum(rule)
    assert rel_error(next_w, other_next_w) == pytest.approx(1.0, abs=1e-6)
    assert rel_error(velocity, other_velocity) == pytest.approx(1.0, abs=1e-6)


def test_momentum_conventions_trace_the_same_weights_from_zero_velocity():
    """With zero initial velocity and a fixed learning rate the two conventions are the same
    method (docs/courses.md §A4): the weights agree step by step and v_cs182 = -v_cs231n / lr."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6))
    A = A @ A.T + np.eye(6)  # a convex quadratic, gradient A @ w
    lr = 1e-2
    w231 = w182 = rng.standard_normal(6)
    c231, c182 = {"learning_rate": lr}, {"learning_rate": lr}
    for _ in range(20):
        w231, c231 = optim.sgd_momentum(w231, A @ w231, c231)
        w182, c182 = cc.sgd_momentum_cs182(w182, A @ w182, c182)
        np.testing.assert_allclose(w182, w231, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(c182["velocity"], -c231["velocity"] / lr, rtol=1e-10, atol=1e-12)


def test_cs182_momentum_defaults_and_no_mutation():
    """§2.4 defaults (lr 1e-2, momentum 0.9, velocity zeros); w and the velocity passed in stay."""
    w, dw, v = course_inputs()
    next_w, config = cc.sgd_momentum_cs182(w, dw)
    assert (config["learning_rate"], config["momentum"]) == (1e-2, 0.9)
    np.testing.assert_allclose(config["velocity"], dw, rtol=1e-15, atol=0)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=1e-15, atol=0)

    w0, v0 = w.copy(), v.copy()
    cc.sgd_momentum_cs182(w, dw, {"velocity": v})
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(v, v0)


# ------------------------------------------------------------------------------ UCLA key names


def test_rmsprop_ucla_is_cs231n_rmsprop_with_cache_named_a():
    """docs/courses.md §A3.1/§4: UCLA's 'a' is CS231n's 'cache'; same numbers as §3.12."""
    w, dw, cache = course_inputs()
    cs231n = {"learning_rate": 1e-2, "cache": cache}
    ucla = {"learning_rate": 1e-2, "a": cache}
    w231, _ = optim.rmsprop(w, dw, cs231n)
    w_ucla, _ = cc.rmsprop_ucla(w, dw, ucla)
    np.testing.assert_array_equal(w_ucla, w231)
    np.testing.assert_array_equal(ucla["a"], cs231n["cache"])
    assert "cache" not in ucla
    assert (ucla["decay_rate"], ucla["epsilon"]) == (0.99, 1e-8)


def test_adam_ucla_is_cs231n_adam_with_v_first_moment_and_a_second_moment():
    """docs/courses.md §A3.1/§4: UCLA 'v' = CS231n 'm' (first moment), UCLA 'a' = CS231n 'v'.
    Fed the §3.13 inputs under UCLA names, it reproduces the §3.13 expected arrays and t = 6."""
    w, dw, m = course_inputs()
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    cs231n = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
    ucla = {"learning_rate": 1e-2, "v": m, "a": v, "t": 5}
    w231, _ = optim.adam(w, dw, cs231n)
    w_ucla, _ = cc.adam_ucla(w, dw, ucla)

    np.testing.assert_array_equal(w_ucla, w231)
    np.testing.assert_array_equal(ucla["v"], cs231n["m"])
    np.testing.assert_array_equal(ucla["a"], cs231n["v"])
    assert ucla["t"] == cs231n["t"] == 6
    assert "m" not in ucla

    expected_m_first_row = [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474]   # §3.13
    expected_v_first_row = [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853]  # §3.13
    expected_next_w_first_row = [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977]
    assert rel_error(ucla["v"][0], np.array(expected_m_first_row)) < 1e-7
    assert rel_error(ucla["a"][0], np.array(expected_v_first_row)) < 1e-7
    assert rel_error(w_ucla[0], np.array(expected_next_w_first_row)) < 1e-6


def test_ucla_rules_do_not_write_into_the_callers_arrays():
    """Like the CS231n rules, the UCLA ones return new arrays."""
    w, dw, s = course_inputs()
    w0, s0 = w.copy(), s.copy()
    cc.rmsprop_ucla(w, dw, {"a": s})
    cc.adam_ucla(w, dw, {"v": s, "a": s, "t": 2})
    cc.sgd_nesterov_momentum(w, dw, {"velocity": s})
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(s, s0)


# ---------------------------------------------------------------------------- UCLA Nesterov


def test_nesterov_matches_the_lookahead_form_of_nesterov_momentum():
    """The classic method is theta' = theta + v', v' = mu*v - lr*grad(theta + mu*v).
    UCLA's rule works on the look-ahead point phi = theta + mu*v and takes dw = grad(phi); after
    every step phi must equal theta + mu*v of the classic sequence (independent math)."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 5))
    A = A @ A.T + np.eye(5)
    lr, mu = 1e-2, 0.9
    theta = rng.standard_normal(5)
    v = np.zeros(5)
    phi = theta.copy()  # v starts at 0, so the look-ahead point is theta itself
    config = {"learning_rate": lr, "momentum": mu}
    for _ in range(15):
        v = mu * v - lr * A @ (theta + mu * v)
        theta = theta + v
        phi, config = cc.sgd_nesterov_momentum(phi, A @ phi, config)
        np.testing.assert_allclose(phi, theta + mu * v, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(config["velocity"], v, rtol=1e-10, atol=1e-12)


def test_nesterov_with_zero_momentum_is_sgd():
    """mu = 0 removes the momentum terms: next_w = w - lr*dw."""
    w, dw, v = course_inputs()
    next_w, config = cc.sgd_nesterov_momentum(w, dw, {"learning_rate": 1e-3, "momentum": 0.0,
                                                       "velocity": v})
    np.testing.assert_allclose(next_w, w - 1e-3 * dw, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(config["velocity"], -1e-3 * dw, rtol=1e-14, atol=0)


def test_nesterov_formula_on_course_inputs():
    """The brief's UCLA HW4 formula, written out on the §3.10 inputs."""
    w, dw, v = course_inputs()
    next_w, config = cc.sgd_nesterov_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    v_new = 0.9 * v - 1e-3 * dw
    np.testing.assert_allclose(config["velocity"], v_new, rtol=1e-14)
    np.testing.assert_allclose(next_w, w - 0.9 * v + 1.9 * v_new, rtol=1e-14)
    # v_new is the CS231n velocity of §3.10: the two momentum rules share the velocity update.
    assert rel_error(config["velocity"], CS231N_VELOCITY) < 1e-8


# --------------------------------------------------------------------------- lookup tables


def test_momentum_convention_table():
    """Profiles look the rule up by course: each entry reproduces its course's arrays."""
    assert set(cc.MOMENTUM_CONVENTION) == {"cs231n", "cs182", "ucla"}
    for course, (exp_w, exp_v) in {"cs231n": (CS231N_NEXT_W, CS231N_VELOCITY),
                                   "ucla": (CS231N_NEXT_W, CS231N_VELOCITY),
                                   "cs182": (CS182_NEXT_W, CS182_VELOCITY)}.items():
        next_w, velocity = run_momentum(cc.MOMENTUM_CONVENTION[course])
        assert rel_error(next_w, exp_w) < 1e-7, course
        assert rel_error(velocity, exp_v) < 1e-7, course


def test_update_rules_table_uses_each_courses_state_keys():
    """UPDATE_RULES[course][name] stores state under the keys that course's students use."""
    w, dw, _ = course_inputs()
    expected_keys = {
        ("cs231n", "rmsprop"): {"cache"}, ("cs231n", "adam"): {"m", "v", "t"},
        ("cs182", "rmsprop"): {"cache"}, ("cs182", "adam"): {"m", "v", "t"},
        ("ucla", "rmsprop"): {"a"}, ("ucla", "adam"): {"v", "a", "t"},
        ("ucla", "sgd_nesterov_momentum"): {"velocity"},
    }
    for (course, name), keys in expected_keys.items():
        _, config = cc.UPDATE_RULES[course][name](w, dw, None)
        state = set(config) - {"learning_rate", "momentum", "decay_rate", "epsilon",
                               "beta1", "beta2"}
        assert state == keys, (course, name)
    assert cc.UPDATE_RULES["cs182"]["sgd_momentum"] is cc.sgd_momentum_cs182
