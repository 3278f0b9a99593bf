"""kNN checks: full marks on the reference, every realistic bug of the corpus caught, the
unmodified template failing cleanly with "not implemented" (docs/courses.md §2.7, §3.18, §4.2)."""
import numpy as np
import pytest

from grader.checks.base import REGISTRY
from grader.checks import k_nearest_neighbor as knn_checks
from tests.mutants.classifiers import EQUIVALENTS, KNN, MUTANTS
from grader.datasets import Datasets
from tests.support import TEMPLATE, CheckRunner, make_submission

DATASETS = Datasets()  # loaded once for every runner of this module
KNN_CHECKS = sorted(cid for cid, spec in REGISTRY.items() if spec.func.__module__ == knn_checks.__name__)
KNN_MUTANTS = [m for m in MUTANTS if all(p.file == KNN for p in m.patches)]


def test_the_catalogue_lists_the_knn_checks():
    assert set(KNN_CHECKS) == {
        "compute_distances_two_loops.values", "compute_distances_one_loop.values",
        "compute_distances_no_loops.values", "compute_distances_no_loops.duplicate_points",
        "predict_labels.majority_vote", "predict_labels.ties_to_smaller_label",
        "knn_predict.num_loops", "knn_predict.digits_accuracy",
        "compute_distances_two_loops.input_unchanged", "compute_distances_one_loop.input_unchanged",
        "compute_distances_no_loops.input_unchanged", "predict_labels.input_unchanged"}


@pytest.mark.parametrize("check_id", KNN_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


@pytest.fixture(scope="module")
def template_runner(tmp_path_factory):
    with CheckRunner(make_submission(tmp_path_factory.mktemp("tpl"), source=TEMPLATE),
                     datasets=DATASETS) as runner:
        yield runner


@pytest.mark.parametrize("check_id", KNN_CHECKS)
def test_template_fails_with_not_implemented(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


def test_digits_accuracy_is_measured_from_the_predictions(reference_runner):
    """docs/courses.md §4.2 'kNN k=1': the grader counts correct predictions itself (0.932 on the digits split)."""
    result = reference_runner.run("knn_predict.digits_accuracy")
    data = reference_runner.datasets.get("digits")
    assert result.measured == pytest.approx(233 / len(data["y_test"]))
    assert "233 / 250" in result.message


def test_vote_tie_fixture_puts_the_larger_label_nearest():
    """The tie rows are only informative if the nearest voter carries a larger tied label; for
    k = 4 one tie's nearest voter is neither the smallest nor the largest label, so "ties to the
    larger label" and "ties to the nearest voter" give different predictions (and can be named)."""
    from grader.fixtures import import_reference

    f = knn_checks.knn_labels_fixture(import_reference())
    for k in (2, 4):
        nearest = np.argsort(f[f"t_dists_k{k}"], axis=1)[:, :k]
        labels = f["t_y_train"][nearest]
        larger_nearest = middle_nearest = 0
        for row, pred in zip(labels, f[f"t_pred_k{k}"]):
            counts = np.bincount(row)
            tied = np.flatnonzero(counts == counts.max())
            assert pred == tied.min()  # the course rule, independently of the reference
            if len(tied) > 1:
                assert row[0] != tied.min()
                larger_nearest += row[0] == tied.max()
                middle_nearest += row[0] != tied.max()
        assert larger_nearest >= 2
        assert middle_nearest >= (1 if k == 4 else 0)


def test_squared_distances_pass_predict_but_not_the_value_check(runner_for):
    """Dropping the sqrt keeps the neighbour order: only comparing the distances sees it."""
    (mutant,) = [m for m in KNN_MUTANTS if m.name == "knn_two_loops_without_sqrt"]
    runner = runner_for(*mutant.patches)
    assert runner.run("knn_predict.num_loops").status == "passed"
    assert runner.run("compute_distances_two_loops.values").status == "failed"


def test_missing_clip_is_seen_only_on_duplicated_points(runner_for):
    """A missing clip before sqrt is invisible on random data, NaN on exact duplicates."""
    (mutant,) = [m for m in MUTANTS + EQUIVALENTS if m.name == "knn_no_loops_without_clip"]
    runner = runner_for(*mutant.patches)
    assert runner.run("compute_distances_no_loops.values").status == "passed"
    result = runner.run("compute_distances_no_loops.duplicate_points")
    assert result.status == "failed" and "NaN" in result.message and "np.maximum" in result.message


def test_larger_label_ties_pass_the_plain_majority_vote(runner_for):
    """Vote ties never occur in the majority-vote inputs: only the tie check sees the rule."""
    (mutant,) = [m for m in KNN_MUTANTS if m.name == "knn_ties_to_larger_label"]
    runner = runner_for(*mutant.patches)
    assert runner.run("predict_labels.majority_vote").status == "passed"
    result = runner.run("predict_labels.ties_to_smaller_label")
    assert result.status == "failed" and "SMALLEST" in result.message


