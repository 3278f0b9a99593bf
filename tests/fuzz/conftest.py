"""The small rubric the end-to-end fuzz cases are graded with (tests/adversarial/harness.py)."""
import pytest

from tests.adversarial.harness import build_rubric


@pytest.fixture(scope="session")
def fuzz_rubric(tmp_path_factory):
    return build_rubric(tmp_path_factory.mktemp("fuzz-rubric"))
