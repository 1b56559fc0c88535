"""Write question banks as an Anki package (.apkg) that re-imports in place."""

from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import json
import random
import sqlite3
import time
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from string import ascii_uppercase

import genanki

from quizapp.content.bank import CLOZE, Bank, Kind, Question, Section

__all__ = ["CardSchedule", "ExportError", "LoggedReview", "select", "write_package"]

_CSS = files(__package__).joinpath("anki.css").read_text(encoding="utf-8")

# Deck IDs are hashed into genanki's documented ID range, so they never change.
_ID_LOW, _ID_SPAN = 1 << 30, 1 << 30

# Zip stores local times with two-second resolution and nothing before 1980.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# The modification time of a note whose question has no `changed` date (unchanged since its
# bank was first built): fixed, and older than any edit a learner makes in Anki.
UNDATED = 1_704_067_200  # 2024-01-01T00:00:00Z


class ExportError(Exception):
    """A package that cannot be written; the message names the path or question and why."""


# --- A learner's schedule ------------------------------------------------------------------

# A personal deck's collection was created at 04:00 UTC, quizapp's (and Anki's default)
# rollover, so its day numbers count quizapp's study days; Anki moves them into the
# importing collection's days.
SCHEDULE_EPOCH = 1_577_851_200  # 2020-01-01T04:00:00Z
_LEARNING, _REVIEW, _RELEARNING = 1, 2, 3  # fsrs states


@dataclass(frozen=True)
class LoggedReview:
    """One answer, as Anki's review log keeps it."""

    at: datetime
    rating: int
    duration_ms: int | None
    state_before: int | None  # fsrs state before the answer; None for a new card
    interval: timedelta  # until the card was next due


@dataclass(frozen=True)
class CardSchedule:
    """One learner's schedule for one question, written into the card of a personal deck."""

    state: int  # fsrs: 1 learning, 2 review, 3 relearning
    steps_left: int  # learning or relearning steps still to go
    stability: float
    difficulty: float
    due: datetime
    last_review: datetime
    reps: int
    lapses: int
    desired_retention: float
    decay: float
    suspended: bool = False
    reviews: tuple[LoggedReview, ...] = ()


def _day(moment: datetime) -> int:
    return (int(moment.timestamp()) - SCHEDULE_EPOCH) // 86400


def _interval(interval: timedelta) -> int:
    """Anki's revlog interval: days, or negative seconds when shorter than a day."""
    seconds = int(interval.total_seconds())
    return seconds // 86400 if seconds >= 86400 else -max(seconds, 1)


# Anki's card type and queue for each fsrs state; learning steps are due to the second.
_CARD_TYPE = {_LEARNING: 1, _REVIEW: 2, _RELEARNING: 3}
_REVLOG_TYPE = {None: 0, _LEARNING: 0, _REVIEW: 1, _RELEARNING: 2}
_INSERT_SCHEDULED_CARD = (
    "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, ?, ?, ?, ?, 2500, ?, ?, ?, 0, 0, 0, ?)"
)
_INSERT_REVLOG = "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, 0, ?, ?)"


def _write_schedule(
    cursor: sqlite3.Cursor, card_id: int, note_id: int, did: int, mod: int, plan: CardSchedule
) -> None:
    """Write the card with its FSRS memory state, due date and review log."""
    card_type = _CARD_TYPE[plan.state]
    if plan.state == _REVIEW:
        queue, due = 2, _day(plan.due)
        interval = max(1, due - _day(plan.last_review))
    else:
        queue, due, interval = 1, int(plan.due.timestamp()), 0
    data = {
        "s": round(plan.stability, 4),
        "d": round(plan.difficulty, 3),
        "dr": plan.desired_retention,
        "decay": plan.decay,
        "lrt": int(plan.last_review.timestamp()),
    }
    cursor.execute(
        _INSERT_SCHEDULED_CARD,
        (
            card_id,
            note_id,
            did,
            mod,
            card_type,
            -1 if plan.suspended else queue,
            due,
            interval,
            plan.reps,
            plan.lapses,
            plan.steps_left if plan.state != _REVIEW else 0,
            json.dumps(data, separators=(",", ":")),
        ),
    )
    last = 0
    for review in plan.reviews:
        interval = _interval(review.interval)
        cursor.execute(
            _INSERT_REVLOG,
            (
                round(review.at.timestamp() * 1000),
                card_id,
                review.rating,
                interval,
                last,
                min(review.duration_ms or 0, 60_000),
                _REVLOG_TYPE[review.state_before],
            ),
        )
        last = interval


# --- Note types -------------------------------------------------------------------------

_FOOTER = (
    '{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}'
    '{{#Source}}<div class="source"><span class="label">Source</span>{{Source}}</div>'
    "{{/Source}}"
)


def _front_back_model(
    model_id: int, kind: Kind, fields: Sequence[str], front: str, back: str
) -> genanki.Model:
    """A one-card note type whose first field is the prompt, shown on both sides."""
    head = f'<div class="qa {kind.value}"><div class="kind">{kind.label}</div>'
    prompt = f'<div class="prompt">{{{{{fields[0]}}}}}</div>'
    return genanki.Model(
        model_id,
        f"quizapp {kind.label}",
        fields=[{"name": name} for name in fields],
        templates=[
            {
                "name": kind.label,
                "qfmt": f"{head}{prompt}{front}</div>",
                "afmt": f'{head}{prompt}<hr id="answer">{back}{_FOOTER}</div>',
            }
        ],
        css=_CSS,
    )


def _cloze_model(model_id: int) -> genanki.Model:
    """The cloze note type: Text with one deletion, Extra with explanation and source."""
    head = f'<div class="qa cloze"><div class="kind">{Kind.CLOZE.label}</div>'
    return genanki.Model(
        model_id,
        f"quizapp {Kind.CLOZE.label}",
        fields=[{"name": "Text"}, {"name": "Extra"}],
        templates=[
            {
                "name": Kind.CLOZE.label,
                "qfmt": f'{head}<div class="prompt">{{{{cloze:Text}}}}</div></div>',
                "afmt": f'{head}<div class="prompt">{{{{cloze:Text}}}}</div>'
                '<hr id="answer">{{Extra}}</div>',
            }
        ],
        css=_CSS,
        model_type=genanki.Model.CLOZE,
    )


# The IDs are fixed forever: Anki matches note types by them on every re-import.
_MODELS: Mapping[Kind, genanki.Model] = {
    Kind.BASIC: _front_back_model(
        2004713534,
        Kind.BASIC,
        ["Front", "Back", "Explanation", "Source"],
        front="",
        back='<div class="answer">{{Back}}</div>',
    ),
    Kind.MCQ: _front_back_model(
        1504857033,
        Kind.MCQ,
        ["Question", "Options", "Answer", "Explanation", "Source"],
        front="{{Options}}",
        back="{{Answer}}",
    ),
    Kind.TRUE_FALSE: _front_back_model(
        1100602064,
        Kind.TRUE_FALSE,
        ["Statement", "Answer", "Explanation", "Source"],
        front="",
        back='<div class="answer">{{Answer}}</div>',
    ),
    Kind.CLOZE: _cloze_model(1756445598),
    Kind.MATCHING: _front_back_model(
        1540020750,
        Kind.MATCHING,
        ["Prompt", "Items", "Pairs", "Explanation", "Source"],
        front="{{Items}}",
        back="{{Pairs}}",
    ),
    Kind.ORDERING: _front_back_model(
        1089598524,
        Kind.ORDERING,
        ["Prompt", "Steps", "Order", "Explanation", "Source"],
        front="{{Steps}}",
        back="{{Order}}",
    ),
}


# --- Field text ---------------------------------------------------------------------------


def _text(text: str) -> str:
    """Plain text as field HTML: escaped, line breaks kept."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def _keyed_list(items: Iterable[tuple[str, str]]) -> str:
    rows = "".join(f'<li><span class="key">{key}</span> {_text(item)}</li>' for key, item in items)
    return f'<ol class="choices">{rows}</ol>'


def _source(question: Question) -> str:
    return "<br>".join(_text(sentence) for sentence in question.source)


def _cloze_text(bank: Bank, question: Question) -> str:
    """Escape a cloze prompt, keeping its one `{{c1::…}}` marker as the only cloze syntax."""
    prompt = question.prompt
    match = CLOZE.search(prompt)
    if match is None:
        raise ExportError(
            f"bank {bank.id}: question {question.id}: prompt has no {{{{c1::…}}}} deletion"
        )

    # Braces outside the marker become entities so Anki never reads them as more clozes.
    def outside(text: str) -> str:
        return _text(text).replace("{", "&#123;").replace("}", "&#125;")

    before, after = prompt[: match.start()], prompt[match.end() :]
    return f"{outside(before)}{{{{c1::{_text(match['answer'])}}}}}{outside(after)}"


def _shuffled(count: int, bank: Bank, question: Question) -> list[int]:
    """Positions 0..count-1 in a fixed shuffled order that is never the original one."""
    order = list(range(count))
    random.Random(_hash("quizapp", "shuffle", bank.id, question.id)).shuffle(order)
    if order == sorted(order) and len(order) > 1:
        order = order[1:] + order[:1]
    return order


def _basic(bank: Bank, q: Question) -> list[str]:
    return [_text(q.prompt), _text(q.answer), _text(q.explanation), _source(q)]


def _mcq(bank: Bank, q: Question) -> list[str]:
    keyed = [
        (option == q.answer, f'<span class="key">{letter}</span> {_text(option)}')
        for letter, option in zip(ascii_uppercase, q.options, strict=False)
    ]
    options = "".join(f"<li>{text}</li>" for _, text in keyed)
    marked = "".join(
        f'<li class="correct">{text} <span class="mark">✓</span></li>'
        if correct
        else f'<li class="other">{text}</li>'
        for correct, text in keyed
    )
    return [
        _text(q.prompt),
        f'<ol class="choices">{options}</ol>',
        f'<ol class="choices">{marked}</ol>',
        _text(q.explanation),
        _source(q),
    ]


def _true_false(bank: Bank, q: Question) -> list[str]:
    return [_text(q.prompt), _text(q.answer), _text(q.explanation), _source(q)]


def _cloze(bank: Bank, q: Question) -> list[str]:
    extra = ""
    if q.explanation:
        extra += f'<div class="explanation">{_text(q.explanation)}</div>'
    if q.source:
        extra += f'<div class="source"><span class="label">Source</span>{_source(q)}</div>'
    return [_cloze_text(bank, q), extra]


def _matching(bank: Bank, q: Question) -> list[str]:
    shown = _shuffled(len(q.pairs), bank, q)
    letter_of = {position: ascii_uppercase[slot] for slot, position in enumerate(shown)}
    lefts = _keyed_list((str(index + 1), pair.left) for index, pair in enumerate(q.pairs))
    rights = _keyed_list((letter_of[position], q.pairs[position].right) for position in shown)
    pairs = "".join(
        f'<li><span class="key">{index + 1}&nbsp;→&nbsp;{letter_of[index]}</span> '
        f"{_text(pair.left)} → {_text(pair.right)}</li>"
        for index, pair in enumerate(q.pairs)
    )
    return [
        _text(q.prompt),
        lefts + rights,
        f'<ol class="choices">{pairs}</ol>',
        _text(q.explanation),
        _source(q),
    ]


def _ordering(bank: Bank, q: Question) -> list[str]:
    shown = _shuffled(len(q.sequence), bank, q)
    letter_of = {position: ascii_uppercase[slot] for slot, position in enumerate(shown)}
    steps = _keyed_list((letter_of[position], q.sequence[position]) for position in shown)
    order = "".join(
        f'<li><span class="key">{index + 1}&nbsp;·&nbsp;{letter_of[index]}</span> '
        f"{_text(step)}</li>"
        for index, step in enumerate(q.sequence)
    )
    return [
        _text(q.prompt),
        steps,
        f'<ol class="choices">{order}</ol>',
        _text(q.explanation),
        _source(q),
    ]


_FIELDS: Mapping[Kind, Callable[[Bank, Question], list[str]]] = {
    Kind.BASIC: _basic,
    Kind.MCQ: _mcq,
    Kind.TRUE_FALSE: _true_false,
    Kind.CLOZE: _cloze,
    Kind.MATCHING: _matching,
    Kind.ORDERING: _ordering,
}


# --- Notes and decks -----------------------------------------------------------------------


# genanki's rows with the values it always writes: usn -1, no checksum, flags or data; a new
# card of ordinal 0, not suspended, never reviewed.
_INSERT_NOTE = "INSERT INTO notes VALUES (?, ?, ?, ?, -1, ?, ?, ?, 0, 0, '')"
_INSERT_CARD = "INSERT INTO cards VALUES (?, ?, ?, 0, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')"


class _Note(genanki.Note):
    """A note with its own modification time and exactly one card.

    genanki stamps every note with the package time, so Anki's "update if newer" would
    update all notes or none; here each note carries the time its question changed. Every
    quizapp note type has one template and a cloze prompt has one deletion, so the single
    card is written directly instead of being derived per note.
    """

    def __init__(self, *, mod: int, schedule: CardSchedule | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.mod = mod
        self.schedule = schedule

    def write_to_db(
        self, cursor: sqlite3.Cursor, timestamp: float, did: int, id_gen: Iterator[int]
    ) -> None:
        note_id = next(id_gen)
        fields, tags = self._format_fields(), self._format_tags()
        cursor.execute(
            _INSERT_NOTE,
            (note_id, self.guid, self.model.model_id, self.mod, tags, fields, self.sort_field),
        )
        if self.schedule is None:
            cursor.execute(_INSERT_CARD, (next(id_gen), note_id, did, self.mod, self.due))
        else:
            _write_schedule(cursor, next(id_gen), note_id, did, self.mod, self.schedule)


def _hash(*values: str) -> int:
    digest = hashlib.sha256("\x1f".join(values).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _deck_id(bank: Bank, section: Section | None = None) -> int:
    """The fixed Anki deck ID of a bank's topic deck, or of one section's subdeck."""
    key = ("quizapp", "deck", bank.id) if section is None else ("quizapp", "deck", bank.id, section)
    return _ID_LOW + _hash(*key) % _ID_SPAN


def _deck_name(bank: Bank, section: Section | None = None) -> str:
    """`Topic` or `Topic::Section label`; a `::` inside a name would nest one level deeper."""
    topic = bank.topic.replace("::", ":")
    return topic if section is None else f"{topic}::{section.label}"


def _tags(question: Question) -> list[str]:
    return [
        f"quizapp::section::{question.section.value}",
        f"quizapp::kind::{question.kind.value}",
        *(tag.replace(" ", "_") for tag in question.tags),
    ]


def note_time(question: Question) -> int:
    """A note's modification time: when its question last changed, else `UNDATED`."""
    return int(question.changed.timestamp()) if question.changed else UNDATED


def note_guid(bank_id: str, kind: Kind, question_id: str) -> str:
    """The GUID of a question's note: Anki matches notes by it on every re-import."""
    return genanki.guid_for("quizapp", _MODELS[kind].name, bank_id, question_id)


def _decks(
    banks: Sequence[Bank], schedules: Mapping[tuple[str, str], CardSchedule]
) -> list[genanki.Deck]:
    decks: list[genanki.Deck] = []
    seen: set[tuple[str, str]] = set()
    for bank in banks:
        decks.append(genanki.Deck(_deck_id(bank), _deck_name(bank)))
        sections: dict[Section, genanki.Deck] = {}
        for position, question in enumerate(bank.questions):
            key = (bank.id, question.id)
            if key in seen:
                raise ExportError(f"bank {bank.id}: question {question.id} is exported twice")
            seen.add(key)
            section = sections.get(question.section)
            if section is None:
                section = genanki.Deck(
                    _deck_id(bank, question.section), _deck_name(bank, question.section)
                )
                sections[question.section] = section
            model = _MODELS[question.kind]
            section.add_note(
                _Note(
                    model=model,
                    fields=_FIELDS[question.kind](bank, question),
                    tags=_tags(question),
                    guid=note_guid(bank.id, question.kind, question.id),
                    # New cards come up in bank order.
                    due=position,
                    mod=note_time(question),
                    schedule=schedules.get(key),
                )
            )
        decks.extend(sections[section] for section in sorted(sections, key=list(Section).index))
    return decks


def _collection(decks: list[genanki.Deck], timestamp: float, *, scheduled: bool) -> bytes:
    """The package's SQLite collection, built in memory."""
    connection = sqlite3.connect(":memory:")
    try:
        cursor = connection.cursor()
        ids = itertools.count(int(timestamp * 1000))
        genanki.Package(decks).write_to_db(cursor, timestamp, ids)
        if scheduled:
            # Scheduler version 2: to version 1 a learning card's third button was Easy, and
            # Anki would read every Good given to a learning card as Easy.
            (conf,) = cursor.execute("SELECT conf FROM col").fetchone()
            conf = json.dumps({**json.loads(conf), "schedVer": 2})
            cursor.execute("UPDATE col SET crt = ?, conf = ?", (SCHEDULE_EPOCH, conf))
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


def _entry(name: str, timestamp: float) -> zipfile.ZipInfo:
    """A zip entry whose header depends only on its name and the package timestamp."""
    date_time = max(time.gmtime(timestamp)[:6], _ZIP_EPOCH)
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_STORED
    return info


def write_package(
    banks: Sequence[Bank],
    path: Path,
    *,
    timestamp: float,
    schedules: Mapping[tuple[str, str], CardSchedule] | None = None,
) -> None:
    """Write `banks` as one .apkg at `path`, byte-identical for the same arguments.

    Args:
        banks: each becomes a `Topic` deck with one `Topic::Section` subdeck per section.
        path: the package file; replaced atomically.
        timestamp: the package time (epoch seconds): note type times and zip entry times.
        schedules: (bank ID, question ID) -> a learner's schedule for that question: the
            card is written with its due date, FSRS memory state and review log, for a
            personal deck imported with scheduling. Other cards are new.

    Each note is dated by its question's `changed` time, so re-importing a newer package
    updates exactly the notes whose questions changed.
    """
    decks = _decks(banks, schedules or {})
    collection = _collection(decks, timestamp, scheduled=bool(schedules))
    partial = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w") as package:
            package.writestr(_entry("collection.anki2", timestamp), collection)
            package.writestr(_entry("media", timestamp), "{}")
        partial.replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write Anki package {path}: {error.strerror or error}") from None


def select(
    bank: Bank,
    *,
    sections: Collection[Section | str] = (),
    kinds: Collection[Kind | str] = (),
    tags: Collection[str] = (),
) -> Bank:
    """Keep only the questions matching every non-empty filter (any value within one)."""
    sections, kinds, tags = set(sections), set(kinds), set(tags)
    return replace(
        bank,
        questions=tuple(
            question
            for question in bank.questions
            if (not sections or question.section in sections)
            and (not kinds or question.kind in kinds)
            and (not tags or not tags.isdisjoint(question.tags))
        ),
    )
