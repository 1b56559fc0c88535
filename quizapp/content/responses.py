"""Judge a learner's response to a question (pure)."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import OSA

from quizapp.content.text import normalise

_PARENTHESES = re.compile(r"\(([^()]*)\)")
_WORD = re.compile(r"\w+")
_ARTICLES = frozenset({"a", "an", "the"})
_DIGITS = re.compile(r"\d+")


def encode(values: list[str]) -> str:
    """Responses with several parts (matching, ordering) are stored as JSON lists."""
    return json.dumps(values, ensure_ascii=False)


def decode(response: str) -> list[str]:
    try:
        values = json.loads(response)
    except ValueError:
        return []
    return [str(v) for v in values] if isinstance(values, list) else []


def _key(text: str) -> str:
    """The words that matter: case, punctuation, spacing and articles folded away."""
    words = _WORD.findall(normalise(text).replace("_", " "))
    return " ".join(word for word in words if word not in _ARTICLES)


def _accepted(expected: str) -> set[str]:
    """Keys of the expected answer with its parenthetical parts left in or out."""
    return {_key(_PARENTHESES.sub(r" \1 ", expected)), _key(_PARENTHESES.sub(" ", expected))}


def allowed_typos(length: int) -> int:
    """Edits forgiven in an answer of `length` characters: none up to 4, then one per 8."""
    return 0 if length <= 4 else 1 + (length - 5) // 8


def typed_matches(expected: str, typed: str) -> bool:
    """Whether a typed answer says the expected one, forgiving what a marker would forgive.

    Case, punctuation, spacing, the articles a/an/the and parenthetical parts
    ("Primary" for "Primary (idiopathic)") do not count, nor do small typos relative to
    the answer's length (a swap of two letters is one typo). Numbers must match exactly:
    L4 is not L5.
    """
    given = _key(typed)
    if not given:
        return False
    for key in _accepted(expected):
        if given == key:
            return True
        if _DIGITS.findall(given) != _DIGITS.findall(key):
            continue
        if OSA.distance(given, key) <= allowed_typos(len(key)):
            return True
    return False


Mark = Literal["good", "bad", "missed"]


@dataclass(frozen=True)
class Comparison:
    """Anki's typed-answer comparison: what was typed, then the expected answer.

    Each line is a list of (mark, text) runs: in `typed`, letters that match are
    "good" and the others "bad"; in `expected`, letters that were matched are "good"
    and those missed or mistyped are "missed".
    """

    typed: tuple[tuple[Mark, str], ...]
    expected: tuple[tuple[Mark, str], ...]

    @property
    def exact(self) -> bool:
        return all(mark == "good" for mark, _ in self.typed + self.expected)


def _runs(pieces: list[tuple[Mark, str]]) -> tuple[tuple[Mark, str], ...]:
    runs: list[tuple[Mark, str]] = []
    for mark, text in pieces:
        if not text:
            continue
        if runs and runs[-1][0] == mark:
            runs[-1] = (mark, runs[-1][1] + text)
        else:
            runs.append((mark, text))
    return tuple(runs)


def compare(expected: str, typed: str) -> Comparison:
    """Compare the typed answer with the expected one letter by letter, ignoring case."""
    typed, expected = typed.strip(), expected.strip()
    matcher = difflib.SequenceMatcher(
        None, [c.casefold() for c in typed], [c.casefold() for c in expected], autojunk=False
    )
    mine: list[tuple[Mark, str]] = []
    theirs: list[tuple[Mark, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            mine.append(("good", typed[i1:i2]))
            theirs.append(("good", expected[j1:j2]))
        else:
            mine.append(("bad", typed[i1:i2]))
            theirs.append(("missed", expected[j1:j2]))
    return Comparison(_runs(mine), _runs(theirs))
