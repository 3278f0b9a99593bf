"""The sandbox worker with a well-behaved little student package (the contract in
docs/architecture.md, "Sandbox contract"): calls, handles (keep / Ref), return_args, map, new,
getattr / setattr / sweep, relative imports, and how student failures are reported.

Expected values come from the affine layer's definition, out = x.reshape(N, -1) @ w + b and its
gradients (docs/courses.md §3.1), and from the batch-norm running-mean update
running_mean = momentum * running_mean + (1 - momentum) * mean (docs/courses.md §3.7), computed here with
numpy independently of the student package.
"""
import os
import re
import textwrap
import time

import numpy as np
import pytest

from grader.layout import Layout
from grader.sandbox import (ArgsAfter, BadOutput, ImportFailed, Limits, NotImplementedByStudent,
                            Ref, SandboxError, StudentException, Worker)

LAYERS = '''
import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    raise NotImplementedError("relu_forward: not implemented yet")


def batchnorm_forward(x, gamma, beta, bn_param):
    momentum = bn_param.get("momentum", 0.9)
    mean = x.mean(axis=0)
    rm = bn_param.get("running_mean", np.zeros(x.shape[1]))
    bn_param["running_mean"] = momentum * rm + (1 - momentum) * mean
    out = gamma * (x - mean) / np.sqrt(x.var(axis=0) + 1e-5) + beta
    return out, ("cache", x)


def add_one_in_place(x):
    x += 1


def add_one_and_sum(x, other=None):
    x += 1
    return float((x if other is None else other).sum())


def clobber_cache(dout, cache):
    cache[1][0] = 99.0
    dout *= 2
    return dout


def divide(a, b):
    return a / b


def helper_that_fails(v):
    return {}["missing"]


def calls_helper(v):
    return helper_that_fails(v)


def shout(text):
    import sys
    print(text)
    print("to stderr", file=sys.stderr)
    sys.stdout.write("\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x10not a frame")
    return np.arange(3.0)


def returns(kind):
    import numpy as np
    return {
        "none": None,
        "function": len,
        "generator": (i for i in range(3)),
        "matrix": np.asarray([[1.0]]).view(np.matrix),
        "matrix_in_a_tuple": (np.matrix([[1.0, 2.0]]), {"db": np.matrix([3.0, 4.0])}),
        "zero_d": np.array(1e-15),
        "zero_d_int": np.array(7),
        "masked": np.ma.masked_array([1.0, 2.0]),
        "objects": np.array([1, "a"], dtype=object),
        "huge_view": np.broadcast_to(np.float64(1.0), (10**9,)),
        "numpy_scalar": np.float64(2.5),
    }[kind]


def exits(code):
    import sys
    sys.exit(code)


def interrupt():
    raise KeyboardInterrupt


def imports(name):
    import importlib
    importlib.import_module(name)


def write_files(name):
    import os
    with open(name, "w") as f:
        f.write("written by the student")
    try:
        with open(os.path.join(os.path.dirname(__file__), name), "w") as f:
            f.write("written next to the code")
    except OSError:
        pass
    return os.getcwd()


def environment():
    import os
    return dict(os.environ)
'''

OPTIM = '''
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_fails_at_step_3(w, dw, config):
    config["calls"] = config.get("calls", 0) + 1
    if config["calls"] == 3:
        raise ValueError("third call")
    return w - 0.1 * dw, config


def sgd_returns_a_list(w, dw, config):
    return list(w - 0.1 * dw), config


def counts_calls(x, state):
    state["calls"] = state.get("calls", 0) + 1   # in place, as batchnorm updates bn_param
    return x * state["calls"]
'''

FC_NET = '''
import numpy as np

from ..layers import *
from .. import optim


class TwoLayerNet:
    def __init__(self, input_dim, hidden_dim, reg=0.0):
        self.params = {"W1": np.full((input_dim, hidden_dim), 0.5), "b1": np.zeros(hidden_dim)}
        self.reg = reg
        self.bn_params = [{"mode": "train"}]

    def loss(self, X, y=None):
        out, cache = affine_forward(X, self.params["W1"], self.params["b1"])
        loss = out.sum() + 0.5 * self.reg * np.sum(self.params["W1"] ** 2)
        dx, dw, db = affine_backward(np.ones_like(out), cache)
        return loss, {"W1": dw + self.reg * self.params["W1"], "b1": db}

    def step(self, lr):
        self.params["W1"], _ = optim.sgd(self.params["W1"], np.ones_like(self.params["W1"]),
                                         {"learning_rate": lr})
        return self
'''


def line_of(text, source=LAYERS):
    """The line number of ``text`` in layers.py (as written by ``write_package``)."""
    lines = textwrap.dedent(source).splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def write_package(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A canonical-layout submission without a top-level __init__.py (synthetic package)."""
    root = tmp_path_factory.mktemp("submission")
    return write_package(root, {
        "layers.py": LAYERS, "optim.py": OPTIM, "classifiers/__init__.py": "",
        "classifiers/fc_net.py": FC_NET,
        "broken_syntax.py": "x = 1\n\ndef f(:\n    pass\n",
        "broken_tabs.py": "def f():\n    if True:\n\tpass\n        return 1\n",
        "uses_scipy_like.py": "import not_a_real_module_anywhere\n",
    })


@pytest.fixture(scope="module")
def worker(student):
    with Worker(student, Layout.canonical(student), Limits(call_timeout=20)) as w:
        yield w


def affine(x, w, b):
    return x.reshape(x.shape[0], -1) @ w + b


# -- calls and handles -----------------------------------------------------------------------
def test_call_returns_the_student_result(worker):
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 3, 2), rng.randn(6, 4), rng.randn(4)
    out, cache = worker.call("layers.affine_forward", x, w, b)
    np.testing.assert_allclose(out, affine(x, w, b))
    assert isinstance(cache, tuple) and len(cache) == 3   # a plain cache travels as data


def test_keep_leaves_the_cache_in_the_worker_and_the_ref_goes_back_in(worker):
    rng = np.random.RandomState(1)
    x, w, b, dout = rng.randn(3, 5), rng.randn(5, 2), rng.randn(2), rng.randn(3, 2)
    out, cache = worker.call("layers.affine_forward", x, w, b, keep=[1])
    assert isinstance(cache, Ref) and cache.type == "tuple"
    dx, dw, db = worker.call("layers.affine_backward", dout, cache)
    np.testing.assert_allclose(dx, dout @ w.T)
    np.testing.assert_allclose(dw, x.T @ dout)
    np.testing.assert_allclose(db, dout.sum(axis=0))


def test_keep_true_holds_the_whole_result_and_select_returns_one_position(worker):
    x, w, b = np.ones((2, 2)), np.eye(2), np.zeros(2)
    whole = worker.call("layers.affine_forward", x, w, b, keep=True)
    assert isinstance(whole, Ref)
    assert worker.getattr(whole, "0").tolist() == [[1.0, 1.0], [1.0, 1.0]]
    out = worker.call("layers.affine_forward", x, w, b, select=0)
    assert isinstance(out, np.ndarray) and out.shape == (2, 2)
    with pytest.raises(BadOutput, match="returned 2 values, expected at least 6"):
        worker.call("layers.affine_forward", x, w, b, select=5)


def test_return_args_shows_in_place_updates_of_dicts_and_arrays(worker):
    """docs/courses.md §3.7: running_mean = momentum * running_mean + (1 - momentum) * batch mean."""
    rng = np.random.RandomState(2)
    x = rng.randn(8, 3)
    bn = {"mode": "train", "momentum": 0.9, "running_mean": np.ones(3)}
    (out, cache), after = worker.call("layers.batchnorm_forward", x, np.ones(3), np.zeros(3), bn,
                                      keep=[1], return_args=True)
    assert isinstance(after, ArgsAfter) and isinstance(cache, Ref)
    np.testing.assert_allclose(after[3]["running_mean"], 0.9 * np.ones(3) + 0.1 * x.mean(axis=0))
    assert bn["running_mean"].tolist() == [1.0, 1.0, 1.0]    # the grader's copy is untouched
    _, after = worker.call("layers.add_one_in_place", np.zeros(2), return_args=True)
    assert after[0].tolist() == [1.0, 1.0]
    _, after = worker.call("layers.batchnorm_forward", x, np.ones(3), np.zeros(3),
                           bn_param={"momentum": 0.5}, return_args=True)
    np.testing.assert_allclose(after["bn_param"]["running_mean"], 0.5 * x.mean(axis=0))


def test_watch_args_names_the_arrays_a_call_changed_in_place(worker):
    """Only the paths come back; a held cache is looked into; a dict entry replaced by a new
    array (bn_param's running mean) is not an in-place change."""
    rng = np.random.RandomState(3)
    x = rng.randn(4, 3)
    assert worker.call("layers.add_one_in_place", np.zeros(2), watch_args=True) == (None, ("0",))
    (out, cache), changed = worker.call("layers.batchnorm_forward", x, np.ones(3), np.zeros(3),
                                        {"running_mean": np.ones(3)}, keep=[1], watch_args=True)
    assert changed == () and isinstance(cache, Ref)
    dout = rng.randn(4, 3)
    dx, changed = worker.call("layers.clobber_cache", dout, cache, watch_args=True)
    assert changed == ("0", "1.1")
    np.testing.assert_array_equal(dx, 2 * dout)
    assert worker.call("layers.affine_forward", x, np.eye(3), b=np.ones(3), select=0,
                       watch_args=True)[1] == ()
    with pytest.raises(TypeError, match="cannot be combined"):
        worker.call("layers.add_one_in_place", np.zeros(2), watch_args=True, return_args=True)


def test_map_runs_many_calls_in_one_round_trip(worker):
    xs = [np.full((1, 2), float(i)) for i in range(5)]
    outs = worker.map("layers.affine_forward", [(x, np.eye(2), np.ones(2)) for x in xs], select=0)
    assert [o.tolist() for o in outs] == [[[i + 1.0, i + 1.0]] for i in range(5)]


def test_an_array_sent_once_for_several_places_is_a_separate_array_in_each(worker):
    # the protocol sends a repeated array once; in the worker each place still has its own copy,
    # so a call that changes its argument in place cannot change the next call's
    z = np.zeros(3)
    assert worker.map("layers.add_one_and_sum", [(z,), (z,), (z,)]) == [3.0, 3.0, 3.0]
    assert worker.call("layers.add_one_and_sum", z, z) == 0.0
    assert z.tolist() == [0.0, 0.0, 0.0]


def test_map_stops_at_the_first_failure_and_names_the_call(worker):
    with pytest.raises(StudentException, match=r"call 2 of 3: layers.divide raised TypeError"):
        worker.map("layers.divide", [(1.0, 2.0), ("a", 2.0), (3.0, 4.0)])


def test_new_getattr_setattr_and_methods_on_a_student_model(worker):
    net = worker.new("classifiers.fc_net.TwoLayerNet", 3, 2, reg=0.0)
    assert isinstance(net, Ref) and net.type == "TwoLayerNet"
    worker.setattr(net, "reg", 0.5)
    assert worker.getattr(net, "reg") == 0.5
    params = worker.getattr(net, "params")
    assert sorted(params) == ["W1", "b1"] and params["W1"].shape == (3, 2)
    X = np.arange(6.0).reshape(2, 3)
    loss, grads = worker.call(net.method("loss"), X)
    W1 = np.full((3, 2), 0.5)   # loss = sum(X @ W1) + 0.5 * reg * ||W1||^2
    assert loss == pytest.approx(np.sum(X @ W1) + 0.5 * 0.5 * np.sum(W1 ** 2))
    np.testing.assert_allclose(grads["W1"], X.T @ np.ones((2, 2)) + 0.5 * W1)
    worker.setattr(net, "params.W1", np.zeros((3, 2)))          # a dict key on the path
    assert worker.getattr(net, "params.W1").sum() == 0.0
    assert worker.getattr(net, "bn_params.0.mode") == "train"  # a list index on the path
    same = worker.call(net.method("step"), 0.1)                  # returns self: the same handle
    assert same == net
    np.testing.assert_allclose(worker.getattr(net, "params.W1"), np.full((3, 2), -0.1))


def test_sweep_sets_each_value_then_calls_in_one_round_trip_and_restores(worker):
    """A model's numeric gradient: one perturbed W1 per value, the loss after each."""
    net = worker.new("classifiers.fc_net.TwoLayerNet", 3, 2, reg=0.0)
    X = np.arange(6.0).reshape(2, 3)
    base = np.full((3, 2), 0.5)
    shifted = [base + d for d in (0.0, 1.0, -1.0)]
    losses = worker.sweep(net, "params.W1", shifted, net.method("loss"), X, select=0,
                          restore=base)
    assert losses == pytest.approx([np.sum(X @ W) for W in shifted])   # loss = sum(X @ W1)
    np.testing.assert_array_equal(worker.getattr(net, "params.W1"), base)


def test_sweep_stops_at_the_first_failure_names_the_call_and_still_restores(worker):
    net = worker.new("classifiers.fc_net.TwoLayerNet", 3, 2)
    base = np.full((3, 2), 0.5)
    with pytest.raises(StudentException, match=r"call 2 of 3: TwoLayerNet.loss raised"):
        worker.sweep(net, "params.W1", [base, np.ones((5, 5)), base], net.method("loss"),
                     np.ones((2, 3)), select=0, restore=base)
    np.testing.assert_array_equal(worker.getattr(net, "params.W1"), base)


def _least_squares():
    rng = np.random.RandomState(0)
    A = rng.randn(8, 3)
    return A, A @ np.array([1.0, -2.0, 0.5])


def test_descend_runs_a_whole_descent_in_one_round_trip_on_copies(worker):
    """The in-place sgd of the package, fed back 5 times: the w after each step, as a loop here gives."""
    A, b = _least_squares()
    ws, config, error = worker.descend("optim.sgd", np.zeros(3), {"learning_rate": 0.1}, A, b, 5)
    w, expected = np.zeros(3), []
    for _ in range(5):
        w = w - 0.1 * A.T @ (A @ w - b) / len(b)
        expected.append(w)
    assert error is None and config == {"learning_rate": 0.1}
    np.testing.assert_allclose(ws, expected, rtol=1e-12)
    assert len({id(x) for x in ws}) == 5     # each step's w is its own array (sgd updates in place)


def test_descend_stops_at_a_failure_with_the_steps_before_it(worker):
    A, b = _least_squares()
    ws, config, error = worker.descend("optim.sgd_fails_at_step_3", np.zeros(3), {}, A, b, 10)
    assert len(ws) == 2 and config == {"calls": 2}
    assert isinstance(error, StudentException) and "third call" in error.message


def test_descend_stops_without_error_at_a_result_it_cannot_feed_back(worker):
    """A list is an answer as_array accepts; the caller goes on call by call from there."""
    A, b = _least_squares()
    ws, config, error = worker.descend("optim.sgd_returns_a_list", np.zeros(3), {}, A, b, 10)
    assert ws == [] and config == {} and error is None


def test_descend_refuses_a_malformed_request(worker):
    A, b = _least_squares()
    with pytest.raises(SandboxError, match="descend needs"):
        worker.descend("optim.sgd", np.zeros(4), {}, A, b, 3)


def test_perturb_gives_what_map_over_the_perturbed_arguments_gives(worker):
    """A numeric gradient's calls: x + h e_i then x - h e_i per coordinate, built in the worker."""
    rng = np.random.RandomState(1)
    x, w, b = rng.randn(2, 3), rng.randn(3, 4), rng.randn(4)
    coords, h = np.array([0, 4, 5]), 1e-5
    calls = []
    for i in coords:
        for sign in (1.0, -1.0):
            shifted = x.copy()
            shifted.flat[i] += sign * h
            calls.append((shifted, w, b))
    expected = worker.map("layers.affine_forward", calls, select=0)
    got = worker.perturb("layers.affine_forward", (x, w, b), 0, coords, h, select=0)
    assert len(got) == 6
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_perturb_copies_the_other_arguments_for_each_call(worker):
    """A function that updates an argument in place (as batchnorm updates bn_param) sees the
    sent value in every call, as with arguments sent call by call."""
    got = worker.perturb("optim.counts_calls", (np.zeros(2), {}), 0, [0, 1], 0.5)
    np.testing.assert_array_equal(got, [[0.5, 0], [-0.5, 0], [0, 0.5], [0, -0.5]])


def test_perturb_returns_results_that_are_not_arrays_as_a_list(worker):
    got = worker.perturb("layers.divide", (np.array(6.0), 2.0), 0, [0], 0.5)
    assert got == [pytest.approx(3.25), pytest.approx(2.75)]


def test_perturb_names_the_call_that_failed(worker):
    with pytest.raises(StudentException, match=r"call 1 of 2: layers.helper_that_fails"):
        worker.perturb("layers.helper_that_fails", (np.ones(2),), 0, [1], 1e-5)


def test_perturb_refuses_coordinates_outside_the_array(worker):
    with pytest.raises(SandboxError, match="flat indices"):
        worker.perturb("layers.relu_forward", (np.ones(3),), 0, [3], 1e-5)


def test_a_sweep_over_perturbations_equals_the_sweep_over_the_same_values(worker):
    net = worker.new("classifiers.fc_net.TwoLayerNet", 3, 2, reg=0.3)
    X, base = np.arange(6.0).reshape(2, 3), np.full((3, 2), 0.5)
    values = []
    for i in (0, 5):
        for sign in (1.0, -1.0):
            shifted = base.copy()
            shifted.flat[i] += sign * 1e-4
            values.append(shifted)
    expected = worker.sweep(net, "params.W1", values, net.method("loss"), X, select=0, restore=base)
    got = worker.sweep(net, "params.W1", None, net.method("loss"), X, select=0, restore=base,
                       perturb=(base, [0, 5], 1e-4))
    assert got == expected
    np.testing.assert_array_equal(worker.getattr(net, "params.W1"), base)


def test_relative_imports_inside_the_package_work(worker):
    """fc_net uses `from ..layers import *` and `from .. import optim`."""
    net = worker.new("classifiers.fc_net.TwoLayerNet", 2, 2)
    assert worker.call(net.method("loss"), np.ones((1, 2)))[0] == pytest.approx(2.0)


def test_plain_returns_none_and_numpy_scalars(worker):
    assert worker.call("layers.returns", "none") is None
    value = worker.call("layers.returns", "numpy_scalar")
    assert value == 2.5 and type(value) is float


def test_a_matrix_or_a_0d_array_comes_back_as_plain_data(worker):
    """Containers no course forbids are converted in the worker (docs/courses.md §A4): an
    np.matrix as the plain array np.asarray gives, its shape kept; a 0-d array as a number."""
    matrix = worker.call("layers.returns", "matrix")
    assert type(matrix) is np.ndarray and matrix.shape == (1, 1) and matrix[0, 0] == 1.0
    row, grads = worker.call("layers.returns", "matrix_in_a_tuple")
    assert type(row) is np.ndarray and row.tolist() == [[1.0, 2.0]]
    assert type(grads["db"]) is np.ndarray and grads["db"].shape == (1, 2)   # not made (2,)
    value = worker.call("layers.returns", "zero_d")
    assert value == 1e-15 and type(value) is float
    assert worker.call("layers.returns", "zero_d_int") == 7


@pytest.mark.parametrize("kind, words", [
    ("function", "builtin_function_or_method, not plain data"),
    ("generator", "a generator, not plain data"),
    ("masked", "ndarray subclass (MaskedArray)"),
    ("objects", "dtype object"),
    ("huge_view", "1e9 elements, over the 8.4e6 cap"),
])
def test_what_is_not_plain_data_comes_back_as_bad_output(worker, kind, words):
    restarts = worker.restarts
    with pytest.raises(BadOutput, match=re.escape(words)) as err:
        worker.call("layers.returns", kind)
    assert err.value.message.startswith("layers.returns:")
    assert worker.restarts == restarts   # refused in the worker, which goes on serving


# -- student failures --------------------------------------------------------------------------
def test_not_implemented_is_reported_as_such(worker):
    with pytest.raises(NotImplementedByStudent) as err:
        worker.call("layers.relu_forward", np.zeros(3))
    line = line_of('raise NotImplementedError("relu_forward')
    assert err.value.message == ("layers.relu_forward is not implemented: relu_forward: not "
                                 f"implemented yet (layers.py:{line} in relu_forward)")


def test_exceptions_carry_a_traceback_trimmed_to_the_student_files(worker):
    with pytest.raises(StudentException) as err:
        worker.call("layers.calls_helper", 1)
    e = err.value
    assert e.type == "KeyError"
    inner, outer = line_of('return {}["missing"]'), line_of("return helper_that_fails(v)")
    assert e.message == ("layers.calls_helper raised KeyError: 'missing' "
                         f"(layers.py:{inner} in helper_that_fails)")
    assert f'File "layers.py", line {outer}, in calls_helper' in e.traceback
    assert f'File "layers.py", line {inner}, in helper_that_fails' in e.traceback
    assert "worker.py" not in e.traceback and os.sep + "layers.py" not in e.traceback


def test_sys_exit_and_keyboard_interrupt_inside_a_call_are_reported(worker):
    restarts = worker.restarts
    with pytest.raises(StudentException, match=r"called sys.exit\(0\) inside layers.exits"):
        worker.call("layers.exits", 0)
    with pytest.raises(StudentException, match="layers.interrupt raised KeyboardInterrupt"):
        worker.call("layers.interrupt")
    assert worker.restarts == restarts


def test_syntax_and_tab_errors_name_the_file_and_line(worker):
    with pytest.raises(ImportFailed) as err:
        worker.call("broken_syntax.f")
    assert "SyntaxError in broken_syntax.py:3" in err.value.message
    with pytest.raises(ImportFailed) as err:
        worker.call("broken_tabs.f")
    assert "TabError in broken_tabs.py:3" in err.value.message
    with pytest.raises(ImportFailed, match="SyntaxError in broken_syntax.py:3"):
        worker.call("broken_syntax.g")   # the failed import is remembered


def test_missing_modules_functions_and_imports_are_import_failures(worker):
    with pytest.raises(ImportFailed, match="module svm not found in the submission"):
        worker.call("svm.loss")
    with pytest.raises(ImportFailed, match="module classifiers.softmax not found"):
        worker.call("classifiers.softmax.softmax_loss_naive")
    with pytest.raises(ImportFailed, match="layers has no attribute 'conv_forward'"):
        worker.call("layers.conv_forward")
    with pytest.raises(ImportFailed, match="ModuleNotFoundError: No module named "
                                           "'not_a_real_module_anywhere' \\(uses_scipy_like.py:1"):
        worker.call("uses_scipy_like.f")


@pytest.mark.parametrize("name", ["grader", "grader.sandbox", "reference", "reference.layers",
                                  "rubrics", "known_mistakes", "known_mistakes.losses",
                                  "hidden_checks", "course_helpers.solver"])
def test_the_graders_own_packages_cannot_be_imported(worker, name):
    with pytest.raises(StudentException, match="the grader's own packages are not importable"):
        worker.call("layers.imports", name)


def test_prints_are_captured_and_do_not_corrupt_the_protocol(worker):
    np.testing.assert_array_equal(worker.call("layers.shout", "hello from the student"),
                                  np.arange(3.0))
    deadline = time.monotonic() + 5   # the drain threads may lag a little behind the reply
    while not ("not a frame" in worker.stdout_text and "to stderr" in worker.stderr_text) \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "hello from the student" in worker.stdout_text
    assert "to stderr" in worker.stderr_text
    assert worker.call("layers.returns", "none") is None   # the stream is still in step


# -- the worker's surroundings ---------------------------------------------------------------
def test_cwd_is_the_scratch_folder_and_nothing_lands_in_the_submission(student, tmp_path):
    scratch = tmp_path / "scratch"
    before = sorted(p.name for p in student.rglob("*"))
    with Worker(student, scratch_dir=scratch) as w:
        cwd = w.call("layers.write_files", "out.txt")
    assert os.path.realpath(cwd) == os.path.realpath(scratch)
    assert (scratch / "out.txt").read_text() == "written by the student"
    assert sorted(p.name for p in student.rglob("*")) == before   # no file, no __pycache__


def test_the_graders_environment_is_not_visible(student, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", "do-not-leak")
    with Worker(student) as w:
        env = w.call("layers.environment")
    assert "GRADER_TEST_SECRET" not in env
    assert env["PYTHONHASHSEED"] == "0" and env["MPLBACKEND"] == "Agg"
    assert env["OMP_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["HOME"] == w.scratch_dir


def test_capabilities_say_what_was_enforced(worker):
    caps = worker.capabilities
    for name in ("address_space", "cpu_seconds", "file_size", "nproc", "network",
                 "unprivileged_user", "process_cleanup", "blocked_imports"):
        assert isinstance(caps[name]["applied"], bool) and isinstance(caps[name]["detail"], str)
    assert caps["address_space"]["applied"] and caps["address_space"]["detail"] == "4 GiB"


def test_a_package_init_runs_and_a_course_style_layout_works(tmp_path):
    root = write_package(tmp_path / "pkg", {
        "__init__.py": "VALUE = 3\nfrom . import layers\n",
        "layers.py": "from . import VALUE\n\ndef value():\n    return VALUE\n",
    })
    with Worker(root) as w:
        assert w.call("layers.value") == 3
    # a CS231n-style checkout: root/cs231n is an ordinary package on sys.path
    course = write_package(tmp_path / "course", {
        "cs231n/__init__.py": "",
        "cs231n/helpers.py": "SCALE = 2.0\n",
        "cs231n/layers.py": ("from cs231n.helpers import SCALE\n\n"
                             "def twice(x):\n    return SCALE * x\n"),
    })
    layout = Layout(sys_path=[str(course)], module_prefix="cs231n.")
    with Worker(course, layout) as w:
        assert w.call("layers.twice", np.ones(2)).tolist() == [2.0, 2.0]


def test_the_worker_modules_can_neither_be_imported_nor_shadowed_by_the_submission(tmp_path):
    """The worker imports its siblings under a private, blocked package name; a submission's own
    protocol.py / confinement.py are just modules of the submission."""
    write_package(tmp_path, {
        "protocol.py": "def encode(*a, **k):\n    raise SystemExit('hijacked')\n",
        "confinement.py": "SHADOW = True\n",
        "layers.py": """
            import importlib

            def probe():
                from . import confinement, protocol
                try:
                    importlib.import_module("_grader_sandbox_worker.confinement")
                    private = "imported"
                except ImportError as e:
                    private = str(e)
                return confinement.SHADOW, protocol.__file__.endswith("protocol.py"), private
            """,
    })
    with Worker(tmp_path, Layout.canonical(tmp_path)) as w:
        shadow, own_file, private = w.call("layers.probe")
        assert shadow is True and own_file is True
        assert "not importable" in private
        assert w.ping()     # the worker's own protocol is untouched
