"""The "with my schedule" deck download holds the caller's schedule and nobody else's."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Question
from quizapp.scheduling import Grade
from tests.helpers import NOW, Auth, answer_card, get_user


def _scheduled(data: bytes, tmp_path: Path) -> tuple[int, int]:
    """(cards that are not new, review-log entries) in a downloaded package."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        (tmp_path / "c.anki2").write_bytes(package.read("collection.anki2"))
    with closing(sqlite3.connect(tmp_path / "c.anki2")) as collection:
        cards = collection.execute("select count(*) from cards where type != 0").fetchone()[0]
        revlog = collection.execute("select count(*) from revlog").fetchone()[0]
    return cards, revlog


def test_each_learner_downloads_only_their_own_schedule(
    app, client, make_user, demo_bank, tmp_path
) -> None:
    make_user("ann@example.com")
    make_user("ben@example.com")
    with app.app_context():
        first, second = db.session.scalars(select(Question.id).order_by(Question.position).limit(2))
        ann = get_user("ann@example.com")
        answer_card(ann, first, Grade.GOOD, NOW)
        answer_card(ann, first, Grade.GOOD, NOW.replace(minute=10))
        answer_card(ann, second, Grade.AGAIN, NOW.replace(minute=11))

    auth = Auth(client)
    auth.login("ann@example.com")
    home = client.get("/").get_data(as_text=True)
    assert f"/banks/{demo_bank}/my-anki.apkg" in home
    mine = client.get(f"/banks/{demo_bank}/my-anki.apkg")
    assert mine.status_code == 200
    assert mine.headers["Content-Disposition"].endswith(f"{demo_bank}-my-schedule.apkg")
    assert _scheduled(mine.data, tmp_path) == (2, 3)

    auth.logout()
    auth.login("ben@example.com")
    theirs = client.get(f"/banks/{demo_bank}/my-anki.apkg")
    assert theirs.status_code == 200
    assert _scheduled(theirs.data, tmp_path) == (0, 0)
    assert client.get("/banks/no-such-bank/my-anki.apkg").status_code == 404
