"""The sandbox against student code that hangs, crashes, floods, forks or pokes around
(design.md §3: a crash, hang or exception costs only the checks it touches; whatever the worker
prints, exits with or writes cannot change a score).

Every test is bounded even if the sandbox failed: loops are stopped by short timeouts, the fork
bomb forks at most 20 sleeping children, memory attempts allocate 2 GiB against a 1 GiB limit,
and leftover processes are found by a random token in their command line.
"""
import importlib.util
import os
import secrets
import textwrap
import time

import pytest

from grader.sandbox import (BadOutput, CallTimeout, ImportFailed, Limits, StaleRef,
                            StudentException, Worker, WorkerCrashed)

HOSTILE = '''
import os
import shutil
import signal
import stat
import sys
import time


def ok():
    return "ok"


def spin():
    while True:
        pass


def spin_ignoring_sigterm():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.01)


def hard_exit(code):
    os._exit(code)


def allocate(nbytes):
    import numpy as np
    return float(np.ones(nbytes // 8)[-1])


def flood(megabytes):
    chunk = "x" * (1 << 20)
    for _ in range(megabytes):
        sys.stdout.write(chunk)
    sys.stdout.flush()
    return megabytes


def escape(token):
    """A grandchild in a new session, re-parented, that sleeps."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(shutil.which("sleep"), ["sleep", token])
        os._exit(0)
    os.waitpid(pid, 0)
    return True


def fork_bomb(limit, token):
    """At most ``limit`` sleeping children; returns how many could be started."""
    started = 0
    for _ in range(limit):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            os.execv(shutil.which("sleep"), ["sleep", token])
        started += 1
    return started


def forge_protocol():
    """Write bytes into every pipe the process holds, hoping to hit the protocol channel."""
    for fd in range(3, 256):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, b"\\xff" * 16 + b"forged")
        except OSError:
            pass
    return "forged"


def write_big(nbytes):
    with open("big.bin", "wb") as f:
        f.write(b"\\0" * nbytes)


def connect():
    import socket
    socket.create_connection(("192.0.2.1", 80), timeout=2)


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return None


def whoami():
    return os.getuid()


def tamper():
    with open(__file__, "a") as f:
        f.write("# tampered")
'''


@pytest.fixture
def submission(tmp_path):
    root = tmp_path / "hostile"
    root.mkdir()
    (root / "hostile.py").write_text(textwrap.dedent(HOSTILE))
    (root / "exits_on_import.py").write_text("import os\nos._exit(3)\n")
    (root / "hangs_on_import.py").write_text("while True:\n    pass\n")
    (root / "fine.py").write_text("def ok():\n    return 'fine'\n")
    return root


FAST = Limits(kill_grace=0.5)
SLACK = 1.5   # seconds allowed on top of timeout + grace (stopping, a loaded CI machine)


def processes_with(token):
    """PIDs of live processes whose command line holds ``token``."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{name}/stat", "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if token.encode() in cmd and state != b"Z":
                found.append(int(name))
    return found


def wait_until(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)
    return predicate()


# -- hangs and crashes ---------------------------------------------------------------------------
def test_a_hang_is_stopped_in_time_and_the_next_call_gets_a_fresh_worker(submission):
    submission.chmod(0o700)   # private, as scratch copies are: the worker reads a copy of it
    with Worker(submission, limits=FAST) as w:
        held = w.call("hostile.ok", keep=True)
        confinement = w.capabilities
        start = time.monotonic()
        with pytest.raises(CallTimeout, match=r"hostile.spin did not finish within 1 s"):
            w.call("hostile.spin", timeout=1)
        assert 1.0 <= time.monotonic() - start < 1.0 + FAST.kill_grace + SLACK
        assert w.call("hostile.ok") == "ok"
        assert w.restarts == 1
        assert w.capabilities == confinement   # the fresh worker is confined as much
        with pytest.raises(StaleRef):
            w.getattr(held, "upper")


def test_a_hang_that_ignores_sigterm_is_killed(submission):
    with Worker(submission, limits=FAST) as w:
        w.start()
        start = time.monotonic()
        with pytest.raises(CallTimeout):
            w.call("hostile.spin_ignoring_sigterm", timeout=1)
        assert time.monotonic() - start < 1.0 + FAST.kill_grace + SLACK
        assert w.call("hostile.ok") == "ok"


def test_os_exit_inside_a_call_is_a_crash_and_the_next_call_restarts(submission):
    with Worker(submission, limits=FAST) as w:
        with pytest.raises(WorkerCrashed,
                           match="died during hostile.hard_exit: exited with status 7"):
            w.call("hostile.hard_exit", 7)
        assert w.call("hostile.ok") == "ok" and w.restarts == 1


def test_os_exit_at_import_is_reported_once_then_fails_fast(submission):
    with Worker(submission, limits=FAST) as w:
        with pytest.raises(WorkerCrashed,
                           match="while importing exits_on_import: exited with status 3"):
            w.call("exits_on_import.f")
        start = time.monotonic()
        with pytest.raises(ImportFailed, match="importing exits_on_import crashed the worker"):
            w.call("exits_on_import.g")
        assert time.monotonic() - start < 0.5
        assert w.call("fine.ok") == "fine"


def test_a_hang_at_import_is_blamed_on_the_module_then_fails_fast(submission):
    with Worker(submission, limits=FAST) as w:
        with pytest.raises(CallTimeout,
                           match="importing hangs_on_import did not finish within 1 s"):
            w.call("hangs_on_import.f", timeout=1)
        start = time.monotonic()
        with pytest.raises(ImportFailed, match="importing hangs_on_import did not finish"):
            w.call("hangs_on_import.g")
        assert time.monotonic() - start < 0.5
        assert w.call("fine.ok") == "fine"


def test_forged_protocol_bytes_are_bad_output_and_cost_only_that_call(submission):
    with Worker(submission, limits=FAST) as w:
        with pytest.raises(BadOutput):
            w.call("hostile.forge_protocol")
        assert w.call("hostile.ok") == "ok"


# -- resources -----------------------------------------------------------------------------------
def test_memory_over_the_address_space_limit_is_a_memory_error(submission):
    with Worker(submission, limits=Limits(address_space=2**30)) as w:
        with pytest.raises(StudentException) as err:
            w.call("hostile.allocate", 2 * 2**30)
        assert err.value.type == "MemoryError"
        assert "the sandbox allows 1 GiB of memory" in err.value.message
        assert w.call("hostile.ok") == "ok" and w.restarts == 0


def test_the_cpu_limit_stops_a_busy_worker(submission):
    with Worker(submission, limits=Limits(cpu_seconds=1)) as w:
        start = time.monotonic()
        with pytest.raises(WorkerCrashed, match="SIGXCPU"):
            w.call("hostile.spin", timeout=15)
        assert time.monotonic() - start < 8


def test_a_file_over_the_size_limit_fails_to_be_written(submission):
    with Worker(submission, limits=Limits(file_size=2**20)) as w:
        with pytest.raises(StudentException, match="OSError: .*File too large"):
            w.call("hostile.write_big", 2 * 2**20)


def test_a_50_mb_flood_to_stdout_neither_blocks_nor_is_kept(submission):
    cap = 64 * 1024
    with Worker(submission, limits=Limits(output_bytes=cap)) as w:
        start = time.monotonic()
        assert w.call("hostile.flood", 50, timeout=20) == 50
        assert time.monotonic() - start < 10
        omitted = f"[... {50 * 2**20 - cap} bytes not kept ...]"   # 52363264
        assert wait_until(lambda: omitted in w.stdout_text)
        assert len(w.stdout_text) <= cap + len(omitted) + 2


# -- processes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("own_pid_namespace", [True, False])
def test_a_setsid_grandchild_is_killed_by_close(submission, own_pid_namespace):
    token = f"1000.{secrets.randbelow(10**9)}"
    w = Worker(submission, limits=Limits(isolate_processes=own_pid_namespace))
    try:
        assert w.call("hostile.escape", token) is True
        assert wait_until(lambda: processes_with(token)), "the grandchild never started"
    finally:
        w.close()
    assert wait_until(lambda: not processes_with(token)), "the grandchild survived close()"


def test_a_fork_bomb_is_capped_and_cleaned_up(submission):
    token = f"1000.{secrets.randbelow(10**9)}"
    w = Worker(submission, limits=Limits(nproc=4))
    try:
        started = w.call("hostile.fork_bomb", 20, token)
        if w.capabilities["nproc"]["applied"]:
            # the limit allows 4 more tasks than the sandbox uid had when the worker started;
            # workers of other tests that exit meanwhile free a few more: capped, not exact
            assert started < 20
        else:
            assert started == 20   # not enforced here (uid 0): the test's own cap holds
    finally:
        w.close()
    assert wait_until(lambda: not processes_with(token))


# -- isolation (checked where the machine allows it; capabilities say when not) -------------------
def test_no_network_when_isolated(submission):
    with Worker(submission) as w:
        if not w.capabilities["network"]["applied"]:
            pytest.skip(w.capabilities["network"]["detail"])
        with pytest.raises(StudentException, match="OSError"):
            w.call("hostile.connect")


def test_student_code_runs_unprivileged_and_cannot_touch_the_submission(submission):
    original = (submission / "hostile.py").read_text()
    with Worker(submission) as w:
        if not w.capabilities["unprivileged_user"]["applied"]:
            pytest.skip(w.capabilities["unprivileged_user"]["detail"])
        if os.geteuid() == 0:
            assert w.call("hostile.whoami") == 65534
        with pytest.raises(StudentException):
            w.call("hostile.tamper")
    assert (submission / "hostile.py").read_text() == original


def test_the_graders_files_cannot_be_read(submission):
    with Worker(submission) as w:
        if not w.capabilities["hidden_grader_files"]["applied"]:
            pytest.skip(w.capabilities["hidden_grader_files"]["detail"])
        for name in ("grader", "reference"):
            folder = importlib.util.find_spec(name).submodule_search_locations[0]
            assert os.listdir(folder)               # the grader sees its files ...
            assert not w.call("hostile.listdir", folder)     # ... the student does not
