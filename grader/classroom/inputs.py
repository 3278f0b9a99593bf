"""What a class folder holds: one ``Submission`` per student, found in the layout it was given in.

Layouts, tried in this order (``detect`` says which one matched and why):

* ``gradescope``: Gradescope's "Export Submissions" (a zip or its extracted folder):
  ``submission_metadata.yml`` maps each ``submission_<id>/`` folder to its submitters
  (``:name:``, ``:sid:``, ``:email:``) and ``:created_at:``. Student id: the SID, else the email,
  else the submission folder.
* ``nbgrader``: ``submitted/<student>/<assignment>/``. Student id: the student folder.
* ``canvas``: a Canvas "Download Submissions" folder, files named
  ``<name>_<userid>_<attempt>_<filename>`` (``<name>_late_<userid>_...`` for late ones).
  Files are grouped per user id; the latest attempt is graded (several files of one attempt
  become one folder). Student id: the Canvas user id.
* ``github-classroom``: clones named ``<assignment>-<github-user>``. Student id: the user.
* ``folder``: one entry per student: a folder, a ``.zip``, an ``.ipynb`` or a git checkout.
  Student id: the entry's name without its suffix.

Anything that is not a submission (a stray file) is skipped with a note. Two submissions of the
same student: the newest (submission time, else attempt, else modification time) is graded and
the other is reported. Nothing here runs student code.
"""
from __future__ import annotations

import datetime as _dt
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..submission import IntakeLimits, SubmissionError, prepare_submission

SUBMISSION_SUFFIXES = (".zip", ".ipynb")
#: A whole class export is larger than one submission: caps for unpacking it.
EXPORT_LIMITS = IntakeLimits(max_files=500_000, max_total_bytes=50 * 1024 ** 3,
                             max_file_bytes=2 * 1024 ** 3)
_CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:(?:late|LATE)_)?(?P<uid>\d+)_(?P<attempt>\d+)_(?P<file>.+)$")
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class ClassInputError(Exception):
    """The class folder cannot be read as a class (missing, empty, nothing to grade)."""


@dataclass(frozen=True)
class Submission:
    """One student's submission. ``path``: a folder, a .zip or an .ipynb to grade;
    ``submitted``: a sortable time (seconds) used to pick the newest of two; ``origin``: where
    it came from, relative to the class folder."""

    id: str
    path: Path
    origin: str
    name: str = ""
    email: str = ""
    sid: str = ""
    submitted: float = 0.0


@dataclass
class ClassInput:
    layout: str
    reason: str
    submissions: list[Submission]
    notes: list[str] = field(default_factory=list)


def student_id(text: str) -> str:
    """``text`` made safe as a file name (the id names the student's report folder)."""
    cleaned = _ID_UNSAFE.sub("_", str(text).strip()).strip("._") or "student"
    return cleaned[:100]


def read_class(path: Path, staging: Path) -> ClassInput:
    """The submissions in ``path`` (a folder or a Gradescope export zip). ``staging``: a folder
    owned by the grader for unpacked exports and Canvas groups (emptied first)."""
    path = Path(path)
    if not path.exists():
        raise ClassInputError(f"{path} does not exist")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    notes: list[str] = []
    if path.is_file():
        if path.suffix.lower() != ".zip":
            raise ClassInputError(f"{path} is a file but not a .zip: give the class folder or a "
                                  "Gradescope export zip")
        try:
            prepare_submission(path, staging / "export", EXPORT_LIMITS)
        except SubmissionError as exc:
            raise ClassInputError(f"{path}: {exc}") from None
        found = _find_metadata(staging / "export")
        if found is None:
            raise ClassInputError(f"{path} is a zip without submission_metadata.yml: for a zip "
                                  "per student, put the zips in one folder")
        layout, reason, subs = _gradescope(found, notes)
        reason = f"{reason} (unpacked from {path.name})"
    else:
        layout, reason, subs = _detect(path, staging, notes)
    if not subs:
        raise ClassInputError(f"{path} holds no submissions ({layout} layout: {reason})")
    return ClassInput(layout, reason, _newest_per_student(subs, notes), notes)


def _detect(root: Path, staging: Path, notes: list[str]):
    found = _find_metadata(root)
    if found is not None:
        return _gradescope(found, notes)
    submitted = root / "submitted" if (root / "submitted").is_dir() else root if root.name == "submitted" else None
    if submitted is not None:
        return _nbgrader(submitted, notes)
    entries = _entries(root)
    if not entries:
        raise ClassInputError(f"{root} is empty: no student submissions in it")
    files = [e for e in entries if e.is_file()]
    canvas = [f for f in files if _CANVAS.match(f.name)]
    if canvas and len(canvas) * 2 >= len(entries):
        return _canvas(root, canvas, [e for e in entries if e not in canvas], staging, notes)
    classroom = _classroom_prefix([e for e in entries if e.is_dir()])
    if classroom:
        return _github_classroom(root, classroom, entries, notes)
    return _per_student(root, entries, notes)


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX")))


def _find_metadata(root: Path) -> Path | None:
    for candidate in (root, *sorted(p for p in root.iterdir() if p.is_dir())) if root.is_dir() else ():
        if (candidate / "submission_metadata.yml").is_file():
            return candidate
    return None


def _mtime(path: Path) -> float:
    """The newest modification time of ``path`` (of the files in it, for a folder)."""
    if path.is_file():
        return path.stat().st_mtime
    times = [p.stat().st_mtime for p in path.rglob("*") if p.is_file() and ".git" not in p.parts]
    return max(times, default=path.stat().st_mtime)


def _timestamp(value) -> float:
    if isinstance(value, _dt.datetime):
        return value.timestamp()
    try:
        return _dt.datetime.fromisoformat(str(value).replace(" ", "T", 1)).timestamp()
    except ValueError:
        return 0.0


def _field(info: dict, key: str):
    """A field of submission_metadata.yml: written as Ruby symbols (``:sid: '3031'`` reads as
    the key ``":sid"``), plain keys accepted too."""
    for k in (f":{key}", key, f":{key}:"):
        if k in info:
            return info[k]
    return None


def _gradescope(root: Path, notes: list[str]):
    reason = f"{root.name}/submission_metadata.yml (a Gradescope export)"
    try:
        meta = yaml.safe_load((root / "submission_metadata.yml").read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ClassInputError(f"submission_metadata.yml cannot be read: {exc}") from None
    if not isinstance(meta, dict):
        raise ClassInputError("submission_metadata.yml does not map submission folders to submitters")
    subs = []
    for folder, info in sorted(meta.items(), key=lambda kv: str(kv[0])):
        info = info if isinstance(info, dict) else {}
        path = root / str(folder)
        if not path.exists():
            notes.append(f"{folder}: listed in submission_metadata.yml but not in the export; skipped")
            continue
        submitters = [s for s in _field(info, "submitters") or [] if isinstance(s, dict)]
        who = submitters[0] if submitters else {}
        sid, email, name = (str(_field(who, k) or "") for k in ("sid", "email", "name"))
        if len(submitters) > 1:
            notes.append(f"{folder}: a group submission; graded once, for {name or sid or email} "
                         f"(also: {', '.join(str(_field(s, 'name') or '') for s in submitters[1:])})")
        subs.append(Submission(id=student_id(sid or email or folder), path=path, origin=str(folder),
                               name=name, email=email, sid=sid,
                               submitted=_timestamp(_field(info, "created_at") or "")))
    listed = {str(k) for k in meta}
    for entry in _entries(root):
        if entry.name != "submission_metadata.yml" and entry.name not in listed:
            notes.append(f"{entry.name}: not listed in submission_metadata.yml; skipped")
    return "gradescope", reason, subs


def _nbgrader(submitted: Path, notes: list[str]):
    subs = []
    for student in _entries(submitted):
        if not student.is_dir():
            notes.append(f"submitted/{student.name}: not a student folder; skipped")
            continue
        assignments = [a for a in _entries(student) if a.is_dir()]
        if not assignments:
            notes.append(f"submitted/{student.name}: no assignment folder; skipped")
        for assignment in assignments:
            stamp = assignment / "timestamp.txt"
            when = _timestamp(stamp.read_text("utf-8", "replace").strip()) if stamp.is_file() else 0.0
            subs.append(Submission(id=student_id(student.name), path=assignment,
                                   origin=f"submitted/{student.name}/{assignment.name}",
                                   submitted=when or _mtime(assignment)))
    return "nbgrader", "a submitted/<student>/<assignment>/ tree (nbgrader)", subs


def _canvas(root: Path, files: list[Path], others: list[Path], staging: Path, notes: list[str]):
    for other in others:
        notes.append(f"{other.name}: not named <name>_<userid>_<attempt>_<file> like a Canvas "
                     "download; skipped")
    groups: dict[tuple[str, int], list[tuple[Path, str, str]]] = {}
    for f in files:
        m = _CANVAS.match(f.name)
        groups.setdefault((m["uid"], int(m["attempt"])), []).append((f, m["file"], m["name"]))
    subs = []
    for (uid, attempt), members in sorted(groups.items()):
        if len(members) == 1 and members[0][0].suffix.lower() in SUBMISSION_SUFFIXES:
            path = members[0][0]
        else:  # several files (or loose .py files) of one attempt: one folder
            path = staging / "canvas" / f"{uid}_{attempt}"
            path.mkdir(parents=True)
            for f, original, _ in members:
                shutil.copy2(f, path / Path(original).name)
        subs.append(Submission(id=student_id(uid), path=path,
                               origin=", ".join(sorted(m[0].name for m in members)),
                               name=members[0][2], submitted=attempt * 1e10 + max(_mtime(m[0]) for m in members)))
    return "canvas", f"{len(files)} files named <name>_<userid>_<attempt>_<file> (a Canvas download)", subs


def _classroom_prefix(folders: list[Path]) -> str | None:
    """The ``<assignment>-`` prefix all clones share, when they look like GitHub Classroom's."""
    if len(folders) < 2:
        return None
    common = _common_prefix([f.name for f in folders])
    prefix = common[: common.rfind("-") + 1] if "-" in common else ""
    if not prefix.rstrip("-") or not any((f / ".git").exists() for f in folders):
        return None
    return prefix


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _github_classroom(root: Path, prefix: str, entries: list[Path], notes: list[str]):
    subs = []
    for entry in entries:
        if entry.is_dir() and entry.name.startswith(prefix) and len(entry.name) > len(prefix):
            user = entry.name[len(prefix):]
            subs.append(Submission(id=student_id(user), path=entry, origin=entry.name,
                                   submitted=_mtime(entry)))
        else:
            notes.append(f"{entry.name}: not a {prefix}<github-user> clone; skipped")
    return ("github-classroom", f"git clones named {prefix}<github-user> (GitHub Classroom)", subs)


def _per_student(root: Path, entries: list[Path], notes: list[str]):
    subs = []
    for entry in entries:
        if entry.is_dir() or entry.suffix.lower() in SUBMISSION_SUFFIXES:
            subs.append(Submission(id=student_id(entry.stem if entry.is_file() else entry.name),
                                   path=entry, origin=entry.name, submitted=_mtime(entry)))
        else:
            notes.append(f"{entry.name}: not a submission (a folder, .zip or .ipynb); skipped")
    return "folder", "one folder, .zip or .ipynb per student", subs


def _newest_per_student(subs: list[Submission], notes: list[str]) -> list[Submission]:
    by_id: dict[str, list[Submission]] = {}
    for sub in subs:
        by_id.setdefault(sub.id, []).append(sub)
    kept = []
    for sid, group in sorted(by_id.items()):
        group.sort(key=lambda s: (s.submitted, s.origin), reverse=True)
        kept.append(group[0])
        for older in group[1:]:
            notes.append(f"{sid}: two submissions; graded the newest ({group[0].origin}), "
                         f"not {older.origin}")
    return kept


__all__ = ["ClassInput", "ClassInputError", "Submission", "read_class", "student_id"]
