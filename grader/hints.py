"""How much a failed check's hint says: the rubric's ``hints`` level (docs/rubrics.md).

* ``direction`` (the default): the hint the check itself gives, which says what is wrong and in
  which direction to look ("dx has the wrong shape"), never the formula;
* ``full``: the formula, from the ``full-hints.yaml`` beside the rubric (``rubrics/full-hints.yaml`` for the
  rubrics of a source checkout, ``rubrics/full-hints.yaml`` inside a course pack), falling back to the
  check's own hint for checks it does not list;
* ``none``: no hint.

The engine's code holds only direction hints; full hints are course content, shipped in a pack
only for the checks whose level is ``full``.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from . import fixtures as fixture_store

HINTS_FILE = "full-hints.yaml"
LEVELS = ("full", "direction", "none")


def hints_path(rubric) -> Path:
    """The ``full-hints.yaml`` of a rubric: beside its fixture store."""
    return fixture_store.fixture_dir(rubric).parent / HINTS_FILE


def read(path: Path) -> dict[str, str]:
    """``check id -> full hint`` of one hints file (empty when there is none)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: a hints file maps check ids to hint texts")
    return {str(k): v for k, v in data.items()}


def load(rubric) -> dict[str, str]:
    """The full hints of the rubric's checks whose level is ``full`` (others are never needed)."""
    wanted = {rc.id for _, rc in rubric.iter_checks() if rc.hints == "full"}
    if not wanted:
        return {}
    return {cid: text for cid, text in read(hints_path(rubric)).items() if cid in wanted}


def shown(level: str, check_id: str, hint: str | None, full: dict[str, str]) -> str | None:
    """The hint a result carries at ``level``: the check's own, the full text, or none."""
    if level == "none":
        return None
    if level == "full":
        return full.get(check_id, hint)
    return hint


__all__ = ["HINTS_FILE", "LEVELS", "hints_path", "load", "read", "shown"]
