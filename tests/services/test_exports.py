"""Exports dated by the database: an Anki re-import updates exactly the changed notes."""

from dataclasses import replace
from datetime import timedelta

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions

from quizapp.content.bankfile import load_bank as read_bank
from quizapp.extensions import db
from quizapp.services import banks, exports
from tests.conftest import DEMO_BANK, NOW

BANK = read_bank(DEMO_BANK)
ARTICLE = (DEMO_BANK.parent / BANK.article).read_text(encoding="utf-8")


def import_into(collection, path):
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(merge_notetypes=True)
    )
    return collection.import_anki_package(request).log


def test_reexport_after_loading_an_edit_updates_only_that_note(session, tmp_path):
    banks.load_bank(db.session, BANK, article_text=ARTICLE, now=NOW)
    first = tmp_path / "first.apkg"
    exports.export_anki(db.session, [BANK], first, now=NOW + timedelta(hours=1))

    edited = replace(BANK.questions[0], answer="An edited answer.")
    new_bank = replace(BANK, questions=(edited, *BANK.questions[1:]))
    banks.load_bank(db.session, new_bank, article_text=ARTICLE, now=NOW + timedelta(days=1))
    second = tmp_path / "second.apkg"
    exports.export_anki(db.session, [new_bank], second, now=NOW + timedelta(days=2))

    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        assert len(import_into(collection, first).new) == len(BANK.questions)
        log = import_into(collection, second)
        assert len(log.updated) == 1 and not log.new
        assert collection.card_count() == len(BANK.questions)
    finally:
        collection.close()


def test_question_edited_but_not_loaded_takes_the_export_time(session):
    banks.load_bank(db.session, BANK, article_text=ARTICLE, now=NOW)
    edited = replace(BANK.questions[0], answer="Edited in the file only.")
    times = exports.change_times(
        db.session, [replace(BANK, questions=(edited, *BANK.questions[1:]))]
    )
    assert (BANK.id, edited.id) not in times
    assert times[BANK.id, BANK.questions[1].id] == int(NOW.timestamp())


def test_an_assignment_deck_is_named_in_plain_text(classroom, make_assignment, tmp_path):
    assignment = make_assignment(title='<img src=x onerror="alert(1)">Week <b>one</b>')
    path = tmp_path / "assignment.apkg"
    exports.export_anki(
        db.session, [exports.assignment_bank(db.session, assignment)], path, now=NOW
    )
    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        import_into(collection, path)
        names = [deck.name for deck in collection.decks.all_names_and_ids()]
    finally:
        collection.close()
    ours = [name for name in names if "Week" in name]
    assert ours and all("<" not in name and ">" not in name for name in ours)
    assert any(name.endswith("Week one") for name in ours)
