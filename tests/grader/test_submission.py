"""Submission intake: folders, git checkouts, zips and notebooks become a safe scratch copy.

Each test states the rule it pins down. The `scratch` fixture checks after every test that
nothing was written next to the scratch folder (its parent holds nothing else).
The course's own zip command (docs/courses.md §5.1, CS182 hw02) leaves out "*.git*",
"*.ipynb_checkpoints*", "*.pyc" and "*__pycache__/*". The intake skips the same entries.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest

from grader.submission import (
    MiB,
    IntakeLimits,
    Submission,
    SubmissionError,
    find_package_root,
    prepare_submission,
)

# ----------------------------------------------------------------------------- helpers


@pytest.fixture
def scratch(tmp_path):
    """A scratch folder whose parent must hold nothing else when the test ends."""
    parent = tmp_path / "out"
    parent.mkdir()
    yield parent / "scratch"
    leftovers = sorted(p.name for p in parent.iterdir() if p.name != "scratch")
    assert leftovers == [], f"intake wrote outside scratch: {leftovers}"


def write_tree(root: Path, files: dict[str, bytes | str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def listing(root: Path) -> list[str]:
    """Every path under root (files and folders, symlinks included), relative, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in root.rglob("*")}


def make_zip(path: Path, entries: dict, compression=zipfile.ZIP_DEFLATED) -> Path:
    """entries: name or ZipInfo -> bytes."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def patch_zip(path: Path, local_offset: int, central_offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of the first local header and the first central-directory header."""
    raw = bytearray(path.read_bytes())
    struct.pack_into(fmt, raw, raw.index(b"PK\x03\x04") + local_offset, value)
    struct.pack_into(fmt, raw, raw.index(b"PK\x01\x02") + central_offset, value)
    path.write_bytes(bytes(raw))


STUDENT = {
    "layers.py": "def affine_forward(x, w, b):\n    pass\n",
    "classifiers/__init__.py": "",
    "classifiers/fc_net.py": "class FullyConnectedNet:\n    pass\n",
}


# ----------------------------------------------------------------------------- folders


def test_folder_copy_keeps_sources_and_skips_housekeeping(tmp_path, scratch):
    """Regular files and folders are copied byte for byte. __pycache__/, .ipynb_checkpoints/ and *.pyc
    are left out, as in the course's own zip command (docs/courses.md §5.1); .git/ is covered by the git tests."""
    src = write_tree(tmp_path / "sub", {
        **STUDENT,
        "notes/empty_dir_sibling.txt": "x",
        "__pycache__/layers.cpython-311.pyc": b"\0",
        "classifiers/__pycache__/fc_net.cpython-311.pyc": b"\0",
        ".ipynb_checkpoints/hw-checkpoint.ipynb": "{}",
        "stale.pyc": b"\0",
    })
    (src / "empty").mkdir()
    before = snapshot(src)

    sub = prepare_submission(src, scratch)

    assert isinstance(sub, Submission)
    assert sub.root == scratch and sub.source == "folder" and sub.notes == []
    assert listing(scratch) == ["classifiers", "classifiers/__init__.py", "classifiers/fc_net.py",
                                "empty", "layers.py", "notes", "notes/empty_dir_sibling.txt"]
    assert (scratch / "layers.py").read_text() == STUDENT["layers.py"]
    assert snapshot(src) == before, "the submission itself must not change"


def test_folder_symlinks_are_reported_not_followed(tmp_path, scratch):
    """A symlink to a file or folder outside the submission is neither copied nor followed; a note names it."""
    secret = write_tree(tmp_path / "private", {"answers.py": "SECRET = 1\n"})
    src = write_tree(tmp_path / "sub", STUDENT)
    (src / "answers.py").symlink_to(secret / "answers.py")
    (src / "solutions").symlink_to(secret, target_is_directory=True)

    sub = prepare_submission(src, scratch)

    assert "answers.py" not in listing(scratch) and "solutions" not in listing(scratch)
    assert not any(p.is_symlink() for p in scratch.rglob("*"))
    assert not any(b"SECRET" in p.read_bytes() for p in scratch.rglob("*") if p.is_file())
    assert len(sub.notes) == 2
    assert any("symlink answers.py" in n for n in sub.notes)
    assert any("symlink solutions" in n for n in sub.notes)


def test_folder_file_over_the_cap_is_skipped_with_a_note(tmp_path, scratch):
    """A file larger than max_file_bytes is skipped and named in a note; a file exactly at the cap is copied."""
    src = write_tree(tmp_path / "sub", {**STUDENT, "at_cap.npy": b"a" * 1000, "too_big.npy": b"b" * 1001})

    sub = prepare_submission(src, scratch, IntakeLimits(max_file_bytes=1000))

    assert (scratch / "at_cap.npy").stat().st_size == 1000
    assert not (scratch / "too_big.npy").exists()
    assert len(sub.notes) == 1 and "too_big.npy" in sub.notes[0] and "per-file limit" in sub.notes[0]


def test_folder_special_file_is_skipped_without_blocking(tmp_path, scratch):
    """A named pipe is not a regular file: it is skipped with a note (opening it would block)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    src = write_tree(tmp_path / "sub", STUDENT)
    os.mkfifo(src / "pipe")

    sub = prepare_submission(src, scratch)

    assert not (scratch / "pipe").exists()
    assert any("pipe" in n and "not a regular file" in n for n in sub.notes)


@pytest.mark.parametrize("limits, words", [
    (IntakeLimits(max_files=3), "more than 3 files"),
    (IntakeLimits(max_total_bytes=100), "more than 100 bytes"),
])
def test_folder_over_count_or_total_is_refused(tmp_path, scratch, limits, words):
    """Too many entries, or too many bytes in all, refuse the whole folder and leave scratch empty."""
    src = write_tree(tmp_path / "sub", {f"m{i}.py": "x = 1\n" * 10 for i in range(5)})

    with pytest.raises(SubmissionError, match=words):
        prepare_submission(src, scratch, limits)
    assert listing(scratch) == []


@pytest.mark.parametrize("content", [{}, {"__pycache__/a.pyc": b"\0", ".git/HEAD": "ref: x\n"}])
def test_empty_folder_is_refused(tmp_path, scratch, content):
    """A folder with nothing to grade (empty, or only housekeeping files) is a clear error."""
    src = tmp_path / "sub"
    src.mkdir()
    write_tree(src, content)

    with pytest.raises(SubmissionError, match="no files to grade"):
        prepare_submission(src, scratch)


def test_non_utf8_file_name_in_folder_is_refused(tmp_path, scratch):
    """A file name that is not valid UTF-8 gives a clear error, not a traceback."""
    src = write_tree(tmp_path / "sub", STUDENT)
    try:
        fd = os.open(os.fsencode(src) + b"/caf\xe9.py", os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError:
        pytest.skip("this file system refuses non-UTF-8 names")
    os.close(fd)

    with pytest.raises(SubmissionError, match="not valid UTF-8"):
        prepare_submission(src, scratch)
    assert listing(scratch) == []


def test_missing_path_and_unsupported_file_are_refused(tmp_path, scratch):
    """A path that does not exist, or a file that is neither .zip nor .ipynb, gives a clear error."""
    with pytest.raises(SubmissionError, match="not found"):
        prepare_submission(tmp_path / "nope", scratch)
    (tmp_path / "layers.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="folder, a .zip archive or an .ipynb"):
        prepare_submission(tmp_path / "layers.py", scratch)


def test_scratch_must_be_empty_and_outside_the_submission(tmp_path, scratch):
    """The intake never mixes a submission with old files, and never copies a folder into itself."""
    src = write_tree(tmp_path / "sub", STUDENT)
    write_tree(scratch, {"old.py": "x"})
    with pytest.raises(SubmissionError, match="not empty"):
        prepare_submission(src, scratch)
    assert listing(scratch) == ["old.py"], "a refused scratch folder is left as it was"
    with pytest.raises(SubmissionError, match="inside the submission"):
        prepare_submission(src, src / "scratch")


# ----------------------------------------------------------------------------- notebooks


def test_notebook_is_copied_alone(tmp_path, scratch):
    """A single .ipynb is copied alone into scratch, byte for byte; its neighbours are not copied."""
    src = write_tree(tmp_path / "dl", {"FullyConnectedNets.ipynb": '{"cells": []}', "other.py": "x"})

    sub = prepare_submission(src / "FullyConnectedNets.ipynb", scratch)

    assert sub.root == scratch and sub.source == "notebook" and sub.notes == []
    assert listing(scratch) == ["FullyConnectedNets.ipynb"]
    assert (scratch / "FullyConnectedNets.ipynb").read_text() == '{"cells": []}'


# ----------------------------------------------------------------------------- git checkouts


def run_git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    cmd = ["git", "-c", "user.name=Student", "-c", "user.email=s@example.edu", "-c", "commit.gpgsign=false",
           "-C", str(repo), *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout.strip()


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_git_checkout_records_the_commit_and_copies_the_work_tree(tmp_path, scratch):
    """A folder holding .git: the work tree is copied (uncommitted edits included, .git left out)
    and the source names the commit. The sha is checked against the full hash from `git log`."""
    repo = write_tree(tmp_path / "repo", STUDENT)
    run_git(repo, "init", "-q")
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-q", "-m", "hw")
    full_sha = run_git(repo, "log", "-1", "--format=%H")
    (repo / "optim.py").write_text("# not committed yet\n")
    before = snapshot(repo)

    sub = prepare_submission(repo, scratch)

    prefix = "git checkout at "
    assert sub.source.startswith(prefix)
    short = sub.source[len(prefix):]
    assert len(short) >= 7 and full_sha.startswith(short)
    assert listing(scratch) == ["classifiers", "classifiers/__init__.py", "classifiers/fc_net.py",
                                "layers.py", "optim.py"]
    assert snapshot(repo) == before, "reading the commit must not write into the student's repository"


@needs_git
def test_git_checkout_runs_no_hook_or_fsmonitor(tmp_path, scratch):
    """The repository is untrusted: its hooks and its core.fsmonitor program must never run."""
    marker = tmp_path / "ran.txt"
    script = f"#!/bin/sh\necho ran >> '{marker}'\n"
    repo = write_tree(tmp_path / "repo", STUDENT)
    run_git(repo, "init", "-q")
    run_git(repo, "add", ".")
    run_git(repo, "commit", "-q", "-m", "hw")
    for hook in ("post-checkout", "post-index-change", "reference-transaction", "pre-commit"):
        (repo / ".git" / "hooks" / hook).write_text(script)
        (repo / ".git" / "hooks" / hook).chmod(0o755)
    (repo / "fsmonitor.sh").write_text(script)
    (repo / "fsmonitor.sh").chmod(0o755)
    run_git(repo, "config", "core.fsmonitor", str(repo / "fsmonitor.sh"))

    sub = prepare_submission(repo, scratch)

    assert not marker.exists(), "a program from the student's repository ran"
    assert sub.source.startswith("git checkout at ")


@needs_git
def test_git_checkout_without_commit_is_noted(tmp_path, scratch):
    """A repository with no commit yet is still graded; the report says the commit is unknown."""
    repo = write_tree(tmp_path / "repo", STUDENT)
    run_git(repo, "init", "-q")

    sub = prepare_submission(repo, scratch)

    assert sub.source == "git checkout (commit unknown)"
    assert len(sub.notes) == 1 and "commit could not be recorded" in sub.notes[0]
    assert "layers.py" in listing(scratch)


# ----------------------------------------------------------------------------- zips: layout


def test_zip_with_single_top_folder_roots_at_that_folder(tmp_path, scratch):
    """`zip -r hw.zip hw/` gives one top-level folder: root is that folder. macOS __MACOSX/ entries
    and the entries the course's zip command leaves out (docs/courses.md §5.1) are not extracted."""
    archive = make_zip(tmp_path / "hw.zip", {
        **{f"hw/{k}": v for k, v in STUDENT.items()},
        "hw/__pycache__/layers.cpython-311.pyc": b"\0",
        "hw/.ipynb_checkpoints/x-checkpoint.ipynb": "{}",
        "__MACOSX/hw/._layers.py": b"\0",
    })

    sub = prepare_submission(archive, scratch)

    assert sub.source == "zip" and sub.notes == []
    assert sub.root == scratch / "hw"
    assert listing(scratch) == ["hw", "hw/classifiers", "hw/classifiers/__init__.py",
                                "hw/classifiers/fc_net.py", "hw/layers.py"]
    assert (sub.root / "classifiers" / "fc_net.py").read_text() == STUDENT["classifiers/fc_net.py"]


def test_zip_with_several_top_entries_roots_at_scratch(tmp_path, scratch):
    """`zip -r x.zip .` run inside the folder (docs/courses.md §5.1) has several top-level entries: root is scratch."""
    archive = make_zip(tmp_path / "cs182hw2_submission.zip", {
        "q_optimizer_init.ipynb": "{}",
        "deeplearning/optim.py": "def adam(w, dw, config=None):\n    pass\n",
    })

    sub = prepare_submission(archive, scratch)

    assert sub.root == scratch
    assert listing(scratch) == ["deeplearning", "deeplearning/optim.py", "q_optimizer_init.ipynb"]


def test_zip_utf8_names_are_kept(tmp_path, scratch):
    """Non-ASCII names stored as UTF-8 (zip flag bit 11) are extracted with their real names."""
    archive = make_zip(tmp_path / "hw.zip", {"données/layers.py": "x = 1\n"})

    sub = prepare_submission(archive, scratch)

    assert (sub.root / "layers.py").read_text() == "x = 1\n"
    assert sub.root.name == "données"


# ----------------------------------------------------------------------------- zips: hostile names


@pytest.mark.parametrize("name", ["../evil.py", "/abs.py", "a/../../x", "C:/evil.py", "C:\\evil.py",
                                  "..\\evil.py", "ok/..\\..\\evil.py"])
def test_zip_path_traversal_is_refused(tmp_path, scratch, name):
    """Absolute names, drive letters and '..' components (with / or \\) refuse the whole zip;
    nothing is written, next to scratch or anywhere else."""
    info = zipfile.ZipInfo(name)  # ZipInfo keeps the name as given, including a leading '/'
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "x = 1\n", info: "import os\n"})

    with pytest.raises(SubmissionError, match="refusing to extract"):
        prepare_submission(archive, scratch)
    assert listing(scratch) == []


def test_zip_symlink_entry_is_skipped_and_reported(tmp_path, scratch):
    """A zip entry whose Unix mode says symlink (S_IFLNK in external_attr) is not extracted; a note names it."""
    link = zipfile.ZipInfo("hw/data")
    link.create_system = 3  # Unix
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "hw.zip", {"hw/layers.py": "x = 1\n", link: "../../private"})

    sub = prepare_submission(archive, scratch)

    assert listing(scratch) == ["hw", "hw/layers.py"]
    assert not any(p.is_symlink() for p in scratch.rglob("*"))
    assert sub.notes == ["skipped symlink hw/data (symlinks in a zip are not extracted)"]


def test_zip_non_utf8_name_is_refused(tmp_path, scratch):
    """A name whose raw bytes are not UTF-8 (here 0xE9, Latin-1 'é') gives a clear error."""
    archive = make_zip(tmp_path / "hw.zip", {"cafX.py": "x = 1\n"})
    archive.write_bytes(archive.read_bytes().replace(b"cafX.py", b"caf\xe9.py"))

    with pytest.raises(SubmissionError, match="not valid UTF-8"):
        prepare_submission(archive, scratch)


def test_zip_duplicate_entry_is_refused(tmp_path, scratch):
    """Two entries with the same name: the second would silently replace the first, so the zip is refused."""
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = make_zip(tmp_path / "hw.zip", {"layers.py": "good\n", zipfile.ZipInfo("layers.py"): "evil\n"})

    with pytest.raises(SubmissionError, match="twice"):
        prepare_submission(archive, scratch)


def test_zip_encrypted_entry_is_refused(tmp_path, scratch):
    """An entry with the 'encrypted' flag (general-purpose bit 0) gives a clear error."""
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "x = 1\n"})
    patch_zip(archive, local_offset=6, central_offset=8, fmt="<H", value=0x1)

    with pytest.raises(SubmissionError, match="is encrypted; submit a zip without a password"):
        prepare_submission(archive, scratch)


# ----------------------------------------------------------------------------- zips: sizes and bombs


def test_zip_bomb_by_ratio_is_refused_before_extraction(tmp_path, scratch, monkeypatch):
    """20 MiB of zeros deflate about 1000:1 (over max_ratio 200). This is caught from the central
    directory: no entry is ever opened for reading."""
    archive = make_zip(tmp_path / "bomb.zip", {"layers.py": "x = 1\n", "weights.npy": bytes(20 * MiB)})
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k))

    with pytest.raises(SubmissionError, match="zip bomb"):
        prepare_submission(archive, scratch)
    assert opened == [] and listing(scratch) == []


def test_small_compressible_file_is_not_a_bomb(tmp_path, scratch):
    """Below RATIO_MIN_BYTES (1 MiB) the ratio is not checked: 512 KiB of zeros (about 500:1) is extracted."""
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "x = 1\n", "zeros.npy": bytes(512 * 1024)})

    prepare_submission(archive, scratch)

    assert (scratch / "zeros.npy").stat().st_size == 512 * 1024


def test_zip_lying_about_sizes_never_gets_past(tmp_path, scratch):
    """The central directory (and the local header) say 1000 bytes, but the data holds 2 MiB
    (incompressible, so it is not a bomb by ratio). The pre-check passes. The entry must then
    fail while it streams, and nothing stays behind."""
    archive = make_zip(tmp_path / "hw.zip", {"data.bin": os.urandom(2 * MiB), "layers.py": "x = 1\n"})
    patch_zip(archive, local_offset=22, central_offset=24, fmt="<I", value=1000)
    assert zipfile.ZipFile(archive).getinfo("data.bin").file_size == 1000  # the lie is in place

    with pytest.raises(SubmissionError, match="data.bin"):
        prepare_submission(archive, scratch, IntakeLimits(max_file_bytes=1 * MiB))
    assert listing(scratch) == []


def test_streaming_cap_stops_a_reader_that_ignores_the_header(tmp_path, scratch, monkeypatch):
    """CPython's zipfile already stops at the declared size. The intake does not rely on that: it counts
    the bytes it writes. Here the reader hands out 2 MiB for an entry declared at 1000 bytes; extraction
    stops at the declared size."""
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "x" * 1000})
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: io.BytesIO(b"x" * (2 * MiB)))

    with pytest.raises(SubmissionError, match=r"larger than the zip's directory says .*stopped after 1000 bytes"):
        prepare_submission(archive, scratch)
    assert listing(scratch) == []


def test_zip_with_too_many_entries_is_refused(tmp_path, scratch):
    """max_files is checked from the central directory before extraction."""
    archive = make_zip(tmp_path / "hw.zip", {f"m{i}.py": "x = 1\n" for i in range(5)})

    with pytest.raises(SubmissionError, match="5 entries, over the limit of 3"):
        prepare_submission(archive, scratch, IntakeLimits(max_files=3))
    assert listing(scratch) == []


def test_zip_over_total_size_is_refused(tmp_path, scratch):
    """The sum of the declared sizes is checked against max_total_bytes before extraction
    (three 40 000-byte files of zeros: a tiny archive, 120 000 bytes once extracted)."""
    archive = make_zip(tmp_path / "hw.zip", {f"m{i}.npy": bytes(40_000) for i in range(3)})
    assert archive.stat().st_size < 100_000

    with pytest.raises(SubmissionError, match="expands to more than 100000 bytes"):
        prepare_submission(archive, scratch, IntakeLimits(max_total_bytes=100_000))
    assert listing(scratch) == []


def test_zip_entry_over_the_file_cap_is_skipped_with_a_note(tmp_path, scratch):
    """As for folders: a file over max_file_bytes is skipped and named in a note; the rest is extracted."""
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "x = 1\n", "big.npz": os.urandom(3000)})

    sub = prepare_submission(archive, scratch, IntakeLimits(max_file_bytes=2000))

    assert listing(scratch) == ["layers.py"]
    assert len(sub.notes) == 1 and "big.npz" in sub.notes[0]


# ----------------------------------------------------------------------------- zips: broken archives


def test_truncated_zip_is_refused(tmp_path, scratch):
    """A zip cut in half (an interrupted upload) has no central directory: a clear error."""
    archive = make_zip(tmp_path / "hw.zip", {**STUDENT, "data.bin": os.urandom(10_000)})
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(SubmissionError, match="not a readable zip archive"):
        prepare_submission(archive, scratch)


def test_zip_with_corrupt_data_is_refused(tmp_path, scratch):
    """The directory is intact but the compressed bytes are garbage: a clear error and nothing left behind."""
    archive = make_zip(tmp_path / "hw.zip", {"layers.py": "def f():\n    return 1\n" * 200})
    raw = bytearray(archive.read_bytes())
    start = raw.index(b"layers.py") + len("layers.py")  # first data byte after the local header name
    raw[start:start + 40] = b"\xff" * 40
    archive.write_bytes(bytes(raw))

    with pytest.raises(SubmissionError, match="not a readable zip archive"):
        prepare_submission(archive, scratch)
    assert listing(scratch) == []


def test_not_a_zip_is_refused(tmp_path, scratch):
    """A file named .zip that is not a zip archive gives a clear error."""
    fake = tmp_path / "hw.zip"
    fake.write_text("this is a PDF export, not a zip\n")

    with pytest.raises(SubmissionError, match="not a readable zip archive"):
        prepare_submission(fake, scratch)


@pytest.mark.parametrize("entries", [{}, {"hw/": b"", "hw/__pycache__/a.pyc": b"\0"}])
def test_empty_zip_is_refused(tmp_path, scratch, entries):
    """A zip with no entries, or with only folders and housekeeping files, has nothing to grade."""
    archive = make_zip(tmp_path / "hw.zip", entries)

    with pytest.raises(SubmissionError, match="no files to grade"):
        prepare_submission(archive, scratch)
    assert listing(scratch) == []


# ----------------------------------------------------------------------------- find_package_root


def test_package_root_is_root_when_it_holds_the_modules(tmp_path):
    """The canonical layout: layers.py directly in the submission folder."""
    root = write_tree(tmp_path / "sub", STUDENT)
    assert find_package_root(root) == root


def test_package_root_finds_the_course_package_inside_the_assignment_folder(tmp_path):
    """CS231n layout (course-apis: notebooks next to `cs231n/` in assignment1/): the shallowest
    folder with layers.py wins, ahead of a deeper copy."""
    root = write_tree(tmp_path / "sub", {
        "assignment1/knn.ipynb": "{}",
        "assignment1/cs231n/layers.py": "",
        "assignment1/cs231n/old/backup/layers.py": "",
    })
    assert find_package_root(root) == root / "assignment1" / "cs231n"


def test_package_root_qualifies_by_classifiers_folder(tmp_path):
    """A folder with classifiers/ (e.g. only k_nearest_neighbor.py done) qualifies without layers.py."""
    root = write_tree(tmp_path / "sub", {"hw/classifiers/k_nearest_neighbor.py": ""})
    assert find_package_root(root) == root / "hw"


def test_package_root_ignores_hidden_and_checkpoint_folders(tmp_path):
    """Copies in .ipynb_checkpoints/, __pycache__/ or hidden folders never count."""
    root = write_tree(tmp_path / "sub", {
        ".ipynb_checkpoints/layers.py": "",
        ".venv/lib/layers.py": "",
        "__pycache__/classifiers/x.py": "",
        "a/b/nndl/layers.py": "",
    })
    assert find_package_root(root) == root / "a" / "b" / "nndl"


def test_package_root_depth_limit(tmp_path):
    """Four levels below root are searched; a fifth is not, and the error lists the Python files found."""
    deep4 = write_tree(tmp_path / "four", {"1/2/3/4/layers.py": ""})
    assert find_package_root(deep4) == deep4 / "1/2/3/4"
    deep5 = write_tree(tmp_path / "five", {"1/2/3/4/5/layers.py": "", "1/setup.py": ""})
    with pytest.raises(SubmissionError, match=r"layers\.py or classifiers/.*1/setup\.py"):
        find_package_root(deep5)


def test_package_root_refuses_two_copies_at_the_same_depth(tmp_path):
    """Two folders qualifying at the same depth: guessing could grade the wrong copy, so both are named."""
    root = write_tree(tmp_path / "sub", {"hw/layers.py": "", "hw_backup/layers.py": ""})
    with pytest.raises(SubmissionError, match="hw/, hw_backup/"):
        find_package_root(root)


def test_package_root_error_lists_what_was_found(tmp_path):
    """Nothing qualifies: the message tells the student what the grader saw."""
    root = write_tree(tmp_path / "sub", {"homework/my_layers.py": "", "README.md": ""})
    with pytest.raises(SubmissionError, match="homework/my_layers.py"):
        find_package_root(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SubmissionError, match="the submission is empty"):
        find_package_root(empty)
