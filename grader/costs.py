"""Expected durations of checks, used only to place the checks of one submission on the workers
of its pool (``grader.sandbox.pool.assign``): the longest first, each on the least loaded
worker. A wrong figure costs time, never a different result (the report does not depend on the
placement, see docs/architecture.md).

``MEASURED`` holds seconds per check id from one ``grade reference`` run of the canonical rubric
(rewrite it with ``python benchmarks/grade_speed.py --write-costs``); a check not in it gets the
default of its kind.
"""
from __future__ import annotations

#: Seconds by check kind, for checks that ``MEASURED`` does not list.
KIND_DEFAULTS = {"training": 0.3, "gradient": 0.05, "value": 0.02}
DEFAULT = 0.02

# BEGIN MEASURED (written by benchmarks/grade_speed.py --write-costs)
MEASURED: dict[str, float] = {
    'adam.defaults': 0.02,
    'adam.fresh_steps': 0.04,
    'adam.notebook': 0.015,
    'affine_backward.numeric_gradient': 0.072,
    'affine_backward.values': 0.029,
    'affine_batchnorm_relu_backward.numeric_gradient': 0.152,
    'affine_batchnorm_relu_backward.values': 0.025,
    'affine_batchnorm_relu_forward.values': 0.018,
    'affine_forward.values': 0.024,
    'affine_layernorm_relu_backward.numeric_gradient': 0.176,
    'affine_layernorm_relu_backward.values': 0.035,
    'affine_layernorm_relu_forward.values': 0.021,
    'affine_relu_backward.numeric_gradient': 0.068,
    'batchnorm_backward.numeric_gradient': 0.05,
    'batchnorm_backward.values': 0.028,
    'batchnorm_backward_alt.numeric_gradient': 0.067,
    'batchnorm_backward_alt.values': 0.015,
    'batchnorm_forward.per_feature_stats': 0.008,
    'batchnorm_forward.running_averages': 0.004,
    'batchnorm_forward.test_mode': 0.006,
    'batchnorm_forward.train_values': 0.018,
    'compute_distances_no_loops.duplicate_points': 0.012,
    'compute_distances_no_loops.values': 0.068,
    'compute_distances_one_loop.values': 0.049,
    'compute_distances_two_loops.values': 0.102,
    'dropout_backward.numeric_gradient': 0.039,
    'dropout_backward.uses_forward_mask': 0.015,
    'dropout_backward.values': 0.035,
    'dropout_forward.seeded_mask': 0.013,
    'dropout_forward.test_mode': 0.009,
    'dropout_forward.train_statistics': 0.254,
    'fc_net.batchnorm': 0.139,
    'fc_net.dropout': 0.163,
    'fc_net.dtype': 0.041,
    'fc_net.gradients': 0.153,
    'fc_net.initial_loss': 0.028,
    'fc_net.initialization': 0.07,
    'fc_net.layernorm': 0.141,
    'knn_predict.digits_accuracy': 0.131,
    'knn_predict.num_loops': 0.032,
    'layernorm_backward.numeric_gradient': 0.049,
    'layernorm_backward.values': 0.029,
    'layernorm_forward.values': 0.015,
    'linear_classifier_predict.argmax': 0.036,
    'linear_classifier_train.aligned_batches': 0.068,
    'linear_classifier_train.batch_larger_than_n': 0.005,
    'linear_classifier_train.history_and_shape': 0.028,
    'linear_classifier_train.sgd_step': 0.047,
    'linear_svm_classifier.digits_accuracy': 0.264,
    'neural_net.gradients': 0.107,
    'neural_net.loss': 0.027,
    'neural_net.predict': 0.015,
    'neural_net.scores': 0.029,
    'neural_net.train_schedule': 0.015,
    'neural_net.train_toy': 0.08,
    'optim.loss_decreases': 0.733,
    'predict_labels.majority_vote': 0.026,
    'predict_labels.ties_to_smaller_label': 0.03,
    'relu_backward.exact_zeros': 0.009,
    'relu_backward.numeric_gradient': 0.037,
    'relu_forward.values': 0.024,
    'rmsprop.defaults': 0.018,
    'rmsprop.epsilon_placement': 0.013,
    'rmsprop.fresh_steps': 0.048,
    'rmsprop.notebook': 0.002,
    'sgd_momentum.defaults': 0.006,
    'sgd_momentum.fresh_steps': 0.039,
    'sgd_momentum.notebook': 0.016,
    'softmax_classifier.digits_accuracy': 0.255,
    'softmax_loss.large_logits': 0.008,
    'softmax_loss.log_sum_exp': 0.023,
    'softmax_loss.numeric_gradient': 0.048,
    'softmax_loss.values': 0.027,
    'softmax_loss_naive.initial_loss': 0.06,
    'softmax_loss_naive.large_scores': 0.012,
    'softmax_loss_naive.numeric_gradient': 0.407,
    'softmax_loss_naive.values': 0.025,
    'softmax_loss_vectorized.extreme_logits': 0.019,
    'softmax_loss_vectorized.large_scores': 0.002,
    'softmax_loss_vectorized.matches_naive': 0.037,
    'softmax_loss_vectorized.numeric_gradient': 0.062,
    'softmax_loss_vectorized.values': 0.012,
    'solver.best_params_restored': 0.049,
    'solver.grad_norm_history': 0.075,
    'solver.history_lengths': 0.155,
    'solver.log_acc_iteration': 0.056,
    'solver.lr_decay': 0.023,
    'solver.record_histories_npz': 0.08,
    'solver.unknown_keyword': 0.018,
    'svm_loss.numeric_gradient': 0.04,
    'svm_loss.values': 0.024,
    'svm_loss_naive.numeric_gradient': 0.218,
    'svm_loss_naive.values': 0.025,
    'svm_loss_vectorized.matches_naive': 0.034,
    'svm_loss_vectorized.numeric_gradient': 0.051,
    'svm_loss_vectorized.values': 0.016,
    'training.neural_net_accuracy': 1.282,
    'training.overfit_five_layer': 0.133,
    'training.overfit_three_layer': 0.193,
    'training.two_layer_accuracy': 0.256,
    'two_layer_net.gradients': 0.1,
    'two_layer_net.init': 0.004,
    'two_layer_net.losses': 0.013,
    'two_layer_net.scores': 0.023,
}
# END MEASURED


def cost(check_id: str, kind: str) -> float:
    """The expected seconds of one check."""
    found = MEASURED.get(check_id)
    return found if found is not None else KIND_DEFAULTS.get(kind, DEFAULT)


__all__ = ["DEFAULT", "KIND_DEFAULTS", "MEASURED", "cost"]
