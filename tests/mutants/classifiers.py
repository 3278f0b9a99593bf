"""Realistic bugs in kNN, the SVM / softmax losses and LinearClassifier (docs/courses.md §2.7, §2.8, §7),
and correct alternative implementations that must keep full marks."""
from tests.mutants import Mutant, Patch

KNN = "classifiers/k_nearest_neighbor.py"
SVM = "classifiers/linear_svm.py"
SOFTMAX = "classifiers/softmax.py"
LINEAR = "classifiers/linear_classifier.py"

_VOTE = """        votes = np.zeros((num_test, num_classes), dtype=np.int64)
        rows = np.repeat(np.arange(num_test), closest_y.shape[1])
        np.add.at(votes, (rows, closest_y.ravel()), 1)
        # argmax returns the first maximum, i.e. the smallest label among ties.
        return np.argmax(votes, axis=1).astype(self.y_train.dtype)"""

MUTANTS = [
    # ---- kNN ----------------------------------------------------------------------------
    Mutant("knn_ties_to_larger_label", "vote ties go to the larger label (argmax of reversed counts)",
           (Patch(KNN, "return np.argmax(votes, axis=1).astype(self.y_train.dtype)",
                  "return (num_classes - 1 - np.argmax(votes[:, ::-1], axis=1))"
                  ".astype(self.y_train.dtype)"),),
           caught_by=("predict_labels.ties_to_smaller_label",),
           diagnosis=("ties go to the larger label",)),
    Mutant("knn_ties_to_nearest_voter", "Counter.most_common: a vote tie goes to the nearest voter's label",
           (Patch(KNN, _VOTE,
                  "        from collections import Counter\n"
                  "        return np.array([Counter(row.tolist()).most_common(1)[0][0]\n"
                  "                         for row in closest_y],\n"
                  "                        dtype=self.y_train.dtype)"),),
           caught_by=("predict_labels.ties_to_smaller_label",),
           diagnosis=("ties go to the label of the nearest voter",)),
    Mutant("knn_two_loops_without_sqrt", "two-loop distances are squared distances (no np.sqrt)",
           (Patch(KNN, "dists[i, j] = np.sqrt(np.sum((X[i] - self.X_train[j]) ** 2))",
                  "dists[i, j] = np.sum((X[i] - self.X_train[j]) ** 2)"),),
           caught_by=("compute_distances_two_loops.values",),
           diagnosis=("squared distances",)),
    Mutant("knn_one_loop_sums_all_axes", "one-loop distance sums over every axis (one number per row)",
           (Patch(KNN, "dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2, axis=1))",
                  "dists[i, :] = np.sqrt(np.sum((self.X_train - X[i]) ** 2))"),),
           caught_by=("compute_distances_one_loop.values", "knn_predict.num_loops"),
           diagnosis=("sum runs over every axis",)),
    Mutant("knn_no_loops_sign_error", "no-loop expansion adds 2 a.b instead of subtracting it",
           (Patch(KNN, "sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)",
                  "sq_dists = test_sq + train_sq + 2.0 * X.dot(self.X_train.T)"),),
           caught_by=("compute_distances_no_loops.values", "compute_distances_no_loops.duplicate_points",
                      "knn_predict.num_loops", "knn_predict.digits_accuracy"),
           diagnosis=("+ 2 a.b",)),
    Mutant("knn_ignores_k", "predict_labels always uses the single nearest neighbour",
           (Patch(KNN, 'nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]',
                  'nearest = np.argsort(dists, axis=1, kind="stable")[:, :1]'),),
           caught_by=("predict_labels.majority_vote", "predict_labels.ties_to_smaller_label",
                      "knn_predict.num_loops"),
           diagnosis=("k is ignored",)),
    # ---- SVM ----------------------------------------------------------------------------
    Mutant("svm_naive_margin_delta_zero", "naive SVM uses margin delta 0 instead of 1",
           (Patch(SVM, "margin = scores[j] - correct_class_score + 1  # delta = 1",
                  "margin = scores[j] - correct_class_score"),),
           caught_by=("svm_loss_naive.values", "svm_loss_vectorized.matches_naive"),
           collateral=("svm_loss_naive.numeric_gradient",),
           diagnosis=("margin delta 0",)),  # margins of ~0 put kinks under the step
    Mutant("svm_naive_grad_missing_correct_class", "naive SVM gradient never subtracts X[i] from column y[i]",
           (Patch(SVM, "                dW[:, y[i]] -= X[i]\n", ""),),
           caught_by=("svm_loss_naive.values", "svm_loss_naive.numeric_gradient",
                      "svm_loss_vectorized.matches_naive"),
           diagnosis=("misses the correct-class term",)),
    Mutant("svm_vectorized_grad_missing_correct_class",
           "vectorised SVM gradient: correct-class coefficient 0",
           (Patch(SVM, "coeff[rows, y] = -np.sum(coeff, axis=1)", "coeff[rows, y] = 0.0"),),
           caught_by=("svm_loss_vectorized.values", "svm_loss_vectorized.numeric_gradient",
                      "svm_loss_vectorized.matches_naive"),
           diagnosis=("misses the correct-class term",)),
    # ---- softmax ------------------------------------------------------------------------
    Mutant("softmax_vectorized_reg_half_in_loss",
           "vectorised softmax loss uses 0.5 * reg * sum(W*W), grad 2*reg*W",
           (Patch(SOFTMAX, "loss = -np.sum(log_probs[rows, y]) / num_train + reg * np.sum(W * W)",
                  "loss = -np.sum(log_probs[rows, y]) / num_train + 0.5 * reg * np.sum(W * W)"),),
           caught_by=("softmax_loss_vectorized.values", "softmax_loss_vectorized.numeric_gradient",
                      "softmax_loss_vectorized.matches_naive"),
           diagnosis=("0.5 * reg",)),
    Mutant("softmax_naive_reg_half_consistent",
           "naive softmax uses the 0.5 * reg convention in loss AND gradient",
           (Patch(SOFTMAX, "    loss += reg * np.sum(W * W)\n    dW += 2 * reg * W\n",
                  "    loss += 0.5 * reg * np.sum(W * W)\n    dW += reg * W\n"),),
           caught_by=("softmax_loss_naive.values", "softmax_loss_vectorized.matches_naive"),
           diagnosis=("0.5 * reg",)),
    Mutant("softmax_vectorized_grad_not_divided_by_n",
           "vectorised softmax gradient summed over the batch, not averaged",
           (Patch(SOFTMAX, "dW = X.T.dot(dscores) / num_train + 2 * reg * W",
                  "dW = X.T.dot(dscores) + 2 * reg * W"),),
           caught_by=("softmax_loss_vectorized.values", "softmax_loss_vectorized.numeric_gradient",
                      "softmax_loss_vectorized.matches_naive"),
           collateral=("softmax_loss_vectorized.large_scores", "softmax_loss_vectorized.extreme_logits"),
           diagnosis=("dw", "not divided by n")),
    Mutant("softmax_naive_loss_summed", "naive softmax loss summed over the batch (dW still averaged)",
           (Patch(SOFTMAX, "    loss /= num_train\n", ""),),
           caught_by=("softmax_loss_naive.values", "softmax_loss_naive.initial_loss",
                      "softmax_loss_naive.numeric_gradient", "softmax_loss_vectorized.matches_naive"),
           collateral=("softmax_loss_naive.large_scores",),
           diagnosis=("data loss", "not divided by n")),
    # ---- LinearClassifier ---------------------------------------------------------------
    Mutant("linear_train_misaligned_batches", "X and y minibatches drawn with different indices",
           (Patch(LINEAR, "y_batch = y[batch_idx]", "y_batch = y[np.random.choice(num_train, batch_size)]"),),
           caught_by=("linear_classifier_train.aligned_batches", "softmax_classifier.digits_accuracy",
                      "linear_svm_classifier.digits_accuracy"),
           diagnosis=("two different index draws",)),
    Mutant("linear_train_update_uphill", "SGD step adds the gradient",
           (Patch(LINEAR, "self.W -= learning_rate * grad", "self.W += learning_rate * grad"),),
           caught_by=("linear_classifier_train.sgd_step", "linear_classifier_train.aligned_batches",
                      "softmax_classifier.digits_accuracy", "linear_svm_classifier.digits_accuracy"),
           diagnosis=("uphill",)),
    Mutant("linear_predict_wrong_axis", "predict takes the argmax over examples (axis 0)",
           (Patch(LINEAR, "return np.argmax(X.dot(self.W), axis=1)",
                  "return np.argmax(X.dot(self.W), axis=0)"),),
           caught_by=("linear_classifier_predict.argmax",),
           diagnosis=("argmax over the examples (axis=0)",)),
]

EQUIVALENTS = [
    Mutant("linear_train_without_replacement", "minibatch sampled without replacement: fails when batch > N",
           (Patch(LINEAR, "batch_idx = np.random.choice(num_train, batch_size)",
                  "batch_idx = np.random.choice(num_train, batch_size, replace=False)"),)),
    Mutant("knn_no_loops_without_clip",
           "no-loop expansion not clipped at 0: sqrt of a rounding-negative is NaN",
           (Patch(KNN, "return np.sqrt(np.maximum(sq_dists, 0.0))", "return np.sqrt(sq_dists)"),)),
    Mutant("softmax_vectorized_probabilities_log",
           "shift, then log of the probabilities: log(0) for extreme logits",
           (Patch(SOFTMAX, "log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))",
                  "log_probs = np.log(np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True))"),)),
    Mutant("softmax_naive_no_max_shift", "naive softmax exponentiates unshifted scores",
           (Patch(SOFTMAX, "scores = scores - np.max(scores)  # shift for stability", "pass"),)),
    Mutant("softmax_vectorized_no_max_shift", "vectorised softmax exponentiates unshifted scores",
           (Patch(SOFTMAX, "shifted = scores - np.max(scores, axis=1, keepdims=True)", "shifted = scores"),)),
    Mutant("knn_labels_np_unique",
           "predict_labels per row with np.unique counts (sorted: ties to the smaller label)",
           (Patch(KNN, _VOTE,
                  "        y_pred = np.zeros(num_test, dtype=self.y_train.dtype)\n"
                  "        for i in range(num_test):\n"
                  "            labels, counts = np.unique(closest_y[i], return_counts=True)\n"
                  "            y_pred[i] = labels[np.argmax(counts)]\n"
                  "        return y_pred"),
            Patch(KNN, 'nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]',
                  "nearest = np.argsort(dists, axis=1)[:, :k]"))),
    Mutant("knn_no_loops_broadcast", "no-loop distances by broadcasting (a - b)**2 over a 3-D array",
           (Patch(KNN, """        test_sq = np.sum(X ** 2, axis=1)[:, np.newaxis]  # (N_te, 1)
        train_sq = np.sum(self.X_train ** 2, axis=1)[np.newaxis, :]  # (1, N_tr)
        sq_dists = test_sq + train_sq - 2.0 * X.dot(self.X_train.T)
        return np.sqrt(np.maximum(sq_dists, 0.0))""",
                  "        diff = X[:, np.newaxis, :] - self.X_train[np.newaxis, :, :]\n"
                  "        return np.sqrt(np.sum(diff ** 2, axis=2))"),)),
    Mutant("svm_vectorized_one_hot", "vectorised SVM gradient with an explicit one-hot matrix",
           (Patch(SVM, "    coeff[rows, y] = -np.sum(coeff, axis=1)\n",
                  "    one_hot = np.zeros_like(coeff)\n"
                  "    one_hot[rows, y] = 1.0\n"
                  "    coeff = coeff - one_hot * np.sum(coeff, axis=1, keepdims=True)\n"),)),
    Mutant("softmax_vectorized_logaddexp", "log-sum-exp via np.logaddexp.reduce",
           (Patch(SOFTMAX, "log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))",
                  "log_probs = shifted - np.logaddexp.reduce(shifted, axis=1, keepdims=True)"),)),
    Mutant("linear_train_randint",
           "minibatch indices from np.random.randint (with replacement, another stream)",
           (Patch(LINEAR, "batch_idx = np.random.choice(num_train, batch_size)",
                  "batch_idx = np.random.randint(0, num_train, size=batch_size)"),)),
]
