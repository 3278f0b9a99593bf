"""Realistic bugs in the Solver (docs/courses.md §2.6, §7.20-§7.21, §9.6) and correct variants.

The Solver checks train the submission's TwoLayerNet, so bugs in layers/fc_net also fail them
(the corpus modules of those areas list ``solver.*`` as collateral). Training checks that run the
Solver may lose points on these mutants too.
"""
from __future__ import annotations

from tests.mutants import Mutant, Patch

F = "solver.py"
TRAINING = ("training.*", "train_*", "overfit*")

DECAY_BLOCK = """            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():"""

MUTANTS = [
    Mutant("solver_no_lr_decay", "the learning rates are never decayed (docs/courses.md §7.21)",
           (Patch(F, 'config["learning_rate"] *= self.lr_decay', 'config["learning_rate"] *= 1.0'),),
           caught_by=("solver.lr_decay",), collateral=TRAINING),
    Mutant("solver_decay_first_param_only", "only the first parameter's config is decayed (docs/courses.md §7.21)",
           (Patch(F, "for config in self.optim_configs.values():",
                  "for config in list(self.optim_configs.values())[:1]:"),),
           caught_by=("solver.lr_decay",), collateral=TRAINING),
    Mutant("solver_decay_at_epoch_start", "decay when t % iterations_per_epoch == 0 (includes t = 0, "
           "docs/courses.md §7.21): the right final rate, applied one epoch early",
           (Patch(F, DECAY_BLOCK, "            if epoch_end:\n                self.epoch += 1\n"
                                  "            if t % iterations_per_epoch == 0:\n"
                                  "                for config in self.optim_configs.values():"),),
           caught_by=("solver.lr_decay",), collateral=TRAINING),
    Mutant("solver_best_params_not_restored", "model.params left at the last step's values",
           (Patch(F, "            self.model.params = self.best_params", "            pass"),),
           caught_by=("solver.best_params_restored",), collateral=TRAINING,
           diagnosis=("that of the last epoch",)),
    Mutant("solver_best_params_not_copied",
           "best_params = model.params (the same dict, updated by later steps)",
           (Patch(F, "self.best_params = {k: v.copy() for k, v in self.model.params.items()}",
                  "self.best_params = self.model.params"),),
           caught_by=("solver.best_params_restored",), collateral=TRAINING),
    Mutant("solver_grad_norm_weights_only", "mean gradient norm over the weight matrices only (docs/courses.md §9.6)",
           (Patch(F, "for p in grads]", 'for p in grads if p.startswith("W")]'),),
           caught_by=("solver.grad_norm_history",),
           diagnosis=("weight matrices only",)),
    Mutant("solver_grad_norm_global",
           "one global L2 norm over all gradients instead of a mean of norms (docs/courses.md §9.6)",
           (Patch(F, "grad_norms = [np.linalg.norm(grads[p].ravel()) for p in grads]",
                  "grad_norms = [np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))]"),),
           caught_by=("solver.grad_norm_history",),
           diagnosis=("one global norm",)),
    Mutant("solver_grad_norm_of_params", "the norm of the parameters instead of their gradients",
           (Patch(F, "np.linalg.norm(grads[p].ravel())", "np.linalg.norm(self.model.params[p].ravel())"),),
           caught_by=("solver.grad_norm_history",)),
    Mutant("solver_grad_norm_not_recorded", "the gradient-norm TODO left empty (pass)",
           (Patch(F, "        self.log_grad_norm_history.append(float(np.mean(grad_norms)))\n", ""),),
           caught_by=("solver.grad_norm_history",),
           diagnosis=("log_grad_norm_history has 0 entries",)),
    Mutant("solver_unknown_keyword_ignored", "left-over keywords silently ignored",
           (Patch(F, 'raise ValueError("Unrecognized arguments %s" % extra)', "extra = None"),),
           caught_by=("solver.unknown_keyword",),
           diagnosis=("was accepted", "unknown keyword")),
    Mutant("solver_no_accuracy_check_at_t0", "accuracies checked only at epoch ends: num_epochs entries",
           (Patch(F, "first_it = t == 0", "first_it = False"),),
           caught_by=("solver.history_lengths", "solver.log_acc_iteration"),
           collateral=TRAINING + ("solver.record_histories_npz",)),
    Mutant("solver_iterations_per_epoch_without_max", "num_train // batch_size without max(., 1): no step "
           "at all when the batch is larger than the training set",
           (Patch(F, "iterations_per_epoch = max(num_train // self.batch_size, 1)",
                  "iterations_per_epoch = num_train // self.batch_size"),),
           caught_by=("solver.history_lengths",), collateral=TRAINING),
    Mutant("solver_log_acc_iteration_t_plus_1", "t + 1 recorded (CS182 fa26) instead of the 0-based t",
           (Patch(F, "self.log_acc_iteration_history.append(t)",
                  "self.log_acc_iteration_history.append(t + 1)"),),
           caught_by=("solver.log_acc_iteration",),
           diagnosis=("you store t + 1",)),
    Mutant("solver_npz_wrong_key", "the losses saved under 'train_loss' instead of 'train_losses'",
           (Patch(F, '"train_losses": np.array(self.loss_history)',
                  '"train_loss": np.array(self.loss_history)'),),
           caught_by=("solver.record_histories_npz",),
           diagnosis=("no key 'train_losses'",)),
]

EQUIVALENTS = [
    Mutant("solver_hw0_last_iteration_test", "HW0's last_it = (t == num_iterations + 1) never fires; "
           "harmless since the last iteration is an epoch end (docs/courses.md §7.20)",
           (Patch(F, "last_it = t == num_iterations - 1", "last_it = t == num_iterations + 1"),)),
    Mutant("solver_grad_norm_sqrt_sum", "norms as sqrt(sum(g**2)) over model.params keys, mean as sum/len",
           (Patch(F, "grad_norms = [np.linalg.norm(grads[p].ravel()) for p in grads]\n"
                     "        self.log_grad_norm_history.append(float(np.mean(grad_norms)))",
                  "grad_norms = [np.sqrt(np.sum(grads[p] ** 2)) for p in self.model.params]\n"
                  "        self.log_grad_norm_history.append(sum(grad_norms) / len(grad_norms))"),)),
]
