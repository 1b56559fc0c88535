"""The card store: the one place that reads and writes a learner's cards.

Every change to a card (an answer, undo, suspend, forget, a refit, reviews imported
from Anki) is saved by `save`, and only if the card is still at the version it was
read at; otherwise nothing is written and `CardChanged` is raised. As Anki's
answering, one place refuses a card that changed since it was shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from quizapp.models import Card
from quizapp.scheduling import MemoryState

# A card's columns that hold its memory state, named as in scheduling.MemoryState.
MEMORY_FIELDS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")

# The card's columns read with a question; all None when the learner has no card yet.
COLUMNS = (
    Card.id.label("card_id"),
    Card.version,
    Card.passed,
    Card.suspended,
    *(getattr(Card, name) for name in MEMORY_FIELDS),
)


# A session, or a bare connection (the benchmarks' framework-free reference).
Executor = Session | Connection


class CardChanged(Exception):
    """The card changed since it was read; nothing was saved."""


@dataclass(frozen=True)
class Stored:
    """A card as read, with the version a change to it must find."""

    card_id: int
    question_id: int
    version: int
    memory: MemoryState
    passed: int = 0
    suspended: bool = False


def memory_of(row: Any) -> MemoryState:
    """The memory state of a Card, or of a row with `COLUMNS` (a new card's if it has none)."""
    if row is None or getattr(row, "card_id", getattr(row, "id", None)) is None:
        return MemoryState()
    return MemoryState(**{name: getattr(row, name) for name in MEMORY_FIELDS})


def stored(row: Any, question_id: int) -> Stored | None:
    """The card in a row with `COLUMNS`, or None if the learner has none."""
    if row.card_id is None:
        return None
    return Stored(
        card_id=row.card_id,
        question_id=question_id,
        version=row.version,
        memory=memory_of(row),
        passed=row.passed,
        suspended=bool(row.suspended),
    )


def load(
    session: Session,
    *,
    user_id: int,
    question_ids: Iterable[int] | None = None,
    card_ids: Iterable[int] | None = None,
) -> dict[int, Stored]:
    """The learner's cards for these questions (or with these ids), by question id."""
    query = select(Card.question_id, *COLUMNS).where(Card.user_id == user_id)
    if question_ids is not None:
        query = query.where(Card.question_id.in_(list(question_ids)))
    if card_ids is not None:
        query = query.where(Card.id.in_(list(card_ids)))
    found = (stored(row, row.question_id) for row in session.execute(query))
    return {card.question_id: card for card in found if card is not None}


def load_one(session: Session, *, user_id: int, question_id: int) -> Stored | None:
    return load(session, user_id=user_id, question_ids=[question_id]).get(question_id)


def create(session: Session, *, user_id: int, question_id: int) -> Stored:
    """A new card for the learner; the unique (learner, question) pair refuses a second.

    The caller rolls back on IntegrityError (the same card created by a request sent twice).
    """
    card_id = session.scalar(
        insert(Card).values(user_id=user_id, question_id=question_id).returning(Card.id)
    )
    return Stored(card_id=card_id, question_id=question_id, version=1, memory=MemoryState())


def save(
    session: Executor,
    card: Stored,
    *,
    memory: MemoryState | None = None,
    passed: int | None = None,
    suspended: bool | None = None,
) -> Stored:
    """Write the given changes if the card is still at `card.version`, moving it on by one.

    Raises CardChanged otherwise; the caller rolls back.
    """
    values: dict[str, Any] = {}
    if memory is not None:
        values.update((name, getattr(memory, name)) for name in MEMORY_FIELDS)
    if passed is not None:
        values["passed"] = passed
    if suspended is not None:
        values["suspended"] = suspended
    parameters = {f"new_{name}": value for name, value in values.items()}
    changed = session.execute(
        _update(tuple(values)),
        {"card_id": card.card_id, "version": card.version, **parameters},
    )
    if changed.rowcount != 1:
        raise CardChanged(f"card {card.card_id} changed since it was read")
    return Stored(
        card_id=card.card_id,
        question_id=card.question_id,
        version=card.version + 1,
        memory=memory if memory is not None else card.memory,
        passed=passed if passed is not None else card.passed,
        suspended=suspended if suspended is not None else card.suspended,
    )


@cache
def _update(names: tuple[str, ...]) -> Update:
    """The versioned update of these columns (`new_<name>`), built once per set of columns."""
    cards = Card.__table__
    return (
        update(cards)
        .where(cards.c.id == bindparam("card_id"), cards.c.version == bindparam("version"))
        .values(
            version=cards.c.version + 1,
            **{name: bindparam(f"new_{name}") for name in names},
        )
    )
