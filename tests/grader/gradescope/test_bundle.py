"""The autograder zip end to end, as Gradescope uses it: unzip into source/, run setup.sh once in a
fresh interpreter (a venv, installing from the bundled wheels with the package index switched
off), then run_autograder per submission against a Gradescope-shaped root.

Slow (it builds wheels and a venv: about a minute); ``-m slow`` selects it, CI runs it too.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import jsonschema
import pytest

from grader.gradescope.bundle import build_bundle
from grader.report.gradescope import gradescope_schema
from tests.support import REFERENCE, REPO, TEMPLATE

pytestmark = pytest.mark.slow

BUGGY = REPO / "examples" / "buggy_submission"
LATE = {"created_at": "2026-03-02T01:29:00-08:00",
        "assignment": {"due_date": "2026-03-01T23:59:00-08:00", "late_due_date": None,
                       "total_points": 165.0},
        "users": [{"name": "Ada", "email": "ada@example.edu", "id": 7}]}


def offline_env(**extra) -> dict:
    """This environment without pip's configuration and with the package index switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", **extra)
    return env


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return build_bundle(["canonical"], tmp_path_factory.mktemp("bundle") / "autograder.zip")


@pytest.fixture(scope="module")
def image(bundle, tmp_path_factory):
    """What Gradescope's image build does with the zip: source/ and one run of setup.sh."""
    base = tmp_path_factory.mktemp("image")
    with zipfile.ZipFile(bundle.path) as zf:
        zf.extractall(base / "source")
    for name in ("setup.sh", "run_autograder"):         # zipfile does not restore modes
        (base / "source" / name).chmod(0o755)
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True)
    python = base / "venv" / "bin" / "python"
    setup = subprocess.run(["bash", str(base / "source" / "setup.sh")], capture_output=True, text=True,
                           env=offline_env(PYTHON=str(python)), cwd=base / "source", check=False)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    assert "setup.sh: installed from the bundled wheels" in setup.stdout
    return base, python


def run_autograder(image, tmp_path, submission=None, metadata=None):
    """One submission: a fresh root with source/, run_autograder, submission/ and the metadata."""
    base, python = image
    root = tmp_path / "autograder"
    root.mkdir()
    (root / "source").symlink_to(base / "source")
    shutil.copy2(base / "source" / "run_autograder", root / "run_autograder")
    if submission is None:
        (root / "submission").mkdir()
    elif submission.is_dir():
        shutil.copytree(submission, root / "submission")
    else:
        (root / "submission").mkdir()
        shutil.copy2(submission, root / "submission" / submission.name)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    t0 = time.perf_counter()
    done = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True, text=True,
                          env=offline_env(PYTHON=str(python), AUTOGRADER_ROOT=str(root)), check=False)
    elapsed = time.perf_counter() - t0
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.Draft202012Validator(gradescope_schema()).validate(results)
    return results, done.stdout, elapsed


def test_the_bundle_holds_what_gradescope_needs(bundle):
    with zipfile.ZipFile(bundle.path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        pins = zf.read("requirements.txt").decode().split()
    assert {"setup.sh", "run_autograder", "requirements.txt", "autograder.json"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert any(n.startswith("wheels/numpy_dl_autograder-") for n in names)
    assert all("==" in pin for pin in pins) and any(p.startswith("numpy==") for p in pins)
    # the kernel of the [notebooks] extra (nbclient itself comes with nbconvert, which renders HTML)
    assert not any(p.startswith("ipykernel") for p in pins)
    assert bundle.not_bundled == []
    print(f"\nbundle: {bundle.size_bytes / 1e6:.1f} MB, {len(bundle.wheels)} wheels")


def test_reference_gets_full_marks(image, tmp_path):
    results, stdout, elapsed = run_autograder(image, tmp_path, REFERENCE)
    assert results["score"] == 165 and results["extra_data"]["max_score"] == 165
    assert all(t["status"] == "passed" for t in results["tests"])
    assert "Total: 165 / 165" in stdout
    print(f"\nrun_autograder on the reference: {elapsed:.1f} s")


def test_template_gets_zero_with_a_message_per_check(image, tmp_path):
    results, _, _ = run_autograder(image, tmp_path, TEMPLATE)
    assert results["score"] == 0 and len(results["tests"]) == 130
    visible_failed = [t for t in results["tests"] if not t["output"].startswith("hidden check:")]
    assert all(t["output"] for t in visible_failed)


def test_buggy_submission_late_withholds_hidden_messages_but_not_the_total(image, tmp_path):
    results, stdout, _ = run_autograder(image, tmp_path, BUGGY, LATE)
    assert results["score"] == pytest.approx(144.3333, abs=1e-3)
    assert "submitted 1 h 30 min after the due date" in results["output"]
    assert "hidden" not in {t["visibility"] for t in results["tests"]}
    hidden = [t for t in results["tests"] if t["output"].startswith("hidden check:")]
    assert hidden and all("measured" not in t["extra_data"] for t in hidden)
    assert "Total: 144.3333 / 165" in stdout             # the instructors' view


def test_an_ungradable_upload_is_one_message(image, tmp_path):
    notes = tmp_path / "answers.txt"
    notes.write_text("my answers")
    (tmp_path / "run").mkdir()
    results, _, _ = run_autograder(image, tmp_path / "run", notes)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("The submission could not be graded")
    assert "answers.txt" in results["output"]
