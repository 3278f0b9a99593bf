"""What does ``--html`` add to a grade? Goal: at most 0.5 s of wall clock (issue 16).

1. End to end: ``grade examples/buggy_submission -q`` with and without ``--html FILE``, run in
   turn ``--runs`` times each; the medians of the wall clock, of the CPU time of the grading
   process and of its child processes (the sandboxed workers and, with ``--html``, the plot
   process), and their difference. The buggy example's checks record their curves, so its
   page draws ``MAX_PLOTS`` plots (it has no notebook). With ``--html`` the CLI starts a second
   process before grading that imports matplotlib and draws the page's plots as the results
   come in (``grader.report.html_process``); the wall clock after ``grade()`` returned is what
   is left (waiting for the last plot, writing the page). The goal is the whole run's
   difference.
2. Where the time goes, each part in a fresh process (CPU seconds): the plot process's own
   start (Python, numpy, the grader's plot modules), matplotlib's import, the first plot, the
   page's plots (the best of 3 passes), the page from plots already drawn, and a 6-cell
   notebook rendered with nbconvert (import, first conversion, a second one, the page's part
   once converted).

On a busy machine the wall clock of both runs grows (the load average is printed); repeat and
compare medians.

Usage:  python benchmarks/html_report.py [--runs 5]
"""
import argparse
import json
import os
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
graded, drawn = [], []
grade = grader.engine.grade
def timed_grade(*args, **kwargs):          # when grading ends: what follows is the report's
    report = grade(*args, **kwargs)
    graded.append(time.perf_counter())
    return report
grader.engine.grade = timed_grade
try:
    from grader.report import html_process
except ImportError:                        # a grader from before the second process
    html_process = None
if "--html" in sys.argv and html_process is not None:
    finish = html_process.HtmlProcess.finish
    def counted_finish(self):
        made = finish(self)
        drawn.append(len(made.plots))
        return made
    html_process.HtmlProcess.finish = counted_finish
sys.argv = ["grader.cli", *sys.argv[1:]]
try:
    runpy.run_module("grader.cli", run_name="__main__")
except SystemExit:
    pass
end_wall = time.perf_counter()
own = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print("TIMES", end_wall - wall, own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime,
      end_wall - graded[0], drawn[0] if drawn else 0, file=sys.stderr)
"""

PARTS = r"""
import json, sys, time
from pathlib import Path
part = sys.argv[1]
out = {}
def timed(label, call):
    t = time.process_time()
    result = call()
    out[label] = time.process_time() - t
    return result
if part == "plots":
    timed("grader's plot modules", lambda: __import__("grader.report.html_process"))
    timed("numpy import", lambda: __import__("numpy"))
    import importlib
    timed("matplotlib import", lambda: [importlib.import_module(m) for m in
                                        ("matplotlib.figure", "matplotlib.backends.backend_agg")])
    from grader.report import plots
    from grader.report.html import plotted
    from grader.report.json_report import load_json
    timed("first plot", plots.warm_up)
    out["page's plots"] = 1e9              # printed in this order
    report = load_json(Path(sys.argv[2]).read_text())
    chosen = plotted(report.results)
    requests = [args for r in report.results if r.name in chosen
                for args in plots.panel_requests(r.series, r.name, chosen[r.name])]
    drawn = {plots.plot_key(*a): plots.plot_panel(*a) for a in requests}   # fonts, caches filled
    out["plots"] = len(requests)
    for _ in range(3):                     # the best of 3
        t = time.process_time()
        for a in requests:
            plots.plot_panel(*a)
        out["page's plots"] = min(out["page's plots"], time.process_time() - t)
    import io
    from PIL import Image
    pixels = [Image.open(io.BytesIO(p.png)).convert("RGBA") for p in drawn.values()]
    timed("  of which PNG encoding", lambda: [im.save(io.BytesIO(), "png", compress_level=1)
                                              for im in pixels])
    from grader.report.html import render_html
    with plots.prerendered(drawn):
        timed("page from drawn plots", lambda: render_html(report, []))
else:
    import grader.engine  # noqa: F401  (imported by the CLI before the page is written)
    from grader.report import notebook_html
    from grader.report.json_report import load_json
    report = load_json(Path(sys.argv[2]).read_text())
    path = Path(sys.argv[3])
    timed("nbconvert import", lambda: __import__("nbconvert"))
    timed("notebook, first conversion", lambda: notebook_html.render_notebook(path, path.name, 0, report))
    timed("notebook, next conversion", lambda: notebook_html.render_notebook(path, path.name, 0, report))
    text = path.read_text(encoding="utf-8")
    with notebook_html.converted({notebook_html.conversion_key(text, 0): notebook_html.convert(text, 0)}):
        timed("notebook, converted already", lambda: notebook_html.render_notebook(path, path.name, 0, report))
print(json.dumps(out))
"""


def _grade(submission: Path, html: Path | None) -> tuple[float, ...]:
    """(wall, CPU of the grading process, CPU of its children, wall after grading, plots the
    plot process drew) of one ``grade`` command."""
    args = [sys.executable, "-c", TIMED, str(submission), "-q"] + (["--html", str(html)] if html else [])
    out = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=True)
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("TIMES"))
    return tuple(map(float, line.split()[1:]))


def _compare(submission: Path, runs: int, page: Path) -> float:
    """Print the medians with and without ``--html``; return the wall clock ``--html`` adds."""
    load = os.getloadavg()
    plain, html = [], []
    for _ in range(runs):
        plain.append(_grade(submission, None))
        html.append(_grade(submission, page))
    med = {name: [statistics.median(x[i] for x in rs) for i in range(5)]
           for name, rs in (("plain", plain), ("html", html))}
    load = [max(a, b) for a, b in zip(load, os.getloadavg())]
    print(f"grade {submission.name}, median of {runs} runs each (load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, the higher of before and after):")
    print(f"  {'':15s} {'wall':>8s} {'CPU main':>9s} {'CPU children':>13s} {'wall after grading':>19s}")
    for name, label in (("plain", "without --html"), ("html", "with --html")):
        wall, cpu, children, after, _ = med[name]
        print(f"  {label:15s} {wall:7.3f}s {cpu:8.3f}s {children:12.3f}s {after:18.3f}s")
    added = [med["html"][i] - med["plain"][i] for i in range(4)]
    print(f"  {'--html adds':15s} {added[0]:7.3f}s {added[1]:8.3f}s {added[2]:12.3f}s {added[3]:18.3f}s")
    print(f"  the second process drew {med['html'][4]:.0f} plots (the page shows up to 6; any "
          f"more were pushed out by later results)")
    return added[0]


def _child_cpu(args: list[str], **kwargs) -> float:
    """CPU seconds of one child process run to its end."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=REPO, check=True, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _parts(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", PARTS, *args], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from tests.grader.report.classroom import NOTEBOOK, build, notebook_with_flags

        added = _compare(BUGGY, args.runs, tmp / "report.html")
        verdict = "ok" if added <= GOAL_S else "OVER"
        print(f"  goal: --html adds <= {GOAL_S:.1f} s wall: {added:.3f} s: {verdict}")
        with_notebook = build("buggy_notebook", tmp)
        _compare(with_notebook, args.runs, tmp / "report.html")
        print(f"  (the same with {NOTEBOOK} beside it: its page shows the notebook; no goal of its own)")

        from grader.engine import grade
        from grader.report.json_report import render_json

        report = tmp / "report.json"
        report.write_text(render_json(grade(BUGGY)))
        notebook = notebook_with_flags(tmp / "experiments.ipynb")
        from grader.report.html_process import CHILD

        started = time.perf_counter()
        whole = _child_cpu([sys.executable, "-c", CHILD, str(REPO)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL)
        python = _child_cpu([sys.executable, "-c", "pass"])
        parts = _parts(["plots", str(report)])
        plots = parts.pop("plots")
        parts.update(_parts(["notebook", str(report), str(notebook)]))
        print(f"where the time goes (CPU seconds, each part in a fresh process; "
              f"{time.perf_counter() - started:.1f} s in all):")
        print(f"  {'second process, start to ready':30s} {whole:6.3f} s  (Python, imports, first plot)")
        print(f"  {'  Python itself':30s} {python:6.3f} s")
        for label, seconds in parts.items():
            print(f"  {'  ' * (label in PLOT_PARTS) + label:30s} {seconds:6.3f} s")
        per_plot = parts["page's plots"] / max(plots, 1)
        print(f"  {'per plot':30s} {per_plot:6.3f} s ({plots} plots)")


PLOT_PARTS = ("grader's plot modules", "numpy import", "matplotlib import", "first plot")

if __name__ == "__main__":
    main()
