"""JUnit XML: one testsuite per section, well-formed whatever a message holds."""
import xml.etree.ElementTree as ET

import pytest

from grader.report.junit import render_junit, xml_safe
from grader.result import CheckResult, Report

from . import ROWS, SECRET, sample_report


@pytest.fixture(scope="module")
def root():
    return ET.fromstring(render_junit(sample_report()).encode("utf-8"))


def test_suites_and_cases_mirror_sections_and_checks(root):
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == ["layers", "training"]
    cases = root.findall("testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [(row[1], row[0]) for row in ROWS]
    layers = root.find("testsuite[@name='layers']")
    assert (layers.get("tests"), layers.get("failures"), layers.get("skipped")) == ("3", "2", "0")
    assert root.get("tests") == "7" and root.get("failures") == "4" and root.get("skipped") == "1"


def test_failure_and_skipped_elements_follow_status(root):
    for case, row in zip(root.findall("testsuite/testcase"), ROWS):
        status = row[5]
        failure, skipped = case.find("failure"), case.find("skipped")
        if status in ("failed", "partial", "error"):
            assert failure is not None and failure.get("type") == status and failure.get("message")
        else:
            assert failure is None
        assert (skipped is not None) == (status == "skipped")


def test_points_are_properties(root):
    case = root.find("testsuite/testcase[@name='two_layer_net.val_accuracy']")
    props = {p.get("name"): p.get("value") for p in case.findall("properties/property")}
    assert props["points"] == "1.5" and props["max_points"] == "3" and props["status"] == "partial"
    assert props["measured"] == "0.39"
    suite = root.find("testsuite[@name='training']")
    suite_props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert suite_props == {"points": "2.5", "max_points": "7"}


def test_hostile_message_round_trips_as_text(root):
    failure = root.find("testsuite/testcase[@name='affine_backward.numeric_gradient']/failure")
    assert failure.text.startswith("<b>bold</b> & ]]> | `code` \\x00 nul \\x1b[31mred")
    assert "\x00" not in failure.text and "\x1b" not in failure.text


def test_every_forbidden_character_is_neutralised():
    nasty = "".join(map(chr, range(0, 0x20))) + "\x7f\ud800\ufffe\uffff]]><&\"'"
    result = CheckResult("a.b", "s", "value", 0, 1, "failed", nasty, "visible", 0.0, hint="h" + nasty)
    report = Report("s\x01", "r", "T\x02", "p", [result], "2024-01-01T00:00:00+00:00", 0.0)
    root = ET.fromstring(render_junit(report).encode("utf-8"))      # parses: well-formed
    assert root.find(".//failure").text.count("]]><&") == 2
    assert xml_safe("a\x00b") == "a\\x00b"


def test_student_render_holds_no_hidden_message():
    assert SECRET not in render_junit(sample_report().for_audience("student"))
    assert SECRET in render_junit(sample_report().for_audience("instructor"))
