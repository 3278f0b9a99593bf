"""End-to-end grading of whole submissions with the canonical rubric.

The reference earns full marks, the starter code earns zero with "not implemented" messages, and
every kind of broken submission still yields a complete report that costs only what it touches.
"""
from __future__ import annotations

import json
import zipfile

import pytest

from grader import fixtures as fixture_store
from grader.engine import GradeOptions, grade, make_plan
from grader.plan import PlannedCheck
from grader.report.json_report import render_json
from grader.rubric import RubricCheck, load_rubric
from grader.sandbox import CallTimeout, StudentException
from grader.session import HangGuard, Session, not_run
from tests.support import REFERENCE, REPO, TEMPLATE, Patch, make_submission

BUGGY = REPO / "examples" / "buggy_submission"
RUBRIC = load_rubric("canonical")
ALL_IDS = [rc.id for section in RUBRIC.sections for rc in section.checks]


@pytest.fixture(scope="module")
def reference_report():
    return grade(REFERENCE)


def lost(report):
    return {r.name for r in report.results if r.points < r.max_points and r.status != "skipped"}


def test_the_reference_earns_full_marks(reference_report):
    failures = [(r.name, r.message) for r in reference_report.results if r.status != "passed"]
    assert failures == []
    total = sum(rc.points for section in RUBRIC.sections for rc in section.checks)
    assert reference_report.score == reference_report.max_score == total


def test_the_report_lists_every_rubric_check_once(reference_report):
    assert [r.name for r in reference_report.results] == ALL_IDS


def test_the_starter_code_earns_zero_with_not_implemented_messages():
    report = grade(TEMPLATE)
    assert report.score == 0
    assert {r.status for r in report.results} == {"failed"}
    silent = [r.name for r in report.results if "not implemented" not in r.message.lower()]
    assert silent == []


def test_grading_twice_gives_identical_results(reference_report):
    again = grade(REFERENCE)
    strip = lambda rep: [(r.name, r.points, r.status, r.message) for r in rep.results]  # noqa: E731
    assert strip(again) == strip(reference_report)


def test_a_syntax_error_costs_only_the_checks_of_that_module(tmp_path):
    root = make_submission(tmp_path, [Patch("optim.py", "def adam(", "def adam(:\n    print 'hi'\ndef _x(")])
    report = grade(root)
    failed = lost(report)
    assert failed, "a broken optim.py must cost points"
    assert all(name.startswith(("sgd_momentum", "rmsprop", "adam", "optim", "solver", "training"))
               for name in failed), failed
    messages = " ".join(r.message for r in report.results if r.name in failed)
    assert "optim.py" in messages


def test_a_hanging_function_costs_only_its_checks(tmp_path):
    root = make_submission(tmp_path, [Patch("layers.py", "    out = np.maximum(0, x)\n",
                                            "    while True:\n        pass\n")])
    report = grade(root, GradeOptions(call_timeout=2, workers=1))
    failed = lost(report)
    assert "relu_forward.values" in failed
    assert "affine_forward.values" not in failed
    relu = next(r for r in report.results if r.name == "relu_forward.values")
    assert "did not finish within 2 s" in relu.message
    # Later checks that need relu_forward fail at once instead of waiting again.
    later = next(r for r in report.results if r.name == "relu_backward.exact_zeros")
    assert "was not called again" in later.message


def without_timings(report) -> dict:
    """The JSON report without what depends on timing (durations, start time), on the pool's
    size (the shared process limit's description) or on the run (what the workers printed,
    which names their scratch folders; Python prints a warning once per worker)."""
    data = json.loads(render_json(report))
    for key in ("started_at", "duration_s", "worker_stdout", "worker_stderr"):
        data.pop(key)
    for result in data["results"]:
        result.pop("duration_s")
    data["sandbox"].pop("nproc", None)
    return data


@pytest.mark.parametrize("submission", ["reference", "buggy"])
def test_the_report_is_the_same_on_one_worker_or_two(submission, tmp_path, reference_report):
    """Checks are independent and placed by cost, results come back in plan order: the pool
    changes nothing in the report. (The buggy example also times out and fails checks.)"""
    root = REFERENCE if submission == "reference" else BUGGY
    seen = {1: [], 2: []}
    two = reference_report if submission == "reference" else grade(
        root, GradeOptions(workers=2, on_result=lambda *pair: seen[2].append(pair)))
    one = grade(root, GradeOptions(workers=1, on_result=lambda *pair: seen[1].append(pair)))
    assert without_timings(one) == without_timings(two)
    # each result is announced once as it ends, at its position in the report
    for workers, report in ((1, one), (2, two)):
        if seen[workers]:
            assert sorted(i for i, _ in seen[workers]) == list(range(len(report.results)))
            assert all(report.results[i] is r for i, r in seen[workers])


def test_a_hanging_function_costs_each_worker_one_timeout(tmp_path):
    """On a pool, each worker learns once that relu_forward hangs (what a worker learns does not
    depend on timing, so the report does not either); the scores are those of one worker."""
    root = make_submission(tmp_path, [Patch("layers.py", "    out = np.maximum(0, x)\n",
                                            "    while True:\n        pass\n")])
    one = grade(root, GradeOptions(call_timeout=1, workers=1))
    two = grade(root, GradeOptions(call_timeout=1, workers=2))
    # (training checks are left out: under a loaded machine a 1 s limit can stop them either way)
    def scores(report):
        return [(r.name, r.points) for r in report.results if r.kind != "training"]

    assert scores(two) == scores(one)

    def timed_out(report):
        return {r.name for r in report.results if "relu_forward" in r.message
                and "did not finish within 1 s" in r.message and "was not called again" not in r.message}

    # A function that hangs times out at most once on each worker (a composite layer calling
    # it is another function, with its own first timeout).
    assert timed_out(one) <= timed_out(two) and len(timed_out(two)) <= 2 * len(timed_out(one))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"not a zip at all"])
def test_an_unreadable_zip_still_produces_a_complete_report(tmp_path, content):
    bad = tmp_path / "submission.zip"
    bad.write_bytes(content)
    report = grade(bad)
    assert [r.name for r in report.results] == ALL_IDS
    assert report.score == 0
    assert all("could not be graded" in r.message for r in report.results)


def test_a_zipped_reference_earns_full_marks(tmp_path, reference_report):
    archive = tmp_path / "hw.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in REFERENCE.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, "hw/" + path.relative_to(REFERENCE).as_posix())
    report = grade(archive)
    assert report.score == reference_report.score


def test_os_exit_inside_a_function_costs_only_its_checks(tmp_path, reference_report):
    """The worker dies mid-call; the grader restarts it and the rest of the report is intact."""
    root = make_submission(tmp_path, [Patch("layers.py", "def svm_loss(x, y):\n",
                                            "def svm_loss(x, y):\n    import os; os._exit(0)\n")])
    report = grade(root)
    failed = lost(report)
    assert failed == {"svm_loss.values", "svm_loss.numeric_gradient", "svm_loss.input_unchanged"}
    assert report.sandbox["restarts"] >= 1
    assert report.score == reference_report.score - sum(
        r.max_points for r in report.results if r.name in failed)


def test_printed_fake_results_change_nothing(tmp_path, reference_report):
    """Student output is captured for the report, never parsed for scores."""
    fake = 'print(\'{"score": 1000, "tests": []}\'); print("Total: 999 / 123")\n'
    root = make_submission(tmp_path, [Patch("layers.py", "def relu_forward(x):\n",
                                            fake + "\ndef relu_forward(x):\n")])
    report = grade(root)
    assert report.score == reference_report.score
    assert "999" in report.worker_stdout or report.worker_stdout == ""


# -- the steps: plan, then session ----------------------------------------------------------------
class RaisingWorker:
    """A stand-in worker whose every call raises ``exc`` (and is counted)."""

    def __init__(self, exc: Exception):
        self.exc, self.calls = exc, []

    def call(self, target, *args, **kwargs):
        self.calls.append(target)
        raise self.exc


def planned(check_id: str, points: float = 2.0) -> PlannedCheck:
    rc = RubricCheck(id=check_id, points=points, tolerance=None, visibility="visible", timeout=5.0,
                     partial_credit={"rule": "all_or_nothing"}, params={})
    return PlannedCheck("layers", rc)


RELU = [planned("relu_forward.values"), planned("relu_backward.exact_zeros")]


def test_the_plan_lists_the_rubric_checks_in_order_before_anything_runs(tmp_path):
    plan = make_plan(make_submission(tmp_path), tmp_path / "scratch-dir")
    assert plan.problem is None and plan.notebooks == [] and plan.notebook_checks == []
    assert [p.check.id for p in plan.checks] == ALL_IDS
    assert (plan.root / "layers.py").is_file() and plan.fixtures


def test_a_submission_that_cannot_be_read_is_planned_with_its_problem(tmp_path):
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"not a zip")
    plan = make_plan(bad, tmp_path / "scratch-dir")
    assert plan.selection is None and plan.root is None and "could not be graded" in plan.problem
    results = not_run(plan.checks, plan.problem)
    assert {(r.kind, r.status, r.points) for r in results} == {("setup", "failed", 0.0)}


def test_the_session_returns_results_in_plan_order_and_reports_progress():
    seen, ended = [], []
    session = Session(worker=RaisingWorker(StudentException("boom in relu")),
                      fixtures=fixture_store.load(RUBRIC))
    results = session.run(RELU, progress=lambda *step: seen.append(step),
                          on_result=lambda *pair: ended.append(pair))
    assert [r.name for r in results] == ["relu_forward.values", "relu_backward.exact_zeros"]
    assert ended == list(enumerate(results))
    assert all(r.status == "failed" and r.points == 0 and "boom in relu" in r.message for r in results)
    assert seen == [("relu_forward.values", 0, 2), ("relu_backward.exact_zeros", 1, 2), ("", 2, 2)]


def test_a_bug_in_a_check_or_a_missing_fixture_is_an_error_not_a_crash():
    bug = Session(worker=RaisingWorker(RuntimeError("grader bug")), fixtures=fixture_store.load(RUBRIC))
    result = bug.run_check(RELU[0])
    assert result.status == "error" and "internal grader error" in result.message and result.points == 0
    no_fixtures = Session(worker=RaisingWorker(RuntimeError("never called")))
    result = no_fixtures.run_check(RELU[0])
    assert result.status == "error" and "grader configuration error" in result.message


def test_the_hang_guard_does_not_call_a_function_that_timed_out_again():
    worker = RaisingWorker(CallTimeout("relu_forward ran out of time"))
    session = Session(worker=HangGuard(worker), fixtures=fixture_store.load(RUBRIC))
    first, second = session.run(RELU)
    assert worker.calls == ["layers.relu_forward"]   # the second check never reached the worker
    assert "ran out of time" in first.message and "was not called again" in second.message


def test_the_notebook_step_plans_checks_instead_of_running_them(tmp_path):
    from tests.grader.notebook.builders import code, notebook, write

    root = make_submission(tmp_path)
    write(notebook(code("print(1)", count=1)), root / "knn.ipynb")
    plan = make_plan(root, tmp_path / "scratch-dir")
    assert [nut.name for nut in plan.notebooks] == ["knn.ipynb"]
    assert plan.notebook_checks and all(p.notebook is plan.notebooks[0] for p in plan.notebook_checks)
    assert all(p.section.startswith("knn.ipynb") for p in plan.notebook_checks)
