"""A right value in a container the course does not forbid is accepted; a wrong shape is not.

The worker converts a student's np.matrix to the plain array np.asarray gives and a 0-d array to
a number before sending it back (grader/sandbox/protocol.py, docs/courses.md §A4), so the checks
compare values. The matrix keeps its shape: a (1, M) db where the docstring fixes (M,) is still a
deduction."""
from __future__ import annotations

from tests.support import CheckRunner, Patch, make_submission

L = "layers.py"
MATRIX_FORWARD = Patch(L, "out = x.reshape(x.shape[0], -1) @ w + b",
                       "out = np.matrix(x.reshape(x.shape[0], -1)) * np.matrix(w) + b")
MATRIX_DB = Patch(L, "db = dout.sum(axis=0)", "db = np.matrix(dout).sum(axis=0)")
MATRIX_DX_DW = Patch(L, "dx = (dout @ w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T @ dout",
                     "dx = np.asarray(np.matrix(dout) * np.matrix(w).T).reshape(x.shape)\n"
                     "    dw = np.matrix(x.reshape(x.shape[0], -1)).T * np.matrix(dout)")


def _run(tmp_path, patches, check_id):
    with CheckRunner(make_submission(tmp_path, patches)) as runner:
        return runner.run(check_id)


def test_an_affine_forward_returning_a_matrix_gets_its_points(tmp_path):
    result = _run(tmp_path, (MATRIX_FORWARD,), "affine_forward.values")
    assert result.status == "passed", result.message


def test_a_dw_returned_as_a_matrix_of_the_right_shape_gets_its_points(tmp_path):
    result = _run(tmp_path, (MATRIX_DX_DW,), "affine_backward.values")
    assert result.status == "passed", result.message


def test_a_db_matrix_of_shape_1_by_m_stays_a_deduction(tmp_path):
    result = _run(tmp_path, (MATRIX_DB,), "affine_backward.values")
    assert result.status == "failed" and "shape (1, " in result.message, result.message
