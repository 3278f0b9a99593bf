"""Fuzzed rubric YAML into the rubric loader (grader/rubric.py): any text, any YAML document
(with the composition keys ``extends``, ``include``, ``use``, ``overrides``), and the canonical
rubric with one node replaced by a random value.

Property: ``parse_rubric`` returns a ``Rubric`` or raises ``RubricError`` whose message names the
file of the problem (the fuzzed text, or a packaged file it includes or extends); never another
exception.
"""
import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.checks.base import REGISTRY
from grader.rubric import Rubric, RubricError, load_rubric, parse_rubric, resolve_rubric

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CANONICAL = yaml.safe_load(resolve_rubric("canonical").read_text())
PACKAGED = resolve_rubric("canonical").parent

scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats()
           | st.text(max_size=12) | st.sampled_from(["linear_ramp", "hidden", "visible",
                                                     "all_or_nothing", "fraction", "threshold",
                                                     "relu_forward.values", "-1", "1e-7",
                                                     "canonical", "sections/layers.yaml", "relu",
                                                     "affine_relu", "fuzz.yaml"]))
documents = st.recursive(scalars, lambda kids: st.lists(kids, max_size=5) | st.dictionaries(
    st.sampled_from(["name", "title", "sections", "checks", "id", "points", "tolerance",
                     "visibility", "timeout", "partial_credit", "rule", "low", "high", "params",
                     "defaults", "profile", "datasets", "extends", "include", "use",
                     "overrides", "drop", "variants"]) | st.text(max_size=6), kids, max_size=6),
    max_leaves=40)


def assert_clean(text: str) -> None:
    try:
        rubric = parse_rubric(text, source="fuzz.yaml", known_checks=REGISTRY.keys())
    except RubricError as e:
        source = str(e).split(":")[0]
        assert source == "fuzz.yaml" or (PACKAGED / source).is_file(), str(e)
        return
    assert isinstance(rubric, Rubric)


@FUZZ
@given(st.text(max_size=300))
def test_any_text(text):
    assert_clean(text)


@FUZZ
@given(documents)
def test_any_yaml_document(document):
    assert_clean(yaml.safe_dump(document, allow_unicode=True))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(CANONICAL) if p]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), documents | scalars, st.booleans())
def test_the_canonical_rubric_with_one_node_replaced(path, value, delete):
    document = copy.deepcopy(CANONICAL)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    assert_clean(yaml.safe_dump(document, allow_unicode=True))


def test_deeply_nested_yaml_is_an_error_not_a_crash():
    assert_clean("sections: " + "[" * 1000 + "]" * 1000 + "\n")


def test_the_canonical_rubric_itself_is_clean():
    assert isinstance(load_rubric("canonical"), Rubric)
