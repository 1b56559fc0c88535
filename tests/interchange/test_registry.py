"""Picking a format by file name or name, and bank files through the same door."""

from __future__ import annotations

import pytest

from quizapp import interchange
from quizapp.content.bank import Bank
from tests.interchange.samples import SMALL, TRICKY


@pytest.mark.parametrize(
    ("filename", "name"),
    [
        ("bank.yaml", "yaml"),
        ("bank.YML", "yaml"),
        ("bank.json", "json"),
        ("quiz.gift", "gift"),
        ("quiz.txt", "gift"),
        ("Moodle export.XML", "moodle"),
        ("sheet.csv", "csv"),
    ],
)
def test_the_extension_names_the_format(filename: str, name: str) -> None:
    assert interchange.format_for(filename).name == name


def test_an_explicit_format_wins_and_unknown_ones_are_refused() -> None:
    assert interchange.format_for("questions.dat", "gift").name == "gift"
    with pytest.raises(interchange.InterchangeError, match="unknown format 'qti'"):
        interchange.format_for("x.xml", "qti")
    with pytest.raises(interchange.InterchangeError, match=r"cannot tell the format of 'x\.dat'"):
        interchange.format_for("x.dat")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("bank", [SMALL, TRICKY], ids=lambda bank: bank.id)
def test_bank_files_round_trip_whole(bank: Bank, fmt: str) -> None:
    exported = interchange.write(bank, fmt)
    result = interchange.read(f"bank.{fmt}", exported.text.encode("utf-8"))
    assert result.questions == bank.questions
    assert result.topic == bank.topic


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("bank.yaml", "questions: [", "not valid YAML"),
        ("bank.yaml", "format: 1\nid: x\n", "topic: must be non-empty text"),
        ("bank.json", "{", "line 1: not valid JSON"),
        ("bank.gift", b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_broken_files_are_refused_with_the_place(filename: str, data: str, message: str) -> None:
    with pytest.raises(interchange.InterchangeError, match=message):
        interchange.read(filename, data)


def test_each_format_names_its_media_type() -> None:
    assert {name: fmt.media_type.split(";")[0] for name, fmt in interchange.FORMATS.items()} == {
        "yaml": "application/yaml",
        "json": "application/json",
        "gift": "text/plain",
        "moodle": "application/xml",
        "csv": "text/csv",
    }
