"""Submissions that take more than their share: an infinite loop while importing, a hang that
ignores SIGTERM, a long CPU burn, a 40 GB allocation, a fork bomb, a grandchild that escapes with
``setsid``, a file larger than the size limit.

Each payload stops by itself (60 s, 50 processes, 256 MiB touched, a 30 s ``sleep``), so the
machine is safe even without a sandbox; the limits stop it much earlier, cost only the checks
that ran it, and the report says which limit. (A hang inside a function and the HangGuard are in
tests/grader/test_engine.py.)
"""
import dataclasses
import time

import pytest

from tests.adversarial.harness import (
    FAST,
    LAYERS_CHECKS,
    RELU_CHECKS,
    Attack,
    assert_holds,
    at_import,
    in_relu,
)

PROCESS_FREE = frozenset()


def attack(name, description, patches=(), **kwargs) -> Attack:
    return Attack(name, description, patches, baseline=(), **kwargs)


FORK_BOMB = '''    import os, shutil
    sleep = shutil.which("sleep")
    for _ in range(50):                  # capped: at most 50 processes, each ends in 30 s
        try:
            if os.fork() == 0:
                os.execv(sleep, ["sleep", "@SLEEP@"])
        except OSError:
            break
'''

ESCAPE = '''    import os, shutil
    pid = os.fork()
    if pid == 0:                         # a grandchild in a new session, re-parented to init
        os.setsid()
        if os.fork() == 0:
            os.execve(shutil.which("sleep"), ["sleep", "@SLEEP@"], {})   # fresh environment
        os._exit(0)
    os.waitpid(pid, 0)
'''

ATTACKS = [
    attack("infinite_loop_at_import", "layers.py loops while it is imported (stops after 60 s)",
           at_import("import time\n_end = time.monotonic() + 60\n"
                     "while time.monotonic() < _end:\n    pass\n"),
           cause=r"importing layers did not finish within 2 s", costs=LAYERS_CHECKS),
    attack("hang_ignoring_sigterm", "relu_forward ignores SIGTERM and sleeps (60 s at most)",
           in_relu("    import signal, time\n"
                   "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                   "    time.sleep(60)\n"),
           cause=r"did not finish within 2 s", costs=RELU_CHECKS),
    attack("cpu_burn", "relu_forward burns CPU for 60 s; the CPU limit (1 s) stops it first",
           in_relu("    import time\n    _end = time.monotonic() + 60\n"
                   "    while time.monotonic() < _end:\n        pass\n"),
           limits=dataclasses.replace(FAST, cpu_seconds=1), call_timeout=10.0,
           cause=r"SIGXCPU.*CPU time limit", costs=RELU_CHECKS),
    attack("allocate_40_gb", "relu_forward reserves 40 GB and touches 256 MiB of it",
           in_relu("    _big = np.empty(40 * 2**30, dtype=np.uint8)\n"
                   "    _big[:256 * 2**20:4096] = 1\n"),
           cause=r"MemoryError.*the sandbox allows 4 GiB", costs=RELU_CHECKS),
    attack("fork_bomb", "relu_forward starts 50 sleeping processes", in_relu(FORK_BOMB),
           costs=PROCESS_FREE),
    attack("fork_bomb_over_the_process_limit",
           "relu_forward starts sleeping processes until the limit (8) refuses more",
           in_relu(FORK_BOMB), limits=dataclasses.replace(FAST, nproc=8), costs=PROCESS_FREE),
    attack("setsid_grandchild", "relu_forward leaves a grandchild in its own session",
           in_relu(ESCAPE), costs=PROCESS_FREE),
    attack("setsid_grandchild_without_pid_namespace",
           "the same escape when the worker has no PID namespace of its own (cleanup by "
           "process group, tree and environment marker)",
           in_relu(ESCAPE),
           limits=dataclasses.replace(FAST, isolate_processes=False), costs=PROCESS_FREE),
    attack("file_over_the_size_limit", "relu_forward writes a 100 MB file (the limit is 64 MiB)",
           in_relu("    with open('@TOKEN@.bin', 'wb') as f:\n"
                   "        for _ in range(100):\n"
                   "            f.write(bytes(2**20))\n"),
           cause=r"File too large", costs=RELU_CHECKS),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    start = time.monotonic()
    assert_holds(attack, adv, tmp_path)
    assert time.monotonic() - start < 30, "a limit took too long to stop the attack"
