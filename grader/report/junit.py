"""JUnit XML for CI test reports, written with ``junitparser``: one ``<testsuite>`` per section,
one ``<testcase>`` per check. The document is valid against the common JUnit schema
(``junit-10.xsd``, the one CI servers read; the tests validate against it).

A testcase has ``classname`` = section and ``name`` = check id; an ``<error>`` when the check
errored, a ``<failure>`` (``type`` = failed or partial) when it failed or earned part of its points,
a ``<skipped>`` when it was skipped (``message`` = the first line, text = the whole message).
Points, status, kind, visibility, the role of an extra or optional check and the measured
figure are in its ``<system-out>`` (the schema
has no properties on a testcase); a suite's points are its ``<properties>``. A submission that
could not be graded (``Report.error``) is one suite with one errored testcase.

Every string is made safe for XML 1.0 first: control characters become visible escapes and
characters XML forbids are replaced, so the document is well-formed whatever the student's code
made a message say (``<``, ``&`` and ``]]>`` are escaped by the XML writer).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

from ..result import ROLE_TEXT, Report, format_points, printable

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_ATTRIBUTE_CHARS = 200


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids made visible or replaced by U+FFFD."""
    return _XML_FORBIDDEN.sub("\ufffd", printable(str(text)))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MAX_ATTRIBUTE_CHARS else line[: MAX_ATTRIBUTE_CHARS - 3] + "..."


def _outcome(status: str, message: str):
    """The junitparser result element for a check that did not pass (None when it passed)."""
    if status == "passed":
        return None
    kind = {"error": Error, "skipped": Skipped}.get(status, Failure)
    element = kind(_first_line(message) or status, None if status == "skipped" else status)
    if status != "skipped":
        element.text = message
    return element


def _case(r) -> TestCase:
    case = TestCase(xml_safe(r.name), xml_safe(r.section), round(r.duration_s, 3))
    outcome = None if r.informational else _outcome(r.status, xml_safe(r.full_message))
    if outcome is not None:
        case.result = [outcome]
    details = [f"points: {format_points(r.points)} / {format_points(r.max_points)}",
               f"status: {r.shown_status}", f"kind: {r.kind}", f"visibility: {r.visibility}"]
    if r.label:
        details.append(f"role: {ROLE_TEXT[r.role]}")
    if r.measured is not None:
        details.append(f"measured: {r.measured!r}")
    case.system_out = "\n".join(details)
    return case


def _suites(report: Report) -> list[TestSuite]:
    if report.error is not None:
        suite = TestSuite("submission")
        case = TestCase("submission", "submission", round(report.duration_s, 3))
        case.result = [_outcome("error", xml_safe(report.error))]
        suite.add_testcase(case)
        return [suite]
    suites = []
    section_scores = report.section_scores()
    for section, results in report.by_section().items():
        suite = TestSuite(xml_safe(section))
        earned, available = section_scores[section]
        suite.add_property("points", format_points(earned))
        suite.add_property("max_points", format_points(available))
        suite.add_testcases([_case(r) for r in results])
        suites.append(suite)
    return suites


def render_junit(report: Report) -> str:
    """``report`` as a JUnit XML document (UTF-8 declaration included)."""
    xml = JUnitXml(xml_safe(f"{report.rubric_title} ({format_points(report.score)} / "
                            f"{format_points(report.max_score)} points)"))
    for suite in _suites(report):
        suite.update_statistics()
        xml.add_testsuite(suite)
    # the schema's <testsuites> has tests, failures, errors and time (no skipped count)
    xml.tests = sum(s.tests for s in xml)
    xml.failures = sum(s.failures for s in xml)
    xml.errors = sum(s.errors for s in xml)
    xml.time = round(report.duration_s, 3)
    root = ET.fromstring(xml.tostring())
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
