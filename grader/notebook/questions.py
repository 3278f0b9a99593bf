"""Inline and written questions: found in the markdown cells, with the student's answer text.

The course notebooks ask questions in markdown (``docs/courses.md`` §6): a cell holding
``Inline Question 2`` (CS231n; also ``Inline question 3``, ``5.1 Inline Question 1:``,
``Inline Question 4 - True or False``, and an unnumbered ``Inline Question`` in 2016-2020) or ``Question:`` (CS182), followed by an answer cell that
starts with ``Your Answer:`` (CS231n writes ``$\\color{blue}{\\textit Your Answer:}$``) or
``Answer:`` (UCLA, CS231n FullyConnectedNets), optionally followed by ``Your Explanation:``.

``find_questions(notebook)`` returns the ``Question``s in document order. The rubric may give
each one points and, for true/false and multiple-choice questions, a key
(``score_answer``); free-text questions are listed for manual grading and never scored here.

The numbering changes from year to year (docs/courses.md §A5.3: 2019's true/false question is
Inline Question 2, 2025's is 4; 2017's knn asks one question), so a rubric question may name
words of its text (``prompt``): ``resolve`` finds it by them, whatever its number, and a notebook
that does not hold them does not ask it. Answers are read as students write them: the marker in
emphasis or bold (``*Your Answer*: 1, 4``), full-width digits and commas, and any language around
the option numbers (``parse_choices``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

from .read import Notebook

MAX_PROMPT_CHARS = 1500
MAX_ANSWER_CHARS = 4000

_QUESTION = re.compile(r"^\W*(?:[\d.]+\s+)?(inline\s+question\b[^\n]*|question\s*\d*\s*:)",
                       re.IGNORECASE | re.MULTILINE)
_LATEX_WRAP = re.compile(r"\$\\color\{[^}]*\}\{\\textit\s*([^}]*)\}\$")
# "Your Answer:", "Your Answer :", "*Your Answer*:", "**Your Answer:**", a line of its own
# "**Your Answer**", and a line starting with "Answer:" (UCLA); the colon may be full-width.
# Prose such as "write *your answer* below" is not a marker.
_ANSWER = re.compile(r"(?:your\s+answer\s*[*_]*\s*[:：]|^[ \t*_#]*your\s+answer[ \t*_]*$"
                     r"|^\W*(?:[\d.]+\s+)?answer\s*[*_]*\s*[:：])[\s*_]*",
                     re.IGNORECASE | re.MULTILINE)
_EXPLANATION = re.compile(r"your\s+explanation\s*[*_]*\s*[:：]", re.IGNORECASE)
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
    text = " ".join(re.sub(r"[*_#]", " ", text).split()).strip().lower()
    return text.strip(" .!:")


def _clean(text: str) -> str:
    return _LATEX_WRAP.sub(r"\1", text)


def _split_answer(text: str) -> tuple[str, str]:
    """(answer, explanation) from the text after the ``Answer:`` marker."""
    m = _EXPLANATION.search(text)
    answer, explanation = (text[:m.start()], text[m.end():]) if m else (text, "")
    return answer.strip(" \n*_"), explanation.strip(" \n*_")


def _title(line: str) -> str:
    title = " ".join(re.sub(r"[*_]+", " ", line).strip(" #:").split())
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


def _squashed(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", _clean(text)).split()).lower()


def resolve(spec: Mapping[str, Any], questions: list[Question], notebook: Notebook) -> tuple[Question | None, bool]:
    """``(question, asked)`` for the rubric question ``spec``: found by its ``prompt`` words
    when it names them (``asked`` False when the notebook holds them nowhere: another year's
    notebook), else by its title (``match``)."""
    phrase = spec.get("prompt")
    if not phrase:
        return match_question(questions, str(spec["match"])), True
    want = _squashed(str(phrase))
    sources = {c.index: c.source for c in notebook.cells}
    for q in questions:
        if want in _squashed(q.title + " " + sources.get(q.cell, q.prompt)):
            return q, True
    return None, any(want in _squashed(c.source) for c in notebook.cells if c.cell_type != "code")


# Option numbers: standalone (not part of a longer number, a name such as "L1" or "1-NN", a
# decimal or a percentage, nor an ordinal "第2"), whatever the script around them.
_OPTION = re.compile(r"(?<![A-Za-z0-9_.\-=^$第])(\d{1,2})(?![0-9A-Za-z_%]|[.\-][0-9A-Za-z])")
# A leading list of option numbers: "1, 4", "(1), (3)", "2 and 4", "1、2和3"
_LEADING_LIST = re.compile(r"^[\s(\[]*\d{1,2}[)\]]?(?:\s*(?:[,;/&、]|and|or|和|与|及|以及)?\s*"
                           r"[(\[]?\d{1,2}[)\]]?)*(?![0-9A-Za-z%\-])", re.IGNORECASE)
_ITEM_AFTER = re.compile(r"\s*[.)]\s*[^\W\d]")
_ENUMERATED = re.compile(r"(?:^|\s)(\d)[.)]\s")


def option_count(prompt: str, options: list[str] | None = None) -> int | None:
    """How many options a question offers: the rubric's ``options``, else the highest
    ``N.`` / ``N)`` item of the prompt (``None`` when it lists none)."""
    if options:
        return len(options)
    numbers = [int(n) for n in _ENUMERATED.findall(unicodedata.normalize("NFKC", prompt))]
    return max(numbers) if numbers else None


def parse_choices(answer: str, options: list[str] | None = None, count: int | None = None) -> set[int]:
    """The options chosen in a multiple-choice answer: numbers (``"1,2,3"``, ``"2 and 4"``,
    ``"(1), (3)"``, ``"１，４"``) or, when the rubric names the ``options`` (option 1 first), their
    names (``"Sigmoid, ReLU."``; a longer name such as ``Leaky ReLU`` is read before ``ReLU``).

    An answer that starts with a list of numbers is that list (what follows explains it, in any
    language: "2,4 因为 1-NN ..." is options 2 and 4); otherwise every standalone number counts.
    Only numbers from 1 to ``count`` (the options offered; default: the rubric's ``options``)
    are options."""
    text = unicodedata.normalize("NFKC", answer)
    count = count or (len(options) if options else None)
    lead = _LEADING_LIST.match(text)
    if lead and len(_OPTION.findall(lead.group(0))) == 1 and _ITEM_AFTER.match(text, lead.end()):
        lead = None   # "1. Sigmoid 2. ReLU": the answer lists options as items, not a leading list
    pool = lead.group(0) if lead else text
    chosen = {int(n) for n in _OPTION.findall(pool)}
    chosen = {n for n in chosen if n >= 1 and (count is None or n <= count)}
    if chosen or not options:
        return chosen
    text = " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "
    for number, name in sorted(enumerate(options, 1), key=lambda item: -len(item[1])):
        words = " " + " ".join(re.findall(r"[a-z0-9]+", name.lower())) + " "
        if words.strip() and words in text:
            chosen.add(number)
            text = text.replace(words, " ")
    return chosen


_TRUE_WORDS = ("true", "t", "yes")
_FALSE_WORDS = ("false", "f", "no")
_TRUE_CJK, _FALSE_CJK = ("正确", "对", "是", "真"), ("错误", "不对", "错", "否", "假")


def parse_true_false(answer: str) -> bool | None:
    text = unicodedata.normalize("NFKC", answer).strip(" *_$:：")
    for word in _FALSE_CJK:   # "不对" before "对"
        if text.startswith(word):
            return False
    for word in _TRUE_CJK:
        if text.startswith(word):
            return True
    words = re.findall(r"[a-z]+", text.lower())
    for word in words[:5]:
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
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
        count = option_count(question.prompt, spec.get("options"))
        got, want = parse_choices(question.answer, spec.get("options"), count), {int(k) for k in key}
        if not got:
            return 0.0, f"no option number found in {question.answer[:60]!r}"
        if got == want:
            return 1.0, "correct"
        return 0.0, f"selected {sorted(got)}, which is not the right set"
    raise ValueError(f"question kind {kind!r} has no key to score")


def manual_questions(nut) -> list[dict[str, Any]]:
    """The questions to grade by hand in ``nut`` (a ``grader.notebook.plan.NotebookUnderTest``):
    every question found in the notebook that no keyed rubric question resolves to, with the
    rubric's points when it lists the question (``None`` otherwise)."""
    if nut.stored is None:
        return []
    specs = nut.spec.get("questions") or []
    found = find_questions(nut.stored)
    resolved = [(s, *resolve(s, found, nut.stored)) for s in specs]
    keyed = {id(q) for s, q, _ in resolved if s.get("key") is not None and q is not None}
    items = []
    for q in found:
        if id(q) in keyed:
            continue
        spec = next((s for s, r, _ in resolved if r is q and s.get("key") is None), None)
        items.append({"title": q.title, "prompt": q.prompt, "answer": q.answer,
                      "explanation": q.explanation, "answered": q.answered,
                      "points": None if spec is None or spec.get("points") is None
                      else float(spec["points"])})
    # listed in the rubric with points but missing from the notebook (a question without points
    # may belong to another year's notebook, docs/courses.md §A5.3: not listed)
    for spec, q, asked in resolved:
        if (spec.get("key") is None and q is None and asked and not spec.get("prompt")
                and spec.get("points") is not None):
            items.append({"title": str(spec["match"]), "prompt": "", "answer": "",
                          "explanation": "", "answered": False,
                          "points": None if spec.get("points") is None else float(spec["points"])})
    return items
