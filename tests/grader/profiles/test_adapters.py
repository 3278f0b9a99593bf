"""The worker side of course profiles: call adapters and packages imported without __init__.py.

A little course package ``course/`` stands in for ``cs231n/``/``nndl/``: its functions speak the
course's API (``hidden_dims``, ``use_batchnorm``, drop probabilities, UCLA's Adam keys ``v``/``a``)
and report what they received, so each translation of ``grader.layout``'s adapters is visible.
"""
from __future__ import annotations

import textwrap

import pytest

from grader.layout import Layout
from grader.profiles.base import dict_argument, rename_kwarg, translate_kwarg
from grader.sandbox import Limits, StudentError, Worker

API = '''
import numpy as np


def net(hidden_dims=None, use_batchnorm=False, dropout=0):
    return {"hidden_dims": hidden_dims, "use_batchnorm": use_batchnorm, "dropout": dropout}


def adam(w, dw, config=None):
    """UCLA's keys: v = first moment, a = second moment."""
    if config is None:
        config = {}
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("a", np.zeros_like(w))
    config.setdefault("t", 0)
    config["v"] = config["v"] + 1
    config["a"] = config["a"] + 10
    config["t"] += 1
    return w + config["v"], config


def adam_new_dict(w, dw, config=None):
    return w, {"v": w * 2, "a": w * 3, "t": 1}


def dropout_forward(x, dropout_param):
    """p is the DROP probability here."""
    dropout_param["seen"] = dropout_param["p"]
    return x * 0 + dropout_param["p"], (dropout_param, None)
'''

ADAPTERS = {
    "api.net": [rename_kwarg("hidden_dim", "hidden_dims"),
                translate_kwarg("normalization", "use_batchnorm", [("batchnorm", True), (None, False)]),
                rename_kwarg("dropout_keep_ratio", "dropout", one_minus=True)],
    "api.adam": [dict_argument(2, "config", keys={"m": "v", "v": "a"}, result=1)],
    "api.adam_new_dict": [dict_argument(2, "config", keys={"m": "v", "v": "a"}, result=1)],
    "api.dropout_forward": [dict_argument(1, "dropout_param", one_minus=("p",))],
}


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    package = root / "course"
    package.mkdir()
    # A course __init__ that re-exports a broken sibling: it must not break ``course.api``.
    (package / "__init__.py").write_text("from .broken import *\n")
    (package / "broken.py").write_text("def f():\n    print 'python 2'\n")
    (package / "api.py").write_text(textwrap.dedent(API))
    layout = Layout(sys_path=[str(root)], module_prefix="course.", adapters=ADAPTERS,
                    bare_packages=["course"])
    with Worker(root, layout, Limits(call_timeout=20), scratch_dir=root / "work") as w:
        yield w


def test_keywords_are_renamed_and_translated(worker):
    got = worker.call("api.net", hidden_dim=7, normalization="batchnorm", dropout_keep_ratio=0.75)
    assert got == {"hidden_dims": 7, "use_batchnorm": True, "dropout": 0.25}
    got = worker.call("api.net", normalization=None, dropout_keep_ratio=1)
    assert got == {"hidden_dims": None, "use_batchnorm": False, "dropout": 0}


def test_a_value_the_course_cannot_express_fails_with_a_clear_message(worker):
    with pytest.raises(StudentError, match="normalization='layernorm' has no equivalent in this "
                                           "course's API"):
        worker.call("api.net", normalization="layernorm")


def test_optimizer_state_keys_are_translated_both_ways(worker):
    import numpy as np

    w = np.zeros(3)
    config = {"learning_rate": 1e-3, "m": np.full(3, 1.0), "v": np.full(3, 2.0), "t": 5}
    (next_w, returned), after = worker.call("api.adam", w, w, config, return_args=True)
    # the course's v (first moment) came from our m, its a from our v
    assert np.array_equal(next_w, np.full(3, 2.0))
    assert set(returned) == {"learning_rate", "m", "v", "t"}
    assert np.array_equal(returned["m"], np.full(3, 2.0)) and np.array_equal(returned["v"], np.full(3, 12.0))
    assert returned["t"] == 6
    caller = after[2]
    assert np.array_equal(caller["m"], returned["m"]) and caller["t"] == 6


def test_a_config_created_by_the_callee_is_translated_back(worker):
    import numpy as np

    _, returned = worker.call("api.adam", np.zeros(2), np.zeros(2), None)
    assert set(returned) == {"m", "v", "t"} and np.array_equal(returned["v"], np.full(2, 10.0))
    _, returned = worker.call("api.adam_new_dict", np.ones(2), np.ones(2), {"m": np.ones(2)})
    assert np.array_equal(returned["m"], np.full(2, 2.0)) and np.array_equal(returned["v"], np.full(2, 3.0))


def test_a_keep_probability_reaches_the_course_as_a_drop_probability(worker):
    import numpy as np

    param = {"mode": "train", "p": 0.8}
    (out, _), after = worker.call("api.dropout_forward", np.ones(4), param, return_args=True)
    assert np.allclose(out, 0.2)
    caller = after[1]
    assert caller["p"] == 0.8 and caller["seen"] == pytest.approx(0.2), "the caller's dict mirrors the call"


def test_a_bare_package_imports_without_running_its_broken_init(worker):
    assert worker.call("api.net") == {"hidden_dims": None, "use_batchnorm": False, "dropout": 0}
    with pytest.raises(StudentError, match="broken.py:2"):
        worker.call("broken.f")


def test_layouts_carry_adapters_to_the_worker_as_plain_json():
    import json

    layout = Layout(sys_path=["/x"], module_prefix="course.", adapters=ADAPTERS, bare_packages=["course"])
    data = json.loads(json.dumps(layout.to_json()))
    again = Layout.from_json(data)
    assert again.adapters == ADAPTERS and again.bare_packages == ["course"]
    canonical = Layout.canonical("/x").to_json()
    assert canonical["adapters"] == {} and canonical["bare_packages"] == []
