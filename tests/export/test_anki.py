"""The Anki exporter, proved by importing its packages into real Anki."""

from __future__ import annotations

import ast
import html
import json
import re
import sqlite3
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import genanki
import pytest
from anki.collection import Collection, ImportAnkiPackageRequest, ImportLogWithChanges
from anki.import_export_pb2 import ImportAnkiPackageOptions

import quizapp.export
from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.content.bankfile import load_bank
from quizapp.export.anki import UNDATED, ExportError, select, write_package

if TYPE_CHECKING:
    # Importing anki.notes before anki.collection trips a circular import inside anki.
    from anki.notes import Note

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "data" / "posterior-hip-pain.yaml"
T0 = 1_700_000_000.0
EDITED = datetime(2026, 1, 5, 12, tzinfo=UTC)
HOUR = 3600

# Published note type IDs: changing one makes every learner's next import a new note type.
MODEL_IDS = {
    Kind.BASIC: 2004713534,
    Kind.MCQ: 1504857033,
    Kind.TRUE_FALSE: 1100602064,
    Kind.CLOZE: 1756445598,
    Kind.MATCHING: 1540020750,
    Kind.ORDERING: 1089598524,
}

# What Anki renders instead of a card when a template or a card is broken.
ANKI_ERRORS = re.compile(
    r"template has a problem|templates/errors|front of this card is blank|no field called",
    re.IGNORECASE,
)

HOSTILE = Question(
    id="hostile-basic",
    kind=Kind.BASIC,
    section=Section.FAQ,
    prompt='Is <script>alert("x")</script> & <b>this</b> shown as text?\nSecond line',
    answer="Yes: a < b && c > d",
    explanation="Nothing here is markup.",
    tags=("needs review",),
    source=("<i>Quoted</i> sentence.",),
)

HOSTILE_CLOZE = Question(
    id="hostile-cloze",
    kind=Kind.CLOZE,
    section=Section.FAQ,
    prompt="Type <kbd>{{c1::a & b}}</kbd>, not {{c2::this}} nor {braces}.",
    explanation="Only the first deletion is a deletion.",
)


def _package(path: Path) -> sqlite3.Connection:
    """The collection inside a package, opened read-only from a copy."""
    target = path.with_suffix(".anki2")
    with zipfile.ZipFile(path) as package:
        target.write_bytes(package.read("collection.anki2"))
    return sqlite3.connect(target)


def _import(collection: Collection, path: Path) -> ImportLogWithChanges:
    request = ImportAnkiPackageRequest(
        package_path=str(path), options=ImportAnkiPackageOptions(merge_notetypes=True)
    )
    return collection.import_anki_package(request)


def _guid(bank: Bank, question: Question) -> str:
    return genanki.guid_for("quizapp", f"quizapp {question.kind.label}", bank.id, question.id)


def _note(collection: Collection, bank: Bank, question: Question) -> Note:
    note_id = collection.db.scalar("select id from notes where guid = ?", _guid(bank, question))
    assert note_id, f"no note for {question.id}"
    return collection.get_note(note_id)


def _body(rendered: str) -> str:
    """A rendered side without its stylesheet."""
    return re.sub(r"<style>.*?</style>", "", rendered, flags=re.DOTALL)


def _visible(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", _body(rendered))).strip()


def _first(bank: Bank, kind: Kind) -> Question:
    return next(question for question in bank.questions if question.kind is kind)


@pytest.fixture(scope="module")
def bank() -> Bank:
    demo = load_bank(DEMO)
    return replace(demo, questions=(*demo.questions, HOSTILE, HOSTILE_CLOZE))


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Collection]:
    folder = tmp_path / "collection"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


@pytest.fixture(scope="module")
def imported(bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """A fresh collection with the bank's package imported once, for read-only tests."""
    folder = tmp_path_factory.mktemp("imported")
    write_package([bank], folder / "deck.apkg", timestamp=T0)
    col = Collection(str(folder / "collection.anki2"))
    result = _import(col, folder / "deck.apkg")
    assert len(result.log.new) == len(bank.questions)
    yield col
    col.close()


def test_demo_bank_covers_every_kind(bank: Bank) -> None:
    assert {question.kind for question in bank.questions} == set(Kind)


def test_one_note_and_one_card_per_question_in_its_section_deck(
    imported: Collection, bank: Bank
) -> None:
    assert imported.note_count() == len(bank.questions)
    assert imported.card_count() == len(bank.questions)
    per_deck = Counter(
        imported.decks.name(deck_id) for deck_id in imported.db.list("select did from cards")
    )
    expected = Counter(f"{bank.topic}::{question.section.label}" for question in bank.questions)
    assert per_deck == expected


def test_note_types_and_tags(imported: Collection, bank: Bank) -> None:
    for kind in Kind:
        question = _first(bank, kind)
        note = _note(imported, bank, question)
        assert note.note_type()["name"] == f"quizapp {kind.label}"
        own = [f"quizapp::section::{question.section.value}", f"quizapp::kind::{kind.value}"]
        assert sorted(note.tags) == sorted([*own, *question.tags])


def test_basic_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.BASIC)
    note = _note(imported, bank, question)
    assert note.keys() == ["Front", "Back", "Explanation", "Source"]
    assert note["Front"] == html.escape(question.prompt, quote=False)
    assert note["Back"] == html.escape(question.answer, quote=False)
    assert note["Explanation"] == html.escape(question.explanation, quote=False)
    assert note["Source"] == "<br>".join(html.escape(s, quote=False) for s in question.source)


def test_multiple_choice_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.MCQ)
    note = _note(imported, bank, question)
    assert note.keys() == ["Question", "Options", "Answer", "Explanation", "Source"]
    letters = "ABCDEFGH"
    for letter, option in zip(letters, question.options, strict=False):
        assert (
            f'<span class="key">{letter}</span> {html.escape(option, quote=False)}'
            in (note["Options"])
        )
    assert "correct" not in note["Options"]
    correct = letters[question.options.index(question.answer)]
    correct_item = r'<li class="correct"><span class="key">(\w)</span> ([^<]*)'
    marked = re.findall(correct_item, note["Answer"])
    assert marked == [(correct, html.escape(question.answer, quote=False) + " ")]


def test_true_false_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.TRUE_FALSE)
    note = _note(imported, bank, question)
    assert note.keys() == ["Statement", "Answer", "Explanation", "Source"]
    assert note["Answer"] == question.answer
    assert question.answer in {"True", "False"}


def test_cloze_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.CLOZE)
    note = _note(imported, bank, question)
    assert note.keys() == ["Text", "Extra"]
    assert note["Text"] == html.escape(question.prompt, quote=False)
    assert html.escape(question.explanation, quote=False) in note["Extra"]
    assert html.escape(question.source[0], quote=False) in note["Extra"]


def test_matching_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.MATCHING)
    note = _note(imported, bank, question)
    assert note.keys() == ["Prompt", "Items", "Pairs", "Explanation", "Source"]
    rights_shown = re.findall(r'<span class="key">[A-Z]</span> ([^<]*)', note["Items"])
    rights = [html.escape(pair.right, quote=False) for pair in question.pairs]
    assert sorted(rights_shown) == sorted(rights)
    assert rights_shown != rights
    for pair in question.pairs:
        left, right = html.escape(pair.left, quote=False), html.escape(pair.right, quote=False)
        assert f"{left} → {right}" in note["Pairs"]


def test_ordering_fields(imported: Collection, bank: Bank) -> None:
    question = _first(bank, Kind.ORDERING)
    note = _note(imported, bank, question)
    assert note.keys() == ["Prompt", "Steps", "Order", "Explanation", "Source"]
    steps = [html.escape(step, quote=False) for step in question.sequence]
    shown = re.findall(r"</span> ([^<]*)</li>", note["Steps"])
    assert sorted(shown) == sorted(steps)
    assert shown != steps
    assert re.findall(r"</span> ([^<]*)</li>", note["Order"]) == steps
    numbers = re.findall(r'<span class="key">(\d+)&nbsp;', note["Order"])
    assert numbers == [str(n) for n in range(1, len(steps) + 1)]


def _expected_on_back(question: Question) -> list[str]:
    if question.kind is Kind.MATCHING:
        return [text for pair in question.pairs for text in (pair.left, pair.right)]
    if question.kind is Kind.ORDERING:
        return list(question.sequence)
    return [question.correct_answer]


def test_every_card_renders_both_sides(imported: Collection, bank: Bank) -> None:
    by_guid = {_guid(bank, question): question for question in bank.questions}
    for card_id in imported.find_cards(""):
        card = imported.get_card(card_id)
        question = by_guid[card.note().guid]
        front, back = card.question(), card.answer()
        assert not ANKI_ERRORS.search(front), (question.id, front)
        assert not ANKI_ERRORS.search(back), (question.id, back)
        assert _visible(front).removeprefix(question.kind.label).strip(), question.id
        for text in _expected_on_back(question):
            assert text in _visible(back), (question.id, text)
        if question.kind is Kind.CLOZE:
            assert "[...]" in _visible(front)
            assert question.correct_answer not in _visible(front)
        if question.kind is Kind.MCQ:
            assert "✓" not in _visible(front)
            assert "✓" in _visible(back)


def test_text_is_escaped_not_markup(imported: Collection, bank: Bank) -> None:
    note = _note(imported, bank, HOSTILE)
    assert note["Front"] == (
        'Is &lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;this&lt;/b&gt; shown as text?'
        "<br>Second line"
    )
    assert note.tags.count("needs_review") == 1
    card = note.cards()[0]
    front, back = _body(card.question()), _body(card.answer())
    assert "<script>" not in front
    assert "<b>" not in front
    assert '<script>alert("x")</script>' in _visible(front)
    assert "a < b && c > d" in _visible(back)
    assert "<i>Quoted</i> sentence." in _visible(back)


def test_cloze_keeps_one_deletion_and_escapes_the_rest(imported: Collection, bank: Bank) -> None:
    note = _note(imported, bank, HOSTILE_CLOZE)
    cards = note.cards()
    assert len(cards) == 1
    front, back = _visible(cards[0].question()), _visible(cards[0].answer())
    assert "Type <kbd> [...] </kbd>, not {{c2::this}} nor {braces}." in front
    assert "a & b" in back
    assert "<kbd>" not in _body(cards[0].answer())


def test_reimport_updates_only_the_changed_note(
    bank: Bank, collection: Collection, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    write_package([bank], first, timestamp=T0)
    assert len(_import(collection, first).log.new) == len(bank.questions)
    before = {
        note_id: (note.mod, list(note.fields))
        for note_id in collection.find_notes("")
        for note in [collection.get_note(note_id)]
    }

    edited = _first(bank, Kind.BASIC)
    changed = replace(
        edited,
        answer="An answer edited after the first export.",
        changed=EDITED,
    )
    questions = tuple(changed if q.id == edited.id else q for q in bank.questions)
    write_package([replace(bank, questions=questions)], second, timestamp=T0 + HOUR)
    log = _import(collection, second).log

    assert len(log.new) == 0
    assert len(log.updated) == 1
    assert len(log.conflicting) == 0
    assert collection.note_count() == len(bank.questions)
    assert collection.card_count() == len(bank.questions)
    note = _note(collection, bank, edited)
    assert log.updated[0].id.nid == note.id
    assert note["Back"] == "An answer edited after the first export."
    assert note.mod == int(EDITED.timestamp())
    after = {
        note_id: (collection.get_note(note_id).mod, list(collection.get_note(note_id).fields))
        for note_id in collection.find_notes("")
    }
    assert set(after) == set(before)
    assert {k: v for k, v in after.items() if k != note.id} == {
        k: v for k, v in before.items() if k != note.id
    }


def test_notes_carry_their_questions_change_time(bank: Bank, tmp_path: Path) -> None:
    question = replace(bank.questions[3], changed=datetime.fromtimestamp(1_734_567_890, UTC))
    dated = replace(bank, questions=(*bank.questions[:3], question, *bank.questions[4:]))
    path = tmp_path / "deck.apkg"
    write_package([dated], path, timestamp=T0)
    with closing(_package(path)) as package:
        mods = dict(package.execute("select guid, mod from notes"))
    assert mods.pop(_guid(bank, question)) == 1_734_567_890
    # Undated questions take one fixed time, whatever the package time.
    assert set(mods.values()) == {UNDATED}


def test_same_inputs_give_the_same_bytes(bank: Bank, tmp_path: Path) -> None:
    paths = [tmp_path / "a.apkg", tmp_path / "b.apkg", tmp_path / "later.apkg"]
    write_package([bank], paths[0], timestamp=T0)
    write_package([bank], paths[1], timestamp=T0)
    write_package([bank], paths[2], timestamp=T0 + HOUR)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    with zipfile.ZipFile(paths[0]) as package:
        assert [entry.date_time for entry in package.infolist()] == [(2023, 11, 14, 22, 13, 20)] * 2


def _decks_and_models(path: Path) -> tuple[dict[str, int], set[int], dict[str, int]]:
    """Deck IDs by name, note type IDs, and each note's deck ID by GUID, from a package."""
    with closing(_package(path)) as package:
        decks = json.loads(package.execute("select decks from col").fetchone()[0])
        models = json.loads(package.execute("select models from col").fetchone()[0])
        placed = dict(
            package.execute("select notes.guid, cards.did from cards join notes on notes.id = nid")
        )
    return {deck["name"]: deck["id"] for deck in decks.values()}, set(map(int, models)), placed


def test_fixed_note_type_ids_and_a_deck_id_per_section(bank: Bank, tmp_path: Path) -> None:
    other = replace(bank, id="other-bank", topic="Other topic")
    write_package([bank], tmp_path / "one.apkg", timestamp=T0)
    # Order, company and time must not matter: IDs come from bank ID and section only.
    write_package([other, bank], tmp_path / "two.apkg", timestamp=T0 + HOUR)
    decks, models, placed = _decks_and_models(tmp_path / "one.apkg")
    decks_again, models_again, _ = _decks_and_models(tmp_path / "two.apkg")

    assert models == models_again == set(MODEL_IDS.values())
    sections = {question.section for question in bank.questions}
    section_ids = {decks[f"{bank.topic}::{section.label}"] for section in sections}
    assert len(section_ids) == len(sections)
    assert all(1 << 30 <= deck_id < 1 << 31 for deck_id in section_ids)
    for name, deck_id in decks.items():
        assert decks_again[name] == deck_id
    assert decks_again["Other topic"] != decks[bank.topic]
    for question in bank.questions:
        assert placed[_guid(bank, question)] == decks[f"{bank.topic}::{question.section.label}"]


def test_select_filters(bank: Bank) -> None:
    def ids(selected: Bank) -> set[str]:
        return {question.id for question in selected.questions}

    every = ids(bank)
    assert ids(select(bank)) == every
    indications = {q.id for q in bank.questions if q.section is Section.INDICATIONS}
    assert ids(select(bank, sections=[Section.INDICATIONS])) == indications
    assert ids(select(bank, sections=["indications"])) == indications
    two_kinds = {q.id for q in bank.questions if q.kind in {Kind.MCQ, Kind.CLOZE}}
    assert ids(select(bank, kinds=[Kind.MCQ, Kind.CLOZE])) == two_kinds
    assert ids(select(bank, tags=["needs review"])) == {HOSTILE.id}
    assert ids(select(bank, sections=[Section.INDICATIONS], kinds=[Kind.MCQ])) == {
        q.id for q in bank.questions if q.section is Section.INDICATIONS and q.kind is Kind.MCQ
    }
    assert ids(select(bank, sections=[Section.FAQ], tags=["needs review", "nowhere"])) == {
        HOSTILE.id
    }
    assert ids(select(bank, kinds=[Kind.ORDERING], tags=["needs review"])) == set()
    assert select(bank, kinds=[Kind.MCQ]).topic == bank.topic


def test_selected_bank_exports(bank: Bank, collection: Collection, tmp_path: Path) -> None:
    path = tmp_path / "ordering.apkg"
    write_package([select(bank, kinds=[Kind.ORDERING, Kind.MATCHING])], path, timestamp=T0)
    _import(collection, path)
    assert collection.note_count() == sum(
        q.kind in {Kind.ORDERING, Kind.MATCHING} for q in bank.questions
    )


@pytest.mark.parametrize("where", ["missing folder", "existing folder"])
def test_unwritable_path_raises_export_error(bank: Bank, tmp_path: Path, where: str) -> None:
    if where == "missing folder":
        path = tmp_path / "no such folder" / "deck.apkg"
    else:
        path = tmp_path / "deck.apkg"
        path.mkdir()
    with pytest.raises(ExportError, match=re.escape(str(path))):
        write_package([bank], path, timestamp=T0)
    left = [p.name for p in tmp_path.iterdir()]
    assert left == ([] if where == "missing folder" else [path.name])


def test_a_question_exported_twice_is_refused(bank: Bank, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=f"question {bank.questions[0].id}"):
        write_package([bank, bank], tmp_path / "deck.apkg", timestamp=T0)


def test_cloze_without_deletion_is_refused(bank: Bank, tmp_path: Path) -> None:
    broken = replace(HOSTILE_CLOZE, prompt="No deletion here.")
    with pytest.raises(ExportError, match="hostile-cloze"):
        write_package([replace(bank, questions=(broken,))], tmp_path / "x.apkg", timestamp=T0)


def test_two_items_are_always_shown_swapped(bank: Bank, tmp_path: Path) -> None:
    pairs = (Pair("1", "one"), Pair("2", "two"))
    questions = tuple(
        Question(id=f"m{n}", kind=Kind.MATCHING, section=Section.TYPES, prompt="?", pairs=pairs)
        for n in range(8)
    )
    path = tmp_path / "deck.apkg"
    write_package([replace(bank, questions=questions)], path, timestamp=T0)
    with closing(_package(path)) as package:
        items = [fields.split("\x1f")[1] for (fields,) in package.execute("select flds from notes")]
    assert len(items) == 8
    for shown in items:
        assert shown.endswith(
            '<ol class="choices"><li><span class="key">A</span> two</li>'
            '<li><span class="key">B</span> one</li></ol>'
        )


def test_export_package_is_pure() -> None:
    forbidden = ("flask", "sqlalchemy", "quizapp.models", "quizapp.services")
    for source in Path(quizapp.export.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"
