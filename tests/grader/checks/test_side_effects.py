"""The ``*.input_unchanged`` checks (docs/courses.md §2.11): every one passes on the reference and
fails on the untouched template; each kind fails when the student writes into an argument, and
passes when the in-place work is done on a local array. The corpus's in-place bugs and
equivalents (tests/mutants/in_place.py) are graded end to end by tests/mutants/test_mutants.py."""
import pytest

from grader.checks import load_catalogue
from grader.checks.base import REGISTRY
from grader.checks.toolkit import argument_name, modified_problem
from tests.mutants.in_place import EQUIVALENTS
from tests.support import Patch

load_catalogue()
UNCHANGED = sorted(k for k in REGISTRY if k.endswith(".input_unchanged"))


def test_every_family_has_its_check():
    for function in ("affine_forward", "relu_forward", "softmax_loss", "svm_loss", "dropout_forward",
                     "batchnorm_forward", "layernorm_forward", "relu_backward", "batchnorm_backward",
                     "svm_loss_naive", "softmax_loss_vectorized", "compute_distances_no_loops",
                     "predict_labels", "two_layer_net", "fc_net", "neural_net"):
        assert f"{function}.input_unchanged" in UNCHANGED


@pytest.mark.parametrize("check_id", UNCHANGED)
def test_reference_passes_and_template_fails(reference_runner, template_runner, check_id):
    result = reference_runner.run(check_id)
    assert result.status == "passed", result.message
    assert template_runner.run(check_id).status == "failed"


def test_argument_names_follow_the_paths_the_worker_sends():
    assert argument_name("0", ("x",)) == "x"
    assert argument_name("1.0", ("dout", "cache")) == "cache[0]"
    assert argument_name("bn_param.running_mean", ("x",)) == "bn_param['running_mean']"
    assert modified_problem("f", []) is None
    assert modified_problem("f", ["x", "w"]) == "f modifies its input x and its input w in place"


def test_a_forward_writing_into_its_input_is_named(runner_for):
    runner = runner_for(Patch("layers.py", "    out = np.maximum(0, x)\n    cache = x\n",
                              "    x[x < 0] = 0\n    out = x\n    cache = x\n"))
    result = runner.run("relu_forward.input_unchanged")
    assert result.status == "failed" and "modifies its input x in place" in result.message
    assert "docs/courses.md §2.3" in result.message
    assert runner.run("relu_forward.values").status == "passed"   # the values are right


def test_a_starter_returning_none_has_nothing_to_judge(runner_for):
    runner = runner_for(Patch("layers.py", "    out = np.maximum(0, x)\n", "    out = None\n"))
    result = runner.run("relu_forward.input_unchanged")
    assert result.status == "failed" and "nothing to check yet" in result.message


def test_documented_state_may_change_and_the_backward_checks_are_information(runner_for):
    """bn_param's running averages updated in place are allowed; a backward writing into dout
    fails its own (information) check only."""
    in_place = {m.name: m for m in EQUIVALENTS}
    runner = runner_for(*in_place["batchnorm_running_averages_in_place"].patches,
                        *in_place["relu_backward_writes_into_dout"].patches)
    assert runner.run("batchnorm_forward.input_unchanged").status == "passed"
    result = runner.run("relu_backward.input_unchanged")
    assert result.status == "failed" and "modifies its input dout" in result.message
    assert "information" in result.message
    assert REGISTRY["relu_backward.input_unchanged"].doc.startswith("Extra:")   # extra in the rubrics


def test_the_cache_of_a_backward_is_watched(runner_for):
    runner = runner_for(Patch("layers.py", "    x, w, b = cache\n    dx = (dout @ w.T).reshape(x.shape)\n",
                              "    x, w, b = cache\n    w *= 1.5\n    dx = (dout @ w.T).reshape(x.shape) / 1.5\n"))
    result = runner.run("affine_backward.input_unchanged")
    assert result.status == "failed" and "its input cache[1]" in result.message


@pytest.mark.parametrize("check_id, patch", [
    ("softmax_loss_vectorized.input_unchanged",
     Patch("classifiers/softmax.py", "    scores = X.dot(W)  # (N, C)\n",
           "    X *= 1.5\n    scores = X.dot(W) / 1.5\n")),
    ("svm_loss_naive.input_unchanged",
     Patch("classifiers/linear_svm.py", "    dW = np.zeros(W.shape)", "    W += 0.5\n    W -= 0.5\n    dW = np.zeros(W.shape)")),
    ("compute_distances_one_loop.input_unchanged",
     Patch("classifiers/k_nearest_neighbor.py",
           "            dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))\n",
           "            X[i] -= 0.0 * X[i] + 1.0\n"
           "            dists[i, :] = np.sqrt(np.sum((self.X_train - X[i] - 1.0) ** 2, axis=1))\n")),
    ("predict_labels.input_unchanged",
     Patch("classifiers/k_nearest_neighbor.py",
           '        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]  # (N_te, k)\n',
           '        nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]  # (N_te, k)\n'
           '        dists.sort(axis=1)\n')),
    ("neural_net.input_unchanged",
     Patch("classifiers/neural_net.py", "        N = X.shape[0]\n", "        N = X.shape[0]\n        X *= 1.0 + 1e-9\n")),
])
def test_classifiers_and_models_writing_into_their_inputs_fail(runner_for, check_id, patch):
    result = runner_for(patch).run(check_id)
    assert result.status == "failed" and "in place" in result.message, result.message
