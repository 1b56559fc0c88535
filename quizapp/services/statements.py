"""The study loop's statements, built once.

Every card page counts the queue and picks its next card, and every answer
updates a card. Building those statements costs more than running them on a bank
of a few hundred questions, so each is built once (the queue's once per shape of
scope: which of section, kind, question set and overdue questions narrow it) with
bind parameters for the learner, the time and the scope's values, and
SQLAlchemy's compiled cache does the rest.

Parameters: `user_id`, `bank_id`, `section`, `kind`, `ids` and `first` (lists),
`now`, `ahead` (the end of the learn-ahead window), `day_start`, `question_id`,
`reviews_limit` and `new_limit` (today's limits, the new cards added today included),
`after`; `slug` for a bank, `role` for a class member, `exams_open_since` (the earliest
deadline of an exam still open, its grace included); `own_reviews_per_day` and
`own_new_per_day` (the learner's own limits, where no preset sets them); `since` and
`until` for the fuzz window's load.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
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
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.visitors import replacement_traverse

from quizapp.models import (
    Assignment,
    Bank,
    BankPreset,
    Card,
    ExamAttempt,
    ExtraNewCards,
    Membership,
    Preset,
    Question,
    Review,
)
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

# The learner's preset for a bank, named as Preset's attributes (`preset_id` None: their
# default), read with `_with_preset`.
PRESET = (
    Preset.id.label("preset_id"),
    Preset.name,
    Preset.desired_retention,
    Preset.new_per_day,
    Preset.reviews_per_day,
    Preset.learning_steps,
    Preset.relearning_steps,
    Preset.maximum_interval,
)


def _with_preset(query: Select[Any], bank_id: Any) -> Select[Any]:
    """The query beside the learner's preset for the bank `bank_id`, if they chose one."""
    return query.outerjoin(
        BankPreset,
        (BankPreset.bank_id == bank_id) & (BankPreset.user_id == bindparam("user_id")),
    ).outerjoin(Preset, Preset.id == BankPreset.preset_id)


# Whether the learner has an exam open: its questions are then left out of study.
IN_EXAM = (
    exists()
    .where(
        ExamAttempt.user_id == bindparam("user_id"),
        ExamAttempt.finished_at.is_(None),
        ExamAttempt.deadline >= bindparam("exams_open_since"),
    )
    .label("in_exam")
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
        # Not `in_`: a tuple is an expanding parameter, rendered again on every execution.
        & or_(*(Card.state == state for state in LEARNING_STATES))
        & (Card.due <= bindparam(until))
    )


_REVIEW_DUE = (
    Card.last_review.is_not(None) & (Card.state == REVIEW_STATE) & (Card.due <= bindparam("now"))
)


# The questions answered today, apart from the queue's own (a subquery naming the queue's
# table would be correlated with it).
_Answered = aliased(Question)

# The learner's answers today to the bank's questions: daily limits are per bank, as
# Anki's are per deck, and siblings are buried by fact within the bank. Read once per
# statement, however many of the conditions below use it.
_TODAY = (
    select(Review.question_id, Review.state_before, _Answered.fact)
    .select_from(Review)
    .join(_Answered, _Answered.id == Review.question_id)
    .where(
        Review.user_id == bindparam("user_id"),
        Review.reviewed_at >= bindparam("day_start"),
        _Answered.bank_id == bindparam("bank_id"),
    )
    .cte("answered_today")
)

# As Anki buries siblings: a new or review card waits for tomorrow once another question
# asking the same fact was answered today (learning cards are never held back). The
# buried questions' ids are listed once per statement, through the index on bank and fact.
_Sibling = aliased(Question)
_BURIED_TODAY = (
    select(_Sibling.id)
    .select_from(_TODAY)
    .join(
        _Sibling,
        (_Sibling.bank_id == bindparam("bank_id"))
        & (_Sibling.fact == _TODAY.c.fact)
        & (_Sibling.id != _TODAY.c.question_id),
    )
    .cte("buried_today")
)
_BURIED = Question.id.in_(select(_BURIED_TODAY.c.id))


def _answered_today(state_before: Any) -> Any:
    """How many of today's answers in the bank were of this kind."""
    return select(func.count()).select_from(_TODAY).where(state_before).scalar_subquery()


_NEW_TODAY = _answered_today(_TODAY.c.state_before.is_(None))
_REVIEWS_TODAY = _answered_today(_TODAY.c.state_before == REVIEW_STATE)


@cache
def counts(shape: Shape) -> Select[Any]:
    """One row: learning due in the learn-ahead window, reviews due and unseen (siblings
    of a question answered today left out), and today's new cards and reviews of review
    cards."""
    return _queue(
        shape,
        func.count(case((_learning("ahead"), 1))).label("learning"),
        func.count(case((_REVIEW_DUE & ~_BURIED, 1))).label("review"),
        func.count(case((_NEW & ~_BURIED, 1))).label("unseen"),
        _NEW_TODAY.label("new_today"),
        _REVIEWS_TODAY.label("reviews_today"),
    )


def _next(shape: Shape) -> Select[Any]:
    first = (
        case((Question.id.in_(bindparam("first", expanding=True)), 0), else_=1)
        if shape.first
        else literal(0)
    )
    # Today's limits leave reviews (new cards) to show while fewer were answered today.
    wanted = _learning("ahead") | (
        (
            ((bindparam("reviews_limit") > _REVIEWS_TODAY) & _REVIEW_DUE)
            | ((bindparam("new_limit") > _NEW_TODAY) & _NEW)
        )
        & ~_BURIED
    )
    rank = case((_learning("now"), 0), (_REVIEW_DUE, 1), (_NEW, 2), else_=3)
    # Only the id is sorted; the chosen question's content and card are joined to it.
    return (
        _queue(shape, Question.id)
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
def queue(shape: Shape) -> Select[Any]:
    """One row: the `counts`, and the question to show next beside them (None columns
    when there is none): learning due now, then reviews due, then new cards in bank
    order, then learning due within the learn-ahead window; the overdue questions of
    assignments first within each. `reviews_limit` and `new_limit` are today's limits
    (the new cards added for today included)."""
    counted = counts(shape).subquery("counted")
    chosen = _next(shape).subquery("chosen")
    card = (Card.question_id == chosen.c.id) & (Card.user_id == bindparam("user_id"))
    return select(
        counted, Question.id, Question.position, Question.content, *cards.COLUMNS
    ).select_from(
        counted.outerjoin(chosen, true())
        .outerjoin(Question, Question.id == chosen.c.id)
        .outerjoin(Card, card)
    )


@cache
def in_queue(shape: Shape) -> Select[Any]:
    """The question `question_id`, if it is in the scope and not suspended."""
    return _queue(shape, Question.id).where(Question.id == bindparam("question_id"))


@cache
def shown() -> Select[Any]:
    """The question `question_id` as `SHOWN`, with the learner's `PRESET` for its bank and
    whether they have an exam open (`IN_EXAM`)."""
    query = _with_card(*SHOWN, *PRESET, IN_EXAM).where(Question.id == bindparam("question_id"))
    return _with_preset(query, Question.bank_id)


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


def can_name_a_bank(slug: str) -> bool:
    """Whether a slug could name a bank: none holds NUL, which PostgreSQL cannot compare."""
    return "\x00" not in slug


@cache
def bank() -> Select[Any]:
    """A published bank by `slug`."""
    return select(Bank).where(Bank.slug == bindparam("slug"), Bank.status == "published")


# The new cards the learner added to the study day starting at `day_start`, if any.
_EXTRA_NEW = (
    select(ExtraNewCards.extra)
    .where(
        ExtraNewCards.user_id == bindparam("user_id"),
        ExtraNewCards.day_start == bindparam("day_start"),
    )
    .scalar_subquery()
)


@cache
def opened_bank() -> Select[Any]:
    """A published bank by `slug` as the learner `user_id` opens it at `now`: its id
    (`bank_id`), slug and topic, their `PRESET` for it, the new cards they added to the
    study day starting at `day_start` (`extra_new`), whether any assignment of it is
    overdue in a class where they have the role `role`, and whether they have an exam
    open (`IN_EXAM`)."""
    overdue = exists(
        _overdue_assignments().where(Assignment.bank_id == Bank.id).with_only_columns(literal(1))
    )
    query = select(
        Bank.id.label("bank_id"),
        Bank.slug,
        Bank.topic,
        *PRESET,
        _EXTRA_NEW.label("extra_new"),
        overdue.label("overdue"),
        IN_EXAM,
    ).where(Bank.slug == bindparam("slug"), Bank.status == "published")
    return _with_preset(query, Bank.id)


def _with_values(query: Select[Any], values: dict[str, Any]) -> Select[Any]:
    """The query with the bind parameters named in `values` replaced by those expressions."""

    def replace(element: Any) -> Any:
        if isinstance(element, BindParameter):
            return values.get(element.key)
        return None

    return replacement_traverse(query, {}, replace)


@cache
def opened_with_queue() -> Select[Any]:
    """`opened_bank` beside the `queue` of the whole bank as a session that nothing
    narrows sees it, in one row (none when there is no such bank): a plain card page's one
    statement after the user. Today's limits are the learner's options for the bank, as
    `presets.options_in` takes them: their preset's for it, or else `own_reviews_per_day`
    and `own_new_per_day`, their own; the new cards they added today are added to the
    new-card limit."""
    bank_id = (
        select(Bank.id)
        .where(Bank.slug == bindparam("slug"), Bank.status == "published")
        .scalar_subquery()
    )

    def chosen(column: Any, own: str) -> Any:
        preset = (
            select(column)
            .join(BankPreset, BankPreset.preset_id == Preset.id)
            .where(BankPreset.user_id == bindparam("user_id"), BankPreset.bank_id == bank_id)
            .scalar_subquery()
        )
        return func.coalesce(preset, bindparam(own))

    limits = {
        "bank_id": bank_id,
        "reviews_limit": chosen(Preset.reviews_per_day, "own_reviews_per_day"),
        "new_limit": chosen(Preset.new_per_day, "own_new_per_day") + func.coalesce(_EXTRA_NEW, 0),
    }
    opened = opened_bank().subquery("opened")
    queued = _with_values(queue(Shape()), limits).subquery("queued")
    return select(opened, queued).select_from(opened.join(queued, true()))


@cache
def reviews_due_between() -> Select[Any]:
    """The due dates of the learner's review cards due from `since` until before `until`."""
    return select(Card.due).where(
        Card.user_id == bindparam("user_id"),
        Card.state == REVIEW_STATE,
        Card.due >= bindparam("since"),
        Card.due < bindparam("until"),
    )


@cache
def record_review() -> Insert:
    """Insert a review from its column values; returns its id."""
    reviews = Review.__table__
    return insert(reviews).returning(reviews.c.id)


def _overdue_assignments() -> Select[Any]:
    """The open assignments past their due date in the classes where the learner
    `user_id` has the role `role`."""
    return (
        select(Assignment)
        .join(Membership, Membership.class_id == Assignment.class_id)
        .where(
            Membership.user_id == bindparam("user_id"),
            Membership.role == bindparam("role"),
            Assignment.status == "open",
            Assignment.due_at < bindparam("now"),
        )
    )


@cache
def overdue_assignments() -> Select[Any]:
    """The learner's overdue assignments of the bank `bank_id`."""
    return _overdue_assignments().where(Assignment.bank_id == bindparam("bank_id"))


@cache
def scope_options() -> Select[Any]:
    """The (section, kind) pairs the bank's active questions have."""
    return (
        select(Question.section, Question.kind)
        .where(Question.bank_id == bindparam("bank_id"), LIVE)
        .distinct()
    )
