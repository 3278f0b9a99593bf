"""The `grade` command: outputs, exit codes and the instructor subcommands."""
import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from grader.cli import main, output_options
from grader.report import FORMATS, RENDERERS, file_formats, register
from tests.support import REFERENCE, TEMPLATE


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_grading_writes_every_report_format_and_exits_0(tmp_path):
    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "gradescope", "junit", "md")}
    result = invoke(REFERENCE, "--json", out["json"], "--gradescope", out["gradescope"],
                    "--junit", out["junit"], "--markdown", out["md"])
    assert result.exit_code == 0, result.output
    assert "Total" in result.output
    report = json.loads(out["json"].read_text())
    assert report["rubric"] == "canonical"
    gradescope = json.loads(out["gradescope"].read_text())
    assert gradescope["score"] == sum(t["max_score"] for t in gradescope["tests"])
    suites = ET.parse(out["junit"]).getroot()
    assert suites.iter("testcase")
    assert "canonical" in out["md"].read_text().lower() or "|" in out["md"].read_text()


def test_the_output_options_are_the_file_formats_of_the_renderer_registry():
    help_text = invoke("run", "--help").output
    assert [r.name for r in file_formats()] == ["json", "gradescope", "junit", "markdown"]
    for renderer in file_formats():
        assert renderer.option in help_text and renderer.help.split()[0] in help_text
    assert "--terminal" not in help_text   # registered, but not a file format


def test_a_new_renderer_is_one_registration(tmp_path, monkeypatch):
    import click

    monkeypatch.setattr("grader.report.FORMATS", dict(FORMATS))       # the registry is restored
    monkeypatch.setattr("grader.report.RENDERERS", dict(RENDERERS))   # after the test
    register("scores", lambda report: f"{report.score:g}\n", option="--scores", help="Write the score.")
    seen = {}

    @click.command()
    @output_options
    def command(**outputs):
        seen.update(outputs)

    CliRunner().invoke(command, ["--scores", str(tmp_path / "s.txt")], catch_exceptions=False)
    assert seen["scores_out"] == tmp_path / "s.txt" and seen["json_out"] is None


def test_a_low_score_still_exits_0_unless_a_gate_is_set():
    assert invoke(TEMPLATE, "-q").exit_code == 0
    gated = invoke(TEMPLATE, "-q", "--fail-under", 50)
    assert gated.exit_code == 1
    assert "below --fail-under" in gated.output


def test_usage_errors_exit_2(tmp_path):
    assert invoke(tmp_path / "missing").exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsections: []\n")
    result = invoke(REFERENCE, "--rubric", bad)
    assert result.exit_code == 2
    assert "invalid rubric" in result.output


def test_instructor_subcommands():
    listed = invoke("rubrics")
    assert listed.exit_code == 0 and "canonical" in listed.output
    assert invoke("fixtures", "check", "canonical").exit_code == 0
    assert invoke("template", "build", "--check").exit_code == 0
