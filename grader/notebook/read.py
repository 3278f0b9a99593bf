"""Read a notebook's stored outputs (no kernel): nbformat parse + schema validation, then a
per-cell summary.

``read_notebook(path)`` / ``parse_notebook(text, name)`` return a ``Notebook``:

* ``cells``: one ``Cell`` per notebook cell (0-based ``index``; messages show ``cell N`` with
  N = index + 1): type, source, ``execution_count`` (``None``: never executed), the text the cell
  printed (stdout/stderr streams and ``text/plain`` results, in order) and, for a cell that
  raised, its ``CellError`` (exception name, value and the traceback's last line);
* ``validation``: what nbformat's JSON Schema validation found (empty for a valid notebook);
* ``unexecuted()``, ``errors()``, ``order_problems()``: the workflow facts checks report.

A file that is not JSON (corrupt, truncated, not a notebook) raises ``NotebookError`` with a
one-line message fit for a report. A notebook is untrusted: its size is capped before reading
(``MAX_BYTES``), and every text kept is capped too (``MAX_CELL_CHARS`` per cell output).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path


MAX_BYTES = 50 * 2**20          # the intake's per-file cap
MAX_CELL_CHARS = 200_000        # output text kept per cell (head and tail)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


class NotebookError(Exception):
    """A notebook that cannot be read at all. ``str(error)`` is one line, fit for a report."""


@dataclass(frozen=True)
class CellError:
    """An exception a cell raised: ``ename: evalue``; ``last_line`` is the traceback's last line."""

    ename: str
    evalue: str
    last_line: str


@dataclass(frozen=True)
class Cell:
    """One cell. ``output_text`` is what it printed (streams and text results), ANSI-stripped."""

    index: int
    cell_type: str
    source: str
    execution_count: int | None = None
    output_text: str = ""
    error: CellError | None = None
    has_outputs: bool = False

    @property
    def label(self) -> str:
        """How messages name the cell: ``cell 7 [In 12]`` (1-based position, execution count)."""
        count = f" [In {self.execution_count}]" if self.execution_count is not None else ""
        return f"cell {self.index + 1}{count}"

    @property
    def is_code(self) -> bool:
        return self.cell_type == "code"

    @property
    def is_empty(self) -> bool:
        return not self.source.strip()

    @property
    def ran(self) -> bool:
        """The cell was executed: it has an execution count, or outputs (a Colab export keeps
        the outputs and saves null counts, docs/courses.md §1.2)."""
        return self.execution_count is not None or self.has_outputs

    @property
    def colab_setup(self) -> bool:
        """The course's Colab set-up cell (it mounts Google Drive): housekeeping, not work;
        outside Colab it is left unrun or fails, as the course expects."""
        return "drive.mount(" in self.source

    @property
    def shell_only(self) -> bool:
        """Only magics and shell escapes (``!zip ...``, ``%cd ...``): course housekeeping."""
        lines = [ln.strip() for ln in self.source.splitlines() if ln.strip()]
        return bool(lines) and all(ln.startswith(("!", "%")) for ln in lines)


@dataclass(frozen=True)
class Notebook:
    """A parsed notebook. ``name`` is its path inside the submission (for messages)."""

    name: str
    cells: list[Cell]
    nbformat: str = "4"
    validation: list[str] = field(default_factory=list)

    @property
    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.is_code and not c.is_empty]

    @property
    def ran(self) -> bool:
        """Some code cell holds a run: an execution count or stored outputs (a Colab export
        keeps outputs with null counts). A course's starter notebook holds none."""
        return any(c.execution_count is not None or c.has_outputs for c in self.code_cells)

    def unexecuted(self) -> list[Cell]:
        """Non-empty code cells that were never run (no execution count and no output)."""
        return [c for c in self.code_cells if not c.ran]

    def errors(self) -> list[Cell]:
        """Code cells whose stored outputs hold an error."""
        return [c for c in self.code_cells if c.error is not None]

    def order_problems(self) -> list[tuple[Cell, Cell]]:
        """Pairs ``(earlier cell, later cell)`` where the later cell in the document ran first
        (its execution count is smaller): outputs that a top-to-bottom run would not give."""
        problems, highest = [], None
        for cell in self.code_cells:
            if cell.execution_count is None:
                continue
            if highest is not None and cell.execution_count < highest.execution_count:
                problems.append((highest, cell))
            if highest is None or cell.execution_count > highest.execution_count:
                highest = cell
        return problems


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def _cap(text: str, limit: int = MAX_CELL_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + f"\n[... {len(text) - limit} characters not kept ...]\n" + text[-half:]


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _error_of(output: dict) -> CellError:
    ename = strip_ansi(_text(output.get("ename")))[:200]
    evalue = strip_ansi(_text(output.get("evalue")))[:500]
    lines = []
    for entry in output.get("traceback") or []:
        lines.extend(strip_ansi(_text(entry)).splitlines())
    lines = [ln.strip() for ln in lines if ln.strip()]
    last = lines[-1] if lines else (f"{ename}: {evalue}" if evalue else ename)
    return CellError(ename=ename, evalue=evalue, last_line=last[:500])


def _cell(index: int, raw: dict) -> Cell:
    cell_type = str(raw.get("cell_type", "?"))
    source = _text(raw.get("source"))
    if cell_type != "code":
        return Cell(index=index, cell_type=cell_type, source=source)
    count = raw.get("execution_count")
    count = count if isinstance(count, int) and not isinstance(count, bool) else None
    pieces, error = [], None
    outputs = raw.get("outputs") or []
    for out in outputs if isinstance(outputs, list) else []:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream":
            pieces.append(_text(out.get("text")))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data") if isinstance(out.get("data"), dict) else {}
            if "text/plain" in data:
                text = _text(data["text/plain"])
                pieces.append(text if text.endswith("\n") else text + "\n")
        elif kind == "error":
            error = _error_of(out)
    return Cell(index=index, cell_type=cell_type, source=source, execution_count=count,
                output_text=_cap(strip_ansi("".join(pieces))), error=error,
                has_outputs=bool(outputs))


def parse_notebook(text: str, name: str = "notebook.ipynb") -> Notebook:
    """Parse notebook JSON ``text``; raise ``NotebookError`` when it is not a usable notebook."""
    import nbformat   # only when there is a notebook (~0.3 s with jsonschema)
    from nbformat.reader import NotJSONError

    captured: dict = {}
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except NotJSONError:
        raise NotebookError(f"{name} is not valid JSON (corrupt or truncated file?): "
                            f"{_json_problem(text)}") from None
    except Exception as exc:  # nbformat refuses the structure (no nbformat key, bad version ...)
        detail = " ".join(str(exc).split())[:300]
        raise NotebookError(f"{name} is not a Jupyter notebook nbformat can read: {detail}") from None
    validation = []
    error = captured.get("ValidationError")
    if error is not None:
        where = "/".join(str(p) for p in getattr(error, "absolute_path", []))
        message = " ".join(str(getattr(error, "message", error)).split())[:300]
        validation.append(f"{where or 'notebook'}: {message}")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookError(f"{name} has no list of cells")
    return Notebook(name=name, cells=[_cell(i, c) for i, c in enumerate(cells) if isinstance(c, dict)],
                    nbformat=f"{nb.get('nbformat', '?')}.{nb.get('nbformat_minor', '?')}",
                    validation=validation)


def _json_problem(text: str) -> str:
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except Exception as exc:
        return type(exc).__name__
    return "nbformat could not read it"


def read_notebook(path: str | Path, name: str | None = None, max_bytes: int = MAX_BYTES) -> Notebook:
    """Read and parse the notebook at ``path`` (a regular file, at most ``max_bytes``)."""
    path = Path(path)
    name = name or path.name
    try:
        if path.is_symlink() or not path.is_file():
            raise NotebookError(f"{name} is not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise NotebookError(f"{name} is {size / 2**20:.1f} MiB, over the "
                                f"{max_bytes / 2**20:.0f} MiB limit for a notebook")
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"{name} could not be read: {exc.strerror or exc}") from None
    if not raw.strip():
        raise NotebookError(f"{name} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{name} is not UTF-8 text (byte {exc.start}); a notebook is a JSON "
                            "file: save it again from Jupyter") from None
    return parse_notebook(text, name)
