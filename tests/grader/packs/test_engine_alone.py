"""The engine wheel on its own, as a student or Gradescope installs it (docs/deployment.md).

The wheel is unpacked into a folder that is the only addition to a fresh interpreter's path, run
outside the source checkout: ``reference``, ``hidden_checks`` and ``course_helpers`` are not
importable there. It registers no hidden check; it grades with a student pack (no hidden check,
the pack's course Solver supplied without its exercise) and with an instructor pack, whose
``code/hidden_checks`` it loads; without a pack, a profile that needs the course Solver says that
the course pack is needed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from grader.packs import activated, open_pack
from grader.packs.build import LEFT_OUT
from grader.profiles import select
from grader.rubric import load_rubric
from tests.grader.profiles import trees
from tests.support import REFERENCE

HIDDEN = sorted(rc.id for _, rc in load_rubric("canonical").iter_checks() if rc.visibility != "visible")


@pytest.fixture(scope="module")
def engine_alone(engine_wheel, tmp_path_factory):
    """``run(code) -> the JSON the code prints`` in an interpreter that has only the engine wheel."""
    base = tmp_path_factory.mktemp("engine-alone")
    with zipfile.ZipFile(engine_wheel) as zf:
        zf.extractall(base / "site")
    env = dict(os.environ, PYTHONPATH=str(base / "site"))

    def run(code: str):
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=base, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    return run


def test_the_engine_alone_registers_no_hidden_check(engine_alone):
    found = engine_alone("""
        import importlib.util, json, grader
        from grader.checks import load_catalogue, REGISTRY
        load_catalogue()
        print(json.dumps({"grader": grader.__file__, "ids": sorted(REGISTRY),
                          "importable": [m for m in ("reference", "hidden_checks", "course_helpers")
                                         if importlib.util.find_spec(m)]}))
    """)
    assert "site" in found["grader"] and found["importable"] == []
    assert "softmax_loss.values" in found["ids"] and not set(HIDDEN) & set(found["ids"])


def _grade(pack) -> str:
    return f"""
        import json
        from grader.engine import GradeOptions, grade
        report = grade({str(REFERENCE)!r}, GradeOptions(pack={str(pack)!r}))
        print(json.dumps({{"score": report.score, "max": report.max_score,
                          "status": {{r.name: r.status for r in report.results}}}}))
    """


def test_the_engine_alone_grades_with_a_student_pack(engine_alone, student_pack):
    found = engine_alone(_grade(student_pack))
    assert not set(HIDDEN) & set(found["status"])
    assert found["max"] == sum(rc.points for _, rc in load_rubric("canonical").iter_checks()
                               if rc.visibility == "visible")
    assert found["status"]["softmax_loss.values"] == "passed"


def test_the_engine_alone_loads_the_hidden_checks_of_an_instructor_pack(engine_alone, instructor_pack):
    found = engine_alone(_grade(instructor_pack))
    assert all(found["status"][cid] == "passed" for cid in HIDDEN)
    assert found["score"] == found["max"] == load_rubric("canonical").max_points


def test_without_a_pack_the_course_solver_is_said_to_need_the_course_pack(engine_alone, tmp_path):
    trees.build(tmp_path / "submission", "cs231n", "a2", "2018-2020")
    found = engine_alone(f"""
        import json, tempfile
        from pathlib import Path
        from grader.profiles import select
        scratch = Path(tempfile.mkdtemp())
        selection = select(Path({str(tmp_path / "submission")!r}), scratch, name="submission")
        print(json.dumps({{"supplied": selection.supplied, "problems": selection.problems}}))
    """)
    assert not any(s.startswith("cs231n/solver.py") for s in found["supplied"])
    assert any(s.startswith("cs231n/gradient_check.py") for s in found["supplied"])  # an engine copy
    said = [p for p in found["problems"] if p.startswith("cs231n/solver.py (")]
    assert len(said) == 1 and "comes with the course pack" in said[0], found["problems"]


def test_a_student_pack_supplies_the_course_solver_without_its_exercise(student_pack, tmp_path):
    trees.build(tmp_path / "submission", "cs231n", "a2", "2018-2020")
    with activated(open_pack(student_pack)):
        selection = select(tmp_path / "submission", tmp_path, name="submission")
    assert any(s.startswith("cs231n/solver.py (imports the PyPI package future") for s in selection.supplied)
    solver = (selection.root / "cs231n" / "solver.py").read_text()
    assert LEFT_OUT in solver and "grad_norms" not in solver
    compile(solver, "solver.py", "exec")
