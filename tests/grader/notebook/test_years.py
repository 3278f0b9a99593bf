"""Each course year's notebook graded as that year's course grades it (issue: notebooks graded as
the course grades them): finished work of 2017, 2018, 2019 and 2025 and a Colab export lose
nothing; the same notebooks with a realistic mistake still lose the points for it; an untouched
starter earns nothing."""
from __future__ import annotations

import copy

import pytest

from grader.notebook.grading import manual_items

from .builders import error, stream
from .year_notebooks import (YEAR_NOTEBOOKS, grade_notebook, knn_2017, knn_2025_answers, knn_colab,
                             softmax_2019, two_layer_net_2018)


def _totals(results):
    return (round(sum(r.points for r in results.values()), 4),
            round(sum(r.max_points for r in results.values()), 4))


@pytest.mark.parametrize("name, build", YEAR_NOTEBOOKS, ids=[b.__name__ for _, b in YEAR_NOTEBOOKS])
def test_finished_work_of_every_year_loses_nothing(name, build):
    results, _ = grade_notebook(name, build())
    earned, available = _totals(results)
    assert available > 0 and earned == available, {r.name: r.message for r in results.values()
                                                   if r.points < r.max_points}


def test_hygiene_checks_are_information_in_every_course_notebook_rubric():
    results, _ = grade_notebook("knn.ipynb", knn_2025_answers())
    for check in ("notebook.valid", "notebook.execution_order"):
        assert results[check].max_points == 0 and results[check].informational


def test_the_2017_knn_notebook_asks_one_question_and_prints_difference_was():
    results, _ = grade_notebook("knn.ipynb", knn_2017())
    questions = results["notebook.inline_questions"]
    assert questions.max_points == 0 and "not asked in this year's notebook" in questions.message
    claims = results["notebook.claims"]
    assert "one-loop distances agree with two loops: 0" in claims.message
    assert results["notebook.test_cells_unedited"].status == "passed"   # 2017's print text and quotes


def test_an_edited_tolerance_in_a_2017_test_cell_is_still_an_edit():
    nb = knn_2017()
    cell = next(c for c in nb.cells if "compute_distances_one_loop" in c.source)
    cell.source = cell.source.replace("difference < 0.001", "difference < 1000")
    results, _ = grade_notebook("knn.ipynb", nb)
    edited = results["notebook.test_cells_unedited"]
    assert edited.status == "partial" and "'one-loop distances'" in edited.message
    assert "difference < 1000" in edited.message


def test_a_wrong_distance_figure_of_2017_still_fails_its_claim():
    nb = knn_2017()
    cell = next(c for c in nb.cells if "compute_distances_no_loops" in c.source)
    cell.outputs = [stream("Difference was: 4117.123046\nUh-oh! The distance matrices are different\n")]
    results, _ = grade_notebook("knn.ipynb", nb)
    assert "no-loop distances agree with two loops: 4117.12" in results["notebook.claims"].message
    assert results["notebook.claims"].points < results["notebook.claims"].max_points


def test_the_2019_true_false_question_is_inline_question_2_and_a_wrong_answer_costs_it():
    results, _ = grade_notebook("softmax.ipynb", softmax_2019())
    assert results["notebook.inline_questions"].message.endswith("Inline Question 2 - True or False: correct")
    nb = softmax_2019()
    nb.cells[-1].source = nb.cells[-1].source.replace("*True*", "*False*")
    results, _ = grade_notebook("softmax.ipynb", nb)
    assert results["notebook.inline_questions"].status == "failed"


def test_the_2019_softmax_claims_only_what_2019_states():
    results, _ = grade_notebook("softmax.ipynb", softmax_2019())
    claims = results["notebook.claims"]
    assert claims.message.startswith("1 claim(s): best validation accuracy of the tuning (over 0.35)")
    assert "test" not in claims.message.split(":", 1)[1].split("(")[0]
    low = softmax_2019()
    low.cells[4].outputs = [stream("best validation accuracy achieved during cross-validation: 0.341000\n")]
    results, _ = grade_notebook("softmax.ipynb", low)
    assert results["notebook.claims"].status == "failed"
    assert "does not meet the course's >= 0.35" in results["notebook.claims"].message


def test_the_2018_stand_alone_two_layer_net_is_not_asked_for_the_2021_figures():
    results, _ = grade_notebook("two_layer_net.ipynb", two_layer_net_2018())
    assert results["notebook.claims"].max_points == 0   # it states neither 'Validation set accuracy'
    q = results["notebook.inline_questions"]
    assert q.max_points == 1 and "Inline Question: correct" in q.message   # the unnumbered gap question
    nb = two_layer_net_2018()
    nb.cells[-1].source = nb.cells[-1].source.replace("1，3", "2，3")
    assert grade_notebook("two_layer_net.ipynb", nb)[0]["notebook.inline_questions"].status == "failed"


def test_answers_in_emphasis_and_with_a_chinese_explanation_are_read_as_their_options():
    results, _ = grade_notebook("knn.ipynb", knn_2025_answers())
    assert results["notebook.inline_questions"].message == ("2 keyed question(s): Inline Question 2: "
                                                            "correct; Inline Question 3: correct")
    wrong = knn_2025_answers(q3="**Your Answer:** 2,3,4 因为 1-NN 的训练误差总是 0")
    message = grade_notebook("knn.ipynb", wrong)[0]["notebook.inline_questions"].message
    assert "Inline Question 3: selected [2, 3, 4], which is not the right set" in message


def test_a_colab_export_is_read_by_its_outputs_and_its_errors_still_count():
    results, _ = grade_notebook("knn.ipynb", knn_colab())
    assert results["notebook.cells_ran"].status == "passed"
    assert results["notebook.execution_order"].status == "skipped"
    nb = knn_colab()
    broken = next(c for c in nb.cells if "best_k" in c.source)
    broken.outputs = [error("ValueError", "k must be positive")]
    ran = grade_notebook("knn.ipynb", nb)[0]["notebook.cells_ran"]
    assert ran.status == "partial" and "raised ValueError: k must be positive" in ran.message


def test_an_untouched_starter_earns_nothing():
    nb = copy.deepcopy(knn_2025_answers())
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        elif "Your Answer" in cell.source:
            cell.source = "**Your Answer:** *fill this in.*"
    results, _ = grade_notebook("knn.ipynb", nb)
    assert _totals(results)[0] == 0
    assert "never run" in results["notebook.cells_ran"].message


def test_a_figure_that_cannot_be_recomputed_is_listed_for_a_ta_with_its_points():
    results, nut = grade_notebook("knn.ipynb", knn_2025_answers())
    claims = results["notebook.claims"]
    assert claims.max_points == pytest.approx(3.0)   # 4 points, the k = 1 claim's quarter to a TA
    (item,) = [m for m in manual_items([nut]) if m.kind == "figure"]
    assert item.title == "kNN accuracy with k = 1" and item.points == pytest.approx(1.0)
    assert item.answer == "Got 137 / 500 correct => accuracy: 0.274000"


def test_the_ta_list_holds_each_years_own_questions_once():
    _, nut = grade_notebook("knn.ipynb", knn_2017())
    titles = [m.title for m in manual_items([nut]) if m.kind == "question"]
    assert len(titles) == 1 and titles[0].startswith("Inline Question #1")
    _, nut = grade_notebook("softmax.ipynb", softmax_2019())
    assert [m.title for m in manual_items([nut]) if m.kind == "question"] == ["Inline Question 1"]
