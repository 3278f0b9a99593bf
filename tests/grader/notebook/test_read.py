"""Reading stored outputs: errors with the traceback's last line, never-executed cells,
out-of-order runs, and files that are not notebooks (corrupt, truncated, empty, not UTF-8)."""
from __future__ import annotations

import json

import pytest

from grader.notebook.read import NotebookError, parse_notebook, read_notebook

from .builders import code, error, md, notebook, numbered, result, stream, write


def test_a_clean_run_has_no_errors_unexecuted_cells_or_order_problems(tmp_path):
    nb = numbered(md("# kNN"), code("x = 1"), code("print(x)", stream("1\n")), code("x", result("1")))
    parsed = read_notebook(write(nb, tmp_path / "knn.ipynb"))
    assert parsed.name == "knn.ipynb" and parsed.validation == []
    assert [c.cell_type for c in parsed.cells] == ["markdown", "code", "code", "code"]
    assert parsed.errors() == [] and parsed.unexecuted() == [] and parsed.order_problems() == []
    assert parsed.cells[2].output_text == "1\n" and parsed.cells[3].output_text == "1\n"


def test_an_error_cell_reports_the_tracebacks_last_line_without_ansi_codes(tmp_path):
    nb = numbered(code("best_model.loss(X)", error("AttributeError", "'Solver' object has no attribute 'loss'")))
    (cell,) = read_notebook(write(nb, tmp_path / "nb.ipynb")).errors()
    assert cell.error.ename == "AttributeError"
    assert cell.error.last_line == "AttributeError: 'Solver' object has no attribute 'loss'"
    assert cell.label == "cell 1 [In 1]"


def test_cells_never_executed_are_the_code_cells_with_a_null_count(tmp_path):
    nb = notebook(code("a = 1", count=1), code("b = 2", count=None), code("   ", count=None),
                  md("text"))
    parsed = read_notebook(write(nb, tmp_path / "nb.ipynb"))
    assert [c.index for c in parsed.unexecuted()] == [1]   # the empty cell does not count


def test_out_of_order_execution_names_the_cell_that_ran_first():
    # seed S1: counters [28] before [24] in the document.
    nb = notebook(code("a", count=1), code("b", count=28), code("c", count=24), code("d", count=29))
    parsed = parse_notebook(json.dumps(nb), "FullyConnectedNets.ipynb")
    ((earlier, later),) = parsed.order_problems()
    assert (earlier.execution_count, later.execution_count) == (28, 24)


def test_re_running_a_cell_later_is_not_out_of_order():
    nb = notebook(code("a", count=1), code("b", count=5), code("c", count=7))
    assert parse_notebook(json.dumps(nb)).order_problems() == []


@pytest.mark.parametrize("content, phrase", [
    (b'{"cells": [{"cell_type": "code", "sou', "not valid JSON (corrupt or truncated file?)"),
    (b"", "is empty"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"hello": 1}', "not a Jupyter notebook"),
    (b"[1, 2, 3]", "not a Jupyter notebook"),
])
def test_files_that_are_not_notebooks_give_a_one_line_message(tmp_path, content, phrase):
    path = tmp_path / "knn.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=r"knn\.ipynb") as info:
        read_notebook(path)
    assert phrase in str(info.value) and "\n" not in str(info.value)


def test_a_truncated_notebook_says_where_the_json_stops(tmp_path):
    text = json.dumps(numbered(code("print(1)", stream("1\n"))), indent=1)
    path = tmp_path / "nb.ipynb"
    path.write_text(text[: len(text) // 2])
    with pytest.raises(NotebookError, match=r"at line \d+, column \d+"):
        read_notebook(path)


def test_a_notebook_that_breaks_the_schema_is_read_with_its_validation_problem():
    nb = json.loads(json.dumps(numbered(code("x = 1"))))
    nb["cells"][0]["execution_count"] = "one"
    parsed = parse_notebook(json.dumps(nb))
    assert parsed.validation and "execution_count" in parsed.validation[0]
    assert parsed.cells[0].execution_count is None   # not an int: treated as never executed


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    path = write(numbered(code("x = 1")), tmp_path / "nb.ipynb")
    with pytest.raises(NotebookError, match="over the"):
        read_notebook(path, max_bytes=10)
