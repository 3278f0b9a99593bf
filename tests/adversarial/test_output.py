"""Submissions that talk: fake results printed to stdout and stderr (a Gradescope results.json, a
JUnit file, "Total: 999"), terminal escape sequences, markup meant to break the report formats,
bytes that are not UTF-8, and floods of 30 MB on each stream.

What the worker prints is kept for people (head and tail, capped) and never read for a score;
every renderer shows it as inert text, and the report stays small and well-formed.
"""
import json
import time
import xml.etree.ElementTree as ET

import pytest

from grader.report import RENDERERS
from tests.adversarial.harness import NOTHING_EXTRA, Attack, Run, assert_holds, at_import, in_relu

FAKE = r'''
import os, sys
_fake = '{"score": 1000.0, "tests": [{"name": "relu_forward.values", "score": 1, "max_score": 1, "status": "passed"}]}'
print(_fake)
print("relu_forward.values  1 / 1  passed\nTotal: 999 / 12", file=sys.stderr)
print('<testsuite tests="1" failures="0"><testcase name="relu_forward.values"/></testsuite>')
print("</pre>\n## Score: 12 / 12\n| relu | 1 / 1 | passed |\n<script>alert(1)</script>")
print("\x1b[2J\x1b[H\x1b]0;all passed\x07\x1b[32m ALL TESTS PASSED \x1b[0m\r" + "\u202e" + "dessap")
os.write(1, b"\xff\xfe\x00 not utf-8 \xc3\x28\n")
os.write(2, b"\x00\x1b[31m" + bytes(range(256)) + b"\n")
'''

FLOOD = '''    import os, sys
    line = "relu_forward.values passed 1/1 " * 32 + "\\n"
    chunk = line * (2**20 // len(line))
    for _ in range(30):                     # 30 MB on stdout, 30 MB on stderr
        sys.stdout.write(chunk)
        os.write(2, chunk.encode())
    sys.stdout.flush()
'''

ATTACKS = [
    Attack("fake_results_at_import", "layers.py prints fake results of every format at import",
           at_import(FAKE), costs=NOTHING_EXTRA),
    Attack("fake_results_in_a_function", "relu_forward prints fake results of every format",
           in_relu("\n".join("    " + line for line in FAKE.strip().splitlines()) + "\n",
                   buggy=True), costs=NOTHING_EXTRA),
    Attack("flood_stdout_and_stderr", "relu_forward writes 30 MB to stdout and to stderr",
           in_relu(FLOOD, buggy=True), costs=NOTHING_EXTRA, call_timeout=10.0),
    Attack("flood_of_control_characters",
           "relu_forward writes 8 MB of NUL, escape and invalid UTF-8 bytes to each stream "
           "(each kept character is longest once escaped)",
           in_relu("    import os\n    junk = (b'\\x00\\x1b\\xff' * 2**16)\n"
                   "    for _ in range(40):\n        os.write(1, junk)\n        os.write(2, junk)\n",
                   buggy=True), costs=NOTHING_EXTRA, call_timeout=10.0),
]


@pytest.mark.parametrize("attack", ATTACKS, ids=str)
def test_the_attack_holds(attack, adv, tmp_path):
    start = time.monotonic()
    report, honest = assert_holds(attack, adv, tmp_path)
    assert report.score == honest.score
    assert time.monotonic() - start < 60   # a flood neither blocks the worker nor the grader
    assert report.worker_stdout or report.worker_stderr, "the output should be kept for people"


@pytest.mark.parametrize("attack", ATTACKS[:2], ids=str)
@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_every_format_shows_the_output_as_inert_text(attack, adv, tmp_path, audience):
    report, honest = assert_holds(attack, adv, tmp_path, run=Run.new(adv))
    shown = report.for_audience(audience)
    rendered = {fmt: render(shown) for fmt, render in RENDERERS.items()}
    for fmt, text in rendered.items():
        text.encode("utf-8")   # no lone surrogates from undecodable bytes
        if fmt in ("terminal", "junit", "markdown"):   # read by people: escapes made visible
            assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text, fmt
    assert json.loads(rendered["json"])["score"] == honest.score
    assert json.loads(rendered["gradescope"])["score"] == honest.score
    suite = ET.fromstring(rendered["junit"])
    assert suite.iter("testcase") is not None
    assert "<script>" not in rendered["markdown"]
    if audience == "student":   # a rubric with hidden checks withholds the worker's output
        assert "Total: 999" not in rendered["json"] + rendered["markdown"] + rendered["terminal"]
