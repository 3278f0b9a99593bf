"""Submissions that change the code around them: numpy's and unittest's comparisons patched to
always succeed, builtins replaced by liars, the worker's own encoder and server patched, forged
replies written into the protocol pipe, and files that Python or pytest would run if they were
found (``sitecustomize.py``, ``usercustomize.py``, ``conftest.py``, a fake ``grader`` package, a
``numpy.py``), shipped in the submission or written at run time before forcing a restart.

Comparisons and scoring happen in the grader's process, which no patch reaches; files a student
writes are never on a worker's import path. So no patch raises a score, and none turns a
student's failure into a grader error.
"""
import pytest

from tests.adversarial.harness import RELU_CHECKS, Attack, Run, assert_holds, at_import, in_relu

ANY = None
NOTHING = frozenset()

PATCH_NUMPY = '''
import unittest
import numpy.testing
_yes = lambda *args, **kwargs: True
_quiet = lambda *args, **kwargs: None
for _name in ("allclose", "array_equal", "array_equiv"):
    setattr(np, _name, _yes)
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
for _name in dir(numpy.testing):
    if _name.startswith("assert"):
        setattr(numpy.testing, _name, _quiet)
for _name in dir(unittest.TestCase):
    if _name.startswith("assert"):
        setattr(unittest.TestCase, _name, _quiet)
'''

PATCH_BUILTINS = '''
import builtins
builtins.isinstance = lambda obj, cls: True
builtins.abs = lambda x: 0
builtins.max = lambda *args, **kwargs: 0
builtins.min = lambda *args, **kwargs: 0
builtins.sum = lambda *args, **kwargs: 0
builtins.round = lambda *args, **kwargs: 0
builtins.all = lambda *args: True
builtins.any = lambda *args: False
'''

PATCH_WORKER = '''
import gc
for _obj in gc.get_objects():
    if type(_obj).__name__ == "Server" and hasattr(_obj, "proto"):
        _obj.max_bytes = 2**62                      # lift the worker's own cap
        _enc = _obj.proto.Encoder
        _orig = _enc._array
        def _array(self, x, path, _orig=_orig):     # announce every array as dtype object
            node = _orig(self, x, path)
            self.specs[-1][0] = "|O"
            return node
        _enc._array = _array
'''

FORGE = '''    import json, os, stat, struct
    body = {"ok": True, "result": {"$t": [1.0, {"$r": [1, "ndarray"]}]}}
    header = json.dumps({"v": 1, "arrays": [], "body": {"$d": body}}).encode()
    header += b" " * (-len(header) % 64)
    frame = struct.pack(">QQ", len(header), 0) + header
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, frame)
        except OSError:
            pass
'''

FORGE_WITH_ID = '''    import json, os, stat, struct, sys
    frame, rid = sys._getframe(), None
    while frame is not None and rid is None:     # find the request being served
        server = frame.f_locals.get("self")
        rid = getattr(server, "request_id", None) if type(server).__name__ == "Server" else None
        frame = frame.f_back
    body = {"ok": True, "result": {"$t": [1.0, 2.0]}, "id": rid}
    header = json.dumps({"v": 1, "arrays": [], "body": {"$d": body}}).encode()
    header += b" " * (-len(header) % 64)
    for fd in range(3, 64):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, struct.pack(">QQ", len(header), 0) + header)
        except OSError:
            pass
'''

FORK_AND_RETURN = '''    import os
    child = os.fork()      # no exec, no exit: the child returns into the worker too
'''

SHADOW = ('import os\nprint("@TOKEN@ ran", __name__)\n'
          'open(os.path.join(@TMP@, "@TOKEN@-" + __name__), "w").close()\n')
SHADOW_FILES = ("sitecustomize.py", "usercustomize.py", "conftest.py", "grader/__init__.py",
                "grader/result.py", "numpy.py", "protocol.py", "json.py")

PLANT = '''    import os, sys
    text = @SHADOW@
    home = os.environ.get("HOME", ".")
    user_site = os.path.join(home, ".local", "lib", f"python{sys.version_info[0]}.{sys.version_info[1]}",
                             "site-packages")
    for folder in (os.getcwd(), home, user_site, os.path.dirname(os.path.abspath(__file__))):
        for name in @FILES@:
            path = os.path.join(folder, name)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
            except OSError:
                pass
    os._exit(0)
'''.replace("@SHADOW@", repr('print("@TOKEN@ ran", __name__)\n')).replace(
    "@FILES@", repr(SHADOW_FILES))

ATTACKS = [
    Attack("numpy_testing_and_unittest_always_pass",
           "at import, numpy's comparisons, every numpy.testing and unittest assertion are "
           "replaced by functions that always succeed", at_import(PATCH_NUMPY), costs=NOTHING),
    Attack("lying_builtins", "at import, isinstance, abs, max, min, sum, round, all and any are "
           "replaced by liars for the whole worker", at_import(PATCH_BUILTINS), costs=ANY),
    Attack("patched_worker_encoder",
           "at import, the worker's own server is found with gc and its encoder patched to "
           "announce object arrays past a lifted cap", at_import(PATCH_WORKER), baseline=(),
           cause=r"dtype object", costs=ANY),
    Attack("forged_reply_frames",
           "relu_forward writes well-formed 'success' replies into every pipe it holds",
           in_relu(FORGE, buggy=True), cause=r"did not answer this request", costs=RELU_CHECKS),
    Attack("forged_reply_with_the_right_request_id",
           "relu_forward finds the id of the request it serves on the stack and forges its reply "
           "(the real reply that follows is discarded with the worker)",
           in_relu(FORGE_WITH_ID, buggy=True), costs=RELU_CHECKS),
    Attack("forked_copy_of_the_worker",
           "relu_forward forks without exec; the child returns into the worker's request loop",
           in_relu(FORK_AND_RETURN, buggy=True), costs=NOTHING),
    Attack("shadowing_files_in_the_submission",
           "sitecustomize.py, usercustomize.py, conftest.py, a fake grader package, numpy.py, "
           "protocol.py and json.py at the top of the submission",
           extra_files=tuple((name, SHADOW) for name in SHADOW_FILES), costs=NOTHING),
    Attack("shadowing_files_planted_at_run_time",
           "relu_forward writes the same files into its working folder, HOME, the user site "
           "folder and its package, then exits to get a fresh worker",
           in_relu(PLANT), baseline=(), cause=r"exited with status 0", costs=RELU_CHECKS),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    run = Run.new(adv)
    report, _ = assert_holds(attack, adv, tmp_path, run=run)
    output = report.worker_stdout + report.worker_stderr
    assert f"{run.token} ran" not in output, f"a shadowing file was run: {output[-300:]}"
