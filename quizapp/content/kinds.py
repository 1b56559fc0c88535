"""What each question kind needs, in one table: the fields its answer takes in a bank
file, how a question of the kind is checked, the choices a learner picks among, and how
a response is marked.

A new kind adds a `Kind` member (`content/bank.py`), an entry in `RULES`, a template in
`templates/kinds/`, a form reader in `study/present.py` and a note type in `export/anki.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from quizapp.content.bank import CLOZE, FALSE, TRUE, Kind, Question
from quizapp.content.responses import decode, typed_matches
from quizapp.content.text import normalise

MAX_OPTIONS = 8

Problems = Iterator[tuple[str, str]]  # (field, message)


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def text_list(value: Any) -> bool:
    return isinstance(value, list) and all(is_text(entry) for entry in value)


def _answer(q: dict[str, Any]) -> Problems:
    if not is_text(q.get("answer")):
        yield "answer", "missing or empty"


def _mcq(q: dict[str, Any]) -> Problems:
    yield from _answer(q)
    options = q.get("options")
    if not text_list(options):
        yield "options", "must be a list of non-empty options"
        return
    if not 2 <= len(options) <= MAX_OPTIONS:
        yield "options", f"must have 2 to {MAX_OPTIONS} options, found {len(options)}"
    folded = Counter(normalise(option) for option in options)
    for option in options:
        if folded[normalise(option)] > 1:
            yield "options", f"duplicate option: {option!r}"
            folded[normalise(option)] = 1
    answer = q.get("answer")
    if is_text(answer) and normalise(answer) not in folded:
        yield "answer", f"must be exactly one of the options, found {answer!r}"


def _true_false(q: dict[str, Any]) -> Problems:
    if str(q.get("answer")) not in (TRUE, FALSE):
        yield "answer", f"must be {TRUE} or {FALSE}, found {q.get('answer')!r}"


def _cloze(q: dict[str, Any]) -> Problems:
    prompt = q.get("prompt")
    if is_text(prompt):
        deletions = CLOZE.findall(prompt)
        if len(deletions) != 1 or not deletions[0].strip():
            yield "prompt", "must mark exactly one deletion as {{c1::text}}"


def _matching(q: dict[str, Any]) -> Problems:
    pairs = q.get("pairs")
    if not isinstance(pairs, list) or len(pairs) < 2:
        yield "pairs", "must be a list of at least two {left, right} pairs"
        return
    for number, pair in enumerate(pairs, start=1):
        if (
            not isinstance(pair, dict)
            or set(pair) != {"left", "right"}
            or not (is_text(pair["left"]) and is_text(pair["right"]))
        ):
            yield "pairs", f"pair {number} must have non-empty 'left' and 'right' and nothing else"
            return
    for side in ("left", "right"):
        folded = Counter(normalise(pair[side]) for pair in pairs)
        if max(folded.values()) > 1:
            yield "pairs", f"two pairs share the same {side} side"


def _ordering(q: dict[str, Any]) -> Problems:
    sequence = q.get("sequence")
    if not text_list(sequence) or len(sequence) < 2:
        yield "sequence", "must list at least two non-empty steps in order"
    elif len({normalise(step) for step in sequence}) != len(sequence):
        yield "sequence", "two steps are the same"


_KIND_CHECKS: dict[Kind, Callable[[dict[str, Any]], Iterator[tuple[str, str]]]] = {
    Kind.BASIC: _answer,
    Kind.MCQ: _mcq,
    Kind.TRUE_FALSE: _true_false,
    Kind.CLOZE: _cloze,
    Kind.MATCHING: _matching,
    Kind.ORDERING: _ordering,
}


def _same_choice(question: Question, response: str) -> bool:
    return normalise(response) == normalise(question.correct_answer)


@dataclass(frozen=True)
class Rules:
    """What one kind needs."""

    fields: frozenset[str]  # the answer's fields in a bank file
    check: Callable[[dict[str, Any]], Problems]
    # Marks a response; None: self-graded (the learner says how it went).
    mark: Callable[[Question, str], bool] | None
    # What a learner picks among (an item's answer spread); () for free answers.
    choices: Callable[[Question], tuple[str, ...]] = lambda question: ()


RULES: dict[Kind, Rules] = {
    Kind.BASIC: Rules(frozenset({"answer"}), _answer, mark=None),
    Kind.MCQ: Rules(
        frozenset({"answer", "options"}),
        _mcq,
        mark=_same_choice,
        choices=lambda question: question.options,
    ),
    Kind.TRUE_FALSE: Rules(
        frozenset({"answer"}), _true_false, mark=_same_choice, choices=lambda _: (TRUE, FALSE)
    ),
    Kind.CLOZE: Rules(
        frozenset(),
        _cloze,
        mark=lambda question, response: typed_matches(question.correct_answer, response),
    ),
    Kind.MATCHING: Rules(
        frozenset({"pairs"}),
        _matching,
        mark=lambda question, response: decode(response) == [p.right for p in question.pairs],
    ),
    Kind.ORDERING: Rules(
        frozenset({"sequence"}),
        _ordering,
        mark=lambda question, response: decode(response) == list(question.sequence),
    ),
}

# Kinds whose responses `is_correct` can judge.
MARKABLE = frozenset(kind for kind, rules in RULES.items() if rules.mark is not None)


def is_correct(question: Question, response: str | None) -> bool | None:
    """Whether the response is right; None where there is nothing to judge (basic, blank)."""
    mark = RULES[question.kind].mark
    if mark is None or response is None or not response.strip():
        return None
    return mark(question, response)
