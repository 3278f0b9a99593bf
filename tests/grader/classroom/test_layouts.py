"""Every input layout, graded end to end: the same two submissions (the reference and a mutant)
get, under each layout's student ids, the scores a single ``grade`` gives them."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import zipfile

import pytest
from click.testing import CliRunner

from grader.classroom import ClassOptions, grade_class
from grader.cli import main
from grader.engine import GradeOptions, grade
from tests.support import make_submission

from .helpers import mutant, small_rubric, zip_folder

GOOD, BUGGY = "good", "buggy"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("layouts")
    rubric = small_rubric(base / "rubric")
    subs = {GOOD: make_submission(base / "subs", name=GOOD),
            BUGGY: make_submission(base / "subs", mutant("relu_backward_ge_mask").patches, name=BUGGY)}
    options = GradeOptions(rubric=str(rubric))
    expected = {kind: grade(path, options).score for kind, path in subs.items()}
    assert expected[GOOD] > expected[BUGGY]
    return base, rubric, subs, expected


def _gradescope(root, subs):
    root.mkdir()
    meta = []
    for i, (kind, sid) in enumerate(((GOOD, "3031"), (BUGGY, "3032"))):
        shutil.copytree(subs[kind], root / f"submission_{100 + i}")
        meta.append(f"submission_{100 + i}:\n  :submitters:\n  - :name: Student {sid}\n"
                    f"    :sid: '{sid}'\n    :email: s{sid}@example.edu\n"
                    f"  :created_at: 2026-10-0{i + 1} 10:00:00.000000000 -07:00\n")
    (root / "submission_metadata.yml").write_text("".join(meta))
    return root, {"3031": GOOD, "3032": BUGGY}


def _gradescope_zip(root, subs):
    folder, ids = _gradescope(root.parent / "gs-folder", subs)
    archive = root.parent / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for item in sorted(folder.rglob("*")):
            if item.is_file():
                zf.write(item, item.relative_to(folder).as_posix())
    return archive, ids


def _canvas(root, subs):
    root.mkdir()
    zip_folder(subs[GOOD], root / "lovelaceada_4411_1_hw2.zip")
    for f in ("layers.py", "optim.py"):      # an earlier attempt, loose files
        shutil.copy(subs[GOOD] / f, root / f"turingalan_4412_1_{f}")
    zip_folder(subs[BUGGY], root / "turingalan_late_4412_2_hw2.zip")
    return root, {"4411": GOOD, "4412": BUGGY}


def _classroom(root, subs):
    root.mkdir()
    for kind, user in ((GOOD, "octocat"), (BUGGY, "hubot")):
        clone = root / f"hw2-{user}"
        shutil.copytree(subs[kind], clone)
        subprocess.run(["git", "init", "-q", str(clone)], check=True)
    return root, {"octocat": GOOD, "hubot": BUGGY}


def _nbgrader(root, subs):
    for kind, student in ((GOOD, "jdoe"), (BUGGY, "asmith")):
        shutil.copytree(subs[kind], root / "submitted" / student / "hw2")
    return root, {"jdoe": GOOD, "asmith": BUGGY}


def _folder(root, subs):
    root.mkdir()
    shutil.copytree(subs[GOOD], root / "ada")
    zip_folder(subs[BUGGY], root / "alan.zip")
    return root, {"ada": GOOD, "alan": BUGGY}


# (the folder-per-student layout is graded in test_class_run.py)
LAYOUTS = {"gradescope": _gradescope, "gradescope-zip": _gradescope_zip, "canvas": _canvas,
           "github-classroom": _classroom, "nbgrader": _nbgrader}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_grades_each_student_as_a_single_grade_does(setup, layout, tmp_path):
    _, rubric, subs, expected = setup
    root, ids = LAYOUTS[layout](tmp_path / "class", subs)
    run = grade_class(root, tmp_path / "out", ClassOptions(rubric=str(rubric), jobs=2))
    assert run.input.layout == layout.replace("-zip", "")
    with open(tmp_path / "out" / "gradebook.csv", newline="") as fh:
        book = {row["student"]: row for row in csv.DictReader(fh)}
    assert {sid: float(row["total"]) for sid, row in book.items()} == \
        {sid: expected[kind] for sid, kind in ids.items()}
    if layout.startswith("gradescope"):
        assert book["3031"]["name"] == "Student 3031" and book["3031"]["email"] == "s3031@example.edu"


def test_canvas_download_to_a_canvas_import_file(setup, tmp_path):
    _, rubric, subs, expected = setup
    root, _ = _canvas(tmp_path / "class", subs)
    export = tmp_path / "gradebook-export.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,HW2 (991)\n"
                      "    Points Possible,,,,,11\n"
                      "\"Lovelace, Ada\",4411,3031,ada,A,\n\"Turing, Alan\",4412,3032,alan,A,\n")
    result = CliRunner().invoke(main, ["class", str(root), "-o", str(tmp_path / "out"), "--rubric",
                                       str(rubric), "--canvas-csv", str(export),
                                       "--canvas-column", "HW2"])
    assert result.exit_code == 0, result.output
    assert "canvas layout" in result.output and "4412: two submissions" in result.output
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "canvas.csv").read_text())))
    assert rows[0][-1] == "HW2 (991)"
    assert [r[-1] for r in rows[2:]] == [f"{expected[GOOD]:g}", f"{expected[BUGGY]:g}"]


def test_the_output_and_class_folders_are_hidden_from_student_code(setup, tmp_path, monkeypatch):
    from grader import classroom

    seen = []
    monkeypatch.setattr(classroom, "run_local", lambda jobs, options, *a: seen.append(options) or [])
    root, _ = _folder(tmp_path / "class", setup[2])
    grade_class(root, tmp_path / "out", ClassOptions(jobs=1))
    hidden = set(seen[0].limits.hidden_paths)
    assert {os.path.realpath(tmp_path / "out"), os.path.realpath(root)} <= hidden


def test_an_output_folder_inside_the_class_folder_is_not_a_student(setup, tmp_path, monkeypatch):
    from grader import classroom

    monkeypatch.setattr(classroom, "run_local", lambda *a: [])
    root, _ = _folder(tmp_path / "class", setup[2])
    run = grade_class(root, root / "grades", ClassOptions(jobs=1))
    assert sorted(s.id for s in run.input.submissions) == ["ada", "alan"]
    assert any("grades: the output folder; skipped" in n for n in run.input.notes)
