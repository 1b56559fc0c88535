"""Reviews done in real Anki come back: answered there with Anki's own FSRS scheduler at
chosen times (under libfaketime), exported, imported here and compared with Anki's state."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zstandard
from sqlalchemy import func, select

from quizapp import scheduling
from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.export.anki import note_guid
from quizapp.extensions import db
from quizapp.models import ANKI, BROWSER, Card, Review
from quizapp.models import Question as QuestionRow
from quizapp.scheduling import Grade, MemoryState
from quizapp.services import anki_reviews, banks, exports, learners, study
from quizapp.services.anki_reviews import AnkiImportError
from quizapp.services.cards import memory_of
from tests.anki_driver import run_anki
from tests.helpers import answer_card, get_user

DAY = timedelta(days=1)
START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LIMIT = 10_000_000


def _question(number: int) -> Question:
    return Question(
        id=f"small-{number}",
        kind=Kind.BASIC,
        section=Section.FAQ,
        prompt=f"Question {number}?",
        answer=f"Answer {number}.",
        source=("A sentence.",),
    )


BANK = Bank(
    id="small", topic="Small", article="small.txt", questions=tuple(map(_question, range(4)))
)
GUIDS = [note_guid(BANK.id, q.kind, q.id) for q in BANK.questions]

# (days after START, minutes, question number, rating): learning steps, lapses, every grade.
# Each day's answers come later in the day than the card's previous ones, so full days and
# Anki's study days (rollovers crossed) count the same between answers.
ANSWERS = [
    (0, 0, 0, 3),
    (0, 10, 0, 3),
    (3, 60, 0, 3),
    (12, 120, 0, 1),
    (12, 130, 0, 3),
    (14, 180, 0, 4),
    (1, 0, 1, 1),
    (1, 1, 1, 3),
    (1, 12, 1, 3),
    (4, 60, 1, 2),
    (9, 120, 1, 3),
    (2, 0, 2, 4),
    (20, 60, 2, 2),
]


def _moments(answers: list[tuple[int, int, int, int]]) -> list[tuple[datetime, str, int]]:
    return [
        (START + day * DAY + timedelta(minutes=minutes), GUIDS[number], rating)
        for day, minutes, number, rating in answers
    ]


@pytest.fixture
def learner(session, make_user):
    make_user("ann@example.com")
    banks.load_bank(db.session, BANK, article_text="A sentence.", now=START - DAY)
    return get_user("ann@example.com")


@pytest.fixture
def deck(learner, tmp_path: Path) -> Path:
    path = tmp_path / "small.apkg"
    row = banks.find_bank(db.session, BANK.id)
    exports.export_anki([exports.loaded_bank(db.session, row)], path, now=START - DAY)
    return path


def _question_id(number: int) -> int:
    return db.session.scalar(select(QuestionRow.id).where(QuestionRow.key == f"small-{number}"))


def _card(user, number: int) -> Card:
    return db.session.scalar(
        select(Card).where(Card.user_id == user.id, Card.question_id == _question_id(number))
    )


def _import(user, path: Path, now: datetime = START + 30 * DAY, **kwargs):
    return anki_reviews.import_reviews(
        db.session,
        user=user,
        path=path,
        max_bytes=kwargs.get("max_bytes", LIMIT),
        now=now,
        fuzz=False,
    )


def _review_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Review))


@pytest.mark.parametrize("colpkg", [True, False], ids=["colpkg", "apkg"])
def test_reviews_and_memory_states_match_anki(learner, deck, tmp_path, colpkg):
    export, anki = run_anki(
        tmp_path / "anki",
        decks=[deck],
        answers=_moments(ANSWERS),
        start=START,
        end=START + 30 * DAY,
        colpkg=colpkg,
        foreign_notes=2,
    )

    result = _import(learner, export)

    assert (result.added, result.questions, result.unmatched_notes, result.skipped) == (
        len(ANSWERS),
        3,
        2,
        0,
    )
    assert result.summary() == (
        f"{len(ANSWERS)} reviews added from Anki for 3 questions; 2 notes matched no question."
    )
    for number in range(3):
        theirs = anki[GUIDS[number]]
        ours = db.session.scalars(
            select(Review)
            .where(Review.question_id == _question_id(number))
            .order_by(Review.reviewed_at)
        ).all()
        assert [(f"anki:{rid}", ease) for rid, ease, _ in theirs["revlog"]] == [
            (review.token, review.rating) for review in ours
        ]
        assert {review.source for review in ours} == {ANKI}
        assert all(review.response is None and review.correct is None for review in ours)
        card = _card(learner, number)
        assert card.stability == pytest.approx(theirs["stability"], rel=2e-3)
        assert card.difficulty == pytest.approx(theirs["difficulty"], rel=2e-3)
        assert card.reps == len(ours)
        assert theirs["type"] == 2 and card.state == 2
        assert learners.day_start(learner, card.due).timestamp() == theirs["due_day_start"]
    assert _card(learner, 3) is None


def test_uploading_the_same_file_again_adds_nothing(learner, deck, tmp_path):
    export, _ = run_anki(
        tmp_path / "anki",
        decks=[deck],
        answers=_moments(ANSWERS),
        start=START,
        end=START + 30 * DAY,
    )
    _import(learner, export)
    cards = {n: (_card(learner, n).version, _card(learner, n).due) for n in range(3)}

    again = _import(learner, export)

    assert (again.added, again.questions, again.skipped) == (0, 0, len(ANSWERS))
    assert _review_count() == len(ANSWERS)
    assert {n: (_card(learner, n).version, _card(learner, n).due) for n in range(3)} == cards


def test_browser_and_phone_reviews_are_replayed_in_time_order(learner, deck, tmp_path):
    question = _question_id(0)
    # In the browser on days 0 and 8; on the phone on days 3 and 5 (between them) and 20.
    answer_card(learner, question, Grade.GOOD, START)
    answer_card(learner, question, Grade.GOOD, START + timedelta(minutes=10))
    answer_card(learner, question, Grade.HARD, START + 8 * DAY + timedelta(hours=3))
    phone = [(3, 60, 0, 3), (5, 120, 0, 1), (5, 130, 0, 3), (20, 240, 0, 4)]
    export, _ = run_anki(
        tmp_path / "anki", decks=[deck], answers=_moments(phone), start=START, end=START + 30 * DAY
    )

    _import(learner, export)

    history = db.session.scalars(
        select(Review).where(Review.question_id == question).order_by(Review.reviewed_at)
    ).all()
    assert [(r.source, r.rating) for r in history] == [
        (BROWSER, 3),
        (BROWSER, 3),
        (ANKI, 3),
        (ANKI, 1),
        (ANKI, 3),
        (BROWSER, 2),
        (ANKI, 4),
    ]
    card = _card(learner, 0)
    settings = learners.settings_for(learner, fuzz=False)
    memory = MemoryState()
    for review in history:
        assert review.card_before["stability"] == memory.stability
        memory = scheduling.review(
            settings,
            card_id=card.id,
            memory=memory,
            grade=Grade(review.rating),
            now=review.reviewed_at,
        ).after
        assert review.stability_after == memory.stability
    assert memory_of(card) == memory
    assert card.lapses == 1 and card.reps == 7


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda folder: folder.joinpath("notes.txt").write_bytes(b"just text") and None,
            "not an Anki export",
        ),
        (lambda folder: _zip(folder / "x.zip", {"readme.txt": b"hello"}), "not an Anki export"),
        (
            lambda folder: _zip(
                folder / "x.colpkg", {"collection.anki21b": b"\x28\xb5\x2f\xfdjunk"}
            ),
            "damaged",
        ),
        (
            lambda folder: _zip(
                folder / "x.colpkg", {"collection.anki2": b"SQLite format 3\x00junk"}
            ),
            "damaged",
        ),
    ],
    ids=["text", "other-zip", "bad-zstd", "bad-sqlite"],
)
def test_a_file_that_is_not_a_good_anki_export_changes_nothing(learner, tmp_path, make, message):
    answer_card(learner, _question_id(0), Grade.GOOD, START)
    path = make(tmp_path) or tmp_path / "notes.txt"
    before = (_review_count(), _card(learner, 0).version)

    with pytest.raises(AnkiImportError, match=message):
        _import(learner, path)

    assert (_review_count(), _card(learner, 0).version) == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(learner, deck, tmp_path):
    export, _ = run_anki(
        tmp_path / "anki", decks=[deck], answers=_moments(ANSWERS[:2]), start=START, end=START + DAY
    )
    with pytest.raises(AnkiImportError, match=r"files up to 0 MB are accepted"):
        _import(learner, export, max_bytes=1000)
    assert _review_count() == 0


def test_undo_takes_back_browser_answers_only_and_never_past_phone_reviews(learner, deck, tmp_path):
    question = _question_id(0)
    answer_card(learner, question, Grade.GOOD, START)
    answer_card(learner, _question_id(3), Grade.GOOD, START + timedelta(minutes=1))
    export, _ = run_anki(
        tmp_path / "anki",
        decks=[deck],
        answers=_moments([(3, 60, 0, 3)]),
        start=START,
        end=START + 4 * DAY,
    )
    _import(learner, export)

    # The latest browser answer (question 3) is undone, not the imported one.
    assert study.undo_last(db.session, user=learner).id == _question_id(3)
    with pytest.raises(study.StudyError, match="followed by reviews imported from Anki"):
        study.undo_last(db.session, user=learner)
    assert _review_count() == 2


def test_reviews_dated_after_the_upload_are_ignored_and_counted(learner, deck, tmp_path):
    export, _ = run_anki(
        tmp_path / "anki",
        decks=[deck],
        answers=_moments(ANSWERS),
        start=START,
        end=START + 30 * DAY,
    )
    # Uploaded "on day 4": the answers of days 9 to 20 cannot have happened yet.
    result = _import(learner, export, now=START + 4 * DAY + timedelta(hours=3))
    later = sum(day > 4 for day, *_ in ANSWERS)
    assert (result.added, result.future) == (len(ANSWERS) - later, later)
    assert f"{later} dated in the future ignored" in result.summary()


@pytest.mark.parametrize("member", ["collection.anki21b", "collection.anki2"])
def test_a_small_file_that_unpacks_huge_is_refused(learner, tmp_path, member):
    huge = b"\0" * 20_000_000
    data = zstandard.ZstdCompressor().compress(huge) if member.endswith("21b") else huge
    path = tmp_path / "bomb.colpkg"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(member, data)
    assert path.stat().st_size < 100_000

    with pytest.raises(AnkiImportError, match="unpacks to more than the size accepted"):
        _import(learner, path, max_bytes=100_000)
