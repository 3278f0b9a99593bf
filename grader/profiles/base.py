"""What a course profile is: plain data describing one assignment of one course.

A **course** (``Course``) names the Python package its students fill in (``cs231n``,
``deeplearning``, ``nndl``) and its **year variants** (``Variant``): the conventions that changed
from one term to the next (``use_batchnorm`` vs ``normalization``, dropout's ``p`` as a drop or a
keep probability, which ``Solver`` keywords exist, the sign of the momentum velocity ...).

A **profile** (``Profile``) is one assignment of a course (``cs231n_a1``, ``cs182_hw02``,
``ucla_hw4``): where its canonical modules live (``module_map``), the course helper files the
grader may supply (``Helper``), the files that are the student's own and are never replaced,
and the rubric(s) it is graded with.

A **selection** (``Selection``, made by ``grader.profiles.detect``) is a profile applied to one
submission: the year variant found, the assignment root in the scratch copy, the ``Layout`` the
worker imports with (module names plus the variant's call adapters), the rubrics, and the
reasons for each choice (shown in the report). Checks receive it as ``ctx.selection``.

"Profile" always means a course profile (a ``Profile``, or its name in ``--profile NAME[:VARIANT]``,
``GradeOptions.profile``, a rubric's ``profile:`` and the report's ``profile`` label); the
profile applied to one submission is a ``Selection``, named ``selection`` everywhere.

Call adapters (``Variant.adapters``) translate a canonical call into the course's API in the
worker; see ``grader.layout`` for the operations. Canonical names are those of ``reference/``:
``FullyConnectedNet(..., dropout_keep_ratio=1, normalization=None, ...)``, ``TwoLayerNet(...,
hidden_dim=...)``, optimizer state keys ``velocity``/``cache``/``m``/``v``/``t``, dropout ``p`` =
keep probability.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..layout import Layout

#: The Solver keywords of CS231n 2017+ (and of UCLA, which uses CS231n's Solver); ``docs/courses.md``
#: §A1.3. The 2016 Solver lacks the last three, but it is Python 2 and always replaced by
#: the grader's copy, which accepts them.
CS231N_SOLVER_KEYWORDS = ("update_rule", "optim_config", "lr_decay", "batch_size", "num_epochs",
                          "num_train_samples", "num_val_samples", "checkpoint_name",
                          "print_every", "verbose")
#: The Solver keywords every course accepts (CS182 HW0's full list, ``docs/courses.md`` §2.6).
BASE_SOLVER_KEYWORDS = ("update_rule", "optim_config", "lr_decay", "batch_size", "num_epochs",
                        "print_every", "verbose")


# -- adapter operations (plain data, applied by the worker; see grader.layout) ---------------
def rename_kwarg(name: str, to: str, *, one_minus: bool = False) -> dict:
    """Keyword ``name`` is called ``to`` in the course (``one_minus``: and means 1 - value)."""
    op = {"op": "kwarg", "name": name, "to": to}
    if one_minus:
        op["transform"] = "one_minus"
    return op


def translate_kwarg(name: str, to: str, values: list[tuple[Any, Any]]) -> dict:
    """Keyword ``name=canonical`` becomes ``to=course`` by the table ``values`` [(canonical, course)];
    a value missing from the table cannot be expressed in the course's API (the call fails)."""
    return {"op": "kwarg", "name": name, "to": to, "values": [list(v) for v in values]}


def dict_argument(arg: int, kwarg: str, *, keys: Mapping[str, str] | None = None,
                  one_minus: tuple[str, ...] = (), result: int | None = None) -> dict:
    """The dict passed at position ``arg`` (or as ``kwarg``) has course names for some keys
    (``keys``: canonical -> course) and/or values that mean 1 - value (``one_minus``). The callee
    gets a translated copy; afterwards the caller's dict mirrors what the callee did to it, and
    the dict at position ``result`` of the return value is translated back."""
    op: dict = {"op": "dict", "arg": arg, "kwarg": kwarg}
    if keys:
        op["keys"] = dict(keys)
    if one_minus:
        op["one_minus"] = list(one_minus)
    if result is not None:
        op["result"] = result
    return op


@dataclass(frozen=True)
class Variant:
    """One year variant of a course.

    name:            e.g. ``"2016-2017"``; rubrics restrict sections and checks to variant names.
    description:     one line for the report and ``grade profiles``.
    adapters:        canonical target (``"layers.dropout_forward"``) -> adapter operations.
    solver_keywords: the keywords its ``Solver`` accepts (others raise ``ValueError`` there).
    solver_extra:    keywords always passed to its ``Solver`` (fa26: ``record_grad_norm=True``).
    conventions:     facts checks ask for with ``ctx.selection.convention(key)``
                     (``"log_acc_iteration_base": 1``, ``"neural_net_reg": "either"``).
    """

    name: str
    description: str
    adapters: Mapping[str, tuple[dict, ...]] = field(default_factory=dict)
    solver_keywords: tuple[str, ...] = CS231N_SOLVER_KEYWORDS
    solver_extra: Mapping[str, Any] = field(default_factory=dict)
    conventions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Course:
    """A course: its student package and its year variants.

    package:         the package students fill in (``"cs231n"``, ``"deeplearning"``, ``"nndl"``).
    variants:        oldest first; ``default_variant`` is used when nothing dates a submission.
    """

    name: str
    title: str
    package: str
    variants: tuple[Variant, ...]
    default_variant: str

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)


@dataclass(frozen=True)
class Helper:
    """A course helper file the student does not own; the grader supplies its own copy when the
    submission's is missing, is not Python 3 (does not compile) or imports the PyPI package
    ``future``/``past``.

    path:       relative to the assignment root, with ``{package}``/``{helpers}`` placeholders
                (``"{package}/solver.py"``).
    source:     the grader's copy: a file in ``grader/profiles/helpers/``, or in the course
                content's ``course_helpers/`` for a helper that holds a course exercise (the
                Solver; ``supply.helper_source``).
    substitute: text replacements applied to the copy (the Solver's optim module).
    variants:   only for these year variants (empty: all).
    always:     supply it when missing even if no file imports it (the Solver: the training
                checks need it); other missing helpers are supplied only when a file imports them.
    """

    path: str
    source: str
    substitute: Mapping[str, str] = field(default_factory=dict)
    variants: tuple[str, ...] = ()
    always: bool = False


@dataclass(frozen=True)
class Profile:
    """One assignment of one course.

    module_map:    canonical module -> module path under the assignment root with placeholders,
                   e.g. ``{"classifiers.neural_net": "{package}.neural_net", "solver":
                   "{helpers}.solver"}``; any other canonical module ``m`` is ``{package}.m``.
    student_files: files (relative, placeholders allowed) that are the student's work: never
                   replaced, even when broken.
    rubrics:       the default rubric(s); a submission holding more than one assignment's work
                   gets the other profile's rubrics added by detection.
    conventions:   profile-specific facts, merged over the variant's (``"solver_model"``).
    """

    name: str
    course: Course
    title: str
    rubrics: tuple[str, ...]
    module_map: Mapping[str, str] = field(default_factory=dict)
    helpers: tuple[Helper, ...] = ()
    student_files: tuple[str, ...] = ()
    conventions: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Selection:
    """A profile applied to one submission (what ``ctx.selection`` is for a check).

    root:      the assignment root in the scratch copy (the folder holding the course package);
               the worker imports from here and artefact checks read files under it.
    layout:    the worker's Layout (sys_path, module names, adapters).
    rubrics:   the rubric names to grade with, in order.
    reasons:   why this profile, this variant and this root (one line each, for the report).
    supplied:  helper files the grader put into the scratch copy, with the reason.
    problems:  precise remarks on student files (``nndl/neural_net.py:115: TabError ...``).
    """

    profile: Profile
    variant: Variant
    root: Path
    layout: Layout
    rubrics: tuple[str, ...]
    reasons: list[str] = field(default_factory=list)
    supplied: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def label(self) -> str:
        """``"cs231n_a2:2016-2017"``: the profile and the year variant (``--profile`` syntax)."""
        if len(self.profile.course.variants) == 1:
            return self.profile.name
        return f"{self.profile.name}:{self.variant.name}"

    def convention(self, key: str, default: Any = None) -> Any:
        """A convention of this profile/variant (the profile's own override the variant's)."""
        merged = {**self.variant.conventions, **self.profile.conventions}
        return merged.get(key, default)

    def solver_kwargs(self, kwargs: Mapping[str, Any]) -> dict:
        """``kwargs`` restricted to the keywords this year's Solver accepts, plus the ones it needs.

        Dropping is right for keywords that only switch on optional bookkeeping (CS182's
        ``log_acc_iteration`` for a CS231n Solver, CS231n's ``num_train_samples`` for a CS182 one);
        a check whose subject is such a keyword is not in the rubrics of courses without it.
        """
        accepted = set(self.variant.solver_keywords)
        out = {k: v for k, v in kwargs.items() if k in accepted}
        out.update(self.variant.solver_extra)
        return out
