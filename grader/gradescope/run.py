"""What ``run_autograder`` executes for each submission on Gradescope (docs/deployment.md).

Reads ``source/autograder.json`` (the rubrics), grades ``submission/``, notes lateness from
``submission_metadata.json``, writes ``results/results.json`` (Gradescope's format, rendered for
the student) and prints the instructor's report, hidden checks' messages included, on stdout:
Gradescope shows that output to instructors only (``stdout_visibility: hidden``). Paths are under
``/autograder``, or ``$AUTOGRADER_ROOT`` when set.

It always writes a results.json and exits 0: a submission that cannot be graded, or a fault of
the grader itself, is a message to the student, never a run without a result.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

from ..engine import GradeOptions, grade
from ..report.gradescope import render_gradescope
from ..report.terminal import render_terminal
from ..result import Report
from .bundle import CONFIG_NAME

ROOT_ENV = "AUTOGRADER_ROOT"


def read_config(source: Path) -> list[GradeOptions]:
    """What ``source/autograder.json`` grades with: its instructor packs (paths inside
    ``source``), or rubrics (installed names, or paths inside ``source``)."""
    config = json.loads((source / CONFIG_NAME).read_text(encoding="utf-8"))
    packs = [GradeOptions(pack=source / p) for p in config.get("packs", [])]
    rubrics = [GradeOptions(rubric=source / r if r.startswith("rubrics/") else r)
               for r in config.get("rubrics", [])]
    return packs + rubrics


def _when(text) -> _dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _duration(delta: _dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"]
    return " ".join(parts)


def lateness_note(metadata: dict) -> str | None:
    """One line when the submission came after its due date (an extension in ``users`` counts);
    None when on time or when the metadata does not say."""
    submitted = _when(metadata.get("created_at"))
    assignment = metadata.get("assignment") or {}
    dues = [_when((u.get("assignment") or {}).get("due_date")) for u in metadata.get("users") or []
            if isinstance(u, dict)]
    dues = [d for d in dues if d is not None]
    due = max(dues) if dues else _when(assignment.get("due_date"))
    if submitted is None or due is None or submitted <= due:
        return None
    late_due = _when(assignment.get("late_due_date"))
    where = "after the late due date" if late_due is not None and submitted > late_due else "after the due date"
    return (f"submitted {_duration(submitted - due)} {where} ({due.isoformat()}); "
            "late penalties are the course staff's, not part of this score")


def combine(reports: list[Report]) -> Report:
    """One report of several rubrics graded on the same submission (sections one after another)."""
    if len(reports) == 1:
        return reports[0]
    first = reports[0]
    notes = list(dict.fromkeys(n for r in reports for n in r.notes))
    return replace(first, rubric="+".join(r.rubric for r in reports),
                   rubric_title=" + ".join(r.rubric_title for r in reports),
                   results=[x for r in reports for x in r.results],
                   duration_s=round(sum(r.duration_s for r in reports), 3), notes=notes,
                   worker_stdout="\n".join(r.worker_stdout for r in reports if r.worker_stdout),
                   worker_stderr="\n".join(r.worker_stderr for r in reports if r.worker_stderr),
                   manual=[m for r in reports for m in r.manual],
                   error=next((r.error for r in reports if r.error is not None), None))


def grade_submission(root: Path) -> Report:
    """Grade ``root/submission`` with the bundle's rubrics; lateness is a note."""
    reports = [grade(root / "submission", options) for options in read_config(root / "source")]
    report = combine(reports)
    metadata_path = root / "submission_metadata.json"
    if metadata_path.is_file():
        try:
            metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            metadata = {}
        note = lateness_note(metadata) if isinstance(metadata, dict) else None
        if note is not None:
            report = replace(report, notes=[note, *report.notes])
        total = (metadata.get("assignment") or {}).get("total_points") if isinstance(metadata, dict) else None
        if isinstance(total, (int, float)) and abs(total - report.max_score) > 1e-6 and report.error is None:
            print(f"note for instructors: the Gradescope assignment is worth {total:g} points, "
                  f"the rubric {report.max_score:g}")
    return report


def _fault(exc: BaseException, duration: float) -> str:
    """results.json for a fault of the grader itself (the traceback goes to stdout)."""
    return json.dumps({
        "score": 0.0, "execution_time": round(duration, 3), "output_format": "text",
        "output": f"The autograder failed on this submission ({type(exc).__name__}); the course "
                  "staff can see why in the autograder output. Nothing was scored.",
        "visibility": "visible", "stdout_visibility": "hidden", "tests": [],
    }, indent=2) + "\n"


def main() -> int:
    root = Path(os.environ.get(ROOT_ENV, "/autograder"))
    results = root / "results" / "results.json"
    t0 = time.perf_counter()
    try:
        report = grade_submission(root)
        text = render_gradescope(report)
        if report.error is not None:
            print(f"error: {report.error}")
        else:
            print(render_terminal(report.for_audience("instructor")))
    except Exception as exc:  # noqa: BLE001 -- the student still gets a results.json
        traceback.print_exc(file=sys.stdout)
        text = _fault(exc, time.perf_counter() - t0)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
