"""Notebooks built by the tests with nbformat (no file from a course is needed).

``code(source, *outputs, count=N)`` is an executed code cell (``count=None``: never executed),
``stream(text)``, ``result(text)`` and ``error(ename, evalue)`` its outputs, ``md(text)`` a
markdown cell; ``notebook(*cells)`` assembles them and ``write(nb, path)`` saves it.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output


def stream(text: str, name: str = "stdout"):
    return new_output("stream", name=name, text=text)


def result(text: str, count: int = 1):
    return new_output("execute_result", data={"text/plain": text}, execution_count=count)


def error(ename: str, evalue: str):
    """An error output with an IPython-style (ANSI-coloured) traceback."""
    tb = ["\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
          f"\x1b[0;31m{ename}\x1b[0m                         Traceback (most recent call last)",
          "Cell \x1b[0;32mIn[19], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m y = best_model.loss(X)",
          f"\x1b[0;31m{ename}\x1b[0m: {evalue}"]
    return new_output("error", ename=ename, evalue=evalue, traceback=tb)


def code(source: str, *outputs, count: int | None = 1):
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = list(outputs)
    return cell


def md(text: str):
    return new_markdown_cell(text)


def notebook(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write(nb, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def numbered(*cells):
    """``cells`` with execution counts 1, 2, 3 ... in document order (a clean top-to-bottom run)."""
    n = 0
    for cell in cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            n += 1
            cell.execution_count = n
    return notebook(*cells)
