"""Course packs (grader.packs): what a student pack holds and leaves out, the manifest check, and
grading with a pack (docs/deployment.md "Course packs")."""
from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.engine import GradeOptions, grade
from grader.hints import shown
from grader.packs import PackError, open_pack
from grader.packs.build import build_pack
from grader.rubric import load_rubric, parse_rubric
from grader.trusted import UNAVAILABLE
from tests.support import REFERENCE, TEMPLATE

HIDDEN = {"softmax_loss.log_sum_exp", "rmsprop.epsilon_placement", "softmax_loss_vectorized.extreme_logits"}


def test_a_student_pack_keeps_only_the_visible_checks_and_no_reference(student_pack):
    pack = open_pack(student_pack)
    assert pack.kind == "student" and pack.rubrics == ["canonical"]
    doc = yaml.safe_load(pack.rubric_path().read_text())
    ids = {c["id"] for s in doc["sections"] for c in s["checks"]}
    full = {rc.id for _, rc in load_rubric("canonical").iter_checks()}
    assert ids == full - HIDDEN
    assert all(c["visibility"] == "visible" for s in doc["sections"] for c in s["checks"])
    layers = (pack.code / "reference" / "layers.py").read_text()
    assert 'raise NotImplementedError("relu_forward: not implemented yet")' in layers
    assert "np.maximum(0, x)" not in layers
    assert not (pack.root / "rubrics" / "full-hints.yaml").exists()   # canonical: direction hints


def test_an_instructor_pack_keeps_everything(instructor_pack):
    pack = open_pack(instructor_pack)
    assert pack.kind == "instructor"
    ids = {rc.id for _, rc in load_rubric(pack.rubric_path()).iter_checks()}
    assert HIDDEN <= ids
    assert "np.maximum(0, x)" in (pack.code / "reference" / "layers.py").read_text()


def test_a_pack_edited_after_its_build_is_refused(instructor_pack, tmp_path):
    copy = tmp_path / "pack"
    shutil.copytree(instructor_pack, copy)
    rubric = copy / "rubrics" / "canonical.yaml"
    rubric.write_text(rubric.read_text().replace("points: 2.0", "points: 20.0", 1))
    with pytest.raises(PackError, match="differs from the manifest"):
        open_pack(copy)
    (copy / "rubrics" / "extra.yaml").write_text("name: extra\n")
    rubric.unlink()
    with pytest.raises(PackError, match="missing"):
        open_pack(copy)


def test_a_zip_pack_is_checked_against_its_pinned_sha256(student_pack, tmp_path):
    with pytest.raises(PackError, match="sha256"):
        open_pack(student_pack, sha256="0" * 64)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../outside.txt", "x")
    with pytest.raises(PackError, match="unsafe"):
        open_pack(evil)
    with pytest.raises(PackError, match="no readable pack.json"):
        open_pack(tmp_path)


def _visible_points(rubric) -> float:
    return sum(c.points for section in rubric.sections for c in section.checks if c.visibility == "visible")


def test_grading_with_the_student_pack(student_pack):
    report = grade(REFERENCE, GradeOptions(pack=student_pack))
    assert report.max_score == _visible_points(load_rubric("canonical"))   # the hidden checks are not in it
    skipped = [r for r in report.results if r.status == "skipped"]
    assert {r.name for r in skipped} == {"training.overfit_three_layer", "training.overfit_five_layer",
                                         "training.two_layer_accuracy"}
    assert all(r.message == UNAVAILABLE for r in skipped)
    assert all(r.status == "passed" for r in report.results if r not in skipped)
    assert grade(TEMPLATE, GradeOptions(pack=student_pack)).score == 0


def test_grading_with_the_instructor_pack_gives_full_marks(instructor_pack):
    report = grade(REFERENCE, GradeOptions(pack=instructor_pack))
    assert report.score == report.max_score == load_rubric("canonical").max_points


def test_no_flag_reveals_hidden_content_from_a_student_pack(student_pack, instructor_pack, tmp_path):
    out = CliRunner().invoke(main, [str(TEMPLATE), "--pack", str(student_pack), "--audience", "instructor"])
    assert out.exit_code == 2 and "needs an instructor pack" in out.output
    out = CliRunner().invoke(main, [str(TEMPLATE), "--pack", str(instructor_pack), "--audience",
                                    "instructor", "-q"])
    assert out.exit_code == 0, out.output


def test_the_pack_build_command(tmp_path):
    out = CliRunner().invoke(main, ["pack", "build", "canonical", "--public", "-o", str(tmp_path / "p.zip")])
    assert out.exit_code == 0, out.output
    assert "student pack" in out.output and "left out: canonical: 3 checks that are not visible" in out.output
    assert "sha256: " in out.output
    out = CliRunner().invoke(main, ["pack", "build", "no_such_rubric", "-o", str(tmp_path / "q")])
    assert out.exit_code == 2


# -- hint levels -------------------------------------------------------------------------------
RUBRIC = """
name: hinted
defaults: {hints: {visible: full, hidden: none}}
sections:
  - name: s
    checks:
      - {id: relu_forward.values, points: 1}
      - {id: relu_backward.exact_zeros, points: 1, visibility: hidden}
      - {id: affine_forward.values, points: 1, hints: direction}
"""


def test_hint_levels_come_from_the_rubric_per_visibility_or_per_check():
    levels = {rc.id: rc.hints for _, rc in parse_rubric(RUBRIC).iter_checks()}
    assert levels == {"relu_forward.values": "full", "relu_backward.exact_zeros": "none",
                      "affine_forward.values": "direction"}
    assert {rc.hints for _, rc in load_rubric("canonical").iter_checks()} == {"direction"}


def test_each_level_shows_its_hint():
    full = {"relu_forward.values": "out = np.maximum(0, x)"}
    assert shown("full", "relu_forward.values", "negatives become 0", full) == "out = np.maximum(0, x)"
    assert shown("full", "other.check", "its own", full) == "its own"
    assert shown("direction", "relu_forward.values", "negatives become 0", full) == "negatives become 0"
    assert shown("none", "relu_forward.values", "negatives become 0", full) is None


def test_a_student_pack_carries_full_hints_only_where_the_rubric_allows(tmp_path):
    (tmp_path / "hinted.yaml").write_text(RUBRIC)
    shutil.copy(load_rubric("canonical").path.parent / "full-hints.yaml", tmp_path / "full-hints.yaml")
    shutil.copytree(load_rubric("canonical").path.parent / "fixtures", tmp_path / "fixtures")
    built = build_pack([str(tmp_path / "hinted.yaml")], tmp_path / "pack", public=True)
    hints = yaml.safe_load((built.path / "rubrics" / "full-hints.yaml").read_text())
    assert hints == {"relu_forward.values": "out = np.maximum(0, x), same shape as x"}
    manifest = json.loads((built.path / "pack.json").read_text())
    assert manifest["kind"] == "student" and "rubrics/full-hints.yaml" in manifest["files"]


def test_the_student_pack_leaves_out_the_arrays_and_mistakes_only_hidden_checks_read(student_pack):
    pack = open_pack(student_pack)
    with np.load(pack.root / "rubrics" / "fixtures" / "softmax_loss.npz") as f:
        keys = set(f.files)
    assert {"nb_x", "nb_loss", "big_x"} <= keys                  # the visible checks' cases stay
    assert not [k for k in keys if k.startswith("lse_")]           # softmax_loss.log_sum_exp's go
    with np.load(pack.root / "rubrics" / "fixtures" / "optim.npz") as f:
        assert not [k for k in f.files if k.startswith("rmsprop.eps_")]


def test_a_pack_of_several_rubrics_asks_which_one(tmp_path):
    built = build_pack(["canonical", "cs231n_a1"], tmp_path / "course", public=True, name="course")
    pack = open_pack(built.path)
    assert pack.rubrics == ["canonical", "cs231n_a1"] and pack.name == "course"
    with pytest.raises(PackError, match="choose one with --rubric"):
        pack.rubric_path()
    assert pack.rubric_path("cs231n_a1").is_file()
    with pytest.raises(PackError, match="no rubric 'nope'"):
        pack.rubric_path("nope")


def test_a_class_is_graded_with_a_pack_and_a_rebuilt_pack_regrades_it(tmp_path):
    import csv

    from grader.classroom import ClassOptions, grade_class
    from tests.grader.classroom.helpers import copy, small_rubric

    rubric = small_rubric(tmp_path / "rubric")
    pack = build_pack([str(rubric)], tmp_path / "small-pack", public=False).path
    klass = tmp_path / "class"
    copy(REFERENCE, klass / "alice")
    copy(TEMPLATE, klass / "bob")
    options = ClassOptions(pack=str(pack), call_timeout=5.0, jobs=1)
    first = grade_class(klass, tmp_path / "out", options)
    with open(tmp_path / "out" / "gradebook.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert rows["alice"]["total"] == rows["alice"]["max"] == "11" and rows["bob"]["total"] == "0"
    assert first.graded_now == 2
    assert grade_class(klass, tmp_path / "out", options).graded_now == 0
    build_pack([str(rubric)], pack, public=True)   # another pack at the same path
    assert grade_class(klass, tmp_path / "out", options).graded_now == 2


def test_a_pack_keeps_the_roles_of_extra_and_optional_checks(tmp_path):
    """The pack's expanded rubric says which checks are extra or optional, as the source does."""
    for name in ("canonical", "cs182_hw02"):
        source = load_rubric(name)
        out = tmp_path / name
        build_pack([name], out)
        packed = load_rubric(out / "rubrics" / f"{name}.yaml")
        roles = {c.id: (c.role, c.role_variants, c.points, c.required_points) for _, c in source.iter_checks()}
        assert {c.id: (c.role, c.role_variants, c.points, c.required_points) for _, c in packed.iter_checks()} == roles
        assert packed.max_points == source.max_points
