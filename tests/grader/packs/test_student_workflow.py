"""The student workflow ``grade template build`` writes works as GitHub would run it: its ``run:``
steps, executed here in order with bash, fetch the pinned engine wheel and student pack (file://
URLs standing in for the course's release), check their sha256, install the wheel into a fresh
virtual environment, grade the starter code into the step summary (appended, with GitHub's file
name shape) and write the JUnit file the upload step names. The ``uses:`` steps (checkout,
setup-python, upload-artifact) are GitHub's own and are not run.

The environment has no network: it sees this interpreter's installed dependencies (a virtual
environment with the system site packages, as the sandboxed worker needs them); only the engine
wheel is installed into it, and it is the grader that runs.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import uuid
import venv
from pathlib import Path

import pytest
import yaml

from grader import fixtures as fixture_store
from grader.template import WORKFLOW, render_tree
from grader.rubric import load_rubric


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expand(text: str, variables: dict) -> str:
    """GitHub's ``${{ vars.NAME }}`` and ``${{ vars.NAME || 'default' }}``."""
    def one(match):
        name, default = match.group(1), match.group(2)
        return variables.get(name) or (default if default is not None else "")
    return re.sub(r"\$\{\{\s*vars\.(\w+)(?:\s*\|\|\s*'([^']*)')?\s*\}\}", one, text)


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> Path:
    """A fresh virtual environment that sees the installed dependencies, not the grader."""
    root = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(root)
    return root


def run_steps(workflow: dict, workdir: Path, env: dict) -> list[subprocess.CompletedProcess]:
    done = []
    for step in workflow["jobs"]["grade"]["steps"]:
        if "run" not in step:
            continue
        result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=600)
        done.append(result)
        if result.returncode != 0:
            break
    return done


def job_env(workflow: dict, variables: dict, runner: Path, environment: Path, summary: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update({k: expand(str(v), variables) for k, v in workflow["jobs"]["grade"]["env"].items()})
    env.update(PATH=f"{environment / 'bin'}{os.pathsep}{env.get('PATH', '')}", RUNNER_TEMP=str(runner),
               GITHUB_STEP_SUMMARY=str(summary), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.fixture
def starter(tmp_path) -> Path:
    """The student's repository: the starter code as ``grade template build`` writes it."""
    repo = tmp_path / "repo"
    for rel, data in render_tree(fixture_store.reference_dir()).items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_bytes(data)
    return repo


def test_the_workflow_says_it_is_feedback_and_pins_what_it_installs():
    text = WORKFLOW.lower()
    assert "feedback only" in text and "grade of record" in text
    assert "sha256sum -c" in text and "--pack" in text and "upload-artifact" in text
    readme = render_tree(fixture_store.reference_dir())["README.md"].decode().lower()
    assert "feedback, not your grade" in readme and "grade of record" in readme


def test_the_workflow_steps_grade_the_starter_with_the_pinned_wheel_and_pack(
        starter, environment, engine_wheel, student_pack, tmp_path):
    workflow = yaml.safe_load((starter / ".github/workflows/grade.yml").read_text())
    variables = {"AUTOGRADER_WHEEL_URL": engine_wheel.as_uri(), "AUTOGRADER_WHEEL_SHA256": sha256(engine_wheel),
                 "AUTOGRADER_PACK_URL": student_pack.as_uri(), "AUTOGRADER_PACK_SHA256": sha256(student_pack)}
    summary = tmp_path / f"step_summary_{uuid.uuid4()}"
    summary.write_text("# an earlier step's summary\n")
    runner = tmp_path / "runner"
    runner.mkdir()
    done = run_steps(workflow, starter, job_env(workflow, variables, runner, environment, summary))
    assert [r.returncode for r in done] == [0, 0, 0], [(r.stdout[-2000:], r.stderr[-2000:]) for r in done]
    # the grader that ran is the installed wheel, not this checkout
    probe = subprocess.run([str(environment / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path)
    installed = Path(probe.stdout.strip()).parent.parent
    assert installed.is_relative_to(environment) and not (installed / "reference").exists()
    text = summary.read_text()
    visible = sum(c.points for section in load_rubric("canonical").sections for c in section.checks
                  if c.visibility == "visible")
    assert text.startswith("# an earlier step's summary\n") and f"/ {visible:g}" in text
    junit = (starter / "grade-junit.xml").read_text()
    assert "<testsuite" in junit and "softmax_loss.log_sum_exp" not in junit


def test_a_wrong_sha256_stops_the_run_before_anything_is_installed(starter, environment, engine_wheel,
                                                                  student_pack, tmp_path):
    workflow = yaml.safe_load((starter / ".github/workflows/grade.yml").read_text())
    variables = {"AUTOGRADER_WHEEL_URL": engine_wheel.as_uri(), "AUTOGRADER_WHEEL_SHA256": sha256(engine_wheel),
                 "AUTOGRADER_PACK_URL": student_pack.as_uri(), "AUTOGRADER_PACK_SHA256": "0" * 64}
    runner = tmp_path / "runner"
    runner.mkdir()
    done = run_steps(workflow, starter, job_env(workflow, variables, runner, environment,
                                                tmp_path / "summary"))
    assert len(done) == 1 and done[0].returncode != 0 and "FAILED" in done[0].stdout + done[0].stderr


def test_unset_variables_are_named(starter, environment, tmp_path):
    workflow = yaml.safe_load((starter / ".github/workflows/grade.yml").read_text())
    done = run_steps(workflow, starter, job_env(workflow, {}, tmp_path, environment, tmp_path / "s"))
    assert done[0].returncode == 1 and "AUTOGRADER_WHEEL_URL" in done[0].stdout


if sys.platform == "win32":   # bash, curl and sha256sum, as on GitHub's ubuntu runner
    pytestmark = pytest.mark.skip("needs a POSIX shell")
