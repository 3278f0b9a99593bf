"""Runs one notebook with nbclient INSIDE the sandbox worker (stand-alone: imports nothing from
``grader``, whose folders the worker cannot see).

``grader.notebook.execute`` copies this file into a folder on the worker's ``sys.path`` and calls
``nbrunner.run(request)`` through the ordinary worker protocol, so the kernel is a child of the
sandboxed worker: same uid, namespaces and resource limits. Everything this module returns is
plain data (str, numbers, lists, dicts, numpy arrays of plain dtypes), checked again by the
protocol and by the grader; nothing is unpickled.

request (dict):
    notebook:        the notebook to run (nbformat JSON text, already prepared by the grader)
    cwd:             folder (relative to the worker's cwd) the kernel starts in
    cell_timeout:    seconds per cell; a cell over it is interrupted (then the kernel is restarted
                     if it does not come back)
    startup_timeout: seconds for the kernel to start
    budget:          seconds for the whole run; cells after it are reported ``not_run``
    setup_code:      code run silently at kernel start (and after a restart), before any cell
    values:          {name: expression}: evaluated in the kernel after the last cell, saved as
                     JSON / npz (no pickle) and returned as plain data
    links:           {relative path: absolute folder}: symlinks made before the kernel starts
                     (the dataset path the grader injects)
    output_chars:    text kept per cell output (head and tail)

returns (dict): notebook (executed JSON text, images dropped), cells ([{index, status,
seconds, detail}] with status ok | error | timeout | died | not_run), values, value_errors,
kernel_start_s, total_s, restarts, problem (None or why the run stopped early).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time

VALUES_JSON = "_grader_values.json"
VALUES_NPZ = "_grader_values.npz"
SOCKET_DIR = "k"
DROPPED = "[output removed by the grader: {mime}, {size} characters]"

# Run in the kernel after the last cell: evaluate the requested expressions and write what is
# plain data (numbers, strings, arrays, flat dicts/lists of those) to JSON and npz files.
VALUES_CODE = r'''
def __grader_save_values(_requests, _json_path, _npz_path):
    import json as _json
    import numpy as _np
    _plain, _arrays, _errors = {}, {}, {}
    _ns = get_ipython().user_ns
    def _convert(_name, _v):
        if isinstance(_v, (bool, int, float, str)) or _v is None:
            _plain[_name] = _v
        elif isinstance(_v, _np.generic):
            _plain[_name] = _v.item()
        elif isinstance(_v, _np.ndarray) and _v.dtype.kind in "biuf":
            _arrays[_name] = _np.ascontiguousarray(_v)
        elif isinstance(_v, dict) and all(isinstance(_k, str) for _k in _v):
            for _k, _x in _v.items():
                _convert(_name + "/" + _k, _x)
        elif isinstance(_v, (list, tuple)):
            try:
                _a = _np.asarray(_v)
            except Exception:
                _a = None
            if _a is not None and _a.dtype.kind in "biuf":
                _arrays[_name] = _a
            else:
                raise TypeError("a list that is not numeric")
        else:
            raise TypeError(type(_v).__name__ + " is not plain data")
    for _name, _expr in _requests.items():
        try:
            _convert(_name, eval(_expr, _ns))
        except BaseException as _e:
            _errors[_name] = type(_e).__name__ + ": " + str(_e)[:300]
    with open(_json_path, "w") as _f:
        _json.dump({"plain": _plain, "errors": _errors}, _f, allow_nan=True)
    _np.savez(_npz_path, **_arrays)
'''


def _trim_text(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    half = cap // 2
    return f"{text[:half]}\n[... {len(text) - cap} characters not kept ...]\n{text[-half:]}"


def _trim_outputs(nb, cap: int) -> None:
    """Drop rich outputs (images, HTML, widgets) and cap text, so the reply stays small."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = _trim_text(str(out.get("text", "")), cap)
            elif out.get("output_type") in ("display_data", "execute_result"):
                data = out.get("data", {})
                for mime in list(data):
                    if mime != "text/plain":
                        size = len(str(data[mime]))
                        del data[mime]
                        data.setdefault("text/plain", DROPPED.format(mime=mime, size=size))
                if "text/plain" in data:
                    data["text/plain"] = _trim_text(str(data["text/plain"]), cap)
            elif out.get("output_type") == "error":
                out["traceback"] = [_trim_text(str(t), cap) for t in out.get("traceback", [])[-20:]]
                out["evalue"] = _trim_text(str(out.get("evalue", "")), cap)


def _make_links(links: dict, base: str) -> None:
    for rel, target in (links or {}).items():
        path = os.path.normpath(os.path.join(base, rel))
        if not path.startswith(os.path.abspath(base) + os.sep) or not os.path.isdir(target):
            continue
        if os.path.lexists(path):
            continue   # the student's own copy (or link) stays
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            os.symlink(target, path)
        except OSError:
            pass


def _kernel_env(scratch: str) -> None:
    """Where the kernel keeps its files: inside the worker's scratch folder."""
    os.environ.update({
        "JUPYTER_RUNTIME_DIR": os.path.join(scratch, ".jupyter", "runtime"),
        "JUPYTER_DATA_DIR": os.path.join(scratch, ".jupyter", "data"),
        "JUPYTER_CONFIG_DIR": os.path.join(scratch, ".jupyter", "config"),
        "IPYTHONDIR": os.path.join(scratch, ".ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "MPLBACKEND": "Agg",
    })


class _Run:
    """One notebook run: a kernel over ipc sockets (the sandbox has no network), cell by cell."""

    def __init__(self, request: dict):
        import nbformat

        self.request = request
        self.nb = nbformat.reads(request["notebook"], as_version=4)
        self.scratch = os.getcwd()
        self.cwd = os.path.abspath(os.path.join(self.scratch, request.get("cwd") or "."))
        self.cell_timeout = float(request.get("cell_timeout", 30))
        self.startup_timeout = float(request.get("startup_timeout", 60))
        self.deadline = time.monotonic() + float(request.get("budget", 600))
        self.setup_code = request.get("setup_code") or ""
        self.cells: list[dict] = []
        self.restarts = 0
        self.problem = None
        self.client = None
        self.reply_errors: dict[int, str] = {}

    # -- kernel ----------------------------------------------------------------------------
    def _new_client(self):
        from jupyter_client.manager import AsyncKernelManager
        from nbclient import NotebookClient

        sockets = os.path.join(self.scratch, SOCKET_DIR)
        os.makedirs(sockets, exist_ok=True)
        km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                ip=os.path.join(sockets, f"kernel{self.restarts}"))
        client = NotebookClient(self.nb, km=km, timeout=int(max(1, self.cell_timeout)),
                                startup_timeout=int(max(1, self.startup_timeout)),
                                allow_errors=True, interrupt_on_timeout=True,
                                error_on_timeout={"ename": "CellTimeoutError",
                                                  "evalue": f"the cell ran over {self.cell_timeout:g} s",
                                                  "traceback": []},
                                record_timing=False, kernel_name="python3",
                                iopub_timeout=2, shell_timeout_interval=1,
                                resources={"metadata": {"path": self.cwd}})
        client.on_cell_error = self._on_error
        return client

    def _on_error(self, cell, cell_index, execute_reply) -> None:
        content = (execute_reply or {}).get("content", {})
        self.reply_errors[cell_index] = str(content.get("ename", ""))

    async def _start(self) -> None:
        self.client = self._new_client()
        await self.client.async_start_new_kernel(cwd=self.cwd)
        await self.client.async_start_new_kernel_client()
        if self.setup_code:
            await self._silent(self.setup_code, timeout=self.startup_timeout)

    async def _stop(self) -> None:
        if self.client is not None and self.client.km is not None:
            try:
                await self.client._async_cleanup_kernel()
            except Exception:
                pass
        self.client = None

    async def _silent(self, code: str, timeout: float) -> dict:
        """Run ``code`` without a cell (not recorded); returns the reply content."""
        reply = await self.client.kc.execute_interactive(code, silent=True, store_history=False,
                                                         timeout=timeout,
                                                         output_hook=lambda msg: None)
        return reply.get("content", {})

    async def _responsive(self) -> bool:
        try:
            await self._silent("pass", timeout=2)
            return True
        except Exception:
            return False

    # -- cells -----------------------------------------------------------------------------
    def _record(self, index: int, status: str, seconds: float = 0.0, detail: str = "") -> None:
        self.cells.append({"index": index, "status": status, "seconds": round(seconds, 3),
                           "detail": detail[:500]})

    async def _cells(self) -> None:
        from nbclient.exceptions import DeadKernelError

        stopped = None   # (status, detail) for every cell after a fatal problem
        for index, cell in enumerate(self.nb.cells):
            if cell.get("cell_type") != "code" or not str(cell.get("source", "")).strip():
                continue
            if stopped is None and time.monotonic() > self.deadline:
                stopped = ("not_run", "the notebook's time budget was used up")
                self.problem = self.problem or "the notebook's time budget was used up"
            if stopped is not None:
                cell["outputs"], cell["execution_count"] = [], None
                self._record(index, stopped[0], 0.0, stopped[1])
                continue
            t0 = time.monotonic()
            try:
                await self.client.async_execute_cell(cell, index)
            except DeadKernelError:
                self._record(index, "died", time.monotonic() - t0,
                             "the kernel died while running this cell (os._exit, a signal, or "
                             "the memory or CPU limit)")
                self.problem = f"the kernel died in cell {index + 1}"
                stopped = ("not_run", f"not run: the kernel died in cell {index + 1}")
                continue
            except Exception as exc:   # nbclient itself failed on this cell
                self._record(index, "error", time.monotonic() - t0, f"{type(exc).__name__}: {exc}")
                continue
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if self.reply_errors.get(index) == "CellTimeoutError":
                self._record(index, "timeout", time.monotonic() - t0,
                             f"interrupted after {self.cell_timeout:g} s")
                if not await self._responsive():
                    self.cells[-1]["detail"] += "; the kernel did not respond and was restarted, " \
                                                "so later cells ran without the earlier state"
                    await self._stop()
                    self.restarts += 1
                    try:
                        await self._start()
                    except Exception as exc:
                        self.problem = f"the kernel could not be restarted after cell {index + 1}: {exc}"
                        stopped = ("not_run", f"not run: cell {index + 1} hung and the kernel "
                                   "could not be restarted")
            elif errors:
                e = errors[-1]
                self._record(index, "error", time.monotonic() - t0,
                             f"{e.get('ename', '')}: {e.get('evalue', '')}")
            else:
                self._record(index, "ok", time.monotonic() - t0)

    async def _values(self) -> tuple[dict, dict]:
        requests = self.request.get("values") or {}
        if not requests or self.client is None:
            return {}, {}
        json_path = os.path.join(self.scratch, VALUES_JSON)
        npz_path = os.path.join(self.scratch, VALUES_NPZ)
        for p in (json_path, npz_path):
            if os.path.lexists(p):
                os.unlink(p)
        code = (VALUES_CODE + f"\n__grader_save_values({requests!r}, {json_path!r}, {npz_path!r})"
                "\ndel __grader_save_values\n")
        try:
            await self._silent(code, timeout=max(5.0, min(60.0, self.cell_timeout)))
        except Exception as exc:
            return {}, {name: f"the values could not be read: {exc}" for name in requests}
        return _load_values(json_path, npz_path, list(requests))

    async def main(self) -> dict:
        t0 = time.monotonic()
        try:
            await self._start()
        except Exception as exc:
            return {"problem": f"the kernel did not start: {type(exc).__name__}: {exc}"[:800]}
        kernel_start = time.monotonic() - t0
        try:
            await self._cells()
            values, value_errors = await self._values()
        finally:
            await self._stop()
        return {"kernel_start_s": round(kernel_start, 3), "values": values,
                "value_errors": value_errors}


def _load_values(json_path: str, npz_path: str, names: list) -> tuple[dict, dict]:
    import numpy as np

    values, errors = {}, {}
    try:
        with open(json_path) as f:
            data = json.load(f)
        values.update(data.get("plain", {}))
        errors.update({str(k): str(v) for k, v in data.get("errors", {}).items()})
        with np.load(npz_path, allow_pickle=False) as npz:
            for key in npz.files:
                values[key] = npz[key]
    except Exception as exc:
        return {}, {name: f"the values could not be read: {type(exc).__name__}: {exc}"
                    for name in names}
    for name in names:
        if name not in errors and not any(k == name or k.startswith(name + "/") for k in values):
            errors[name] = "not found"
    return values, errors


def run(request: dict) -> dict:
    """Execute ``request["notebook"]`` (see the module docstring) and return plain data."""
    import nbformat

    t0 = time.monotonic()
    scratch = os.getcwd()
    _kernel_env(scratch)
    runner = _Run(request)
    if not os.path.isdir(runner.cwd):
        os.makedirs(runner.cwd, exist_ok=True)
    _make_links(request.get("links") or {}, runner.cwd)
    result = asyncio.run(runner.main())
    _trim_outputs(runner.nb, int(request.get("output_chars", 20_000)))
    result.update({
        "notebook": nbformat.writes(runner.nb),
        "cells": runner.cells,
        "restarts": runner.restarts,
        "total_s": round(time.monotonic() - t0, 3),
    })
    result["problem"] = result.get("problem") or runner.problem
    shutil.rmtree(os.path.join(scratch, SOCKET_DIR), ignore_errors=True)
    return result


if __name__ == "__main__":   # a manual run outside the sandbox: python kernel_runner.py nb.ipynb
    with open(sys.argv[1], encoding="utf-8") as fh:
        print(json.dumps({k: v for k, v in run({"notebook": fh.read()}).items()
                          if k != "notebook"}, indent=1, default=str))
