"""Edited test cells: the course template's cells compared with the student's, as parsed code (tokens when a cell does not parse)."""
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


def test_quotes_and_print_text_are_not_edits_but_printed_values_are():
    # another year's official cell: double quotes, its own print wording
    other_year = (TEMPLATE["source"].replace("'learning_rate'", '"learning_rate"')
                  .replace("'velocity'", '"velocity"')
                  .replace("print('next_w error: ',", 'print("next_w error was:",'))
    assert _compare(other_year).status == "unedited"
    printed_other_value = TEMPLATE["source"].replace("rel_error(next_w, expected_next_w)",
                                                     "rel_error(next_w, next_w)")
    assert _compare(printed_other_value).status == "edited"


def test_a_changed_tolerance_or_learning_rate_is_an_edit():
    assert _compare(TEMPLATE["source"].replace("1e-3", "1e-2")).status == "edited"
    with_check = TEMPLATE["source"] + "assert rel_error(next_w, expected_next_w) < 1e-7\n"
    template = dict(TEMPLATE, source=with_check)
    nb = parse_notebook(json.dumps(numbered(code(with_check.replace("1e-7", "1e-1")))))
    (result,) = compare_cells(nb, [template])
    assert result.status == "edited" and "1e-1" in result.diff


def test_a_python_2_cell_is_compared_after_translation():
    # 2016 (Python 2): the same test printed with a print statement and other wording
    py2 = ("config = {'learning_rate': 1e-3, 'velocity': v}\n"
           "next_w, _ = sgd_momentum(w, dw, config=config)\n"
           "expected_next_w = np.asarray([[0.1406, 0.20738947]])\n"
           "print 'next_w error was: ', rel_error(next_w, expected_next_w)\n")
    assert _compare(py2).status == "unedited"
    assert _compare(py2.replace("0.1406", "0.2")).status == "edited"


def test_a_cell_that_does_not_parse_is_compared_on_its_tokens():
    broken = "next_w, _ = sgd_momentum(w, dw, config=config)\nprint('next_w error: ' rel_error(next_w, e))\n"
    template = dict(TEMPLATE, source=broken)
    nb = parse_notebook(json.dumps(numbered(code(broken + "# a comment\n"))))
    assert compare_cells(nb, [template])[0].status == "unedited"
    nb = parse_notebook(json.dumps(numbered(code(broken.replace("'next_w error: '", "'x: '")))))
    assert compare_cells(nb, [template])[0].status == "edited"   # tokens: the text counts here
