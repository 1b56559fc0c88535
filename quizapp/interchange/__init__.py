"""Question banks to and from other tools' formats: Moodle XML, GIFT, CSV and bank files.

Pure: works on `content.Bank` and `content.Question`; `write(bank, fmt)` gives the text,
`read(filename, data)` the questions and every item left out with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from quizapp.content.bank import Bank
from quizapp.content.bankfile import BankError, dump_bank, parse_yaml
from quizapp.content.check import check_bank_data
from quizapp.interchange import csvfile, gift, moodle_xml
from quizapp.interchange.common import (
    Exported,
    ImportResult,
    InterchangeError,
    Skipped,
)

__all__ = [
    "FORMATS",
    "Exported",
    "Format",
    "ImportResult",
    "InterchangeError",
    "Skipped",
    "format_for",
    "read",
    "write",
]


def _write_yaml(bank: Bank) -> Exported:
    return Exported(dump_bank(bank), len(bank.questions))


def _write_json(bank: Bank) -> Exported:
    text = json.dumps(bank.to_dict(), ensure_ascii=False, indent=2) + "\n"
    return Exported(text, len(bank.questions))


def _read_bank(text: str, filename: str, *, as_json: bool) -> ImportResult:
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InterchangeError(f"line {error.lineno}: not valid JSON ({error.msg})") from None
    else:
        try:
            data = parse_yaml(text, Path(filename))
        except BankError as error:
            raise InterchangeError(str(error)) from None
    problems = check_bank_data(data, file=filename, article_text=None)
    if problems:
        raise InterchangeError("\n".join(str(problem) for problem in problems))
    bank = Bank.from_dict(data)
    return ImportResult(bank.questions, topic=bank.topic)


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InterchangeError(f"not UTF-8 text (byte {error.start})") from None


@dataclass(frozen=True)
class Format:
    """One file format: its name, file extensions and media type, a writer and a reader."""

    name: str
    label: str
    extensions: tuple[str, ...]
    media_type: str
    writer: Callable[[Bank], Exported]
    reader: Callable[[bytes | str, str], ImportResult]

    @property
    def extension(self) -> str:
        return self.extensions[0]


FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format(
            "yaml",
            "bank file (YAML)",
            (".yaml", ".yml"),
            "application/yaml; charset=utf-8",
            _write_yaml,
            lambda data, name: _read_bank(_text(data), name, as_json=False),
        ),
        Format(
            "json",
            "bank file (JSON)",
            (".json",),
            "application/json; charset=utf-8",
            _write_json,
            lambda data, name: _read_bank(_text(data), name, as_json=True),
        ),
        Format(
            "gift",
            "GIFT",
            (".gift", ".txt"),
            "text/plain; charset=utf-8",
            gift.write,
            lambda data, name: gift.read(_text(data), name),
        ),
        Format(
            "moodle",
            "Moodle XML",
            (".xml",),
            "application/xml; charset=utf-8",
            moodle_xml.write,
            moodle_xml.read,
        ),
        Format("csv", "CSV", (".csv",), "text/csv; charset=utf-8", csvfile.write, csvfile.read),
    )
}


def format_for(filename: str, explicit: str | None = None) -> Format:
    """The format named, or else the one the file name's extension says; InterchangeError."""
    if explicit:
        try:
            return FORMATS[explicit.lower()]
        except KeyError:
            names = ", ".join(FORMATS)
            raise InterchangeError(f"unknown format {explicit!r} (one of {names})") from None
    suffix = PurePath(filename).suffix.lower()
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    known = ", ".join(ext for fmt in FORMATS.values() for ext in fmt.extensions)
    raise InterchangeError(
        f"cannot tell the format of {PurePath(filename).name!r} from its extension "
        f"(one of {known}); name the format"
    )


def write(bank: Bank, fmt: str | Format) -> Exported:
    """The bank in a format, with the questions that format cannot hold."""
    chosen = fmt if isinstance(fmt, Format) else format_for("", fmt)
    return chosen.writer(bank)


def read(filename: str, data: bytes | str, fmt: str | None = None) -> ImportResult:
    """The questions of a file in any supported format; InterchangeError if unreadable."""
    return format_for(filename, fmt).reader(data, PurePath(filename).name)
