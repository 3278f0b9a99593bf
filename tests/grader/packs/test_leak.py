"""Nothing a student can install reads out the answers (docs/deployment.md "What leaks nothing").

The engine wheel (what ``pip install`` gives anyone) and a student pack of the canonical rubric
must hold no line of code from the reference's solution regions, no id of a check the rubric does
not show students, and no fixture array that only such checks read. Lines are compared with all
whitespace removed; trivial lines (``pass``, ``return x``, ``dx = None``, one-name assignments,
anything under 10 characters) are ignored, since any program has them.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import numpy as np

from grader import fixtures as fixture_store
from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from grader.packs.build import fixture_reads
from grader.rubric import list_rubrics, load_rubric
from grader.template import BEGIN, END

TRIVIAL = [re.compile(p) for p in (
    r"^pass$", r"^(else|try|finally):$", r"^return[\w\s,().]*$",
    r"^[\w.\[\]'\"]+\s*=\s*(None|0|0\.0|\[\]|\{\}|\(\)|True|False|[\w.]+)$",
    r"^[\w.]+\s*[+\-*/]?=\s*[\w.]+$")]


def normalise(line: str) -> str:
    return re.sub(r"\s+", "", line)


def solution_lines() -> dict[str, str]:
    """normalised -> original, for every non-trivial code line inside a solution region that the
    starter code does not show anyway (given code and docstrings outside every region)."""
    found, given = {}, []
    for path in sorted(fixture_store.reference_dir().rglob("*.py")):
        inside = False
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            code = line.split("  #")[0].strip()
            if line.startswith(BEGIN):
                inside = True
            elif line.startswith(END):
                inside = False
            elif not inside:
                given.append(normalise(line))
            elif line and not line.startswith("#"):
                if len(normalise(code)) >= 10 and not any(p.match(code) for p in TRIVIAL):
                    found[normalise(code)] = code
    shown = "\n".join(given)
    return {key: code for key, code in found.items() if key not in shown}


def members(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}


def leaked_lines(files: dict[str, bytes]) -> list[str]:
    wanted = solution_lines()
    hits = []
    for name, data in sorted(files.items()):
        text = data.decode("utf-8", errors="ignore")
        lines = {normalise(line) for line in text.splitlines()}
        joined = "\n".join(lines)
        hits += [f"{name}: {wanted[s]}" for s in wanted if s in joined]
    return hits


def test_the_solution_regions_are_many_enough_to_mean_something():
    assert len(solution_lines()) > 150


def test_the_engine_wheel_holds_no_solution_line(engine_wheel):
    files = members(engine_wheel)
    assert not [n for n in files if n.startswith(("reference/", "known_mistakes/", "hidden_checks/",
                                                  "course_helpers/"))]
    assert not [n for n in files if n.startswith("rubrics/") and not n.startswith("rubrics/notebooks/")
                and n != "rubrics/__init__.py"], "course rubrics and fixtures travel in packs"
    assert "grader/checks/toolkit.py" in files
    assert leaked_lines(files) == []


def test_the_student_pack_holds_no_solution_line(student_pack):
    files = members(student_pack)
    assert "code/reference/layers.py" in files   # the stubs are there, the solution is not
    assert "code/course_helpers/solver.py" in files   # the Solver, without the course exercise
    assert not [n for n in files if n.startswith("code/hidden_checks/")]
    assert leaked_lines(files) == []


def test_the_line_scan_finds_the_solution_where_it_is(instructor_pack):
    """The scans above can fail: the instructor pack's reference and course Solver hold the lines."""
    files = {p.relative_to(instructor_pack).as_posix(): p.read_bytes()
             for p in instructor_pack.rglob("*.py")}
    hits = leaked_lines(files)
    assert any(h.startswith("code/reference/layers.py: ") for h in hits)
    assert any(h.startswith("code/course_helpers/solver.py: ") for h in hits)


def hidden_ids() -> list[str]:
    return [rc.id for _, rc in load_rubric("canonical").iter_checks() if rc.visibility != "visible"]


def test_the_student_pack_names_no_hidden_check(student_pack):
    assert len(hidden_ids()) >= 3
    for name, data in members(student_pack).items():
        if name.endswith(".npz"):
            with zipfile.ZipFile(io.BytesIO(data)) as npz:
                data = "\n".join(npz.namelist()).encode()
        for cid in hidden_ids():
            assert cid.encode() not in data, f"{name} names the hidden check {cid}"


def test_the_engine_wheel_names_no_hidden_check(engine_wheel):
    for name, data in members(engine_wheel).items():
        for cid in hidden_ids():
            assert cid.encode() not in data, f"{name} names the hidden check {cid}"


def test_every_check_a_packaged_rubric_hides_is_instructor_side():
    """Not only canonical's: a check any packaged rubric hides lives in ``hidden_checks/``."""
    load_catalogue()
    hidden = {rc.id for name in list_rubrics() for _, rc in load_rubric(name).iter_checks()
              if rc.visibility != "visible"}
    assert set(hidden_ids()) <= hidden
    assert {cid: REGISTRY[cid].func.__module__ for cid in hidden
            if not REGISTRY[cid].func.__module__.startswith("hidden_checks.")} == {}


def test_the_instructor_pack_carries_the_hidden_checks(instructor_pack):
    code = "\n".join(p.read_text(encoding="utf-8") for p in (instructor_pack / "code" / "hidden_checks").rglob("*.py"))
    assert all(f'"{cid}"' in code for cid in hidden_ids())


def _digest(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def hidden_arrays() -> dict[str, np.ndarray]:
    """``builder/key -> array`` that hidden checks read when grading the reference, and no visible
    check reads (inputs shared with a visible check are public): non-trivial arrays only."""
    load_catalogue()
    rubric = load_rubric("canonical")
    fixtures = fixture_store.load(rubric)
    hidden = set(hidden_ids())
    builders = {REGISTRY[cid].fixture for cid in hidden}
    checks = [(s.name, rc) for s, rc in rubric.iter_checks() if REGISTRY[rc.id].fixture in builders]
    reads = fixture_reads(rubric, checks, fixtures)
    public = {_digest(fixtures[b][k]) for cid, r in reads.items() if cid not in hidden for b, k in r}
    found = {}
    for cid in hidden:
        for builder, key in reads[cid]:
            array = np.asarray(fixtures[builder][key])
            if array.size >= 4 and np.unique(array).size > 2 and _digest(array) not in public:
                found[f"{builder}/{key}"] = array
    return found


def test_the_student_pack_holds_no_hidden_fixture_array(student_pack, engine_wheel):
    hidden = hidden_arrays()
    assert "softmax_loss/lse_x" in hidden and "optim/rmsprop.eps_w" in hidden   # known anchors
    digests = {_digest(a): name for name, a in hidden.items()}
    raw = [a.tobytes() for a in hidden.values() if a.nbytes >= 64]
    for artefact in (student_pack, engine_wheel):
        for name, data in members(artefact).items():
            if name.endswith(".npz"):
                with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                    for key in npz.files:
                        assert _digest(npz[key]) not in digests, (
                            f"{artefact.name}:{name}[{key}] is the hidden array {digests[_digest(npz[key])]}")
            else:
                assert not any(chunk in data for chunk in raw), f"{artefact.name}:{name} holds a hidden array"
