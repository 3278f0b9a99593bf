"""How fast are notebooks graded? Stored outputs read in the grader, and ``--execute``.

Prints, each a median:

* read:     a course-sized notebook (``--cells`` cells: markdown, code cells printing Solver logs,
            20 embedded PNG figures, an error, inline questions) read from disk and put through
            everything the notebook checks do without a kernel: parse + validate, per-cell
            summary, printed figures, questions, template-cell comparison. Goal: well under 1 s;
* kernel:   a bare nbclient run of a 1-cell notebook outside the sandbox (what ``jupyter execute``
            costs: one kernel start);
* execute:  ``grader.notebook.execute.execute_notebook`` of a 3-cell notebook in the sandbox
            (worker start, copy of the submission, kernel start over ipc sockets, cells,
            plain-data reply). The goal is about one kernel start.

Usage:  python benchmarks/notebook_speed.py [--cells 300] [--repeats 5] [--runs 3]
"""
import argparse
import base64
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grader.notebook.claims import find_figures
from grader.notebook.execute import ExecuteSettings, execute_notebook
from grader.notebook.questions import find_questions
from grader.notebook.read import read_notebook
from grader.notebook.template import compare_cells

PNG = base64.b64encode(bytes(range(256)) * 200).decode()   # ~68 KB of base64 per figure
SOLVER_LOG = "".join(f"(Iteration {i} / 4900) loss: 2.{i:06d}\n" for i in range(1, 4901, 10))
TEMPLATE = [{"name": "momentum", "source": "next_w, _ = sgd_momentum(w, dw, config=config)\n"
                                          "print('next_w error: ', rel_error(next_w, expected_next_w))\n"}]


def course_sized(cells: int):
    """A notebook shaped like FullyConnectedNets.ipynb after a full run."""
    out, count = [], 0
    for i in range(cells):
        if i % 3 == 0:
            out.append(new_markdown_cell(f"## Part {i}\n\nSome explanation of the next step " * 5
                                         + ("\n\nInline Question 1\n\nWhy?" if i % 60 == 0 else "")))
            continue
        count += 1
        cell = new_code_cell(f"solver_{i} = Solver(model, data)\nsolver_{i}.train()\n", execution_count=count)
        cell.outputs = [new_output("stream", name="stdout", text=SOLVER_LOG if i % 10 == 1 else
                                   f"next_w error:  {1e-9 * i:.6e}\nValidation set accuracy:  0.5{i % 10}\n")]
        if i % 15 == 2:
            cell.outputs.append(new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}))
        out.append(cell)
    out.append(new_code_cell("best_model.loss(X)", execution_count=count + 1, outputs=[
        new_output("error", ename="AttributeError", evalue="'Solver' object has no attribute 'loss'",
                   traceback=["\x1b[0;31mAttributeError\x1b[0m: 'Solver' object has no attribute 'loss'"])]))
    return new_notebook(cells=out)


def read_all(path: Path) -> int:
    nb = read_notebook(path)
    figures = find_figures(nb)
    find_questions(nb)
    compare_cells(nb, TEMPLATE)
    nb.errors(), nb.unexecuted(), nb.order_problems()
    return len(figures)


def bare_kernel() -> float:
    from nbclient import NotebookClient

    nb = new_notebook(cells=[new_code_cell("print(1)")])
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return time.perf_counter() - t0


def sandboxed(tmp: Path, i: int) -> float:
    sub = tmp / f"sub{i}"
    sub.mkdir()
    nb = new_notebook(cells=[new_code_cell("import numpy as np"), new_code_cell("x = np.arange(10).sum()"),
                             new_code_cell("print('Validation set accuracy: ', x / 100)")])
    nbformat.write(nb, str(sub / "nb.ipynb"))
    t0 = time.perf_counter()
    run = execute_notebook(sub / "nb.ipynb", sub, tmp / f"run{i}", settings=ExecuteSettings(cell_timeout=30))
    elapsed = time.perf_counter() - t0
    assert [c.status for c in run.cells] == ["ok", "ok", "ok"], run
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "FullyConnectedNets.ipynb"
        nbformat.write(course_sized(args.cells), str(path))
        size = path.stat().st_size / 2**20
        times, figures = [], 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            figures = read_all(path)
            times.append(time.perf_counter() - t0)
        print(f"read:    {statistics.median(times) * 1000:7.1f} ms  stored outputs of a {args.cells}-cell "
              f"notebook ({size:.1f} MiB, {figures} printed figures), no kernel")
        kernel = statistics.median(bare_kernel() for _ in range(args.runs))
        print(f"kernel:  {kernel:7.2f} s   bare nbclient run of a 1-cell notebook (one kernel start)")
        sand = statistics.median(sandboxed(tmp, i) for i in range(args.runs))
        print(f"execute: {sand:7.2f} s   --execute of a 3-cell notebook in the sandbox "
              f"({sand / kernel:.2f} x the bare kernel run)")


if __name__ == "__main__":
    main()
