"""Property tests: a damaged bank file yields a list of problems or a bank, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.content.bank import Bank
from quizapp.content.bankfile import BankError, check_bank_file, load_bank
from quizapp.content.check import Problem

CARDS = Path(__file__).resolve().parents[2] / "tests" / "data"
BANK = CARDS / "posterior-hip-pain.yaml"
ARTICLE = CARDS / "posterior-hip-pain.txt"
_LINES = BANK.read_text(encoding="utf-8").split("\n")

# Values of other types, written as YAML would read them.
_VALUES = ["42", "-1.5", "true", "null", "[]", "{}", "[1, two]", "{a: 1}", "''", "|\n  block", "~"]
_GARBAGE = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(":-[]{}|>&*!%@`'\"#,?\t\\ ")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    min_size=1,
    max_size=12,
)
_index = st.integers(min_value=0, max_value=len(_LINES) - 1)
_edit = st.one_of(
    st.tuples(st.sampled_from(["delete", "duplicate", "swap", "drop field"]), _index, _index),
    st.tuples(st.just("retype"), _index, st.sampled_from(_VALUES)),
    st.tuples(st.just("garbage"), _index, st.tuples(st.integers(0, 200), _GARBAGE)),
    st.tuples(st.just("bad utf-8"), _index, st.just(None)),
)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _apply(lines: list[str], edits: list[tuple[str, int, object]]) -> bytes:
    lines = list(lines)
    raw_at: list[int] = []
    for action, first, arg in edits:
        if not lines:
            break
        at = first % len(lines)
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = int(arg) % len(lines)  # type: ignore[call-overload]
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "drop field":
            # The key's line and everything indented under it.
            end = at + 1
            while end < len(lines) and _indent(lines[end]) > _indent(lines[at]):
                end += 1
            del lines[at:end]
        elif action == "retype":
            key, colon, _value = lines[at].partition(":")
            lines[at] = f"{key}: {arg}" if colon else f"{lines[at]} {arg}"
        elif action == "garbage":
            offset, garbage = arg  # type: ignore[misc]
            line = lines[at]
            cut = offset % (len(line) + 1)
            lines[at] = line[:cut] + garbage + line[cut:]
        else:
            raw_at.append(at)
    encoded = [line.encode("utf-8") for line in lines]
    for at in raw_at:
        if at < len(encoded):
            encoded[at] += b"\xff\xfe"
    return b"\n".join(encoded)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bank folder with the committed article, for damaged bank files."""
    path = tmp_path_factory.mktemp("bank")
    shutil.copy(ARTICLE, path / ARTICLE.name)
    return path


def test_the_undamaged_bank_loads(folder: Path) -> None:
    shutil.copy(BANK, folder / BANK.name)
    assert check_bank_file(folder / BANK.name) == []
    assert isinstance(load_bank(folder / BANK.name), Bank)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(edits=st.lists(_edit, min_size=1, max_size=5))
def test_damaged_bank_file_gives_problems_or_a_bank(
    folder: Path, edits: list[tuple[str, int, object]]
) -> None:
    path = folder / BANK.name
    path.write_bytes(_apply(_LINES, edits))
    problems = check_bank_file(path)
    assert isinstance(problems, list)
    assert all(isinstance(problem, Problem) and str(problem) for problem in problems)
    try:
        bank = load_bank(path)
    except BankError as error:
        assert problems, "load_bank refused a file check_bank_file passed"
        assert error.problems == problems
    else:
        assert problems == [], "load_bank accepted a file with problems"
        assert isinstance(bank, Bank)
