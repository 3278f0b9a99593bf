"""Expected durations of checks, used only to place the checks of one submission on the workers
of its pool (``grader.sandbox.pool.assign``): the longest first, each on the least loaded
worker. A wrong figure costs time, never a different result (the report does not depend on the
placement, see docs/architecture.md).

``MEASURED`` holds seconds per check id from one ``grade reference`` run of the canonical rubric
(rewrite it with ``python benchmarks/grade_speed.py --write-costs``); a check not in it gets the
default of its kind. Only the engine's own checks are listed: the instructor-side checks
(``hidden_checks/``, docs/deployment.md) get their kind's default, so that no id of a check a
rubric hides is written into the engine.
"""
from __future__ import annotations

#: Seconds by check kind, for checks that ``MEASURED`` does not list.
KIND_DEFAULTS = {"training": 0.3, "gradient": 0.05, "value": 0.02}
DEFAULT = 0.02

# BEGIN MEASURED (written by benchmarks/grade_speed.py --write-costs)
MEASURED: dict[str, float] = {
    'adam.defaults': 0.003,
    'adam.fresh_steps': 0.004,
    'adam.notebook': 0.001,
    'affine_backward.numeric_gradient': 0.01,
    'affine_backward.values': 0.002,
    'affine_batchnorm_relu_backward.numeric_gradient': 0.026,
    'affine_batchnorm_relu_backward.values': 0.003,
    'affine_batchnorm_relu_forward.values': 0.003,
    'affine_forward.values': 0.005,
    'affine_layernorm_relu_backward.numeric_gradient': 0.026,
    'affine_layernorm_relu_backward.values': 0.004,
    'affine_layernorm_relu_forward.values': 0.001,
    'affine_relu_backward.numeric_gradient': 0.018,
    'batchnorm_backward.numeric_gradient': 0.011,
    'batchnorm_backward.values': 0.003,
    'batchnorm_backward_alt.numeric_gradient': 0.011,
    'batchnorm_backward_alt.values': 0.002,
    'batchnorm_forward.per_feature_stats': 0.001,
    'batchnorm_forward.running_averages': 0.001,
    'batchnorm_forward.test_mode': 0.001,
    'batchnorm_forward.train_values': 0.003,
    'compute_distances_no_loops.duplicate_points': 0.001,
    'compute_distances_no_loops.values': 0.001,
    'compute_distances_one_loop.values': 0.002,
    'compute_distances_two_loops.values': 0.005,
    'dropout_backward.numeric_gradient': 0.011,
    'dropout_backward.uses_forward_mask': 0.002,
    'dropout_backward.values': 0.003,
    'dropout_forward.seeded_mask': 0.002,
    'dropout_forward.test_mode': 0.002,
    'dropout_forward.train_statistics': 0.039,
    'fc_net.batchnorm': 0.037,
    'fc_net.dropout': 0.032,
    'fc_net.dtype': 0.001,
    'fc_net.gradients': 0.031,
    'fc_net.initial_loss': 0.003,
    'fc_net.initialization': 0.012,
    'fc_net.layernorm': 0.03,
    'knn_predict.digits_accuracy': 0.024,
    'knn_predict.num_loops': 0.004,
    'layernorm_backward.numeric_gradient': 0.015,
    'layernorm_backward.values': 0.002,
    'layernorm_forward.values': 0.003,
    'linear_classifier_predict.argmax': 0.004,
    'linear_classifier_train.aligned_batches': 0.005,
    'linear_classifier_train.batch_larger_than_n': 0.001,
    'linear_classifier_train.history_and_shape': 0.002,
    'linear_classifier_train.sgd_step': 0.002,
    'linear_svm_classifier.digits_accuracy': 0.05,
    'neural_net.gradients': 0.012,
    'neural_net.loss': 0.003,
    'neural_net.predict': 0.001,
    'neural_net.scores': 0.003,
    'neural_net.train_schedule': 0.003,
    'neural_net.train_toy': 0.015,
    'optim.loss_decreases': 0.054,
    'predict_labels.majority_vote': 0.002,
    'predict_labels.ties_to_smaller_label': 0.002,
    'relu_backward.exact_zeros': 0.001,
    'relu_backward.numeric_gradient': 0.007,
    'relu_forward.values': 0.002,
    'rmsprop.defaults': 0.002,
    'rmsprop.fresh_steps': 0.003,
    'rmsprop.notebook': 0.001,
    'sgd_momentum.defaults': 0.002,
    'sgd_momentum.fresh_steps': 0.003,
    'sgd_momentum.notebook': 0.004,
    'softmax_classifier.digits_accuracy': 0.06,
    'softmax_loss.large_logits': 0.002,
    'softmax_loss.numeric_gradient': 0.011,
    'softmax_loss.values': 0.004,
    'softmax_loss_naive.initial_loss': 0.005,
    'softmax_loss_naive.large_scores': 0.002,
    'softmax_loss_naive.numeric_gradient': 0.106,
    'softmax_loss_naive.values': 0.005,
    'softmax_loss_vectorized.large_scores': 0.001,
    'softmax_loss_vectorized.matches_naive': 0.004,
    'softmax_loss_vectorized.numeric_gradient': 0.011,
    'softmax_loss_vectorized.values': 0.002,
    'solver.best_params_restored': 0.011,
    'solver.grad_norm_history': 0.008,
    'solver.history_lengths': 0.02,
    'solver.log_acc_iteration': 0.009,
    'solver.lr_decay': 0.007,
    'solver.record_histories_npz': 0.018,
    'solver.unknown_keyword': 0.004,
    'svm_loss.numeric_gradient': 0.011,
    'svm_loss.values': 0.003,
    'svm_loss_naive.numeric_gradient': 0.044,
    'svm_loss_naive.values': 0.006,
    'svm_loss_vectorized.matches_naive': 0.003,
    'svm_loss_vectorized.numeric_gradient': 0.01,
    'svm_loss_vectorized.values': 0.002,
    'training.neural_net_accuracy': 0.229,
    'training.overfit_five_layer': 0.023,
    'training.overfit_three_layer': 0.037,
    'training.two_layer_accuracy': 0.043,
    'two_layer_net.gradients': 0.035,
    'two_layer_net.init': 0.001,
    'two_layer_net.losses': 0.003,
    'two_layer_net.scores': 0.003,
}
# END MEASURED


def cost(check_id: str, kind: str) -> float:
    """The expected seconds of one check."""
    found = MEASURED.get(check_id)
    return found if found is not None else KIND_DEFAULTS.get(kind, DEFAULT)


__all__ = ["DEFAULT", "KIND_DEFAULTS", "MEASURED", "cost"]
