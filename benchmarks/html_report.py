"""What does ``--html`` add to a grade? Goal: at most 0.5 s (issue 16).

1. End to end: ``grade examples/buggy_submission -q`` with and without ``--html FILE``, run in
   turn ``--runs`` times each; the medians of the wall clock and of the CPU time of the grading
   process (its workers excluded) and their difference. The buggy example's checks record their
   curves, so its report draws ``MAX_PLOTS`` plots. With ``--html`` the CLI imports matplotlib
   and draws a first plot in a thread while the checks run (``grader.report.plots.warm_up``).
   The goal is measured from the moment grading ends (the import and first plot overlap the
   checks); the whole run's difference is printed too.
2. In one process, what the page costs by part, from the buggy example's JSON report: the cold
   matplotlib import, the first plot, the page with its plots (per plot), a 6-cell notebook
   rendered with nbconvert (no goal: once per notebook).

On a busy machine the wall clock of both runs grows; the CPU difference is the steadier figure.

Usage:  python benchmarks/html_report.py [--runs 5]
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_S = 0.5
REPO = Path(__file__).resolve().parents[1]
BUGGY = REPO / "examples" / "buggy_submission"

TIMED = r"""
import resource, runpy, sys, time
import grader.engine
wall = time.perf_counter()
graded = []
grade = grader.engine.grade
def timed_grade(*args, **kwargs):          # when grading ends: what follows is the report's
    report = grade(*args, **kwargs)
    graded.append((time.perf_counter(), time.process_time()))
    return report
grader.engine.grade = timed_grade
sys.argv = ["grader.cli", *sys.argv[1:]]
try:
    runpy.run_module("grader.cli", run_name="__main__")
except SystemExit:
    pass
usage = resource.getrusage(resource.RUSAGE_SELF)
end_wall, end_cpu = time.perf_counter(), time.process_time()
print("TIMES", end_wall - wall, usage.ru_utime + usage.ru_stime, end_wall - graded[0][0],
      end_cpu - graded[0][1], file=sys.stderr)
"""

PARTS = r"""
import json, sys, time
from pathlib import Path
import grader.engine  # noqa: F401  (imported by the CLI before any renderer runs)
from grader.report.json_report import load_json
from grader.report.html import plotted, render_html
report = load_json(Path(sys.argv[1]).read_text())
out = {}
t = time.process_time()
import matplotlib.figure, matplotlib.backends.backend_agg  # noqa: E401,F401
out["matplotlib import"] = time.process_time() - t
from grader.report.plots import warm_up
t = time.process_time()
warm_up()
out["first plot (warm-up)"] = time.process_time() - t
t = time.process_time()
render_html(report, [])
out["page with its plots"] = time.process_time() - t
t = time.process_time()
render_html(report, [(Path(sys.argv[2]).name, Path(sys.argv[2]))])
out["page, plots and a notebook"] = time.process_time() - t
out["plots"] = sum(len(panels) for panels in plotted(report.results).values())
print(json.dumps(out))
"""


def _grade(html: Path | None) -> tuple[float, float, float, float]:
    """(wall, CPU, wall after grading, CPU after grading) of one ``grade`` command."""
    args = [sys.executable, "-c", TIMED, str(BUGGY), "-q"] + (["--html", str(html)] if html else [])
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("TIMES"))
    return tuple(map(float, line.split()[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain, html = [], []
        for _ in range(args.runs):
            plain.append(_grade(None))
            html.append(_grade(tmp / "report.html"))
        med = {name: [statistics.median(x[i] for x in runs) for i in range(4)]
               for name, runs in (("plain", plain), ("html", html))}
        print(f"grade {BUGGY.name}, median of {args.runs} runs each "
              f"(wall clock, CPU seconds of the grading process; after grading: once grade() returned):")
        for name, label in (("plain", "without --html"), ("html", "with --html")):
            wall, cpu, after_wall, after_cpu = med[name]
            print(f"  {label:15s} {wall:6.3f} s wall {cpu:6.3f} s CPU; after grading "
                  f"{after_wall:6.3f} s wall {after_cpu:6.3f} s CPU")
        added = [med["html"][i] - med["plain"][i] for i in range(4)]
        print(f"  --html adds     {added[0]:6.3f} s wall {added[1]:6.3f} s CPU; after grading "
              f"{added[2]:6.3f} s wall {added[3]:6.3f} s CPU")
        verdict = "ok" if added[2] <= GOAL_S else "OVER"
        print(f"  goal: --html adds <= {GOAL_S:.1f} s after grading (the matplotlib import runs "
              f"during grading): {added[2]:.3f} s wall, {added[3]:.3f} s CPU: {verdict}")

        from grader.engine import grade
        from grader.report.json_report import render_json
        from tests.grader.report.classroom import notebook_with_flags

        report = tmp / "report.json"
        report.write_text(render_json(grade(BUGGY)))
        notebook = notebook_with_flags(tmp / "experiments.ipynb")
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", PARTS, str(report), str(notebook)], cwd=REPO,
                             capture_output=True, text=True, check=True)
        parts = json.loads(out.stdout)
        plots = parts.pop("plots")
        print(f"in one process (CPU seconds, {time.perf_counter() - started:.1f} s in all):")
        for label, seconds in parts.items():
            print(f"  {label:28s} {seconds:6.3f} s")
        print(f"  per plot ({plots} plots)        "
              f"{parts['page with its plots'] / max(plots, 1):6.3f} s")


if __name__ == "__main__":
    main()
