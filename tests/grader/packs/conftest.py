"""The student-facing artefacts, built once per test session: the engine wheel and a student pack
of the canonical rubric (docs/deployment.md)."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.gradescope.bundle import build_engine_wheel
from grader.packs.build import build_pack


@pytest.fixture(scope="session")
def engine_wheel(tmp_path_factory) -> Path:
    """``pip wheel . --no-deps --no-build-isolation`` of the source checkout."""
    return build_engine_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def student_pack(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "canonical-student.zip"
    build_pack(["canonical"], path, public=True)
    return path


@pytest.fixture(scope="session")
def instructor_pack(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pack") / "canonical-instructor"
    build_pack(["canonical"], path, public=False)
    return path
