"""Migration 0007 counts each existing card's passed answers from its reviews."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from quizapp import create_app
from quizapp.cli import MIGRATIONS
from quizapp.extensions import db

NOW = "2026-03-02 09:00:00.000000"


def test_upgrade_backfills_passed_answers_and_downgrades(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrate.sqlite3'}",
            "SECRET_KEY": "test",
            "CHECK_MIGRATIONS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0002")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, session_token,"
                    " desired_retention, new_per_day, reviews_per_day, created_at)"
                    f" VALUES (1, 'a@example.com', 'a', '-', 'trainee', 's', 0.9, 20, 200, '{NOW}')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO banks (id, slug, topic, article, loaded_at)"
                    f" VALUES (1, 'b', 'B', '', '{NOW}')"
                )
            )
            for qid in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO questions (id, bank_id, key, position, kind, section, content,"
                        " content_hash, retired, created_at, updated_at)"
                        f" VALUES ({qid}, 1, 'q{qid}', {qid}, 'basic', 'faq', '{{}}', 'h', 0,"
                        f" '{NOW}', '{NOW}')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO cards (id, user_id, question_id, state, reps, lapses,"
                        f" suspended, version) VALUES ({qid}, 1, {qid}, 2, 3, 0, 0, 4)"
                    )
                )
            # Card 1: judged right, judged wrong though recalled, unjudged Good. Card 2: all Again.
            for n, (card, rating, correct) in enumerate(
                [(1, 3, 1), (1, 3, 0), (1, 3, None), (2, 1, None), (2, 1, None), (2, 1, 0)]
            ):
                conn.execute(
                    text(
                        "INSERT INTO reviews (user_id, card_id, question_id, token, rating,"
                        " reviewed_at, state_after, correct, card_before)"
                        f" VALUES (1, :card, :card, 't{n}', :rating, '{NOW}', 2, :correct, '{{}}')"
                    ),
                    {"card": card, "rating": rating, "correct": correct},
                )
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as conn:
            passed = dict(conn.execute(text("SELECT id, passed FROM cards")).all())
        assert passed == {1: 2, 2: 0}
        downgrade(directory=str(MIGRATIONS), revision="0002")
        with db.engine.connect() as conn:
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(cards)"))]
        assert "passed" not in columns
        db.engine.dispose()
