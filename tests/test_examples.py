"""The example submission of the Quick start: in sync with the reference, and graded as documented."""
import filecmp
import importlib.util
from pathlib import Path

from grader.engine import grade

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _builder():
    spec = importlib.util.spec_from_file_location("build_buggy_submission",
                                                  EXAMPLES / "build_buggy_submission.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _differences(left: Path, right: Path) -> list[str]:
    cmp = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"{left.name}/{n}" for n in cmp.diff_files + cmp.left_only + cmp.right_only]
    for sub in cmp.common_dirs:
        found += _differences(left / sub, right / sub)
    return found


def test_the_committed_example_is_a_fresh_build(tmp_path):
    fresh = _builder().build(tmp_path / "buggy_submission")
    assert _differences(fresh, EXAMPLES / "buggy_submission") == [], \
        "run `python examples/build_buggy_submission.py` after changing reference/"


def test_the_example_loses_points_exactly_on_its_four_bugs():
    report = grade(EXAMPLES / "buggy_submission")
    lost = {r.name for r in report.results if r.points < r.max_points}
    expected_to_catch = {"relu_backward.any_shape", "affine_backward.values", "adam.fresh_steps",
                         "two_layer_net.losses"}
    assert expected_to_catch & lost == expected_to_catch
    assert 0 < report.score < report.max_score
