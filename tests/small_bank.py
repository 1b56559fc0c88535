"""A small bank of one question per kind, built in the tests rather than read from cards/."""

from __future__ import annotations

from flask import Flask

from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.extensions import db
from quizapp.services import banks
from tests.helpers import NOW

SOURCE = ("The hip joins the pelvis to the thigh bone.",)

KINDS = (
    Question(
        id="small-basic",
        kind=Kind.BASIC,
        section=Section.INTRODUCTION,
        prompt="What does the hip join?",
        answer="The pelvis to the thigh bone.",
        explanation="The hip joins the pelvis to the thigh bone.",
        source=SOURCE,
    ),
    Question(
        id="small-mcq",
        kind=Kind.MCQ,
        section=Section.TYPES,
        prompt="Which is a ball-and-socket joint?",
        options=("Knee", "Hip", "Elbow"),
        answer="Hip",
        source=SOURCE,
    ),
    Question(
        id="small-true-false",
        kind=Kind.TRUE_FALSE,
        section=Section.TYPES,
        prompt="The hip is a hinge joint.",
        answer="False",
        source=SOURCE,
    ),
    Question(
        id="small-cloze",
        kind=Kind.CLOZE,
        section=Section.MECHANISM,
        prompt="Pain at the back of the hip often comes from the {{c1::Sciatic nerve}}.",
        source=SOURCE,
    ),
    Question(
        id="small-matching",
        kind=Kind.MATCHING,
        section=Section.MECHANISM,
        prompt="Match each structure with what it does.",
        pairs=(
            Pair("Gluteus maximus", "Extends the hip when climbing stairs or rising from a chair"),
            Pair("Iliopsoas", "Flexes the hip, lifting the knee towards the chest"),
            Pair("Piriformis", "Turns the thigh outwards; can press on the sciatic nerve"),
            Pair("Hamstrings", "Extend the hip and bend the knee when walking"),
        ),
        source=SOURCE,
    ),
    Question(
        id="small-ordering",
        kind=Kind.ORDERING,
        section=Section.PROCEDURE,
        prompt="Put the steps of the examination in order.",
        sequence=("Take a history", "Look at the gait", "Feel for tenderness", "Test movement"),
        explanation="Take a history, then look at the gait.",
        source=("Take a history, then look at the gait.", "Feel for tenderness last."),
    ),
)


def basics(count: int, *, section: Section = Section.FAQ) -> tuple[Question, ...]:
    return tuple(
        Question(
            id=f"small-faq-{number}",
            kind=Kind.BASIC,
            section=section,
            prompt=f"Question {number}?",
            answer=f"Answer {number}.",
            source=SOURCE,
        )
        for number in range(1, count + 1)
    )


def load(app: Flask, questions: tuple[Question, ...] = KINDS, *, slug: str = "small") -> str:
    """Load a bank of these questions; returns its slug."""
    bank = Bank(id=slug, topic="Small hip bank", article=f"{slug}.txt", questions=questions)
    with app.app_context():
        banks.load_bank(db.session, bank, article_text="", now=NOW)
    return slug
