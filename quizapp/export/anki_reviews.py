"""Read the review log out of a collection exported from Anki (.colpkg, or .apkg with scheduling).

A package is a zip holding one SQLite collection: `collection.anki21b` (zstd-compressed,
Anki 2.1.50 and later), else `collection.anki21` or `collection.anki2`. Newer packages
also hold a legacy `collection.anki2` that only says "please update Anki", so the newest
form present is read. Nothing here trusts the file: sizes are checked before anything is
unpacked, and anything unexpected becomes a `PackageError` with a message for people.
"""

from __future__ import annotations

import sqlite3
import tempfile
import zipfile
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import zstandard

__all__ = ["AnkiReview", "PackageError", "PackageReviews", "read_reviews"]

# Newest first: the first one present is the real collection.
_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
# A collection unpacks to at most this many times the package's size limit.
_UNPACKED_FACTOR = 10
_CHUNK = 1 << 20
# revlog.type: 0 learning, 1 review, 2 relearning, 3 filtered deck, 4 manual, 5 rescheduled.
_FILTERED = 3
_ANSWERED = (0, 1, 2, 3)
# Review ids are epoch milliseconds; outside 2000-2100 the entry is damaged.
_EARLIEST, _LATEST = 946_684_800_000, 4_102_444_800_000


class PackageError(ValueError):
    """The file is not a readable Anki export; the message says what is wrong."""


@dataclass(frozen=True)
class AnkiReview:
    """One answer from Anki's review log."""

    id: int  # Anki's review id: the time of the answer in epoch milliseconds
    rating: int  # 1 Again .. 4 Easy
    duration_ms: int

    @property
    def reviewed_at(self) -> datetime:
        return datetime.fromtimestamp(self.id / 1000, UTC)


@dataclass(frozen=True)
class PackageReviews:
    """Each note's answers, by note GUID, in time order."""

    reviews: dict[str, list[AnkiReview]] = field(default_factory=dict)
    notes: frozenset[str] = frozenset()


def _copy(source: BinaryIO, target: BinaryIO, limit: int) -> None:
    """Copy in chunks, refusing to write more than `limit` bytes."""
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > limit:
            raise PackageError(_TOO_LARGE)
        target.write(chunk)


def _unpack_collection(path: Path, target: Path, max_bytes: int) -> None:
    """Write the package's SQLite collection to `target`, never more than the limit allows.

    The zip entry and the zstd stream are read in chunks, so a small file that claims to
    unpack to gigabytes is refused without holding it in memory.
    """
    try:
        size = path.stat().st_size
    except OSError as error:
        raise PackageError(f"The file cannot be read: {error.strerror or error}.") from None
    if size > max_bytes:
        raise PackageError(
            f"The file is {size / 1e6:.1f} MB; files up to {max_bytes / 1e6:.0f} MB are accepted."
        )
    limit = max_bytes * _UNPACKED_FACTOR
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            member = next((name for name in _MEMBERS if name in names), None)
            if member is None:
                raise PackageError(_NOT_ANKI)
            if package.getinfo(member).file_size > limit:
                raise PackageError(_TOO_LARGE)
            with package.open(member) as entry, target.open("wb") as out:
                if member.endswith("21b"):
                    with zstandard.ZstdDecompressor().stream_reader(entry) as reader:
                        _copy(reader, out, limit)
                else:
                    _copy(entry, out, limit)
    except PackageError:
        raise
    except zstandard.ZstdError:
        raise PackageError(_DAMAGED) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise PackageError(_NOT_ANKI) from None
    except (OSError, RuntimeError, ValueError):  # unreadable, encrypted or damaged entries
        raise PackageError(_DAMAGED) from None


_NOT_ANKI = (
    "This is not an Anki export. In Anki choose File > Export, then "
    "“Anki Collection Package (.colpkg)”, or “Anki Deck Package (.apkg)” with "
    "“Include scheduling information” ticked."
)
_DAMAGED = "This Anki export is damaged and cannot be read; export it from Anki again."
_TOO_LARGE = "This Anki export unpacks to more than the size accepted; export fewer decks."


def read_reviews(path: Path, *, max_bytes: int) -> PackageReviews:
    """Every note's GUID, and the answers given to each note's cards, from an Anki export.

    Entries that are not answers (rescheduling by hand or by the FSRS optimiser) and
    cramming in filtered decks that does not change the schedule are left out, as Anki's
    own FSRS leaves them out.
    """
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "collection.sqlite"
        _unpack_collection(path, copy, max_bytes)
        try:
            with closing(sqlite3.connect(f"file:{copy}?mode=ro", uri=True)) as connection:
                notes = frozenset(guid for (guid,) in connection.execute("SELECT guid FROM notes"))
                rows = connection.execute(
                    "SELECT notes.guid, revlog.id, revlog.ease, revlog.time, revlog.type, "
                    "revlog.factor FROM revlog JOIN cards ON cards.id = revlog.cid "
                    "JOIN notes ON notes.id = cards.nid ORDER BY revlog.id"
                ).fetchall()
        except sqlite3.DatabaseError:
            raise PackageError(_DAMAGED) from None
    reviews: dict[str, list[AnkiReview]] = defaultdict(list)
    for guid, review_id, ease, duration, kind, factor in rows:
        if not isinstance(review_id, int) or not _EARLIEST <= review_id < _LATEST:
            continue
        if ease not in (1, 2, 3, 4) or kind not in _ANSWERED:
            continue
        if kind == _FILTERED and factor == 0:
            continue  # cramming with rescheduling off
        duration = duration if isinstance(duration, int) and duration >= 0 else 0
        reviews[guid].append(AnkiReview(id=review_id, rating=ease, duration_ms=duration))
    return PackageReviews(reviews=dict(reviews), notes=notes)
