"""Rubric loading and validation (grader/rubric.py, grader/schemas/rubric.schema.json)."""
import json
import textwrap
from importlib import resources

import jsonschema
import pytest

from grader import rubric as rubric_mod
from grader.rubric import Rubric, RubricError, list_rubrics, load_rubric, parse_rubric

VALID = """\
name: canonical
title: Canonical numpy deep-learning assignment
profile: canonical
defaults: {timeout: 20, visibility: visible, partial_credit: {rule: all_or_nothing}}
datasets: {default: digits}
sections:
  - name: layers
    title: Layers
    checks:
      - id: affine_forward.values
        points: 2
        tolerance: 1.0e-7
      - id: affine_backward.numeric_gradient
        points: 3
        visibility: hidden
        timeout: 10
        params: {seed: 231, shapes: [[2, 3], [4]]}
  - name: training
    checks:
      - id: two_layer_net.val_accuracy
        points: 4
        partial_credit: {rule: linear_ramp, low: 0.28, high: 0.5}
"""


def write(tmp_path, text, name="rubric.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_valid_rubric_loads_with_defaults_filled_in(tmp_path):
    rubric = load_rubric(write(tmp_path, VALID))
    assert isinstance(rubric, Rubric)
    assert (rubric.name, rubric.profile, rubric.datasets) == ("canonical", "canonical", {"default": "digits"})
    assert [s.name for s in rubric.sections] == ["layers", "training"]
    assert rubric.sections[1].title == "training"              # title defaults to the name
    fwd, bwd = rubric.sections[0].checks
    (acc,) = rubric.sections[1].checks
    assert (fwd.points, fwd.tolerance, fwd.visibility, fwd.timeout) == (2.0, 1e-7, "visible", 20.0)
    assert fwd.partial_credit == {"rule": "all_or_nothing"} and fwd.params == {}
    assert (bwd.visibility, bwd.timeout, bwd.tolerance) == ("hidden", 10.0, None)
    assert bwd.params == {"seed": 231, "shapes": [[2, 3], [4]]}
    assert type(bwd.params) is dict and type(bwd.params["shapes"]) is list
    assert acc.partial_credit == {"rule": "linear_ramp", "low": 0.28, "high": 0.5}
    assert rubric.max_points == 9.0
    assert [c.id for _, c in rubric.iter_checks()] == ["affine_forward.values",
                                                       "affine_backward.numeric_gradient",
                                                       "two_layer_net.val_accuracy"]
    assert rubric.path == tmp_path / "rubric.yaml"


def test_minimal_rubric_gets_builtin_defaults():
    rubric = parse_rubric("name: mini\nsections: [{name: s, checks: [{id: a.b, points: 1}]}]\n")
    (check,) = rubric.sections[0].checks
    assert (rubric.title, rubric.profile) == ("mini", "canonical")
    assert (check.visibility, check.timeout, check.partial_credit) == ("visible", 20.0,
                                                                       {"rule": "all_or_nothing"})


def test_a_zero_point_check_is_information_and_adds_nothing_to_the_maximum():
    rubric = parse_rubric("name: t\nsections: [{name: s, checks: [{id: a.b, points: 0}, {id: a.c, points: 2}]}]\n")
    assert [c.points for c in rubric.sections[0].checks] == [0.0, 2.0] and rubric.max_points == 2


def test_exponent_without_a_dot_is_a_number():
    """PyYAML (YAML 1.1) reads 1e-7 as a string; rubric authors mean the number."""
    rubric = parse_rubric("name: t\nsections: [{name: s, checks: [{id: a.b, points: 1, tolerance: 1e-7}]}]\n")
    assert rubric.sections[0].checks[0].tolerance == 1e-7


def replace_line(text, old, new):
    assert old in text
    return text.replace(old, new, 1)


# (change to VALID, expected "line: path: problem" fragment); lines are 1-based in VALID
INVALID = [
    (("        points: 3\n", "        points: -1\n"),
     ":14: sections[0].checks[1].points: -1 is less than the minimum of 0"),
    (("        points: 2\n", "        points: 2\n        pointz: 2\n"),
     ":12: sections[0].checks[0].pointz: unknown key 'pointz'"),
    (("      - id: affine_forward.values\n", "      - id: Affine-Forward\n"),
     ":10: sections[0].checks[0].id: 'Affine-Forward' does not match"),
    (("        visibility: hidden\n", "        visibility: secret\n"),
     ":15: sections[0].checks[1].visibility: 'secret' is not one of"),
    (("        timeout: 10\n", "        timeout: 0\n"),
     ":16: sections[0].checks[1].timeout: 0 is less than or equal to the minimum of 0"),
    (("        tolerance: 1.0e-7\n", "        tolerance: small\n"),
     ":12: sections[0].checks[0].tolerance: 'small' is not of type 'number'"),
    (("{rule: linear_ramp, low: 0.28, high: 0.5}", "{rule: linear_ramp, low: 0.28}"),
     ":22: sections[1].checks[0].partial_credit: 'high' is a required property"),
    (("{rule: linear_ramp, low: 0.28, high: 0.5}", "{rule: threshold, value: 0.5, low: 0.2}"),
     ":22: sections[1].checks[0].partial_credit.low: the threshold rule takes no 'low'"),
    (("{rule: linear_ramp, low: 0.28, high: 0.5}", "{rule: curve}"),
     ":22: sections[1].checks[0].partial_credit.rule: 'curve' is not one of"),
    (("datasets: {default: digits}", "datasets: {default: mnist}"),
     ":5: datasets.default: 'mnist' is not one of ['digits', 'cifar10']"),
    (("name: canonical\n", "name: Canonical Rubric\n"), ":1: name: 'Canonical Rubric' does not match"),
    (("        params: {seed: 231, shapes: [[2, 3], [4]]}\n", "        params: [1, 2]\n"),
     ":17: sections[0].checks[1].params: [1, 2] is not of type 'object'"),
    (("  - name: training\n    checks:\n", "  - name: training\n    checks: []\n    old_checks:\n"),
     ":19: sections[1].checks: [] should be non-empty"),
]


@pytest.mark.parametrize("change, expected", INVALID, ids=[e.split(": ")[1] + str(i) for i, (_, e) in enumerate(INVALID)])
def test_invalid_rubric_names_key_path_and_line(tmp_path, change, expected):
    path = write(tmp_path, replace_line(VALID, *change))
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert expected in str(info.value)
    assert str(info.value).startswith(str(path) + ":")


def test_every_schema_problem_is_listed_in_line_order(tmp_path):
    text = replace_line(replace_line(VALID, "        points: 3\n", "        points: -1\n"),
                        "        points: 4\n", "        points: zero\n")
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, text))
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert ":14: sections[0].checks[1].points" in lines[0]
    assert ":21: sections[1].checks[0].points: 'zero' is not of type 'number'" in lines[1]


def test_missing_required_key_points_at_the_mapping(tmp_path):
    text = replace_line(VALID, "      - id: affine_forward.values\n        points: 2\n",
                        "      - id: affine_forward.values\n")
    with pytest.raises(RubricError, match=r":10: sections\[0\]\.checks\[0\]: 'points' is a required property"):
        load_rubric(write(tmp_path, text))


def test_duplicate_check_ids_are_refused(tmp_path):
    text = replace_line(VALID, "      - id: two_layer_net.val_accuracy\n", "      - id: affine_forward.values\n")
    with pytest.raises(RubricError) as info:
        load_rubric(write(tmp_path, text))
    assert (":20: sections[1].checks[0].id: duplicate check id 'affine_forward.values' "
            "(first at sections[0].checks[0].id)") in str(info.value)


def test_duplicate_section_names_are_refused(tmp_path):
    text = replace_line(VALID, "  - name: training\n", "  - name: layers\n")
    with pytest.raises(RubricError, match=r":18: sections\[1\]\.name: duplicate section name 'layers'"):
        load_rubric(write(tmp_path, text))


@pytest.mark.parametrize("low, high", [(0.5, 0.5), (0.5, 0.28)])
def test_linear_ramp_needs_high_above_low(tmp_path, low, high):
    text = replace_line(VALID, "low: 0.28, high: 0.5", f"low: {low}, high: {high}")
    with pytest.raises(RubricError, match=r":22: sections\[1\]\.checks\[0\]\.partial_credit\.high: "
                                          r"linear_ramp needs high > low"):
        load_rubric(write(tmp_path, text))


def test_linear_ramp_in_defaults_is_checked_too(tmp_path):
    text = replace_line(VALID, "partial_credit: {rule: all_or_nothing}",
                        "partial_credit: {rule: linear_ramp, low: 1, high: 0}")
    with pytest.raises(RubricError, match=r":4: defaults\.partial_credit\.high"):
        load_rubric(write(tmp_path, text))


def test_duplicate_yaml_keys_are_refused(tmp_path):
    text = replace_line(VALID, "        timeout: 10\n", "        timeout: 10\n        timeout: 30\n")
    with pytest.raises(RubricError, match=r":17: duplicate key 'timeout' \(first on line 16\)"):
        load_rubric(write(tmp_path, text))


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = replace_line(VALID, "    title: Layers\n", "    title: [Layers\n")
    with pytest.raises(RubricError, match=r"rubric\.yaml:\d+: not valid YAML"):
        load_rubric(write(tmp_path, text))


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "name: x\n"])
def test_documents_that_are_not_rubrics(tmp_path, text):
    with pytest.raises(RubricError):
        load_rubric(write(tmp_path, text))


def test_known_checks_reject_unregistered_ids(tmp_path):
    path = write(tmp_path, VALID)
    known = {"affine_forward.values", "affine_backward.numeric_gradient"}
    with pytest.raises(RubricError, match=r":20: sections\[1\]\.checks\[0\]\.id: unknown check "
                                          r"'two_layer_net\.val_accuracy'"):
        load_rubric(path, known_checks=known)
    load_rubric(path, known_checks=known | {"two_layer_net.val_accuracy"})


def test_bare_name_resolves_to_the_rubrics_package(tmp_path, monkeypatch):
    write(tmp_path, VALID, "canonical.yaml")
    write(tmp_path, VALID.replace("name: canonical", "name: cs231n_a2"), "cs231n_a2.yaml")
    (tmp_path / "notes.txt").write_text("not a rubric")
    monkeypatch.setattr(rubric_mod, "_packaged_dir", lambda: tmp_path)
    assert list_rubrics() == ["canonical", "cs231n_a2"]
    rubric = load_rubric("cs231n_a2")
    assert rubric.name == "cs231n_a2" and rubric.path == tmp_path / "cs231n_a2.yaml"
    with pytest.raises(RubricError, match="no rubric named 'nope' .*available: canonical, cs231n_a2"):
        load_rubric("nope")


def test_errors_in_a_packaged_rubric_name_the_file(tmp_path, monkeypatch):
    write(tmp_path, replace_line(VALID, "        points: 3\n", "        points: -1\n"), "broken.yaml")
    monkeypatch.setattr(rubric_mod, "_packaged_dir", lambda: tmp_path)
    with pytest.raises(RubricError, match=r"^broken\.yaml:14: sections\[0\]\.checks\[1\]\.points"):
        load_rubric("broken")


def test_missing_file_is_a_rubric_error(tmp_path):
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "absent.yaml")


def test_the_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(resources.files("grader").joinpath("schemas/rubric.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", list_rubrics())
def test_every_packaged_rubric_is_valid(name):
    rubric = load_rubric(name)
    assert rubric.name == name, "a packaged rubric's name must match its file name"


def test_shared_section_files_are_not_rubrics():
    assert "layers" not in list_rubrics() and "sections" not in list_rubrics()
    assert all((rubric_mod._packaged_dir() / f"{name}.yaml").is_file() for name in list_rubrics())


# -- composition: include/use, extends, overrides ---------------------------------------------
SHARED = """\
sections:
  - name: relu
    title: ReLU
    checks:
      - {id: relu_forward.values, points: 1}
      - {id: relu_backward.exact_zeros, points: 2, visibility: hidden}
  - name: affine
    checks:
      - {id: affine_forward.values, points: 2, tolerance: 1.0e-8}
"""

COMPOSED = """\
name: course
title: A course
defaults: {timeout: 30}
include: [shared/layers.yaml]
sections:
  - use: relu
  - use: affine
    name: linear
    title: Linear layers
    variants: [2021-2024]
  - name: mixed
    checks:
      - {id: softmax_loss.values, points: 3}
      - {use: relu, variants: [2016-2017]}
"""


def composed(tmp_path, text=COMPOSED, shared=SHARED):
    (tmp_path / "shared").mkdir(exist_ok=True)
    (tmp_path / "shared" / "layers.yaml").write_text(shared)
    return write(tmp_path, text, "course.yaml")


def summary(rubric):
    return [(s.name, s.title, s.variants, [(c.id, c.points, c.visibility, c.timeout, c.tolerance,
                                             c.variants) for c in s.checks]) for s in rubric.sections]


def test_use_takes_a_shared_section_whole_or_its_checks_into_a_section(tmp_path):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "")
    rubric = load_rubric(composed(tmp_path, text))
    assert summary(rubric) == [
        ("relu", "ReLU", (), [("relu_forward.values", 1.0, "visible", 30.0, None, ()),
                              ("relu_backward.exact_zeros", 2.0, "hidden", 30.0, None, ())]),
        ("linear", "Linear layers", ("2021-2024",), [("affine_forward.values", 2.0, "visible", 30.0, 1e-8, ())]),
        ("mixed", "mixed", (), [("softmax_loss.values", 3.0, "visible", 30.0, None, ())]),
    ]
    assert rubric.path == tmp_path / "course.yaml"


def test_a_rubric_built_once_follows_edits_of_any_file_it_read(tmp_path):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "")
    path = composed(tmp_path, text)
    first = load_rubric(path)
    first.sections.clear()                       # each caller gets its own copy
    assert summary(load_rubric(path)) == summary(load_rubric(path)) != []
    (tmp_path / "shared" / "layers.yaml").write_text(SHARED.replace("points: 2, tolerance", "points: 5, tolerance"))
    linear = next(s for s in load_rubric(path).sections if s.name == "linear")
    assert linear.checks[0].points == 5.0         # an included file changed: built again
    path.write_text(text.replace("timeout: 30", "timeout: 7"))
    assert load_rubric(path).sections[0].checks[0].timeout == 7.0
    (tmp_path / "shared" / "layers.yaml").unlink()
    with pytest.raises(RubricError, match="no such file"):
        load_rubric(path)


def test_a_check_used_twice_is_a_duplicate_named_where_it_is_used(tmp_path):
    with pytest.raises(RubricError) as info:
        load_rubric(composed(tmp_path))
    first, second = str(info.value).splitlines()
    assert first == (f"{tmp_path / 'course.yaml'}:14: sections[2].checks[1].use: duplicate check id "
                     "'relu_forward.values' (first at sections[0].use)")
    assert "'relu_backward.exact_zeros'" in second


def test_use_items_give_variants_to_the_checks_that_have_none(tmp_path):
    text = COMPOSED.replace("  - use: relu\n", "")
    rubric = load_rubric(composed(tmp_path, text))
    mixed = {c.id: c.variants for c in rubric.sections[-1].checks}
    assert mixed == {"softmax_loss.values": (), "relu_forward.values": ("2016-2017",),
                     "relu_backward.exact_zeros": ("2016-2017",)}


OVERRIDES = """\
overrides:
  relu_forward.values: {points: 4, visibility: after_due_date, timeout: 5, tolerance: 0.01,
                        params: {seed: 3}, partial_credit: {rule: fraction}}
  relu_backward.exact_zeros: {drop: true}
  affine_forward.values: {drop: true}
"""


def test_overrides_change_or_drop_single_checks(tmp_path):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "") + OVERRIDES
    rubric = load_rubric(composed(tmp_path, text))
    assert [s.name for s in rubric.sections] == ["relu", "mixed"]   # "linear" lost its only check
    (fwd,) = rubric.sections[0].checks
    assert (fwd.points, fwd.visibility, fwd.timeout, fwd.tolerance, fwd.params, fwd.partial_credit) == (
        4.0, "after_due_date", 5.0, 0.01, {"seed": 3}, {"rule": "fraction"})


def test_an_override_for_a_check_the_rubric_lacks_is_refused(tmp_path):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "")
    text += "overrides:\n  relu_forward.value: {points: 2}\n"
    with pytest.raises(RubricError, match=r"course\.yaml:15: overrides\.relu_forward\.value: no check "
                                          r"'relu_forward\.value' in this rubric; did you mean "
                                          r"'relu_forward\.values'\?"):
        load_rubric(composed(tmp_path, text))


@pytest.mark.parametrize("override, expected", [
    ("{drop: true, points: 2}", "has too many properties"),
    ("{}", "should be non-empty"),
    ("{pointz: 2}", "unknown key 'pointz'"),
    ("{drop: false}", "True was expected"),
])
def test_malformed_overrides_name_the_line(tmp_path, override, expected):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "")
    text += f"overrides:\n  relu_forward.values: {override}\n"
    with pytest.raises(RubricError, match=r"course\.yaml:15: overrides\.relu_forward\.values"):
        load_rubric(composed(tmp_path, text))


def test_use_of_a_section_nobody_included_names_the_line(tmp_path):
    text = COMPOSED.replace("  - use: relu\n", "  - use: rleu\n")
    with pytest.raises(RubricError, match=r"course\.yaml:6: sections\[0\]\.use: no included section "
                                          r"named 'rleu' \(included: affine, relu\)"):
        load_rubric(composed(tmp_path, text))


def test_errors_in_a_section_file_name_that_file_and_line(tmp_path):
    shared = SHARED.replace("{id: relu_forward.values, points: 1}", "{id: relu_forward.values, points: -1}")
    path = composed(tmp_path, shared=shared)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert str(info.value).startswith(f"{tmp_path / 'shared' / 'layers.yaml'}:5: sections[0].checks[0].points")


def test_unknown_checks_from_a_section_file_point_into_it(tmp_path):
    text = COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", "")
    known = {"relu_forward.values", "affine_forward.values", "softmax_loss.values"}
    with pytest.raises(RubricError, match=r"layers\.yaml:6: sections\[0\]\.checks\[1\]\.id: unknown "
                                          r"check 'relu_backward\.exact_zeros'"):
        load_rubric(composed(tmp_path, text), known_checks=known)


def test_a_missing_include_names_the_line(tmp_path):
    text = COMPOSED.replace("shared/layers.yaml", "shared/absent.yaml")
    with pytest.raises(RubricError, match=r"course\.yaml:4: include\[0\]: no such file 'shared/absent\.yaml'"):
        load_rubric(composed(tmp_path, text))


def test_two_included_files_may_not_define_the_same_section(tmp_path):
    path = composed(tmp_path, COMPOSED.replace("[shared/layers.yaml]", "[shared/layers.yaml, shared/again.yaml]"))
    (tmp_path / "shared" / "again.yaml").write_text(SHARED)
    with pytest.raises(RubricError, match=r"include\[1\]: section 'relu' is also in"):
        load_rubric(path)


def test_extends_starts_from_the_parent_and_adds_on_top(tmp_path):
    composed(tmp_path, COMPOSED.replace("      - {use: relu, variants: [2016-2017]}\n", ""))
    child = write(tmp_path, """\
        name: child
        extends: course.yaml
        defaults: {visibility: hidden}
        sections:
          - name: extra
            checks:
              - {id: svm_loss.values, points: 1}
        overrides:
          softmax_loss.values: {points: 1}
          affine_forward.values: {drop: true}
        """, "child.yaml")
    rubric = load_rubric(child)
    assert (rubric.name, rubric.title, rubric.profile) == ("child", "child", "canonical")
    assert [s.name for s in rubric.sections] == ["relu", "mixed", "extra"]
    checks = {c.id: c for _, c in rubric.iter_checks()}
    assert checks["softmax_loss.values"].points == 1.0
    assert checks["relu_forward.values"].timeout == 30.0              # the parent's default
    assert checks["relu_forward.values"].visibility == "hidden"       # the child's default
    assert checks["relu_backward.exact_zeros"].visibility == "hidden"  # its own setting
    assert rubric.path == child


def test_extends_a_packaged_rubric_by_name(tmp_path):
    path = write(tmp_path, """\
        name: my_course
        extends: canonical
        overrides:
          affine_forward.values: {points: 5}
        """)
    rubric, canonical = load_rubric(path), load_rubric("canonical")
    assert rubric.max_points == canonical.max_points + 3
    assert [c.id for _, c in rubric.iter_checks()] == [c.id for _, c in canonical.iter_checks()]
    with pytest.raises(RubricError, match=r"rubric\.yaml:2: extends: no rubric named 'canonicl'"):
        load_rubric(write(tmp_path, "name: x\nextends: canonicl\n"))


def test_extends_cycles_are_refused(tmp_path):
    write(tmp_path, "name: a\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "name: b\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(RubricError, match=r"b\.yaml:2: extends: cycle: .*a\.yaml -> .*b\.yaml -> .*a\.yaml"):
        load_rubric(tmp_path / "a.yaml")


def test_include_cycles_are_refused(tmp_path):
    (tmp_path / "one.yaml").write_text("include: [two.yaml]\n" + SHARED)
    (tmp_path / "two.yaml").write_text("include: [one.yaml]\n" + SHARED.replace("relu", "rl").replace("affine", "af"))
    path = write(tmp_path, "name: r\ninclude: [one.yaml]\nsections: [{use: relu}]\n")
    with pytest.raises(RubricError, match=r"two\.yaml:1: include\[0\]: cycle"):
        load_rubric(path)


def test_a_section_file_is_not_a_rubric(tmp_path):
    path = composed(tmp_path)
    with pytest.raises(RubricError, match="'name' is a required property"):
        load_rubric(tmp_path / "shared" / "layers.yaml")
    with pytest.raises(RubricError, match=r"layers\.yaml:1: name: unknown key 'name'; allowed keys: include, sections"):
        (tmp_path / "shared" / "layers.yaml").write_text("name: x\n" + SHARED)
        load_rubric(path)
