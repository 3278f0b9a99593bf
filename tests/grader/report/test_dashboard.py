"""The class dashboard, on a 30-student class assembled from real grading runs: statistics,
pass rates, diagnosed mistakes with their counts, the student table and code similarity."""
from __future__ import annotations

import json
import re
import statistics

import pytest

from grader.report.dashboard import collect, write_dashboard

from .classroom import class_of

DIAGNOSIS = re.compile(r"Diagnosis:\s*(.*?)(?:\nHint: |\Z)", re.DOTALL)


@pytest.fixture(scope="module")
def students(classroom):
    return class_of(30, classroom)


@pytest.fixture(scope="module")
def page(students, classroom):
    code = {sid: classroom / "class" / "code" / sid for sid, *_ in students}
    path = write_dashboard(classroom / "class", students, code=code)
    return path.read_text()


def _reports(students):
    return {sid: json.loads(path.read_text()) for sid, _, path, _ in students}


def test_summary_statistics_match_the_reports(students, page):
    reports = _reports(students)
    percents = [100 * r["score"] / r["max_score"] for r in reports.values()]
    assert len(set(round(p, 3) for p in percents)) >= 5          # the class is varied
    stats = collect(students).stats()
    assert stats["students"] == 30
    assert stats["mean"] == pytest.approx(statistics.fmean(percents))
    assert stats["median"] == pytest.approx(statistics.median(percents))
    assert f"mean<b>{stats['mean']:.1f}%</b>" in page
    assert page.count('<img src="data:image/png;base64,') == 1      # the histogram


def test_pass_rates_are_sorted_and_counted(students):
    reports = _reports(students)
    data = collect(students)
    rates = data.pass_rates()
    assert [r[1] for r in rates] == sorted(r[1] for r in rates)
    name, rate, passed, graded = next(r for r in rates if r[0] == "affine_backward.values")
    statuses = [res["status"] for rep in reports.values() for res in rep["results"]
                if res["name"] == name and res["status"] != "skipped"]
    assert (passed, graded) == (statuses.count("passed"), len(statuses))
    assert 0 < rate < 1


def test_diagnosed_mistakes_are_counted_per_check(students, page):
    reports = _reports(students)
    expected = {}
    for rep in reports.values():
        for res in rep["results"]:
            m = DIAGNOSIS.search(res["message"]) if res["status"] != "passed" else None
            if m and res["name"] == "affine_backward.values":
                expected[m.group(1).strip()] = expected.get(m.group(1).strip(), 0) + 1
    assert expected, "the class holds the affine mutant and the buggy example"
    got = dict(collect(students).mistakes("affine_backward.values"))
    assert got == expected
    (diagnosis, count), = expected.items()
    assert f"{diagnosis.replace('>', '&gt;')}: <b>{count}</b> students" in page


def test_student_table_links_every_report_and_is_sortable(students, page):
    table = page[page.index('id="students"'):page.index("</table>", page.index('id="students"'))]
    assert table.count("<tr>") == 31                                   # header + 30 students
    for sid, _, _, link in students:
        assert f'href="{link}"' in table and f'data-v="{sid}"' in table
    assert 'id="search"' in page and "addEventListener('click',sort)" in page
    assert "script-src 'sha256-" in page                                # the inline script only


def test_code_similarity_section_flags_the_renamed_copy(page):
    similarity = page[page.index('id="similarity"'):]
    # s001 handed in a mutant, s002 the same mutant with renamed variables
    assert 'id="pair-s001-s002"' in similarity
    assert 'id="pair-s000-s003"' not in similarity                      # reference vs independent
    assert "Student 2" in similarity and "<mark>" in similarity


def test_unreadable_report_is_listed_not_fatal(students, tmp_path):
    broken = tmp_path / "report.json"
    broken.write_text("{ not json")
    page = write_dashboard(tmp_path / "out", students[:3] + [("s999", "Broken", broken, "")]).read_text()
    assert "s999: report unreadable: JSONDecodeError" in page
    assert page.count("<tr>") >= 5
