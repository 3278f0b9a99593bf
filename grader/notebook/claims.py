"""The course's printed figures, parsed from a notebook's outputs, and the rubric's claims.

A *figure* is a number a course notebook prints in a fixed phrase (``docs/courses.md`` §3, §4, §6; the
strings below are copied from the executed seed notebooks):

=========================  ==========================================================  ======
kind                       printed as                                                  source
=========================  ==========================================================  ======
knn_accuracy               ``Got 137 / 500 correct => accuracy: 0.274000``               S1 knn
validation_set_accuracy    ``Validation set accuracy:  0.486``                           S1, S4
test_set_accuracy          ``Test set accuracy: ...``, ``... final test set accuracy: x``  S1, S4
best_validation_accuracy   ``best validation accuracy achieved[ during cross-validation]:
                           0.360000``, ``Best validation accuracy: 52.00%``              S1, S0
training_accuracy          ``training accuracy: 0.330490`` (line start)                 S1
validation_accuracy        ``validation accuracy: 0.343000`` (line start)               S1
train_acc_difference       ``Train Acc Difference:  0.0253...``                          S4
average_training_acc       ``Average Training Acc for sgd: 0.486...`` (label: the rule)  S4
relative_error             ``W1 relative error: 1.52e-08`` (label: W1)                  S1
error                      ``next_w error:  8.88e-09``, ``dx error:`` ... (label: the name) S1
difference                 ``difference: 9.77e-10``; UCLA ``Difference between your
                           scores and correct scores:`` + the number on the next line
                           (label: scores / loss)                                      S1, S2
loop_difference            ``One loop difference was: 0.000000`` (label: one / no);      S1
                           before 2021 ``Difference was: 0.000000`` (label: from the
                           cell, ``compute_distances_one_loop`` -> one)                §A5.3
epoch_train_acc,           ``(Epoch 20 / 20) train acc: 0.960000; val_acc: 0.164000``    all
epoch_val_acc              (one figure each per epoch line)
=========================  ==========================================================  ======

Percentages (``52.00%``) are read as fractions. ``find_figures(notebook)`` returns every figure
with the cell it came from. A rubric *claim* (``Claim``) names a figure kind (and label), which
cell (a substring of its source), which occurrence (``last``, ``first``, ``max``, ``min``) and
the threshold (``at_least`` / ``at_most``); ``select`` picks the figure a claim refers to.
A claim stated only in some years lists that wording (``stated``); ``applies`` tells whether a
notebook is one of those years'.
Checking the claim against the rubric and verifying it is ``grader.checks.notebook``'s job.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .read import Notebook

NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf|-inf)"


@dataclass(frozen=True)
class Figure:
    """One printed figure: ``kind`` (table above), ``label`` (e.g. ``next_w``; ``""`` if none),
    ``value`` (a fraction for accuracies), the printed ``line`` and the cell ``index``."""

    kind: str
    label: str
    value: float
    line: str
    cell: int
    extra: Mapping[str, Any] = field(default_factory=dict)


def _number(text: str, percent: str = "") -> float:
    value = float(text)
    return value / 100.0 if percent else value


# (kind, compiled pattern, builder(match) -> list of (label, value, extra)); the first pattern
# that matches a line wins, so the specific phrases come before the generic "<name> error:".
_LINE_PATTERNS = [
    ("knn_accuracy", re.compile(r"Got (\d+) / (\d+) correct => accuracy: " + NUM),
     lambda m: [("", float(m.group(3)), {"correct": int(m.group(1)), "total": int(m.group(2))})]),
    ("epoch", re.compile(r"\(Epoch (\d+) / (\d+)\) train acc: " + NUM + r"; val_acc: " + NUM),
     lambda m: [("train", float(m.group(3)), {"epoch": int(m.group(1)), "epochs": int(m.group(2))}),
                ("val", float(m.group(4)), {"epoch": int(m.group(1)), "epochs": int(m.group(2))})]),
    ("validation_set_accuracy", re.compile(r"Validation set accuracy:\s*" + NUM + r"\s*(%?)"),
     lambda m: [("", _number(m.group(1), m.group(2)), {})]),
    ("test_set_accuracy", re.compile(r"test set accuracy:\s*" + NUM + r"\s*(%?)", re.IGNORECASE),
     lambda m: [("", _number(m.group(1), m.group(2)), {})]),
    ("best_validation_accuracy",
     re.compile(r"best validation accuracy(?: achieved)?(?: during cross-validation)?:\s*"
                + NUM + r"\s*(%?)", re.IGNORECASE),
     lambda m: [("", _number(m.group(1), m.group(2)), {})]),
    ("train_acc_difference", re.compile(r"Train Acc Difference:\s*" + NUM),
     lambda m: [("", float(m.group(1)), {})]),
    ("average_training_acc", re.compile(r"Average Training Acc for (\w+):\s*" + NUM),
     lambda m: [(m.group(1), float(m.group(2)), {})]),
    ("training_accuracy", re.compile(r"^training accuracy:\s*" + NUM),
     lambda m: [("", float(m.group(1)), {})]),
    ("validation_accuracy", re.compile(r"^validation accuracy:\s*" + NUM),
     lambda m: [("", float(m.group(1)), {})]),
    ("loop_difference", re.compile(r"^(?:(One|No|Two) loop )?difference was:\s*" + NUM, re.IGNORECASE),
     lambda m: [((m.group(1) or "").lower(), float(m.group(2)), {})]),
    ("relative_error", re.compile(r"^\s*(\w+) relative error:\s*" + NUM),
     lambda m: [(m.group(1), float(m.group(2)), {})]),
    ("error", re.compile(r"^\s*(\w+) error:\s*" + NUM),
     lambda m: [(m.group(1), float(m.group(2)), {})]),
    ("difference", re.compile(r"^\s*difference:\s*" + NUM),
     lambda m: [("", float(m.group(1)), {})]),
]
# A phrase whose number is printed on the next line (UCLA HW3).
_TWO_LINE = re.compile(r"Difference between your (\w+) and correct \w+:\s*\n\s*" + NUM)

FIGURE_KINDS = tuple(sorted({k for k, _, _ in _LINE_PATTERNS if k != "epoch"}
                            | {"epoch_train_acc", "epoch_val_acc"}))


def figures_in_text(text: str, cell: int = -1) -> list[Figure]:
    """Every course figure printed in ``text`` (one cell's output), in order."""
    found: list[Figure] = []
    for line in text.splitlines():
        for kind, pattern, build in _LINE_PATTERNS:
            m = pattern.search(line)
            if m is None:
                continue
            try:
                values = build(m)
            except ValueError:
                break
            for label, value, extra in values:
                name = kind if kind != "epoch" else f"epoch_{label}_acc"
                found.append(Figure(name, "" if kind == "epoch" else label, value,
                                    line.strip()[:300], cell, extra))
            break
    for m in _TWO_LINE.finditer(text):
        found.append(Figure("difference", m.group(1), float(m.group(2)),
                            " ".join(m.group(0).split())[:300], cell))
    return found


def find_figures(notebook: Notebook) -> list[Figure]:
    """Every figure printed by the notebook's code cells, in document order."""
    out: list[Figure] = []
    for cell in notebook.code_cells:
        if cell.output_text:
            out.extend(_labelled(f, cell.source) for f in figures_in_text(cell.output_text, cell.index))
    return out


_LOOPS = {"compute_distances_one_loop": "one", "compute_distances_no_loops": "no",
          "compute_distances_two_loops": "two"}


def _labelled(figure: Figure, source: str) -> Figure:
    """An unlabelled ``Difference was:`` (the wording before 2021) takes its label from the
    distance function its cell calls."""
    if figure.kind != "loop_difference" or figure.label:
        return figure
    called = [label for name, label in _LOOPS.items() if name in source and label != "two"]
    if len(called) != 1:
        return figure
    return Figure(figure.kind, called[0], figure.value, figure.line, figure.cell, figure.extra)


@dataclass(frozen=True)
class Claim:
    """A rubric claim: which printed figure, and the threshold the course states.

    name:     shown in messages ("kNN accuracy with k = 1").
    figure:   a figure kind (``FIGURE_KINDS``); label: its label (``next_w``), if any.
    cell:     only figures printed by a cell whose source contains this text.
    pick:     ``last`` (default), ``first``, ``max`` or ``min`` when several figures match.
    at_least / at_most: the course's threshold (either or both; neither: any value).
    verify:   how the grader reproduces it (see ``grader.checks.notebook``), or ``None``.
    weight:   the claim's share of the check's credit (default 1).
    """

    name: str
    figure: str
    label: str = ""
    cell: str | None = None
    pick: str = "last"
    at_least: float | None = None
    at_most: float | None = None
    verify: Mapping[str, Any] | None = None
    weight: float = 1.0

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> "Claim":
        return cls(name=str(spec.get("name") or spec["figure"]), figure=str(spec["figure"]),
                   label=str(spec.get("label", "")), cell=spec.get("cell"),
                   pick=str(spec.get("pick", "last")),
                   at_least=None if spec.get("at_least") is None else float(spec["at_least"]),
                   at_most=None if spec.get("at_most") is None else float(spec["at_most"]),
                   verify=spec.get("verify"), weight=float(spec.get("weight", 1.0)))

    def threshold_text(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f">= {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"<= {self.at_most:g}")
        return " and ".join(parts) or "any value"

    def meets(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return ((self.at_least is None or value >= self.at_least)
                and (self.at_most is None or value <= self.at_most))


def _squashed(text: str) -> str:
    return " ".join(text.split()).lower()


def applies(spec: Mapping[str, Any], notebook: Notebook) -> bool:
    """Whether the rubric claim ``spec`` applies to ``notebook``: always, unless it lists the
    phrases (``stated``) by which the years that state it say so, and the notebook's markdown and
    code hold none of them (another year's notebook, docs/courses.md §A5.4)."""
    phrases = spec.get("stated")
    if not phrases:
        return True
    text = _squashed("\n".join(c.source for c in notebook.cells))
    return any(_squashed(str(p)) in text for p in phrases)


def select(claim: Claim, figures: list[Figure], notebook: Notebook) -> Figure | None:
    """The figure ``claim`` refers to, or ``None`` when the notebook never printed it."""
    cells = None
    if claim.cell:
        cells = {c.index for c in notebook.code_cells if claim.cell in c.source}
    matching = [f for f in figures if f.kind == claim.figure
                and (not claim.label or f.label == claim.label)
                and (cells is None or f.cell in cells)]
    if not matching:
        return None
    if claim.pick == "first":
        return matching[0]
    if claim.pick in ("max", "min"):
        finite = [f for f in matching if math.isfinite(f.value)] or matching
        return (max if claim.pick == "max" else min)(finite, key=lambda f: f.value)
    return matching[-1]
