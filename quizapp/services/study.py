"""The review loop: the queue, answering, undo, flags and suspension.

An answer carries the card version the learner saw and a token minted for the
page. A repeated token (double click, browser retry) returns the answer already
recorded; a stale version (another tab answered first) is refused. Both are
enforced by the database as well, so concurrent requests cannot apply twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlalchemy import Row, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.content import bank as content
from quizapp.content.kinds import is_correct
from quizapp.models import (
    BROWSER,
    Bank,
    Card,
    ExamAttempt,
    ExtraNewCards,
    Flag,
    Question,
    Review,
    User,
)
from quizapp.scheduling import Grade, MemoryState
from quizapp.services import cards, presets, statements
from quizapp.services.classes import TRAINEE
from quizapp.services.exams import GRACE
from quizapp.services.learners import daily_load, day_start, settings_for
from quizapp.services.statements import REVIEW_STATE

LEARN_AHEAD = timedelta(minutes=20)
FLAG_REASONS = {"wrong": "The answer is wrong", "unclear": "The question is unclear"}


class Custom(StrEnum):
    """Custom study, as in Anki: sessions outside the normal queue."""

    CRAM = "cram"
    FAILED = "failed"
    AHEAD = "ahead"
    INCORRECT = "incorrect"

    @property
    def label(self) -> str:
        return _CUSTOM_LABELS[self]


_CUSTOM_LABELS = {
    Custom.CRAM: "Cram: go through every question (the schedule is left alone)",
    Custom.FAILED: "Review the cards I failed today",
    Custom.AHEAD: "Study ahead: reviews due in the next 7 days",
    Custom.INCORRECT: "Only questions I last answered incorrectly",
}
STUDY_AHEAD = timedelta(days=7)


class StudyError(ValueError):
    """An action that cannot be applied; the message is for the learner."""


class InExam(StudyError):
    """The question belongs to an exam the learner has open."""


class StaleAnswer(StudyError):
    """The card changed since the page was shown; nothing was recorded."""


@dataclass(frozen=True)
class Scope:
    """Narrows a study session to one bank, and optionally a section, kind or question set."""

    bank_id: int
    section: str | None = None
    kind: str | None = None
    question_ids: tuple[int, ...] | None = None
    first: tuple[int, ...] = ()  # questions of overdue assignments, served before the rest
    # Custom study: walk the questions in bank order whatever their due dates.
    in_order: bool = False
    after: int | None = None  # the bank position last shown in such a walk
    # The questions of the learner's open exams are already left out (`outside_exams`),
    # so that the card page reads the open exams once for its counts and its card.
    exams_left_out: bool = False

    @property
    def shape(self) -> statements.Shape:
        return statements.Shape(
            section=self.section is not None,
            kind=self.kind is not None,
            ids=self.question_ids is not None,
            first=bool(self.first),
            after=self.after is not None,
        )


@dataclass(frozen=True)
class OpenedBank:
    """A bank as a learner opens it to study: what its study pages need besides the queue."""

    id: int
    slug: str
    topic: str
    options: presets.Options  # the learner's options for this bank
    extra_new: int  # new cards the learner added to today's limit
    overdue: bool  # an assignment of this bank is overdue for the learner
    in_exam: bool  # the learner has an exam open
    # The `queue` row of `plain_scope` at the time the bank was opened, if read with it.
    plain_queue: Row[Any] | None = None

    @property
    def plain_scope(self) -> Scope:
        """The scope of a session that nothing narrows, with no exam open."""
        return Scope(self.id, exams_left_out=True)


def open_bank(
    session: Session, user: User, slug: str, now: datetime, *, with_queue: bool = False
) -> OpenedBank | None:
    """The published bank `slug` as `user` opens it at `now`, in one statement; `with_queue`
    reads the queue of its `plain_scope` in the same statement, for `queue`."""
    if not statements.can_name_a_bank(slug):
        return None
    parameters = {
        "user_id": user.id,
        "slug": slug,
        "role": TRAINEE,
        "exams_open_since": now - GRACE,
        **_at(user, now),
    }
    if with_queue:
        own = presets.default_options(user)
        parameters.update(own_reviews_per_day=own.reviews_per_day, own_new_per_day=own.new_per_day)
        statement = statements.opened_with_queue()
    else:
        statement = statements.opened_bank()
    row = session.connection().execute(statement, parameters).first()
    if row is None:
        return None
    return OpenedBank(
        id=row.bank_id,
        slug=row.slug,
        topic=row.topic,
        options=presets.options_in(row, user),
        extra_new=row.extra_new or 0,
        overdue=bool(row.overdue),
        in_exam=bool(row.in_exam),
        plain_queue=row if with_queue else None,
    )


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int
    # Unseen cards in the scope held back by today's new-card limit (shared by every bank).
    held_back: int = 0
    new_limit: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class CardView:
    """Everything a page needs to show one card and its grade buttons."""

    question_id: int
    position: int
    question: content.Question
    version: int
    memory: MemoryState
    suspended: bool
    token: str
    card_id: int
    settings: scheduling.Settings
    now: datetime

    @cached_property
    def intervals(self) -> dict[Grade, timedelta]:
        """The next interval for each grade; only the answer side shows them."""
        return scheduling.preview(
            self.settings, card_id=self.card_id, memory=self.memory, now=self.now
        )


@dataclass(frozen=True)
class Answered:
    review: Review
    repeated: bool
    leech: bool = False  # this answer made the card a leech (again); see LEECH_ACTIONS
    suspended: bool = False  # ... and suspended it, as the learner chose


def _bind(user: User, scope: Scope, **more: Any) -> dict[str, Any]:
    """The parameters of the queue's statements."""
    return {
        "user_id": user.id,
        "bank_id": scope.bank_id,
        "section": scope.section,
        "kind": scope.kind,
        "ids": list(scope.question_ids or ()),
        "first": list(scope.first),
        "after": scope.after,
        **more,
    }


def _at(user: User, now: datetime) -> dict[str, datetime]:
    """The queue's time parameters."""
    return {"now": now, "ahead": now + LEARN_AHEAD, "day_start": day_start(user, now)}


def counts(session: Session, user: User, scope: Scope, now: datetime) -> Counts:
    """New (within today's limit), learning (due within the learn-ahead window) and due reviews.

    In custom study everything left in the walk counts as due.
    """
    scope = outside_exams(session, user, scope, now)
    if scope.in_order:
        left = select(func.count()).select_from(statements.walk(scope.shape).subquery())
        return Counts(new=0, learning=0, review=session.scalar(left, _bind(user, scope)))
    parameters = _bind(user, scope, **_at(user, now))
    row = session.connection().execute(statements.counts(scope.shape), parameters).one()
    options = presets.for_bank(session, user, scope.bank_id)
    # Only when the unseen cards pass the day's limit can a "today only" extra matter.
    passed = row.unseen > options.new_per_day - row.new_today
    return _counted(row, options, extra_new_today(session, user, now) if passed else 0)


def _counted(row: Row[Any], options: presets.Options, extra_new: int) -> Counts:
    """Counts from a row of `statements.counts`, within today's limits."""
    limit = options.new_per_day
    if row.unseen > limit - row.new_today:
        limit += extra_new
    new = max(0, min(row.unseen, limit - row.new_today))
    return Counts(
        new=new,
        learning=row.learning,
        review=max(0, min(row.review, options.reviews_per_day - row.reviews_today)),
        held_back=row.unseen - new,
        new_limit=limit,
    )


MAX_EXTRA_NEW = 500


def extra_new_today(session: Session, user: User, now: datetime) -> int:
    """The "today only" new cards the learner added to their limit for this study day."""
    extra = session.scalar(
        select(ExtraNewCards.extra).where(
            ExtraNewCards.user_id == user.id, ExtraNewCards.day_start == day_start(user, now)
        )
    )
    return extra or 0


def add_new_today(session: Session, *, user: User, bank_id: int, extra: int, now: datetime) -> int:
    """Raise today's new-card limit by `extra` for this study day only; returns the bank's
    new limit.

    Added to what was already added today, so two clicks add twice, as in Anki.
    """
    if not 1 <= extra <= MAX_EXTRA_NEW:
        raise StudyError(f"Choose between 1 and {MAX_EXTRA_NEW} more new cards.")
    today = day_start(user, now)
    row = session.scalar(
        select(ExtraNewCards).where(
            ExtraNewCards.user_id == user.id, ExtraNewCards.day_start == today
        )
    )
    if row is None:
        row = ExtraNewCards(user_id=user.id, day_start=today, extra=0)
        session.add(row)
    row.extra = min(row.extra + extra, MAX_EXTRA_NEW)
    try:
        session.commit()
    except IntegrityError:  # the same first click twice at once: the other one counted
        session.rollback()
    return presets.for_bank(session, user, bank_id).new_per_day + extra_new_today(
        session, user, now
    )


def queue(
    session: Session,
    user: User,
    scope: Scope,
    now: datetime,
    *,
    fuzz: bool,
    key: bytes | None = None,
    opened: OpenedBank | None = None,
) -> tuple[Counts, CardView | None]:
    """The scope's counts and the card to show next (None when the session is done).

    With `key` the card's token is signed, so that only a card served to this learner
    can be revealed (`reveal_card`). `opened`, the scope's bank as opened at `now`, saves
    reading the learner's options again, and the queue itself when read with it.
    """
    scope = outside_exams(session, user, scope, now)
    if scope.in_order:
        walked = session.scalar(statements.walk(scope.shape).limit(1), _bind(user, scope))
        view = None if walked is None else view_card(session, user, walked, now, fuzz=fuzz, key=key)
        return counts(session, user, scope, now), view
    if opened is None:
        options = presets.for_bank(session, user, scope.bank_id)
        extra_new = extra_new_today(session, user, now)
    else:
        options, extra_new = opened.options, opened.extra_new
    if opened is not None and opened.plain_queue is not None and scope == opened.plain_scope:
        row = opened.plain_queue
    else:
        limits = {
            "reviews_limit": options.reviews_per_day,
            "new_limit": options.new_per_day + extra_new,
        }
        parameters = _bind(user, scope, **_at(user, now), **limits)
        row = session.connection().execute(statements.queue(scope.shape), parameters).one()
    view = None if row.id is None else _view(user, row, now, fuzz=fuzz, key=key, options=options)
    return _counted(row, options, extra_new), view


def next_question_id(session: Session, user: User, scope: Scope, now: datetime) -> int | None:
    """The question the study page would show now."""
    _counts, view = queue(session, user, scope, now, fuzz=False)
    return view.question_id if view else None


def available(
    session: Session, user: User, scope: Scope, question_id: int, *, now: datetime
) -> bool:
    """Whether the question is in the scope, not suspended and not in an open exam."""
    scope = outside_exams(session, user, scope, now)
    if scope.question_ids is not None and question_id not in scope.question_ids:
        return False
    parameters = _bind(user, scope, question_id=question_id)
    return session.scalar(statements.in_queue(scope.shape), parameters) is not None


def exam_questions(session: Session, user: User, now: datetime) -> frozenset[int]:
    """The questions of the exam attempts this learner has open (not handed in, not past
    the deadline and its grace): no study page may show them until the exam is over."""
    drawn = session.scalars(
        select(ExamAttempt.question_ids).where(
            ExamAttempt.user_id == user.id,
            ExamAttempt.finished_at.is_(None),
            ExamAttempt.deadline >= now - GRACE,
        )
    )
    return frozenset(qid for ids in drawn for qid in ids)


def outside_exams(session: Session, user: User, scope: Scope, now: datetime) -> Scope:
    """The scope without the questions of the learner's open exams."""
    if scope.exams_left_out:
        return scope
    held = exam_questions(session, user, now)
    if not held:
        return replace(scope, exams_left_out=True)
    ids = scope.question_ids
    if ids is None:
        ids = tuple(
            session.scalars(
                select(Question.id).where(Question.bank_id == scope.bank_id, statements.LIVE)
            )
        )
    kept = tuple(qid for qid in ids if qid not in held)
    return replace(
        scope,
        question_ids=kept,
        first=tuple(q for q in scope.first if q not in held),
        exams_left_out=True,
    )


def _shown(session: Session, user: User, question_id: int, now: datetime) -> Row[Any]:
    """The question with the learner's card and preset (`statements.shown`)."""
    parameters = {
        "user_id": user.id,
        "question_id": question_id,
        "exams_open_since": now - GRACE,
    }
    row = session.connection().execute(statements.shown(), parameters).first()
    if row is None or row.hidden:
        raise StudyError("This question is not available.")
    if row.in_exam and question_id in exam_questions(session, user, now):
        raise InExam("This question is in the exam you have open; it comes back after the exam.")
    return row


def view_card(
    session: Session,
    user: User,
    question_id: int,
    now: datetime,
    *,
    fuzz: bool,
    key: bytes | None = None,
) -> CardView:
    """The card for one question, as this learner sees it now (front side)."""
    shown = _shown(session, user, question_id, now)
    return _view(user, shown, now, fuzz=fuzz, key=key, options=presets.options_in(shown, user))


def _sign(key: bytes, user_id: int, question_id: int, nonce: str) -> str:
    message = f"{user_id}:{question_id}:{nonce}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def serve_token(key: bytes, user_id: int, question_id: int) -> str:
    """A one-time token for a card page, signed for this learner and question."""
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_sign(key, user_id, question_id, nonce)}"


def reveal_card(
    session: Session,
    *,
    user: User,
    question_id: int,
    token: str,
    key: bytes,
    now: datetime,
    fuzz: bool,
) -> CardView:
    """The card to show with its answer: only one served to this learner by `next_card`
    or `view_card` (its token carries their signature), and never one of an open exam."""
    if not key:
        raise ValueError("revealing needs the signing key")
    nonce, _, signature = token.partition(".")
    expected = _sign(key, user.id, question_id, nonce)
    if not nonce or not hmac.compare_digest(signature, expected):
        raise StudyError("This card was not shown to you here; start from the study page.")
    view = view_card(session, user, question_id, now, fuzz=fuzz)
    return replace(view, token=token)


def _view(
    user: User,
    shown: Row[Any],
    now: datetime,
    *,
    fuzz: bool,
    options: presets.Options,
    key: bytes | None = None,
) -> CardView:
    token = serve_token(key, user.id, shown.id) if key else secrets.token_urlsafe(16)
    return CardView(
        question_id=shown.id,
        position=shown.position,
        question=content.Question.from_dict(shown.content),
        version=shown.version or 0,
        memory=cards.memory_of(shown),
        suspended=bool(shown.suspended),
        token=token,
        card_id=shown.card_id or 0,
        settings=settings_for(user, fuzz=fuzz, options=options),
        now=now,
    )


def answer(
    session: Session,
    *,
    user: User,
    question_id: int,
    grade: Grade,
    seen_version: int,
    token: str,
    response: str | None,
    duration_ms: int | None,
    now: datetime,
    fuzz: bool,
) -> Answered:
    """Record one answer once, or refuse it if the card changed since it was shown.

    A repeated token finds the card moved on past the version it carries, so the
    recorded answer is looked up only then.
    """
    try:
        shown = _shown(session, user, question_id, now)
    except StudyError as error:
        return _repeated(session, user, token, error)
    if (shown.version or 0) != seen_version:
        return _repeated(session, user, token, StaleAnswer(_STALE))
    memory = cards.memory_of(shown)
    try:
        card = cards.stored(shown, question_id) or cards.create(
            session, user_id=user.id, question_id=question_id
        )
        outcome = scheduling.review(
            settings_for(user, fuzz=fuzz, options=presets.options_in(shown, user)),
            card_id=card.card_id,
            memory=memory,
            grade=grade,
            now=now,
            load=daily_load(session, user, now) if fuzz else None,
        )
        correct = is_correct(content.Question.from_dict(shown.content), response)
        suspend = outcome.leech and user.leech_action == "suspend"
        review = {
            "user_id": user.id,
            "card_id": card.card_id,
            "question_id": question_id,
            "token": token,
            "rating": int(grade),
            "reviewed_at": now,
            "duration_ms": duration_ms,
            "state_before": None if memory.is_new else memory.state,
            "state_after": outcome.after.state,
            "stability_after": outcome.after.stability,
            "difficulty_after": outcome.after.difficulty,
            "response": response,
            "correct": correct,
            "card_before": memory.to_dict(),
        }
        # Only writes from here to the commit: SQLite holds its one write lock throughout.
        cards.save(
            session.connection(),
            card,
            memory=outcome.after,
            passed=card.passed + scheduling.passed(correct, grade),
            suspended=True if suspend else None,
        )
        review_id = session.connection().scalar(statements.record_review(), review)
        session.commit()
    except (IntegrityError, cards.CardChanged):
        session.rollback()
        return _repeated(session, user, token, StaleAnswer(_STALE))
    return Answered(
        Review(id=review_id, **review), repeated=False, leech=outcome.leech, suspended=suspend
    )


_STALE = (
    "This card changed since it was shown (perhaps answered in another tab), "
    "so this answer was not recorded."
)


def _repeated(session: Session, user: User, token: str, error: StudyError) -> Answered:
    """The answer already recorded under this token, or else `error`."""
    recorded = session.scalar(
        select(Review).where(Review.user_id == user.id, Review.token == token)
    )
    if recorded is None:
        raise error
    return Answered(recorded, repeated=True)


def undo_last(session: Session, *, user: User) -> Question:
    """Take back the learner's latest answer, restoring the card as it was.

    Undos sent together take back one answer: the others find the card moved on.
    """
    review = session.scalar(
        select(Review)
        .where(Review.user_id == user.id, Review.source == BROWSER)
        .order_by(Review.id.desc())
        .limit(1)
    )
    if review is None:
        raise StudyError("There is no answer to undo.")
    later = select(Review.id).where(
        Review.card_id == review.card_id, Review.reviewed_at > review.reviewed_at
    )
    if session.scalar(later.limit(1)) is not None:
        raise StudyError(
            "Your last answer here was followed by reviews imported from Anki, "
            "so it can no longer be undone."
        )
    card = cards.load_one(session, user_id=user.id, question_id=review.question_id)
    question = session.get(Question, review.question_id)
    assert card is not None and question is not None
    try:
        cards.save(
            session,
            card,
            memory=MemoryState.from_dict(review.card_before),
            passed=card.passed - scheduling.passed(review.correct, review.rating),
        )
        taken = session.execute(delete(Review).where(Review.id == review.id))
        if taken.rowcount != 1:
            raise cards.CardChanged("the answer was already taken back")
        session.commit()
    except (cards.CardChanged, IntegrityError):
        session.rollback()
        raise StudyError("That card changed meanwhile; try again.") from None
    return question


def set_suspended(session: Session, *, user: User, question_id: int, suspended: bool) -> None:
    """Suspend (or resume) a question for this learner only; repeats change nothing more."""
    if not visible(session, question_id):
        raise StudyError("This question is not available.")
    for _attempt in range(2):  # a card created meanwhile by the same request sent twice
        try:
            card = cards.load_one(
                session, user_id=user.id, question_id=question_id
            ) or cards.create(session, user_id=user.id, question_id=question_id)
            if card.suspended != suspended:
                cards.save(session, card, suspended=suspended)
            session.commit()
            return
        except (IntegrityError, cards.CardChanged):
            session.rollback()
    raise StudyError("That question changed meanwhile; try again.")


def flag(
    session: Session,
    *,
    user: User,
    question_id: int,
    reason: str,
    comment: str,
    now: datetime,
) -> Flag:
    """Flag a question, or change this learner's flag on it: one flag per learner."""
    if reason not in FLAG_REASONS:
        raise StudyError("Choose why you are flagging the question.")
    if not visible(session, question_id):
        raise StudyError("This question is not available.")
    for _attempt in range(2):  # the same flag sent twice at once: the second edits the first
        found = session.scalar(
            select(Flag).where(Flag.user_id == user.id, Flag.question_id == question_id)
        )
        if found is None:
            found = Flag(user_id=user.id, question_id=question_id, created_at=now)
            session.add(found)
        found.reason, found.comment, found.updated_at = reason, comment.strip(), now
        try:
            session.commit()
            return found
        except IntegrityError:
            session.rollback()
    raise StudyError("That flag could not be saved; try again.")


def my_flag(session: Session, *, user: User, question_id: int) -> Flag | None:
    """This learner's flag on the question, to show and edit."""
    return session.scalar(
        select(Flag).where(Flag.user_id == user.id, Flag.question_id == question_id)
    )


def visible(session: Session, question_id: int) -> bool:
    """Whether learners may see the question: approved, in use, in a published bank."""
    found = session.scalar(
        select(Question.id).where(Question.id == question_id, statements.VISIBLE)
    )
    return found is not None


def bank_overview(session: Session, user: User, now: datetime) -> list[tuple[Bank, Counts]]:
    banks = session.scalars(
        select(Bank).where(Bank.id.in_(statements.PUBLISHED_BANKS)).order_by(Bank.topic)
    )
    return [(bank, counts(session, user, Scope(bank.id), now)) for bank in banks]


def scope_options(session: Session, bank_id: int) -> tuple[list[str], list[str]]:
    """The sections and kinds a bank's active questions have, for narrowing a session."""
    rows = session.execute(statements.scope_options(), {"bank_id": bank_id}).all()
    present = {value for row in rows for value in row}
    sections = [s.value for s in content.Section if s.value in present]
    kinds = [k.value for k in content.Kind if k.value in present]
    return sections, kinds


def custom_questions(
    session: Session, user: User, custom: Custom, *, now: datetime, tag: str | None = None
) -> tuple[int, ...] | None:
    """The questions a custom session covers; None where the whole scope is covered."""
    if custom is Custom.AHEAD:
        return tuple(
            session.scalars(
                select(Card.question_id).where(
                    Card.user_id == user.id,
                    Card.state == REVIEW_STATE,
                    Card.due <= now + STUDY_AHEAD,
                )
            )
        )
    if custom in (Custom.FAILED, Custom.INCORRECT):
        query = select(Review).where(Review.user_id == user.id).order_by(Review.id)
        if custom is Custom.FAILED:
            query = query.where(Review.reviewed_at >= day_start(user, now))
        else:
            query = query.where(Review.correct.is_not(None))
        latest = {review.question_id: review for review in session.scalars(query)}
        if custom is Custom.FAILED:
            return tuple(qid for qid, review in latest.items() if review.rating == Grade.AGAIN)
        return tuple(qid for qid, review in latest.items() if review.correct is False)
    if tag:
        rows = session.execute(select(Question.id, Question.content))
        return tuple(qid for qid, content in rows if tag in content.get("tags", ()))
    return None
