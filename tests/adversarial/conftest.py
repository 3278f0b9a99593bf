"""The test rubric of the adversarial suite, built once per test process (see harness.py)."""
import pytest

from tests.adversarial.harness import build_rubric


@pytest.fixture(scope="session")
def adv(tmp_path_factory):
    return build_rubric(tmp_path_factory.mktemp("adversarial-rubric"))
