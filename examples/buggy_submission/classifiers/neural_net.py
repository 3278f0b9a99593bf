"""The stand-alone two-layer network of UCLA ECE C147/C247 HW3 (``nndl/neural_net.py``).

Unlike the modular ``fc_net.TwoLayerNet`` this class trains itself (``train``) and stores its
weights as (out, in): ``W1`` (H, D), ``W2`` (C, H). The regularisation strength is an argument
of ``loss`` and ``train``, not an attribute.
"""
import numpy as np


class TwoLayerNet(object):
    """A two-layer fully-connected network: affine - relu - affine - softmax.

    Input dimension D, hidden dimension H, C classes. ``self.params`` holds
    ``W1`` (H, D), ``b1`` (H,), ``W2`` (C, H), ``b2`` (C,).
    """

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        """Initialise the weights with std * randn (W1 first, then W2) and the biases at zero.

        Inputs:
        - input_size: D, the size of one input row.
        - hidden_size: H, the number of hidden units.
        - output_size: C, the number of classes.
        - std: standard deviation of the initial weights.
        """
        self.params = {}
        self.params["W1"] = std * np.random.randn(hidden_size, input_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(output_size, hidden_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        """Compute the scores, or the loss and gradients, for a minibatch.

        Inputs:
        - X: input data of shape (N, D).
        - y: labels of shape (N,), y[i] in [0, C), or None.
        - reg: L2 regularisation strength.

        Returns:
        - If y is None: scores, array of shape (N, C), with h = relu(X @ W1.T + b1) and
          scores = h @ W2.T + b2.
        - Otherwise (loss, grads): loss = softmax cross-entropy averaged over the batch
          + 0.5 * reg * (||W1||_F^2 + ||W2||_F^2); grads a dict with the keys and shapes of
          self.params.
        """
        # BEGIN SOLUTION
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        N = X.shape[0]

        hidden_in = X @ W1.T + b1                       # (N, H)
        hidden = np.maximum(0, hidden_in)               # (N, H)
        scores = hidden @ W2.T + b2                     # (N, C)
        if y is None:
            return scores

        # Softmax cross-entropy via log-sum-exp (finite for any finite scores).
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        data_loss = -log_probs[np.arange(N), y].sum() / N
        reg_loss = 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        loss = data_loss + reg_loss

        dscores = np.exp(log_probs)                     # softmax probabilities, (N, C)
        dscores[np.arange(N), y] -= 1
        dscores /= N

        grads = {}
        grads["W2"] = dscores.T @ hidden + reg * W2     # (C, H)
        grads["b2"] = dscores.sum(axis=0)               # (C,)
        dhidden_in = (dscores @ W2) * (hidden_in > 0)   # (N, H)
        grads["W1"] = dhidden_in.T @ X + reg * W1       # (H, D)
        grads["b1"] = dhidden_in.sum(axis=0)            # (H,)
        return loss, grads
        # END SOLUTION

    def train(self, X, y, X_val, y_val, learning_rate=1e-3, learning_rate_decay=0.95,
              reg=1e-5, num_iters=100, batch_size=200, verbose=False):
        """Train the network with minibatch stochastic gradient descent.

        Inputs:
        - X: training data, shape (N, D); y: training labels, shape (N,).
        - X_val: validation data, shape (N_val, D); y_val: validation labels, shape (N_val,).
        - learning_rate: initial step size.
        - learning_rate_decay: factor applied to the learning rate once per epoch.
        - reg: L2 regularisation strength.
        - num_iters: number of SGD steps.
        - batch_size: number of examples per step, sampled WITH replacement (so batch_size
          may exceed N).
        - verbose: print the loss every 100 iterations.

        Returns a dict with 'loss_history' (one loss per iteration), 'train_acc_history'
        (accuracy on the current minibatch, once per epoch) and 'val_acc_history' (accuracy on
        the whole validation set, once per epoch). An epoch ends whenever
        it % iterations_per_epoch == 0, iterations_per_epoch = max(N / batch_size, 1) (a float);
        this includes it = 0.
        """
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)

        loss_history = []
        train_acc_history = []
        val_acc_history = []

        for it in np.arange(num_iters):
            X_batch = None
            y_batch = None

            # BEGIN SOLUTION
            idx = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[idx]
            y_batch = y[idx]
            # END SOLUTION

            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # BEGIN SOLUTION
            for name in self.params:
                self.params[name] -= learning_rate * grads[name]
            # END SOLUTION

            if verbose and it % 100 == 0:
                print("iteration {} / {}: loss {}".format(it, num_iters, loss))

            # Every epoch, check the train and val accuracy and decay the learning rate.
            if it % iterations_per_epoch == 0:
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)
                learning_rate *= learning_rate_decay

        return {
            "loss_history": loss_history,
            "train_acc_history": train_acc_history,
            "val_acc_history": val_acc_history,
        }

    def predict(self, X):
        """Predict labels for the rows of X (shape (N, D)); returns y_pred of shape (N,)."""
        # BEGIN SOLUTION
        hidden = np.maximum(0, X @ self.params["W1"].T + self.params["b1"])
        scores = hidden @ self.params["W2"].T + self.params["b2"]
        y_pred = np.argmax(scores, axis=1)
        return y_pred
        # END SOLUTION
