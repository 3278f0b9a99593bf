"""Detection: which course, assignment and year variant a submission is, and where its root is.

Every tree is built from the reference in the course's layout (``trees``); detection only reads
files, so these tests run no worker. The expected answers come from ``docs/courses.md`` §A1-§A3: the
folder names, the notebooks beside the package, the modules present and the student's own API
(``FullyConnectedNet.__init__``'s keywords, the dropout docstring, ``assignment_utils.py``).
"""
from __future__ import annotations

import shutil

import pytest

from grader.profiles import PROFILES, ProfileError, detect, parse_forced, scan, select
from tests.grader.profiles import trees
from tests.support import REFERENCE, TEMPLATE

CASES = [
    ("cs231n", "a1", "2016-2017", "cs231n_a1"),
    ("cs231n", "a1", "2018-2020", "cs231n_a1"),
    ("cs231n", "a1", "2021-2024", "cs231n_a1"),
    ("cs231n", "a1", "2025-2026", "cs231n_a1"),
    ("cs231n", "a2", "2016-2017", "cs231n_a2"),
    ("cs231n", "a2", "2018-2020", "cs231n_a2"),
    ("cs231n", "a2", "2021-2024", "cs231n_a2"),
    ("cs182", "hw0", "fa23-fa25", "cs182_hw0"),
    ("cs182", "hw02", "fa23-fa25", "cs182_hw02"),
    ("cs182", "hw02", "fa26", "cs182_hw02"),
    ("ucla", "hw3", "2020-2021", "ucla_hw3"),
    ("ucla", "hw4", "2020-2021", "ucla_hw4"),
    ("ucla", "hw4", "2022-2026", "ucla_hw4"),
]


def _detect(root, **kwargs):
    return detect(root, PROFILES, **kwargs)


@pytest.mark.parametrize("course,assignment,variant,profile", CASES)
def test_each_course_tree_is_recognised_with_its_year(tmp_path, course, assignment, variant, profile):
    tree = trees.build(tmp_path / "repo", course, assignment, variant)
    found = _detect(tmp_path / "repo", name="repo")
    assert (found.profile.name, found.variant.name) == (profile, variant)
    assert found.root == tree
    assert found.reasons, "the report must say why"
    # the 2016-2020 a1 is dated only as far as its checks differ: 2016-2017 by its Python 2 helper
    if course == "cs231n" and assignment == "a2":
        assert any("FullyConnectedNet.__init__" in r for r in found.reasons)


def test_the_assignment_root_is_found_deep_inside_a_repo(tmp_path):
    repo = tmp_path / "my-cs231n-solutions"
    tree = trees.cs231n(repo / "2019" / "spring", "a2", "2018-2020")
    (repo / "README.md").write_text("my solutions\n")
    found = _detect(repo, name=repo.name)
    assert found.root == tree and found.profile.name == "cs231n_a2"
    assert found.reasons[0].startswith("2019/spring/assignment2/ holds the cs231n/ package")


def test_a_repo_with_two_assignments_grades_the_first_and_names_the_other(tmp_path):
    trees.cs231n(tmp_path, "a1", "2021-2024")
    trees.cs231n(tmp_path, "a2", "2021-2024")
    found = _detect(tmp_path, name="repo")
    assert found.profile.name == "cs231n_a1"
    assert any("also found assignment2/" in r for r in found.reasons)
    forced = _detect(tmp_path, name="repo", forced="cs231n_a2")
    assert forced.profile.name == "cs231n_a2" and forced.root.name == "assignment1"
    # --profile chooses the profile; the variant is still read from the files
    assert forced.variant.name == "2021-2024"


def test_notebooks_name_the_assignment_when_the_folder_does_not(tmp_path):
    a2 = trees.cs231n(tmp_path, "a2", "2021-2024", name="work", notebooks=True)
    assert _detect(tmp_path).profile.name == "cs231n_a2"
    assert any("assignment 2 notebooks" in r for r in _detect(tmp_path).reasons)
    shutil.rmtree(a2)
    trees.ucla(tmp_path, "hw4", "2020-2021", name="code")
    found = _detect(tmp_path)
    assert found.profile.name == "ucla_hw4" and found.helper_package == "cs231n"


def test_cs182_hw02_is_recognised_by_its_submission_logs(tmp_path):
    trees.cs182(tmp_path, "hw02", "fa23-fa25", name="code")
    found = _detect(tmp_path, name="cs182-fa25")
    assert found.profile.name == "cs182_hw02"
    assert "submission_logs/ is beside it" in found.reasons


def test_a_bare_course_package_is_recognised_by_name_or_imports(tmp_path):
    tree = trees.cs231n(tmp_path, "a2", "2018-2020")
    bare = tree / "cs231n"
    found = _detect(bare, name="cs231n")
    assert found.profile.name == "cs231n_a2" and found.root is None and found.package_dir == bare
    renamed = bare.rename(tmp_path / "homework")       # the name is gone, the imports remain
    found = _detect(renamed, name="homework")
    assert found.profile.course.name == "cs231n"


def test_the_canonical_layout_stays_canonical(tmp_path):
    for source in (REFERENCE, TEMPLATE):
        found = _detect(source, name=source.name)
        assert found.profile.name == "canonical" and found.rubrics == ("canonical",)


def test_a_package_with_both_assignments_gets_both_rubrics(tmp_path):
    tree = trees.cs231n(tmp_path, "a1", "2018-2020")
    a2 = trees.cs231n(tmp_path / "other", "a2", "2018-2020")
    for rel in ("layers.py", "layer_utils.py", "optim.py", "classifiers/fc_net.py"):
        shutil.copy(a2 / "cs231n" / rel, tree / "cs231n" / rel)
    found = _detect(tmp_path, name="repo")
    assert found.rubrics == ("cs231n_a1", "cs231n_a2_fc") and found.variant.name == "2018-2020"


def test_the_2021_a1_layers_file_with_batchnorm_stubs_is_not_assignment_2(tmp_path):
    trees.cs231n(tmp_path, "a1", "2021-2024")     # its layers.py holds batchnorm too
    found = _detect(tmp_path, name="repo")
    assert found.rubrics == ("cs231n_a1",)


def test_ucla_dropout_convention_is_read_from_the_docstring(tmp_path):
    tree = trees.ucla(tmp_path, "hw4", "2020-2021")
    assert _detect(tmp_path).variant.name == "2020-2021"
    layers = tree / "nndl" / "layers.py"
    layers.write_text(trees.dropout_drop(layers.read_text()))
    assert _detect(tmp_path).variant.name == "2022-2026"


def test_forced_profiles_and_variants_are_validated():
    assert parse_forced("cs231n_a2:2016-2017", PROFILES)[1] == "2016-2017"
    with pytest.raises(ProfileError, match="no profile named 'cs999'"):
        parse_forced("cs999", PROFILES)
    with pytest.raises(ProfileError, match="has no variant '1999'.*2016-2017"):
        parse_forced("cs231n_a1:1999", PROFILES)


def test_a_forced_variant_wins_over_the_files(tmp_path):
    trees.cs231n(tmp_path, "a2", "2021-2024")
    found = _detect(tmp_path, forced="cs231n_a2:2018-2020")
    assert found.variant.name == "2018-2020"
    assert "year variant 2018-2020 as --profile asks" in found.reasons


def test_select_builds_the_layout_with_the_variant_adapters(tmp_path):
    tree = trees.ucla(tmp_path / "submission", "hw3", "2020-2021")
    selection = select(tmp_path / "submission", tmp_path, name="hw3")
    layout = selection.layout
    assert layout.sys_path == [str(tree.resolve())]
    assert layout.import_name("layers") == "nndl.layers"
    assert layout.import_name("classifiers.neural_net") == "nndl.neural_net"
    assert layout.import_name("solver") == "utils.solver"
    assert layout.bare_packages == ["nndl", "utils"]
    assert layout.adapters["classifiers.fc_net.TwoLayerNet"][0]["to"] == "hidden_dims"
    assert selection.label == "ucla_hw3:2020-2021"
    assert selection.solver_kwargs({"log_acc_iteration": True, "num_epochs": 2}) == {"num_epochs": 2}


def test_a_bare_package_gets_an_assignment_root_of_its_own(tmp_path):
    tree = trees.cs231n(tmp_path / "given", "a2", "2021-2024")
    submission = tmp_path / "scratch" / "submission"
    shutil.copytree(tree / "cs231n", submission)
    selection = select(submission, tmp_path / "scratch", name="cs231n")
    assert (selection.root / "cs231n" / "layers.py").is_file()
    assert submission.is_dir(), "the copy stays where the notebook grading looks for it"


# -- reading source without running it -------------------------------------------------------
def test_init_keywords_are_read_from_python_2_source_too():
    source = ("class FullyConnectedNet(object):\n  def __init__(self, hidden_dims, input_dim=3*32*32,\n"
              "               dropout=0, use_batchnorm=False, reg=0.0):\n    print 'x'\n")
    assert {"dropout", "use_batchnorm", "hidden_dims"} <= scan.init_keywords(source, "FullyConnectedNet")
    assert scan.init_keywords(source, "TwoLayerNet") is None


@pytest.mark.parametrize("code,expected", [
    ("def f():\n    print 'hello'\n", "f.py:2: Python 2 print statement"),
    ("try:\n    pass\nexcept ValueError, e:\n    pass\n", "f.py:3: Python 2 'except E, e:'"),
    ("def f():\n    if True:\n\tpass\n        return 1\n", "f.py:3: mixed tabs and spaces"),
    ("x = 0777\n", "f.py:1: Python 2 octal literal"),
    ("x = 1\n", None),
])
def test_compile_problems_are_named_precisely(tmp_path, code, expected):
    path = tmp_path / "f.py"
    path.write_text(code)
    problem = scan.compile_problem(path, "f.py")
    assert (problem is None) if expected is None else problem.startswith(expected)


def test_a_latin1_string_is_named_and_a_latin1_comment_is_harmless(tmp_path):
    path = tmp_path / "f.py"
    path.write_bytes("# r\xe9sum\xe9 of the layer\nx = 1\n".encode("latin-1"))
    assert scan.compile_problem(path, "f.py") is None       # Python 3 imports it
    path.write_bytes("x = 'r\xe9sum\xe9'\n".encode("latin-1"))
    assert "not UTF-8" in scan.compile_problem(path, "f.py")


def test_removed_numpy_names_are_found_outside_comments():
    source = "a = np.int(3)\nb = np.int64(3)  # np.float\nc = x.astype(np.float)\nd = np.float_\n"
    assert scan.removed_numpy_uses(source) == [(1, "int"), (3, "float"), (4, "float_")]


@pytest.mark.parametrize("name,profile", [("cs182hw2_submission", "cs182_hw02"), ("hw00", "cs182_hw0"),
                                          ("CS182-HW02", "cs182_hw02"), ("hw20", "cs182_hw0")])
def test_cs182_homework_names_in_zip_and_folder_names(tmp_path, name, profile):
    trees.cs182(tmp_path, "hw0", "fa23-fa25", name="code")   # nothing else names the homework
    assert _detect(tmp_path / "code", name=name).profile.name == profile
