"""requirements.txt of the bundle: every runtime dependency, transitively, pinned to what is installed."""
from importlib import metadata

from packaging.requirements import Requirement

from grader.gradescope.bundle import pinned_requirements


def test_dependencies_are_pinned_transitively_to_the_installed_versions():
    pins = pinned_requirements([Requirement("jsonschema>=4.17")])
    assert f"jsonschema=={metadata.version('jsonschema')}" in pins
    # jsonschema needs referencing, which needs rpds-py: both pinned too
    assert f"referencing=={metadata.version('referencing')}" in pins
    assert f"rpds-py=={metadata.version('rpds-py')}" in pins
    names = [p.split("==")[0] for p in pins]
    assert names == sorted(names)


def test_markers_are_evaluated_for_the_target_python():
    reqs = [Requirement("click>=8.1"), Requirement("tomli>=1.1; python_version < '3.11'"),
            Requirement("nbclient>=0.10; extra == 'notebooks'")]
    on_312 = pinned_requirements(reqs, python_version="3.12")
    assert not any(p.startswith(("tomli", "nbclient")) for p in on_312)
    on_310 = pinned_requirements(reqs, python_version="3.10")
    assert any(p.startswith("tomli") for p in on_310)      # pinned, or its own specifier if absent here
