"""Graded submissions shared by the HTML report, dashboard and similarity tests."""
import pytest


@pytest.fixture(scope="session")
def classroom(tmp_path_factory):
    """A folder where ``tests.grader.report.classroom`` builds and grades its submissions."""
    return tmp_path_factory.mktemp("classroom")
