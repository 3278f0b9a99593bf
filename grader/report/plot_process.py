"""The HTML report's plots, drawn in a second process while the checks run (``grade --html``).

matplotlib's import costs about as much as all the plots of a page, and the grading process is
busy planning the run (one core) and then mostly waits for its sandboxed workers. So the CLI
starts a ``PlotProcess`` before it grades: a child Python process that imports matplotlib and
draws a first plot at once. As each result comes in (``GradeOptions.on_result``), the panels
the page would draw among the results seen so far (``html.plot_candidates``: a panel the page
draws is among the first ``MAX_PLOTS`` of any part of the results too) are sent to the child,
one at a time and best first, so that a panel pushed out by a later result before its turn is
never drawn. ``finish()`` waits for the last ones; the page then takes its plots from there
(``plots.prerendered``, by ``plots.plot_key``) and draws itself whatever is missing, e.g. when
the child could not start. The child runs the same ``plots.plot_panel`` on the same matplotlib
and settings, so the page is byte for byte the one drawn in one process.

The child is trusted grader code: it draws the numbers the grader measured, nothing else.
Messages are length-prefixed pickles over its stdin and stdout.
"""
from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from ..result import CheckResult
from .html import MAX_PLOTS, plot_candidates
from .plots import Plot, panel_requests, plot_key, plot_panel, warm_up

_LENGTH = struct.Struct("!I")
ROOT = Path(__file__).resolve().parents[2]      # the folder holding the grader package


def _send(stream: BinaryIO, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO):
    """The next message, or ``None`` once the other side has closed the pipe."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    return pickle.loads(data) if len(data) == length else None


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The child: warm up, then ``(key, panel, lines, title)`` in, ``(key, Plot or None)`` out,
    until the pipe closes. A plot that fails is answered with ``False``: the page draws it
    itself (and says why, as without this process)."""
    warm_up()
    while (request := _receive(requests)) is not None:
        key, panel, lines, title = request
        try:
            plot = plot_panel(panel, lines, title)
        except Exception:   # noqa: BLE001  (the page draws it again and reports the problem)
            plot = False
        _send(replies, (key, plot))


class PlotProcess:
    """The main process's side: offer results as they come in, then ``finish()``.

    ``audience``: the report's (a withheld check's series are not shown to students, so they
    are not drawn). ``limit``: the plots one page draws (``html.MAX_PLOTS``)."""

    def __init__(self, audience: str = "student", limit: int = MAX_PLOTS):
        self.audience, self.limit = audience, limit
        self.drawn: dict[str, Plot | None] = {}
        self._candidates: list[tuple[int, int, str, str]] = []
        self._requests: dict[tuple[str, str], tuple] = {}     # (check, panel) -> plot_panel's args
        self._sent: set[tuple[str, str]] = set()
        self._finishing = False
        self._changed = threading.Condition()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
        try:
            self._child = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        except OSError:
            self._child = None       # the page draws its plots itself
            return
        self._feeder = threading.Thread(target=self._feed, name="plot-process", daemon=True)
        self._feeder.start()

    def offer(self, position: int, result: CheckResult) -> None:
        """``result`` is at ``position`` in the report (``GradeOptions.on_result``); safe to call
        from the threads that run the checks."""
        if not result.series or (self.audience == "student" and result.withheld()):
            return
        with self._changed:
            for (check, panel), args in _requests(result).items():
                self._requests[(check, panel)] = args
            self._candidates += plot_candidates(position, result)
            self._candidates.sort()
            self._changed.notify()

    def _next(self) -> tuple | None:
        """The best panel wanted now and not sent yet (under the lock)."""
        for _, _, check, panel in self._candidates[:self.limit]:
            if (check, panel) not in self._sent:
                self._sent.add((check, panel))
                return self._requests[(check, panel)]
        return None

    def _feed(self) -> None:
        try:
            while True:
                with self._changed:
                    while (args := self._next()) is None and not self._finishing:
                        self._changed.wait()
                if args is None:
                    return
                key = plot_key(*args)
                _send(self._child.stdin, (key, *args))
                reply = _receive(self._child.stdout)
                if reply is None:
                    return                      # the child is gone: the page draws the rest
                if reply[1] is not False:
                    self.drawn[reply[0]] = reply[1]
        except (OSError, ValueError, pickle.PickleError, EOFError):
            return

    def finish(self) -> dict[str, Plot | None]:
        """Wait for the panels still wanted, stop the child; ``{plot_key: Plot or None}``."""
        if self._child is None:
            return {}
        with self._changed:
            self._finishing = True
            self._changed.notify()
        self._feeder.join()
        self.close()
        return dict(self.drawn)

    def alive(self) -> bool:
        return self._child is not None and self._child.poll() is None

    def close(self) -> None:
        """Stop the child (it exits when its stdin closes); nothing else is drawn."""
        if self._child is None:
            return
        with self._changed:
            self._finishing = True
            self._sent.update(self._requests)       # nothing more to send
            self._changed.notify()
        try:
            self._child.stdin.close()
        except OSError:
            pass
        try:
            self._child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()
        self._feeder.join()         # it reads the child's last reply, or the end of its output
        self._child.stdout.close()


def _requests(result: CheckResult) -> dict[tuple[str, str], tuple]:
    return {(result.name, args[0]): args for args in panel_requests(result.series, result.name)}


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
    os._exit(0)     # at once: the grade waits for this process, not for its interpreter's teardown
