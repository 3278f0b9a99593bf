"""The grader's copies of course helper files (``grader/profiles/helpers/``, and the course
content's ``course_helpers/`` for the Solver, which holds a course exercise).

They are supplied into submissions, so they must be Python 3, import nothing outside numpy and
the standard library, and behave as the course's: the Solver and the gradient checks are the
reference's own code (kept equal here), the fast layers agree with a naive convolution. The
Solver's exercise region is left out of student packs, so no rubric may grade it on a supplied
Solver.
"""
from __future__ import annotations

import ast
import importlib.util
import sys

import numpy as np
import pytest

from grader.profiles import PROFILES
from grader.profiles.supply import HELPERS_DIR, course_helpers_dir, helper_folders, helper_source
from grader.rubric import load_rubric
from grader.template import find_stubs
from tests.support import REFERENCE

COURSE_HELPERS = course_helpers_dir()

STDLIB = set(sys.stdlib_module_names)


def _load(name):
    spec = importlib.util.spec_from_file_location(f"helper_{name}", HELPERS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _functions(path):
    tree = ast.parse(path.read_text())
    return {node.name: ast.dump(node) for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_the_course_helpers_are_found_in_the_source_checkout():
    assert COURSE_HELPERS is not None and helper_folders() == [HELPERS_DIR, COURSE_HELPERS]
    assert helper_source("solver.py") == COURSE_HELPERS / "solver.py"
    assert helper_source("gradient_check.py") == HELPERS_DIR / "gradient_check.py"
    assert not (HELPERS_DIR / "solver.py").exists()   # course content stays out of the engine


@pytest.mark.parametrize("path", sorted(p for folder in helper_folders() for p in folder.glob("*.py")
                                        if p.name != "__init__.py"), ids=lambda p: p.name)
def test_helpers_are_python_3_with_numpy_and_the_standard_library_only(path):
    tree = ast.parse(path.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= STDLIB | {"numpy"}, imported


def test_every_helper_a_profile_names_exists_and_its_substitutions_apply():
    for profile in PROFILES.values():
        for helper in profile.helpers:
            text = helper_source(helper.source).read_text()
            assert all(old in text for old in helper.substitute), (profile.name, helper.source)


def test_the_helper_solver_is_the_reference_solver():
    helper, reference = _functions(COURSE_HELPERS / "solver.py"), _functions(REFERENCE / "solver.py")
    assert helper == reference
    regions = [(s.qualname, s.end - s.begin) for s in find_stubs((COURSE_HELPERS / "solver.py").read_text(), "solver")]
    assert regions == [(s.qualname, s.end - s.begin)
                       for s in find_stubs((REFERENCE / "solver.py").read_text(), "solver")] != []


def test_no_rubric_grades_the_exercise_of_a_supplied_solver():
    """A student pack's Solver has the gradient-norm recording left out: the profiles that supply
    the Solver must not grade it (where it is graded, solver.py is the student's file)."""
    for profile in PROFILES.values():
        if any(h.source == "solver.py" for h in profile.helpers):
            for name in profile.rubrics:
                ids = {rc.id for _, rc in load_rubric(name).iter_checks()}
                assert "solver.grad_norm_history" not in ids, (profile.name, name)


def test_the_helper_gradient_checks_are_the_reference_ones():
    helper, reference = _functions(HELPERS_DIR / "gradient_check.py"), _functions(REFERENCE / "gradient_check.py")
    assert {k: helper[k] for k in reference} == reference
    assert {"eval_numerical_gradient_blobs", "eval_numerical_gradient_net"} <= set(helper)


def test_the_helper_cifar_loaders_are_the_reference_ones():
    helper, reference = _functions(HELPERS_DIR / "data_utils.py"), _functions(REFERENCE / "data_utils.py")
    for name in ("load_CIFAR_batch", "load_CIFAR10", "_split"):
        assert helper[name] == reference[name]


def test_fast_layers_agree_with_a_naive_convolution_and_pooling():
    fl = _load("fast_layers")
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 3, 7, 7), rng.randn(4, 3, 3, 3), rng.randn(4)
    out, cache = fl.conv_forward_fast(x, w, b, {"stride": 2, "pad": 1})
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    naive = np.array([[[[np.sum(xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3] * w[f]) + b[f]
                         for j in range(4)] for i in range(4)] for f in range(4)] for n in range(2)])
    assert np.allclose(out, naive)
    dout = rng.randn(*out.shape)
    dx, dw, db = fl.conv_backward_fast(dout, cache)
    h, index = 1e-6, (1, 2, 3, 4)
    shifted = x.copy()
    shifted[index] += h
    numeric = np.sum((fl.conv_forward_fast(shifted, w, b, {"stride": 2, "pad": 1})[0] - out) * dout) / h
    assert abs(numeric - dx[index]) < 1e-5 and np.allclose(db, dout.sum(axis=(0, 2, 3)))
    pooled, cache = fl.max_pool_forward_fast(x[:, :, :6, :6], {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert np.array_equal(pooled, x[:, :, :6, :6].reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)))
    assert fl.max_pool_backward_fast(np.ones_like(pooled), cache).sum() == pooled.size


def test_vis_utils_lays_images_out_in_a_grid():
    vu = _load("vis_utils")
    grid = vu.visualize_grid(np.random.RandomState(0).rand(5, 4, 4, 3), padding=1)
    assert grid.shape == (3 * 4 + 2, 3 * 4 + 2, 3) and grid.max() <= 255.0
