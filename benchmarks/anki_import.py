"""Time importing reviews done in Anki: a year of a heavy learner's reviews in one upload.

A bank of 2,000 questions is exported, imported into a real Anki collection, and given
20 reviews per card in Anki's review log (40,000 answers); Anki exports it as a .colpkg.
Then `import_reviews` runs on SQLite against a fresh database, and again on the same file
(everything skipped). Run with `.venv/bin/python benchmarks/anki_import.py`; the target is
a few seconds, the time a request may take before the import belongs in a background job.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions

from quizapp import create_app
from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.export.anki import write_package
from quizapp.extensions import db
from quizapp.services import accounts, anki_reviews, banks

QUESTIONS = 2_000
REVIEWS_PER_CARD = 20
START_MS = 1_767_268_800_000  # 2026-01-01T12:00:00Z
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _bank() -> Bank:
    return Bank(
        id="benchmark",
        topic="Benchmark",
        article="benchmark.txt",
        questions=tuple(
            Question(
                id=f"q{n}",
                kind=Kind.BASIC,
                section=Section.FAQ,
                prompt=f"Question {n}?",
                answer=f"Answer {n}.",
                source=("A sentence.",),
            )
            for n in range(QUESTIONS)
        ),
    )


def _anki_export(folder: Path, bank: Bank) -> Path:
    deck = folder / "deck.apkg"
    write_package([bank], deck, timestamp=START_MS / 1000)
    (folder / "anki").mkdir()
    col = Collection(str(folder / "anki" / "collection.anki2"))
    col.import_anki_package(
        ImportAnkiPackageRequest(
            package_path=str(deck), options=ImportAnkiPackageOptions(merge_notetypes=True)
        )
    )
    rng = random.Random(1)
    rows = []
    for card_id in col.find_cards(""):
        at = START_MS + rng.randrange(86_400_000)
        for number in range(REVIEWS_PER_CARD):
            rows.append((at, card_id, rng.choice((1, 3, 3, 3, 4)), 0 if number < 2 else 1))
            at += rng.randrange(1, 18) * 86_400_000
    col.db.executemany(
        "insert into revlog values (?, ?, -1, ?, 1, 0, 0, 6000, ?)",
        rows,
    )
    export = folder / "collection.colpkg"
    col.export_collection_package(str(export), include_media=False, legacy=False)
    return export


def main() -> None:
    bank = _bank()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        export = _anki_export(folder, bank)
        size = export.stat().st_size
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                "CHECK_MIGRATIONS": False,
                "SCHEDULER_FUZZ": True,
            }
        )
        with app.app_context():
            db.create_all()
            banks.load_bank(db.session, bank, article_text="A sentence.", now=NOW)
            user = accounts.register(
                db.session, email="heavy@example.com", name="Heavy", password="x" * 12
            )
            timings = []
            for _ in range(2):
                began, cpu = time.perf_counter(), time.process_time()
                result = anki_reviews.import_reviews(
                    db.session,
                    user=user,
                    path=export,
                    max_bytes=100_000_000,
                    now=NOW,
                    fuzz=True,
                )
                timings.append((time.perf_counter() - began, time.process_time() - cpu, result))
            db.engine.dispose()
    print(f"package: {QUESTIONS * REVIEWS_PER_CARD} reviews of {QUESTIONS} cards ({size} bytes)")
    for label, (seconds, cpu, result) in zip(
        ("first upload", "same file again"), timings, strict=True
    ):
        print(f"{label:>16}: {seconds:.2f} s, {cpu:.2f} s of CPU  ({result.summary()})")


if __name__ == "__main__":
    main()
