"""Bring reviews done in Anki (AnkiDroid, AnkiMobile, desktop) back into a learner's history.

Notes are matched to questions by the GUIDs the exporter gave them. Each answer in
Anki's review log becomes one review keyed by Anki's review id (its token is
`anki:<id>`, unique per learner in the database), so the same file uploaded again
adds nothing. Every card that gains a review has its memory state rebuilt from its
whole history, browser and Anki answers in time order, through the same scheduler
the study loop uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp import scheduling
from quizapp.content.bank import Kind
from quizapp.export.anki import note_guid
from quizapp.export.anki_reviews import AnkiReview, PackageError, read_reviews
from quizapp.models import ANKI, Bank, Question, Review, User
from quizapp.scheduling import Grade, MemoryState
from quizapp.services import cards
from quizapp.services.learners import settings_for

TOKEN_PREFIX = "anki:"
# How far ahead of the server's clock a phone's may run.
_CLOCK_SKEW = timedelta(hours=1)


class AnkiImportError(ValueError):
    """The upload cannot be imported; nothing was changed. The message is for the learner."""


@dataclass(frozen=True)
class ReviewImport:
    """What one upload changed."""

    added: int
    questions: int
    unmatched_notes: int
    skipped: int
    future: int = 0  # dated after the upload: a device clock set wrong

    def summary(self) -> str:
        parts = [
            f"{self.added} review{'s' if self.added != 1 else ''} added from Anki "
            f"for {self.questions} question{'s' if self.questions != 1 else ''}"
        ]
        if self.skipped:
            parts.append(f"{self.skipped} already here skipped")
        if self.future:
            parts.append(f"{self.future} dated in the future ignored (check the device's clock)")
        if self.unmatched_notes:
            parts.append(
                f"{self.unmatched_notes} note{'s' if self.unmatched_notes != 1 else ''} "
                "matched no question"
            )
        return "; ".join(parts) + "."


def _milliseconds(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _questions_by_guid(session: Session) -> dict[str, int]:
    rows = session.execute(select(Question.id, Question.key, Question.kind, Bank.slug).join(Bank))
    return {note_guid(slug, Kind(kind), key): qid for qid, key, kind, slug in rows}


def import_reviews(
    session: Session, *, user: User, path: Path, max_bytes: int, now: datetime, fuzz: bool
) -> ReviewImport:
    """Add the answers in an Anki export to the learner's history and reschedule their cards.

    Raises AnkiImportError, having changed nothing, for a file that is not an Anki
    export, a damaged or too large one, or one that races another change to the cards.
    """
    try:
        package = read_reviews(path, max_bytes=max_bytes)
    except PackageError as error:
        raise AnkiImportError(str(error)) from None
    if not package.reviews:
        raise AnkiImportError(
            "This Anki export holds no reviews. Export the whole collection (.colpkg), or tick "
            "“Include scheduling information” when exporting an .apkg."
        )
    by_guid = _questions_by_guid(session)
    unmatched = len(package.notes - by_guid.keys())
    recorded = {
        (question_id, token, _milliseconds(at))
        for question_id, token, at in session.execute(
            select(Review.question_id, Review.token, Review.reviewed_at).where(
                Review.user_id == user.id
            )
        )
    }
    tokens = {token for _, token, _ in recorded}
    # A review quizapp itself put into a personal deck comes back with the same time.
    moments = {(question_id, ms) for question_id, _, ms in recorded}
    fresh: dict[int, list[AnkiReview]] = defaultdict(list)
    skipped = future = 0
    latest = _milliseconds(now + _CLOCK_SKEW)
    for guid, entries in package.reviews.items():
        question_id = by_guid.get(guid)
        if question_id is None:
            continue
        for entry in entries:
            if f"{TOKEN_PREFIX}{entry.id}" in tokens or (question_id, entry.id) in moments:
                skipped += 1
            elif entry.id > latest:
                future += 1
            else:
                fresh[question_id].append(entry)
    if not fresh:
        return ReviewImport(0, 0, unmatched, skipped, future)

    try:
        found = cards.load(session, user_id=user.id, question_ids=fresh)
        for question_id in fresh.keys() - found.keys():
            found[question_id] = cards.create(session, user_id=user.id, question_id=question_id)
        _rebuild(session, user, found, fresh, fuzz=fuzz)
        session.commit()
    except (IntegrityError, cards.CardChanged):
        session.rollback()
        raise AnkiImportError(
            "Your cards changed while the file was being imported (perhaps it was uploaded "
            "twice at once); nothing was changed. Upload it again."
        ) from None
    added = sum(len(entries) for entries in fresh.values())
    return ReviewImport(added, len(fresh), unmatched, skipped, future)


# What replaying a card's history sets on each of its reviews.
_DERIVED = ("state_before", "state_after", "stability_after", "difficulty_after", "card_before")


def _rebuild(
    session: Session,
    user: User,
    found: dict[int, cards.Stored],
    fresh: dict[int, list[AnkiReview]],
    *,
    fuzz: bool,
) -> None:
    """Replay each card's whole history, recorded and new answers in time order.

    New answers are inserted, and recorded ones updated where replaying changes them, in
    one statement each; each card takes its final memory state under its version check.
    """
    settings = settings_for(user, fuzz=fuzz)
    recorded: dict[int, list[dict[str, Any]]] = defaultdict(list)
    derived_columns = [getattr(Review, name) for name in _DERIVED]
    columns = (
        Review.id,
        Review.card_id,
        Review.rating,
        Review.correct,
        Review.reviewed_at,
        *derived_columns,
    )
    card_ids = [card.card_id for card in found.values()]
    for row in session.execute(select(*columns).where(Review.card_id.in_(card_ids))):
        recorded[row.card_id].append(dict(row._mapping))
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for question_id, card in found.items():
        history = recorded[card.card_id] + [
            {
                "user_id": user.id,
                "card_id": card.card_id,
                "question_id": question_id,
                "token": f"{TOKEN_PREFIX}{entry.id}",
                "rating": entry.rating,
                "reviewed_at": entry.reviewed_at,
                "duration_ms": entry.duration_ms,
                "response": None,
                "correct": None,
                "source": ANKI,
            }
            for entry in fresh[question_id]
        ]
        history.sort(key=lambda review: (review["reviewed_at"], review.get("id", 0)))
        memory = MemoryState()
        for review in history:
            after = scheduling.review(
                settings,
                card_id=card.card_id,
                memory=memory,
                grade=Grade(review["rating"]),
                now=review["reviewed_at"],
            ).after
            derived = {
                "state_before": None if memory.is_new else memory.state,
                "state_after": after.state,
                "stability_after": after.stability,
                "difficulty_after": after.difficulty,
                "card_before": memory.to_dict(),
            }
            if "id" not in review:
                inserts.append({**review, **derived})
            elif any(review[name] != value for name, value in derived.items()):
                updates.append({"id": review["id"], **derived})
            memory = after
        passed = sum(
            scheduling.passed(review["correct"], Grade(review["rating"])) for review in history
        )
        cards.save(session, card, memory=memory, passed=passed)
    session.execute(insert(Review), inserts)
    if updates:
        session.execute(update(Review), updates)
