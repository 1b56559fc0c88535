"""`quizapp bank build` then `quizapp export anki` in a fresh folder, with no database,
proved by importing the decks into real Anki."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions
from click.testing import CliRunner, Result

from quizapp.cli import main
from quizapp.content.bank import Kind
from quizapp.export.anki import note_guid

ARTICLE = Path(__file__).resolve().parents[1] / "cards" / "posterior-hip-pain.txt"


def _run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    return result


def _questions(path: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {question["id"]: question for question in data["questions"]}


def _import(collection: Collection, path: Path):  # type: ignore[no-untyped-def]
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(merge_notetypes=True)
    )
    return collection.import_anki_package(request).log


def _edit_first_faq_answer(article: Path) -> None:
    """Add a sentence to the answer of the article's first FAQ question."""
    lines = article.read_text(encoding="utf-8").split("\n")
    at = next(index for index, line in enumerate(lines) if line.startswith("Q: "))
    lines[at + 1] += " Recovery is reviewed at every follow-up visit."
    article.write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh folder holding only the article; any database use would fail."""
    work = tmp_path / "fresh"
    work.mkdir()
    shutil.copyfile(ARTICLE, work / "article.txt")
    monkeypatch.chdir(work)
    monkeypatch.setenv("QUIZAPP_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    yield work


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def test_build_export_edit_rebuild_updates_exactly_the_changed_notes(
    folder: Path, collection: Collection
) -> None:
    _run("bank", "build", "article.txt", "-o", "bank.yaml")
    _run("export", "anki", "bank.yaml", "-o", "deck.apkg")
    first = _questions(folder / "bank.yaml")
    assert not any("changed" in question for question in first.values())
    assert len(_import(collection, folder / "deck.apkg").new) == len(first)

    _edit_first_faq_answer(folder / "article.txt")
    _run("bank", "build", "article.txt", "-o", "bank.yaml")
    second = _questions(folder / "bank.yaml")
    assert set(second) == set(first)
    changed = {
        qid
        for qid, question in second.items()
        if {**question, "changed": None} != {**first[qid], "changed": None}
    }
    assert changed, "editing an FAQ answer changes at least one question"
    assert {qid for qid, question in second.items() if "changed" in question} == changed

    # Meanwhile the learner annotated two notes whose questions did not change.
    bank_id = yaml.safe_load((folder / "bank.yaml").read_text(encoding="utf-8"))["id"]
    guids = {note_guid(bank_id, Kind(q["kind"]), qid): qid for qid, q in first.items()}
    question_of = {nid: guids[collection.get_note(nid).guid] for nid in collection.find_notes("")}
    annotated = [nid for nid, qid in question_of.items() if qid not in changed][:2]
    for nid in annotated:
        note = collection.get_note(nid)
        note.fields[0] += " (my mnemonic)"
        collection.update_note(note)

    _run("export", "anki", "bank.yaml", "-o", "deck2.apkg")
    log = _import(collection, folder / "deck2.apkg")

    assert {question_of[entry.id.nid] for entry in log.updated} == changed
    assert not log.new and not log.conflicting
    # Anki lists each note it left alone as a "duplicate" of the one it has.
    assert {entry.id.nid for entry in log.duplicate} == set(question_of) - {
        entry.id.nid for entry in log.updated
    }
    assert collection.note_count() == collection.card_count() == len(second)
    for nid in annotated:
        assert collection.get_note(nid).fields[0].endswith(" (my mnemonic)")
    assert sorted(path.name for path in folder.iterdir()) == [
        "article.txt",
        "bank.yaml",
        "deck.apkg",
        "deck2.apkg",
    ]


def test_rebuilding_an_unchanged_article_keeps_the_file_byte_for_byte(folder: Path) -> None:
    _run("bank", "build", "article.txt", "-o", "bank.yaml")
    _edit_first_faq_answer(folder / "article.txt")
    _run("bank", "build", "article.txt", "-o", "bank.yaml")
    dated = (folder / "bank.yaml").read_bytes()
    assert b"changed: '" in dated
    _run("bank", "build", "article.txt", "-o", "bank.yaml")
    assert (folder / "bank.yaml").read_bytes() == dated
