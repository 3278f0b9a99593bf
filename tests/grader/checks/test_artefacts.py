"""Artefact checks on CS182 hw02 ``submission_logs/`` (docs/courses.md §5.1, §A2.3).

A valid folder is written here with numpy and json, with the lengths of the course's cells
(docs/courses.md §4.6, §5.1); every check passes on it. Each entry of ``BROKEN`` is one realistic way a student's
folder goes wrong; it must fail exactly the checks it names (the others keep their marks), with
a message that says what is wrong. ``ACCEPTED`` lists correct folders written differently
(compressed, float32, the fa26 extra keys, another SGD batch size ...), which must pass.
The checks run through ``grader.engine.run_check`` with no worker and no fixtures.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import zipfile
from functools import lru_cache
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from grader.checks import artefacts
from grader.engine import run_check
from grader.rubric import RubricCheck
from tests.support import TEMPLATE, make_submission

CHECKS = ["artefacts.npz_histories", "artefacts.w_stds", "artefacts.batch_size_criterion",
          "artefacts.results_json", "artefacts.claim_consistency"]

# Digest docs/courses.md §4.6: the final train accuracies of the batch-size cell (sgd with batch 600, momentum
# with batch 100, seeds 100/200/300) and the notebook's figure rel_error 0.025384101536406075.
COURSE_SGD_FINALS = (0.482, 0.504, 0.473)
COURSE_MOMENTUM_FINALS = (0.509, 0.516, 0.510)
COURSE_REL_ERROR = 0.025384101536406075

# The best model's run as results.json describes it: 49000 images, batch 200 -> 245 iterations
# per epoch; 10 epochs -> 2450 losses and 11 accuracy checks (docs/courses.md §2.6).
RESULTS = dict(val_acc=0.512, test_acc=0.498, lr=1e-3, num_epochs=10, batch_size=200,
               lr_decay=0.95, update_rule="adam")


# --------------------------------------------------------------------------------- builders


def run(root: Path, check_id: str, *, params=None, partial_credit=None, tolerance=None):
    """Score one artefact check on the submission folder ``root`` (no worker, no fixtures)."""
    rc = RubricCheck(id=check_id, points=1.0, tolerance=tolerance, visibility="visible",
                     timeout=10.0, partial_credit=partial_credit or {"rule": "all_or_nothing"},
                     params=params or {})
    return run_check("artefacts", rc, None, {}, None, root)


def history(n_losses: int, n_accs: int, *, seed: int = 0, final_train=None, val=None) -> dict:
    """A plausible Solver history: decreasing finite losses, rising accuracies in [0, 1]."""
    rng = np.random.RandomState(seed)
    losses = 2.3 * np.exp(-np.linspace(0.0, 1.0, n_losses)) + 0.05 * rng.rand(n_losses)
    train = np.linspace(0.10, 0.50, n_accs)
    if final_train is not None:
        train[-1] = final_train
    val_accs = np.linspace(0.10, 0.45, n_accs) if val is None else np.asarray(val, dtype=float)
    return {"train_losses": losses, "train_accs": train, "val_accs": val_accs}


def save(logs: Path, stem: str, arrays: dict, compressed: bool = False) -> None:
    (np.savez_compressed if compressed else np.savez)(logs / f"{stem}.npz", **arrays)


def best_history(val_acc: float = RESULTS["val_acc"]) -> dict:
    """best_fc_model.npz for RESULTS: 2450 losses, 11 val accuracies whose maximum is val_acc."""
    val = np.linspace(0.20, val_acc - 0.02, 11)
    val[8] = val_acc
    return history(2450, 11, seed=9, val=val)


@lru_cache(maxsize=None)
def reference_stds(initialization: str) -> tuple:
    """docs/courses.md §3.17: the stds of the reference FullyConnectedNet([50] * 10) at construction."""
    from reference.classifiers.fc_net import FullyConnectedNet

    np.random.seed(182)
    model = FullyConnectedNet([50] * 10, initialization=initialization)
    return tuple(float(model.params[f"W{i}"].std()) for i in range(1, 12))


def write_valid_logs(logs: Path) -> Path:
    """Every file of docs/courses.md §5.1 with the course's lengths; returns ``logs``."""
    logs.mkdir(parents=True, exist_ok=True)
    for i, rule in enumerate(("sgd", "sgd_momentum", "adam", "rmsprop")):
        save(logs, f"optimizer_experiment_{rule}", history(200, 6, seed=i))
    for seed, final in zip((100, 200, 300), COURSE_SGD_FINALS):
        save(logs, f"sgd_momentum_compare_sgd_{seed}", history(300, 31, seed=seed, final_train=final))
    for seed, final in zip((100, 200, 300), COURSE_MOMENTUM_FINALS):
        save(logs, f"sgd_momentum_compare_sgd_momentum_{seed}",
             history(300, 6, seed=seed + 1, final_train=final))
    for i, init in enumerate(("he", "random", "zero")):
        save(logs, f"initialization_experiment_{init}", history(200, 6, seed=10 + i))
        (logs / f"w_stds_{init}.json").write_text(json.dumps(list(reference_stds(init))))
    save(logs, "best_fc_model", best_history())
    (logs / "results.json").write_text(json.dumps(RESULTS))
    return logs


@pytest.fixture
def submission(tmp_path) -> Path:
    """A CS182-shaped submission: hw/deeplearning/ (the package) next to hw/submission_logs/."""
    package = tmp_path / "hw" / "deeplearning"
    package.mkdir(parents=True)
    (package / "layers.py").write_text("")
    write_valid_logs(tmp_path / "hw" / "submission_logs")
    return package


def logs_of(root: Path) -> Path:
    return root.parent / "submission_logs"


def failing(root: Path) -> dict:
    """{check id: result} of the artefact checks that do not pass on ``root``."""
    results = {check_id: run(root, check_id) for check_id in CHECKS}
    assert not [r for r in results.values() if r.status == "error"], \
        {k: r.message for k, r in results.items() if r.status == "error"}
    return {k: r for k, r in results.items() if r.status != "passed"}


# ----------------------------------------------------------------------------- valid folders


@pytest.mark.parametrize("check_id", CHECKS)
def test_valid_logs_pass_every_check(submission, check_id):
    """docs/courses.md §5.1 files with the course's lengths pass every check."""
    result = run(submission, check_id)
    assert result.status == "passed", result.message


def test_batch_size_criterion_reproduces_the_course_figure(submission):
    """docs/courses.md §4.6: means 0.48633 (sgd) and 0.51167 (momentum) give rel_error 0.025384101536406075."""
    result = run(submission, "artefacts.batch_size_criterion")
    assert result.status == "passed"
    assert f"rel_error {COURSE_REL_ERROR:.4f}" in result.message
    assert "sgd 0.4863" in result.message and "sgd_momentum 0.5117" in result.message


def test_logs_are_found_next_to_the_package_as_well(tmp_path):
    """Canonical layout: submission_logs/ inside the folder holding layers.py."""
    root = tmp_path / "flat"
    write_valid_logs(root / "submission_logs")
    assert failing(root) == {}


def test_logs_two_levels_up_are_not_read(tmp_path):
    """The search stops one folder above the package: nothing outside the submission is read."""
    write_valid_logs(tmp_path / "submission_logs")
    root = tmp_path / "hw" / "deeplearning"
    root.mkdir(parents=True)
    result = run(root, "artefacts.results_json")
    assert result.status == "failed"
    assert "submission_logs/ is missing" in result.message


def test_results_json_accuracy_is_measured_for_a_ramp(submission):
    """val_acc is reported as ``measured``, so a linear ramp rule gives partial credit."""
    results = dict(RESULTS, val_acc=0.44)
    (logs_of(submission) / "results.json").write_text(json.dumps(results))
    ramp = {"rule": "linear_ramp", "low": 0.28, "high": 0.50}
    result = run(submission, "artefacts.results_json", partial_credit=ramp)
    assert result.measured == pytest.approx(0.44)
    assert result.points == pytest.approx((0.44 - 0.28) / 0.22, abs=1e-4)
    assert run(submission, "artefacts.results_json", params={"threshold": 0.40}).status == "passed"


def test_a_wrong_update_rule_gets_no_ramp_credit(submission):
    """update_rule 'sgd' breaks the instructions: no measurement, so no credit from a ramp."""
    results = dict(RESULTS, update_rule="sgd", val_acc=0.60)
    (logs_of(submission) / "results.json").write_text(json.dumps(results))
    ramp = {"rule": "linear_ramp", "low": 0.28, "high": 0.50}
    result = run(submission, "artefacts.results_json", partial_credit=ramp)
    assert result.points == 0 and "update_rule 'sgd'" in result.message
    assert run(submission, "artefacts.results_json", params={"update_rule": None}).status == "passed"


def test_the_reference_solver_writes_histories_the_check_accepts(tmp_path):
    """The reference's record_histories_as_npz (fa26 keys included) on the optimizer cell's
    settings (4000 images, batch 100, 5 epochs: docs/courses.md §4.6) gives a file npz_histories accepts."""
    from reference.classifiers.fc_net import FullyConnectedNet
    from reference.solver import Solver

    rng = np.random.RandomState(0)
    data = {"X_train": rng.randn(4000, 6), "y_train": rng.randint(3, size=4000),
            "X_val": rng.randn(50, 6), "y_val": rng.randint(3, size=50)}
    np.random.seed(0)
    solver = Solver(FullyConnectedNet([8], input_dim=6, num_classes=3), data, update_rule="adam",
                    num_epochs=5, batch_size=100, optim_config={"learning_rate": 1e-3},
                    verbose=False, log_acc_iteration=True)
    solver.train()
    root = tmp_path / "flat"
    logs = write_valid_logs(root / "submission_logs")
    solver.record_histories_as_npz(str(logs / "optimizer_experiment_adam"))
    with np.load(logs / "optimizer_experiment_adam.npz") as saved:
        assert {"accuracy_iterations", "mean_gradient_norms"} <= set(saved.files)
    assert run(root, "artefacts.npz_histories").status == "passed"


def test_pickled_member_is_refused_without_being_unpickled(submission, tmp_path):
    """An object member would run code when unpickled: the header is read, the file refused,
    and the marker file its unpickling would create never appears."""
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    pickle.dumps(Payload())  # the payload is picklable: np.savez stores it with pickle
    arrays = dict(history(200, 6), extra=np.array([Payload()], dtype=object))
    save(logs_of(submission), "optimizer_experiment_sgd", arrays)
    result = run(submission, "artefacts.npz_histories")
    assert result.status == "failed"
    assert "'extra' is an array of dtype object" in result.message
    assert not marker.exists()


def test_unmodified_template_fails_every_check_without_crashing(tmp_path):
    """The student template has no submission_logs/: every artefact check fails, none errors."""
    root = make_submission(tmp_path, source=TEMPLATE)
    for check_id in CHECKS:
        result = run(root, check_id)
        assert result.status == "failed", (check_id, result.status, result.message)
        assert "submission_logs/ is missing" in result.message


def test_shipped_schemas_are_valid_draft_2020_12():
    """cs182_results_log.schema.json and w_stds.schema.json load as package data and are valid schemas."""
    for name in ("cs182_results_log", "w_stds"):
        validator = artefacts.schema_validator(name)
        jsonschema.Draft202012Validator.check_schema(validator.schema)
        assert validator.schema["$schema"].endswith("draft/2020-12/schema")
    assert artefacts.schema_validator("cs182_results_log").is_valid(RESULTS)
    assert not artefacts.schema_validator("cs182_results_log").is_valid(dict(RESULTS, num_epochs=0))
    assert artefacts.schema_validator("w_stds").is_valid(list(reference_stds("he")))


def test_tuned_sgd_lengths_follow_the_cell():
    """docs/courses.md §4.6: batch 100 k, 5 k epochs, 6000 images; batch 600 gives 300 losses, 31 accuracies."""
    lengths = artefacts._tuned_sgd_lengths()
    assert (300, 31) in lengths          # batch 600: 10 iterations x 30 epochs
    assert (300, 26) in lengths          # batch 500: 12 iterations x 25 epochs
    assert (280, 36) in lengths          # batch 700: 8 iterations x 35 epochs
    assert (300, 300) in lengths         # batch 6000: one iteration per epoch, no extra check
    assert (300, 6) in lengths           # batch 100 (like momentum)
    assert (250, 31) not in lengths


# --------------------------------------------------------------------------- broken folders


def _edit_npz(logs, stem, **changes):
    with np.load(logs / f"{stem}.npz") as saved:
        arrays = {k: saved[k] for k in saved.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    save(logs, stem, arrays)


def _edit_results(logs, **changes):
    (logs / "results.json").write_text(json.dumps(dict(RESULTS, **changes)))


def _with_nan_loss(logs):
    losses = history(200, 6, seed=2)["train_losses"]
    losses[57] = np.nan
    _edit_npz(logs, "optimizer_experiment_adam", train_losses=losses)


def _with_percent_accuracy(logs):
    val = np.linspace(0.1, 0.45, 6)
    val[3] = 1.3
    _edit_npz(logs, "initialization_experiment_he", val_accs=val)


def _with_wrong_key(logs):
    arrays = history(200, 6)
    arrays["loss_history"] = arrays.pop("train_losses")
    save(logs, "optimizer_experiment_rmsprop", arrays)


def _with_object_member(logs):
    save(logs, "optimizer_experiment_sgd", dict(history(200, 6), note=np.array([{"a": 1}], dtype=object)))


def _write_stds(logs, init, stds):
    (logs / f"w_stds_{init}.json").write_text(json.dumps([float(s) for s in stds]))


def _he_stds(fan_of):
    """He stds drawn with the fan chosen by ``fan_of(fan_in, fan_out)`` and gain sqrt(2)."""
    rng = np.random.RandomState(3)
    dims = [3072] + [50] * 10 + [10]
    return [float((math.sqrt(2.0 / fan_of(i, o)) * rng.randn(i, o)).std())
            for i, o in zip(dims[:-1], dims[1:])]


def _with_he_fan_out(logs):
    _write_stds(logs, "he", _he_stds(lambda fan_in, fan_out: fan_out))


def _with_he_gain_one(logs):
    _write_stds(logs, "he", [s / math.sqrt(2.0) for s in _he_stds(lambda fan_in, fan_out: fan_in)])


def _with_batch_rel_error(target):
    """Compare files whose means have rel_error ``target``: sgd 0.45, momentum above it."""
    momentum = 0.45 * (1 + target) / (1 - target)

    def mutate(logs):
        for seed in (100, 200, 300):
            _edit_npz(logs, f"sgd_momentum_compare_sgd_{seed}",
                      train_accs=np.r_[np.linspace(0.1, 0.4, 30), 0.45])
            _edit_npz(logs, f"sgd_momentum_compare_sgd_momentum_{seed}",
                      train_accs=np.r_[np.linspace(0.1, 0.4, 5), momentum])
    return mutate


def _with_absolute_but_not_relative_match(logs):
    """|0.335 - 0.300| = 0.035 < 0.04, but rel_error 0.055 > 0.04: the code's reading fails it."""
    for seed in (100, 200, 300):
        _edit_npz(logs, f"sgd_momentum_compare_sgd_{seed}",
                  train_accs=np.r_[np.linspace(0.1, 0.2, 30), 0.300])
        _edit_npz(logs, f"sgd_momentum_compare_sgd_momentum_{seed}",
                  train_accs=np.r_[np.linspace(0.1, 0.2, 5), 0.335])


def _with_val_acc(value):
    def mutate(logs):
        _edit_results(logs, val_acc=value)
        save(logs, "best_fc_model", best_history(value))
    return mutate


def _sparse(path: Path, size: int) -> None:
    """A file of ``size`` bytes that takes no disk space (a hole)."""
    path.unlink(missing_ok=True)
    with open(path, "wb") as f:
        f.seek(size - 1)
        f.write(b"\0")


def _with_declared_huge_array(logs):
    """A member whose header declares 10^9 float64 (8 GB) behind a few bytes of data."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"
    header = header + " " * (-(len(header) + 11) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin1")
    path = logs / "optimizer_experiment_sgd.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for key, value in history(200, 6).items():
            with zf.open(f"{key}.npy", "w") as fp:
                np.lib.format.write_array(fp, value)
        zf.writestr("extra.npy", npy + b"\0" * 16)


def _with_npy_renamed(logs):
    np.save(logs / "optimizer_experiment_sgd.npy", history(200, 6)["train_losses"])
    os.replace(logs / "optimizer_experiment_sgd.npy", logs / "optimizer_experiment_sgd.npz")


def _with_symlinked_results(logs):
    outside = logs.parent.parent / "elsewhere.json"
    outside.write_text(json.dumps(RESULTS))
    (logs / "results.json").unlink()
    (logs / "results.json").symlink_to(outside)


BROKEN = [
    # (name, mutate(logs), checks that must fail, words the first failing message contains)
    ("missing_results_json", lambda logs: (logs / "results.json").unlink(),
     {"artefacts.results_json", "artefacts.claim_consistency"},
     "submission_logs/results.json is missing: run the last cell of the notebook"),
    ("missing_compare_seed", lambda logs: (logs / "sgd_momentum_compare_sgd_300.npz").unlink(),
     {"artefacts.npz_histories", "artefacts.batch_size_criterion"},
     "sgd_momentum_compare_sgd_300.npz is missing: run the batch-size cell"),
    ("pickled_object_member", _with_object_member, {"artefacts.npz_histories"},
     "'note' is an array of dtype object"),
    ("nan_loss", _with_nan_loss, {"artefacts.npz_histories"},
     "train_losses has 1 non-finite value(s), the first at iteration 57"),
    ("accuracy_1_3", _with_percent_accuracy, {"artefacts.npz_histories"}, "value 1.3 outside [0, 1]"),
    ("wrong_key", _with_wrong_key, {"artefacts.npz_histories"}, "missing train_losses"),
    ("accuracy_lengths_differ", lambda logs: _edit_npz(logs, "initialization_experiment_random",
                                                       val_accs=np.linspace(0.1, 0.4, 5)),
     {"artefacts.npz_histories"}, "train_accs has 6 values but val_accs 5"),
    ("two_dimensional_losses", lambda logs: _edit_npz(logs, "optimizer_experiment_adam",
                                                      train_losses=np.ones((200, 1))),
     {"artefacts.npz_histories"}, "train_losses has shape (200, 1), expected a 1-D array"),
    ("too_few_iterations", lambda logs: _edit_npz(logs, "optimizer_experiment_sgd",
                                                  train_losses=np.ones(199)),
     {"artefacts.npz_histories"}, "train_losses has 199 values, expected 200"),
    ("sgd_compare_lengths_fit_no_batch", lambda logs: _edit_npz(logs, "sgd_momentum_compare_sgd_200",
                                                                train_losses=np.ones(250)),
     {"artefacts.npz_histories"}, "250 losses and 31 accuracies fit no SGD batch size"),
    ("npy_renamed_npz", _with_npy_renamed, {"artefacts.npz_histories"}, "is not an .npz archive"),
    ("declared_huge_array", _with_declared_huge_array, {"artefacts.npz_histories"},
     "'extra' holds 7629.4 MiB, over the 50.0 MiB cap"),
    ("npz_of_200_mb", lambda logs: _sparse(logs / "optimizer_experiment_sgd.npz", 200 * 10**6),
     {"artefacts.npz_histories"}, "is 190.7 MiB, over the 50.0 MiB cap, and was not read"),
    ("ten_stds", lambda logs: _write_stds(logs, "random", reference_stds("random")[:10]),
     {"artefacts.w_stds"}, "w_stds_random.json has 10 values, expected 11"),
    # docs/courses.md §3.17 wrong-variant signatures: fan-out rel_error ≈ 0.77, gain 1 rel_error ≈ 0.172.
    ("he_fan_out", _with_he_fan_out, {"artefacts.w_stds"}, "expected 0.025516 (rel_error 0.77"),
    ("he_gain_one", _with_he_gain_one, {"artefacts.w_stds"}, "expected 0.025516 (rel_error 0.17"),
    ("zero_stds_not_zero", lambda logs: _write_stds(logs, "zero", [0.01] * 11), {"artefacts.w_stds"},
     "expected 0 for every layer"),
    ("negative_std", lambda logs: _write_stds(logs, "random", [-0.01] + [0.01] * 10),
     {"artefacts.w_stds"}, "w_stds_random.json: [0]: -0.01 is less than the minimum of 0"),
    ("batch_rel_error_0_05", _with_batch_rel_error(0.05), {"artefacts.batch_size_criterion"},
     "rel_error 0.0500"),
    ("batch_absolute_difference_only", _with_absolute_but_not_relative_match,
     {"artefacts.batch_size_criterion"}, "rel_error 0.0551 (difference 0.0350)"),
    ("val_acc_0_44", _with_val_acc(0.44), {"artefacts.results_json"}, "validation accuracy 0.4400"),
    ("update_rule_sgd", lambda logs: _edit_results(logs, update_rule="sgd"), {"artefacts.results_json"},
     "update_rule 'sgd'"),
    ("claimed_val_acc_not_in_history", lambda logs: _edit_results(logs, val_acc=0.55),
     {"artefacts.claim_consistency"}, "claims val_acc 0.550000, but the best val_accs entry"),
    ("claimed_num_epochs_not_run", lambda logs: _edit_results(logs, num_epochs=12),
     {"artefacts.claim_consistency"}, "has 2450 losses, but num_epochs 12 and batch_size 200"),
    ("claimed_batch_size_not_run", lambda logs: _edit_results(logs, batch_size=100),
     {"artefacts.claim_consistency"}, "give 4900 iterations"),
    ("string_val_acc", lambda logs: _edit_results(logs, val_acc="0.512"),
     {"artefacts.results_json", "artefacts.claim_consistency"},
     "val_acc is a str ('0.512'), expected a number"),
    ("missing_key_lr_decay", lambda logs: (logs / "results.json").write_text(
        json.dumps({k: v for k, v in RESULTS.items() if k != "lr_decay"})),
     {"artefacts.results_json", "artefacts.claim_consistency"}, "has no key 'lr_decay'"),
    ("val_acc_in_percent", lambda logs: _edit_results(logs, val_acc=51.2),
     {"artefacts.results_json", "artefacts.claim_consistency"},
     "val_acc is 51.2, outside [0, 1]; accuracies are fractions"),
    ("invalid_json", lambda logs: (logs / "results.json").write_text('{"val_acc": 0.512,'),
     {"artefacts.results_json", "artefacts.claim_consistency"}, "is not valid JSON"),
    ("nan_in_json", lambda logs: _edit_results(logs, val_acc=float("nan")),  # json.dump writes NaN
     {"artefacts.results_json", "artefacts.claim_consistency"}, "contains NaN, not a number"),
    ("results_json_of_200_mb", lambda logs: _sparse(logs / "results.json", 200 * 10**6),
     {"artefacts.results_json", "artefacts.claim_consistency"}, "over the 1.0 MiB cap, and was not read"),
    ("symlinked_results_json", _with_symlinked_results,
     {"artefacts.results_json", "artefacts.claim_consistency"}, "is not a regular file"),
]


@pytest.mark.parametrize("name, mutate, caught_by, words", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_logs_fail_exactly_the_checks_that_name_them(submission, name, mutate, caught_by, words):
    mutate(logs_of(submission))
    lost = failing(submission)
    assert set(lost) == caught_by, {k: r.message for k, r in lost.items()}
    first = lost[next(c for c in CHECKS if c in caught_by)]
    assert words in first.message, first.message
    assert "Hint:" in first.message


ACCEPTED = [
    # (name, change(logs)): correct folders written differently
    ("compressed_npz", lambda logs: save(logs, "optimizer_experiment_adam", history(200, 6),
                                         compressed=True)),
    ("float32_histories", lambda logs: save(logs, "initialization_experiment_zero",
                                            {k: v.astype(np.float32) for k, v in history(200, 6).items()})),
    ("fa26_extra_keys", lambda logs: save(logs, "sgd_momentum_compare_sgd_momentum_100", dict(
        history(300, 6, seed=101, final_train=COURSE_MOMENTUM_FINALS[0]),
        accuracy_iterations=np.array([0, 59, 119, 179, 239, 299]), mean_gradient_norms=np.ones(300)))),
    ("sgd_batch_500", lambda logs: [save(logs, f"sgd_momentum_compare_sgd_{seed}",
                                         history(300, 26, final_train=final))
                                    for seed, final in zip((100, 200, 300), COURSE_SGD_FINALS)]),
    ("results_extra_key_and_float_epochs", lambda logs: (logs / "results.json").write_text(
        json.dumps(dict(RESULTS, num_epochs=10.0, note="He + adam")))),
]


@pytest.mark.parametrize("name, change", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_correct_variants_keep_full_marks(submission, name, change):
    change(logs_of(submission))
    assert failing(submission) == {}


def test_partial_credit_counts_good_history_files(submission):
    """One bad file of the 14 histories: the fraction rule keeps 13/14 of the points."""
    _with_nan_loss(logs_of(submission))
    result = run(submission, "artefacts.npz_histories", partial_credit={"rule": "fraction"})
    assert result.status == "partial"
    assert result.points == pytest.approx(13 / 14, abs=1e-4)
    assert result.message.startswith("1 of 14 history files have problems")


def test_rubric_params_adjust_the_expected_files(submission):
    """A term without rmsprop drops the file; lengths can be overridden or unchecked."""
    logs = logs_of(submission)
    (logs / "optimizer_experiment_rmsprop.npz").unlink()
    assert run(submission, "artefacts.npz_histories").status == "failed"
    params = {"lengths": {"optimizer_experiment_rmsprop": None}}
    assert run(submission, "artefacts.npz_histories", params=params).status == "passed"
    params = {"lengths": {"optimizer_experiment_rmsprop": None, "optimizer_experiment_sgd": [100, None]}}
    result = run(submission, "artefacts.npz_histories", params=params)
    assert "train_losses has 200 values, expected 100" in result.message


def test_whole_suite_passes_a_full_folder(submission):
    """All five checks on a full folder."""
    assert failing(submission) == {}
