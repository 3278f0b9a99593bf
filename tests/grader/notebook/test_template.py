"""Edited test cells: the course template's cells compared with the student's, on code tokens."""
from __future__ import annotations

import json

from grader.notebook.read import parse_notebook
from grader.notebook.template import compare_cells

from .builders import code, numbered

TEMPLATE = {
    "name": "sgd_momentum test",
    "anchor": "next_w, _ = sgd_momentum(w, dw, config=config)",
    "source": ("config = {'learning_rate': 1e-3, 'velocity': v}\n"
               "next_w, _ = sgd_momentum(w, dw, config=config)\n"
               "expected_next_w = np.asarray([[0.1406, 0.20738947]])\n"
               "# Should see relative errors around e-8 or less\n"
               "print('next_w error: ', rel_error(next_w, expected_next_w))\n"),
}


def _compare(source):
    nb = parse_notebook(json.dumps(numbered(code("import numpy as np"), code(source))))
    (result,) = compare_cells(nb, [TEMPLATE])
    return result


def test_the_unchanged_cell_and_a_respaced_commented_copy_are_unedited():
    assert _compare(TEMPLATE["source"]).status == "unedited"
    respaced = ("config = {'learning_rate': 1e-3,\n          'velocity': v}   # my note\n\n"
                "next_w, _ = sgd_momentum(w, dw, config=config)\n"
                "expected_next_w = np.asarray([[0.1406,   0.20738947]])\n"
                "print('next_w error: ', rel_error(next_w, expected_next_w))\n")
    assert _compare(respaced).status == "unedited"


def test_a_changed_expected_value_is_an_edit_and_the_diff_shows_it():
    edited = TEMPLATE["source"].replace("0.1406", "0.1407")
    result = _compare(edited)
    assert result.status == "edited" and result.cell.index == 1
    assert "-expected_next_w = np.asarray([[0.1406" in result.diff
    assert "+expected_next_w = np.asarray([[0.1407" in result.diff


def test_a_test_cell_that_prints_a_constant_instead_is_an_edit():
    faked = TEMPLATE["source"].replace("rel_error(next_w, expected_next_w)", "1e-9")
    assert _compare(faked).status == "edited"


def test_a_deleted_test_cell_is_missing():
    assert _compare("print('done')").status == "missing"
