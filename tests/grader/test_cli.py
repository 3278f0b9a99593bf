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
    assert [r.name for r in file_formats()] == ["json", "gradescope", "junit", "markdown", "html"]
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


def test_help_lists_the_grading_options_and_the_exit_statuses():
    text = invoke("--help").output
    for option in ("--rubric", "--data", "--gradescope", "--junit", "--markdown", "--fail-under",
                   "--audience", "--execute"):
        assert option in text, option
    assert "3  the submission could not be graded" in text


def test_an_ungradable_submission_is_one_message_and_exits_3(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    not_a_zip = tmp_path / "hw.zip"
    not_a_zip.write_text("not a zip")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("my answers")
    for upload, reason in ((empty, "holds no files"), (not_a_zip, "not a readable zip"),
                           (text_file, "cannot take notes.txt")):
        out = tmp_path / f"{upload.name}.gradescope.json"
        result = invoke(upload, "--gradescope", out)
        assert result.exit_code == 3, result.output
        assert result.output.startswith("error: the submission could not be graded")
        assert result.output.count(reason) == 1, result.output
        assert json.loads(out.read_text())["tests"] == []


def test_data_that_is_not_cifar10_is_a_usage_error(tmp_path):
    result = invoke(REFERENCE, "--data", tmp_path)
    assert result.exit_code == 2
    assert "not a cifar-10-batches-py folder" in result.output and "data_batch_1" in result.output
    assert invoke(REFERENCE, "--data", tmp_path / "nowhere").exit_code == 2


def test_an_output_path_that_is_a_folder_is_a_usage_error(tmp_path):
    for option in ("--json", "--gradescope", "--junit", "--markdown"):
        result = invoke(REFERENCE, "-q", option, tmp_path)
        assert result.exit_code == 2, option
        assert "is a folder" in result.output and "Traceback" not in result.output


def test_markdown_appends_to_the_github_step_summary(tmp_path, monkeypatch):
    summary = tmp_path / "step_summary_0c4b2a4e-8f1d-4c8e-9d57-2b1f3f6a9e10"
    summary.write_text("## Tests\n\nearlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert invoke(REFERENCE, "-q", "--markdown", summary).exit_code == 0
    text = summary.read_text()
    assert text.startswith("## Tests\n\nearlier step\n") and "165 / 165 points" in text
    other = tmp_path / "summary.md"                  # any other file is replaced
    other.write_text("old")
    assert invoke(REFERENCE, "-q", "--markdown", other).exit_code == 0
    assert not other.read_text().startswith("old")


def test_execute_without_the_notebooks_extra_names_the_extra(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "nbclient" else real(name, *a))
    result = invoke(REFERENCE, "--execute")
    assert result.exit_code == 2
    assert "numpy-dl-autograder[notebooks]" in result.output and "nbclient" in result.output


def test_gradescope_build_refuses_an_invalid_rubric_before_building(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsections: []\n")
    result = invoke("gradescope", "build", bad, "-o", tmp_path / "autograder.zip")
    assert result.exit_code == 2 and "invalid rubric" in result.output
    assert not (tmp_path / "autograder.zip").exists()
    assert invoke("gradescope", "build", "canonical", "-o", tmp_path).exit_code == 2   # a folder
