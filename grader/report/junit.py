"""JUnit XML for CI test reports: one ``<testsuite>`` per section, one ``<testcase>`` per check.

A testcase has ``classname`` = section and ``name`` = check id, ``<properties>`` with its
points, maximum, status, kind and visibility, a ``<failure>`` (``type`` = failed, partial or
error; ``message`` = the first line; text = the whole message) unless it passed, or a
``<skipped>`` element. Every string is made safe for XML 1.0 first: control characters become
visible escapes and characters XML forbids are replaced, so the document is well-formed
whatever the student's code made a message say (``<``, ``&`` and ``]]>`` are escaped by
ElementTree itself).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..result import Report, format_points, printable

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_ATTRIBUTE_CHARS = 200


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids made visible or replaced by U+FFFD."""
    return _XML_FORBIDDEN.sub("\ufffd", printable(str(text)))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MAX_ATTRIBUTE_CHARS else line[: MAX_ATTRIBUTE_CHARS - 3] + "..."


def _properties(parent: ET.Element, items: list[tuple[str, str]]) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in items:
        ET.SubElement(props, "property", name=name, value=xml_safe(value))


def render_junit(report: Report) -> str:
    """``report`` as a JUnit XML document (UTF-8 declaration included)."""
    counts = report.counts()
    n_fail = counts["failed"] + counts["partial"] + counts["error"]
    root = ET.Element("testsuites", {
        "name": xml_safe(f"{report.rubric_title} ({format_points(report.score)} / "
                         f"{format_points(report.max_score)} points)"),
        "tests": str(len(report.results)), "failures": str(n_fail), "errors": "0",
        "skipped": str(counts["skipped"]), "time": f"{report.duration_s:.3f}",
    })
    section_scores = report.section_scores()
    for section, results in report.by_section().items():
        fails = sum(r.status in ("failed", "partial", "error") for r in results)
        suite = ET.SubElement(root, "testsuite", {
            "name": xml_safe(section), "tests": str(len(results)), "failures": str(fails),
            "errors": "0", "skipped": str(sum(r.status == "skipped" for r in results)),
            "time": f"{sum(r.duration_s for r in results):.3f}",
        })
        earned, available = section_scores[section]
        _properties(suite, [("points", format_points(earned)), ("max_points", format_points(available))])
        for r in results:
            case = ET.SubElement(suite, "testcase", {
                "classname": xml_safe(section), "name": xml_safe(r.name), "time": f"{r.duration_s:.3f}",
            })
            items = [("points", format_points(r.points)), ("max_points", format_points(r.max_points)),
                     ("status", r.status), ("kind", r.kind), ("visibility", r.visibility)]
            if r.measured is not None:
                items.append(("measured", repr(r.measured)))
            _properties(case, items)
            message = xml_safe(r.full_message)
            if r.status in ("failed", "partial", "error"):
                failure = ET.SubElement(case, "failure", {"message": _first_line(message) or r.status,
                                                          "type": r.status})
                failure.text = message
            elif r.status == "skipped":
                ET.SubElement(case, "skipped", {"message": _first_line(message) or "skipped"})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
