"""Realistic bugs in the models (digest §2.5, §7.11-§7.16, §7.22) and correct variants.

The Solver checks and the training checks build these models, so a model bug may also cost
points there (``collateral``).
"""
from __future__ import annotations

from tests.mutants import Mutant, Patch

FC = "classifiers/fc_net.py"
NN = "classifiers/neural_net.py"
DOWNSTREAM = ("solver.*", "training.*")

MUTANTS = [
    # ---- TwoLayerNet (fc_net) ----------------------------------------------------------------
    Mutant("two_layer_no_half_in_l2", "reg * sum(W**2) instead of 0.5 * reg * ... (§7.11): 49.7195",
           (Patch(FC, "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                  "reg_loss = self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"),),
           caught_by=("two_layer_net.losses", "two_layer_net.gradients"), collateral=DOWNSTREAM),
    Mutant("two_layer_grad_2reg", "gradient 2 * reg * W with a 0.5 * reg loss (§7.11)",
           (Patch(FC, '        grads["W1"] += self.reg * W1\n        grads["W2"] += self.reg * W2',
                  '        grads["W1"] += 2 * self.reg * W1\n        grads["W2"] += 2 * self.reg * W2'),),
           caught_by=("two_layer_net.gradients",), collateral=DOWNSTREAM),
    Mutant("two_layer_bias_in_reg", "the biases regularised too",
           (Patch(FC, "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                  "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(b1 * b1) "
                  "+ np.sum(b2 * b2))"),),
           caught_by=("two_layer_net.losses", "two_layer_net.gradients"), collateral=DOWNSTREAM),
    Mutant("two_layer_random_biases", "biases initialised with randn like the weights",
           (Patch(FC, 'self.params["b1"] = np.zeros(hidden_dim)',
                  'self.params["b1"] = weight_scale * np.random.randn(hidden_dim)'),),
           caught_by=("two_layer_net.init",), collateral=DOWNSTREAM),
    Mutant("two_layer_std_is_variance", "weights drawn with variance weight_scale (sqrt(weight_scale) * randn)",
           (Patch(FC, 'self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)',
                  'self.params["W1"] = np.sqrt(weight_scale) * np.random.randn(input_dim, hidden_dim)'),),
           caught_by=("two_layer_net.init",), collateral=DOWNSTREAM),
    # ---- FullyConnectedNet -------------------------------------------------------------------
    Mutant("fc_no_half_in_l2", "FullyConnectedNet: reg * sum(W**2) without the 0.5 (§7.11)",
           (Patch(FC, "loss += 0.5 * self.reg * np.vdot(W, W)", "loss += self.reg * np.vdot(W, W)"),),
           caught_by=("fc_net.initial_loss", "fc_net.gradients"), collateral=DOWNSTREAM),
    Mutant("fc_last_layer_not_regularised", "the output layer's W left out of the L2 term",
           (Patch(FC, "            for i in range(1, L + 1):\n                W = self.params",
                  "            for i in range(1, L):\n                W = self.params"),),
           caught_by=("fc_net.initial_loss", "fc_net.gradients"), collateral=DOWNSTREAM),
    Mutant("fc_draw_transposed", "weights drawn as randn(fan_out, fan_in).T (§7.15)",
           (Patch(FC, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                  "W = weight_scale * np.random.randn(fan_out, fan_in).T"),),
           caught_by=("fc_net.initial_loss",), collateral=DOWNSTREAM),
    Mutant("fc_random_biases", "biases drawn at random between the weights (§7.15)",
           (Patch(FC, 'self.params["b%d" % i] = np.zeros(fan_out)',
                  'self.params["b%d" % i] = weight_scale * np.random.randn(fan_out)'),),
           caught_by=("fc_net.initial_loss", "fc_net.initialization"), collateral=DOWNSTREAM),
    Mutant("fc_he_fan_out", "He std with fan-out instead of fan-in (§7.16)",
           (Patch(FC, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                  "W = np.sqrt(2.0 / fan_out) * np.random.randn(fan_in, fan_out)"),),
           caught_by=("fc_net.initialization",)),
    Mutant("fc_he_gain_one", "He without the ReLU gain: std sqrt(1 / fan_in) (§7.16)",
           (Patch(FC, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                  "W = np.sqrt(1.0 / fan_in) * np.random.randn(fan_in, fan_out)"),),
           caught_by=("fc_net.initialization",)),
    Mutant("fc_he_times_weight_scale", "He std multiplied by weight_scale as well (§7.16)",
           (Patch(FC, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                  "W = weight_scale * np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)"),),
           caught_by=("fc_net.initialization",)),
    Mutant("fc_he_uniform", "He with a uniform distribution of the same bound instead of a normal",
           (Patch(FC, "W = np.sqrt(2.0 / fan_in) * np.random.randn(fan_in, fan_out)",
                  "W = np.random.uniform(-1, 1, (fan_in, fan_out)) * np.sqrt(2.0 / fan_in)"),),
           caught_by=("fc_net.initialization",)),
    Mutant("fc_bn_mode_key_bug", "bn_param[mode] = mode (the template bug, §7.9): batchnorm stays in train mode",
           (Patch(FC, 'bn_param["mode"] = mode', "bn_param[mode] = mode"),),
           caught_by=("fc_net.batchnorm",), collateral=DOWNSTREAM),
    Mutant("fc_dropout_always_train", "dropout_param['mode'] never set: dropout also at test time",
           (Patch(FC, '            self.dropout_param["mode"] = mode\n', "            pass\n"),),
           caught_by=("fc_net.dropout",), collateral=DOWNSTREAM),
    Mutant("fc_dropout_backward_skipped", "dropout_backward never called in the backward pass",
           (Patch(FC, "                dout = dropout_backward(dout, drop_cache)", "                pass"),),
           caught_by=("fc_net.dropout",), collateral=DOWNSTREAM),
    Mutant("fc_no_bn_gamma_grad", "grads for gamma/beta never stored",
           (Patch(FC, '                grads["gamma%d" % i], grads["beta%d" % i] = dgamma, dbeta',
                  "                pass"),),
           caught_by=("fc_net.batchnorm", "fc_net.layernorm"), collateral=DOWNSTREAM),
    Mutant("fc_dtype_not_cast", "parameters never cast to dtype (float64 when float32 was asked)",
           (Patch(FC, "            self.params[k] = v.astype(dtype)", "            self.params[k] = v"),),
           caught_by=("fc_net.dtype",), collateral=DOWNSTREAM),
    # ---- UCLA stand-alone TwoLayerNet (neural_net) ------------------------------------------
    Mutant("nn_no_half_in_l2", "reg * (||W1||^2 + ||W2||^2) without the 0.5 (§7.11): 1.0907",
           (Patch(NN, "reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                  "reg_loss = reg * (np.sum(W1 * W1) + np.sum(W2 * W2))"),),
           caught_by=("neural_net.loss", "neural_net.gradients"), collateral=("neural_net.train_*",)),
    Mutant("nn_w1_transposed", "W1 stored (D, H) as in the modular net (§2.5.2)",
           (Patch(NN, 'self.params["W1"] = std * np.random.randn(hidden_size, input_size)',
                  'self.params["W1"] = std * np.random.randn(input_size, hidden_size)'),
            Patch(NN, "hidden_in = X @ W1.T + b1", "hidden_in = X @ W1 + b1"),
            Patch(NN, 'grads["W1"] = dhidden_in.T @ X + reg * W1', 'grads["W1"] = X.T @ dhidden_in + reg * W1'),
            Patch(NN, 'hidden = np.maximum(0, X @ self.params["W1"].T + self.params["b1"])',
                  'hidden = np.maximum(0, X @ self.params["W1"] + self.params["b1"])')),
           caught_by=("neural_net.scores", "neural_net.loss", "neural_net.gradients", "neural_net.predict"),
           collateral=("neural_net.train_*", "training.neural_net_accuracy")),
    Mutant("nn_w2_drawn_first", "W2 drawn before W1: the toy model of §3.8 changes",
           (Patch(NN, """        self.params["W1"] = std * np.random.randn(hidden_size, input_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(output_size, hidden_size)""",
                  """        W2 = std * np.random.randn(output_size, hidden_size)
        self.params["W1"] = std * np.random.randn(hidden_size, input_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = W2"""),),
           caught_by=("neural_net.scores", "neural_net.train_toy")),
    Mutant("nn_sample_without_replacement", "minibatch drawn with replace=False: fails when batch > N (§7.22)",
           (Patch(NN, "idx = np.random.choice(num_train, batch_size, replace=True)",
                  "idx = np.random.choice(num_train, batch_size, replace=False)"),),
           caught_by=("neural_net.train_toy",), collateral=("neural_net.train_schedule",)),
    Mutant("nn_batch_misaligned", "X_batch and y_batch indexed with two different draws",
           (Patch(NN, "            X_batch = X[idx]\n            y_batch = y[idx]",
                  "            X_batch = X[idx]\n            y_batch = y[np.random.choice(num_train, batch_size)]"),),
           caught_by=("neural_net.train_toy", "neural_net.train_schedule"), collateral=("training.neural_net_accuracy",)),
    Mutant("nn_decay_every_iteration", "learning rate decayed at every iteration, not once per epoch (§7.21)",
           (Patch(NN, """                val_acc_history.append(val_acc)
                learning_rate *= learning_rate_decay""", """                val_acc_history.append(val_acc)
            learning_rate *= learning_rate_decay"""),),
           caught_by=("neural_net.train_schedule",), collateral=("training.neural_net_accuracy",)),
    Mutant("nn_update_sign", "params[k] += learning_rate * grads[k] (gradient ascent)",
           (Patch(NN, "self.params[name] -= learning_rate * grads[name]",
                  "self.params[name] += learning_rate * grads[name]"),),
           caught_by=("neural_net.train_toy", "neural_net.train_schedule"), collateral=("training.neural_net_accuracy",)),
    Mutant("nn_predict_argmin", "predict returns the argmin",
           (Patch(NN, "y_pred = np.argmax(scores, axis=1)", "y_pred = np.argmin(scores, axis=1)"),),
           caught_by=("neural_net.predict",), collateral=("neural_net.train_*",)),
]

EQUIVALENTS = [
    Mutant("two_layer_explicit_layers", "TwoLayerNet with explicit affine/relu calls and np.sum(W ** 2)",
           (Patch(FC, "reg_loss = 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))",
                  "reg_loss = 0.5 * self.reg * np.sum(W1 ** 2) + 0.5 * self.reg * np.sum(W2 ** 2)"),)),
    Mutant("fc_normal_draws", "np.random.normal(0, weight_scale, (fan_in, fan_out)): the same stream (§7.15)",
           (Patch(FC, "W = weight_scale * np.random.randn(fan_in, fan_out)",
                  "W = np.random.normal(0.0, weight_scale, size=(fan_in, fan_out))"),)),
    Mutant("nn_softmax_without_log_sum_exp", "UCLA net: probabilities via a max-shifted exp, then log",
           (Patch(NN, """        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))""",
                  """        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        log_probs = np.log(probs)"""),)),
]
