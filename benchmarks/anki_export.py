"""Time write_package on 10,000 questions against bare genanki writing as many notes.

Run with `.venv/bin/python benchmarks/anki_export.py`. The target is a ratio of at most 1.3.
"""

from __future__ import annotations

import html
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import genanki

from quizapp.content.bank import Bank, Question
from quizapp.content.bankfile import load_bank
from quizapp.export.anki import write_package

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = 10_000
REPEATS = 7
TIMESTAMP = 1_700_000_000.0
DEMO_BANKS = ("posterior-hip-pain.yaml", "hip-osteoarthritis.yaml")

SIMPLE_MODEL = genanki.Model(
    1_318_622_091,
    "benchmark simple",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}],
)


def _variant(question: Question, copy: int) -> Question:
    """The question with a distinct ID and prompt, still valid for its kind."""
    return replace(question, id=f"{question.id}-{copy}", prompt=f"{question.prompt} ({copy})")


def make_banks(count: int) -> list[Bank]:
    """Banks holding `count` questions in all, copied and varied from the demo banks."""
    demos = [load_bank(ROOT / "cards" / name) for name in DEMO_BANKS]
    pool = [(bank, question) for bank in demos for question in bank.questions]
    questions: dict[str, list[Question]] = {bank.id: [] for bank in demos}
    for number in range(count):
        bank, question = pool[number % len(pool)]
        questions[bank.id].append(_variant(question, number // len(pool)))
    return [replace(bank, questions=tuple(questions[bank.id])) for bank in demos]


def _simple_fields(question: Question) -> list[str]:
    back = "\n".join([question.correct_answer, question.explanation, *question.source])
    return [html.escape(question.prompt), html.escape(back).replace("\n", "<br>")]


def write_bare(banks: list[Bank], path: Path) -> None:
    """Bare genanki: one deck of two-field notes carrying the same text."""
    deck = genanki.Deck(1_902_775_340, "benchmark")
    for bank in banks:
        for question in bank.questions:
            deck.add_note(genanki.Note(model=SIMPLE_MODEL, fields=_simple_fields(question)))
    genanki.Package(deck).write_to_file(str(path), timestamp=TIMESTAMP)


def best_times(*runs: Callable[[], None]) -> list[float]:
    """The best of REPEATS timings of each run, interleaved so load spikes hit both alike."""
    best = [float("inf")] * len(runs)
    for _ in range(REPEATS):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def main() -> None:
    banks = make_banks(QUESTIONS)
    with tempfile.TemporaryDirectory() as folder:
        ours, bare = Path(folder) / "quizapp.apkg", Path(folder) / "bare.apkg"
        exporter, baseline = best_times(
            lambda: write_package(banks, ours, timestamp=TIMESTAMP),
            lambda: write_bare(banks, bare),
        )
        sizes = ours.stat().st_size, bare.stat().st_size
    print(f"questions:          {sum(len(bank.questions) for bank in banks)}")
    print(f"write_package:      {exporter:.3f} s ({sizes[0] / 1e6:.1f} MB)")
    print(f"bare genanki:       {baseline:.3f} s ({sizes[1] / 1e6:.1f} MB)")
    print(f"ratio:              {exporter / baseline:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
