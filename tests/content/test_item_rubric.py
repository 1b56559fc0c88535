"""The item-quality rubric, as far as a program can read it, on a sample of the demo banks.

A bad item is not self-contained, has more than one defensible answer, asks about
layout or wording, or cues its answer. A reader judges the rest; these are the parts a
program can check on 40 questions drawn from every demo bank.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from quizapp.content.bank import CLOZE, Kind, Question
from quizapp.content.bankfile import load_bank
from quizapp.content.lint import lint_question
from quizapp.content.text import normalise

CARDS = Path(__file__).resolve().parents[2] / "cards"
SAMPLE = 40
LAYOUT = re.compile(
    r"which (grouping|comparison|step|group|heading|category)|compared with\?|pro or a con|"
    r"put the steps|listed (in|under)|in the article|this point|this section",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"^(It|They|This|These|Its|Their)\b")


def _sample() -> list[tuple[str, Question]]:
    pool = [
        (bank.topic, question)
        for path in sorted(CARDS.glob("*.yaml"))
        for bank in [load_bank(path)]
        for question in bank.questions
    ]
    return random.Random(11).sample(pool, SAMPLE)


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, Question]]:
    return _sample()


def test_items_are_self_contained(sample: list[tuple[str, Question]]) -> None:
    for topic, q in sample:
        assert normalise(topic) in normalise(q.prompt), q.id
        body = q.prompt.split(": ", 1)[-1]
        assert not _DANGLING.match(body) or q.kind is Kind.BASIC, q.id


def test_items_have_one_defensible_answer(sample: list[tuple[str, Question]]) -> None:
    for _, q in sample:
        if q.kind is Kind.MCQ:
            assert len({normalise(o) for o in q.options}) == len(q.options), q.id
            assert q.options.count(q.answer) == 1, q.id
        if q.kind is Kind.CLOZE:
            (deletion,) = CLOZE.findall(q.prompt)
            rest = CLOZE.sub("…", q.prompt)
            assert normalise(deletion) not in normalise(rest), q.id


def test_items_ask_content_not_layout(sample: list[tuple[str, Question]]) -> None:
    assert [q.id for _, q in sample if LAYOUT.search(q.prompt)] == []


def test_items_do_not_cue_their_answer(sample: list[tuple[str, Question]]) -> None:
    assert [(q.id, str(f)) for topic, q in sample for f in lint_question(q, topic=topic)] == []
