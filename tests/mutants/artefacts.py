"""Artefact checks (``grader.checks.artefacts``) read files the notebook wrote, not source code.

Their realistic failures (a missing file, a pickled member, NaN losses, accuracies in percent,
10 stds instead of 11, He with fan-out, a claimed val_acc missing from the history, ...) are
broken *files*, not patches of ``reference/``; they live as file variants in
``tests/grader/checks/test_artefacts.py`` (``BROKEN``), which asserts that each one fails the
checks it names and only those. No source patch can break an artefact check, so both lists here
are empty.
"""
from __future__ import annotations

MUTANTS: list = []
EQUIVALENTS: list = []
