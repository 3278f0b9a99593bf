"""Every packaged rubric, fully expanded, is what ``tests/grader/data/rubric_snapshot.json`` says.

The snapshot lists each rubric's checks in order with every effective setting (points,
visibility, tolerance, timeout, params, partial-credit rule, year variants, and the role of an
extra or optional check). Composing rubrics
from shared section files (``extends``/``include``/``use``/``overrides``) must not change it; a
deliberate change to a rubric regenerates the file with
``python -m tests.grader.test_rubric_snapshot``.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from grader.rubric import Rubric, list_rubrics, load_rubric

SNAPSHOT = Path(__file__).parent / "data" / "rubric_snapshot.json"
NOTEBOOK_DIR = "notebooks"


def packaged_rubrics() -> dict[str, Path]:
    """Name -> file of every packaged rubric: ``rubrics/*.yaml`` and ``rubrics/notebooks/*.yaml``."""
    folder = Path(str(resources.files("rubrics")))
    found = {name: folder / f"{name}.yaml" for name in list_rubrics()}
    for path in sorted((folder / NOTEBOOK_DIR).glob("*.yaml")):
        found[f"{NOTEBOOK_DIR}/{path.stem}"] = path
    return found


def _role(check) -> dict:
    """An extra or optional check's role (and the variants it is limited to); nothing if required."""
    if check.role == "required":
        return {}
    return {"role": check.role, "role_variants": list(check.role_variants)}


def expanded(rubric: Rubric) -> dict:
    return {
        "name": rubric.name, "title": rubric.title, "profile": rubric.profile,
        "defaults": rubric.defaults, "datasets": rubric.datasets,
        "sections": [{
            "name": section.name, "title": section.title, "variants": list(section.variants),
            "checks": [{"id": c.id, "points": c.points, "tolerance": c.tolerance,
                        "visibility": c.visibility, "timeout": c.timeout,
                        "partial_credit": c.partial_credit, "params": c.params,
                        "variants": list(c.variants), **_role(c)} for c in section.checks],
        } for section in rubric.sections],
    }


def current() -> dict:
    return {key: expanded(load_rubric(path)) for key, path in packaged_rubrics().items()}


def test_the_snapshot_lists_every_packaged_rubric():
    assert sorted(json.loads(SNAPSHOT.read_text())) == sorted(packaged_rubrics())


@pytest.mark.parametrize("key", sorted(packaged_rubrics()))
def test_each_rubric_expands_to_its_snapshot(key):
    stored = json.loads(SNAPSHOT.read_text())[key]
    assert expanded(load_rubric(packaged_rubrics()[key])) == stored


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}")
