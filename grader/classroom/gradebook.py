"""The class outputs, built from stored records only (never from timings, so they are byte-stable).

* ``gradebook.csv``: one row per student, sorted by id: student, name, email, sid, total, max,
  one column per rubric section (points earned), status (``graded``/``error``/``timeout``), reason.
* ``checks.csv``: long form, one row per student and check: student, section, check, points,
  max, status.
* ``summary.json``: the number of students, counts per status, statistics of the total (mean,
  median, min, max, the 10/25/75/90 % quantiles; students with status ``error`` left out), and per check its pass rate and the mistake most often named in its failure messages
  (the ``Diagnosis:`` part, see ``grader/checks/diagnosis.py``).
* ``canvas.csv`` (with ``--canvas-csv``): the identity columns of a Canvas gradebook export plus
  the assignment column, filled with each matched student's total, ready for Canvas's import.
"""
from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..result import Report, format_points
from .inputs import Submission

DIAGNOSIS = re.compile(r"Diagnosis: ([^\n]+)")
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


@dataclass(frozen=True)
class Row:
    """One student's line: who, and the stored record (``report``: a ``Report`` or None)."""

    submission: Submission
    status: str
    reason: str
    report: Report | None

    @classmethod
    def of(cls, submission: Submission, record: dict) -> Row:
        data = record.get("report")
        return cls(submission, record["status"], record.get("reason", ""),
                   Report.from_dict(data) if data else None)


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def sections(rows: list[Row]) -> list[str]:
    """Section names in order of first appearance over the (sorted) students."""
    names: dict[str, None] = {}
    for row in rows:
        if row.report is not None:
            names.update(dict.fromkeys(row.report.by_section()))
    return list(names)


def gradebook_csv(rows: list[Row]) -> str:
    names = sections(rows)
    lines = [["student", "name", "email", "sid", "total", "max", *names, "status", "reason"]]
    for row in rows:
        s, report = row.submission, row.report
        scores = report.section_scores() if report else {}
        lines.append([s.id, s.name, s.email, s.sid,
                      format_points(report.score) if report else "",
                      format_points(report.max_score) if report else "",
                      *(format_points(scores[n][0]) if n in scores else "" for n in names),
                      row.status, row.reason])
    return _csv(lines)


def checks_csv(rows: list[Row]) -> str:
    lines = [["student", "section", "check", "points", "max", "status"]]
    for row in rows:
        for r in row.report.results if row.report else ():
            lines.append([row.submission.id, r.section, r.name, format_points(r.points),
                          format_points(r.max_points), r.status])
    return _csv(lines)


def diagnoses(message: str) -> list[str]:
    """The mistakes a check message names (``... Diagnosis: a; b``)."""
    return [part.strip() for m in DIAGNOSIS.finditer(message or "") for part in m.group(1).split("; ")
            if part.strip()]


def _round(x: float) -> float:
    return round(float(x), 4)


def summary(rows: list[Row], layout: str, notes: list[str]) -> dict:
    totals = [row.report.score for row in rows if row.report is not None and row.status != "error"]
    stats = None
    if totals:
        q = statistics.quantiles(totals, n=20, method="inclusive") if len(totals) > 1 else [totals[0]] * 19
        stats = {"mean": _round(statistics.fmean(totals)), "median": _round(statistics.median(totals)),
                 "min": _round(min(totals)), "max": _round(max(totals)),
                 "quantiles": {"10": _round(q[1]), "25": _round(q[4]), "75": _round(q[14]),
                               "90": _round(q[17])}}
    per_check: dict[str, dict] = {}
    mistakes: dict[str, Counter] = {}
    for row in rows:
        if row.report is None or row.status == "error":
            continue
        for r in row.report.results:
            entry = per_check.setdefault(r.name, {"section": r.section, "students": 0, "passed": 0})
            entry["students"] += 1
            entry["passed"] += r.status == "passed"
            if r.status != "passed":
                mistakes.setdefault(r.name, Counter()).update(set(diagnoses(r.message)))
    for name, entry in per_check.items():
        entry["pass_rate"] = _round(entry["passed"] / entry["students"])
        common = sorted(mistakes.get(name, Counter()).items(), key=lambda kv: (-kv[1], kv[0]))
        entry["most_frequent_mistake"] = ({"mistake": common[0][0], "students": common[0][1]}
                                          if common else None)
    max_scores = sorted({row.report.max_score for row in rows if row.report is not None})
    return {
        "count": len(rows),
        "layout": layout,
        "status": dict(sorted(Counter(row.status for row in rows).items())),
        "max": max_scores[-1] if max_scores else None,
        "total": stats,
        "checks": dict(sorted(per_check.items())),
        "notes": list(notes),
    }


def summary_json(rows: list[Row], layout: str, notes: list[str]) -> str:
    return json.dumps(summary(rows, layout, notes), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


class CanvasError(Exception):
    """The Canvas gradebook export cannot be read."""


def canvas_csv(rows: list[Row], export: Path, column: str) -> tuple[str, list[str]]:
    """A Canvas-importable CSV: the export's identity columns and ``column`` (the export's
    column whose header is ``column`` or starts with ``column (``; added when missing) holding
    each matched student's total. Students are matched by Canvas user id (``ID``), then SIS user
    id, then SIS login id / email. Returns (text, the graded students no row matched)."""
    try:
        with open(export, newline="", encoding="utf-8-sig") as fh:
            table = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CanvasError(f"{export}: {exc}") from None
    if not table or "Student" not in table[0] or "ID" not in table[0]:
        raise CanvasError(f"{export} is not a Canvas gradebook export (no Student and ID columns)")
    header = table[0]
    matches = [h for h in header if h == column or h.startswith(f"{column} (")]
    target = matches[0] if matches else column
    keep = [h for h in CANVAS_IDENTITY if h in header]
    index = {h: header.index(h) for h in keep}
    by_key: dict[str, Row] = {}
    for row in rows:
        for key in (row.submission.id, row.submission.sid, row.submission.email):
            if key:
                by_key.setdefault(key.lower(), row)
    used: set[str] = set()
    out = [keep + [target]]
    for line in table[1:]:
        cells = {h: (line[i] if i < len(line) else "") for h, i in index.items()}
        if cells.get("Student", "").strip().startswith(("Points Possible", "Student, Test")):
            if cells["Student"].strip().startswith("Points Possible"):
                best = max((r.report.max_score for r in rows if r.report), default=None)
                out.append([cells[h] for h in keep] + [format_points(best) if best is not None else ""])
            continue
        match = next((by_key[cells[h].strip().lower()] for h in ("ID", "SIS User ID", "SIS Login ID")
                      if cells.get(h, "").strip().lower() in by_key), None)
        score = ""
        if match is not None and match.report is not None and match.status != "error":
            score = format_points(match.report.score)
            used.add(match.submission.id)
        out.append([cells[h] for h in keep] + [score])
    unmatched = [r.submission.id for r in rows if r.report is not None and r.status != "error"
                 and r.submission.id not in used]
    return _csv(out), unmatched
