"""`bank load` over a bank edited on the site, and `bank build --bank` in the database."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy import select

from quizapp.cli import main
from quizapp.extensions import db
from quizapp.models import Question, QuestionChange, Role
from quizapp.services import banks
from tests.helpers import NOW, TEST_BANK, get_user


def run(runner, *args):
    return runner.invoke(main, [str(arg) for arg in args], catch_exceptions=False)


def _copy(tmp_path: Path) -> Path:
    shutil.copy(TEST_BANK, tmp_path / TEST_BANK.name)
    shutil.copy(TEST_BANK.parent / "posterior-hip-pain.txt", tmp_path / "posterior-hip-pain.txt")
    return tmp_path / TEST_BANK.name


def _first_basic(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(q for q in data["questions"] if q["kind"] == "basic")


def _change_in_file(path: Path, key: str, answer: str) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for question in data["questions"]:
        if question["id"] == key:
            question["answer"] = answer
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _edit_on_site(app, key: str, answer: str) -> None:
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == key))
        banks.edit_question(
            db.session,
            question,
            by=get_user("admin@example.com"),
            prompt=question.content["prompt"],
            answer=answer,
            explanation=question.content.get("explanation", ""),
            now=NOW,
        )


def _answer(app, key: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Question).where(Question.key == key)).content["answer"]


def test_load_reports_each_conflict_and_keeps_the_site_version_unless_theirs(
    runner, app, make_user, tmp_path
):
    make_user("admin@example.com", role=Role.ADMIN)
    path = _copy(tmp_path)
    run(runner, "bank", "load", path)
    key = _first_basic(path)["id"]
    _edit_on_site(app, key, "Edited on the site.")

    unchanged = run(runner, "bank", "load", path)
    assert "1 site edits kept" in unchanged.output and "conflict" not in unchanged.output
    assert _answer(app, key) == "Edited on the site."

    _change_in_file(path, key, "Changed in the file.")
    kept = run(runner, "bank", "load", path)
    assert kept.exit_code == 0
    assert f"conflict: {key}: changed on the site and in the file (answer)" in kept.output
    assert "kept the site's version" in kept.output and "--theirs" in kept.output
    assert "answer: site 'Edited on the site.', file 'Changed in the file.'" in kept.output
    assert _answer(app, key) == "Edited on the site."

    taken = run(runner, "bank", "load", path, "--theirs")
    assert f"conflict: {key}" in taken.output and "took the file's version" in taken.output
    assert _answer(app, key) == "Changed in the file."
    with app.app_context():
        actions = db.session.scalars(select(QuestionChange.action).order_by(QuestionChange.id))
        assert list(actions)[-2:] == ["edit", "file's version taken"]

    quiet = run(runner, "bank", "load", path)
    assert "conflict" not in quiet.output and "0 updated" in quiet.output


def test_build_with_bank_rebuilds_the_stored_bank_for_review(runner, app, make_user, tmp_path):
    make_user("admin@example.com", role=Role.ADMIN)
    article = tmp_path / "posterior-hip-pain.txt"
    shutil.copy(TEST_BANK.parent / "posterior-hip-pain.txt", article)
    built = tmp_path / "built.yaml"
    run(runner, "bank", "build", article, "-o", built)
    run(runner, "bank", "load", built)
    key = _first_basic(built)["id"]
    _edit_on_site(app, key, "Edited on the site.")
    text = article.read_text(encoding="utf-8")
    article.write_text(text + "\n", encoding="utf-8")  # the same questions

    same = run(runner, "bank", "build", article, "--bank", "posterior-hip-pain")
    assert same.exit_code == 0
    assert "0 added, 0 updated, 0 retired" in same.output
    assert _answer(app, key) == "Edited on the site."

    missing = runner.invoke(main, ["bank", "build", str(article), "--bank", "no-such-bank"])
    assert missing.exit_code == 1 and "There is no bank no-such-bank" in missing.output
    both = runner.invoke(main, ["bank", "build", str(article), "--bank", "x", "-o", str(built)])
    assert both.exit_code == 2
