"""The grader's copy of the course helper ``gradient_check.py`` (Python 3, no ``past``/``future``).

Supplied by ``grader.profiles`` when a submission's copy is missing, Python 2 only, or imports the
PyPI package ``future`` (CS231n 2018+ starts with ``from past.builtins import xrange``). The first
functions are the reference's (``tests/grader/profiles/test_helpers.py`` keeps them equal); the
blob/net variants follow the course helper's signatures.

Numerical gradients by centred differences, and the relative error used to compare gradients.

These are the course-provided helpers (CS231n ``gradient_check.py``; identical call patterns in
CS182 ``deeplearning`` and UCLA ``nndl``). The numerical derivative of f at x along coordinate i is

    (f(x + h e_i) - f(x - h e_i)) / (2 h).

The functions perturb the array ``x`` *in place* (so ``f`` may ignore its argument and read a
model's own parameter array) and put every perturbed element back to its exact original value.
"""
from random import randrange

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=0.00001):
    """Numerical gradient of a scalar function f at x, over every element of x.

    Inputs:
    - f: function taking an array shaped like x and returning a scalar.
    - x: float array of any shape; perturbed in place during the call and restored exactly.
    - verbose: if True, print ``ix, grad`` for every element (ix is the index tuple).
    - h: the step of the centred difference.

    Returns:
    - grad: array of the same shape as x.
    """
    f(x)  # evaluate once at the original point, as the course helper does
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        oldval = x[ix]
        try:
            x[ix] = oldval + h
            fxph = f(x)
            x[ix] = oldval - h
            fxmh = f(x)
        finally:
            x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)`` with respect to x, for an array-valued f.

    This is what a layer's backward pass computes when it receives the upstream derivative df.

    Inputs:
    - f: function taking an array shaped like x and returning an array shaped like df.
      It may return a view of its input; the outputs are copied before x changes again.
    - x: float array of any shape; perturbed in place during the call and restored exactly.
    - df: the upstream derivative, same shape as f(x).
    - h: the step of the centred difference.

    Returns:
    - grad: array of the same shape as x.
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        oldval = x[ix]
        try:
            x[ix] = oldval + h
            pos = np.array(f(x), copy=True)
            x[ix] = oldval - h
            neg = np.array(f(x), copy=True)
        finally:
            x[ix] = oldval
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare an analytic gradient with the numerical one at a few random elements of x.

    For each of ``num_checks`` indices drawn with Python's ``random.randrange`` (seed it with
    ``random.seed`` for reproducibility), prints
    ``numerical: %f analytic: %f, relative error: %e``, where the relative error is
    ``|num - ana| / (|num| + |ana|)`` (0 when both are 0).

    Inputs:
    - f: function taking an array shaped like x and returning a scalar.
    - x: float array of any shape; perturbed in place during the call and restored exactly.
    - analytic_grad: array of the same shape as x, the gradient to check.
    - num_checks: number of random elements to check.
    - h: the step of the centred difference.

    Returns:
    - errors: list of num_checks floats, the relative errors in the order printed.
    """
    errors = []
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)
        oldval = x[ix]
        try:
            x[ix] = oldval + h
            fxph = f(x)
            x[ix] = oldval - h
            fxmh = f(x)
        finally:
            x[ix] = oldval
        grad_numerical = float((fxph - fxmh) / (2 * h))
        grad_analytic = float(analytic_grad[ix])
        denominator = abs(grad_numerical) + abs(grad_analytic)
        if denominator > 0:
            rel_error = abs(grad_numerical - grad_analytic) / denominator
        else:
            rel_error = 0.0
        print("numerical: %f analytic: %f, relative error: %e"
              % (grad_numerical, grad_analytic, rel_error))
        errors.append(rel_error)
    return errors


# The metric every course notebook defines, verbatim: the largest elementwise relative error of
# two arrays (or scalars) of the same shape, with the denominator floored at 1e-8.
def rel_error(x, y):
    """ returns relative error """
    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient_blobs(f, inputs, output, h=1e-5):
    """Numerical gradient of ``sum(output.vals * output.diffs)`` w.r.t. each input blob.

    A blob is any object with arrays ``vals`` and ``diffs`` of one shape. ``f(*inputs, output)``
    computes ``output.vals`` from ``inputs[i].vals``; each input's ``vals`` is perturbed in place
    and restored. Returns a list with one gradient array per input (shape of its ``vals``).
    """
    numeric_diffs = []
    for input_blob in inputs:
        diff = np.zeros_like(input_blob.diffs)
        for ix in np.ndindex(input_blob.vals.shape):
            orig = input_blob.vals[ix]
            try:
                input_blob.vals[ix] = orig + h
                f(*(inputs + (output,)))
                pos = np.copy(output.vals)
                input_blob.vals[ix] = orig - h
                f(*(inputs + (output,)))
                neg = np.copy(output.vals)
            finally:
                input_blob.vals[ix] = orig
            diff[ix] = np.sum((pos - neg) * output.diffs) / (2.0 * h)
        numeric_diffs.append(diff)
    return numeric_diffs


def eval_numerical_gradient_net(net, inputs, output, h=1e-5):
    """``eval_numerical_gradient_blobs`` for a net object with a ``forward(*blobs)`` method."""
    return eval_numerical_gradient_blobs(lambda *args: net.forward(), inputs, output, h=h)
