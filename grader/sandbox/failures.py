"""How the worker reports failures: one line for a report and a traceback trimmed to the
student's files. Describing a hostile exception (a raising ``__str__``, ``code`` property or
metaclass) runs student code; whatever that does, the failure stays the student's.
Standard library only.
"""
from __future__ import annotations

import os


class Fail(Exception):
    """A failed request, reported to the client as {kind, type, message, traceback}."""

    def __init__(self, kind: str, message: str, type_: str = "", traceback: str | None = None):
        super().__init__(message)
        self.wire = {"kind": kind, "type": type_, "message": one_line(message),
                     "traceback": traceback}


def one_line(text: str, cap: int = 400) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= cap else text[: cap - 3] + "..."


def safe_repr(x) -> str:
    try:
        return one_line(repr(x), 60)
    except BaseException:
        return "..."


def safe_str(e: BaseException) -> str:
    try:
        return one_line(str(e), 300)
    except BaseException:
        return "<the exception could not be printed>"


def type_name(obj) -> str:
    """The real class name of ``obj`` (a metaclass cannot make it lie or raise)."""
    try:
        name = type.__dict__["__name__"].__get__(type(obj), type)
        return name if type(name) is str else "object"
    except BaseException:
        return "object"


def _size(n: int) -> str:
    return f"{n / 2**30:g} GiB" if n >= 2**30 else f"{n / 2**20:g} MiB"


class Describer:
    """Turns exceptions raised by student code into ``Fail``s.

    roots:  the submission's folders (frames outside them are left out of tracebacks);
    memory: the address-space limit in bytes (named in a MemoryError message), or None.
    """

    def __init__(self, roots: list[str], memory: int | None):
        self.roots = [os.path.realpath(d) for d in roots if d]
        self.memory = memory

    def rel(self, filename: str | None) -> str | None:
        if not filename:
            return None
        path = os.path.realpath(filename)
        for root in self.roots:
            if path.startswith(root + os.sep):
                return os.path.relpath(path, root)
        return None

    def _trim(self, e: BaseException) -> tuple[str, str]:
        """(traceback limited to the student's files, 'file.py:12 in func' of the last frame)."""
        import traceback
        frames = [(self.rel(f.filename), f) for f in traceback.extract_tb(e.__traceback__)]
        mine = [(rel, f) for rel, f in frames if rel]
        where = f"{mine[-1][0]}:{mine[-1][1].lineno} in {mine[-1][1].name}" if mine else ""
        omitted = max(0, len(mine) - 12)
        lines = ["Traceback (most recent call last):\n"]
        if omitted:
            lines.append(f"  [... {omitted} earlier frames omitted ...]\n")
        for rel, f in mine[-12:]:
            lines.append(f'  File "{rel}", line {f.lineno}, in {f.name}\n')
            try:
                if f.line:
                    lines.append(f"    {f.line.strip()}\n")
            except BaseException:
                pass
        lines.append(f"{type_name(e)}: {safe_str(e)}")
        return "".join(lines), where

    def student_failure(self, e: BaseException, desc: str) -> Fail:
        """The report of a failed call. Describing a hostile exception runs its code (a
        ``code`` property, a metaclass): whatever that does, the failure stays the student's."""
        try:
            return self._describe_student_failure(e, desc)
        except BaseException:
            if issubclass(type(e), SystemExit):
                return Fail("exception", f"called sys.exit inside {desc} (with an exit code "
                             "that could not be read)", type_name(e))
            return Fail("exception", f"{desc} raised {type_name(e)}, which could not be "
                         "described (reading its attributes failed)", type_name(e))

    def import_failure(self, e: BaseException, canon: str) -> Fail:
        try:
            return self._describe_import_failure(e, canon)
        except BaseException:
            what = f"importing {canon}" if canon else "importing the submission package"
            return Fail("import_error", f"{what} raised {type_name(e)}, which could not be "
                         "described (reading its attributes failed)", type_name(e))

    def _describe_student_failure(self, e: BaseException, desc: str) -> Fail:
        tb, where = self._trim(e)
        loc = f" ({where})" if where else ""
        name, text = type_name(e), safe_str(e)
        if isinstance(e, SystemExit):
            return Fail("exception", f"called sys.exit({safe_repr(e.code)}) inside {desc}{loc}",
                         name, tb)
        if isinstance(e, NotImplementedError):
            return Fail("not_implemented", f"{desc} is not implemented"
                         + (f": {text}" if text else "") + loc, name, tb)
        if isinstance(e, MemoryError) and self.memory:
            return Fail("exception", f"{desc} raised MemoryError{loc}; the sandbox allows "
                         f"{_size(self.memory)} of memory", name, tb)
        return Fail("exception", f"{desc} raised {name}" + (f": {text}" if text else "") + loc,
                     name, tb)

    def _describe_import_failure(self, e: BaseException, canon: str) -> Fail:
        name = type_name(e)
        what = f"importing {canon}" if canon else "importing the submission package (__init__.py)"
        if isinstance(e, SyntaxError):
            rel = self.rel(e.filename) or os.path.basename(e.filename or "?")
            line = (e.text or "").strip()
            tb = f'  File "{rel}", line {e.lineno}\n' + (f"    {line}\n" if line else "") + \
                 f"{name}: {e.msg}"
            return Fail("import_error", f"{what} failed: {name} in {rel}:{e.lineno}: {e.msg}",
                         name, tb)
        tb, where = self._trim(e)
        loc = f" ({where})" if where else ""
        if isinstance(e, SystemExit):
            return Fail("import_error", f"{what} called sys.exit({safe_repr(e.code)}){loc}",
                         name, tb)
        return Fail("import_error", f"{what} raised {name}: {safe_str(e)}{loc}", name, tb)
