"""Each question's `changed` date in bank files: kept while its content stays the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from quizapp.content.bank import Bank, Kind, Question, Section, date_changes
from quizapp.content.bankfile import load_bank, previous_questions, save_bank
from quizapp.content.check import check_bank_data

BEFORE = datetime(2026, 1, 10, 8, 30, tzinfo=UTC)
NOW = datetime(2026, 2, 1, 12, 0, 5, 123456, tzinfo=UTC)


def _question(qid: str, answer: str, changed: datetime | None = None) -> Question:
    return Question(
        id=qid,
        kind=Kind.BASIC,
        section=Section.FAQ,
        prompt=f"What about {qid}?",
        answer=answer,
        source=("A sentence.",),
        changed=changed,
    )


def _bank(*questions: Question) -> Bank:
    return Bank(id="small", topic="Small", article="small.txt", questions=questions)


def _previous(bank: Bank, tmp_path: Path) -> dict[str, dict[str, object]]:
    path = tmp_path / "bank.yaml"
    save_bank(bank, path)
    return previous_questions(path)


def test_unchanged_questions_keep_their_date_or_lack_of_one(tmp_path: Path) -> None:
    old = _bank(_question("a", "A"), _question("b", "B", BEFORE), _question("c", "C", BEFORE))
    rebuilt = _bank(_question("a", "A"), _question("b", "B"), _question("c", "C changed"))
    rebuilt = replace(rebuilt, questions=(*rebuilt.questions, _question("d", "D")))

    result = date_changes(rebuilt, _previous(old, tmp_path), now=NOW)
    dated = {q.id: q.changed for q in result.questions}

    assert dated == {
        "a": None,
        "b": BEFORE,
        "c": NOW.replace(microsecond=0),
        "d": NOW.replace(microsecond=0),
    }


def test_dates_round_trip_through_the_file(tmp_path: Path) -> None:
    (tmp_path / "small.txt").write_text("A sentence.", encoding="utf-8")
    bank = _bank(_question("a", "A", BEFORE), _question("b", "B"))
    save_bank(bank, tmp_path / "bank.yaml")
    text = (tmp_path / "bank.yaml").read_text(encoding="utf-8")
    assert "changed: '2026-01-10T08:30:00Z'" in text
    assert load_bank(tmp_path / "bank.yaml") == bank


def test_an_unquoted_timestamp_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "small.txt").write_text("A sentence.", encoding="utf-8")
    save_bank(_bank(_question("a", "A", BEFORE)), tmp_path / "bank.yaml")
    path = tmp_path / "bank.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("'2026-01-10T08:30:00Z'", "2026-01-10 08:30:00Z"),
        encoding="utf-8",
    )
    assert load_bank(path).questions[0].changed == BEFORE


def test_a_bad_date_is_reported_with_its_question() -> None:
    data = _bank(_question("a", "A")).to_dict()
    data["questions"][0]["changed"] = "last Tuesday"
    problems = check_bank_data(data, file="bank.yaml", article_text=None)
    assert [(p.question, p.field) for p in problems] == [("a", "changed")]
    assert "last Tuesday" in problems[0].message
