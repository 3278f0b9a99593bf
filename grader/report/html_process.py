"""The HTML report's plots and notebooks, made in a second process while the checks run
(``grade SUB --html``).

matplotlib's import costs about as much as all the plots of a page, nbconvert's import and first
conversion more still, and the grading process is busy planning the run (one core) and then
mostly waits for its sandboxed workers. So the CLI starts an ``HtmlProcess`` before it grades: a
child Python process that imports matplotlib and draws a first plot at once, then converts the
submission's notebooks (``notebook_html.convert`` depends on the notebook alone; the flags are
marked afterwards). As each result comes in (``GradeOptions.on_result``), the panels the page
would draw among the results seen so far (``html.plot_candidates``: a panel the page draws is
among the first ``MAX_PLOTS`` of any part of the results too) are sent to the child, one at a
time and best first, so that a panel pushed out by a later result before its turn is never
drawn. ``finish()`` waits for the last ones; the page then takes what the child made by its
inputs (``Made.serving``: ``plots.prerendered`` by ``plots.plot_key``, ``notebook_html.converted``
by ``notebook_html.conversion_key``) and makes whatever is missing itself, e.g. when the child
could not start. The child runs the same functions on the same libraries and settings, so the
page is byte for byte the one made in one process.

The child is trusted grader code: it draws the numbers the grader measured and converts the
notebooks the page shows anyway. Messages are length-prefixed pickles over its stdin and stdout.
"""
from __future__ import annotations

import contextlib
import pickle
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from ..result import CheckResult
from . import notebook_html, plots

_LENGTH = struct.Struct("!I")
ROOT = Path(__file__).resolve().parents[2]      # the folder holding the grader package
# The child imports this very grader: from ROOT in place of the current folder (an installed
# grader: ROOT is on its path already), serves until its stdin closes, and exits without a
# teardown. A child that found another grader serves nothing (the page makes everything).
CHILD = """import os, sys
root = sys.argv[1]
if root in sys.path[1:]:
    del sys.path[0]
else:
    sys.path[0] = root
from grader.report.html_process import serve
serve(sys.stdin.buffer, sys.stdout.buffer, root)
os._exit(0)
"""
PLOT, NOTEBOOK = "plot", "notebook"


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


def serve(requests: BinaryIO, replies: BinaryIO, root: str) -> None:
    """The child: warm up, then ``(kind, key, args)`` in, ``(kind, key, made)`` out, until the
    pipe closes: a plot is ``plots.plot_panel(*args)``, a notebook ``notebook_html.convert(*args)``.
    Anything that fails is answered with ``False``: the page makes it itself (and says why, as
    without this process). ``root``: where the parent's grader is; any other serves nothing."""
    if Path(root) != ROOT:
        return
    plots.warm_up()
    while (request := _receive(requests)) is not None:
        kind, key, args = request
        try:
            made = plots.plot_panel(*args) if kind == PLOT else notebook_html.convert(*args)
        except Exception:   # noqa: BLE001  (the page makes it again and reports the problem)
            made = False
        _send(replies, (kind, key, made))


@dataclass
class Made:
    """What the child made: ``{plot_key: Plot or None}`` and ``{conversion_key: (html, problem)}``."""

    plots: dict = field(default_factory=dict)
    notebooks: dict = field(default_factory=dict)

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """While open, the page takes these instead of making them again."""
        with plots.prerendered(self.plots), notebook_html.converted(self.notebooks):
            yield


class HtmlProcess:
    """The main process's side: ``notebooks(submission)``, ``offer`` results as they come in,
    then ``finish()``.

    ``audience``: the report's (a withheld check's series are not shown to students, so they
    are not drawn). ``limit``: the plots one page draws (default ``html.MAX_PLOTS``)."""

    def __init__(self, audience: str = "student", limit: int | None = None):
        from .html import MAX_PLOTS

        self.audience, self.limit = audience, MAX_PLOTS if limit is None else limit
        self.made = Made()
        self._candidates: list[tuple[int, int, str, str]] = []
        self._plots: dict[tuple[str, str], tuple] = {}     # (check, panel) -> plot_panel's args
        self._sent: set[tuple[str, str]] = set()
        self._notebooks: list[tuple[str, tuple]] = []        # (conversion_key, convert's args)
        self._finishing = False
        self._changed = threading.Condition()
        try:
            self._child = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT)],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL)
        except (OSError, ValueError, TypeError):
            self._child = None       # the page makes everything itself
            return
        self._feeder = threading.Thread(target=self._feed, name="html-process", daemon=True)
        self._feeder.start()

    def notebooks(self, submission: Path) -> None:
        """Convert the notebooks of ``submission`` (a folder or an ``.ipynb`` file; the page
        extracts a zip again itself), numbered as the page numbers them."""
        if self._child is None or not (submission.is_dir() or submission.suffix.lower() == ".ipynb"):
            return
        with notebook_html.notebook_files(submission) as files:
            texts = []
            for _, path in files:
                try:
                    texts.append(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    texts.append(None)            # the page says why it cannot show it
        with self._changed:
            for index, text in enumerate(texts):
                if text is not None:
                    self._notebooks.append((notebook_html.conversion_key(text, index), (text, index)))
            self._changed.notify()

    def offer(self, position: int, result: CheckResult) -> None:
        """``result`` is at ``position`` in the report (``GradeOptions.on_result``); safe to call
        from the threads that run the checks."""
        from .html import plot_candidates

        if self._child is None or not result.series or (
                self.audience == "student" and result.withheld()):
            return
        try:
            requests = plots.panel_requests(result.series, result.name)
            candidates = plot_candidates(position, result)
        except Exception:   # noqa: BLE001  (never a reason to stop grading: the page draws it)
            return
        with self._changed:
            for args in requests:
                self._plots[(result.name, args[0])] = args
            self._candidates += candidates
            self._candidates.sort()
            self._changed.notify()

    def _next(self) -> tuple | None:
        """``(kind, key, args)`` of what to make next (under the lock): the notebooks, then the
        best panel wanted now and not sent yet."""
        if self._notebooks:
            key, args = self._notebooks.pop(0)
            return NOTEBOOK, key, args
        for _, _, check, panel in self._candidates[:self.limit]:
            if (check, panel) not in self._sent:
                self._sent.add((check, panel))
                args = self._plots[(check, panel)]
                return PLOT, plots.plot_key(*args), args
        return None

    def _feed(self) -> None:
        try:
            while True:
                with self._changed:
                    while (request := self._next()) is None and not self._finishing:
                        self._changed.wait()
                if request is None:
                    return
                _send(self._child.stdin, request)
                reply = _receive(self._child.stdout)
                if reply is None:
                    return                      # the child is gone: the page makes the rest
                kind, key, made = reply
                if made is not False:
                    (self.made.plots if kind == PLOT else self.made.notebooks)[key] = made
        except (OSError, ValueError, pickle.PickleError, EOFError):
            return

    def finish(self) -> Made:
        """Wait for what is still wanted, stop the child, and return what it made."""
        if self._child is not None:
            with self._changed:
                self._finishing = True
                self._changed.notify()
            self._feeder.join()
            self.close()
        return self.made

    def alive(self) -> bool:
        return self._child is not None and self._child.poll() is None

    def close(self) -> None:
        """Stop the child (it exits when its stdin closes); nothing more is made."""
        if self._child is None:
            return
        with self._changed:
            self._finishing = True
            self._notebooks.clear()
            self._sent.update(self._plots)            # nothing more to send
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

