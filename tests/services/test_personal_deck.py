"""A personal deck carries the learner's schedule into real Anki, and back again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.export.anki import note_guid
from quizapp.extensions import db
from quizapp.models import Card, Review
from quizapp.models import Question as QuestionRow
from quizapp.scheduling import Grade
from quizapp.services import anki_reviews, banks, exports, learners
from tests.anki_driver import run_anki
from tests.helpers import answer_card, get_user

DAY = timedelta(days=1)
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BANK = Bank(
    id="small",
    topic="Small",
    article="small.txt",
    questions=tuple(
        Question(
            id=f"small-{n}",
            kind=Kind.BASIC,
            section=Section.FAQ,
            prompt=f"Question {n}?",
            answer=f"Answer {n}.",
            source=("A sentence.",),
        )
        for n in range(4)
    ),
)
GUIDS = [note_guid(BANK.id, q.kind, q.id) for q in BANK.questions]


@pytest.fixture
def studied(session, make_user, tmp_path):
    """Question 0 in review, 1 in learning, 2 relearning after a lapse, 3 never seen."""
    make_user("ann@example.com")
    banks.load_bank(db.session, BANK, article_text="A sentence.", now=START - DAY)
    ann = get_user("ann@example.com")
    ids = [
        db.session.scalar(select(QuestionRow.id).where(QuestionRow.key == q.id))
        for q in BANK.questions
    ]
    for at, number, grade in [
        (START, 0, Grade.GOOD),
        (START + timedelta(minutes=10), 0, Grade.GOOD),
        (START + 3 * DAY + timedelta(hours=1), 0, Grade.GOOD),
        (START + DAY, 2, Grade.EASY),
        (START + 9 * DAY, 2, Grade.AGAIN),
        (START + 9 * DAY + timedelta(minutes=5), 1, Grade.AGAIN),
    ]:
        answer_card(ann, ids[number], grade, at)
    path = tmp_path / "mine.apkg"
    row = banks.find_bank(db.session, BANK.id)
    exports.export_personal_anki(db.session, user=ann, bank=row, path=path, now=START + 9 * DAY)
    return ann, ids, path


def _card(user, question_id: int) -> Card:
    return db.session.scalar(
        select(Card).where(Card.user_id == user.id, Card.question_id == question_id)
    )


def test_anki_takes_up_each_card_where_quizapp_left_it(studied, tmp_path: Path) -> None:
    ann, ids, path = studied
    moment = START + 9 * DAY + timedelta(minutes=6)
    _, anki = run_anki(tmp_path / "anki", decks=[path], answers=[], start=moment, end=moment)

    review = _card(ann, ids[0])
    theirs = anki[GUIDS[0]]
    assert (theirs["type"], theirs["queue"]) == (2, 2)
    assert theirs["due_day_start"] == learners.day_start(ann, review.due).timestamp()
    assert theirs["stability"] == pytest.approx(review.stability, abs=1e-4)
    assert theirs["difficulty"] == pytest.approx(review.difficulty, abs=1e-3)

    learning = _card(ann, ids[1])
    assert (anki[GUIDS[1]]["type"], anki[GUIDS[1]]["queue"]) == (1, 1)
    assert anki[GUIDS[1]]["due"] == int(learning.due.timestamp())
    assert anki[GUIDS[1]]["stability"] == pytest.approx(learning.stability, abs=1e-4)

    relearning = _card(ann, ids[2])
    assert (anki[GUIDS[2]]["type"], anki[GUIDS[2]]["queue"]) == (3, 1)
    assert anki[GUIDS[2]]["due"] == int(relearning.due.timestamp())
    assert anki[GUIDS[2]]["difficulty"] == pytest.approx(relearning.difficulty, abs=1e-3)

    assert (anki[GUIDS[3]]["type"], anki[GUIDS[3]]["stability"]) == (0, None)
    browser = db.session.scalars(
        select(Review).where(Review.question_id == ids[0]).order_by(Review.reviewed_at)
    ).all()
    assert [(rid, ease) for rid, ease, _ in theirs["revlog"]] == [
        (round(r.reviewed_at.timestamp() * 1000), r.rating) for r in browser
    ]
    assert [kind for _, _, kind in theirs["revlog"]] == [0, 0, 1]


def test_reviews_continued_in_anki_come_back_once_and_agree_with_anki(
    studied, tmp_path: Path
) -> None:
    ann, ids, path = studied
    later = START + 20 * DAY + timedelta(hours=2)
    export, anki = run_anki(
        tmp_path / "anki",
        decks=[path],
        answers=[(later, GUIDS[0], 3), (later + timedelta(minutes=1), GUIDS[2], 3)],
        start=START + 9 * DAY + timedelta(minutes=6),
        end=later + timedelta(minutes=5),
    )

    result = anki_reviews.import_reviews(
        db.session, user=ann, path=export, max_bytes=10_000_000, now=later + DAY, fuzz=False
    )

    # The six browser answers went to Anki in the deck and come back as themselves.
    assert (result.added, result.questions, result.skipped) == (2, 2, 6)
    for number in (0, 2):
        card = _card(ann, ids[number])
        assert card.stability == pytest.approx(anki[GUIDS[number]]["stability"], rel=2e-3)
        assert card.difficulty == pytest.approx(anki[GUIDS[number]]["difficulty"], rel=2e-3)
    assert (
        anki[GUIDS[0]]["due_day_start"]
        == learners.day_start(ann, _card(ann, ids[0]).due).timestamp()
    )
