"""The fixture store (grader/fixtures.py): one ``<builder>.npz`` per fixture builder, produced only by
the reference, deterministically, with each builder's staleness detected and repaired on its own."""
import dataclasses
import io
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from grader import fixtures
from grader.checks.base import FIXTURE_BUILDERS
from grader.cli import main
from grader.rubric import list_rubrics, load_rubric, merge_rubrics

PACKAGED = fixtures.packaged_store()


@pytest.fixture
def rubric_copy(tmp_path):
    """The canonical rubric, its section files and the store copied to a temporary folder: the
    copy reads and writes ``tmp_path/fixtures``."""
    shutil.copy(PACKAGED.parent / "canonical.yaml", tmp_path / "canonical.yaml")
    shutil.copytree(PACKAGED.parent / "sections", tmp_path / "sections")
    shutil.copytree(PACKAGED, tmp_path / "fixtures")
    return load_rubric(tmp_path / "canonical.yaml")


def test_the_committed_store_is_fresh_for_every_packaged_rubric():
    staleness = fixtures.check([load_rubric(name) for name in list_rubrics()])
    assert staleness.problems == []


def test_the_store_holds_one_file_per_builder_and_nothing_else():
    rubrics = [load_rubric(name) for name in list_rubrics()]
    needed = {b for r in rubrics for b in fixtures.builders_for(r)}
    assert {p.stem for p in PACKAGED.glob("*.npz")} == needed
    assert sorted(fixtures.read_manifest(PACKAGED)) == sorted(needed)
    assert fixtures.unused(rubrics) == []
    assert not [p for p in PACKAGED.parent.glob("*/expected.npz")], "per-rubric copies are gone"


def test_packaged_and_merged_rubrics_read_the_packaged_store(tmp_path):
    canonical, hw3 = load_rubric("canonical"), load_rubric("ucla_hw3")
    assert fixtures.fixture_dir(canonical) == PACKAGED
    assert fixtures.fixture_dir(merge_rubrics([canonical, hw3])) == PACKAGED
    other = dataclasses.replace(canonical, path=tmp_path / "course" / "mine.yaml")
    assert fixtures.fixture_dir(other) == tmp_path / "course" / "fixtures"


def test_load_gives_the_rubrics_builders_only():
    rubric = load_rubric("cs182_hw02")
    expected = fixtures.load(rubric)
    assert sorted(expected) == fixtures.builders_for(rubric)
    assert "affine" not in expected
    assert all(isinstance(a, np.ndarray) for arrays in expected.values() for a in arrays.values())


def test_each_load_gets_its_own_arrays_decoded_once_and_a_rewritten_file_is_read_again(tmp_path):
    path = tmp_path / "affine.npz"
    path.write_bytes(fixtures.npz_bytes({"x": np.arange(3.0)}))
    first, second = fixtures.StoredArrays(path), fixtures.StoredArrays(path)
    first["x"][0] = 99.0                      # one grading run changing its copy ...
    assert second["x"].tolist() == [0.0, 1.0, 2.0]   # ... is not seen by the next one
    path.write_bytes(fixtures.npz_bytes({"x": np.arange(4.0)}))
    assert fixtures.StoredArrays(path)["x"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_npz_bytes_are_deterministic_and_keep_0d_arrays():
    arrays = {"b/x": np.arange(6.0).reshape(2, 3), "a/loss": np.float64(2.5), "a/n": np.array(3)}
    first, second = fixtures.npz_bytes(arrays), fixtures.npz_bytes(dict(reversed(arrays.items())))
    assert first == second
    with np.load(io.BytesIO(first), allow_pickle=False) as data:
        assert data["a/loss"].shape == () and float(data["a/loss"]) == 2.5
        assert data["b/x"].shape == (2, 3)


def test_regenerating_a_fresh_store_writes_nothing_and_all_keeps_the_same_arrays(rubric_copy):
    """``--all`` reruns every builder; a file whose fresh arrays are the same (up to the last
    bits another processor's BLAS may change) keeps its bytes, so fixtures do not churn."""
    store = fixtures.fixture_dir(rubric_copy)
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    assert fixtures.regenerate(rubric_copy) == []
    assert fixtures.regenerate(rubric_copy, force=True) == []
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before


def test_arrays_are_the_same_up_to_the_last_bits_only():
    a = {"x": np.array([1.0, -2.0, 3e-17]), "n": np.array([1, 2])}
    assert fixtures.same_arrays(a, {"x": a["x"] * (1 + 1e-14), "n": a["n"].copy()})
    assert not fixtures.same_arrays(a, {"x": a["x"] * (1 + 1e-8), "n": a["n"].copy()})
    assert not fixtures.same_arrays(a, {"x": a["x"], "n": np.array([1, 3])})
    assert not fixtures.same_arrays(a, {"x": a["x"].astype(np.float32), "n": a["n"]})
    assert not fixtures.same_arrays(a, {"x": a["x"]})
    assert fixtures.same_arrays({"x": np.array([np.nan, np.inf])}, {"x": np.array([np.nan, np.inf])})


def test_a_missing_builder_is_rebuilt_alone(rubric_copy):
    store = fixtures.fixture_dir(rubric_copy)
    original = (store / "relu.npz").read_bytes()
    (store / "relu.npz").unlink()
    assert fixtures.check(rubric_copy).stale == ["relu"]
    assert fixtures.regenerate(rubric_copy) == [store / "relu.npz"]
    assert (store / "relu.npz").read_bytes() == original


def test_a_hand_edited_fixture_is_stale(rubric_copy):
    npz = fixtures.npz_path(rubric_copy, "affine")
    with np.load(npz, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    key = min(arrays)
    arrays[key] = arrays[key] + 1
    npz.write_bytes(fixtures.npz_bytes(arrays))
    staleness = fixtures.check(rubric_copy)
    assert staleness.stale == ["affine"]
    assert any("differs from the manifest" in p for p in staleness.builders["affine"])
    assert any("fresh run" in p for p in staleness.builders["affine"])


def test_a_changed_builder_is_found_by_the_fresh_run(rubric_copy, monkeypatch):
    original = FIXTURE_BUILDERS["relu"]
    monkeypatch.setitem(FIXTURE_BUILDERS, "relu",
                        lambda ref: {k: v + 1 for k, v in original(ref).items()})
    assert fixtures.check(rubric_copy, fresh_run=False).fresh
    staleness = fixtures.check(rubric_copy)
    assert staleness.stale == ["relu"] and "fresh run" in staleness.builders["relu"][0]


def test_a_changed_reference_makes_every_builder_stale(rubric_copy, monkeypatch):
    monkeypatch.setattr(fixtures, "reference_hash", lambda: "0" * 64)
    staleness = fixtures.check(rubric_copy, fresh_run=False)
    assert staleness.stale == fixtures.builders_for(rubric_copy)
    assert all("reference changed" in found[0] for found in staleness.builders.values())
    fixtures.regenerate(rubric_copy)
    manifest = fixtures.read_manifest(fixtures.fixture_dir(rubric_copy))
    assert {manifest[b]["reference_sha256"] for b in fixtures.builders_for(rubric_copy)} == {"0" * 64}


def test_a_rubric_outside_the_package_gets_its_own_store(tmp_path):
    (tmp_path / "mini.yaml").write_text(
        "name: mini\nsections: [{name: s, checks: [{id: relu_forward.values, points: 1}]}]\n")
    rubric = load_rubric(tmp_path / "mini.yaml")
    assert fixtures.check(rubric, fresh_run=False).builders == {
        "relu": ["missing; run `grade fixtures regenerate`"]}
    assert fixtures.regenerate(rubric) == [tmp_path / "fixtures" / "relu.npz"]
    assert fixtures.load(rubric)["relu"].keys() == fixtures.load(load_rubric("canonical"))["relu"].keys()
    manifest = json.loads((tmp_path / "fixtures" / "manifest.json").read_text())
    assert list(manifest["builders"]) == ["relu"]


def test_the_fixtures_commands(rubric_copy):
    runner = CliRunner()
    path = str(rubric_copy.path)
    result = runner.invoke(main, ["fixtures", "check", path])
    assert result.exit_code == 0 and "affine: fresh" in result.output
    fixtures.npz_path(rubric_copy, "relu").unlink()
    result = runner.invoke(main, ["fixtures", "check", path])
    assert result.exit_code == 1 and "relu: missing" in result.output
    result = runner.invoke(main, ["fixtures", "regenerate", path])
    assert result.exit_code == 0 and result.output.strip() == f"wrote {fixtures.npz_path(rubric_copy, 'relu')}"
    assert runner.invoke(main, ["fixtures", "regenerate", path]).output.strip() == (
        "every fixture builder is up to date")
    result = runner.invoke(main, ["fixtures", "regenerate", "--all", path])
    assert result.exit_code == 0 and result.output.count("wrote ") == 0   # the same arrays: kept
