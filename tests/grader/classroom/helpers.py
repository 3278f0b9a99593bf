"""Classes for the ``grade class`` tests, built from the reference, the starter code, the buggy
example and mutants (``tests/mutants``), and a small rubric so that a class grades in seconds."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from grader import fixtures as fixture_store
from grader.rubric import load_rubric
from tests.mutants import layers as layer_mutants
from tests.support import REPO

BUGGY = REPO / "examples" / "buggy_submission"
SMALL_RUBRIC = """\
name: small
title: A few layer and optimizer checks
profile: canonical
defaults: {timeout: 20, visibility: visible, partial_credit: {rule: all_or_nothing}}
sections:
  - name: layers
    title: Layers
    checks:
      - {id: affine_forward.values, points: 2}
      - {id: relu_forward.values, points: 1}
      - {id: relu_backward.exact_zeros, points: 2}
      - {id: softmax_loss.values, points: 2}
  - name: optim
    title: Update rules
    checks:
      - {id: sgd_momentum.notebook, points: 2}
      - {id: adam.notebook, points: 2}
"""
#: Every function a check above calls hangs: the student whose code hangs on every call.
HANG = """
import time as _time


def _hang(*args, **kwargs):
    while True:
        _time.sleep(0.05)


for _name in list(globals()):
    if _name.endswith(("_forward", "_backward", "_loss")):
        globals()[_name] = _hang
"""


def small_rubric(folder: Path) -> Path:
    """The small rubric on disk, with its fixtures built by running the reference."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "small.yaml"
    path.write_text(SMALL_RUBRIC)
    fixture_store.regenerate(load_rubric(path))
    return path


def mutant(name: str):
    """A patch of the layers corpus by name. ``relu_backward_ge_mask`` is an equivalent in the
    packaged rubrics (relu_backward.exact_zeros is extra there); this small rubric gives that
    check points, so the patch costs them here."""
    return next(m for m in layer_mutants.MUTANTS + layer_mutants.EQUIVALENTS if m.name == name)


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for item in sorted(folder.rglob("*")):
            if item.is_file() and "__pycache__" not in item.parts:
                zf.write(item, f"{folder.name}/{item.relative_to(folder).as_posix()}")
    return target


def copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target
