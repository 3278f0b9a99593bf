"""The course-provided gradient-check helpers (docs/courses.md §2.3, §3.0).

Expected values come from calculus on simple functions (d/dx sum(x**2) = 2x) and from the
definition of the relative error.
"""
import random
import re

import numpy as np

from reference.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)


def test_eval_numerical_gradient_of_sum_of_squares_is_2x_and_restores_x(capsys):
    """§2.3: centred differences of f(x) = sum(x**2) give 2x; x is restored bit for bit."""
    x = np.random.RandomState(0).randn(3, 4)
    before = x.tobytes()

    grad = eval_numerical_gradient(lambda x: np.sum(x ** 2), x, verbose=False)

    np.testing.assert_allclose(grad, 2 * x, rtol=0, atol=1e-8)
    assert x.tobytes() == before, "x must be put back exactly, not recomputed as (x + h) - h"
    assert capsys.readouterr().out == "", "verbose=False must print nothing"


def test_numerical_gradients_restore_values_that_do_not_survive_plus_minus_h():
    """§2.3: x is put back from a saved copy; recomputing (x - h) + h would change small values."""
    h = 1e-5
    x = np.array([[1e-7, -3.3e-9, 2.2e-6], [1.0 / 3.0, -7.77e-8, 1e-12]])
    assert np.any((x - h) + h != x), "precondition: some elements do not round-trip"
    before = x.tobytes()
    eval_numerical_gradient(lambda x: np.sum(np.sin(x)), x, verbose=False, h=h)
    assert x.tobytes() == before
    eval_numerical_gradient_array(lambda x: np.sin(x), x, np.ones_like(x), h=h)
    assert x.tobytes() == before
    random.seed(0)
    grad_check_sparse(lambda x: np.sum(np.sin(x)), x, np.cos(x), num_checks=6, h=h)
    assert x.tobytes() == before


def test_eval_numerical_gradient_perturbs_the_callers_array(capsys):
    """§2.3: f may ignore its argument and read the array itself (model.params pattern)."""
    params = {"W": np.array([[1.0, -2.0], [0.5, 3.0]])}
    f = lambda _: np.sum(params["W"] ** 3)
    grad = eval_numerical_gradient(f, params["W"], verbose=True)
    np.testing.assert_allclose(grad, 3 * params["W"] ** 2, rtol=1e-8)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4, "verbose=True prints one 'ix, grad' line per element"
    assert lines[0].startswith("(0, 0)")


def test_eval_numerical_gradient_array_contracts_with_df():
    """§2.3: numeric gradient of sum(f(x) * df); for f(x) = x**2 it is 2 * x * df."""
    rng = np.random.RandomState(1)
    x = rng.randn(2, 3, 4)
    df = rng.randn(2, 3, 4)
    before = x.tobytes()
    grad = eval_numerical_gradient_array(lambda x: x ** 2, x, df)
    np.testing.assert_allclose(grad, 2 * x * df, rtol=0, atol=1e-8)
    assert x.tobytes() == before


def test_eval_numerical_gradient_array_when_f_returns_its_input():
    """§2.3: f may return x itself (dropout in test mode does); the gradient of identity is df."""
    rng = np.random.RandomState(2)
    x = rng.randn(3, 5)
    df = rng.randn(3, 5)
    grad = eval_numerical_gradient_array(lambda x: x, x, df)
    np.testing.assert_allclose(grad, df, rtol=1e-8)


def test_grad_check_sparse_small_errors_for_correct_gradient(capsys):
    """§2.3 / §3.19: a correct gradient gives tiny errors; one course-format line per check."""
    random.seed(0)
    x = np.random.RandomState(3).randn(30, 10)
    before = x.tobytes()
    f = lambda x: np.sum(x ** 2)

    errors = grad_check_sparse(f, x, 2 * x, num_checks=7)

    assert len(errors) == 7
    assert max(errors) < 1e-7
    assert x.tobytes() == before
    lines = capsys.readouterr().out.strip().splitlines()
    pattern = r"numerical: -?\d+\.\d{6} analytic: -?\d+\.\d{6}, relative error: \d\.\d{6}e[+-]\d\d"
    assert len(lines) == 7 and all(re.fullmatch(pattern, line) for line in lines)


def test_grad_check_sparse_large_errors_for_wrong_gradient():
    """§2.3: analytic 3x against numeric 2x gives |2x - 3x| / (|2x| + |3x|) = 0.2 everywhere."""
    random.seed(0)
    x = np.random.RandomState(4).randn(30, 10)
    errors = grad_check_sparse(lambda x: np.sum(x ** 2), x, 3 * x, num_checks=5)
    np.testing.assert_allclose(errors, 0.2, atol=1e-5)


def test_rel_error_matches_course_definition():
    """§3.0: max |x - y| / max(1e-8, |x| + |y|), worked by hand."""
    # Elementwise 0 and 0.5 / 4.5; the maximum is 1/9.
    assert abs(rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.5])) - 1 / 9) < 1e-15
    # The floor of 1e-8: 1e-9 against 0 is 1e-9 / 1e-8 = 0.1, and 0 against 0 is 0.
    assert abs(rel_error(np.array([1e-9]), np.array([0.0])) - 0.1) < 1e-12
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    # Scalars work too: §3.13's "t left at 5" signature rel_error(6, 5) = 1/11.
    assert abs(rel_error(6, 5) - 1 / 11) < 1e-15
