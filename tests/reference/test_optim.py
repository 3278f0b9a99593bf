"""The reference update rules reproduce the notebooks' expected arrays (docs/courses.md §3.10-§3.13).

Inputs and expected arrays are copied from docs/courses.md; the tolerances are the course's stated
ones, loosened to 1e-6 only where docs/courses.md shows that the printed 8-decimal arrays leave a
correct implementation at about 1e-7 (§3.12, §3.13, §9.10).
"""
import numpy as np
import pytest

from reference import optim


def rel_error(x, y):
    """The courses' metric (docs/courses.md §3.0)."""
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


N, D = 4, 5


def course_inputs():
    """w, dw and the first state array shared by every optimizer cell of the notebooks."""
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    state = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    return w, dw, state


# ---------------------------------------------------------------------------------------- sgd


def test_sgd_default_learning_rate_and_step():
    """sgd fills in learning_rate 1e-2 and steps w - lr*dw (docs/courses.md §2.4)."""
    w, dw, _ = course_inputs()
    expected = w - 1e-2 * dw
    next_w, config = optim.sgd(w.copy(), dw)
    assert config["learning_rate"] == 1e-2
    np.testing.assert_allclose(next_w, expected, rtol=0, atol=1e-15)


# ------------------------------------------------------------------------------- sgd_momentum

# Digest §3.10 (CS231n FullyConnectedNets notebook, S1).
MOMENTUM_EXPECTED_NEXT_W = np.asarray([
    [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
    [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
    [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
    [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])
MOMENTUM_EXPECTED_VELOCITY = np.asarray([
    [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
    [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
    [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
    [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])


def test_sgd_momentum_matches_cs231n_notebook():
    """§3.10: next_w and velocity below the notebook's 1e-8 (a correct rule: 8.9e-9, 4.3e-9)."""
    w, dw, v = course_inputs()
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, _ = optim.sgd_momentum(w, dw, config=config)
    assert rel_error(next_w, MOMENTUM_EXPECTED_NEXT_W) < 1e-8
    assert rel_error(MOMENTUM_EXPECTED_VELOCITY, config["velocity"]) < 1e-8


def test_sgd_momentum_sign_error_would_be_caught():
    """§7.17: next_w = w - v (a sign error under the CS231n convention) fails §3.10 badly."""
    w, dw, v = course_inputs()
    v_new = 0.9 * v - 1e-3 * dw
    assert rel_error(w - v_new, MOMENTUM_EXPECTED_NEXT_W) > 0.1


def test_sgd_momentum_defaults_and_zero_velocity():
    """§2.4 defaults (lr 1e-2, momentum 0.9); a missing velocity starts at zero, so v = -lr*dw."""
    w, dw, _ = course_inputs()
    next_w, config = optim.sgd_momentum(w, dw)
    assert config["learning_rate"] == 1e-2
    assert config["momentum"] == 0.9
    np.testing.assert_allclose(config["velocity"], -1e-2 * dw, rtol=1e-15, atol=0)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=1e-15, atol=0)


# ------------------------------------------------------------------------------------ rmsprop

# Digest §3.12 (identical in S1 and S4).
RMSPROP_EXPECTED_NEXT_W = np.asarray([
    [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
    [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
    [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
    [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
RMSPROP_EXPECTED_CACHE = np.asarray([
    [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
    [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
    [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
    [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])


def test_rmsprop_matches_course_notebooks():
    """§3.12: next_w < 1e-6 (the rounding floor is 9.5e-8), cache < 1e-7 as the course asks."""
    w, dw, cache = course_inputs()
    config = {"learning_rate": 1e-2, "cache": cache}
    next_w, _ = optim.rmsprop(w, dw, config=config)
    assert rel_error(RMSPROP_EXPECTED_NEXT_W, next_w) < 1e-6
    assert rel_error(RMSPROP_EXPECTED_CACHE, config["cache"]) < 1e-7


def test_rmsprop_defaults():
    """§2.4 defaults: learning_rate 1e-2, decay_rate 0.99, epsilon 1e-8, cache zeros."""
    w, dw, _ = course_inputs()
    _, config = optim.rmsprop(w, dw)
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    # From a zero cache one step leaves (1 - 0.99) * dw**2.
    np.testing.assert_allclose(config["cache"], 0.01 * dw**2, rtol=1e-12, atol=0)


# --------------------------------------------------------------------------------------- adam

# Digest §3.13 (identical in S1 and S4; expected_t from S4).
ADAM_EXPECTED_NEXT_W = np.asarray([
    [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
    [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
    [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
    [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
ADAM_EXPECTED_V = np.asarray([
    [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
    [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
    [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
    [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
ADAM_EXPECTED_M = np.asarray([
    [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
    [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
    [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
    [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
ADAM_EXPECTED_T = 6
ADAM_TOLERANCE = 1e-6  # the rounding floor of the printed next_w is 1.14e-7 (§3.13)


def adam_course_config():
    """The §3.13 config: lr 1e-2, m = linspace(0.6, 0.9), v = linspace(0.7, 0.5), t = 5."""
    _, _, m = course_inputs()
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    return {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}


def test_adam_matches_course_notebooks():
    """§3.13: next_w < 1e-6, v and m < 1e-7, and t stored as 6 (t = 5 incremented first)."""
    w, dw, _ = course_inputs()
    config = adam_course_config()
    next_w, _ = optim.adam(w, dw, config=config)
    assert rel_error(ADAM_EXPECTED_NEXT_W, next_w) < ADAM_TOLERANCE
    assert rel_error(ADAM_EXPECTED_V, config["v"]) < 1e-7
    assert rel_error(ADAM_EXPECTED_M, config["m"]) < 1e-7
    assert config["t"] == ADAM_EXPECTED_T


def _adam_variant(w, dw, config, increment_t_first=True, bias_correction=True, store_t=True):
    """A local Adam with switchable bugs, to show what the §3.13 test sees for each mutation."""
    lr, b1, b2, eps = config["learning_rate"], 0.9, 0.999, 1e-8
    t = config["t"] + 1
    t_used = t if increment_t_first else config["t"]
    m = b1 * config["m"] + (1 - b1) * dw
    v = b2 * config["v"] + (1 - b2) * dw**2
    if bias_correction:
        m_hat, v_hat = m / (1 - b1**t_used), v / (1 - b2**t_used)
    else:
        m_hat, v_hat = m, v
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return next_w, {"m": m, "v": v, "t": t if store_t else config["t"]}


@pytest.mark.parametrize("bug, what, course_value", [
    ({"increment_t_first": False}, "next_w", 0.0015218451757856217),
    ({"bias_correction": False}, "next_w", 0.20720703668629928),
    ({"store_t": False}, "t", 0.09090909090909091),
])
def test_adam_mutation_signatures_are_caught(bug, what, course_value):
    """§3.13 mutation signatures (§7.18): each bug reproduces the rel_error of docs/courses.md §7.18 and fails."""
    w, dw, _ = course_inputs()
    correct_next_w, correct_state = _adam_variant(w, dw, adam_course_config())
    assert rel_error(ADAM_EXPECTED_NEXT_W, correct_next_w) < ADAM_TOLERANCE  # the variant is sound

    next_w, state = _adam_variant(w, dw, adam_course_config(), **bug)
    if what == "next_w":
        err = rel_error(ADAM_EXPECTED_NEXT_W, next_w)
    else:
        err = rel_error(ADAM_EXPECTED_T, state["t"])
    assert err == pytest.approx(course_value, rel=1e-6)
    assert err > ADAM_TOLERANCE


def test_adam_first_step_from_defaults_is_a_signed_lr_step():
    """§2.4 defaults; after one bias-corrected step m_hat = dw and v_hat = dw**2, so the move is
    lr * dw / (|dw| + eps), i.e. about lr * sign(dw), whatever the gradient's scale."""
    w, dw, _ = course_inputs()
    next_w, config = optim.adam(w, dw)
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == \
        (1e-3, 0.9, 0.999, 1e-8)
    assert config["t"] == 1
    np.testing.assert_allclose(next_w, w - 1e-3 * dw / (np.abs(dw) + 1e-8), rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------------- shared contract


@pytest.mark.parametrize("rule, state_keys", [
    (optim.sgd_momentum, ["velocity"]),
    (optim.rmsprop, ["cache"]),
    (optim.adam, ["m", "v"]),
])
def test_rules_do_not_write_into_the_callers_arrays(rule, state_keys):
    """sgd_momentum, rmsprop and adam return new arrays: w, dw and the state passed in stay."""
    w, dw, state = course_inputs()
    config = {k: state.copy() + i for i, k in enumerate(state_keys)}
    if rule is optim.adam:
        config["t"] = 5
    before = {"w": w.copy(), "dw": dw.copy(), **{k: config[k].copy() for k in state_keys}}
    originals = {k: config[k] for k in state_keys}

    next_w, returned = rule(w, dw, config)

    assert returned is config  # the state travels in the caller's dict
    assert next_w is not w
    np.testing.assert_array_equal(w, before["w"])
    np.testing.assert_array_equal(dw, before["dw"])
    for k in state_keys:
        np.testing.assert_array_equal(originals[k], before[k])


@pytest.mark.parametrize("rule", [optim.sgd_momentum, optim.rmsprop, optim.adam])
def test_rules_keep_float32(rule):
    """FullyConnectedNet defaults to float32 params; an update must not silently upcast them."""
    w, dw, _ = course_inputs()
    next_w, _ = rule(w.astype(np.float32), dw.astype(np.float32))
    assert next_w.dtype == np.float32
