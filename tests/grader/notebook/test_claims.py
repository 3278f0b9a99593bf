"""The course's printed figures, parsed from the exact strings of the executed seed notebooks
(``docs/courses.md`` §3, §4, §6), and the rubric claims that pick one of them."""
from __future__ import annotations

import json

import pytest

from grader.notebook.claims import Claim, figures_in_text, find_figures, select
from grader.notebook.read import parse_notebook

from .builders import code, numbered, stream

# (printed line as in the seeds, kind, label, value)
SEED_LINES = [
    ("Got 137 / 500 correct => accuracy: 0.274000", "knn_accuracy", "", 0.274),
    ("Validation set accuracy:  0.486", "validation_set_accuracy", "", 0.486),
    ("Test set accuracy:  0.49", "test_set_accuracy", "", 0.49),
    ("Softmax classifier on raw pixels final test set accuracy: 0.363000", "test_set_accuracy", "", 0.363),
    ("best validation accuracy achieved during cross-validation: 0.360000", "best_validation_accuracy", "", 0.36),
    ("best validation accuracy achieved: 0.414000", "best_validation_accuracy", "", 0.414),
    ("Best validation accuracy: 52.00%", "best_validation_accuracy", "", 0.52),
    ("Train Acc Difference:  0.025384101536406075", "train_acc_difference", "", 0.025384101536406075),
    ("Average Training Acc for sgd: 0.48633333333333334", "average_training_acc", "sgd", 0.48633333333333334),
    ("training accuracy: 0.330490", "training_accuracy", "", 0.33049),
    ("validation accuracy: 0.343000", "validation_accuracy", "", 0.343),
    ("One loop difference was: 0.000000", "loop_difference", "one", 0.0),
    ("No loop difference was: 0.000000", "loop_difference", "no", 0.0),
    ("W1 relative error: 1.52e-08", "relative_error", "W1", 1.52e-08),
    ("next_w error:  8.882347033505819e-09", "error", "next_w", 8.882347033505819e-09),
    ("velocity error:  4.269287743278663e-09", "error", "velocity", 4.269287743278663e-09),
    ("dx error:  5.399100368651805e-11", "error", "dx", 5.399100368651805e-11),
    ("difference:  4.999999798022158e-08", "difference", "", 4.999999798022158e-08),
]


@pytest.mark.parametrize("line, kind, label, value", SEED_LINES)
def test_each_course_phrase_is_read_as_its_figure(line, kind, label, value):
    (fig,) = figures_in_text(line + "\n", cell=3)
    assert (fig.kind, fig.label, fig.cell) == (kind, label, 3)
    assert fig.value == pytest.approx(value, rel=1e-12)


def test_the_knn_figure_keeps_the_counts():
    (fig,) = figures_in_text("Got 141 / 500 correct => accuracy: 0.282000")
    assert fig.extra == {"correct": 141, "total": 500}


def test_a_solver_epoch_line_gives_a_train_and_a_validation_figure():
    figs = figures_in_text("(Iteration 1 / 40) loss: 2.3\n(Epoch 20 / 20) train acc: 0.960000; val_acc: 0.164000\n")
    assert [(f.kind, f.value) for f in figs] == [("epoch_train_acc", 0.96), ("epoch_val_acc", 0.164)]


def test_the_ucla_difference_is_printed_on_the_line_after_its_phrase():
    text = "Difference between your scores and correct scores:\n3.381231233889892e-08\n"
    (fig,) = figures_in_text(text)
    assert (fig.kind, fig.label, fig.value) == ("difference", "scores", 3.381231233889892e-08)


def test_lines_without_a_course_phrase_give_nothing():
    assert figures_in_text("loss: 2.302\nGood! The distance matrices are the same\n") == []


def _nb():
    return parse_notebook(json.dumps(numbered(
        code("y = classifier.predict_labels(dists, k=1)", stream("Got 137 / 500 correct => accuracy: 0.274000\n")),
        code("y = classifier.predict_labels(dists, k=10)", stream("Got 141 / 500 correct => accuracy: 0.282000\n")),
        code("for lr in lrs: ...", stream("(Epoch 1 / 2) train acc: 0.2; val_acc: 0.5\n"
                                         "(Epoch 2 / 2) train acc: 0.3; val_acc: 0.4\n")),
    )))


def test_a_claim_picks_its_figure_by_cell_and_occurrence():
    nb = _nb()
    figures = find_figures(nb)
    k1 = select(Claim(name="k=1", figure="knn_accuracy", cell="k=1)"), figures, nb)
    assert k1.value == 0.274
    assert select(Claim(name="last", figure="knn_accuracy"), figures, nb).value == 0.282
    assert select(Claim(name="first", figure="knn_accuracy", pick="first"), figures, nb).value == 0.274
    assert select(Claim(name="best", figure="epoch_val_acc", pick="max"), figures, nb).value == 0.5
    assert select(Claim(name="missing", figure="train_acc_difference"), figures, nb) is None


def test_a_claims_threshold():
    claim = Claim.from_spec({"figure": "knn_accuracy", "at_least": 0.27})
    assert claim.meets(0.274) and not claim.meets(0.26) and not claim.meets(float("nan"))
    assert Claim.from_spec({"figure": "error", "label": "next_w", "at_most": 1e-7}).meets(8.9e-9)
    assert not Claim.from_spec({"figure": "error", "at_most": 1e-7}).meets(0.3)


def test_the_difference_was_wording_before_2021_takes_its_label_from_the_cell():
    nb = parse_notebook(json.dumps(numbered(
        code("dists_one = classifier.compute_distances_one_loop(X_test)\nprint('Difference was: %f' % d)",
             stream("Difference was: 0.000000\n")),
        code("dists_two = classifier.compute_distances_no_loops(X_test)\nprint('Difference was: %f' % d)",
             stream("Difference was: 12.500000\n")))))
    figures = find_figures(nb)
    assert [(f.label, f.value) for f in figures] == [("one", 0.0), ("no", 12.5)]


def test_a_claim_stated_only_in_some_years_applies_to_their_notebooks_only():
    from grader.notebook.claims import applies
    spec = {"figure": "validation_accuracy", "at_least": 0.33, "stated": ["(> 0.33)"]}
    nb_2025 = parse_notebook(json.dumps(numbered(
        code("# You should get validation accuracy of about 0.34 (>   0.33).\nprint(1)"))))
    nb_2019 = parse_notebook(json.dumps(numbered(code("print('validation accuracy: %f' % v)"))))
    assert applies(spec, nb_2025) and not applies(spec, nb_2019)
    assert applies({"figure": "validation_accuracy"}, nb_2019)
