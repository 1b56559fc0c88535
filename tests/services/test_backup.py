import gzip
import json

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.scheduling import Grade
from quizapp.services import backup, study
from tests.helpers import NOW, get_user


def everything():
    return {
        table.name: [
            tuple(row) for row in db.session.execute(select(table).order_by(*table.primary_key))
        ]
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def populated(session, make_user, demo_bank):
    make_user()
    user = get_user("trainee@example.com")
    scope = study.Scope(db.session.scalar(select(db.metadata.tables["banks"].c.id)))
    for minutes in range(3):
        question_id = study.next_question_id(db.session, user, scope, NOW)
        study.answer(
            db.session,
            user=user,
            question_id=question_id,
            grade=Grade.GOOD,
            seen_version=0,
            token=f"t{minutes}",
            response=None,
            duration_ms=900,
            now=NOW,
            fuzz=False,
        )
    study.flag(
        db.session,
        user=user,
        question_id=question_id,
        reason="unclear",
        comment="Ünïcode ✓",
        now=NOW,
    )
    return user


def test_backup_then_restore_on_an_empty_database_loses_nothing(populated, tmp_path):
    before = everything()
    path = tmp_path / "backup.json.gz"
    counts = backup.write_backup(db.engine, db.metadata, path)
    assert counts["reviews"] == 3 and counts["questions"] == 162
    db.session.remove()
    db.drop_all()
    db.create_all()
    backup.restore_backup(db.engine, db.metadata, path)
    assert everything() == before
    # New rows still get fresh ids after a restore.
    user = get_user("trainee@example.com")
    study.flag(db.session, user=user, question_id=1, reason="wrong", comment="", now=NOW)


def test_restore_refuses_a_database_with_data(populated, tmp_path):
    path = tmp_path / "backup.json.gz"
    backup.write_backup(db.engine, db.metadata, path)
    db.session.remove()
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore_backup(db.engine, db.metadata, path)


def test_restore_refuses_a_file_that_is_not_a_backup(session, tmp_path):
    path = tmp_path / "nonsense.json.gz"
    path.write_bytes(gzip.compress(b'{"hello": 1}'))
    with pytest.raises(backup.BackupError, match="not a quizapp backup"):
        backup.restore_backup(db.engine, db.metadata, path)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(backup.BackupError):
        backup.restore_backup(db.engine, db.metadata, broken)


def test_unwritable_backup_path_is_explained(session, tmp_path):
    with pytest.raises(backup.BackupError, match="cannot write"):
        backup.write_backup(db.engine, db.metadata, tmp_path / "missing" / "backup.json.gz")


def test_backups_taken_while_answers_are_written_are_consistent(app, populated, tmp_path):
    """Each snapshot agrees with itself: every card's reps equal its reviews in that snapshot."""
    import threading

    stop = threading.Event()
    written = []

    def keep_answering() -> None:
        with app.app_context():
            user = get_user("trainee@example.com")
            scope = study.Scope(db.session.scalar(select(db.metadata.tables["banks"].c.id)))
            number = 0
            while not stop.is_set() and number < 400:
                question_id = study.next_question_id(db.session, user, scope, NOW)
                if question_id is None:
                    break
                view = study.view_card(db.session, user, question_id, NOW, fuzz=False)
                study.answer(
                    db.session,
                    user=user,
                    question_id=question_id,
                    grade=Grade.AGAIN,
                    seen_version=view.version,
                    token=f"w{number}",
                    response=None,
                    duration_ms=None,
                    now=NOW,
                    fuzz=False,
                )
                written.append(number)
                number += 1
            db.session.remove()

    writer = threading.Thread(target=keep_answering)
    writer.start()
    snapshots = []
    try:
        for index in range(5):
            path = tmp_path / f"live-{index}.json.gz"
            backup.write_backup(db.engine, db.metadata, path)
            snapshots.append(backup.read_backup(path)["tables"])
    finally:
        stop.set()
        writer.join(timeout=60)
    assert written, "the writer answered nothing while the backups ran"
    for tables in snapshots:
        reviews_per_card: dict[int, int] = {}
        for review in tables["reviews"]:
            reviews_per_card[review["card_id"]] = reviews_per_card.get(review["card_id"], 0) + 1
        assert {card["id"]: card["reps"] for card in tables["cards"]} == reviews_per_card


def _damaged(tmp_path, data, name):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{name}.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    return path


DAMAGES = {
    "missing key": (lambda t: t["reviews"][0].pop("rating"), "reviews, row 1, column rating"),
    "wrong type": (lambda t: t["reviews"][0].update(rating="x"), "column rating: must be a whole"),
    "text for a flag": (lambda t: t["questions"][0].update(retired="no"), "true or false"),
    "dangling key": (
        lambda t: t["reviews"][0].update(card_id=999999),
        "names a row of cards that the backup does not have",
    ),
    "duplicate id": (lambda t: t["users"].append(dict(t["users"][0])), "repeats another row's"),
    "duplicate email": (
        lambda t: t["users"].append({**t["users"][0], "id": 4242}),
        "repeats another row's email",
    ),
    "naive time": (
        lambda t: t["reviews"][0].update(reviewed_at="2026-03-02T09:00:00"),
        "must carry its time zone",
    ),
    "unknown table": (lambda t: t.update(extra=[{"id": 1}]), "not one of this version's tables"),
    "unknown column": (lambda t: t["cards"][0].update(colour="red"), "column 'colour' is unknown"),
    "row not an object": (lambda t: t["cards"].append([1, 2]), "must be an object"),
    "huge number": (lambda t: t["reviews"][0].update(rating=10**30), "must be a whole number"),
    "too long": (lambda t: t["users"][0].update(email="x" * 300), "longer than 254"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_backup_is_refused_by_table_row_and_column(populated, tmp_path, damage):
    path = tmp_path / "backup.json.gz"
    backup.write_backup(db.engine, db.metadata, path)
    data = backup.read_backup(path)
    secret = data["tables"]["users"][0]["password_hash"]
    change, expected = DAMAGES[damage]
    change(data["tables"])
    damaged = _damaged(tmp_path, data, "damaged")
    db.session.remove()
    db.drop_all()
    db.create_all()
    with pytest.raises(backup.BackupError) as refused:
        backup.restore_backup(db.engine, db.metadata, damaged)
    message = str(refused.value)
    assert expected in message and "nothing was written" in message
    assert secret not in message and "Traceback" not in message
    assert db.session.scalar(select(func.count()).select_from(db.metadata.tables["users"])) == 0


def test_a_gzip_bomb_is_refused_before_it_fills_memory(session, tmp_path):
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb") as file:
        for _ in range(64):
            file.write(b" " * (1024 * 1024))
    with pytest.raises(backup.BackupError, match="unpacks to more than"):
        backup.read_backup(path, max_bytes=16 * 1024 * 1024)
