"""SVM / softmax loss and LinearClassifier checks: full marks on the reference, every realistic
bug of the corpus caught, the unmodified template failing cleanly (docs/courses.md §2.8, §3.19, §7.6,
§7.11, §7.12, §7.22)."""
import math

import numpy as np
import pytest

from grader.checks import linear_classifiers as linear_checks
from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from grader.fixtures import import_reference
from tests.mutants.classifiers import EQUIVALENTS, KNN, LINEAR, MUTANTS, SOFTMAX, SVM
from tests.starters.builder import stub_regions
from grader.datasets import Datasets
from tests.support import TEMPLATE, CheckRunner, make_submission

DATASETS = Datasets()  # loaded once for every runner of this module
load_catalogue()
LINEAR_CHECKS = sorted(cid for cid, spec in REGISTRY.items()   # with their hidden counterpart
                       if spec.func.__module__ in (linear_checks.__name__, "hidden_checks.linear_classifiers"))
LINEAR_MUTANTS = [m for m in MUTANTS if all(p.file != KNN for p in m.patches)]


def _mutant(name):
    """A patch of the corpus by name (the course-accepted ones are listed as equivalents: the
    extra checks, worth 0 points in every rubric, still catch them, as these tests show)."""
    (found,) = [m for m in MUTANTS + EQUIVALENTS if m.name == name]
    return found


def test_the_catalogue_lists_the_linear_checks():
    assert len(LINEAR_CHECKS) == 25
    for loss in ("svm_loss_naive", "svm_loss_vectorized", "softmax_loss_naive", "softmax_loss_vectorized"):
        assert {f"{loss}.values", f"{loss}.numeric_gradient", f"{loss}.input_unchanged"} <= set(LINEAR_CHECKS)


@pytest.mark.parametrize("check_id", LINEAR_CHECKS)
def test_reference_passes(reference_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message


@pytest.fixture(scope="module")
def template_runner(tmp_path_factory):
    with CheckRunner(make_submission(tmp_path_factory.mktemp("tpl"), source=TEMPLATE),
                     datasets=DATASETS) as runner:
        yield runner


@pytest.mark.parametrize("check_id", LINEAR_CHECKS)
def test_template_fails_with_not_implemented(template_runner, check_id):
    result = template_runner.run(check_id)
    assert result.status == "failed", result.message
    assert "not implemented" in result.message


# -- real-work gates: the course's starter agrees with itself and earns nothing ---------------
GATED = ("svm_loss_vectorized.numeric_gradient", "softmax_loss_naive.numeric_gradient",
         "softmax_loss_vectorized.numeric_gradient", "softmax_loss_vectorized.matches_naive",
         "svm_loss_vectorized.matches_naive", "linear_classifier_train.sgd_step",
         "linear_classifier_train.history_and_shape", "linear_classifier_train.batch_larger_than_n")


def _starter(root, *rels):
    """The course's starter text (``loss = 0.0; dW = zeros``, train's loop kept) for ``rels``."""
    for rel in rels:
        path = root / rel
        path.write_text(stub_regions(path.read_text(), rel))
    return root


@pytest.fixture(scope="module")
def starter_runner(tmp_path_factory):
    root = _starter(make_submission(tmp_path_factory.mktemp("starter")), SVM, SOFTMAX, LINEAR)
    with CheckRunner(root, datasets=DATASETS) as runner:
        yield runner


@pytest.mark.parametrize("check_id", GATED)
def test_a_starter_that_agrees_with_itself_earns_nothing(starter_runner, check_id):
    """Zero loss and zero dW agree with the numeric gradient, with each other and with the
    provided training loop; the gate says what the check is waiting for (docs/rubrics.md)."""
    result = starter_runner.run(check_id)
    assert result.status == "failed" and result.points == 0, result.message
    assert "this check earns its points once" in result.message, result.message


def test_a_loss_without_its_gradient_earns_no_training_points(tmp_path):
    """softmax_loss_vectorized with the loss written and dW still zeros: the update of train is
    the student's, but a zero step cannot show it; the message names the zero dW."""
    root = make_submission(tmp_path)
    path = root / SOFTMAX
    text = path.read_text()
    start = text.index("def softmax_loss_vectorized")
    body = text[start:]
    body = body.replace("    return loss, dW", "    dW = np.zeros_like(W)\n    return loss, dW", 1)
    path.write_text(text[:start] + body)
    with CheckRunner(root, datasets=DATASETS) as runner:
        step = runner.run("linear_classifier_train.sgd_step")
        assert step.status == "failed" and "returns dW = 0" in step.message, step.message
        assert runner.run("softmax_loss_vectorized.values").status == "failed"


# -- the expected values come from the course's math, not only from the reference ------------


def test_loss_fixture_uses_the_no_half_l2_convention():
    """docs/courses.md §2.8/§7.11: the reg-50 batch differs from the reg-0 batch by exactly 50 * sum(W*W)."""
    f = linear_checks.linear_losses_fixture(import_reference())
    W = f["f50_W"]
    for name in ("svm_loss_naive", "softmax_loss_vectorized"):
        assert f[f"f50_{name}_loss"] - f[f"f0_{name}_loss"] == pytest.approx(50 * np.sum(W * W))
        np.testing.assert_allclose(f[f"f50_{name}_dW"] - f[f"f0_{name}_dW"], 100 * W, rtol=1e-10)


def test_softmax_fixture_is_shift_invariant_and_near_log_c():
    """Softmax ignores a per-row shift: the +-1000 batch has the loss of the unshifted batch;
    tiny weights give about log(C) (docs/courses.md §3.19: 'close to -np.log(0.1)')."""
    ref = import_reference()
    f = linear_checks.softmax_scores_fixture(ref)
    W0 = f["big_W"].copy()
    W0[-1, :] = 0.0
    loss, dW = ref.classifiers.softmax.softmax_loss_vectorized(W0, f["big_X"], f["big_y"], 0.0)
    assert f["big_vectorized_loss"] == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(f["big_vectorized_dW"][:-1], dW[:-1], rtol=1e-9, atol=1e-12)
    for C in (10, 7):
        loss, _ = ref.classifiers.softmax.softmax_loss_naive(f[f"i{C}_W"], f[f"i{C}_X"], f[f"i{C}_y"], 0.0)
        assert abs(loss - math.log(C)) < 0.02
    # Extreme logits: every correct class has the lowest score, so its probability underflows.
    scores = f["ext_X"].dot(f["ext_W"])
    assert np.all(np.exp(scores[np.arange(6), f["ext_y"]] - scores.max(axis=1)) == 0.0)
    assert np.isfinite(f["ext_loss"]) and f["ext_loss"] > 100


# -- subtle bugs that the notebook's own input cannot see -------------------------------------


def test_no_max_shift_passes_the_notebook_batch_but_not_large_scores(runner_for):
    """docs/courses.md §7.6: without the max-shift the notebook-style batch is fine; scores near 1000 overflow."""
    runner = runner_for(*_mutant("softmax_vectorized_no_max_shift").patches)
    assert runner.run("softmax_loss_vectorized.values").status == "passed"
    result = runner.run("softmax_loss_vectorized.large_scores")
    assert result.status == "failed" and "maximum" in result.message


def test_consistent_half_reg_passes_the_numeric_gradient_but_not_the_values(runner_for):
    """docs/courses.md §7.11: 0.5*reg in both loss and gradient is self-consistent; only the values see it."""
    runner = runner_for(*_mutant("softmax_naive_reg_half_consistent").patches)
    assert runner.run("softmax_loss_naive.numeric_gradient").status == "passed"
    result = runner.run("softmax_loss_naive.values")
    assert result.status == "failed"
    assert "reg 50" in result.message and "NO factor 0.5" in result.message


def test_probability_log_passes_large_scores_but_not_extreme_logits(runner_for):
    """Shift-then-log(p) survives a common offset; logits spread over +-1000 give log(0)."""
    runner = runner_for(*_mutant("softmax_vectorized_probabilities_log").patches)
    assert runner.run("softmax_loss_vectorized.large_scores").status == "passed"
    assert runner.run("softmax_loss_vectorized.extreme_logits").status == "failed"


def test_sampling_without_replacement_fails_with_a_hint(runner_for):
    """docs/courses.md §7.22: batch 20 from 6 rows needs sampling with replacement."""
    runner = runner_for(*_mutant("linear_train_without_replacement").patches)
    result = runner.run("linear_classifier_train.batch_larger_than_n")
    assert result.status == "failed"
    assert "larger sample than population" in result.message and "replacement" in result.message
    assert runner.run("linear_classifier_train.aligned_batches").status == "passed"


def test_uphill_step_is_named_in_the_message(runner_for):
    runner = runner_for(*_mutant("linear_train_update_uphill").patches)
    result = runner.run("linear_classifier_train.sgd_step")
    assert result.status == "failed" and "uphill" in result.message


def test_training_accuracy_is_measured_from_the_weights(reference_runner):
    result = reference_runner.run("softmax_classifier.digits_accuracy")
    assert 0.75 < result.measured <= 1.0 and "measured by the grader" in result.message


