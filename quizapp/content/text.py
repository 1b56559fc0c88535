"""Small text helpers shared by question generation and bank files."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[“\"'(A-Z0-9])")
_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")


def normalise(text: str) -> str:
    """Fold quotes, dashes, case and spacing, for comparisons that should ignore them."""
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return " ".join(text.casefold().split())


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", normalise(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()[:length]


def sentences(text: str) -> list[str]:
    """Split prose into sentences, each a verbatim substring of the text."""
    return [part for part in _SENTENCE_BREAK.split(text.strip()) if part]


def without_parenthetical(heading: str) -> str:
    """`Relevant anatomy (what structures may be involved)` -> `Relevant anatomy`."""
    return _PARENTHETICAL.sub("", heading).strip() or heading


def ranked(seed: str, candidates: Iterable[str]) -> list[str]:
    """Order candidates by a hash of seed and candidate: stable, yet well mixed.

    Each candidate's rank depends only on itself and the seed, so editing one
    candidate never reorders the others.
    """
    return sorted(candidates, key=lambda c: hashlib.sha256(f"{seed}\x00{c}".encode()).digest())
