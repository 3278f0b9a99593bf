"""Fuzzed submissions into the intake (grader/submission.py) and, for a few, the whole grader.

Zips are generated entry by entry (names with ``..``, absolute paths, drive letters,
backslashes, NUL, bytes that are not UTF-8, housekeeping folders; files, folders, symlinks,
devices; encrypted flags; zip bombs; up to 25 entries against a cap of 20), then possibly
truncated, corrupted, given lying sizes or wrapped in junk. Folders get the same names plus
binary and undecodable ``.py`` files, empty folders, symlinks, FIFOs and sparse files larger
than the cap.

Property: the intake either returns a scratch copy that holds only regular files and folders
inside the scratch folder, within the caps, or raises ``SubmissionError`` with a short message;
nothing else, and nothing is ever written outside scratch. A submission graded end to end gets a
complete report without grader errors.
"""
import io
import os
import shutil
import stat
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grader.engine import GradeOptions, grade
from grader.submission import IntakeLimits, SubmissionError, find_package_root, prepare_submission
from tests.adversarial.harness import FAST
from tests.support import REFERENCE

LIMITS = IntakeLimits(max_files=20, max_total_bytes=4 * 2**20, max_file_bytes=2**20,
                      max_ratio=200.0)
FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

segments = st.sampled_from(["hw", "layers.py", "optim.py", "classifiers", "..", ".", "", "a b",
                            "ü", "__pycache__", ".git", "x.pyc", "C:", "sub", "__init__.py",
                            "solver.py", "\x00", "con", "a" * 300])
relative = st.lists(segments, min_size=1, max_size=4).flatmap(
    lambda parts: st.sampled_from(["/", "/", "\\"]).map(lambda sep: sep.join(parts)))
names = st.one_of(
    relative, relative, relative,
    st.lists(segments, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.binary(min_size=1, max_size=12).map(lambda b: b.decode("cp437")),   # undecodable names
    st.text(min_size=1, max_size=12),
)
KINDS = {"file": stat.S_IFREG | 0o644, "dir": stat.S_IFDIR | 0o755, "link": stat.S_IFLNK | 0o777,
         "fifo": stat.S_IFIFO | 0o644, "device": stat.S_IFCHR | 0o644, "none": 0}
contents = st.one_of(st.binary(max_size=600), st.binary(max_size=600),
                     st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.just(bytes(2**20)))   # 1 MiB of zeros: compresses ~1000x
entries = st.tuples(names, st.sampled_from(list(KINDS)), contents,
                    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
                    st.sampled_from([0, 0, 0, 0x1, 0x800]))


def build_zip(items) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as zf:
        warnings.simplefilter("ignore")   # duplicate names are part of the fuzz
        for name, kind, data, compression, flags in items:
            info = zipfile.ZipInfo(name.replace("\x00", "") or "x")
            info.orig_filename = name
            info.external_attr = KINDS[kind] << 16
            info.compress_type = compression
            info.flag_bits |= flags & 0x800
            try:
                zf.writestr(info, data)
            except (ValueError, UnicodeEncodeError):
                continue
    return buffer.getvalue()


def damage(raw: bytes, how: str, data) -> bytes:
    raw = bytearray(raw)
    if how == "truncate":
        return bytes(raw[:data.draw(st.integers(0, max(0, len(raw) - 1)))])
    if how == "flip" and raw:
        for i in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=10)):
            raw[i] ^= data.draw(st.integers(1, 255))
    if how == "lie" and b"PK\x01\x02" in raw:   # the central directory's sizes lie
        at = raw.index(b"PK\x01\x02")
        struct.pack_into("<II", raw, at + 20, data.draw(st.integers(0, 2**32 - 1)),
                         data.draw(st.integers(0, 2**32 - 1)))
        flags_at = at + 8
        struct.pack_into("<H", raw, flags_at, data.draw(st.integers(0, 0xFFFF)))
    if how == "junk":
        return data.draw(st.binary(max_size=64)) + bytes(raw) + data.draw(st.binary(max_size=64))
    return bytes(raw)


def assert_clean_intake(source: Path, out: Path):
    """prepare_submission + find_package_root: a clean copy or a SubmissionError, nothing else."""
    scratch = out / "scratch"
    try:
        sub = prepare_submission(source, scratch, LIMITS)
    except SubmissionError as e:
        assert str(e) and len(str(e)) < 1500
        assert not scratch.exists() or not any(scratch.iterdir()), "scratch not emptied"
        event(f"refused: {str(e).split(':')[0][:40]}")
        return None
    event("taken in")
    assert [p.name for p in out.iterdir()] == ["scratch"], "written outside scratch"
    total, count = 0, 0
    for dirpath, dirnames, filenames in os.walk(scratch):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            mode = os.lstat(path).st_mode
            assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), f"{path} is not a file or folder"
            count += 1
            if stat.S_ISREG(mode):
                size = os.lstat(path).st_size
                assert size <= LIMITS.max_file_bytes
                total += size
    assert count <= LIMITS.max_files and total <= LIMITS.max_total_bytes
    assert sub.root.resolve().is_relative_to(scratch.resolve())
    try:
        find_package_root(sub.root)
    except SubmissionError as e:
        assert str(e)
    return sub


@FUZZ
@given(st.lists(entries, max_size=25),
       st.sampled_from(["none", "none", "truncate", "flip", "lie", "junk"]), st.data())
def test_fuzzed_zips(items, how, data):
    raw = damage(build_zip(items), how, data)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp, "submission.zip")
        archive.write_bytes(raw)
        out = Path(tmp, "out")
        out.mkdir()
        assert_clean_intake(archive, out)


folder_entries = st.tuples(
    st.lists(st.sampled_from(["hw", "classifiers", "sub", ".git", "__pycache__", "a b", "ü"]),
             max_size=2),
    st.one_of(st.sampled_from(["layers.py", "optim.py", "x.pyc", "notes.txt", "__init__.py"]),
              st.binary(min_size=1, max_size=10).filter(lambda b: b"/" not in b and b"\0" not in b
                                                       and b not in (b".", b".."))),
    st.sampled_from(["file", "file", "empty_dir", "symlink", "fifo", "sparse"]),
    st.binary(max_size=300))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(folder_entries, max_size=12))
def test_fuzzed_folders(items):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "src")
        source.mkdir()
        for parents, name, kind, data in items:
            folder = Path(source, *parents)
            folder.mkdir(parents=True, exist_ok=True)
            path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else name.encode())
            if os.path.lexists(path):
                continue
            if kind == "file":
                with open(path, "wb") as f:
                    f.write(data)
            elif kind == "empty_dir":
                os.mkdir(path)
            elif kind == "symlink":
                os.symlink(b"/etc/passwd" if data[:1] == b"a" else b"../../..", path)
            elif kind == "fifo":
                os.mkfifo(path)
            else:   # sparse: 64 MiB on paper, nothing on disk
                with open(path, "wb") as f:
                    f.truncate(64 * 2**20)
        out = Path(tmp, "out")
        out.mkdir()
        assert_clean_intake(source, out)


# -- end to end ---------------------------------------------------------------------------------
JUNK = st.one_of(
    st.binary(max_size=200),                                           # binary, undecodable
    st.just(b"\xff\xfe" + "def relu_forward(x):\n    return x\n".encode("utf-16-le")),
    st.just(b"def relu_forward(x):\n\treturn x, x\n        \tpass\n"),   # TabError
    st.just(b"import numpy as np\n" + b"x = 1  # " + b"a" * 200_000 + b"\n"),   # one huge line
    st.just(b""),
    st.text(max_size=200).map(lambda t: t.encode()),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["layers.py", "optim.py", "__init__.py", "classifiers/__init__.py"]), JUNK)
def test_junk_modules_still_get_a_complete_report(fuzz_rubric, module, junk):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "hw")
        shutil.copytree(REFERENCE, root, ignore=shutil.ignore_patterns("__pycache__"))
        (root / module).write_bytes(junk)
        report = grade(root, GradeOptions(rubric=fuzz_rubric.path, limits=FAST, call_timeout=2))
    names = [r.name for r in report.results]
    assert len(names) == len(set(names)) == 7
    assert not [r for r in report.results if r.status == "error"]
    assert all(r.message for r in report.results if r.status != "passed")
