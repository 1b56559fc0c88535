"""A learner's own browser of questions, as Anki's: search, filter, suspend, forget, history.

Banks are shared; what is shown of them here is only this learner's cards, flags and
reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.content.text import normalise
from quizapp.models import Bank, Card, Flag, Question, Review, User
from quizapp.scheduling import LEECH_LAPSES, MemoryState
from quizapp.services import cards, statements
from quizapp.services.study import StudyError, visible

SHOWN = 200


class Filter(StrEnum):
    ALL = "all"
    NEW = "new"
    LEARNING = "learning"
    REVIEW = "review"
    SUSPENDED = "suspended"
    FLAGGED = "flagged"
    LEECH = "leech"

    @property
    def label(self) -> str:
        return {
            Filter.ALL: "All questions",
            Filter.NEW: "New (never studied)",
            Filter.LEARNING: "Learning",
            Filter.REVIEW: "In review",
            Filter.SUSPENDED: "Suspended",
            Filter.FLAGGED: "Flagged by me",
            Filter.LEECH: f"Leeches ({LEECH_LAPSES}+ lapses)",
        }[self]


@dataclass(frozen=True)
class Row:
    question_id: int
    bank: Bank
    question: content.Question
    memory: MemoryState
    suspended: bool
    flagged: bool

    @property
    def status(self) -> str:
        if self.suspended:
            return "Suspended"
        if self.memory.is_new:
            return "New"
        return "Review" if self.memory.state == 2 else "Learning"


@dataclass(frozen=True)
class Found:
    rows: list[Row]
    total: int  # matches before the first SHOWN were kept


def _text(question: content.Question) -> str:
    parts = [question.prompt, question.answer, question.explanation]
    parts += list(question.options) + list(question.sequence) + list(question.tags)
    parts += [side for pair in question.pairs for side in (pair.left, pair.right)]
    return normalise(" ".join(parts).replace("{{c1::", "").replace("}}", ""))


def search(
    session: Session,
    user: User,
    *,
    text: str = "",
    show: Filter = Filter.ALL,
    bank_id: int | None = None,
) -> Found:
    """The learner's questions matching every word of `text` and the filter, in bank order."""
    query = (
        select(Question, Bank, Card)
        .join(Bank, Bank.id == Question.bank_id)
        .outerjoin(Card, and_(Card.question_id == Question.id, Card.user_id == user.id))
        .where(statements.VISIBLE)
        .order_by(Bank.topic, Question.position)
    )
    if bank_id is not None:
        query = query.where(Question.bank_id == bank_id)
    flagged = set(session.scalars(select(Flag.question_id).where(Flag.user_id == user.id)))
    if show is Filter.NEW:
        query = query.where(Card.last_review.is_(None))
    elif show is Filter.LEARNING:
        query = query.where(Card.last_review.is_not(None), Card.state != 2)
    elif show is Filter.REVIEW:
        query = query.where(Card.last_review.is_not(None), Card.state == 2)
    elif show is Filter.SUSPENDED:
        query = query.where(Card.suspended.is_(True))
    elif show is Filter.LEECH:
        query = query.where(Card.lapses >= LEECH_LAPSES)
    elif show is Filter.FLAGGED:
        query = query.where(Question.id.in_(flagged or {-1}))
    words = normalise(text).split()
    rows = []
    total = 0
    for question, bank, card in session.execute(query):
        value = content.Question.from_dict(question.content)
        if words:
            haystack = _text(value)
            if not all(word in haystack for word in words):
                continue
        total += 1
        if len(rows) < SHOWN:
            rows.append(
                Row(
                    question_id=question.id,
                    bank=bank,
                    question=value,
                    memory=cards.memory_of(card),
                    suspended=bool(card and card.suspended),
                    flagged=question.id in flagged,
                )
            )
    return Found(rows, total)


@dataclass(frozen=True)
class History:
    question_id: int
    bank: Bank
    question: content.Question
    memory: MemoryState
    suspended: bool
    reviews: list[Review]
    flags: list[Flag]


def history(session: Session, user: User, question_id: int) -> History:
    """One question with this learner's card, every answer they gave and their flags."""
    question = session.get(Question, question_id)
    if question is None or not visible(session, question_id):
        raise StudyError("This question is not available.")
    card = session.scalar(
        select(Card).where(Card.user_id == user.id, Card.question_id == question_id)
    )
    reviews = session.scalars(
        select(Review)
        .where(Review.user_id == user.id, Review.question_id == question_id)
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
    )
    flags = session.scalars(
        select(Flag)
        .where(Flag.user_id == user.id, Flag.question_id == question_id)
        .order_by(Flag.created_at.desc())
    )
    return History(
        question_id=question.id,
        bank=question.bank,
        question=content.Question.from_dict(question.content),
        memory=cards.memory_of(card),
        suspended=bool(card and card.suspended),
        reviews=list(reviews),
        flags=list(flags),
    )


def forget(session: Session, *, user: User, question_id: int) -> None:
    """Reset the learner's card to new, as Anki's Forget; the review history is kept.

    The card's version moves on, so an answer from a page shown before the reset is refused.
    """
    card = cards.load_one(session, user_id=user.id, question_id=question_id)
    if card is None or card.memory.is_new:
        raise StudyError("This question is already new for you.")
    try:
        cards.save(session, card, memory=MemoryState())
        session.commit()
    except cards.CardChanged:
        session.rollback()
        raise StudyError("That card changed meanwhile; try again.") from None
