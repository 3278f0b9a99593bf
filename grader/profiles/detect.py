"""Which course, assignment and year a submission is, and where its assignment root is.

Nothing is executed: detection reads file names, folder names and source text (``scan``).

1. **Assignment root.** The shallowest folder (at most ``MAX_DEPTH`` levels down) that holds a
   course package: ``nndl/`` (UCLA, beside ``cs231n/`` or ``utils/``), ``deeplearning/`` (CS182) or
   ``cs231n/`` (CS231n). Several at the same depth (a repo with ``assignment1/`` and
   ``assignment2/``): the one ``--profile`` asks for, else the first by name (the report names
   the others). None: the submission itself may BE a course package (its folder is named
   ``cs231n``, or its modules import ``cs231n.``/``deeplearning.``/``nndl.``); else the canonical
   layout (``reference/``, ``student_template/``).
2. **Assignment** from the folder names (``assignment1``, ``hw02``, ``HW4-code``), the notebooks
   beside the package, then the modules present (``neural_net.py``, ``layer_tests.py`` ...).
3. **Year variant** from the student's own API: ``FullyConnectedNet.__init__``'s keywords
   (``use_batchnorm`` / ``normalization`` / ``dropout_keep_ratio``), the dropout docstring
   (UCLA), ``assignment_utils.py`` (CS182 fa26).
4. **Evidence.** Each course module states what a folder must show to be each of its assignments
   (``Evidence``), also for the assignments no rubric covers (UCLA HW2 and HW5, CS231n assignment
   3, CS182 hw1 ...). A folder showing one of those, or none of a supported assignment, is
   unsupported: ``Detection.unsupported`` says what was found, and nothing is graded.
5. **Other assignments in the same package** (a CS231n package with the a1 classifiers AND the
   a2 batchnorm/dropout layers): their rubrics are added (``Detection.rubrics``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..notebook.extract import CODE_MODULE, read_cells
from ..notebook.read import NotebookError, read_notebook
from ..submission import SubmissionError
from . import cs182, cs231n, scan, ucla
from .base import Profile, Variant
from .evidence import Evidence, Found, matches, unsupported_message

MAX_DEPTH = 4
MAX_NOTEBOOKS = 20
SKIP_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", "__MACOSX", "datasets", "node_modules",
             ".venv", "venv", "env", "build", "saved", ".grader_compat"}
#: Course package folder -> course; a folder holding ``nndl/`` is UCLA even with a ``cs231n/``.
PACKAGES = (("nndl", "ucla"), ("deeplearning", "cs182"), ("cs231n", "cs231n"))

CS231N_A1_NOTEBOOKS = {"knn.ipynb", "svm.ipynb", "softmax.ipynb", "two_layer_net.ipynb", "features.ipynb"}
CS231N_A2_NOTEBOOKS = {"BatchNormalization.ipynb", "Dropout.ipynb", "ConvolutionalNetworks.ipynb",
                       "PyTorch.ipynb", "TensorFlow.ipynb"}
CS231N_A1_MODULES = ("classifiers/k_nearest_neighbor.py", "classifiers/linear_svm.py",
                     "classifiers/softmax.py", "classifiers/linear_classifier.py",
                     "classifiers/neural_net.py")
CS231N_A2_MODULES = ("fast_layers.py", "classifiers/cnn.py", "im2col.py", "layer_utils.py")
CS182_HW02_NOTEBOOKS = {"hw2_optimizer_init.ipynb", "q_optimizer_init.ipynb"}
UCLA_HW4_NOTEBOOKS = {"Optimization.ipynb", "Batch-Normalization.ipynb", "Dropout.ipynb",
                      "Dropout_Colab.ipynb", "Optimization_Colab.ipynb", "Batch-Normalization_Colab.ipynb"}
UCLA_HW3_NOTEBOOKS = {"two_layer_nn.ipynb", "FC_nets.ipynb", "two_layer_nn_Colab.ipynb", "FC_nets_Colab.ipynb"}


class ProfileError(Exception):
    """An unknown profile or variant name (a usage error)."""


@dataclass
class Detection:
    """What detection found (before anything is copied or supplied).

    root:           the assignment root (holds the course package), or None when the submission
                    itself is the package (``package_dir``) and a root must be made around it.
    package_dir:    the course package folder (``root/cs231n``), or the bare package.
    helper_package: UCLA: ``cs231n`` or ``utils`` (present or to be created).
    rubrics:        the profile's rubrics plus those of other assignments found in the package.
    also:           those other assignments' profiles (their helper files are supplied too).
    unsupported:    why nothing is graded: no rubric covers what the folder holds (then
                    ``profile`` and ``variant`` are None).
    notebook_only:  no package, but these notebooks define the functions of a ``course``
                    assignment: ``select`` builds the package from them and detects again.
    """

    profile: Profile | None
    variant: Variant | None
    root: Path | None
    package_dir: Path | None
    helper_package: str | None = None
    rubrics: tuple[str, ...] = ()
    reasons: list[str] = field(default_factory=list)
    also: tuple[str, ...] = ()
    unsupported: str | None = None
    notebook_only: tuple[Path, ...] = ()
    course: str | None = None


class UnsupportedAssignment(SubmissionError):
    """The submission is a course assignment no rubric covers: nothing is graded (the message
    says what was found). A ``SubmissionError``, so a caller that handles those stays safe."""


class _Unsupported(Exception):
    """Raised by a course classifier: no rubric covers what the folder holds (the message)."""


#: Per course: the evidence of its supported assignments and of those no rubric covers.
EVIDENCE = {"cs231n": cs231n.EVIDENCE, "cs182": cs182.EVIDENCE, "ucla": ucla.EVIDENCE}
UNSUPPORTED = {"cs231n": cs231n.UNSUPPORTED, "cs182": cs182.UNSUPPORTED, "ucla": ucla.UNSUPPORTED}
TITLES = {"cs231n": "CS231n", "cs182": "CS182", "ucla": "UCLA"}


def parse_forced(name: str | None, profiles: dict[str, Profile]) -> tuple[Profile | None, str | None]:
    """``--profile NAME[:VARIANT]`` -> (profile, variant name) or ProfileError."""
    if not name:
        return None, None
    base, _, variant = name.partition(":")
    if base not in profiles:
        raise ProfileError(f"no profile named {base!r} (available: {', '.join(sorted(profiles))})")
    profile = profiles[base]
    if variant:
        names = [v.name for v in profile.course.variants]
        if variant not in names:
            raise ProfileError(f"profile {base!r} has no variant {variant!r} (available: "
                               f"{', '.join(names)})")
    return profile, variant or None


def detect(submission: Path, profiles: dict[str, Profile], *, forced: str | None = None,
           name: str | None = None) -> Detection:
    """Detect the profile of the submission copied at ``submission``.

    ``name`` is the submission's original folder name (the scratch copy lost it), ``forced`` the
    ``--profile`` option. Raises ProfileError only for a bad ``forced`` name.
    """
    forced_profile, forced_variant = parse_forced(forced, profiles)
    canonical = profiles["canonical"]
    if forced_profile is canonical:
        return _canonical(canonical, ["--profile canonical was given"])
    want_course = forced_profile.course.name if forced_profile else None
    candidates = _course_trees(submission, want_course)
    reasons: list[str] = []
    if forced_profile:
        reasons.append(f"--profile {forced} was given")
    if candidates:
        root, course = candidates[0]
        where = _rel(root, submission)
        reasons.append(f"{where} holds the {course_package(course)}/ package")
        if len(candidates) > 1:
            others = ", ".join(_rel(r, submission) for r, _ in candidates[1:])
            reasons.append(f"also found {others}: grade that folder (or use --profile) to grade it")
        names = _folder_names(root, submission, name)
        return _classify(course, root, root / course_package(course), names, profiles,
                         forced_profile, forced_variant, reasons)
    course = want_course or _bare_course(submission, name)
    if course is None and (notebooks := notebook_course(submission)):
        course, paths, why = notebooks
        if paths:
            return Detection(None, None, None, None, reasons=[why], notebook_only=tuple(paths),
                             course=course)
        try:        # course notebooks defining nothing graded: an unsupported assignment's?
            _unsupported(course, Found(submission / course_package(course), [name or ""],
                                       set(why.split(", "))))
        except _Unsupported as exc:
            return Detection(None, None, None, None, reasons=[], unsupported=str(exc))
    if course is None:
        return _canonical(canonical, ["no cs231n/, deeplearning/ or nndl/ package found: the "
                                      "canonical layout (one package holding layers.py, "
                                      "classifiers/ ...)"])
    reasons.append(f"the submission is itself the {course_package(course)} package"
                   + (f" (folder {name})" if name else ""))
    return _classify(course, None, submission, [name or ""], profiles, forced_profile,
                     forced_variant, reasons)


def notebook_course(submission: Path) -> tuple[str, list[Path], str] | None:
    """A submission without a package whose notebooks' cells import a course package (or are
    named as a course's notebooks): (course, notebooks, why) when the cells define graded
    functions, (course, [], notebook names joined by ", ") when they define none."""
    paths = [p for p in sorted(submission.rglob("*.ipynb"))[:MAX_NOTEBOOKS]
             if not any(part in SKIP_DIRS or part.startswith(".")
                        for part in p.relative_to(submission).parts[:-1])]
    notebooks, read = [], []
    for path in paths:
        try:
            notebooks.append(read_notebook(path, name=path.relative_to(submission).as_posix()))
            read.append(path)
        except NotebookError:
            continue
    if not notebooks:
        return None
    code = read_cells(notebooks)
    graded = code.graded
    counts = {course: code.packages.count(package) for package, course in PACKAGES}
    course = max(counts, key=counts.get) if max(counts.values()) > 0 else None
    names = {nb.name.rsplit("/", 1)[-1] for nb in notebooks}
    if course is None:
        course = next((c for c, evidence in EVIDENCE.items() for e in evidence
                       if names & set(e.notebooks)), None)
    if course is None:
        return None
    if not graded:
        return course, [], ", ".join(sorted(names))
    package = course_package(course)
    why = (f"no {package}/ package was handed in, but the notebooks ({', '.join(sorted(names))}) "
           f"define {len(graded)} of the graded functions ({', '.join(sorted(graded)[:6])}"
           f"{' ...' if len(graded) > 6 else ''})"
           + (f" and import {package}" if counts[course] else "")
           + f": the {package}/ package is built from their cells")
    return course, read, why


def course_package(course: str) -> str:
    return dict((c, p) for p, c in PACKAGES)[course]


# -- finding the tree -----------------------------------------------------------------------
def _is_package_dir(folder: Path) -> bool:
    if not folder.is_dir() or folder.is_symlink():
        return False
    try:
        return any(p.suffix == ".py" for p in folder.iterdir()) or (folder / "classifiers").is_dir()
    except OSError:
        return False


def _course_of(folder: Path) -> str | None:
    for package, course in PACKAGES:
        if _is_package_dir(folder / package):
            return course
    return None


def _course_trees(root: Path, want_course: str | None) -> list[tuple[Path, str]]:
    """(folder, course) of the shallowest folders holding a course package, sorted by name."""
    level = [root]
    for _ in range(MAX_DEPTH + 1):
        hits = [(f, c) for f in level if (c := _course_of(f)) and (want_course in (None, c))]
        if hits:
            return sorted(hits, key=lambda h: str(h[0]))
        nxt = []
        for folder in level:
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            nxt += [e for e in entries if e.is_dir() and not e.is_symlink()
                    and not e.name.startswith(".") and e.name not in SKIP_DIRS
                    and e.name not in dict(PACKAGES)]
        level = nxt
    return []


def _bare_course(folder: Path, name: str | None) -> str | None:
    """The course whose package ``folder`` itself is (its name, or its absolute imports)."""
    for package, course in PACKAGES:
        if name == package:
            return course
    counts = {course: 0 for _, course in PACKAGES}
    for path in sorted(folder.rglob("*.py"))[:200]:
        if any(part in SKIP_DIRS for part in path.relative_to(folder).parts):
            continue
        source = scan.read_source(path) or ""
        for _, top in scan.top_level_imports(source):
            for package, course in PACKAGES:
                if top == package:
                    counts[course] += 1
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else None


def _folder_names(root: Path, submission: Path, name: str | None) -> list[str]:
    """The assignment root's own name and its parents' up to the submission (original names)."""
    names = []
    cur = root
    while True:
        names.append((name or "") if cur == submission else cur.name)
        if cur == submission or cur.parent == cur:
            break
        cur = cur.parent
    return names


def _rel(path: Path, root: Path) -> str:
    rel = path.relative_to(root).as_posix()
    return "the submission folder" if rel == "." else rel + "/"


def _canonical(profile: Profile, reasons: list[str]) -> Detection:
    return Detection(profile, profile.course.variants[0], None, None, rubrics=profile.rubrics,
                     reasons=reasons)


# -- classifying ----------------------------------------------------------------------------
def _classify(course: str, root: Path | None, pkg: Path, names: list[str],
              profiles: dict[str, Profile], forced_profile: Profile | None,
              forced_variant: str | None, reasons: list[str]) -> Detection:
    nbs = _notebooks(root) if root is not None else set()
    classify = {"cs231n": _cs231n, "cs182": _cs182, "ucla": _ucla}[course]
    try:
        assignment, variant, helper_package, extra = classify(root, pkg, names, nbs, reasons,
                                                              forced_profile)
    except _Unsupported as exc:
        return Detection(None, None, root, pkg, reasons=reasons, unsupported=str(exc))
    profile = forced_profile or profiles[assignment]
    if forced_variant:
        variant = forced_variant
        reasons.append(f"year variant {variant} as --profile asks")
    rubrics = tuple(dict.fromkeys(profile.rubrics + tuple(r for p in extra
                                                         for r in profiles[p].rubrics)))
    return Detection(profile, profile.course.variant(variant), root, pkg, helper_package,
                     rubrics, reasons, also=tuple(p for p in extra if p != profile.name))


def _notebooks(root: Path) -> set[str]:
    try:
        return {p.name for p in root.iterdir() if p.suffix == ".ipynb" and p.is_file()}
    except OSError:
        return set()


def _has(pkg: Path, rel: str) -> bool:
    p = pkg / rel
    return p.is_file() and not p.is_symlink()


def _source(pkg: Path, rel: str) -> str:
    """The module's source; for a module extracted from notebook cells (a re-export of
    ``CODE_MODULE``), the extracted cells' code, which holds the definitions."""
    text = scan.read_source(pkg / rel) or ""
    if re.match(rf"from \.+{CODE_MODULE} import ", text):
        return scan.read_source(pkg / f"{CODE_MODULE}.py") or ""
    return text


def _found(root, pkg, names, nbs) -> Found:
    return Found.read(root, pkg, names, nbs)


def _unsupported(course: str, found: Found, *, use_folder: bool = True) -> None:
    """Raise ``_Unsupported`` when the folder shows an assignment no rubric covers."""
    for evidence in UNSUPPORTED[course]:
        hits = matches(evidence, found, use_folder=use_folder)
        if hits:
            raise _Unsupported(unsupported_message(evidence, hits, found))


def _require_evidence(course: str, found: Found) -> None:
    """Raise ``_Unsupported`` when the folder shows none of the course's supported assignments."""
    if any(matches(e, found) for e in EVIDENCE[course]):
        return
    titles = ", ".join(e.title for e in EVIDENCE[course])
    raise _Unsupported(f"the {course_package(course)}/ package holds none of the files of a "
                       f"supported {TITLES[course]} assignment ({titles}); nothing graded (the "
                       f"folder holds {found.describe()})")


def _evidence(course: str, profile: str) -> Evidence:
    return next(e for e in EVIDENCE[course] if e.profile == profile)


def _named(names: list[str], pattern: str) -> str | None:
    for n in names:
        if n and re.search(pattern, n, re.I):
            return n
    return None


def _cs231n(root, pkg, names, nbs, reasons, forced):
    a1_modules = [m for m in CS231N_A1_MODULES if _has(pkg, m)]
    a2_modules = [m for m in CS231N_A2_MODULES[:3] if _has(pkg, m)]
    found = _found(root, pkg, names, nbs)
    folder = _named(names, r"assignment\s*[-_]?\s*[12](?!\d)")
    if forced is None and folder is None:
        _unsupported("cs231n", found)       # assignment 3 by its name, notebooks or modules
        _require_evidence("cs231n", found)
    if forced is not None:
        assignment = forced.name
    elif folder:
        number = re.search(r"assignment\s*[-_]?\s*([12])", folder, re.I).group(1)
        assignment = f"cs231n_a{number}"
        reasons.append(f"the folder is named {folder}")
    elif nbs & CS231N_A2_NOTEBOOKS or (nbs and "FullyConnectedNets.ipynb" in nbs and not nbs & CS231N_A1_NOTEBOOKS):
        assignment = "cs231n_a2"
        reasons.append(f"assignment 2 notebooks beside it ({', '.join(sorted(nbs & (CS231N_A2_NOTEBOOKS | {'FullyConnectedNets.ipynb'})))})")
    elif nbs & CS231N_A1_NOTEBOOKS:
        assignment = "cs231n_a1"
        reasons.append(f"assignment 1 notebooks beside it ({', '.join(sorted(nbs & CS231N_A1_NOTEBOOKS))})")
    elif a1_modules:
        assignment = "cs231n_a1"
        reasons.append(f"it holds the assignment 1 classifiers ({', '.join(a1_modules[:3])})")
    elif a2_modules:
        assignment = "cs231n_a2"
        reasons.append(f"it holds assignment 2 modules ({', '.join(a2_modules)})")
    elif _has(pkg, "layers.py"):
        assignment = "cs231n_a2"
        reasons.append("it holds layers.py and none of the assignment 1 classifiers")
    else:
        assignment = "cs231n_a1"
        reasons.append("nothing names the assignment: assignment 1")

    keywords = scan.init_keywords(_source(pkg, "classifiers/fc_net.py"), "FullyConnectedNet")
    py2 = any((scan.compile_problem(p, p.name) or "").find("Python 2") >= 0
              for p in sorted(pkg.rglob("*.py"))[:60])
    if keywords and "use_batchnorm" in keywords:
        variant = "2016-2017"
        reasons.append("FullyConnectedNet.__init__ takes use_batchnorm and dropout: the 2016-2017 "
                       "API (dropout is the DROP probability)")
    elif keywords and "dropout_keep_ratio" in keywords:
        if assignment == "cs231n_a1" and not _has(pkg, "classifiers/linear_svm.py"):
            variant = "2025-2026"
            reasons.append("FullyConnectedNet is part of assignment 1 and there is no linear_svm.py: "
                           "the 2025-2026 assignment")
        else:
            variant = "2021-2024"
            reasons.append("FullyConnectedNet.__init__ takes dropout_keep_ratio: 2021 or later")
    elif keywords and "normalization" in keywords:
        variant = "2018-2020"
        reasons.append("FullyConnectedNet.__init__ takes dropout and normalization: the 2018-2020 "
                       "API (dropout is the keep probability)")
    elif _has(pkg, "classifiers/neural_net.py") and not _has(pkg, "layers.py"):
        variant = "2016-2017" if py2 else "2018-2020"
        reasons.append("the stand-alone classifiers/neural_net.py and no layers.py: the 2016-2020 "
                       "assignment 1" + (" (Python 2 code: 2016-2017)" if py2 else ""))
    elif _has(pkg, "layers.py") and _has(pkg, "classifiers/fc_net.py"):
        if assignment == "cs231n_a1" and not _has(pkg, "classifiers/linear_svm.py"):
            variant = "2025-2026"
            reasons.append("layers.py and fc_net.py in assignment 1 without linear_svm.py: 2025-2026")
        else:
            variant = "2021-2024"
            reasons.append("layers.py and fc_net.py in assignment 1: 2021-2024")
    else:
        variant = "2021-2024"
        reasons.append("nothing dates it: the 2021-2024 API")

    extra = []
    if assignment == "cs231n_a1":
        a1_has_layers = variant in ("2021-2024", "2025-2026")   # a1 ships a whole layers.py then
        if (nbs & CS231N_A2_NOTEBOOKS or a2_modules
                or (not a1_has_layers and _has(pkg, "layers.py")
                    and scan.defines(_source(pkg, "layers.py"), "batchnorm_forward"))):
            extra.append("cs231n_a2")
            reasons.append("the package also holds assignment 2 work (batchnorm/dropout layers "
                           "or assignment 2 modules): graded with both rubrics")
    elif a1_modules or nbs & CS231N_A1_NOTEBOOKS:
        extra.append("cs231n_a1")
        reasons.append(f"the package also holds assignment 1 work ({', '.join(a1_modules[:3]) or 'notebooks'}): "
                       "graded with both rubrics")
    return assignment, variant, None, extra


def _cs182(root, pkg, names, nbs, reasons, forced):
    keywords = scan.init_keywords(_source(pkg, "classifiers/fc_net.py"), "FullyConnectedNet") or set()
    found = _found(root, pkg, names, nbs)
    hw02 = matches(_evidence("cs182", "cs182_hw02"), found, use_folder=False)
    if forced is None and not hw02:
        # hw1 (sp19-sp22) and the RNN homework share the package name and the FC code; their
        # notebooks, logs and modules decide before the folder name (hw2 names both terms).
        _unsupported("cs182", found, use_folder=False)
    if forced is not None:
        assignment = forced.name
    elif folder := _named(names, r"(?<![a-z])hw0?2(?!\d)"):
        assignment = "cs182_hw02"
        reasons.append(f"the folder is named {folder}")
    elif folder := _named(names, r"(?<![a-z])hw0{1,2}(?!\d)"):
        assignment = "cs182_hw0"
        reasons.append(f"the folder is named {folder}")
    elif nbs & CS182_HW02_NOTEBOOKS:
        assignment = "cs182_hw02"
        reasons.append(f"the hw02 notebook is beside it ({', '.join(sorted(nbs & CS182_HW02_NOTEBOOKS))})")
    elif any(f.startswith(cs182.HW02_LOGS) for f in found.logs):
        assignment = "cs182_hw02"
        reasons.append("submission_logs/ is beside it")     # with files only hw02 writes
    elif "initialization" in keywords:
        assignment = "cs182_hw02"
        reasons.append("FullyConnectedNet.__init__ takes initialization (hw02)")
    else:
        _require_evidence("cs182", found)
        assignment = "cs182_hw0"
        reasons.append("no hw02 notebook, hw02 submission_logs/ files or initialization keyword: HW0")
    solver = _source(pkg, "solver.py")
    if ((root is not None and (root / "assignment_utils.py").is_file())
            or re.search(r"""pop\(\s*['"]record_grad_norm['"]""", solver)):
        variant = "fa26"
        reasons.append("assignment_utils.py / Solver(record_grad_norm=...) : the fa26 edition")
    else:
        variant = "fa23-fa25"
        reasons.append("no assignment_utils.py and no record_grad_norm: the fa23-fa25 editions")
    return assignment, variant, None, []


def _ucla(root, pkg, names, nbs, reasons, forced):
    optim = _source(pkg, "optim.py")
    found = _found(root, pkg, names, nbs)
    folder = _named(names, r"(?<![a-z])hw\s*[-_]?\s*([34])(?!\d)")
    if forced is None and folder is None:
        _unsupported("ucla", found)     # HW5 (its folders also hold HW4's files), HW2, HW1
        _require_evidence("ucla", found)
    if forced is not None:
        assignment = forced.name
    elif folder:
        assignment = "ucla_hw4" if re.search(r"hw\s*[-_]?\s*4", folder, re.I) else "ucla_hw3"
        reasons.append(f"the folder is named {folder}")
    elif _has(pkg, "layer_tests.py") or scan.defines(optim, "sgd_nesterov_momentum") or nbs & UCLA_HW4_NOTEBOOKS:
        assignment = "ucla_hw4"
        reasons.append("nndl/layer_tests.py, sgd_nesterov_momentum or the HW4 notebooks: HW4")
    elif _has(pkg, "neural_net.py") or nbs & UCLA_HW3_NOTEBOOKS:
        assignment = "ucla_hw3"
        reasons.append("nndl/neural_net.py or the HW3 notebooks: HW3")
    else:
        assignment = "ucla_hw3"
        reasons.append("nothing names the homework: HW3")
    if _has(pkg, "conv_layers.py") or _has(pkg, "knn.py"):
        reasons.append("note: it also holds HW2/HW5 modules (knn.py, conv_layers.py), which have no "
                       "rubric here")
    helper_package = None
    if root is not None:
        helper_package = next((h for h in ("cs231n", "utils") if (root / h).is_dir()), None)
    if helper_package:
        reasons.append(f"the helper package is {helper_package}/")
    else:
        helper_package = "utils" if assignment == "ucla_hw3" else "cs231n"
        reasons.append(f"no helper package: the grader supplies {helper_package}/")
    text = (scan.function_text(_source(pkg, "layers.py"), "dropout_forward") or "").lower()
    if re.search(r"drop(s|ping)? (each|a) (neuron|unit)|probability of dropping|drop probability", text):
        variant = "2022-2026"
        reasons.append("the dropout_forward docstring says p is the DROP probability (2022+)")
    else:
        variant = "2020-2021"
        reasons.append("dropout p is the KEEP probability (the 2020-2021 docstring"
                       + (")" if "keep" in text else "; no docstring says otherwise)"))
    return assignment, variant, helper_package, []
