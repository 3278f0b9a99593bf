"""The class dashboard: ``OUTDIR/index.html`` built from the per-student JSON reports.

``write_dashboard(outdir, students, similarity=None)`` reads each student's ``report.json``
(``grader.report.json_report``) and writes one self-contained page: the score histogram and
summary statistics; every check's pass rate as a sorted bar chart; for each check the mistakes the
grader diagnosed (``Diagnosis: ...`` in its messages) and how many students made each; a table of
the students (sortable and searchable by an inline script, no server) linking to their HTML
reports; and, when given, the code-similarity section (``grader.similarity``). It reads what the
grader decided and never changes a score.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Mapping, Sequence

from ..result import Report, format_points
from .html import bar, document, split_message
from .json_report import load_json

MAX_MISTAKES = 5     # diagnosed mistakes listed per check


@dataclass
class ClassData:
    """What the dashboard shows, computed from the reports (plain data, testable)."""

    rows: list[dict] = field(default_factory=list)            # one per student
    problems: list[str] = field(default_factory=list)         # unreadable reports
    checks: dict[str, dict] = field(default_factory=dict)     # check id -> counts

    @property
    def percents(self) -> list[float]:
        return [r["percent"] for r in self.rows if r["percent"] is not None]

    def stats(self) -> dict[str, float]:
        p = self.percents
        if not p:
            return {}
        return {"students": len(p), "mean": statistics.fmean(p), "median": statistics.median(p),
                "std": statistics.pstdev(p), "min": min(p), "max": max(p)}

    def pass_rates(self) -> list[tuple[str, float, int, int]]:
        """``(check, pass rate, passed, graded)`` sorted from the lowest rate (skips not graded)."""
        rates = []
        for name, c in self.checks.items():
            graded = c["graded"]
            if graded:
                rates.append((name, c["passed"] / graded, c["passed"], graded))
        return sorted(rates, key=lambda t: (t[1], t[0]))

    def mistakes(self, check: str) -> list[tuple[str, int]]:
        """The diagnosed mistakes of ``check``, most frequent first: ``(diagnosis, students)``."""
        return self.checks[check]["mistakes"].most_common()


def collect(students: Sequence[tuple[str, str, Path, str]]) -> ClassData:
    """Read every ``(student id, name, report.json path, html report relpath)``."""
    data = ClassData()
    checks: dict[str, dict] = defaultdict(lambda: {"passed": 0, "graded": 0, "failed": 0,
                                                   "section": "", "mistakes": Counter()})
    for sid, name, path, link in students:
        row = {"id": sid, "name": name, "link": link, "score": None, "max": None, "percent": None,
               "failed": None, "problem": None}
        try:
            report: Report = load_json(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            row["problem"] = f"report unreadable: {type(exc).__name__}: {str(exc)[:200]}"
            data.problems.append(f"{sid}: {row['problem']}")
            data.rows.append(row)
            continue
        row.update(score=report.score, max=report.max_score,
                   percent=100.0 * report.score / report.max_score if report.max_score else 0.0,
                   failed=sum(r.status in ("failed", "error", "partial") for r in report.results))
        data.rows.append(row)
        for r in report.results:
            c = checks[r.name]
            c["section"] = c["section"] or r.section
            if r.status == "skipped":
                continue
            c["graded"] += 1
            c["passed"] += r.status == "passed"
            if r.status != "passed":
                c["failed"] += 1
                _, diagnosis, _ = split_message(r)
                if diagnosis:
                    c["mistakes"][diagnosis] += 1
    data.checks = dict(checks)
    return data


SCRIPT = """
(function(){
var table=document.getElementById('students'),body=table.tBodies[0];
var search=document.getElementById('search'),count=document.getElementById('shown');
function update(){var q=search.value.toLowerCase(),n=0;
 for(var i=0;i<body.rows.length;i++){var r=body.rows[i],ok=r.textContent.toLowerCase().indexOf(q)>=0;
  r.hidden=!ok;if(ok)n++;}count.textContent=n;}
search.addEventListener('input',update);
var heads=table.tHead.rows[0].cells;
for(var c=0;c<heads.length;c++){(function(col){var th=heads[col];th.tabIndex=0;
 function sort(){var asc=th.getAttribute('aria-sort')!=='ascending';
  for(var k=0;k<heads.length;k++)heads[k].removeAttribute('aria-sort');
  th.setAttribute('aria-sort',asc?'ascending':'descending');
  var rows=Array.prototype.slice.call(body.rows);
  rows.sort(function(a,b){var x=a.cells[col].getAttribute('data-v'),y=b.cells[col].getAttribute('data-v');
   var nx=parseFloat(x),ny=parseFloat(y),d;
   if(!isNaN(nx)&&!isNaN(ny))d=nx-ny;else d=String(x).localeCompare(String(y));
   return asc?d:-d;});
  rows.forEach(function(r){body.appendChild(r);});}
 th.addEventListener('click',sort);
 th.addEventListener('keydown',function(e){if(e.key==='Enter')sort();});})(c);}
update();
})();
"""

STYLE = """
.stats{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.stat{border:1px solid #d0d7de;border-radius:6px;padding:6px 12px;min-width:90px}
.stat b{display:block;font-size:1.3em}
#students th{cursor:pointer;user-select:none;white-space:nowrap}
#students th[aria-sort=ascending]::after{content:" \\25B2"}
#students th[aria-sort=descending]::after{content:" \\25BC"}
#search{font-size:1em;padding:6px;width:100%;max-width:360px;margin:6px 0}
.rates td.barcell{width:14%;min-width:90px} .rates td,.rates th{padding:2px 6px}
.rates td:first-child,.rates th,#students td:first-child{white-space:nowrap;overflow-wrap:normal}
.mist{margin:0;padding-left:1.1em} .mist li{margin:0}
.table-wrap{overflow-x:auto}
.rates td:last-child{min-width:14em;width:48%}
@media (max-width:700px){.rates td:first-child{white-space:normal;overflow-wrap:anywhere;min-width:9em}
 .rates td:last-child{min-width:0}
 .rates td.barcell,.rates th:nth-child(2){display:none}}
"""


def _v(value) -> str:
    return "" if value is None else escape(str(value), quote=True)


def _students_table(data: ClassData) -> str:
    rows = []
    for r in data.rows:
        link = f'<a href="{escape(r["link"])}">report</a>' if r["link"] else ""
        if r["problem"]:
            cells = f'<td colspan="4" data-v="">{escape(r["problem"])}</td>'
        else:
            cells = (f'<td class="num" data-v="{r["score"]}">{format_points(r["score"])}</td>'
                     f'<td class="num" data-v="{r["max"]}">{format_points(r["max"])}</td>'
                     f'<td class="num" data-v="{r["percent"]:.4f}">{r["percent"]:.1f}%</td>'
                     f'<td class="num" data-v="{r["failed"]}">{r["failed"]}</td>')
        rows.append(f'<tr><td data-v="{_v(r["id"])}">{escape(r["id"])}</td>'
                    f'<td data-v="{_v(r["name"])}">{escape(r["name"])}</td>{cells}'
                    f'<td data-v="{_v(r["link"])}">{link}</td></tr>')
    return (f'<section id="roster"><h2>Students</h2>'
            f'<input id="search" type="search" placeholder="Search students" aria-label="Search students">'
            f' <span class="meta"><span id="shown">{len(data.rows)}</span> shown; click a column '
            f'to sort</span><div class="table-wrap"><table id="students"><thead><tr><th>id</th>'
            f'<th>name</th><th>score</th><th>of</th><th>percent</th><th>checks lost</th>'
            f'<th>report</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>')


def _rates(data: ClassData) -> str:
    rows, perfect = [], []
    for name, rate, passed, graded in data.pass_rates():
        if passed == graded:
            perfect.append(name)
            continue
        mistakes = data.mistakes(name)[:MAX_MISTAKES]
        listed = "".join(f"<li>{escape(d)}: <b>{n}</b> student{'s' if n != 1 else ''}</li>"
                         for d, n in mistakes)
        rows.append(f'<tr><td><code>{escape(name)}</code></td><td class="barcell">'
                    f'{bar(passed, graded)}</td><td class="num">{rate:.0%}</td>'
                    f'<td class="num">{passed} / {graded}</td>'
                    f'<td>{"<ul class=mist>" + listed + "</ul>" if listed else ""}</td></tr>')
    return (f'<section id="checks"><h2>Pass rate per check</h2><p class="meta">Lowest first; '
            f'skipped checks are not counted. Mistakes: what the grader diagnosed in the failure '
            f'messages, and how many students made each.</p><div class="table-wrap">'
            f'<table class="rates"><thead><tr><th>check</th><th>pass rate</th><th></th>'
            f'<th>passed</th><th>diagnosed mistakes</th></tr></thead><tbody>{"".join(rows)}'
            f'</tbody></table></div>{_perfect(perfect)}</section>')


def _perfect(names: list[str]) -> str:
    if not names:
        return ""
    listed = ", ".join(f"<code>{escape(n)}</code>" for n in names)
    return (f"<details><summary>{len(names)} check(s) every graded student passed</summary>"
            f"<p>{listed}</p></details>")


def _mistakes(data: ClassData) -> str:
    found = [(n, d, name) for name in data.checks for d, n in data.mistakes(name)]
    if not found:
        return ""
    found.sort(key=lambda t: (-t[0], t[2], t[1]))
    items = "".join(f"<li><b>{n}</b> &times; <code>{escape(name)}</code>: {escape(d)}</li>"
                    for n, d, name in found[:15])
    return (f'<section id="mistakes"><h2>Most frequent diagnosed mistakes</h2>'
            f'<ol>{items}</ol></section>')


def _summary(data: ClassData) -> str:
    stats = data.stats()
    if not stats:
        return '<section id="summary"><h2>Scores</h2><p>No readable report.</p></section>'
    from .plots import histogram

    plot = histogram(data.percents, title="Score distribution", x_label="score (% of the points)",
                     bins=20, x_range=(0, 100), marks={"mean": stats["mean"], "median": stats["median"]})
    boxes = "".join(f'<div class="stat">{escape(k)}<b>{v:.1f}{"" if k == "students" else "%"}</b></div>'
                    if k != "students" else f'<div class="stat">students<b>{int(v)}</b></div>'
                    for k, v in stats.items())
    problems = "".join(f"<li>{escape(p)}</li>" for p in data.problems)
    return (f'<section id="summary"><h2>Scores</h2><div class="stats">{boxes}</div>'
            f'<figure class="plot"><img src="{plot.data_uri}" alt="{escape(plot.alt)}" width="640" '
            f'height="360"><figcaption>{escape(plot.alt)}</figcaption></figure>'
            f'{"<ul>" + problems + "</ul>" if problems else ""}</section>')


def render_dashboard(data: ClassData, *, title: str = "Class dashboard", similarity=None) -> str:
    sim = ""
    css = STYLE
    if similarity is not None:
        from .. import similarity as sim_module

        names = {r["id"]: r["name"] for r in data.rows}
        links = {r["id"]: r["link"] for r in data.rows if r["link"]}
        sim = sim_module.section_html(similarity, names, links)
        css += sim_module.STYLE
    body = (f"<h1>{escape(title)}</h1>" + _summary(data) + _rates(data) + _mistakes(data)
            + _students_table(data) + sim)
    return document(title, body, script=SCRIPT, css=css)


def write_dashboard(outdir: Path, students: Sequence[tuple[str, str, Path, str]], *,
                    similarity=None, code: Mapping[str, Path] | None = None,
                    template: Path | None = None, title: str = "Class dashboard") -> Path:
    """Write ``outdir/index.html`` from ``students``: ``(student id, name, report.json path,
    HTML report path relative to outdir)``. Code similarity: a ``grader.similarity``
    ``SimilarityReport`` given as ``similarity``, or computed here from ``code`` (``{student id:
    submission folder}``, ``template``: the starter folder, default ``student_template/``).
    Returns the page's path."""
    if similarity is None and code:
        from .. import similarity as sim

        similarity = sim.compare(code, template=template or sim.DEFAULT_TEMPLATE)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    page = outdir / "index.html"
    page.write_text(render_dashboard(collect(students), title=title, similarity=similarity),
                    encoding="utf-8")
    return page


__all__ = ["ClassData", "collect", "render_dashboard", "write_dashboard"]
