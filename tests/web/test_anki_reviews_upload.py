"""Uploading an Anki export in Settings, and what learners and instructors then see."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.cli import main
from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.export.anki import note_guid, write_package
from quizapp.extensions import db
from quizapp.models import Review, Role
from quizapp.services import assignments, banks, classes
from tests.anki_driver import run_anki
from tests.helpers import Auth, get_user, work
from tests.pages import csrf_token, text

# Recent enough for the statistics page, which shows the last year.
START = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=20)
BANK = Bank(
    id="small",
    topic="Small",
    article="small.txt",
    questions=tuple(
        Question(
            id=f"small-{n}",
            kind=Kind.MCQ if n == 0 else Kind.BASIC,
            section=Section.FAQ,
            prompt=f"Question {n}?",
            answer=f"Answer {n}.",
            options=(f"Answer {n}.", "Something else.") if n == 0 else (),
            source=("A sentence.",),
        )
        for n in range(3)
    ),
)
GUIDS = [note_guid(BANK.id, q.kind, q.id) for q in BANK.questions]
# (day, question number, rating), in order.
ANSWERS = [(0, 0, 3), (0, 1, 1), (0, 0, 3), (3, 0, 3), (3, 1, 3), (9, 1, 1)]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .colpkg with six answers given in Anki to two of the bank's three notes."""
    folder = tmp_path_factory.mktemp("anki")
    write_package([BANK], folder / "small.apkg", timestamp=START.timestamp())
    answers = [
        (START + timedelta(days=day, minutes=10 * step), GUIDS[number], rating)
        for step, (day, number, rating) in enumerate(ANSWERS)
    ]
    path, _ = run_anki(
        folder / "run",
        decks=[folder / "small.apkg"],
        answers=answers,
        start=START,
        end=START + timedelta(days=10),
        foreign_notes=1,
    )
    return path


@pytest.fixture
def learner(app, client, make_user) -> Auth:
    make_user("ann@example.com")
    with app.app_context():
        banks.load_bank(db.session, BANK, article_text="A sentence.", now=START)
    auth = Auth(client)
    auth.login("ann@example.com")
    return auth


def _upload(client, data: bytes, name: str = "collection.colpkg"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/settings").get_data(as_text=True))
    return client.post(
        "/settings/anki-reviews",
        data={"csrf_token": token, "package": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _reviews(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Review))


def test_upload_shows_a_summary_and_the_same_file_again_adds_nothing(
    app, client, learner, export
) -> None:
    page = text(_upload(client, export.read_bytes()).get_data(as_text=True))
    assert "6 reviews added from Anki for 2 questions; 1 note matched no question." in page

    page = text(_upload(client, export.read_bytes()).get_data(as_text=True))
    assert "0 reviews added from Anki for 0 questions; 6 already here skipped" in page
    assert _reviews(app) == 6

    stats = text(client.get("/stats").get_data(as_text=True))
    assert "6 reviews in all" in stats


@pytest.mark.parametrize(
    "data, name",
    [(b"not a zip at all", "notes.colpkg"), (b"PK\x03\x04broken", "broken.apkg")],
    ids=["text", "broken-zip"],
)
def test_a_bad_file_re_renders_settings_with_a_message(app, client, learner, data, name) -> None:
    response = _upload(client, data, name)
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "This is not an Anki export." in page
    assert "Traceback" not in page
    assert _reviews(app) == 0


def test_a_deck_without_scheduling_says_how_to_export_one(app, client, learner, tmp_path) -> None:
    write_package([BANK], tmp_path / "plain.apkg", timestamp=START.timestamp())
    response = _upload(client, (tmp_path / "plain.apkg").read_bytes(), "plain.apkg")
    assert response.status_code == 400
    assert "tick “Include scheduling information”" in text(response.get_data(as_text=True))
    assert _reviews(app) == 0


def test_no_file_chosen_is_a_form_error(client, learner) -> None:
    token = csrf_token(client.get("/settings").get_data(as_text=True))
    response = client.post(
        "/settings/anki-reviews", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "Choose the file you exported from Anki." in text(response.get_data(as_text=True))


def test_a_file_far_over_the_limit_is_refused_with_the_limit(app, client, learner) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    app.config["MAX_UPLOAD_BYTES"] = 50_000
    response = _upload(client, b"x" * 200_000)
    assert response.status_code == 413
    assert "uploads of up to 0 MB are accepted. Nothing was changed." in text(
        response.get_data(as_text=True)
    )
    assert _reviews(app) == 0


def test_instructors_see_phone_reviews_marked(app, client, make_user, learner, export) -> None:
    _upload(client, export.read_bytes())
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    with app.app_context():
        teacher, ann = get_user("teacher@example.com"), get_user("ann@example.com")
        room = classes.create_class(db.session, instructor=teacher, name="Block", now=START)
        classes.join(db.session, user=ann, code=room.join_code, now=START)
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=banks.find_bank(db.session, BANK.id),
            title="Small week",
            selection=assignments.Selection(sections=("faq",)),
            opens_at=START,
            due_at=START + timedelta(days=30),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
        )
        assignment_id = assignment.id
    client.post("/auth/logout", data={"csrf_token": learner.csrf("/")})
    Auth(client).login("teacher@example.com")

    progress = text(client.get(f"/teach/assignments/{assignment_id}").get_data(as_text=True))
    assert re.search(r"ann 2/3 6 \(6 in Anki\)", progress), progress
    items = client.get(f"/teach/assignments/{assignment_id}/items").get_data(as_text=True)
    mcq = re.search(r'<tr[^>]*data-question="small-0".*?</tr>', items, re.S).group(0)
    assert "answered in Anki, option not known: 3" in text(mcq)
    assert "3 (3 in Anki)" in text(mcq)


def test_command_line_import(app, make_user, export) -> None:
    make_user("ann@example.com")
    with app.app_context():
        banks.load_bank(db.session, BANK, article_text="A sentence.", now=START)
    runner = app.test_cli_runner()
    broken = runner.invoke(main, ["import", "anki-reviews", __file__, "--user", "ann@example.com"])
    assert broken.exit_code == 1 and "This is not an Anki export." in broken.output
    result = runner.invoke(
        main, ["import", "anki-reviews", str(export), "--user", "ann@example.com"]
    )
    assert result.exit_code == 0, result.output
    assert "6 reviews added from Anki for 2 questions" in result.output
    missing = runner.invoke(
        main, ["import", "anki-reviews", str(export), "--user", "no@example.com"]
    )
    assert missing.exit_code == 1 and "No user with the email no@example.com." in missing.output
    assert "Traceback" not in missing.output


def test_a_large_export_is_imported_by_the_background_worker(
    app, client, learner, export, redis
) -> None:
    app.config["ANKI_IMPORT_IN_REQUEST_BYTES"] = 0
    page = text(_upload(client, export.read_bytes()).get_data(as_text=True))
    assert "being imported in the background" in page
    assert "waiting for a free worker" in page
    assert _reviews(app) == 0

    again = text(_upload(client, export.read_bytes()).get_data(as_text=True))
    assert "An import of yours is still running" in again
    assert list((Path(app.instance_path) / "uploads").glob("anki-*.upload")) != []

    with app.app_context():
        work(redis)
    assert _reviews(app) == 6
    settings = text(client.get("/settings").get_data(as_text=True))
    assert "6 reviews added from Anki for 2 questions; 1 note matched no question." in settings
    assert list((Path(app.instance_path) / "uploads").glob("anki-*.upload")) == []


def test_a_bad_large_file_is_reported_by_the_job_and_changes_nothing(
    app, client, learner, redis
) -> None:
    app.config["ANKI_IMPORT_IN_REQUEST_BYTES"] = 0
    _upload(client, b"not a zip at all", "notes.colpkg")
    with app.app_context():
        work(redis)
    settings = text(client.get("/settings").get_data(as_text=True))
    assert "This is not an Anki export." in settings
    assert _reviews(app) == 0
