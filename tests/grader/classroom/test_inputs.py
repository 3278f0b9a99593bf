"""Reading a class folder: each layout is detected (with its reason), each student gets a stable
id from the source, stray files and older duplicates are reported, never graded."""
from __future__ import annotations

import os
import zipfile

import pytest

from grader.classroom.inputs import ClassInputError, read_class

GRADESCOPE_METADATA = """\
submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '3031'
    :email: ada@example.edu
  :created_at: 2026-10-01 22:14:03.000000000 -07:00
  :score: 0.0
submission_102:
  :submitters:
  - :name: Alan Turing
    :sid: '3032'
    :email: alan@example.edu
  :created_at: 2026-10-01 23:01:44.000000000 -07:00
submission_099:
  :submitters:
  - :name: Ada Lovelace
    :sid: '3031'
    :email: ada@example.edu
  :created_at: 2026-09-30 10:00:00.000000000 -07:00
"""


def _package(folder, marker="x = 1\n"):
    folder.mkdir(parents=True)
    (folder / "layers.py").write_text(marker)
    return folder


def _gradescope_export(root):
    root.mkdir()
    (root / "submission_metadata.yml").write_text(GRADESCOPE_METADATA)
    for sub in ("submission_101", "submission_102", "submission_099"):
        _package(root / sub)
    return root


def test_a_folder_per_student_with_folders_zips_and_notebooks(tmp_path):
    root = tmp_path / "class"
    _package(root / "alice")
    with zipfile.ZipFile(root / "bob.zip", "w") as zf:
        zf.writestr("bob/layers.py", "x = 1\n")
    (root / "carol.ipynb").write_text("{}")
    (root / "README.txt").write_text("not a submission")
    (root / ".DS_Store").write_text("")
    found = read_class(root, tmp_path / "staging")
    assert found.layout == "folder"
    assert [s.id for s in found.submissions] == ["alice", "bob", "carol"]
    assert any("README.txt: not a submission" in n for n in found.notes)


def test_gradescope_export_folder_maps_submissions_to_students_and_keeps_the_newest(tmp_path):
    found = read_class(_gradescope_export(tmp_path / "export"), tmp_path / "staging")
    assert found.layout == "gradescope" and "submission_metadata.yml" in found.reason
    by_id = {s.id: s for s in found.submissions}
    assert sorted(by_id) == ["3031", "3032"]
    ada = by_id["3031"]
    assert (ada.name, ada.email, ada.path.name) == ("Ada Lovelace", "ada@example.edu", "submission_101")
    assert any("3031: two submissions" in n and "submission_099" in n for n in found.notes)


def test_gradescope_export_zip_is_unpacked_into_staging(tmp_path):
    export = _gradescope_export(tmp_path / "export")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for item in sorted(export.rglob("*")):
            if item.is_file():
                zf.write(item, f"assignment_1_export/{item.relative_to(export).as_posix()}")
    found = read_class(archive, tmp_path / "staging")
    assert found.layout == "gradescope" and "unpacked from export.zip" in found.reason
    assert sorted(s.id for s in found.submissions) == ["3031", "3032"]
    assert all((tmp_path / "staging") in s.path.parents for s in found.submissions)


def test_github_classroom_clones_are_named_by_github_user(tmp_path):
    root = tmp_path / "clones"
    for user in ("octocat", "hubot"):
        (_package(root / f"assignment-2-{user}") / ".git").mkdir()
    found = read_class(root, tmp_path / "staging")
    assert found.layout == "github-classroom" and "assignment-2-<github-user>" in found.reason
    assert [s.id for s in found.submissions] == ["hubot", "octocat"]


def test_canvas_download_groups_files_per_user_and_grades_the_latest_attempt(tmp_path):
    root = tmp_path / "canvas"
    root.mkdir()
    (root / "lovelaceada_4411_1_layers.py").write_text("old = 1\n")
    (root / "lovelaceada_late_4411_2_layers.py").write_text("new = 1\n")
    (root / "lovelaceada_late_4411_2_optim.py").write_text("new = 2\n")
    with zipfile.ZipFile(root / "turingalan_4412_1_submission.zip", "w") as zf:
        zf.writestr("cs231n/layers.py", "x = 1\n")
    (root / "grades.txt").write_text("stray")
    found = read_class(root, tmp_path / "staging")
    assert found.layout == "canvas"
    ada, alan = found.submissions
    assert (ada.id, alan.id) == ("4411", "4412")
    assert sorted(p.name for p in ada.path.iterdir()) == ["layers.py", "optim.py"]
    assert (ada.path / "layers.py").read_text() == "new = 1\n"
    assert alan.path.name == "turingalan_4412_1_submission.zip"
    assert any("4411: two submissions" in n for n in found.notes)
    assert any("grades.txt" in n for n in found.notes)


def test_nbgrader_submitted_tree(tmp_path):
    root = tmp_path / "course"
    _package(root / "submitted" / "jdoe" / "assignment2")
    _package(root / "submitted" / "asmith" / "assignment2")
    found = read_class(root, tmp_path / "staging")
    assert found.layout == "nbgrader"
    assert [(s.id, s.path.name) for s in found.submissions] == [("asmith", "assignment2"),
                                                                ("jdoe", "assignment2")]


def test_duplicate_student_the_newest_wins_and_the_other_is_reported(tmp_path):
    root = tmp_path / "class"
    _package(root / "alice")
    with zipfile.ZipFile(root / "alice.zip", "w") as zf:
        zf.writestr("alice/layers.py", "x = 2\n")
    os.utime(root / "alice.zip", (1_000_000, 1_000_000))
    found = read_class(root, tmp_path / "staging")
    assert [s.origin for s in found.submissions] == ["alice"]
    assert any("alice: two submissions" in n and "alice.zip" in n for n in found.notes)


def test_an_empty_class_folder_is_one_clear_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ClassInputError, match="empty"):
        read_class(tmp_path / "empty", tmp_path / "staging")


def test_a_folder_of_only_stray_files_holds_no_submissions(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("x")
    with pytest.raises(ClassInputError, match="no submissions"):
        read_class(tmp_path / "c", tmp_path / "staging")


def test_ids_are_safe_folder_names(tmp_path):
    root = tmp_path / "class"
    _package(root / "Ünïcode name")
    (found,) = read_class(root, tmp_path / "staging").submissions
    assert "/" not in found.id and " " not in found.id and found.id not in (".", "..")
