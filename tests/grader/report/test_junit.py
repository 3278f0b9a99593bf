"""JUnit XML: one testsuite per section, valid against the common JUnit schema whatever a message holds."""
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from grader.report.junit import render_junit, xml_safe
from grader.result import CheckResult, Report

from . import ROWS, SECRET, sample_report

JUNIT_XSD = Path(__file__).resolve().parents[2] / "data" / "junit-10.xsd"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(JUNIT_XSD))


def parsed(report, schema) -> ET.Element:
    text = render_junit(report)
    schema.validate(text)
    return ET.fromstring(text.encode("utf-8"))


@pytest.fixture(scope="module")
def root(schema):
    return parsed(sample_report(), schema)


def test_suites_and_cases_mirror_sections_and_checks(root):
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == ["layers", "training"]
    cases = root.findall("testsuite/testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [(row[1], row[0]) for row in ROWS]
    layers = root.find("testsuite[@name='layers']")
    assert (layers.get("tests"), layers.get("failures"), layers.get("errors"), layers.get("skipped")) == \
        ("3", "2", "0", "0")
    training = root.find("testsuite[@name='training']")
    assert (training.get("failures"), training.get("errors"), training.get("skipped")) == ("1", "1", "1")
    assert root.get("tests") == "7" and root.get("failures") == "3" and root.get("errors") == "1"


def test_error_failure_and_skipped_elements_follow_status(root):
    for case, row in zip(root.findall("testsuite/testcase"), ROWS):
        status = row[5]
        failure, error, skipped = case.find("failure"), case.find("error"), case.find("skipped")
        assert (failure is not None) == (status in ("failed", "partial"))
        assert (error is not None) == (status == "error")
        assert (skipped is not None) == (status == "skipped")
        for element in (failure, error):
            if element is not None:
                assert element.get("type") == status and element.get("message")


def test_points_are_in_system_out_and_suite_properties(root):
    case = root.find("testsuite/testcase[@name='two_layer_net.val_accuracy']")
    assert case.find("system-out").text.splitlines() == [
        "points: 1.5 / 3", "status: partial", "kind: training", "visibility: visible", "measured: 0.39"]
    suite = root.find("testsuite[@name='training']")
    suite_props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert suite_props == {"points": "2.5", "max_points": "7"}


def test_hostile_message_round_trips_as_text(root):
    failure = root.find("testsuite/testcase[@name='affine_backward.numeric_gradient']/failure")
    assert failure.text.startswith("<b>bold</b> & ]]> | `code` \\x00 nul \\x1b[31mred")
    assert "\x00" not in failure.text and "\x1b" not in failure.text


def test_every_forbidden_character_is_neutralised(schema):
    nasty = "".join(map(chr, range(0x20))) + "\x7f\ud800\ufffe\uffff]]><&\"'"
    result = CheckResult("a.b", "s", "value", 0, 1, "failed", nasty, "visible", 0.0, hint="h" + nasty)
    report = Report("s\x01", "r", "T\x02", "p", [result], "2024-01-01T00:00:00+00:00", 0.0)
    root = parsed(report, schema)                                   # valid, so well-formed
    assert root.find(".//failure").text.count("]]><&") == 2
    assert xml_safe("a\x00b") == "a\\x00b"


def test_an_ungradable_submission_is_one_errored_case(schema):
    result = CheckResult("a.b", "s", "setup", 0, 2, "failed", "could not be graded", "visible", 0.0)
    report = Report("x.txt", "r", "T", "p", [result] * 50, "2024-01-01T00:00:00+00:00", 0.1,
                    error="cannot take x.txt: a submission is a folder, a .zip archive or an .ipynb notebook")
    root = parsed(report, schema)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1 and root.get("errors") == "1" and root.get("tests") == "1"
    assert "cannot take x.txt" in cases[0].find("error").get("message")


def test_student_render_holds_no_hidden_message():
    assert SECRET not in render_junit(sample_report().for_audience("student"))
    assert SECRET in render_junit(sample_report().for_audience("instructor"))
