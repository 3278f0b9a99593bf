"""Fixtures are produced only by the reference, deterministically, and staleness is detected."""
import dataclasses
import shutil

import numpy as np
import pytest

from grader import fixtures
from grader.rubric import load_rubric


@pytest.fixture
def rubric_copy(tmp_path):
    """The canonical rubric with its fixtures copied to a temporary folder."""
    rubric = load_rubric("canonical")
    shutil.copy(rubric.path, tmp_path / "canonical.yaml")
    shutil.copytree(fixtures.fixture_dir(rubric), tmp_path / "canonical")
    return dataclasses.replace(rubric, path=tmp_path / "canonical.yaml")


def test_the_committed_fixtures_are_fresh():
    assert fixtures.check(load_rubric("canonical")).problems == []


def test_npz_bytes_are_deterministic_and_keep_0d_arrays():
    arrays = {"b/x": np.arange(6.0).reshape(2, 3), "a/loss": np.float64(2.5), "a/n": np.array(3)}
    first, second = fixtures.npz_bytes(arrays), fixtures.npz_bytes(dict(reversed(arrays.items())))
    assert first == second
    import io
    with np.load(io.BytesIO(first), allow_pickle=False) as data:
        assert data["a/loss"].shape == () and float(data["a/loss"]) == 2.5
        assert data["b/x"].shape == (2, 3)


def test_regenerating_twice_is_byte_identical(rubric_copy):
    folder = fixtures.regenerate(rubric_copy)
    first = (folder / "expected.npz").read_bytes()
    fixtures.regenerate(rubric_copy)
    assert (folder / "expected.npz").read_bytes() == first


def test_a_hand_edited_fixture_is_stale(rubric_copy):
    npz = fixtures.fixture_dir(rubric_copy) / "expected.npz"
    arrays = {key: value for key, value in np.load(npz, allow_pickle=False).items()}
    key = sorted(arrays)[0]
    arrays[key] = arrays[key] + 1
    npz.write_bytes(fixtures.npz_bytes(arrays))
    assert any("differs" in p for p in fixtures.check(rubric_copy).problems)


def test_a_changed_reference_is_reported(rubric_copy, monkeypatch):
    monkeypatch.setattr(fixtures, "reference_hash", lambda: "0" * 64)
    assert any("reference changed" in p for p in fixtures.check(rubric_copy).problems)
