"""Submissions that go after files: fake results and report files written to the working
folder, its parent, the temp folder and the grader's working folder; files deleted around them;
the grader's installed files, rubrics and fixtures read (to copy expected answers) or rewritten;
a late writer that outlives the worker to overwrite the report after the grader wrote it.

The cheats start from the honest baseline with a wrong relu_forward and answer right only when
the cheat worked, so a cheat that works is a score above the baseline's.
"""
import dataclasses
import json
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from tests.adversarial.harness import (
    FAST,
    Attack,
    Run,
    _clean_up,
    assert_holds,
    cheat,
    files_with,
    grade_adv,
    in_relu,
    package_dir,
    processes_with,
    wait_until,
)

ANY = None


WRITE_RESULTS = '''    import json, os
    fake = json.dumps({"score": 1000, "tests": [], "output": "all passed"})
    folders = [os.getcwd(), os.path.dirname(os.getcwd()), @TMP@, os.environ.get("HOME", "."),
               os.path.join(@TMP@, "results")]
    try:
        folders.append(os.readlink(f"/proc/{os.getppid()}/cwd"))   # the grader's working folder
    except OSError:
        pass
    for folder in folders:
        for name in ("@TOKEN@-results.json", "@TOKEN@-report.json"):
            try:
                with open(os.path.join(folder, name), "w") as f:
                    f.write(fake)
            except OSError:
                pass
'''

DELETE_AROUND = '''    import os, shutil
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (os.getcwd(), os.path.dirname(os.getcwd()), here):
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
            except OSError:
                pass
'''

READ = '''    try:
        with open({path}, "rb") as f:
            return len(f.read(64)) > 0
    except OSError:
        return False
'''

IMPORT_REFERENCE = '''    import sys
    sys.meta_path[:] = [f for f in sys.meta_path if "Blocker" not in type(f).__name__]
    sys.path.insert(0, os.path.dirname(@REFERENCE@))
    try:
        import reference.layers
        return True
    except Exception:
        return False
'''

LIST_GRADER = '''    import os
    try:
        return any(name.endswith(".py") for name in os.listdir(os.path.join(@GRADER@, "checks")))
    except OSError:
        return False
'''

# Files the rewrite attack appends a comment line to (cleaned up by the test if it worked).
APPEND_TARGETS = (("grader", "__init__.py"), ("rubrics", "canonical.yaml"))
REWRITE = '''    import os
    done = False
    attempts = [(os.path.join(@GRADER@, "checks", "@TOKEN@.py"), "w"),
                (os.path.join(@GRADER@, "__pycache__", "@TOKEN@.cpython-311.pyc"), "w"),
                (os.path.join(@RUBRICS@, "@TOKEN@.yaml"), "w"),
                (os.path.join(@GRADER@, "__init__.py"), "a"),
                (os.path.join(@RUBRICS@, "canonical.yaml"), "a")]
    for path, mode in attempts:
        try:
            with open(path, mode) as f:
                f.write("\\n# @TOKEN@\\n")
            done = True
        except OSError:
            pass
    for path in (@FIXTURES@,):
        try:
            os.utime(path, (0, 0))
            done = True
        except OSError:
            pass
    return done
'''

ATTACKS = [
    Attack("results_files_everywhere",
           "relu_forward writes fake results.json/report.json files into its working folder, the "
           "parent folder, the temp folder, HOME and the grader's working folder",
           in_relu(WRITE_RESULTS, buggy=True), needs=("private_tmp",)),
    Attack("delete_files_around",
           "relu_forward deletes every file in its working folder, its parent and its own "
           "package folder", in_relu(DELETE_AROUND, buggy=True), costs=ANY),
    Attack("read_canonical_fixtures",
           "copy answers from the installed fixture store (rubrics/fixtures/)",
           cheat(READ.format(path="@FIXTURES@")), needs=("hidden_grader_files",)),
    Attack("read_test_rubric_fixtures",
           "copy answers from the fixtures of the rubric in use (outside the grader's package)",
           cheat(READ.format(path="@ADV_FIXTURES@")), needs=("hidden_grader_files",)),
    Attack("read_the_reference_solution",
           "read the installed reference/layers.py", cheat(READ.format(path="@REFERENCE@ + '/layers.py'")),
           needs=("hidden_grader_files",)),
    Attack("read_the_grader", "list the grader's installed check modules", cheat(LIST_GRADER),
           needs=("hidden_grader_files",)),
    Attack("import_the_reference_past_the_blocker",
           "remove the import blocker from sys.meta_path and import reference.layers",
           cheat(IMPORT_REFERENCE),
           needs=("hidden_grader_files",)),
    Attack("rewrite_the_installation",
           "add a check module, a bytecode file and a rubric to the installed grader, append to "
           "its files, touch the fixtures", cheat(REWRITE), needs=("hidden_grader_files",)),
]


def _restore_installation(token: str) -> None:
    """If a rewrite got through, undo it (the payload only adds files and comment lines)."""
    for name in ("grader", "rubrics", "reference"):
        for path in files_with(token, package_dir(name), depth=3):
            path.unlink(missing_ok=True)
    for name, rel in APPEND_TARGETS:
        path = package_dir(name) / rel
        text = path.read_text()
        if token in text:
            path.write_text(text.replace(f"\n# {token}\n", ""))


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    run = Run.new(adv)
    try:
        assert_holds(attack, adv, tmp_path, run=run)
    finally:
        _restore_installation(run.token)


def test_nothing_lands_in_the_graders_working_folder(adv, tmp_path, monkeypatch):
    """The grader's cwd is one place a student might guess the report is written."""
    workdir = Path(tempfile.mkdtemp(prefix="grader-cwd-"))
    try:
        workdir.chmod(0o777)
        monkeypatch.chdir(workdir)
        run = Run.new(adv)
        assert_holds(ATTACKS[0], adv, tmp_path, run=run)
        assert files_with(run.token, workdir, depth=1) == []
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# -- the report file, rewritten after the grader wrote it -----------------------------------------
LATE_WRITER = '''    import os, subprocess, sys
    code = ("import sys, time; time.sleep(float(sys.argv[1]) - 27.0); "
            "open(sys.argv[2], 'w').write('{\\"score\\": 1000}')")
    for out in (@OUT@, @OUT@ + ".tmp"):
        pid = os.fork()
        if pid == 0:                       # a daemon: new session, re-parented, fresh program
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", code, "@SLEEP@", out])
            os._exit(0)
        os.waitpid(pid, 0)
'''


@pytest.mark.parametrize("own_pid_namespace", [True, False])
def test_a_late_writer_cannot_rewrite_the_report(adv, tmp_path, own_pid_namespace):
    """relu_forward starts two daemons (new session, re-parented, a fresh program) that sleep
    ~2 s, then overwrite the Gradescope results file the grader wrote: an ``atexit``-style
    attack that outlives the worker. The grader's cleanup kills them first: the PID namespace
    (the ``grade`` command, default limits), or else the process group, tree and environment
    marker (``isolate_processes=False``)."""
    outdir = Path(tempfile.mkdtemp(prefix="grader-results-"))
    run = Run.new(adv)
    try:
        outdir.chmod(0o777)   # a surviving daemon could write here, whatever its user
        out = outdir / "results.json"
        attack = Attack("late_writer", "daemons overwrite the report after grading",
                        in_relu(LATE_WRITER.replace("@OUT@", repr(str(out))), buggy=True))
        root = run.submission(tmp_path, attack)
        if own_pid_namespace:
            result = CliRunner().invoke(main, [str(root), "--rubric", str(adv.path),
                                               "--call-timeout", "2", "--gradescope", str(out),
                                               "--quiet"])
            assert result.exit_code == 0, result.output
        else:
            limits = dataclasses.replace(FAST, isolate_processes=False)
            out.write_text(json.dumps({"score": grade_adv(root, adv, limits).score}))
        written = out.read_text()
        assert json.loads(written)["score"] <= 11   # the baseline's 12 points minus relu
        assert wait_until(lambda: not processes_with(run.sleep), 2.0), "a daemon survived"
        time.sleep(1.5)   # past the daemons' wake-up time (2 s after they started)
        assert out.read_text() == written, "the report was rewritten after grading"
        assert not (outdir / "results.json.tmp").exists()
    finally:
        _clean_up(run)
        shutil.rmtree(outdir, ignore_errors=True)
