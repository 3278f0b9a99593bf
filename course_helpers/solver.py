"""The grader's copy of the course Solver (supplied by ``grader.profiles`` when a submission's
``solver.py`` is a provided helper that is missing, Python 2 only, or imports the PyPI package
``future``). It is the reference Solver (``tests/grader/profiles/test_helpers.py`` keeps them
equal); only the ``optim`` import differs: the grader sets ``OPTIM_MODULE`` to the course's
module (``cs231n.optim``, ``deeplearning.optim``, or ``nndl.optim`` for UCLA) when it copies it.
The gradient-norm recording is the canonical assignment's exercise (a solution region, as in the
reference): the copy in a student pack leaves it out, and no rubric grades it on a supplied Solver.

The Solver: minibatch training of a classification model (``docs/courses.md`` §2.6).

The CS231n Solver with every keyword of CS231n 2017+ and of Berkeley CS182 hw02 (``docs/courses.md``
§A1.3, §A2.3). Usage::

    data = {"X_train": ..., "y_train": ..., "X_val": ..., "y_val": ...}
    model = MyModel(...)
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()   # afterwards model.params holds the parameters with the best val accuracy

The model must have:
- ``model.params``: dict, parameter name -> array.
- ``model.loss(X, y=None)``: with ``y=None``, return scores of shape (N, C); otherwise return
  ``(loss, grads)``, a scalar and a dict with the keys of ``params``, arrays of the same shapes.

Choices made where the courses disagree or say nothing:
- ``log_grad_norm_history`` gets one value per step, ALWAYS (the ``record_grad_norm`` keyword of
  CS182 fa26 is accepted but does not switch it off; it costs one norm per parameter). The value is
  the mean, over all parameter tensors (weights, biases and any others), of the L2 norm of each
  flattened gradient: ``mean_p ||grads[p].ravel()||_2`` (``docs/courses.md`` §9.6 leaves this open).
- ``log_acc_iteration_history`` holds the 0-based iteration ``t`` of every accuracy check, as
  CS182 fa25 does (fa26 stores ``t + 1``).
- The last-iteration test is ``t == num_iterations - 1`` (CS231n), not HW0's ``+ 1`` (§7.20).
- ``best_val_acc`` starts at 0. If no validation accuracy ever exceeds it, ``best_params`` stays
  empty and ``train()`` leaves the model's current parameters in place (the course code would
  set ``model.params = {}``).
- Learning-rate decay skips a per-parameter config that has no ``learning_rate`` key (possible
  only with a custom update rule).
"""
import importlib
import os
import pickle

import numpy as np

OPTIM_MODULE = "optim"  # the course's optim module, set by the grader when it copies this file
optim = importlib.import_module(OPTIM_MODULE)


class Solver:
    """Trains a classification model with minibatch first-order updates.

    Required arguments:
    - model: an object with ``params`` and ``loss(X, y=None)`` (see the module docstring).
    - data: dict with ``X_train`` (N_train, d_1, ..., d_k), ``y_train`` (N_train,) int labels,
      ``X_val`` (N_val, d_1, ..., d_k), ``y_val`` (N_val,). Other keys (``X_test``...) are ignored.

    Optional keywords (CS231n):
    - update_rule: name of a rule in ``optim`` ('sgd' default, 'sgd_momentum', 'rmsprop',
      'adam'), or a callable with the same interface (e.g. a rule of ``course_conventions``).
    - optim_config: dict of hyper-parameters given to the update rule; every parameter gets its
      own copy (default {}).
    - lr_decay: factor applied to every learning rate at the end of each epoch (default 1.0).
    - batch_size: minibatch size (default 100).
    - num_epochs: number of epochs (default 10).
    - num_train_samples: training examples used to measure train accuracy (default 1000).
    - num_val_samples: validation examples used to measure val accuracy (default None: all).
    - checkpoint_name: if set, a pickle checkpoint ``<name>_epoch_<e>.pkl`` is written at every
      accuracy check (default None).
    - print_every: print the loss every this many iterations (default 10).
    - verbose: print progress (default True).
    Optional keywords (CS182 hw02):
    - log_acc_iteration: record the iteration of every accuracy check (default False).
    - record_grad_norm: accepted for fa26; gradient norms are always recorded (default False).

    Any other keyword raises ``ValueError('Unrecognized arguments ...')``.

    Attributes after ``train()``:
    - epoch: int, completed epochs.
    - best_val_acc: float; best_params: dict of copies of the params at the best val accuracy.
    - loss_history: list of floats, one per iteration.
    - train_acc_history, val_acc_history: lists of floats, one per accuracy check (at t = 0, at
      every epoch end and at the last iteration): num_epochs + 1 entries, or num_epochs when an
      epoch is a single iteration.
    - log_acc_iteration_history: list of ints, 0-based iterations of the checks (if enabled).
    - log_grad_norm_history: list of floats, one per iteration (see the module docstring).
    - optim_configs: dict, parameter name -> that parameter's config (state included).
    """

    def __init__(self, model, data, **kwargs):
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.log_acc_iteration = kwargs.pop("log_acc_iteration", False)
        self.record_grad_norm = kwargs.pop("record_grad_norm", False)

        if len(kwargs) > 0:
            extra = ", ".join('"%s"' % k for k in kwargs)
            raise ValueError("Unrecognized arguments %s" % extra)

        if isinstance(self.update_rule, str):
            rule = getattr(optim, self.update_rule, None)
            if self.update_rule.startswith("_") or not callable(rule):
                raise ValueError('Invalid update_rule "%s"' % self.update_rule)
            self.update_rule = rule
        elif not callable(self.update_rule):
            raise ValueError('Invalid update_rule "%s"' % (self.update_rule,))

        self._reset()

    def _reset(self):
        """Set up the bookkeeping variables. Called by the constructor; do not call by hand."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.log_acc_iteration_history = []
        self.log_grad_norm_history = []

        # Each parameter gets its own copy of optim_config (its state will differ).
        self.optim_configs = {}
        for p in self.model.params:
            self.optim_configs[p] = {k: v for k, v in self.optim_config.items()}

    def _step(self):
        """One gradient update on a minibatch drawn WITH replacement. Called by train()."""
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(float(loss))

        # Record the mean, over all parameters, of the L2 norm of each flattened gradient.
        # BEGIN SOLUTION
        grad_norms = [np.linalg.norm(grads[p].ravel()) for p in grads]
        self.log_grad_norm_history.append(float(np.mean(grad_norms)))
        # END SOLUTION

        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        """Pickle the training state to '<checkpoint_name>_epoch_<epoch>.pkl' (if a name is set).

        Keys: model, update_rule, lr_decay, optim_config, batch_size, num_train_samples,
        num_val_samples, epoch, loss_history, train_acc_history, val_acc_history.
        """
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = "%s_epoch_%d.pkl" % (self.checkpoint_name, self.epoch)
        if self.verbose:
            print('Saving checkpoint to "%s"' % filename)
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of examples the model classifies correctly.

        Inputs:
        - X: array (N, d_1, ..., d_k); y: int array (N,).
        - num_samples: if set and N > num_samples, measure on num_samples examples drawn with
          replacement.
        - batch_size: examples per call of ``model.loss`` (bounds memory).

        Returns a float in [0, 1].
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        num_batches = N // batch_size
        if N % batch_size != 0:
            num_batches += 1
        y_pred = []
        for i in range(num_batches):
            start = i * batch_size
            end = (i + 1) * batch_size
            scores = self.model.loss(X[start:end])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.hstack(y_pred)
        return float(np.mean(y_pred == y))

    def train(self):
        """Run num_epochs epochs of optimisation; leave the best parameters in the model."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            if self.verbose and t % self.print_every == 0:
                print("(Iteration %d / %d) loss: %f"
                      % (t + 1, num_iterations, self.loss_history[-1]))

            # At the end of every epoch, count it and decay every learning rate.
            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    if "learning_rate" in config:
                        config["learning_rate"] *= self.lr_decay

            # Check accuracies at the first iteration, the last one and every epoch end.
            first_it = t == 0
            last_it = t == num_iterations - 1
            if first_it or last_it or epoch_end:
                train_acc = self.check_accuracy(
                    self.X_train, self.y_train, num_samples=self.num_train_samples)
                val_acc = self.check_accuracy(
                    self.X_val, self.y_val, num_samples=self.num_val_samples)
                self.train_acc_history.append(train_acc)
                self.val_acc_history.append(val_acc)
                if self.log_acc_iteration:
                    self.log_acc_iteration_history.append(t)
                self._save_checkpoint()

                if self.verbose:
                    print("(Epoch %d / %d) train acc: %f; val_acc: %f"
                          % (self.epoch, self.num_epochs, train_acc, val_acc))

                if val_acc > self.best_val_acc:
                    self.best_val_acc = val_acc
                    self.best_params = {k: v.copy() for k, v in self.model.params.items()}

        # Swap in the best parameters; keep the current ones if val never beat 0.
        if self.best_params:
            self.model.params = self.best_params

    def record_histories_as_npz(self, filename):
        """Save the histories with np.savez (CS182; '.npz' is appended when missing).

        Keys: train_losses (num_iterations,), train_accs and val_accs (one per accuracy check),
        plus, when those histories are non-empty (CS182 fa26), accuracy_iterations
        (log_acc_iteration_history) and mean_gradient_norms (log_grad_norm_history, one per
        iteration). The parent directory is created if needed.
        """
        parent = os.path.dirname(os.fspath(filename))
        if parent:
            os.makedirs(parent, exist_ok=True)
        arrays = {
            "train_losses": np.array(self.loss_history),
            "train_accs": np.array(self.train_acc_history),
            "val_accs": np.array(self.val_acc_history),
        }
        if self.log_acc_iteration_history:
            arrays["accuracy_iterations"] = np.array(self.log_acc_iteration_history)
        if self.log_grad_norm_history:
            arrays["mean_gradient_norms"] = np.array(self.log_grad_norm_history)
        np.savez(filename, **arrays)
