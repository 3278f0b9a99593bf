"""Inline questions: found in markdown cells in the courses' formats, listed with the student's
answer text; true/false and multiple-choice answers scored against a key."""
from __future__ import annotations

import json

import pytest

from grader.notebook.questions import find_questions, parse_choices, score_answer
from grader.notebook.read import parse_notebook

from .builders import code, md, numbered

CS231N_ANSWER = "$\\color{blue}{\\textit Your Answer:}$ "


def _questions(*cells):
    return find_questions(parse_notebook(json.dumps(numbered(*cells))))


def test_cs231n_questions_with_the_answer_in_the_next_cell():
    qs = _questions(
        md("**Inline Question 1**\n\nNotice the structured patterns in the distance matrix."),
        md(CS231N_ANSWER + "Because those data in bright column is more distant."),
        code("x = 1"),
        md("**Inline Question 2**\n\nWhich of the following preprocessing steps ...\n1. a\n2. b"),
        md(CS231N_ANSWER + "1,2,3\n\n$\\color{blue}{\\textit Your Explanation:}$\n\n1. Because ..."),
    )
    assert [q.title for q in qs] == ["Inline Question 1", "Inline Question 2"]
    assert qs[0].answer == "Because those data in bright column is more distant."
    assert qs[1].answer == "1,2,3" and qs[1].explanation.startswith("1. Because")
    assert "structured patterns" in qs[0].prompt and all(q.answered for q in qs)


def test_answers_in_the_question_cell_and_the_other_courses_headings():
    qs = _questions(
        md("Inline Question 4 - True or False\n\nSuppose the overall training loss ...\n\n"
           "Your Answer : True\n\nYour Explanation : the SVM margin"),
        md("## 5.1 Inline Question 1:\n\nWhich activation functions ..."),
        md("## 1.6 Answer:\n\nSigmoid, ReLU."),
        md("3.0.1 Question:\n\nWhat you observe in the mean of gradient norm plot?"),
    )
    # the section numbers of exported headings ("5.1", "3.0.1") are not part of the title
    assert [q.title for q in qs] == ["Inline Question 4 - True or False", "Inline Question 1",
                                     "Question"]
    assert qs[0].answer == "True" and qs[0].explanation == "the SVM margin"
    assert qs[1].answer == "Sigmoid, ReLU."
    assert qs[2].answer == "" and not qs[2].answered


@pytest.mark.parametrize("text", ["*fill this in*", "fill this in.", "[FILL THIS IN]", "  "])
def test_placeholder_answers_count_as_unanswered(text):
    (q,) = _questions(md("Inline Question 3\n\nDescribe the weights."), md(CS231N_ANSWER + text))
    assert not q.answered


def test_multiple_choice_answers_by_number_or_by_option_name():
    assert parse_choices("1,2,3") == {1, 2, 3}
    assert parse_choices("2 and 4") == {2, 4}
    options = ["Sigmoid", "ReLU", "Leaky ReLU"]
    assert parse_choices("Sigmoid, ReLU.", options) == {1, 2}
    assert parse_choices("only Leaky ReLU", options) == {3}


def _one(answer):
    (q,) = _questions(md("Inline Question 2\n\nSelect all that apply."), md(CS231N_ANSWER + answer))
    return q


def test_a_multiple_choice_key_needs_exactly_the_right_set():
    spec = {"kind": "multiple_choice", "key": [1, 2, 3]}
    assert score_answer(spec, _one("1,2,3"))[0] == 1.0
    credit, why = score_answer(spec, _one("1,2"))
    assert credit == 0.0 and "[1, 2]" in why
    assert score_answer(spec, _one("fill this in"))[0] == 0.0


def test_a_true_false_key():
    spec = {"kind": "true_false", "key": True}
    assert score_answer(spec, _one("True, because ..."))[0] == 1.0
    assert score_answer(spec, _one("False"))[0] == 0.0
    assert "neither" in score_answer(spec, _one("it depends"))[1]


@pytest.mark.parametrize("marker", ["*Your Answer*: ", "**Your Answer:** ", "**Your Answer**: ",
                                    "Your Answer： ", "_Your Answer_ : ", "**Your Answer**\n\n"])
def test_the_answer_marker_in_emphasis_bold_or_with_a_full_width_colon(marker):
    (q,) = _questions(md("Inline Question 2\n\nWhich steps? 1. a 2. b 3. c 4. d"), md(marker + "1, 4"))
    assert q.answer == "1, 4" and parse_choices(q.answer) == {1, 4}


@pytest.mark.parametrize("answer, chosen", [
    ("１，４", {1, 4}),
    ("1、2和3", {1, 2, 3}),
    ("2,4 因为 1-NN 的训练误差总是 0，而 5-NN 不一定", {2, 4}),
    ("选项1和4正确，第2个不对", {1, 4}),
    ("2, 4. The 1-NN training error is 0; L1 distances ...", {2, 4}),
    ("I would pick 1 and 3", {1, 3}),
    ("1. Sigmoid\n2. ReLU", {1, 2}),
    ("1,2,3. Because the 5 options ...", {1, 2, 3}),
])
def test_only_standalone_option_numbers_count_in_any_language(answer, chosen):
    assert parse_choices(answer, count=5) == chosen


def test_numbers_beyond_the_options_offered_are_not_options():
    assert parse_choices("2 and 4, with 10 examples", count=5) == {2, 4}
    from grader.notebook.questions import option_count
    assert option_count("Select all.\n1. Sigmoid\n2. ReLU\n3. Leaky ReLU") == 3


@pytest.mark.parametrize("answer, value", [("正确", True), ("错误，因为", False), ("**True**", True),
                                           ("Ｆａｌｓｅ", False), ("不对", False)])
def test_true_false_in_emphasis_full_width_or_chinese(answer, value):
    from grader.notebook.questions import parse_true_false
    assert parse_true_false(answer) is value


def test_a_question_is_found_by_its_words_whatever_its_number():
    from grader.notebook.questions import resolve
    nb = parse_notebook(json.dumps(numbered(
        md("**Inline Question 2** - *True or False*\n\nIt is possible to add a new datapoint that "
           "would change the softmax loss, but leave the SVM loss unchanged."),
        md("Your Answer: True"))))
    spec = {"match": "Inline Question 4", "prompt": "change the softmax loss, but leave the SVM loss unchanged"}
    q, asked = resolve(spec, find_questions(nb), nb)
    assert asked and q.title == "Inline Question 2 - True or False" and q.answer == "True"
    q, asked = resolve({"match": "Inline Question 3", "prompt": "are true in a classification setting"},
                       find_questions(nb), nb)
    assert q is None and not asked   # this year's notebook does not ask it


def test_an_unnumbered_inline_question_is_a_question_but_an_intro_mentioning_questions_is_not():
    qs = _questions(md("Answer the inline questions below."), md("**Inline Question**\n\nHow to decrease this gap?"),
                    md("Your Answer: 1, 3"))
    assert [q.title for q in qs] == ["Inline Question"] and qs[0].answer == "1, 3"


def test_prose_mentioning_your_answer_is_not_the_answer_marker():
    (q,) = _questions(md("Inline Question 1\n\nWrite *your answer* in the cell below."),
                      md("Your Answer: outliers"))
    assert q.answer == "outliers" and "cell below" in q.prompt
