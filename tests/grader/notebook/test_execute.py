"""``--execute``: notebooks re-run with nbclient inside the sandbox.

Two real kernel runs (a few seconds each): one notebook whose set-up cells must be neutralised,
with a cell that hangs and ignores the interrupt (the kernel is restarted and the notebook goes
on), a cell that tries to reach the grader, and values brought back as plain data; one
notebook whose cell calls ``os._exit`` (the kernel dies, the later cells are reported not run,
the grader carries on). The preparation (neutralising) is tested without a kernel.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import grader.result
from grader.notebook.execute import ExecuteSettings, execute_notebook, neutralise

from .builders import code, notebook, write

GRADER_FILE = Path(grader.result.__file__)


@pytest.mark.parametrize("line", [
    "from google.colab import drive",
    "drive.mount('/content/drive', force_remount=True)",
    "%cd /content/drive/My\\ Drive/$FOLDERNAME/cs231n/datasets/",
    "!bash get_datasets.sh",
    "!bash ./get_datasets_curl.sh",
    "%pip install nbformat",
    "!pip install -q torch",
    "sys.path.append('/content/drive/My Drive/{}'.format(FOLDERNAME))",
    "os.chdir('/content/drive/MyDrive/hw4')",
])
def test_course_setup_lines_are_neutralised_keeping_the_line_count(line):
    source = f"x = 1\n    {line}\ny = 2"
    out, done = neutralise(source)
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0] == "x = 1" and lines[2] == "y = 2"
    assert lines[1].startswith("    pass  # [grader] neutralised (") and len(done) == 1


@pytest.mark.parametrize("line", ["%cd cs231n/datasets", "%matplotlib inline", "import os",
                                  "data = get_CIFAR10_data()", "!ls"])
def test_ordinary_lines_are_left_alone(line):
    assert neutralise(line) == (line, [])


def test_a_bash_cell_that_downloads_the_dataset_is_neutralised_whole():
    out, done = neutralise("%%bash\ncd cs231n/datasets\nbash get_datasets.sh\n")
    assert out.startswith("# [grader] neutralised (dataset download)") and done == ["dataset download"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


HANG_IGNORING_INTERRUPTS = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                            "    except KeyboardInterrupt:\n        pass\n")


def test_a_notebook_runs_in_the_sandbox_past_a_hanging_cell_and_a_patch_attempt(tmp_path):
    sub = tmp_path / "sub"
    nb = write(notebook(
        code("from google.colab import drive\ndrive.mount('/content/drive')"),           # 1
        code("%cd /content/drive/MyDrive/cs231n/datasets\n!bash get_datasets.sh"),         # 2
        code("print('started')"),                                                           # 3
        code(HANG_IGNORING_INTERRUPTS),                                                     # 4
        code("x = 1\nprint('after the hang', x)"),                                          # 5
        code("import grader.result\ngrader.result.CheckResult = None"),                     # 6
        code(f"open({str(GRADER_FILE)!r}, 'a').write('# patched by a student')"),           # 7
        code("import numpy as np\nparams = {'W1': np.arange(6.).reshape(2, 3)}\nbest_val = 0.5"),
    ), sub / "hw.ipynb")
    before = _digest(GRADER_FILE)
    run = execute_notebook(nb, sub, tmp_path / "run",
                           settings=ExecuteSettings(cell_timeout=2, budget=120,
                                                    values={"params": "params", "best_val": "best_val",
                                                            "fn": "len", "nope": "undefined_name"}))
    status = {c.index + 1: c.status for c in run.cells}
    assert status == {1: "ok", 2: "ok", 3: "ok", 4: "timeout", 5: "ok", 6: "error", 7: "error", 8: "ok"}, run
    assert run.restarts == 1 and "restarted" in run.cell(3).detail
    assert run.neutralised == ["cell 1: Google Colab / Drive", "cell 1: Google Colab / Drive",
                               "cell 2: %cd into Drive", "cell 2: dataset download"]
    assert "after the hang 1" in run.notebook.cells[4].output_text
    assert run.notebook.cells[5].error.ename in ("ModuleNotFoundError", "ImportError")
    assert _digest(GRADER_FILE) == before          # nothing a cell does reaches the grader
    np.testing.assert_array_equal(run.values["params/W1"], np.arange(6.).reshape(2, 3))
    assert run.values["best_val"] == 0.5
    assert "not plain data" in run.value_errors["fn"] and "NameError" in run.value_errors["nope"]
    assert run.kernel_start_s is not None and run.kernel_start_s < 30


def test_a_cell_calling_os_exit_kills_only_the_kernel(tmp_path):
    sub = tmp_path / "sub"
    nb = write(notebook(code("print('one')"), code("import os\nos._exit(3)"), code("print('never')")),
               sub / "nb.ipynb")
    run = execute_notebook(nb, sub, tmp_path / "run", settings=ExecuteSettings(cell_timeout=20))
    assert [c.status for c in run.cells] == ["ok", "died", "not_run"]
    assert run.problem == "the kernel died in cell 2"
    assert run.notebook.cells[0].output_text == "one\n" and run.notebook.cells[2].output_text == ""


def test_a_file_that_is_not_a_notebook_is_reported_without_a_kernel(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "nb.ipynb").write_text('{"cells": [')
    run = execute_notebook(sub / "nb.ipynb", sub, tmp_path / "run")
    assert run.notebook is None and "cannot be executed" in run.problem
