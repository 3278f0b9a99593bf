import pytest

from tests.support import TEMPLATE, CheckRunner, make_submission


@pytest.fixture(scope="session")
def reference_runner(tmp_path_factory):
    """A worker on a copy of the reference: every check must pass here."""
    root = make_submission(tmp_path_factory.mktemp("ref"))
    with CheckRunner(root) as runner:
        yield runner


@pytest.fixture(scope="session")
def template_runner(tmp_path_factory):
    """A worker on a copy of the student template: every check must fail as "not implemented"."""
    root = make_submission(tmp_path_factory.mktemp("template"), source=TEMPLATE)
    with CheckRunner(root) as runner:
        yield runner


@pytest.fixture
def runner_for(tmp_path):
    """``runner_for(*patches)``: a worker on the reference with ``patches`` applied."""
    runners = []

    def build(*patches):
        runner = CheckRunner(make_submission(tmp_path / f"m{len(runners)}", patches))
        runners.append(runner)
        return runner

    yield build
    for runner in runners:
        runner.close()
