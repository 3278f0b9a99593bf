"""Reading untrusted Python source WITHOUT running it: what detection and the report need.

Everything here reads text (size-capped) and at most compiles it to an AST; no student code is
executed in the grader. Python 2 files cannot be parsed by Python 3, so the facts detection needs
(a class's ``__init__`` keywords, a function's docstring) are read with regular expressions that
work on both.
"""
from __future__ import annotations

import re
from pathlib import Path

MAX_SOURCE_BYTES = 512 * 1024   # larger .py files are not scanned (course files are < 50 KiB)

#: numpy names removed in 1.24 (the aliases) and in 2.0; course code from 2016-2019 uses some.
REMOVED_NUMPY = {
    "int": "1.24 (use int or np.int64)", "float": "1.24 (use float or np.float64)",
    "bool": "1.24 (use bool or np.bool_)", "object": "1.24 (use object)", "long": "1.24 (use int)",
    "complex": "1.24 (use complex)", "str": "1.24 (use str)", "unicode": "1.24 (use str)",
    "float_": "2.0 (use np.float64)", "complex_": "2.0 (use np.complex128)",
    "Inf": "2.0 (use np.inf)", "NaN": "2.0 (use np.nan)", "NINF": "2.0 (use -np.inf)",
    "PINF": "2.0 (use np.inf)", "infty": "2.0 (use np.inf)", "string_": "2.0 (use np.bytes_)",
    "unicode_": "2.0 (use np.str_)", "asfarray": "2.0 (use np.asarray(x, dtype=float))",
    "alltrue": "2.0 (use np.all)", "sometrue": "2.0 (use np.any)", "product": "2.0 (use np.prod)",
    "cumproduct": "2.0 (use np.cumprod)", "round_": "2.0 (use np.round)",
}
#: What each removed name meant, as ``module.attribute`` (restored for course years that had it).
NUMPY_MEANING = {
    "int": "builtins.int", "float": "builtins.float", "bool": "builtins.bool",
    "object": "builtins.object", "long": "builtins.int", "complex": "builtins.complex",
    "str": "builtins.str", "unicode": "builtins.str", "float_": "numpy.float64",
    "complex_": "numpy.complex128", "Inf": "numpy.inf", "NaN": "numpy.nan", "NINF": "-numpy.inf",
    "PINF": "numpy.inf", "infty": "numpy.inf", "string_": "numpy.bytes_", "unicode_": "numpy.str_",
    "asfarray": "numpy.asfarray", "alltrue": "numpy.all", "sometrue": "numpy.any",
    "product": "numpy.prod", "cumproduct": "numpy.cumprod", "round_": "numpy.round",
}
_NUMPY_USE = re.compile(r"\b(?:np|numpy)\.(" + "|".join(sorted(REMOVED_NUMPY, key=len, reverse=True))
                        + r")\b")


def read_source(path: Path) -> str | None:
    """The text of a .py file (undecodable bytes replaced), or None if missing, a symlink or too big."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


def compile_problem(path: Path, rel: str) -> str | None:
    """``"rel:LINE: what is wrong"`` when the file is not valid Python 3, else None."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    try:
        compile(data, rel, "exec", dont_inherit=True)
        return None
    except TabError as exc:
        return f"{rel}:{exc.lineno}: mixed tabs and spaces in the indentation (TabError): {exc.msg}"
    except IndentationError as exc:
        return f"{rel}:{exc.lineno}: IndentationError: {exc.msg}"
    except SyntaxError as exc:
        return f"{rel}:{exc.lineno or '?'}: {_explain_syntax_error(exc)}"
    except (ValueError, RecursionError, MemoryError) as exc:   # null bytes, absurd nesting
        return f"{rel}: cannot be compiled ({type(exc).__name__})"


def _explain_syntax_error(exc: SyntaxError) -> str:
    msg, text = exc.msg or "invalid syntax", (exc.text or "").strip()
    if "Missing parentheses in call to 'print'" in msg or re.match(r"print\s+[^(=\s]", text):
        return "Python 2 print statement (Python 3 needs print(...))"
    if "Missing parentheses in call to 'exec'" in msg:
        return "Python 2 exec statement"
    if re.match(r"except\s+[\w.]+\s*,\s*\w+\s*:", text):
        return "Python 2 'except E, e:' (Python 3 needs 'except E as e:')"
    if re.match(r"raise\s+[\w.]+\s*,", text):
        return "Python 2 'raise E, message' (Python 3 needs 'raise E(message)')"
    if "leading zeros in decimal integer literals" in msg:
        return "Python 2 octal literal (Python 3 needs 0o...)"
    if "Non-UTF-8 code" in msg or "codec can't decode" in msg or "(unicode error)" in msg:
        return ("the file is not UTF-8 text (a non-ASCII character, e.g. in a comment, saved in "
                "another encoding)")
    if "`" in text:
        return "Python 2 backquotes (use repr(...))"
    if "<>" in text:
        return "Python 2 '<>' operator (use !=)"
    return f"SyntaxError: {msg}"


def top_level_imports(source: str) -> list[tuple[int, str]]:
    """``(line, top-level package)`` for each import statement (regex: works on Python 2 too)."""
    found = []
    for lineno, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        m = re.match(r"from\s+([A-Za-z_]\w*)[\w.]*\s+import\b", stripped)
        if m:
            found.append((lineno, m.group(1)))
            continue
        m = re.match(r"import\s+(.+)", stripped)
        if m:
            for part in m.group(1).split("#")[0].split(","):
                name = part.strip().split(" ")[0].split(".")[0]
                if re.fullmatch(r"[A-Za-z_]\w*", name):
                    found.append((lineno, name))
    return found


def module_level_imports(source: str) -> list[tuple[int, str]]:
    """Like ``top_level_imports`` but only statements at column 0 (run when the module is imported)."""
    lines = source.splitlines()
    return [(n, name) for n, name in top_level_imports(source)
            if lines[n - 1][:1] not in (" ", "\t")]


def init_keywords(source: str, class_name: str) -> set[str] | None:
    """The names in ``class_name.__init__``'s parameter list (None: no such class/method)."""
    m = re.search(r"^\s*class\s+" + re.escape(class_name) + r"\b.*?^\s*def\s+__init__\s*\((.*?)\)\s*:",
                  source, re.S | re.M)
    if not m:
        return None
    return set(re.findall(r"\b([A-Za-z_]\w*)\s*(?==|,|$)", m.group(1).replace("\n", " ") + ","))


def function_text(source: str, name: str) -> str | None:
    """The text from ``def name`` to the next top-level ``def``/``class`` (docstring included)."""
    m = re.search(r"^def\s+" + re.escape(name) + r"\b.*?(?=^(?:def|class)\s|\Z)", source, re.S | re.M)
    return m.group(0) if m else None


def defines(source: str, name: str) -> bool:
    """Whether the text defines a function or class ``name`` at any level."""
    return re.search(r"^\s*(?:def|class)\s+" + re.escape(name) + r"\b", source, re.M) is not None


def removed_in(name: str) -> str:
    """The numpy release that removed ``name`` ("1.24" or "2.0")."""
    return REMOVED_NUMPY[name].split(" ", 1)[0]


def removed_numpy_uses(source: str) -> list[tuple[int, str]]:
    """``(line, alias)`` for each use of a numpy name that numpy 2 no longer has (comments skipped)."""
    found = []
    for lineno, line in enumerate(source.splitlines(), 1):
        code = line.split("#", 1)[0]
        for m in _NUMPY_USE.finditer(code):
            found.append((lineno, m.group(1)))
    return found

