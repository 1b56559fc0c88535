"""Judge a learner's response to a question (pure)."""

from __future__ import annotations

import json

from quizapp.content.bank import Kind, Question
from quizapp.content.text import normalise


def encode(values: list[str]) -> str:
    """Responses with several parts (matching, ordering) are stored as JSON lists."""
    return json.dumps(values, ensure_ascii=False)


def decode(response: str) -> list[str]:
    try:
        values = json.loads(response)
    except ValueError:
        return []
    return [str(v) for v in values] if isinstance(values, list) else []


def is_correct(question: Question, response: str | None) -> bool | None:
    """Whether the response is right; None where there is nothing to judge (basic, blank)."""
    if response is None or not response.strip():
        return None
    if question.kind in (Kind.MCQ, Kind.TRUE_FALSE, Kind.CLOZE):
        return normalise(response) == normalise(question.correct_answer)
    if question.kind is Kind.MATCHING:
        return decode(response) == [pair.right for pair in question.pairs]
    if question.kind is Kind.ORDERING:
        return decode(response) == list(question.sequence)
    return None
