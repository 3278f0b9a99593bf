"""The harness every adversarial test uses: a small rubric, hostile submissions, and the five
properties an attack must not break.

A hostile submission is the reference with source patches (``tests.support.Patch``), built on
top of an *honest baseline*: the same submission without the attack. Most attacks start from
``BUGGY_RELU`` (the reference with one realistic bug: ``relu_forward`` forgets ``max(0, .)``), and
their payload returns the correct ReLU only when the cheat worked (the fixtures could be read,
the grader could be reached, ...). So a cheat that works shows up as a score above the
baseline's, which is what ``assert_holds`` forbids. Attacks that need no cheat (crashes, floods)
start from the reference itself.

``assert_holds(attack, adv)`` grades the baseline and the hostile submission with the test-only
rubric (``ADV_RUBRIC``: seven checks on layers.py and optim.py, fixtures built from the reference
in a temporary folder) and checks:

1. no check earns more than it does for the baseline (so no score rises above honest code);
2. the report is complete (every rubric check once, in order, none a grader ``error``) and
   bounded (its JSON stays under ``MAX_REPORT_BYTES``, whatever the submission printed);
3. nothing the attack left outlives the grading: no file whose name carries the attack's token
   (looked for in the system temp folder, three levels deep) and no process whose command line
   carries it (hostile processes ``exec`` ``sleep <token>``, which also ends them by itself);
4. the grader's installation (``grader/``, ``rubrics/``, ``reference/``, byte for byte, caches
   included) is unchanged (new ``.pyc`` files Python writes itself are tolerated);
5. every check the attack cost names the cause (``Attack.cause``, a regular expression), and
   the attack cost nothing outside ``Attack.costs``.

Placeholders in patch text are filled in per run: ``@TOKEN@`` (a unique word for file names),
``@SLEEP@`` (a unique number of seconds, at most 30, for ``sleep`` processes), ``@TMP@`` (the
grader's temp folder), ``@GRADER@``, ``@RUBRICS@``, ``@REFERENCE@`` (the installed packages'
folders), ``@FIXTURES@`` (a file of the packaged fixture store), ``@ADV_FIXTURES@`` (that
of the test rubric). Paths are inserted as Python string literals.

Every payload is bounded on its own, so it cannot harm the machine even if the sandbox failed:
loops stop after a number of iterations or seconds, forks are capped, memory is reserved but at
most 256 MiB of it touched, files written are a few bytes.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import fixtures as fixture_store
from grader.engine import GradeOptions, grade
from grader.report.json_report import render_json
from grader.rubric import load_rubric
from grader.sandbox import Limits
from tests.support import Patch, make_submission

L = "layers.py"

# The realistic bug most baselines carry: relu_forward returns x unchanged.
RELU_LINE = "    out = np.maximum(0, x)\n"
BUG_LINE = "    out = x.copy()  # bug: forgot max(0, x)\n"
BUGGY_RELU = (Patch(L, RELU_LINE, BUG_LINE),)
# A cheating relu_forward: right only when `_cheat()` (defined by the attack) returns True.
CHEAT_LINE = "    out = np.maximum(0, x) if _cheat() else x.copy()\n"
MODULE_TOP = "import numpy as np\n"


def at_import(code: str) -> tuple:
    """Patches running ``code`` at the top of layers.py, when it is imported."""
    return (Patch(L, MODULE_TOP, MODULE_TOP + code),)


def in_relu(code: str, buggy: bool = False) -> tuple:
    """Patches running ``code`` (indented 4) first thing in relu_forward (of the buggy baseline
    when ``buggy``)."""
    line = BUG_LINE if buggy else RELU_LINE
    return (Patch(L, line, code + line),)


def cheat(body: str) -> tuple:
    """relu_forward (of BUGGY_RELU) answers right only when ``_cheat()`` returns True; ``body``
    is that function's body (indented 4, may use ``os``)."""
    return (Patch(L, MODULE_TOP, MODULE_TOP + "import os\n\n\ndef _cheat():\n" + body + "\n"),
            Patch(L, BUG_LINE, CHEAT_LINE))


ADV_RUBRIC = """\
# Test-only rubric for tests/adversarial: the checks the attacks touch, and one they must not.
name: adversarial
title: Adversarial submissions
profile: canonical
defaults: {timeout: 10, visibility: visible, partial_credit: {rule: all_or_nothing}}
sections:
  - name: layers
    checks:
      - {id: affine_forward.values, points: 2}
      - {id: relu_forward.values, points: 1}
      - {id: relu_backward.exact_zeros, points: 2}
      - {id: softmax_loss.values, points: 2}
      - {id: softmax_loss.log_sum_exp, points: 1, visibility: hidden}
      - {id: svm_loss.values, points: 2}
  - name: optim
    checks:
      - {id: sgd_momentum.notebook, points: 2}
"""
LAYERS_CHECKS = frozenset({"affine_forward.values", "relu_forward.values",
                           "relu_backward.exact_zeros", "softmax_loss.values",
                           "softmax_loss.log_sum_exp", "svm_loss.values"})
RELU_CHECKS = frozenset({"relu_forward.values", "relu_backward.exact_zeros"})
EVERYTHING = None         # Attack.costs: the attack may cost any check
NOTHING_EXTRA = frozenset()   # Attack.costs: nothing beyond what the baseline loses

# Short limits: a hang costs 2 s, the CPU budget is 6 s per worker life.
FAST = Limits(call_timeout=2.0, kill_grace=0.5, cpu_seconds=6, startup_timeout=20.0)
CALL_TIMEOUT = 2.0
# What the report may take whatever the submission does: 2 streams of 20 000 characters kept,
# each up to 6 bytes once JSON-escaped (a NUL is \\u0000), 7 messages of 2 000, and slack.
MAX_REPORT_BYTES = 2 * 20_000 * 6 + 7 * 2_000 * 6 + 20_000


@dataclass(frozen=True)
class Attack:
    """One hostile submission.

    patches:  applied on top of ``baseline`` (placeholders filled in, see the module docstring).
    baseline: the honest submission it is compared with (default: the reference with BUGGY_RELU).
    cause:    regular expression every check the attack cost must match (message), "" = none.
    costs:    check ids the attack may cost (None: any); checks outside must keep their points.
    extra_files: files (relative path -> text) added to the submission, placeholders filled in.
    needs:    sandbox capabilities without which this attack is out of reach by design (e.g. the
              grader's files are readable when the worker shares the grader's user): the test
              is skipped, naming the capability, when the worker reports one as not applied.
    limits, call_timeout: what the hostile submission is graded with (default: FAST, 2 s).
    """

    name: str
    description: str
    patches: tuple = ()
    baseline: tuple = BUGGY_RELU
    cause: str = ""
    costs: frozenset | None = frozenset()
    extra_files: tuple = ()
    needs: tuple = ()
    limits: Limits = FAST
    call_timeout: float = 2.0

    def __str__(self) -> str:
        return self.name


@dataclass
class AdvRubric:
    """The test rubric on disk (with reference-built fixtures) and what grading it earns."""

    path: Path
    fixtures: Path
    _baselines: dict = field(default_factory=dict)


def build_rubric(folder: Path) -> AdvRubric:
    """Write ``ADV_RUBRIC`` into ``folder`` and build its fixtures by running the reference."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "adversarial.yaml"
    path.write_text(ADV_RUBRIC)
    rubric = load_rubric(path)
    fixture_store.regenerate(rubric)
    return AdvRubric(path=path, fixtures=fixture_store.npz_path(rubric, "relu"))


# -- the installation ------------------------------------------------------------------------
def package_dir(name: str) -> Path:
    return Path(importlib.util.find_spec(name).submodule_search_locations[0]).resolve()


def installation_hash() -> dict[str, str]:
    """sha256 of every file under the grader's, the rubrics' and the reference's folders."""
    digests = {}
    for name in ("grader", "rubrics", "reference"):
        root = package_dir(name)
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                digests[f"{name}/{path.relative_to(root)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def installation_changes(before: dict[str, str], after: dict[str, str], token: str) -> list[str]:
    """Files changed, removed, or added outside a bytecode cache (or carrying the token).

    Python itself may add ``__pycache__/*.pyc`` files while tests import modules, so new ``.pyc``
    files are tolerated unless the attack's token is in their path or bytes.
    """
    changes = [f"changed {k}" for k in before if k in after and before[k] != after[k]]
    changes += [f"removed {k}" for k in before if k not in after]
    for k in after:
        if k in before:
            continue
        path = package_dir(k.split("/", 1)[0]) / k.split("/", 1)[1]
        harmless = "__pycache__" in k and k.endswith(".pyc") and token not in k
        try:
            harmless = harmless and token.encode() not in path.read_bytes()
        except OSError:
            pass
        if not harmless:
            changes.append(f"added {k}")
    return changes


# -- leftovers ---------------------------------------------------------------------------------
def files_with(token: str, root: Path, depth: int = 3) -> list[Path]:
    """Paths under ``root`` (``depth`` levels) whose name contains ``token``."""
    found = []
    if depth < 0:
        return found
    try:
        entries = list(os.scandir(root))
    except OSError:
        return found
    for entry in entries:
        if token in entry.name:
            found.append(Path(entry.path))
        try:
            if entry.is_dir(follow_symlinks=False):
                found.extend(files_with(token, Path(entry.path), depth - 1))
        except OSError:
            pass
    return found


def processes_with(token: str) -> list[int]:
    """PIDs of live (not zombie) processes whose command line contains ``token``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if token.encode() in cmd and state != b"Z":
            found.append(int(name))
    return found


def wait_until(predicate, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


# -- building and grading ------------------------------------------------------------------------
@dataclass
class Run:
    """Placeholders of one attack run."""

    token: str
    sleep: str
    adv: AdvRubric

    @classmethod
    def new(cls, adv: AdvRubric) -> "Run":
        return cls(token=f"advtok{secrets.token_hex(6)}",
                   sleep=f"29.{secrets.randbelow(10**9):09d}", adv=adv)

    def fill(self, text: str) -> str:
        values = {
            "@TOKEN@": self.token, "@SLEEP@": self.sleep,
            "@TMP@": repr(tempfile.gettempdir()),
            "@GRADER@": repr(str(package_dir("grader"))),
            "@RUBRICS@": repr(str(package_dir("rubrics"))),
            "@REFERENCE@": repr(str(package_dir("reference"))),
            "@FIXTURES@": repr(str(package_dir("rubrics") / "fixtures" / "affine.npz")),
            "@ADV_FIXTURES@": repr(str(self.adv.fixtures)),
        }
        for key, value in values.items():
            text = text.replace(key, value)
        return text

    def submission(self, tmp_path: Path, attack: Attack) -> Path:
        patches = [Patch(p.file, p.find, self.fill(p.replace)) for p in attack.patches]
        root = make_submission(tmp_path, tuple(attack.baseline) + tuple(patches), name="hostile")
        for rel, text in attack.extra_files:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.fill(text))
        return root


def grade_adv(root: Path, adv: AdvRubric, limits: Limits = FAST, call_timeout: float = CALL_TIMEOUT):
    return grade(root, GradeOptions(rubric=adv.path, limits=limits, call_timeout=call_timeout))


def baseline_report(adv: AdvRubric, baseline: tuple, tmp_path: Path):
    """The honest submission's report (graded once per baseline per test process)."""
    key = tuple(baseline)
    if key not in adv._baselines:
        adv._baselines[key] = grade_adv(make_submission(tmp_path, baseline, name="honest"), adv)
    return adv._baselines[key]


def points(report) -> dict[str, float]:
    return {r.name: r.points for r in report.results}


_CAPABILITIES: dict = {}


def capabilities(limits: Limits) -> dict:
    """What a worker with ``limits`` enforces on this machine (probed once per limits)."""
    if limits not in _CAPABILITIES:
        from grader.sandbox import Worker

        with tempfile.TemporaryDirectory() as empty, Worker(Path(empty), limits=limits) as w:
            _CAPABILITIES[limits] = w.capabilities
    return _CAPABILITIES[limits]


def skip_reason(attack: Attack) -> str | None:
    """Why this machine cannot hold this attack by design (a capability the attack ``needs`` is
    not applied here), or None. Asked before the payload runs, so a rewrite the sandbox could
    not stop is never attempted."""
    caps = capabilities(attack.limits) if attack.needs else {}
    for name in attack.needs:
        cap = caps.get(name)
        if cap is None or not cap.get("applied"):
            return f"{name}: {cap.get('detail') if cap else 'not reported by this sandbox'}"
    return None


def assert_holds(attack: Attack, adv: AdvRubric, tmp_path: Path, *, run: Run | None = None,
                 grade_fn=None):
    """Grade ``attack`` and assert the five properties (see the module docstring).

    Returns ``(report, baseline_report)`` for attack-specific assertions. Skips (via pytest) when
    the machine lacks a capability the attack ``needs``.
    """
    import pytest

    reason = skip_reason(attack)
    if reason:
        pytest.skip(f"not enforced on this machine: {reason}")
    run = run or Run.new(adv)
    honest = baseline_report(adv, attack.baseline, tmp_path)
    before = installation_hash()
    root = run.submission(tmp_path, attack)
    try:
        report = grade_fn(root) if grade_fn else grade_adv(root, adv, attack.limits,
                                                            attack.call_timeout)
        _assert_properties(attack, report, honest, before, run)
    finally:
        _clean_up(run)
    return report, honest


def _assert_properties(attack: Attack, report, honest, before, run: Run) -> None:
    rubric_ids = [r.name for r in honest.results]
    got, base = points(report), points(honest)
    # 2. complete, no grader error, bounded
    assert [r.name for r in report.results] == rubric_ids, "the report must list every check once"
    errors = [(r.name, r.message) for r in report.results if r.status == "error"]
    assert not errors, f"{attack.name}: grader errors instead of student failures: {errors}"
    size = len(render_json(report).encode("utf-8"))
    assert size < MAX_REPORT_BYTES, f"{attack.name}: the report takes {size} bytes"
    # 1. no check above the honest baseline
    gained = {k: (base[k], got[k]) for k in rubric_ids if got[k] > base[k]}
    assert not gained, f"{attack.name}: the attack earned more than honest code on {gained}"
    assert report.score <= honest.score
    # 5. costs only what it touches, and names the cause
    lost = {k for k in rubric_ids if got[k] < base[k]}
    if attack.costs is not None:
        stray = lost - set(attack.costs)
        assert not stray, f"{attack.name}: also cost {sorted(stray)}: " + \
            "; ".join(r.message[:200] for r in report.results if r.name in stray)
    if attack.cause:
        silent = [(r.name, r.message[:300]) for r in report.results
                  if r.name in lost and not re.search(attack.cause, r.message, re.I | re.S)]
        assert not silent, f"{attack.name}: the report does not name the cause ({attack.cause}): {silent}"
    # 3. nothing outlives the grading
    assert wait_until(lambda: not processes_with(run.sleep), 5.0), \
        f"{attack.name}: processes outlived the grading: {processes_with(run.sleep)}"
    leftovers = files_with(run.token, Path(tempfile.gettempdir()))
    assert not leftovers, f"{attack.name}: files outlived the grading: {leftovers}"
    # 4. the installation is unchanged
    changes = installation_changes(before, installation_hash(), run.token)
    assert not changes, (f"{attack.name}: the grader's installation changed: {changes} (an "
                         "editor saving these files during the test run shows up here too)")


def _clean_up(run: Run) -> None:
    """Whatever the outcome, leave nothing behind (the payloads are bounded; this is tidiness)."""
    import signal

    for pid in processes_with(run.sleep):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for path in files_with(run.token, Path(tempfile.gettempdir())):
        try:
            path.unlink()
        except OSError:
            pass
