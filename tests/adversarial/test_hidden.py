"""Hidden checks stay hidden: their expected values never enter the worker, a rubric's fixtures
cannot be read from it even when they lie in a world-readable folder, and a student's report
shows a hidden check's name and outcome only, whatever the submission put in its messages or
printed.
"""
import dataclasses
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

from grader.report import RENDERERS
from grader.sandbox import client as sandbox_client
from tests.adversarial.harness import (
    FAST,
    Attack,
    assert_holds,
    build_rubric,
    cheat,
    grade_adv,
)
from tests.support import Patch, make_submission

L = "layers.py"
# Fixture keys that hold expected outputs (the others are inputs: x, y, w, b, dout, dw ...).
LAYER_BUILDERS = ("affine/", "relu/", "softmax_loss/", "svm_loss/")
LAYER_OUTPUTS = ("_out", "_dx", "_dw", "_db", "_loss")
OPTIM_OUTPUTS = ("optim/sgd_momentum.nb_next_w", "optim/sgd_momentum.nb_velocity")


def is_answer(key: str) -> bool:
    return key in OPTIM_OUTPUTS or (key.startswith(LAYER_BUILDERS) and key.endswith(LAYER_OUTPUTS))


def sent_arrays(monkeypatch) -> list:
    """Record every array the grader sends to a worker."""
    sent = []
    original = sandbox_client.protocol.encode

    def spy(message, **kwargs):
        def walk(x):
            if isinstance(x, np.ndarray):
                sent.append(np.array(x))
            elif isinstance(x, dict):
                for v in x.values():
                    walk(v)
            elif isinstance(x, (list, tuple)):
                for v in x:
                    walk(v)
        walk(message)
        return original(message, **kwargs)

    monkeypatch.setattr(sandbox_client.protocol, "encode", spy)
    return sent


def test_expected_values_never_enter_the_worker(adv, tmp_path, monkeypatch):
    """Grading sends inputs only: no array the reference produced as an answer is ever sent,
    for the hidden check or any other."""
    sent = sent_arrays(monkeypatch)
    report = grade_adv(make_submission(tmp_path), adv)
    assert report.score == report.max_score
    assert len(sent) > 20
    answers = {}
    for store in adv.fixtures.parent.glob("*.npz"):    # one file per fixture builder
        with np.load(store) as data:
            answers.update({f"{store.stem}/{k}": data[k] for k in data.files
                            if is_answer(f"{store.stem}/{k}")})
    assert {"softmax_loss/lse_dx", "softmax_loss/lse_loss", *OPTIM_OUTPUTS} <= set(answers)
    leaked = [k for k, expected in answers.items() for a in sent
              if a.shape == expected.shape and expected.size > 1 and np.array_equal(a, expected)]
    assert leaked == []


def test_the_spy_would_see_an_answer_if_one_were_sent(adv, tmp_path, monkeypatch):
    """The check above can fail: an input that equals an answer is found."""
    sent = sent_arrays(monkeypatch)
    with np.load(adv.fixtures) as data:
        answer = data["z_out"]
    from grader.layout import Layout
    from grader.sandbox import Worker

    root = make_submission(tmp_path)
    with Worker(root, Layout.canonical(root), FAST) as w:
        w.call("layers.relu_forward", answer, keep=[1])
    assert any(a.shape == answer.shape and np.array_equal(a, answer) for a in sent)


READ_NPZ = '''    try:
        with open({path}, "rb") as f:
            return f.read(2) == b"PK"
    except OSError:
        return False
'''


@pytest.fixture
def public_rubric(adv):
    """The test rubric and its fixtures copied into a world-readable folder of the temp folder,
    as a course's rubric in a shared checkout would be."""
    folder = Path(tempfile.mkdtemp(prefix="public-rubric-"))
    try:
        rubric = build_rubric(folder / "course")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield rubric
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("private_tmp", [True, False])
def test_a_rubrics_fixtures_cannot_be_read_from_a_world_readable_folder(public_rubric, tmp_path,
                                                                       private_tmp):
    """With or without a private temp folder, the folder of the rubric's fixtures is hidden."""
    limits = dataclasses.replace(FAST, private_tmp=private_tmp)
    attack = Attack("read_public_fixtures", "copy answers from the rubric's fixture store",
                    cheat(READ_NPZ.format(path=repr(str(public_rubric.fixtures)))),
                    needs=("hidden_grader_files",), limits=limits)
    assert_holds(attack, public_rubric, tmp_path)


SOFTMAX_START = "    N = x.shape[0]\n    shifted"
LEAKY_SOFTMAX = '''    print("inputs:", x.tolist())
    if np.abs(x).max() > 500:
        raise ValueError(f"my inputs were {x.tolist()}")
'''


def test_students_see_only_name_and_outcome_of_a_hidden_check(adv, tmp_path):
    """softmax_loss prints its inputs and, on the hidden check's input (+-1000 logits), raises an
    exception carrying them: a student's report in every format shows neither."""
    attack = Attack("leak_hidden_inputs", "print and raise the hidden check's inputs",
                    (Patch(L, SOFTMAX_START, LEAKY_SOFTMAX + SOFTMAX_START),),
                    baseline=(), costs=frozenset({"softmax_loss.log_sum_exp"}), cause=r"my inputs")
    report, _ = assert_holds(attack, adv, tmp_path)
    hidden = next(r for r in report.results if r.name == "softmax_loss.log_sum_exp")
    assert hidden.status == "failed" and "1000" in hidden.message   # the instructor sees it all
    student = report.for_audience("student")
    shown = next(r for r in student.results if r.name == "softmax_loss.log_sum_exp")
    assert (shown.status, shown.points, shown.message) == ("failed", 0.0, "hidden check: failed")
    secret = hidden.message.split("my inputs were ")[1][:12]
    for fmt, render in RENDERERS.items():
        text = render(student)
        name = "softmax_loss.log_sum_exp"
        assert name in text or name.replace("_", "\\_") in text, fmt
        assert secret not in text and "inputs:" not in text, fmt
