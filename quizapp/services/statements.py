"""The study loop's statements, built once.

Every card page counts the queue and picks its next card, and every answer
updates a card. Building those statements costs more than running them on a bank
of a few hundred questions, so each is built once (the queue's once per shape of
scope: which of section, kind, question set and overdue questions narrow it) with
bind parameters for the learner, the time and the scope's values, and
SQLAlchemy's compiled cache does the rest.

Parameters: `user_id`, `bank_id`, `section`, `kind`, `ids` and `first` (lists),
`now`, `ahead` (the end of the learn-ahead window), `day_start`, `question_id`,
`reviews_left` and `new_left` (whether today's limits leave any), `after`;
`slug` for a bank, `role` for a class member.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Insert,
    Select,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from quizapp.models import Assignment, Bank, Card, Membership, Question, Review
from quizapp.services import cards

LEARNING_STATES = (1, 3)
REVIEW_STATE = 2

_NEW = Card.last_review.is_(None)

# What learners may see: approved questions still in use, of published banks. A bank is
# found for study through `bank()`, which finds only published ones.
LIVE = Question.retired.is_(False) & (Question.status == "approved")
PUBLISHED_BANKS = select(Bank.id).where(Bank.status == "published")
VISIBLE = LIVE & Question.bank_id.in_(PUBLISHED_BANKS)


@dataclass(frozen=True)
class Shape:
    """Which optional narrowings a scope has."""

    section: bool = False
    kind: bool = False
    ids: bool = False
    first: bool = False
    after: bool = False  # custom study: continue the walk after a bank position


# A question as a card page shows it, with the learner's card (None columns when unseen).
SHOWN = (
    Question.id,
    Question.position,
    Question.content,
    (~VISIBLE).label("hidden"),
    *cards.COLUMNS,
)


def _with_card(*columns: Any) -> Select[Any]:
    """Questions beside the learner's card for each; no card row means never seen."""
    return (
        select(*columns)
        .select_from(Question)
        .outerjoin(Card, (Card.question_id == Question.id) & (Card.user_id == bindparam("user_id")))
    )


def _in_scope(shape: Shape) -> list[Any]:
    conditions = [Question.bank_id == bindparam("bank_id"), LIVE]
    if shape.section:
        conditions.append(Question.section == bindparam("section"))
    if shape.kind:
        conditions.append(Question.kind == bindparam("kind"))
    if shape.ids:
        conditions.append(Question.id.in_(bindparam("ids", expanding=True)))
    return conditions


def _queue(shape: Shape, *columns: Any) -> Select[Any]:
    """The scope's questions the learner has not suspended, each with its card."""
    return _with_card(*columns).where(
        *_in_scope(shape), Card.id.is_(None) | Card.suspended.is_(False)
    )


def _learning(until: str) -> Any:
    return (
        Card.last_review.is_not(None)
        & Card.state.in_(LEARNING_STATES)
        & (Card.due <= bindparam(until))
    )


_REVIEW_DUE = (
    Card.last_review.is_not(None) & (Card.state == REVIEW_STATE) & (Card.due <= bindparam("now"))
)


# The questions answered today, apart from the queue's own (a subquery naming the queue's
# table would be correlated with it).
_Answered = aliased(Question)


def _answered_today_in_bank(*columns: Any) -> Select[Any]:
    """The learner's answers today to the bank's questions that ask a fact."""
    return (
        select(*columns)
        .select_from(Review)
        .join(_Answered, _Answered.id == Review.question_id)
        .where(
            Review.user_id == bindparam("user_id"),
            Review.reviewed_at >= bindparam("day_start"),
            _Answered.bank_id == bindparam("bank_id"),
            _Answered.fact.is_not(None),
        )
    )


# As Anki buries siblings: a new or review card waits for tomorrow once a question asking
# the same fact has been answered today (learning cards are never held back). Another
# question of its fact was answered today if two of the fact's questions were, or one
# was and it is not this one. Written without correlation, each set is read once per
# statement rather than once per question of the bank.
_facts_answered = _answered_today_in_bank(_Answered.fact)
_facts_answered_twice = (
    _answered_today_in_bank(_Answered.fact)
    .group_by(_Answered.fact)
    .having(func.count(Review.question_id.distinct()) > 1)
)
_BURIED = Question.fact.in_(_facts_answered_twice) | (
    Question.fact.in_(_facts_answered)
    & Question.id.not_in(_answered_today_in_bank(Review.question_id))
)


def _answered_today(state_before: Any) -> Any:
    """Today's answers of this kind in the bank: daily limits are per bank, as Anki's per deck."""
    in_bank = select(Question.id).where(Question.bank_id == bindparam("bank_id"))
    return (
        select(func.count())
        .where(
            Review.user_id == bindparam("user_id"),
            Review.reviewed_at >= bindparam("day_start"),
            Review.question_id.in_(in_bank),
            state_before,
        )
        .scalar_subquery()
    )


@cache
def counts(shape: Shape) -> Select[Any]:
    """One row: learning due in the learn-ahead window, reviews due and unseen (siblings
    of a question answered today left out), and today's new cards and reviews of review
    cards."""
    return _queue(
        shape,
        func.count(case((_learning("ahead"), 1))),
        func.count(case((_REVIEW_DUE & ~_BURIED, 1))),
        func.count(case((_NEW & ~_BURIED, 1))),
        _answered_today(Review.state_before.is_(None)),
        _answered_today(Review.state_before == REVIEW_STATE),
    )


@cache
def next_card(shape: Shape) -> Select[Any]:
    """The question to show next (`SHOWN`): learning due now, then reviews due, then new
    cards in bank order, then learning due within the learn-ahead window; the
    overdue questions of assignments first within each."""
    first = (
        case((Question.id.in_(bindparam("first", expanding=True)), 0), else_=1)
        if shape.first
        else literal(0)
    )
    wanted = or_(
        _learning("ahead"),
        bindparam("reviews_left", type_=Boolean) & _REVIEW_DUE & ~_BURIED,
        bindparam("new_left", type_=Boolean) & _NEW & ~_BURIED,
    )
    rank = case((_learning("now"), 0), (_REVIEW_DUE, 1), (_NEW, 2), else_=3)
    return (
        _queue(shape, *SHOWN)
        .where(wanted)
        .order_by(
            rank,
            first,
            case((_NEW, null()), else_=Card.due),
            case((_NEW, Question.position), else_=Card.id),
        )
        .limit(1)
    )


@cache
def in_queue(shape: Shape) -> Select[Any]:
    """The question `question_id`, if it is in the scope and not suspended."""
    return _queue(shape, Question.id).where(Question.id == bindparam("question_id"))


@cache
def shown() -> Select[Any]:
    """The question `question_id` as `SHOWN`."""
    return _with_card(*SHOWN).where(Question.id == bindparam("question_id"))


@cache
def walk(shape: Shape) -> Select[Any]:
    """The questions left in a custom-study walk, in bank order."""
    suspended = exists().where(
        Card.user_id == bindparam("user_id"), Card.question_id == Question.id, Card.suspended
    )
    query = select(Question.id).where(*_in_scope(shape), ~suspended)
    if shape.after:
        query = query.where(Question.position > bindparam("after"))
    return query.order_by(Question.position)


@cache
def bank() -> Select[Any]:
    """A published bank by `slug`."""
    return select(Bank).where(Bank.slug == bindparam("slug"), Bank.status == "published")


@cache
def record_review() -> Insert:
    """Insert a review from its column values; returns its id."""
    reviews = Review.__table__
    return insert(reviews).returning(reviews.c.id)


@cache
def overdue_assignments() -> Select[Any]:
    """The open assignments of this bank past their due date, in the user's classes."""
    return (
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(
            Membership.user_id == bindparam("user_id"),
            Membership.role == bindparam("role"),
            Assignment.status == "open",
            Assignment.bank_id == bindparam("bank_id"),
            Assignment.due_at < bindparam("now"),
        )
    )


@cache
def scope_options() -> Select[Any]:
    """The (section, kind) pairs the bank's active questions have."""
    return (
        select(Question.section, Question.kind)
        .where(Question.bank_id == bindparam("bank_id"), LIVE)
        .distinct()
    )
