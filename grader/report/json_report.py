"""The JSON report: ``Report.to_dict()`` as text, documented by ``grader/schemas/report.schema.json``."""
from __future__ import annotations

import json
from importlib import resources

from ..result import Report


def render_json(report: Report) -> str:
    """``report`` as indented JSON (UTF-8 text, strict: no NaN or Infinity)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def load_json(text: str) -> Report:
    """Read a JSON report back (the inverse of ``render_json``)."""
    return Report.from_dict(json.loads(text))


def report_schema() -> dict:
    """The JSON Schema (draft 2020-12) every ``render_json`` output satisfies."""
    text = resources.files("grader").joinpath("schemas/report.schema.json").read_text("utf-8")
    return json.loads(text)
