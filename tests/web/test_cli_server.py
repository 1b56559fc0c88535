"""The `quizapp` commands that use the database, run through Flask's CLI runner."""

import zipfile

from sqlalchemy import func, select

from quizapp.cli import main
from quizapp.extensions import db
from quizapp.models import Question
from tests.helpers import TEST_BANK, get_user


def run(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_bank_load_twice_changes_nothing(runner, app):
    first = run(runner, "bank", "load", str(TEST_BANK))
    assert first.exit_code == 0 and "162 added" in first.output
    second = run(runner, "bank", "load", str(TEST_BANK))
    assert "0 added, 0 updated, 0 retired, 162 unchanged" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 162


def test_bank_load_refuses_a_broken_bank(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEST_BANK.read_text(encoding="utf-8").replace("kind: mcq", "kind: essay", 1))
    (tmp_path / "posterior-hip-pain.txt").write_text(
        (TEST_BANK.parent / "posterior-hip-pain.txt").read_text(encoding="utf-8")
    )
    result = run(runner, "bank", "load", str(broken))
    assert result.exit_code == 1
    assert "was not loaded" in result.output and "kind: must be one of" in result.output


def test_user_create_with_role(runner, app):
    result = run(
        runner,
        "user",
        "create",
        "teacher@example.com",
        "--role",
        "instructor",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 0
    with app.app_context():
        assert get_user("teacher@example.com").role == "instructor"
    again = run(
        runner, "user", "create", "teacher@example.com", "--password", "long enough password"
    )
    assert again.exit_code == 1 and "already exists" in again.output


def test_export_anki_writes_a_filtered_package(runner, tmp_path):
    output = tmp_path / "faq.apkg"
    result = run(runner, "export", "anki", str(TEST_BANK), "-o", str(output), "--section", "faq")
    assert result.exit_code == 0 and "Wrote 10 notes" in result.output
    assert "collection.anki2" in zipfile.ZipFile(output).namelist()


def test_export_anki_explains_an_unwritable_path(runner, tmp_path):
    output = tmp_path / "missing-folder" / "deck.apkg"
    result = run(runner, "export", "anki", str(TEST_BANK), "-o", str(output))
    assert result.exit_code == 1 and str(output) in result.output
    assert "Traceback" not in result.output


def test_export_anki_refuses_a_bank_that_fails_check(runner, tmp_path):
    broken = tmp_path / "posterior-hip-pain.yaml"
    broken.write_text(
        TEST_BANK.read_text(encoding="utf-8").replace(
            "prompt: What is", "prompt: ''\n  x: What is", 1
        )
    )
    (tmp_path / "posterior-hip-pain.txt").write_text(
        (TEST_BANK.parent / "posterior-hip-pain.txt").read_text(encoding="utf-8")
    )
    result = run(runner, "export", "anki", str(broken), "-o", str(tmp_path / "deck.apkg"))
    assert result.exit_code == 1 and "was not exported" in result.output
    assert "introduction-basic-what-is: prompt: missing or empty" in result.output
    assert not (tmp_path / "deck.apkg").exists()


def test_backup_and_restore_commands(runner, app, tmp_path):
    run(runner, "bank", "load", str(TEST_BANK))
    path = tmp_path / "quizapp-backup.json.gz"
    made = run(runner, "backup", str(path))
    assert made.exit_code == 0 and "Backed up" in made.output
    refused = run(runner, "restore", str(path))
    assert refused.exit_code == 1 and "not empty" in refused.output
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
    restored = run(runner, "restore", str(path))
    assert restored.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Question)) == 162


def _checked_app(url):  # type: ignore[no-untyped-def]
    from quizapp import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": url,
            "CHECK_MIGRATIONS": True,
        }
    )


COMMANDS = (
    ("bank", "load", str(TEST_BANK)),
    ("user", "create", "a@example.com", "--password", "long enough password"),
    ("optimize",),
    ("backup", "backup.json.gz"),
    ("restore", str(TEST_BANK)),
)


def test_every_database_command_meets_a_missing_database_with_one_line(tmp_path):
    checked = _checked_app(f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")
    runner = checked.test_cli_runner()
    try:
        for command in COMMANDS:
            result = runner.invoke(main, list(command))
            assert result.exit_code == 1, command
            lines = result.output.strip().splitlines()
            assert lines == [
                "Error: The database is missing or not up to date: run `quizapp db upgrade` first."
            ], command
    finally:
        with checked.app_context():
            db.engine.dispose()


def test_an_outdated_database_is_met_the_same_way(app):
    from flask_migrate import stamp

    from quizapp import MIGRATIONS

    checked = _checked_app(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with checked.app_context():
            stamp(directory=str(MIGRATIONS), revision="0002")
        result = checked.test_cli_runner().invoke(main, ["optimize"])
        assert result.exit_code == 1 and "run `quizapp db upgrade` first" in result.output
        with checked.app_context():
            stamp(directory=str(MIGRATIONS), revision="head")
        result = checked.test_cli_runner().invoke(main, ["optimize"])
        assert result.exit_code == 0, result.output
    finally:
        with checked.app_context():
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.engine.dispose()
