"""CSV of the simple kinds for spreadsheet editing: one row per question, fixed columns.

Columns: id, kind, section, prompt, answer, option_1 … option_8, explanation, tags.
A cloze's prompt shows its deletion as a gap (_____) and `answer` holds the deleted
text; a multiple-choice question's options fill the option columns in order; tags are
separated by spaces. Matching and ordering questions do not fit one row and are reported.
"""

from __future__ import annotations

import csv
import io

from quizapp.content.bank import FALSE, TRUE, Bank, Kind, Section
from quizapp.content.kinds import MAX_OPTIONS
from quizapp.interchange.common import (
    GAP,
    Collector,
    Draft,
    Exported,
    ImportResult,
    InterchangeError,
    Skipped,
    gapped,
)

OPTIONS = tuple(f"option_{number}" for number in range(1, MAX_OPTIONS + 1))
COLUMNS = ("id", "kind", "section", "prompt", "answer", *OPTIONS, "explanation", "tags")
KINDS = (Kind.BASIC, Kind.MCQ, Kind.TRUE_FALSE, Kind.CLOZE)
REQUIRED = ("kind", "prompt")
# Spreadsheet programs take a leading byte-order mark as "this file is UTF-8".
BOM = "\ufeff"


# A cell starting so is run as a formula by spreadsheet programs; written with a leading
# apostrophe (the usual guard), which reading takes off again.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _guard(value: str) -> str:
    return "'" + value if value.lstrip("'").startswith(_FORMULA) else value


def _unguard(value: str) -> str:
    return value[1:] if value.startswith("'") and value.lstrip("'").startswith(_FORMULA) else value


def write(bank: Bank) -> Exported:
    """The bank's simple questions as CSV; matching and ordering ones are reported."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    skipped = []
    count = 0
    for question in bank.questions:
        if question.kind not in KINDS:
            skipped.append(
                Skipped(
                    f"question {question.id}",
                    f"{question.kind.label.lower()} questions do not fit one CSV row; export "
                    "as Moodle XML or as the bank file to keep it",
                )
            )
            continue
        prompt, answer = (
            gapped(question)
            if question.kind is Kind.CLOZE
            else (
                question.prompt,
                question.answer,
            )
        )
        options = list(question.options) + [""] * (MAX_OPTIONS - len(question.options))
        cells = [
            question.id,
            question.kind.value,
            question.section.value,
            prompt,
            answer,
            *options,
            question.explanation,
            " ".join(question.tags),
        ]
        writer.writerow([_guard(cell) for cell in cells])
        count += 1
    return Exported(BOM + out.getvalue(), count, tuple(skipped))


_COLUMN_OF = {
    "id": "column 'id'",
    "kind": "column 'kind'",
    "section": "column 'section'",
    "prompt": "column 'prompt'",
    "answer": "column 'answer'",
    "options": "columns option_1 to option_8",
    "explanation": "column 'explanation'",
    "tags": "column 'tags'",
}


def _header(row: list[str]) -> dict[str, int]:
    names = [name.strip().lower() for name in row]
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in seen and name:
            raise InterchangeError(f"row 1: the column {name!r} appears twice")
        seen[name] = index
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        raise InterchangeError(
            "row 1: the header row has no "
            + " or ".join(repr(name) for name in missing)
            + f" column (expected the columns {', '.join(COLUMNS)})"
        )
    return seen


def read(data: bytes | str, filename: str) -> ImportResult:
    """Questions from CSV rows; rows with problems are skipped naming row and column."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InterchangeError(
                f"not UTF-8 text (byte {error.start}); save the sheet as 'CSV UTF-8'"
            ) from None
    else:
        text = data.removeprefix(BOM)
    collect = Collector(filename)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InterchangeError("the file is empty: expected a header row")
        columns = _header(header)
        unknown = [name for name in columns if name and name not in COLUMNS]
        if unknown:
            collect.note("row 1", "columns ignored: " + ", ".join(repr(n) for n in unknown))
        for row in reader:
            _row(collect, columns, row, reader.line_num)
    except csv.Error as error:
        raise InterchangeError(f"row {reader.line_num}: {error}") from None
    return collect.result()


def _row(collect: Collector, columns: dict[str, int], row: list[str], number: int) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return _unguard(row[index].strip()) if index is not None and index < len(row) else ""

    if not any(value.strip() for value in row):
        return
    prompt = cell("prompt")
    short = " ".join(prompt.split())
    item = f"row {number}" + (f" '{short[:39]}…'" if len(short) > 40 else f" '{short}'")
    try:
        kind = Kind(cell("kind").lower())
    except ValueError:
        kind = None
    if kind not in KINDS:
        allowed = ", ".join(k.value for k in KINDS)
        found = cell("kind")
        collect.skip(item, f"column 'kind': must be one of {allowed}, found {found!r}")
        return
    section = None
    if cell("section"):
        try:
            section = Section(cell("section").lower())
        except ValueError:
            allowed = ", ".join(s.value for s in Section)
            collect.skip(item, f"column 'section': must be one of {allowed}")
            return
    draft = Draft(
        number=number,
        kind=kind,
        prompt=prompt,
        id=cell("id") or None,
        section=section,
        answer=cell("answer"),
        options=[cell(name) for name in OPTIONS if cell(name)] if kind is Kind.MCQ else [],
        explanation=cell("explanation"),
        tags=cell("tags").replace(",", " ").split(),
    )
    if kind is Kind.TRUE_FALSE and draft.answer.lower() in ("true", "false"):
        draft.answer = TRUE if draft.answer.lower() == "true" else FALSE
    if kind is Kind.CLOZE and "{{c1::" not in prompt:
        if prompt.count(GAP) != 1 or not draft.answer:
            collect.skip(
                item,
                f"columns 'prompt' and 'answer': a cloze's prompt shows one gap {GAP} and "
                "its answer column holds the text that fills it",
            )
            return
        draft.prompt = prompt.replace(GAP, "{{c1::" + draft.answer + "}}")
    collect.add(draft, columns=_COLUMN_OF, item=item)
