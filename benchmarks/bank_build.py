"""Time parsing an article and generating its bank; the target is under 1 s per article.

Usage: python benchmarks/bank_build.py [ARTICLE ...] [--runs N]

Prints, once, what loading the word lists costs a fresh process (wordfreq and
lemminflect, about a second); then for each article its first build (nothing cached
for its sentences) and the mean of N more, as CPU time (what the build costs) and
wall time (which also counts whatever else the machine is doing).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

CARDS = Path(__file__).resolve().parents[1] / "cards"
TARGET_MS = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=50, help="builds per article (default 50)")
    args = parser.parse_args()
    articles = args.articles or sorted(CARDS.glob("*.txt"))

    start = time.perf_counter()
    from quizapp.content.generate import generate_bank
    from quizapp.content.keyterms import is_verb_or_adverb, rarity
    from quizapp.content.parser import parse_article

    rarity("warm"), is_verb_or_adverb("warm")
    print(f"loading the word lists: {(time.perf_counter() - start) * 1000:.0f} ms, once a process")

    def build(path: Path, text: str) -> tuple[int, float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        bank = generate_bank(parse_article(text, path.name), bank_id="b", article_file=path.name)
        return (
            len(bank.questions),
            (time.process_time() - cpu) * 1000,
            (time.perf_counter() - wall) * 1000,
        )

    means = []
    for path in articles:
        text = path.read_text(encoding="utf-8")
        questions, first_cpu, first_wall = build(path, text)
        runs = [build(path, text) for _ in range(args.runs)]
        cpu = statistics.fmean(run[1] for run in runs)
        wall = statistics.fmean(run[2] for run in runs)
        means.append(cpu)
        print(
            f"{path.name}: {questions} questions; first build {first_cpu:.1f} ms CPU "
            f"({first_wall:.1f} wall); then {cpu:.1f} ms CPU ({wall:.1f} wall), "
            f"mean of {args.runs}"
        )
    worst = max(means)
    print(
        f"slowest article: {worst:.1f} ms CPU; target < {TARGET_MS:.0f} ms: "
        f"{'met' if worst < TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
