"""What does ``--html`` add to a grade? The HTML report rendered in a fresh process, as the CLI does
after grading (the engine's modules already imported), each a median over ``--runs``:

* plain:    the buggy example's report as graded today (no series, no notebook): string work only;
* plots:    the same report with the four plots the training, optimizer and init checks will
            record (``CheckResult.series``); the cold matplotlib import is part of it;
* notebook: plain, plus a 6-cell notebook rendered with nbconvert (cold import included).

Goal: ``plain`` and ``plots`` add at most 0.5 s to a grade (CPU seconds of the rendering process
are printed beside the wall clock, which a busy machine inflates).

Usage:  python benchmarks/html_report_speed.py [--runs 3]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

GOAL_S = 0.5
REPO = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
from pathlib import Path
import grader.engine  # noqa: F401  (imported by the CLI before any renderer runs)
from grader.report.json_report import load_json
from grader.report.html import render_html
report = load_json(Path(sys.argv[1]).read_text())
notebooks = [(Path(sys.argv[2]).name, Path(sys.argv[2]))] if sys.argv[2] != "-" else []
wall, cpu = time.perf_counter(), time.process_time()
render_html(report, notebooks)
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]))
"""


def _time(report: Path, notebook: str, runs: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD, str(report), notebook], cwd=REPO,
                             capture_output=True, text=True, check=True)
        wall, cpu = json.loads(out.stdout)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from dataclasses import replace

    from grader.engine import grade
    from grader.report.json_report import render_json
    from tests.grader.report.classroom import notebook_with_flags, with_series

    report = grade(REPO / "examples" / "buggy_submission")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain, plots = tmp / "plain.json", tmp / "plots.json"
        plain.write_text(render_json(report))
        plots.write_text(render_json(with_series(replace(report))))
        notebook = notebook_with_flags(tmp / "experiments.ipynb")
        for label, path, nb in (("plain", plain, "-"), ("plots", plots, "-"),
                                ("notebook", plain, str(notebook))):
            wall, cpu = _time(path, nb, args.runs)
            goal = f"goal <= {GOAL_S:.1f} s" if label != "notebook" else "(no goal: once per notebook)"
            verdict = "" if label == "notebook" else ("  ok" if wall <= GOAL_S else "  OVER")
            print(f"{label:9s} {wall:6.3f} s wall, {cpu:6.3f} s CPU   {goal}{verdict}")


if __name__ == "__main__":
    main()
