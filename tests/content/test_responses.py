"""Typed answers are marked as a teacher would mark them, and compared as Anki does."""

from __future__ import annotations

import pytest

from quizapp.content.bank import Kind, Question, Section
from quizapp.content.kinds import is_correct
from quizapp.content.responses import allowed_typos, compare, typed_matches


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("Nerves", "Nerves."),
        ("Nerves", "  nerves  "),
        ("Nerves", "Nerbes"),  # one wrong letter in six
        ("Sciatic nerve", "sciatic nevre"),  # two letters swapped count once
        ("Primary (idiopathic)", "Primary"),
        ("Primary (idiopathic)", "primary idiopathic"),
        ("Primary (idiopathic)", "Primary (idiopathic)"),
        ("Altered mechanics", "the Altered mechanics"),
        ("an inflamed bursa", "Inflamed bursa!"),
        ("Piriformis syndrome", "piriformis-syndrome"),
        ("Hamstring’s origin", "hamstring's origin"),
        ("Deep gluteal syndrome", "deep glutael syndrome"),
    ],
)
def test_typed_answers_a_marker_would_accept(expected: str, typed: str) -> None:
    assert typed_matches(expected, typed)


@pytest.mark.parametrize(
    ("expected", "typed"),
    [
        ("Nerves", "Nerve roots"),
        ("Hip", "Hop"),  # no typos forgiven in a word this short
        ("L4", "L5"),
        ("C5 nerve root", "C6 nerve root"),  # numbers must match even in a long answer
        ("Sciatic nerve", "Femoral nerve"),
        ("Primary (idiopathic)", "Secondary"),
        ("Altered mechanics", ""),
        ("Altered mechanics", "the"),
        ("Sacroiliac joint", "Sacr"),
    ],
)
def test_typed_answers_that_stay_wrong(expected: str, typed: str) -> None:
    assert not typed_matches(expected, typed)


def test_more_typos_are_forgiven_in_longer_answers() -> None:
    assert [allowed_typos(n) for n in (1, 4, 5, 12, 13, 21, 40)] == [0, 0, 1, 1, 2, 3, 5]
    assert typed_matches("Greater trochanteric pain syndrome", "greater trokanteric pain syndome")
    assert not typed_matches("Greater trochanteric pain syndrome", "lesser trokanteric pain sydome")


def test_a_cloze_question_is_marked_with_the_lenient_rule() -> None:
    question = Question(
        id="q",
        kind=Kind.CLOZE,
        section=Section.TYPES,
        prompt="The usual form is {{c1::Primary (idiopathic)}} arthritis.",
    )
    assert is_correct(question, "primary") is True
    assert is_correct(question, "Secondary") is False
    assert is_correct(question, "  ") is None


def test_multiple_choice_is_still_exact() -> None:
    question = Question(
        id="q",
        kind=Kind.MCQ,
        section=Section.TYPES,
        prompt="Which?",
        options=("Nerves", "Nerbes"),
        answer="Nerves",
    )
    assert is_correct(question, "Nerbes") is False


def test_comparison_marks_each_letter_as_anki_does() -> None:
    shown = compare("Nerves", "nerbes.")
    assert shown.typed == (("good", "ner"), ("bad", "b"), ("good", "es"), ("bad", "."))
    assert shown.expected == (("good", "Ner"), ("missed", "v"), ("good", "es"))
    assert not shown.exact
    assert compare("Nerves", "nerves").exact
    missing = compare("Primary (idiopathic)", "Primary")
    assert missing.expected == (("good", "Primary"), ("missed", " (idiopathic)"))
    assert missing.typed == (("good", "Primary"),)
