"""How many realistic student bugs the canonical rubric catches, and how precisely.

    python benchmarks/mutation_score.py [--jobs 2] [--only WORD] [--json FILE]

Grades every mutant and every equivalent implementation of the corpus in ``tests/mutants/``
(the reference with source patches, built by ``tests.support.make_submission``) with the
canonical rubric, in a pool of ``--jobs`` processes, and prints:

* kill rate: mutants that lose points on any check;
* flagged only: mutants that lose no points but fail an extra check (``extra: true`` in the
  rubric: robustness beyond the course's specification, reported, 0 points);
* localisation rate: mutants that lose points on (or, for an extra check, fail) every check of
  the rubric they declare in ``caught_by``, and nothing outside ``caught_by`` and their
  ``collateral`` patterns (the rule ``tests/mutants/test_mutants.py`` enforces);
* survivors: mutants that keep full marks (each a bug the rubric cannot see);
* equivalents kept at full marks (each lost point is a false alarm against correct code; an
  equivalent that fails only extra checks keeps full marks);
* diagnosis: the share, among all mutants, whose failure messages contain every word of their
  ``diagnosis`` (the message names the bug, not only the symptom); 0 when none declares words;
* pending entries (``Mutant.pending``: the check they need does not exist yet) separately: they
  are left out of the figures above, and the lines "pending" say how many already behave as
  declared (then their marker can go).

The figures above count only entries that are not pending.

Goal (issue 6): kill rate >= 97 %, every equivalent at full marks, diagnosis >= 70 %.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.engine import GradeOptions, grade
from grader.rubric import load_rubric
from grader.sandbox.pool import available_cores
from tests.mutants.test_mutants import _load
from tests.support import make_submission

RUBRIC = "canonical"


def grade_one(item: tuple[str, str, tuple, int]) -> dict:
    """Grade one corpus entry (on ``workers`` sandboxed workers); returns what the summary needs
    (picklable, small)."""
    kind, name, patches, workers = item
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        report = grade(make_submission(Path(tmp), patches), GradeOptions(rubric=RUBRIC,
                                                                         workers=workers))
    # An extra check (rubric ``extra: true``) never deducts: its failures are only flagged.
    lost = {r.name: r.message for r in report.results
            if r.in_max and r.points < r.max_points and r.status != "skipped"}
    flagged = {r.name: r.message for r in report.results
               if not r.in_max and r.status in ("failed", "partial", "error")}
    errors = [r.name for r in report.results if r.status == "error"]
    return {"kind": kind, "name": name, "lost": lost, "flagged": flagged, "errors": errors,
            "score": report.score, "max_score": report.max_score}


def localised(mutant, lost: set[str], rubric_ids: set[str]) -> tuple[bool, list, list]:
    """(localised, declared checks it survived, checks it lost outside caught_by/collateral)."""
    declared = set(mutant.caught_by) & rubric_ids
    missed = sorted(declared - lost)
    stray = sorted(n for n in lost - set(mutant.caught_by)
                   if not any(fnmatch.fnmatch(n, p) for p in mutant.collateral))
    return bool(declared) and not missed and not stray, missed, stray


def diagnosed(mutant, lost: dict[str, str]) -> bool:
    """Does one failure message contain every diagnosis word of the mutant?"""
    words = [w.lower() for w in mutant.diagnosis]
    return bool(words) and any(all(w in m.lower() for w in words) for m in lost.values())


def pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100.0 * part / whole:.1f} %" if whole else "0/0"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="grading processes (default 2)")
    parser.add_argument("--only", default="", help="grade only entries whose name has this word")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    mutants = [m for m in _load("MUTANTS") if args.only in m.name]
    equivalents = [m for m in _load("EQUIVALENTS") if args.only in m.name]
    rubric_ids = {rc.id for _, rc in load_rubric(RUBRIC).iter_checks()}
    workers = max(1, available_cores() // max(1, args.jobs))   # jobs x workers <= cores
    items = [("mutant", m.name, m.patches, workers) for m in mutants] + \
            [("equivalent", m.name, m.patches, workers) for m in equivalents]
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        graded = {r["name"]: r for r in pool.map(grade_one, items)}
    elapsed = time.perf_counter() - start

    pending_mutants = [m for m in mutants if m.pending]
    pending_equivalents = [m for m in equivalents if m.pending]
    mutants = [m for m in mutants if not m.pending]
    equivalents = [m for m in equivalents if not m.pending]

    killed, local, named, survivors, unlocalised, errors, flagged_only = 0, 0, 0, [], [], [], []
    for m in mutants:
        r = graded[m.name]
        lost, seen = set(r["lost"]), {**r["lost"], **r["flagged"]}
        errors += [(m.name, e) for e in r["errors"]]
        if lost:
            killed += 1
        elif seen:
            flagged_only.append(m)
        else:
            survivors.append(m)
        ok, missed, stray = localised(m, set(seen), rubric_ids)
        local += ok
        if seen and not ok:
            unlocalised.append((m, missed, stray))
        named += diagnosed(m, seen)
    declaring = sum(bool(m.diagnosis) for m in mutants)
    false_alarms = [(m, graded[m.name]["lost"]) for m in equivalents if graded[m.name]["lost"]]
    pending_done = [m for m in pending_mutants
                    if localised(m, set(graded[m.name]["lost"]) | set(graded[m.name]["flagged"]),
                                 rubric_ids)[0]]
    pending_fixed = [m for m in pending_equivalents if not graded[m.name]["lost"]]

    print(f"mutation score, {RUBRIC} rubric: {len(mutants)} mutants, {len(equivalents)} "
          f"equivalents (+ {len(pending_mutants)} and {len(pending_equivalents)} pending), "
          f"graded in {elapsed:.0f} s with {args.jobs} processes")
    print(f"  kill rate          {pct(killed, len(mutants))}")
    print(f"  flagged only       {pct(len(flagged_only), len(mutants))} "
          "(fail an extra check, lose no points)")
    print(f"  localisation rate  {pct(local, len(mutants))}")
    print(f"  diagnosis          {pct(named, len(mutants))} "
          f"({declaring} mutants declare diagnosis words)")
    print(f"  equivalents at full marks  {pct(len(equivalents) - len(false_alarms), len(equivalents))}")
    print(f"  pending mutants caught as declared      {pct(len(pending_done), len(pending_mutants))}")
    print(f"  pending equivalents at full marks       {pct(len(pending_fixed), len(pending_equivalents))}")
    print(f"survivors ({len(survivors)}):")
    for m in survivors:
        print(f"  {m.name}: {m.description}")
    print(f"flagged by extra checks only ({len(flagged_only)}):")
    for m in flagged_only:
        print(f"  {m.name}: {sorted(graded[m.name]['flagged'])}")
    print(f"killed but not localised ({len(unlocalised)}):")
    for m, missed, stray in unlocalised:
        print(f"  {m.name}: survived {missed or '-'}; also lost {stray or '-'}")
    print(f"equivalents that lost points ({len(false_alarms)}):")
    for m, lost in false_alarms:
        print(f"  {m.name}: {sorted(lost)}")
    print(f"pending mutants ({len(pending_mutants)}):")
    for m in pending_mutants:
        state = "now caught: remove the marker" if m in pending_done else "as expected"
        print(f"  {m.name} [{state}]: {m.pending}")
    print(f"pending equivalents ({len(pending_equivalents)}):")
    for m in pending_equivalents:
        state = "now at full marks: remove the marker" if m in pending_fixed else \
            "loses " + ", ".join(sorted(graded[m.name]["lost"]))
        print(f"  {m.name} [{state}]: {m.pending}")
    if errors:
        print(f"grader errors ({len(errors)}): {errors}")
    if args.json:
        args.json.write_text(json.dumps({
            "mutants": len(mutants), "equivalents": len(equivalents), "killed": killed,
            "localised": local, "diagnosed": named, "declaring_diagnosis": declaring,
            "survivors": [m.name for m in survivors],
            "flagged_only": [m.name for m in flagged_only],
            "unlocalised": [m.name for m, _, _ in unlocalised],
            "false_alarms": [m.name for m, _ in false_alarms],
            "pending_mutants": len(pending_mutants), "pending_mutants_caught": [m.name for m in pending_done],
            "pending_equivalents": len(pending_equivalents),
            "pending_equivalents_at_full_marks": [m.name for m in pending_fixed],
            "seconds": round(elapsed, 1)},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
