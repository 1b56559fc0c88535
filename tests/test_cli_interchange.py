"""`quizapp bank export` and `quizapp bank import`, run through the app's CLI runner."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from quizapp.cli import main
from quizapp.content.bankfile import load_bank
from quizapp.extensions import db
from quizapp.models import Bank, Question, Role
from quizapp.services import assignments, banks, classes
from tests.helpers import NOW, TEST_BANK, get_user

BANK = load_bank(TEST_BANK)
SIMPLE = ("basic", "mcq", "true_false", "cloze")


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def _refused(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _stored(app: Flask, slug: str = BANK.id) -> dict[str, Question]:
    with app.app_context():
        bank = db.session.scalar(select(Bank).where(Bank.slug == slug))
        rows = db.session.scalars(select(Question).where(Question.bank_id == bank.id))
        return {row.key: row for row in rows}


def _unchanged(count: int) -> str:
    return f"0 added, 0 updated, {count} unchanged, 0 skipped"


def test_the_yaml_export_is_a_bank_file_that_checks_and_loads_back_unchanged(
    app, runner, demo_bank, make_user, tmp_path: Path
) -> None:
    # An edit made on the site is part of the export.
    make_user("admin@example.com", role=Role.ADMIN)
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.kind == "basic"))
        banks.edit_question(
            db.session,
            question,
            by=get_user("admin@example.com"),
            prompt="An edited prompt?",
            answer="An edited answer.",
            explanation="",
            now=NOW + timedelta(days=1),
        )
        edited = question.key
    output = tmp_path / "out" / "exported.yaml"
    result = _ok(runner.invoke(main, ["bank", "export", demo_bank, "-o", str(output)]))
    assert result.output == (
        f"Wrote {len(BANK.questions)} questions to {output} and the article to "
        f"{output.parent / (demo_bank + '.txt')}\n"
    )
    written = yaml.safe_load(output.read_text(encoding="utf-8"))
    edits = [q for q in written["questions"] if q["id"] == edited]
    assert edits[0]["prompt"] == "An edited prompt?"
    assert edits[0]["changed"] == "2026-03-03T09:00:00Z"
    _ok(runner.invoke(main, ["bank", "check", str(output)]))
    loaded = _ok(runner.invoke(main, ["bank", "load", str(output)]))
    assert loaded.output == (
        f"{output}: 0 added, 0 updated, 0 retired, {len(BANK.questions)} unchanged\n"
    )


@pytest.mark.parametrize(
    ("suffix", "kinds"), [(".gift", "no ordering"), (".xml", "all"), (".csv", "simple")]
)
def test_an_export_imports_back_into_its_bank_unchanged(
    app, runner, demo_bank, tmp_path: Path, suffix: str, kinds: str
) -> None:
    output = tmp_path / f"bank{suffix}"
    result = _ok(runner.invoke(main, ["bank", "export", demo_bank, "-o", str(output)]))
    count = {
        "all": len(BANK.questions),
        "no ordering": sum(q.kind.value != "ordering" for q in BANK.questions),
        "simple": sum(q.kind.value in SIMPLE for q in BANK.questions),
    }[kinds]
    assert f"Wrote {count} questions to {output}" in result.output
    if suffix == ".gift":
        assert "skipped question " in result.output and "GIFT has no ordering" in result.output
    before = {key: (row.content, row.updated_at) for key, row in _stored(app).items()}
    imported = _ok(runner.invoke(main, ["bank", "import", str(output), "--bank", demo_bank]))
    assert imported.output.endswith(f"{output}: {demo_bank}: {_unchanged(count)}\n")
    after = {key: (row.content, row.updated_at) for key, row in _stored(app).items()}
    assert after == before


def test_import_adds_and_updates_by_id_and_retires_nothing(
    app, runner, demo_bank, tmp_path: Path
) -> None:
    mcq = next(q for q in BANK.questions if q.kind.value == "mcq")
    gift = tmp_path / "two.gift"
    gift.write_text(
        f"::{mcq.id}::{mcq.prompt}{{\n"
        + "\n".join(("=" if o == mcq.answer else "~") + o for o in mcq.options)
        + "\n####A new explanation.\n}\n\n"
        + "::brand-new::Which muscle flexes the hip most strongly?{=Iliopsoas ~Gluteus maximus}\n",
        encoding="utf-8",
    )
    result = _ok(
        runner.invoke(
            main, ["bank", "import", str(gift), "--bank", demo_bank], catch_exceptions=False
        )
    )
    assert result.output == f"{gift}: {demo_bank}: 1 added, 1 updated, 0 unchanged, 0 skipped\n"
    stored = _stored(app)
    assert not any(row.retired for row in stored.values())
    updated = stored[mcq.id].content
    assert updated["explanation"] == "A new explanation."
    assert updated["source"] == list(mcq.source) and updated.get("fact", "") == mcq.fact
    new = stored["brand-new"]
    assert new.content["source"] == ["Imported from two.gift."]
    assert new.position == len(BANK.questions)
    with app.app_context():
        article = db.session.scalar(select(Bank.article).where(Bank.slug == demo_bank))
    assert article.rstrip().endswith("Imported from two.gift.")
    # The bank, imports included, is still a bank file that checks.
    output = tmp_path / "after.yaml"
    _ok(runner.invoke(main, ["bank", "export", demo_bank, "-o", str(output)]))
    _ok(runner.invoke(main, ["bank", "check", str(output)]))


def test_import_makes_a_new_bank_and_reports_what_it_skipped(app, runner, tmp_path: Path) -> None:
    gift = tmp_path / "knee quiz.gift"
    gift.write_text(
        "$CATEGORY: $course$/top/Knee basics/FAQ\n\n"
        "Is the patella a bone?{T}\n\n"
        "::essay::Write about knee pain.{}\n\n"
        "Which are bones?{~%50%Femur ~%50%Tibia ~Ulna}\n",
        encoding="utf-8",
    )
    result = _ok(runner.invoke(main, ["bank", "import", str(gift), "--bank", "knee"]))
    assert result.output.splitlines() == [
        "skipped question 2 (line 5) 'Write about knee pain.': essay questions are not supported",
        "skipped question 3 (line 7) 'Which are bones?': multiple-answer questions (several "
        "options giving credit, none giving all of it) are not supported",
        f"{gift}: knee (new bank): 1 added, 0 updated, 0 unchanged, 2 skipped",
    ]
    with app.app_context():
        bank = db.session.scalar(select(Bank).where(Bank.slug == "knee"))
        assert (bank.topic, bank.article) == ("Knee basics", "Imported from knee quiz.gift.\n")
    (question,) = _stored(app, "knee").values()
    assert (question.kind, question.section) == ("true_false", "faq")
    output = tmp_path / "knee.yaml"
    _ok(runner.invoke(main, ["bank", "export", "knee", "-o", str(output)]))
    _ok(runner.invoke(main, ["bank", "check", str(output)]))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.xml", "<quiz><question>", "broken.xml: line 1: not well-formed XML"),
        ("broken.gift", "What?{=a\n", "broken.gift: line 1: the answers have no closing '}'"),
        (
            "broken.csv",
            "id,answer\n",
            "broken.csv: row 1: the header row has no 'kind' or 'prompt'",
        ),
        ("essay.gift", "Write.{}\n", "the file has no question quizapp can use"),
        ("bank.yaml", "format: 1\n", "is a bank file: load it with `quizapp bank load"),
        ("quiz.doc", "x", "cannot tell the format of 'quiz.doc'"),
    ],
)
def test_a_broken_import_changes_nothing_and_says_why(
    app, runner, demo_bank, tmp_path: Path, name: str, text: str, message: str
) -> None:
    before = {key: row.content for key, row in _stored(app).items()}
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    _refused(runner.invoke(main, ["bank", "import", str(path), "--bank", demo_bank]), message)
    assert {key: row.content for key, row in _stored(app).items()} == before


def test_export_filters_and_an_assignments_set(app, runner, demo_bank, make_user, tmp_path) -> None:
    output = tmp_path / "types.csv"
    result = _ok(
        runner.invoke(
            main,
            ["bank", "export", demo_bank, "-o", str(output), "--section", "types", "--kind", "mcq"],
        )
    )
    types_mcq = [q for q in BANK.questions if q.section.value == "types" and q.kind.value == "mcq"]
    assert types_mcq and result.output == f"Wrote {len(types_mcq)} questions to {output}\n"
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    with app.app_context():
        room = classes.create_class(
            db.session, instructor=get_user("teacher@example.com"), name="Hip", now=NOW
        )
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=db.session.scalar(select(Bank)),
            title="Types",
            selection=assignments.Selection(sections=("indications",), kinds=("true_false",)),
            opens_at=NOW,
            due_at=NOW + timedelta(days=7),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
        )
        assignment_id = assignment.id
    xml = tmp_path / "set.moodle"
    args = ["bank", "export", demo_bank, "-o", str(xml), "--format", "moodle"]
    result = _ok(runner.invoke(main, [*args, "--assignment", str(assignment_id)]))
    wanted = [
        q
        for q in BANK.questions
        if q.section.value == "indications" and q.kind.value == "true_false"
    ]
    assert result.output == f"Wrote {len(wanted)} questions to {xml}\n"
    assert xml.read_text(encoding="utf-8").count('<question type="truefalse">') == len(wanted)
    _refused(
        runner.invoke(main, [*args, "--assignment", str(assignment_id + 1)]),
        f"Bank '{demo_bank}' has no assignment {assignment_id + 1}.",
    )
    partial = tmp_path / "partial.yaml"
    _refused(
        runner.invoke(
            main, ["bank", "export", demo_bank, "-o", str(partial), "--tag", "no-such-tag"]
        ),
        "No questions match those filters; nothing was written.",
    )
    assert not partial.exists()


def test_export_refuses_what_it_cannot_do(runner, demo_bank, tmp_path: Path) -> None:
    _refused(
        runner.invoke(main, ["bank", "export", "no-such-bank", "-o", str(tmp_path / "x.gift")]),
        "No bank has the ID 'no-such-bank'.",
    )
    _refused(
        runner.invoke(main, ["bank", "export", demo_bank, "-o", str(tmp_path / "x.doc")]),
        "cannot tell the format of 'x.doc'",
    )
    ordering = ["--kind", "ordering"]
    _refused(
        runner.invoke(
            main, ["bank", "export", demo_bank, "-o", str(tmp_path / "x.gift"), *ordering]
        ),
        "GIFT holds none of these questions; nothing written.",
    )
