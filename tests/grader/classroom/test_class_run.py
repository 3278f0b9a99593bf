"""``grade class`` end to end on a small class (local process pool): scores equal a single
``grade``, broken uploads cost only their student, reruns grade only what changed, a run killed
with SIGKILL resumes to the same gradebook bytes, and students cannot reach each other."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.classroom import ClassOptions, grade_class
from grader.classroom.reports import render_student_files
from grader.classroom.store import Store, content_hash
from grader.cli import main
from grader.engine import GradeOptions, grade
from grader.result import Report
from tests.support import REFERENCE, REPO, TEMPLATE, make_submission

from .helpers import BUGGY, HANG, copy, mutant, small_rubric, zip_folder

OUTPUTS = ("gradebook.csv", "checks.csv", "summary.json")


@pytest.fixture(scope="module")
def rubric(tmp_path_factory):
    return small_rubric(tmp_path_factory.mktemp("rubric"))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """alice: reference; bob: starter code; carol: the buggy example (and an older zip of the
    reference, a duplicate); erin: a mutant; dave: a corrupt zip; frank: hangs on every call;
    notes.txt: not a submission."""
    root = tmp_path_factory.mktemp("class") / "class"
    root.mkdir()
    copy(REFERENCE, root / "alice")
    copy(TEMPLATE, root / "bob")
    copy(BUGGY, root / "carol")
    zip_folder(REFERENCE, root / "carol.zip")
    os.utime(root / "carol.zip", (1_000_000, 1_000_000))
    make_submission(root, mutant("relu_backward_ge_mask").patches, name="erin")
    (root / "dave.zip").write_bytes(b"PK\x03\x04 this upload was cut short")
    frank = make_submission(root, name="frank")
    with open(frank / "layers.py", "a") as fh:
        fh.write(HANG)
    (root / "notes.txt").write_text("office hours moved")
    return root


def _options(rubric, **kw):
    return ClassOptions(rubric=str(rubric), call_timeout=1.0, jobs=2, **kw)


@pytest.fixture(scope="module")
def graded(klass, rubric, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "out"
    run = grade_class(klass, out, _options(rubric))
    return out, run


def _gradebook(out: Path) -> dict[str, dict]:
    with open(out / "gradebook.csv", newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_every_student_has_a_row_with_the_status_their_submission_earns(graded):
    out, run = graded
    book = _gradebook(out)
    assert sorted(book) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert {s: row["status"] for s, row in book.items()} == {
        "alice": "graded", "bob": "graded", "carol": "graded", "dave": "error", "erin": "graded",
        "frank": "timeout"}
    assert "not a readable zip" in book["dave"]["reason"]
    assert book["alice"]["total"] == book["alice"]["max"] == "11"
    assert book["alice"]["layers"] == "7" and book["alice"]["optim"] == "4"
    assert float(book["erin"]["total"]) < 11 and book["bob"]["total"] == "0"
    assert any("notes.txt: not a submission" in n for n in run.input.notes)
    assert any("carol: two submissions" in n and "carol.zip" in n for n in run.input.notes)


def test_class_scores_equal_a_single_grade_of_each_submission(graded, klass, rubric):
    out, _ = graded
    for student in ("alice", "bob", "carol", "erin"):
        single = grade(klass / student, GradeOptions(rubric=str(rubric), call_timeout=1.0))
        stored = json.loads((out / "students" / student / "report.json").read_text())
        assert stored["score"] == single.score, student
        assert [(r["name"], r["points"], r["status"]) for r in stored["results"]] == \
            [(r.name, r.points, r.status) for r in single.results], student


def test_checks_csv_and_summary(graded):
    out, _ = graded
    with open(out / "checks.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    erin = {r["check"]: r for r in rows if r["student"] == "erin"}
    assert erin["relu_backward.exact_zeros"]["status"] == "failed"
    assert erin["affine_forward.values"] == {"student": "erin", "section": "layers",
                                             "check": "affine_forward.values", "points": "2",
                                             "max": "2", "status": "passed"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["count"] == 6 and summary["status"] == {"error": 1, "graded": 4, "timeout": 1}
    assert summary["total"]["max"] == 11 and summary["total"]["min"] == 0   # dave (error) left out
    relu = summary["checks"]["relu_backward.exact_zeros"]
    assert relu["students"] == 5 and relu["pass_rate"] == pytest.approx(1 / 5, abs=1e-4)
    mistake = relu["most_frequent_mistake"]
    assert mistake["students"] >= 1 and "x >= 0" in mistake["mistake"]   # erin's mutant, named


def test_the_dashboard_links_every_graded_student_and_compares_their_code(graded):
    out, _ = graded
    page = (out / "index.html").read_text()
    for student in ("alice", "bob", "carol", "dave", "erin", "frank"):   # dave: his error report
        assert f'href="students/{student}/report.html"' in page, student
        assert (out / "students" / student / "report.html").is_file()
    assert "Code similarity" in page and "alice" in page


def test_each_student_folder_holds_every_registered_per_student_format(graded):
    out, _ = graded
    for student in ("alice", "dave", "frank"):
        folder = out / "students" / student
        assert {"report.json", "results.json", "report.md"} <= {p.name for p in folder.iterdir()}
        assert "tests" in json.loads((folder / "results.json").read_text())
    assert not list(out.rglob("*.tmp"))


def test_report_folders_come_from_the_pool_and_are_rebuilt_only_when_not_current(graded, klass,
                                                                                rubric, tmp_path):
    out, _ = graded
    out2 = copy(out, tmp_path / "out")
    alice = out2 / "students" / "alice"
    record = Store(out2 / ".store").get((alice / ".key").read_text().split()[0])
    files = render_student_files(Report.from_dict(record["report"]))
    assert {name: (alice / name).read_text() for name in files} == files   # as from the store
    stamps = {p.name: p.stat().st_mtime_ns for p in alice.iterdir()}
    (out2 / "students" / "bob" / ".key").unlink()
    (out2 / "students" / "bob" / "report.html").unlink()
    run = grade_class(klass, out2, _options(rubric))
    assert run.graded_now == 0
    assert {p.name: p.stat().st_mtime_ns for p in alice.iterdir()} == stamps   # current: untouched
    assert (out2 / "students" / "bob" / "report.html").read_bytes() == \
        (out / "students" / "bob" / "report.html").read_bytes()


def test_a_rerun_grades_nothing_and_rebuilds_the_same_gradebook(graded, klass, rubric):
    out, _ = graded
    before = {name: (out / name).read_bytes() for name in OUTPUTS}
    run = grade_class(klass, out, _options(rubric))
    assert (run.graded_now, run.cached) == (0, 6)
    assert {name: (out / name).read_bytes() for name in OUTPUTS} == before


def test_a_changed_submission_is_the_only_one_regraded(graded, klass, rubric, tmp_path):
    out, _ = graded
    klass2 = copy(klass, tmp_path / "class")
    out2 = copy(out, tmp_path / "out")
    (klass2 / "bob" / "optim.py").write_text((klass2 / "bob" / "optim.py").read_text() + "\n# edited\n")
    run = grade_class(klass2, out2, _options(rubric))
    assert (run.graded_now, run.cached) == (1, 5)
    run = grade_class(klass2, out2, _options(rubric, only=("alice",)))
    assert run.graded_now == 1
    run = grade_class(klass2, out2, _options(rubric, force=True, only=("alice", "bob")))
    assert run.graded_now == 2


def test_a_run_killed_with_sigkill_resumes_to_a_byte_identical_gradebook(graded, klass, rubric,
                                                                           tmp_path):
    out, _ = graded
    killed = tmp_path / "killed"
    command = [sys.executable, "-m", "grader.cli", "class", str(klass), "-o", str(killed),
               "--rubric", str(rubric), "--call-timeout", "1", "--jobs", "2"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((killed / ".store").glob("*/*.json")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = list((killed / ".store").glob("*/*.json"))
    assert 1 <= len(stored) < 6, "the run was not killed mid-class"
    for path in stored:
        json.loads(path.read_text())                 # every stored result is whole
    result = CliRunner().invoke(main, command[3:])
    assert result.exit_code == 0, result.output
    assert "[6/6]" in result.output               # one line per finished student (not a terminal)
    for name in OUTPUTS:
        assert (killed / name).read_bytes() == (out / name).read_bytes(), name


def test_an_empty_class_folder_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["class", str(tmp_path / "empty"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "empty" in result.output


ATTACK = """
import glob as _glob
_found = []
for _p in sorted(set(_glob.glob({cls!r} + "/**", recursive=True) + _glob.glob({out!r} + "/**", recursive=True)
                     + _glob.glob("/tmp/**/layers.py", recursive=True))):
    try:
        with open(_p) as _f:
            _found.append(_p + " " + _f.read()[:200].replace(chr(10), " "))
    except Exception:
        pass
    try:
        with open(_p, "w") as _f:
            _f.write("pwned")
    except Exception:
        pass
print("FOUND", _found)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="student isolation needs root (uid 65534 workers)")
def test_a_student_cannot_read_or_change_a_neighbours_files(rubric, tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    for name in ("alice", "bob"):
        sub = make_submission(root, name=name)
        with open(sub / "layers.py", "a") as fh:
            fh.write(f"\n# SECRET-{name}-7d1f\n")
    out = tmp_path / "out"
    grade_class(root, out, _options(rubric))
    neighbours = {name: content_hash(root / name) for name in ("alice", "bob")}
    mallory = make_submission(root, name="mallory")
    source = (mallory / "layers.py").read_text()
    (mallory / "layers.py").write_text(ATTACK.format(cls=str(root), out=str(out)) + source)
    grade_class(root, out, _options(rubric, force=True))
    assert {name: content_hash(root / name) for name in neighbours} == neighbours
    for path in [*out.rglob("*"), *root.rglob("*")]:
        if path.is_file():
            assert path.read_bytes()[:5] != b"pwned", path
    report = json.loads((out / "students" / "mallory" / "report.json").read_text())
    assert "FOUND" in report["worker_stdout"] and "SECRET" not in report["worker_stdout"]
    book = _gradebook(out)
    assert book["alice"]["total"] == book["bob"]["total"] == book["mallory"]["total"] == "11"


class _KillAPoolProcess:
    """A progress sink that SIGKILLs one grading process of the pool at the first result."""

    killed = False

    def start(self, total, cached):
        pass

    def started_one(self, student):
        pass

    def finished_one(self, *args):
        import multiprocessing

        if not self.killed and multiprocessing.active_children():
            self.killed = True
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    def stop(self):
        pass


def test_a_pool_process_that_dies_costs_only_a_retry(rubric, tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    for name in ("ann", "ben", "cat", "dan"):
        make_submission(root, name=name)
    sink = _KillAPoolProcess()
    run = grade_class(root, tmp_path / "out", _options(rubric), progress=sink)
    assert sink.killed and run.retried
    assert {r["status"] for r in run.records.values()} == {"graded"}
    assert set(_gradebook(tmp_path / "out")) == {"ann", "ben", "cat", "dan"}


def test_jobs_times_workers_stay_within_the_cores(monkeypatch):
    """Each submission of a class gets as many sandboxed workers as leave jobs x workers within
    the cores (one with the default --jobs), one on a dask cluster, or the number asked for."""
    from grader.classroom import workers_per_job
    from grader.sandbox import pool

    monkeypatch.delenv(pool.SIZE_ENV, raising=False)
    monkeypatch.setattr("grader.classroom.available_cores", lambda: 2)
    monkeypatch.setattr("grader.sandbox.pool.available_cores", lambda: 2)
    assert workers_per_job(ClassOptions(jobs=2)) == 1
    assert workers_per_job(ClassOptions(jobs=1)) == 2
    assert workers_per_job(ClassOptions(jobs=4)) == 1
    assert workers_per_job(ClassOptions(jobs=1, dask="tcp://scheduler:8786")) == 1
    assert workers_per_job(ClassOptions(jobs=2, workers=3)) == 3


def test_the_sandbox_busy_waits_only_when_a_core_is_free():
    """Limits.spin_seconds: kept for one job at a time, 0 when several jobs or dask tasks keep
    every core busy; the other limits are the ones asked for."""
    from grader.classroom import grade_options
    from grader.sandbox import Limits

    asked = Limits(call_timeout=7.0)
    one = grade_options(ClassOptions(jobs=1, limits=asked), ()).limits
    assert one.spin_seconds == asked.spin_seconds > 0 and one.call_timeout == 7.0
    for options in (ClassOptions(jobs=2, limits=asked), ClassOptions(jobs=1, dask="tcp://scheduler:8786")):
        limits = grade_options(options, ("/hidden",)).limits
        assert limits.spin_seconds == 0.0 and "/hidden" in limits.hidden_paths
