"""Inline and written questions: found in the markdown cells, with the student's answer text.

The course notebooks ask questions in markdown (``docs/courses.md`` §6): a cell holding
``Inline Question 2`` (CS231n; also ``Inline question 3``, ``5.1 Inline Question 1:``,
``Inline Question 4 - True or False``) or ``Question:`` (CS182), followed by an answer cell that
starts with ``Your Answer:`` (CS231n writes ``$\\color{blue}{\\textit Your Answer:}$``) or
``Answer:`` (UCLA, CS231n FullyConnectedNets), optionally followed by ``Your Explanation:``.

``find_questions(notebook)`` returns the ``Question``s in document order. The rubric may give
each one points and, for true/false and multiple-choice questions, a key
(``score_answer``); free-text questions are listed for manual grading and never scored here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .read import Notebook

MAX_PROMPT_CHARS = 1500
MAX_ANSWER_CHARS = 4000

_QUESTION = re.compile(r"^\W*(?:[\d.]+\s+)?(inline\s+question\s*\d+[^\n]*|question\s*\d*\s*:)",
                       re.IGNORECASE | re.MULTILINE)
_LATEX_WRAP = re.compile(r"\$\\color\{[^}]*\}\{\\textit\s*([^}]*)\}\$")
_ANSWER = re.compile(r"(?:your\s+answer|^\W*(?:[\d.]+\s+)?answer)\s*[:：]\s*\**",
                     re.IGNORECASE | re.MULTILINE)
_EXPLANATION = re.compile(r"your\s+explanation\s*[:：]", re.IGNORECASE)
PLACEHOLDERS = {"", "fill this in", "[fill this in]", "todo", "your answer here",
                "write your answer here", "..."}


@dataclass(frozen=True)
class Question:
    """One question: ``title`` (e.g. ``Inline Question 2``), the ``prompt`` text, the student's
    ``answer`` and ``explanation`` (``""`` when missing), and the cells they came from."""

    title: str
    prompt: str
    answer: str
    explanation: str
    cell: int
    answer_cell: int | None

    @property
    def answered(self) -> bool:
        return _normal(self.answer) not in PLACEHOLDERS


def _normal(text: str) -> str:
    text = " ".join(text.replace("*", " ").replace("_", " ").split()).strip().lower()
    return text.strip(" .!:")


def _clean(text: str) -> str:
    return _LATEX_WRAP.sub(r"\1", text)


def _split_answer(text: str) -> tuple[str, str]:
    """(answer, explanation) from the text after the ``Answer:`` marker."""
    m = _EXPLANATION.search(text)
    answer, explanation = (text[:m.start()], text[m.end():]) if m else (text, "")
    return answer.strip(" \n*_"), explanation.strip(" \n*_")


def _title(line: str) -> str:
    title = " ".join(line.strip(" #*:").split())
    return title[:120]


def find_questions(notebook: Notebook) -> list[Question]:
    """The questions of ``notebook`` with their answers, in order."""
    markdown = [c for c in notebook.cells if c.cell_type in ("markdown", "raw")]
    found: list[Question] = []
    for pos, cell in enumerate(markdown):
        text = _clean(cell.source)
        m = _QUESTION.search(text)
        if m is None:
            continue
        prompt_text = text[m.start():]
        answer_match = _ANSWER.search(prompt_text, m.end() - m.start())
        answer_cell = None
        if answer_match is not None:   # the answer sits in the question's own cell
            prompt = prompt_text[:answer_match.start()]
            answer, explanation = _split_answer(prompt_text[answer_match.end():])
            answer_cell = cell.index
        else:
            prompt, answer, explanation = prompt_text, "", ""
            for nxt in markdown[pos + 1:pos + 3]:   # or in one of the next two markdown cells
                nxt_text = _clean(nxt.source)
                if _QUESTION.search(nxt_text):
                    break
                a = _ANSWER.search(nxt_text)
                if a is not None:
                    answer, explanation = _split_answer(nxt_text[a.end():])
                    answer_cell = nxt.index
                    break
        found.append(Question(title=_title(m.group(1)), prompt=prompt.strip()[:MAX_PROMPT_CHARS],
                              answer=answer[:MAX_ANSWER_CHARS],
                              explanation=explanation[:MAX_ANSWER_CHARS],
                              cell=cell.index, answer_cell=answer_cell))
    return found


def match_question(questions: list[Question], title: str) -> Question | None:
    """The question whose title starts with ``title`` (case and spacing ignored)."""
    want = _normal(title)
    for q in questions:
        if _normal(q.title).startswith(want):
            return q
    return None


def parse_choices(answer: str, options: list[str] | None = None) -> set[int]:
    """The options chosen in a multiple-choice answer: numbers (``"1,2,3"``, ``"2 and 4"``,
    ``"(1), (3)"``) or, when the rubric names the ``options`` (option 1 first), their names
    (``"Sigmoid, ReLU."``; a longer name such as ``Leaky ReLU`` is read before ``ReLU``)."""
    chosen = {int(n) for n in re.findall(r"\b(\d{1,2})\b", answer)}
    if chosen or not options:
        return chosen
    text = " " + " ".join(re.findall(r"[a-z0-9]+", answer.lower())) + " "
    for number, name in sorted(enumerate(options, 1), key=lambda item: -len(item[1])):
        words = " " + " ".join(re.findall(r"[a-z0-9]+", name.lower())) + " "
        if words.strip() and words in text:
            chosen.add(number)
            text = text.replace(words, " ")
    return chosen


def parse_true_false(answer: str) -> bool | None:
    words = re.findall(r"[a-z]+", answer.lower())
    for word in words[:5]:
        if word in ("true", "t", "yes"):
            return True
        if word in ("false", "f", "no"):
            return False
    return None


def score_answer(spec: Mapping[str, Any], question: Question) -> tuple[float, str]:
    """(credit in [0, 1], message) for a keyed question.

    ``spec["kind"]`` is ``true_false`` (key ``true``/``false``) or ``multiple_choice`` (key: a
    list of option numbers, all of which and only which must be selected; ``options``: the
    option names, so that an answer may name them instead of numbering them).
    """
    kind, key = spec.get("kind"), spec.get("key")
    if not question.answered:
        return 0.0, "no answer"
    if kind == "true_false":
        got = parse_true_false(question.answer)
        if got is None:
            return 0.0, f"answer {question.answer[:60]!r} is neither True nor False"
        return (1.0, "correct") if got == bool(key) else (0.0, f"answered {got}, which is not right")
    if kind == "multiple_choice":
        got, want = parse_choices(question.answer, spec.get("options")), {int(k) for k in key}
        if not got:
            return 0.0, f"no option number found in {question.answer[:60]!r}"
        if got == want:
            return 1.0, "correct"
        return 0.0, f"selected {sorted(got)}, which is not the right set"
    raise ValueError(f"question kind {kind!r} has no key to score")


def manual_questions(nut) -> list[dict[str, Any]]:
    """The questions to grade by hand in ``nut`` (a ``grader.notebook.plan.NotebookUnderTest``):
    every question found in the notebook that has no key in the rubric, with the rubric's points
    when it lists the question (``None`` otherwise)."""
    if nut.stored is None:
        return []
    specs = nut.spec.get("questions") or []
    keyed_titles = [str(s["match"]) for s in specs if s.get("key") is not None]
    found = find_questions(nut.stored)
    items = []
    for q in found:
        if any(match_question([q], t) for t in keyed_titles):
            continue
        spec = next((s for s in specs if match_question([q], str(s["match"]))), None)
        items.append({"title": q.title, "prompt": q.prompt, "answer": q.answer,
                      "explanation": q.explanation, "answered": q.answered,
                      "points": None if spec is None or spec.get("points") is None
                      else float(spec["points"])})
    for spec in specs:   # listed in the rubric but missing from the notebook
        if spec.get("key") is None and not any(match_question([q], str(spec["match"])) for q in found):
            items.append({"title": str(spec["match"]), "prompt": "", "answer": "",
                          "explanation": "", "answered": False,
                          "points": None if spec.get("points") is None else float(spec["points"])})
    return items
