"""Submissions that end the worker, or try to act when it ends: ``os._exit(0)`` and
``sys.exit(0)`` at import and inside a function, a kill signal to itself, exit hooks and signal
handlers that would write fake results, exceptions that lie about themselves.

An exit is never a success: each costs the checks that needed the module or function (the worker
restarts for the others), and the report says the code exited. (``os._exit`` inside a function
is in tests/grader/test_engine.py.)
"""
import pytest

from tests.adversarial.harness import (
    LAYERS_CHECKS,
    RELU_CHECKS,
    Attack,
    assert_holds,
    at_import,
    in_relu,
)

EVERY_CHECK = None


def attack(name, description, patches=(), **kwargs) -> Attack:
    """An attack on the reference itself (the honest baseline earns full marks)."""
    return Attack(name, description, patches, baseline=(), **kwargs)


FAKE_RESULTS = '''
def _fake_results():
    import json, os
    fake = {"score": 1000, "tests": [{"name": "all", "score": 1000, "max_score": 1000}]}
    for folder in (os.getcwd(), os.path.dirname(os.getcwd()), @TMP@):
        try:
            with open(os.path.join(folder, "@TOKEN@-results.json"), "w") as f:
                json.dump(fake, f)
        except OSError:
            pass
    print(json.dumps(fake))
'''

ATTACKS = [
    attack("os_exit_0_at_import", "layers.py calls os._exit(0) while it is imported",
           at_import("import os\nos._exit(0)\n"),
           cause=r"(died while importing|crashed the worker).*exited with status 0", costs=LAYERS_CHECKS),
    attack("sys_exit_0_at_import", "layers.py calls sys.exit(0) while it is imported",
           at_import("import sys\nsys.exit(0)\n"),
           cause=r"importing layers called sys\.exit\(0\)", costs=LAYERS_CHECKS),
    attack("sys_exit_0_in_a_function", "relu_forward calls sys.exit(0)",
           in_relu("    import sys\n    sys.exit(0)\n"),
           cause=r"called sys\.exit\(0\) inside layers\.relu_forward", costs=RELU_CHECKS),
    attack("os_exit_0_in_the_package_init", "the package's __init__.py calls os._exit(0)",
           extra_files=(("__init__.py", "import os\nos._exit(0)\n"),),
           cause=r"the submission package.*exited with status 0",
           costs=EVERY_CHECK),
    attack("kill_itself", "relu_forward sends SIGKILL to its own process",
           in_relu("    import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)\n"),
           cause=r"died during layers\.relu_forward: killed by SIGKILL", costs=RELU_CHECKS),
    attack("keyboard_interrupt", "relu_forward raises KeyboardInterrupt",
           in_relu("    raise KeyboardInterrupt\n"),
           cause=r"raised KeyboardInterrupt", costs=RELU_CHECKS),
    attack("atexit_writes_fake_results",
           "an atexit hook, registered at import, would write a fake results.json to the working "
           "folder, its parent and the temp folder, then print it",
           at_import(FAKE_RESULTS + "import atexit\natexit.register(_fake_results)\n")),
    attack("sigterm_handler_writes_fake_results",
           "a SIGTERM handler writes a fake results.json; relu_forward then hangs so that the "
           "worker is stopped (the handler runs, but only in the sandbox)",
           at_import(FAKE_RESULTS + "import signal\n"
                     "signal.signal(signal.SIGTERM, lambda *a: _fake_results())\n")
           + in_relu("    import time\n    time.sleep(20)\n"),
           cause=r"did not finish within 2 s", costs=RELU_CHECKS, needs=("private_tmp",)),
    attack("system_exit_with_a_lying_code",
           "relu_forward raises a SystemExit whose code cannot be read",
           in_relu("    class Exit(SystemExit):\n"
                   "        @property\n"
                   "        def code(self):\n"
                   "            raise RuntimeError('no code for you')\n"
                   "    raise Exit()\n"),
           cause=r"sys\.exit", costs=RELU_CHECKS),
    attack("exception_that_cannot_be_printed",
           "relu_forward raises an exception whose str() raises, whose class name is not a str",
           in_relu("    class Meta(type):\n"
                   "        @property\n"
                   "        def __name__(cls):\n"
                   "            raise RuntimeError('no name')\n"
                   "    class Boom(Exception, metaclass=Meta):\n"
                   "        def __str__(self):\n"
                   "            raise RuntimeError('no text')\n"
                   "    raise Boom()\n"),
           cause=r"layers\.relu_forward", costs=RELU_CHECKS),
    attack("exception_with_a_forged_report",
           "relu_forward raises an exception whose 3 MB message forges a passing report",
           in_relu("    raise ValueError('relu_forward.values 1/1 passed\\n' * 100_000)\n"),
           call_timeout=10.0,
           cause=r"raised ValueError", costs=RELU_CHECKS),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    assert_holds(attack, adv, tmp_path)


def test_a_forged_exception_message_stays_short(adv, tmp_path):
    attack = next(a for a in ATTACKS if a.name == "exception_with_a_forged_report")
    report, _ = assert_holds(attack, adv, tmp_path)
    relu = next(r for r in report.results if r.name == "relu_forward.values")
    assert relu.points == 0 and len(relu.message) <= 2000
