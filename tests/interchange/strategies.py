"""Hypothesis strategies: questions of every kind whose text holds every special character."""

from __future__ import annotations

import string

from hypothesis import strategies as st

from quizapp.content.bank import Kind, Pair, Question, Section
from quizapp.content.check import check_bank_data

# Every character the formats treat specially, and some they do not.
_ALPHABET = string.ascii_letters + string.digits + " ~=#{}:\\<>&\"'[]/_|,.;?!()é→µ\n"


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_TEXT = st.text(_ALPHABET, min_size=1, max_size=40).map(_tidy).filter(bool)
# GIFT cannot escape '->' in a matching pair; a deletion cannot hold braces or the gap.
_PAIR_TEXT = _TEXT.filter(lambda text: "->" not in text and "-" not in text[-1:])
_DELETION = _TEXT.filter(lambda text: not set(text) & set("{}\n") and "_" not in text)
_TAGS = st.lists(st.from_regex(r"[a-z][a-z0-9:=#-]{0,8}", fullmatch=True), max_size=3, unique=True)


@st.composite
def questions(draw: st.DrawFn) -> Question:
    kind = draw(st.sampled_from(list(Kind)))
    common = {
        "id": draw(st.from_regex(r"[a-z][a-z0-9._-]{0,20}", fullmatch=True)),
        "kind": kind,
        "section": draw(st.sampled_from(list(Section))),
        "prompt": draw(_TEXT.filter(lambda text: "_____" not in text)),
        "explanation": draw(st.one_of(st.just(""), _TEXT)),
        "tags": tuple(draw(_TAGS)),
        "source": ("Anything.",),
    }
    if kind is Kind.MCQ:
        options = draw(
            st.lists(
                _TEXT, min_size=2, max_size=8, unique_by=lambda t: " ".join(t.casefold().split())
            )
        )
        return Question(**common, options=tuple(options), answer=draw(st.sampled_from(options)))
    if kind is Kind.TRUE_FALSE:
        return Question(**common, answer=draw(st.sampled_from(["True", "False"])))
    if kind is Kind.CLOZE:
        before, after = draw(_TEXT), draw(st.one_of(st.just(""), _TEXT))
        deletion = draw(_DELETION)
        return Question(**{**common, "prompt": f"{before} {{{{c1::{deletion}}}}} {after}".strip()})
    if kind is Kind.MATCHING:
        lefts = draw(st.lists(_PAIR_TEXT, min_size=2, max_size=5, unique_by=str.casefold))
        rights = draw(
            st.lists(_PAIR_TEXT, min_size=len(lefts), max_size=len(lefts), unique_by=str.casefold)
        )
        return Question(
            **common,
            pairs=tuple(Pair(left, right) for left, right in zip(lefts, rights, strict=True)),
        )
    if kind is Kind.ORDERING:
        steps = draw(st.lists(_TEXT, min_size=2, max_size=5, unique_by=str.casefold))
        return Question(**common, sequence=tuple(steps))
    return Question(**common, answer=draw(_TEXT))


def valid(question: Question) -> bool:
    data = {"format": 1, "id": "b", "topic": "t", "article": "a", "questions": [question.to_dict()]}
    return not check_bank_data(data, file="", article_text=None)
