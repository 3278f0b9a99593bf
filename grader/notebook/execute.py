"""``--execute``: re-run a notebook with nbclient inside the sandbox and bring back plain data.

The notebook runs in a sandbox ``Worker`` of its own (``grader.sandbox.client``: the same
spawning code, limits, namespaces and unprivileged uid as package code). The worker imports
``kernel_runner.py`` (copied next to it, since the grader's folders are hidden from the worker)
and calls ``nbrunner.run``: nbclient starts an IPython kernel as a child of the worker, over ipc
sockets (the sandbox has no network), in a writable copy of the submission.

Before it is sent, the notebook is prepared here, in the grader:

* the course's set-up lines are neutralised (``NEUTRALISED``): Google Drive mounts, ``%cd`` into
  Drive or ``/content`` folders, ``!bash get_datasets.sh`` and other dataset downloads,
  ``%pip``/``!pip`` installs. Each becomes ``pass  # [grader] neutralised (...)``, so line
  numbers and indentation stay;
* the dataset path is injected: with ``--data``, the CIFAR-10 folder is linked where the courses
  look for it (``DATASET_LINKS``, relative to the notebook) and ``$CIFAR10_DIR`` is set.

What comes back (the executed notebook as JSON text, per-cell statuses, the values the rubric
asks for as JSON/npz without pickle) is validated by the protocol and parsed here; the checks
compare it in the grader's process. A cell over ``cell_timeout`` is interrupted (the kernel is
restarted if it does not come back) and costs only its own outputs; the kernel dying
(``os._exit``) stops the run and the remaining cells are reported as not run.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..layout import Layout
from ..sandbox import Limits, SandboxError, StudentError, Worker
from .read import Notebook, NotebookError, parse_notebook

RUNNER_MODULE = "_grader_nbrunner"
RUNNER_SOURCE = Path(__file__).with_name("kernel_runner.py")

#: (why, pattern) for the course set-up lines that cannot or must not run in the sandbox.
NEUTRALISED = (
    ("Google Colab / Drive", re.compile(r"^\s*(from\s+google\.colab\b|import\s+google\.colab\b)|"
                                        r"\bdrive\.mount\s*\(")),
    ("%cd into Drive", re.compile(r"^\s*%cd\s+['\"]?(/content|/gdrive|/drive|.*[Dd]rive/)")),
    ("chdir into Drive", re.compile(r"os\.chdir\(\s*['\"f]*(/content|/gdrive|/drive)")),
    ("dataset download", re.compile(r"^\s*[!%].*(get_datasets|wget|curl\s|download)")),
    ("package install", re.compile(r"^\s*[!%]\s*(pip3?|conda|mamba|apt(-get)?)\s+install\b")),
    ("sys.path into Drive", re.compile(r"sys\.path\.(append|insert)\(.*(/content|/gdrive|/drive)")),
)
CELL_MAGIC = re.compile(r"^\s*%%(bash|sh|shell|script)\b")
#: The same, for the body of a ``%%bash`` cell (shell lines carry no ``!``).
NEUTRALISED_SHELL = (
    ("dataset download", re.compile(r"get_datasets|\bwget\b|\bcurl\b")),
    ("package install", re.compile(r"\b(pip3?|conda|mamba|apt(-get)?)\s+install\b")),
    ("Google Drive", re.compile(r"/content/drive|/gdrive")),
)

#: Where the courses look for CIFAR-10, relative to the notebook (``docs/courses.md`` §5.4).
DATASET_LINKS = ("cs231n/datasets/cifar-10-batches-py", "deeplearning/datasets/cifar-10-batches-py",
                 "datasets/cifar-10-batches-py", "cifar-10-batches-py")

#: Run silently in the kernel before the first cell (and after a restart): the grader's own
#: packages cannot be imported (their folders are hidden as well, where the machine allows).
SETUP_CODE = '''
import sys as _gsys
class _GraderBlocker:
    _names = ("grader", "reference", "rubrics", "known_mistakes", "hidden_checks", "course_helpers")
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self._names:
            raise ImportError("the grader's own packages are not importable from a submission")
        return None
_gsys.meta_path.insert(0, _GraderBlocker())
del _gsys, _GraderBlocker
'''


@dataclass(frozen=True)
class ExecuteSettings:
    """Per-notebook settings (rubric ``notebook.execute``; seconds of wall clock)."""

    cell_timeout: float = 60.0
    startup_timeout: float = 60.0
    budget: float = 900.0
    cpu_seconds: int = 900
    values: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None, **overrides) -> "ExecuteSettings":
        spec = {**dict(spec or {}), **{k: v for k, v in overrides.items() if v is not None}}
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in spec.items() if k in names})


@dataclass
class CellRun:
    index: int
    status: str          # ok | error | timeout | died | not_run
    seconds: float
    detail: str = ""


@dataclass
class Execution:
    """The outcome of one ``--execute`` run (``notebook`` is ``None`` when nothing came back)."""

    notebook: Notebook | None
    cells: list[CellRun]
    values: dict[str, Any]
    value_errors: dict[str, str]
    problem: str | None
    kernel_start_s: float | None
    total_s: float
    restarts: int = 0
    neutralised: list[str] = field(default_factory=list)

    def cell(self, index: int) -> CellRun | None:
        for run in self.cells:
            if run.index == index:
                return run
        return None

    def failures(self) -> list[CellRun]:
        return [c for c in self.cells if c.status != "ok"]


def neutralise(source: str) -> tuple[str, list[str]]:
    """``source`` with the course's set-up lines disabled, and what was disabled."""
    lines = source.splitlines()
    if lines and CELL_MAGIC.match(lines[0]):
        body = "\n".join(lines[1:])
        for why, pattern in NEUTRALISED_SHELL:
            if pattern.search(body):
                return f"# [grader] neutralised ({why}): a {lines[0].strip()[:40]} cell\n", [why]
        return source, []
    done, out = [], []
    for line in lines:
        hit = next((why for why, pattern in NEUTRALISED if pattern.search(line)), None)
        if hit is None:
            out.append(line)
            continue
        indent = line[:len(line) - len(line.lstrip())]
        out.append(f"{indent}pass  # [grader] neutralised ({hit}): {line.strip()[:200]}")
        done.append(hit)
    return "\n".join(out), done


def prepare(text: str) -> tuple[str, list[str]]:
    """The notebook JSON to run: outputs cleared, set-up lines neutralised. Raises
    ``NotebookError`` when it cannot be read."""
    import nbformat   # only under --execute

    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as exc:
        raise NotebookError(f"the notebook cannot be executed: {' '.join(str(exc).split())[:200]}") from None
    notes: list[str] = []
    for i, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"], cell["execution_count"] = [], None
        source, done = neutralise(str(cell.get("source", "")))
        if done:
            cell["source"] = source
            notes.extend(f"cell {i + 1}: {why}" for why in done)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(nb), notes


def _copy_tree(src: Path, dst: Path) -> None:
    """A copy the sandbox uid can write: folders 0777, files 0666, inside the worker's private
    (0700) scratch folder, so only the sandbox uid (and root) can reach it."""
    shutil.copytree(src, dst, symlinks=False, dirs_exist_ok=True)
    for folder, dirs, files in os.walk(dst):
        os.chmod(folder, 0o777)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o666)


def execute_notebook(notebook_path: Path, submission_root: Path, workdir: Path, *,
                     limits: Limits = Limits(), settings: ExecuteSettings = ExecuteSettings(),
                     data_dir: str | Path | None = None) -> Execution:
    """Run the notebook at ``notebook_path`` (inside ``submission_root``) in the sandbox.

    ``workdir`` is an empty folder of the grader's scratch space; the copy of the submission,
    the runner and the worker's files go there. Never raises for a problem of the notebook or
    of the student's code; raises ``SandboxError`` when the sandbox itself cannot start.
    """
    t0 = time.perf_counter()
    name = notebook_path.relative_to(submission_root).as_posix()
    try:
        text = notebook_path.read_text(encoding="utf-8")
        prepared, neutralised = prepare(text)
    except (OSError, UnicodeDecodeError, NotebookError) as exc:
        return Execution(None, [], {}, {}, str(exc), None, time.perf_counter() - t0)

    runner_dir = workdir / "runner"
    runner_dir.mkdir(parents=True)
    shutil.copy(RUNNER_SOURCE, runner_dir / f"{RUNNER_MODULE}.py")
    os.chmod(runner_dir, 0o755)
    os.chmod(runner_dir / f"{RUNNER_MODULE}.py", 0o644)
    scratch = workdir / "kernel"
    files = scratch / "files"
    _copy_tree(submission_root, files)
    os.chmod(scratch, 0o777)

    sys_path = [str(runner_dir)]
    links, env_data = {}, None
    if data_dir is not None and Path(data_dir).is_dir():
        env_data = str(Path(data_dir).resolve())
        sys_path.append(env_data)   # on the worker's path only so that the sandbox exposes it
        links = {rel: env_data for rel in DATASET_LINKS}
    setup = SETUP_CODE
    if env_data:
        setup += f"\nimport os as _gos\n_gos.environ['CIFAR10_DIR'] = {env_data!r}\ndel _gos\n"
    layout = Layout(sys_path=sys_path, module_map={"nbrunner": RUNNER_MODULE})
    limits = dataclasses.replace(limits, cpu_seconds=max(limits.cpu_seconds or 0, int(settings.cpu_seconds)))
    request = {"notebook": prepared, "cwd": str(Path("files") / Path(name).parent),
               "cell_timeout": settings.cell_timeout, "startup_timeout": settings.startup_timeout,
               "budget": settings.budget, "setup_code": setup, "values": dict(settings.values),
               "links": links}
    timeout = settings.budget + 2 * settings.startup_timeout + settings.cell_timeout + 30
    worker = Worker(files, layout, limits, scratch_dir=scratch)
    try:
        with worker:
            reply = worker.call("nbrunner.run", request, timeout=timeout)
    except StudentError as exc:
        return Execution(None, [], {}, {}, f"the notebook run failed: {exc.message}", None,
                         time.perf_counter() - t0, neutralised=neutralised)
    return _execution(reply, name, neutralised, time.perf_counter() - t0)


def _execution(reply: Any, name: str, neutralised: list[str], elapsed: float) -> Execution:
    if not isinstance(reply, dict):
        return Execution(None, [], {}, {}, "the notebook run sent back a malformed reply", None,
                         elapsed, neutralised=neutralised)
    notebook, problem = None, reply.get("problem")
    if isinstance(reply.get("notebook"), str):
        try:
            notebook = parse_notebook(reply["notebook"], name)
        except NotebookError as exc:
            problem = f"the executed notebook could not be read back: {exc}"
    cells = []
    for c in reply.get("cells") or []:
        if isinstance(c, dict) and isinstance(c.get("index"), int):
            cells.append(CellRun(c["index"], str(c.get("status", "?"))[:20],
                                 float(c.get("seconds") or 0.0), str(c.get("detail", ""))[:500]))
    values = reply.get("values") if isinstance(reply.get("values"), dict) else {}
    errors = reply.get("value_errors") if isinstance(reply.get("value_errors"), dict) else {}
    kernel = reply.get("kernel_start_s")
    return Execution(notebook=notebook, cells=cells, values=values,
                     value_errors={str(k): str(v)[:300] for k, v in errors.items()},
                     problem=str(problem)[:800] if problem else None,
                     kernel_start_s=float(kernel) if isinstance(kernel, (int, float)) else None,
                     total_s=elapsed, restarts=int(reply.get("restarts") or 0),
                     neutralised=neutralised)


__all__ = ["Execution", "ExecuteSettings", "CellRun", "execute_notebook", "neutralise", "prepare",
           "SandboxError"]
