"""Statements that sum a class's cards in the database, for the instructor pages.

A class of 1,000 trainees on a 1,000-question assignment has a million cards and
several million reviews: the pages read sums, never rows. Each card carries its
answer count (`reps`) and passed count (`passed`), so nothing here reads the reviews
except item analysis for the questions on one page. Predicted recall is FSRS's
forgetting curve evaluated in SQL with one learner group's constants as parameters
(`scheduling.forgetting_curve`), so it is the same number `scheduling.retrievability`
gives for one card.

Parameters: `user_ids` and `ids` (lists of trainees and questions), `now`, `ahead`
(days from now to the projection date), `factor` and `decay` (the forgetting curve),
`threshold` (elapsed days per day of stability at which recall falls to the
assignment's target); `class_id` and `role` for the class's trainees; `low` and `high`
(the least and greatest of `ids`) for the statements made with `scan`.

On SQLite the sums read the index `ix_cards_sums`, which holds every column they use,
instead of the table. A class's cards are found there either by one probe per
(trainee, question) or, with `scan`, by reading each trainee's run of the index between
the lowest and highest question id: with most of a bank's questions in the set (the
usual assignment), the run is read two to three times faster than the same cards are
probed. PostgreSQL plans for itself and gets the statements without `scan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Float, Integer, Select, bindparam, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from quizapp.analysis import Moments
from quizapp.models import ANKI, Card, Flag, Membership, Question, Review, UTCDateTime

REVIEW_STATE = 2


class _days_between(FunctionElement[float]):
    """Days (with fraction) from the second moment to the first."""

    type = Float()
    inherit_cache = True
    name = "days_between"


@compiles(_days_between)
def _days_between_default(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # date_part gives a double; EXTRACT's numeric is slower to compute with.
    return (
        f"(date_part('epoch', {compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)}) / 86400.0)"
    )


@compiles(_days_between, "sqlite")
def _days_between_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}))"
    )


class _at_least_zero(FunctionElement[float]):
    """The number, or 0 if it is negative; NULL stays NULL where it is used (on cards
    never reviewed, whose recall is 0 whatever the elapsed days)."""

    type = Float()
    inherit_cache = True
    name = "at_least_zero"


@compiles(_at_least_zero)
def _at_least_zero_default(element: Any, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"greatest({compiler.process(value, **kw)}, 0.0)"


@compiles(_at_least_zero, "sqlite")
def _at_least_zero_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite's max() of two values: the days are computed once a card, where a CASE
    # would compute them (parse the date) twice.
    (value,) = list(element.clauses)
    return f"max({compiler.process(value, **kw)}, 0.0)"


class _unindexed(FunctionElement[int]):
    """A column SQLite is not to look up through an index (`+column`), so that it
    reads the index range it is given instead."""

    type = Integer()
    inherit_cache = True
    name = "unindexed"


@compiles(_unindexed)
def _unindexed_default(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return str(compiler.process(column, **kw))


@compiles(_unindexed, "sqlite")
def _unindexed_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    return f"+{compiler.process(column, **kw)}"


_REVIEWED = Card.last_review.is_not(None) & Card.stability.is_not(None)


def _elapsed(ahead: Any = None) -> ColumnElement[float]:
    """Days, with their fraction, from the card's last review to `now` (plus `ahead`
    days), at least 0, as `scheduling.retrievability` counts them."""
    age = _days_between(bindparam("now", type_=UTCDateTime()), Card.last_review)
    days = age if ahead is None else age + ahead
    return _at_least_zero(days)


def recall(elapsed: ColumnElement[float]) -> ColumnElement[float]:
    """FSRS retrievability after `elapsed` days: 0 for a card never reviewed."""
    curve = func.power(
        1.0 + bindparam("factor", type_=Float()) * elapsed / Card.stability,
        bindparam("decay", type_=Float()),
    )
    return case((_REVIEWED, cast(curve, Float)), else_=0.0)


def prefer_scan(session: Session, ids: Sequence[int]) -> bool:
    """Whether to read each trainee's run of SQLite's card index from the lowest question
    id to the highest rather than probe it once a question: when the questions are at
    least half of the ids in that range (reading an entry costs about half a probe)."""
    return (
        bool(ids)
        and session.get_bind().dialect.name == "sqlite"
        and (2 * len(ids) >= max(ids) - min(ids) + 1)
    )


def _in_questions(scan: bool) -> list[Any]:
    """Cards of the questions `ids`: probed, or with `scan` read as a run of the index."""
    ids = bindparam("ids", expanding=True)
    if scan:
        return [
            Card.question_id.between(bindparam("low"), bindparam("high")),
            _unindexed(Card.question_id).in_(ids),
        ]
    return [Card.question_id.in_(ids)]


def _cards_in_set(scan: bool = False) -> list[Any]:
    return [Card.user_id.in_(bindparam("user_ids", expanding=True)), *_in_questions(scan)]


def _sum_columns() -> dict[str, Any]:
    """Every figure a progress row sums, by name."""
    overdue = (
        Card.last_review.is_not(None)
        & (Card.state == REVIEW_STATE)
        & (Card.due < bindparam("now", type_=UTCDateTime()))
    )
    now = _elapsed()
    later = _elapsed(bindparam("ahead", type_=Float()))
    # Recall at the projection date reaches the target while the elapsed days are at most
    # `threshold` times the stability (the curve solved for time): no second curve.
    strong = _REVIEWED & (later <= bindparam("threshold", type_=Float()) * Card.stability)
    columns = [
        func.count(Card.id).label("cards"),
        func.count(Card.last_review).label("started"),
        func.coalesce(func.sum(Card.reps), 0).label("reviews"),
        func.coalesce(func.sum(Card.passed), 0).label("passed"),
        func.count(case((overdue, 1))).label("overdue"),
        func.min(Card.reps).label("least_reviews"),
        func.coalesce(func.sum(recall(now)), 0.0).label("recall_now"),
        func.coalesce(func.sum(recall(later)), 0.0).label("recall_at"),
        func.count(case((strong, 1))).label("strong"),
    ]
    return {column.name: column for column in columns}


COUNTS = ("cards", "started", "reviews", "passed", "overdue", "least_reviews")
RECALL = ("recall_now", "recall_at", "strong")


@cache
def sums_by_trainee(names: tuple[str, ...], scan: bool = False) -> Select[Any]:
    """One row per trainee with cards among the questions: `user_id` and the named sums
    (of `COUNTS` and `RECALL`) alone, each the same number `progress_by_trainee` gives.
    Sorting a large class by one column sums that column only."""
    columns = _sum_columns()
    return (
        select(Card.user_id, *(columns[name] for name in names))
        .where(*_cards_in_set(scan))
        .group_by(Card.user_id)
    )


def progress_by_trainee(scan: bool = False) -> Select[Any]:
    """One row per trainee with cards among the questions: counts and summed recall."""
    return sums_by_trainee(COUNTS + RECALL, scan)


def counts_by_trainee(scan: bool = False) -> Select[Any]:
    """`progress_by_trainee` without recall, several times cheaper: enough to sort by
    started, reviews, accuracy, overdue or a review-count target."""
    return sums_by_trainee(COUNTS, scan)


@cache
def progress_by_section() -> Select[Any]:
    """One row per trainee and section with cards among the questions."""
    return (
        select(Card.user_id, Question.section, *_sum_columns().values())
        .join(Question, Question.id == Card.question_id)
        .where(*_cards_in_set())
        .group_by(Card.user_id, Question.section)
    )


def _class_trainees() -> Any:
    return select(Membership.user_id).where(
        Membership.class_id == bindparam("class_id"), Membership.role == bindparam("role")
    )


def _class_cards(scan: bool) -> list[Any]:
    return [Card.user_id.in_(_class_trainees()), *_in_questions(scan)]


@cache
def item_moments(scan: bool = False) -> Select[Any]:
    """Per question, over the trainees who answered it: the sums that give facility and
    discrimination, the answer count and the mean FSRS difficulty.

    x is a trainee's share of passed answers on the question and t their total over
    all the questions; the rest of the test is r = t − x, so Σr, Σr² and Σxr follow
    from Σt, Σt² and Σtx (see `moments`), which need x only twice per card.
    """
    answered = [*_class_cards(scan), Card.reps > 0]
    score = cast(Card.passed, Float) / Card.reps
    totals = (
        select(Card.user_id.label("user_id"), func.sum(score).label("total"))
        .where(*answered)
        .group_by(Card.user_id)
        # Summed once, before the join: inlined, PostgreSQL's parallel workers would each
        # sum every trainee's cards again.
        .cte("totals")
        .prefix_with("MATERIALIZED")
    )
    total = totals.c.total
    return (
        select(
            Card.question_id,
            func.count().label("n"),
            func.sum(score).label("sx"),
            func.sum(score * Card.passed / Card.reps).label("sxx"),
            func.sum(total).label("st"),
            func.sum(total * total).label("stt"),
            func.sum(total * Card.passed / Card.reps).label("stx"),
            func.sum(Card.reps).label("answers"),
            func.avg(Card.difficulty).label("difficulty"),
        )
        # The totals cover the class's trainees only, so joining them filters the cards.
        .join(totals, totals.c.user_id == Card.user_id)
        .where(*_in_questions(scan), Card.reps > 0)
        .group_by(Card.question_id)
    )


def moments(row: Any) -> Moments:
    """`analysis.Moments` from an `item_moments` row."""
    sx, sxx, st, stt, stx = (float(v) for v in (row.sx, row.sxx, row.st, row.stt, row.stx))
    return Moments(
        n=row.n,
        sx=sx,
        sxx=sxx,
        sr=st - sx,
        srr=stt - 2 * stx + sxx,
        sxr=stx - sxx,
    )


# Rendered into the SQL, so that SQLite, like PostgreSQL, sees the partial index
# `ix_reviews_from_anki` applies.
_FROM_ANKI = Review.source == literal(ANKI, literal_execute=True)


def _class_reviews() -> list[Any]:
    return [
        Review.user_id.in_(_class_trainees()),
        Review.question_id.in_(bindparam("ids", expanding=True)),
    ]


@cache
def response_counts() -> Select[Any]:
    """How often each response was given to each question."""
    return (
        select(Review.question_id, Review.response, func.count())
        .where(*_class_reviews(), Review.response.is_not(None))
        .group_by(Review.question_id, Review.response)
    )


@cache
def stability_gains() -> Select[Any]:
    """Per question, the mean factor by which a passed review of a review card grew its
    stability."""
    before = Review.card_before["stability"].as_float()
    return (
        select(Review.question_id, func.avg(Review.stability_after / before))
        .where(
            *_class_reviews(),
            Review.state_before == REVIEW_STATE,
            Review.rating > 1,
            Review.stability_after.is_not(None),
            before > 0,
        )
        .group_by(Review.question_id)
    )


def _class_flags() -> list[Any]:
    """Flags of the class's trainees written (or last edited) while they were in the
    class: joining another class later does not show a flag to its instructors."""
    in_class = (
        select(Membership.user_id)
        .where(
            Membership.class_id == bindparam("class_id"),
            Membership.role == bindparam("role"),
            Membership.user_id == Flag.user_id,
            Flag.updated_at >= Membership.joined_at,
        )
        .exists()
    )
    return [in_class, Flag.question_id.in_(bindparam("ids", expanding=True))]


@cache
def flag_counts() -> Select[Any]:
    """How many of the class's trainees' flags each question has."""
    return select(Flag.question_id, func.count()).where(*_class_flags()).group_by(Flag.question_id)


@cache
def flags() -> Select[Any]:
    """The class's trainees' flags on the questions, oldest first."""
    return select(Flag).where(*_class_flags()).order_by(Flag.created_at, Flag.id)


@cache
def anki_answers() -> Select[Any]:
    """Per question, the class's answers given in Anki (the option chosen is unknown)."""
    return (
        select(Review.question_id, func.count())
        .where(*_class_reviews(), _FROM_ANKI)
        .group_by(Review.question_id)
    )


@cache
def anki_answers_by_trainee() -> Select[Any]:
    """Per trainee of `user_ids`, their answers to the questions given in Anki."""
    return (
        select(Review.user_id, func.count())
        .where(
            Review.user_id.in_(bindparam("user_ids", expanding=True)),
            Review.question_id.in_(bindparam("ids", expanding=True)),
            _FROM_ANKI,
        )
        .group_by(Review.user_id)
    )


__all__ = [
    "anki_answers",
    "anki_answers_by_trainee",
    "counts_by_trainee",
    "flag_counts",
    "flags",
    "item_moments",
    "moments",
    "prefer_scan",
    "progress_by_section",
    "progress_by_trainee",
    "recall",
    "response_counts",
    "stability_gains",
    "sums_by_trainee",
]
