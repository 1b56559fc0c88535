"""Exports from the site: notes dated by their questions' `changed` times, as from the CLI."""

from dataclasses import replace
from datetime import timedelta

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions

from quizapp.content.bankfile import load_bank as read_bank
from quizapp.extensions import db
from quizapp.models import Bank, Role, User
from quizapp.services import banks, exports
from tests.helpers import NOW, TEST_BANK

BANK = read_bank(TEST_BANK)
ARTICLE = (TEST_BANK.parent / BANK.article).read_text(encoding="utf-8")


def import_into(collection, path):
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(merge_notetypes=True)
    )
    return collection.import_anki_package(request).log


def _export(path):
    row = db.session.query(Bank).filter_by(slug=BANK.id).one()
    exports.export_anki([exports.loaded_bank(db.session, row)], path, now=NOW + timedelta(days=9))


def test_reexport_after_loading_a_dated_edit_updates_only_that_note(session, tmp_path):
    banks.load_bank(db.session, BANK, article_text=ARTICLE, now=NOW)
    first = tmp_path / "first.apkg"
    _export(first)

    edited = replace(BANK.questions[0], answer="An edited answer.", changed=NOW)
    new_bank = replace(BANK, questions=(edited, *BANK.questions[1:]))
    banks.load_bank(db.session, new_bank, article_text=ARTICLE, now=NOW + timedelta(days=1))
    second = tmp_path / "second.apkg"
    _export(second)

    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        assert len(import_into(collection, first).new) == len(BANK.questions)
        log = import_into(collection, second)
        assert len(log.updated) == 1 and not log.new
        assert collection.get_note(log.updated[0].id.nid)["Back"] == "An edited answer."
        assert collection.card_count() == len(BANK.questions)
    finally:
        collection.close()


def test_an_edit_on_the_site_dates_the_question(session, tmp_path, make_user):
    admin = db.session.get(User, make_user("admin@example.com", role=Role.ADMIN))
    banks.load_bank(db.session, BANK, article_text=ARTICLE, now=NOW)
    first = tmp_path / "first.apkg"
    _export(first)
    row = db.session.query(Bank).filter_by(slug=BANK.id).one()
    question = sorted(row.questions, key=lambda q: q.position)[0]
    banks.edit_question(
        db.session,
        question,
        by=admin,
        prompt=question.content["prompt"] + " (edited)",
        answer=None,
        explanation="",
        now=NOW + timedelta(days=2),
    )
    second = tmp_path / "second.apkg"
    _export(second)

    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        import_into(collection, first)
        log = import_into(collection, second)
        assert len(log.updated) == 1 and not log.new
        note = collection.get_note(log.updated[0].id.nid)
        assert note.mod == int((NOW + timedelta(days=2)).timestamp())
    finally:
        collection.close()


def test_an_assignment_deck_is_named_in_plain_text(classroom, make_assignment, tmp_path):
    assignment = make_assignment(title='<img src=x onerror="alert(1)">Week <b>one</b>')
    path = tmp_path / "assignment.apkg"
    exports.export_anki([exports.assignment_bank(db.session, assignment)], path, now=NOW)
    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        import_into(collection, path)
        names = [deck.name for deck in collection.decks.all_names_and_ids()]
    finally:
        collection.close()
    ours = [name for name in names if "Week" in name]
    assert ours and all("<" not in name and ">" not in name for name in ours)
    assert any(name.endswith("Week one") for name in ours)
