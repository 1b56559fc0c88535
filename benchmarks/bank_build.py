"""Time parsing an article and generating its bank; the target is under 50 ms per article.

Usage: python benchmarks/bank_build.py [ARTICLE] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from quizapp.content.generate import generate_bank
from quizapp.content.parser import parse_article

DEFAULT_ARTICLE = Path(__file__).resolve().parents[1] / "cards" / "posterior-hip-pain.txt"
TARGET_MS = 50.0


def build_once(text: str, source: str) -> int:
    """Parse and generate once; return the number of questions."""
    article = parse_article(text, source)
    return len(generate_bank(article, bank_id="bench", article_file=source).questions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("article", nargs="?", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--runs", type=int, default=200, help="articles to build (default 200)")
    args = parser.parse_args()

    text = args.article.read_text(encoding="utf-8")
    questions = build_once(text, args.article.name)  # warm up imports and regex caches
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        build_once(text, args.article.name)
        times.append((time.perf_counter() - start) * 1000)

    mean = statistics.fmean(times)
    print(f"{args.article.name}: {questions} questions, {args.runs} runs")
    print(
        f"{mean:.2f} ms per article (median {statistics.median(times):.2f}, "
        f"min {min(times):.2f}, max {max(times):.2f}); target < {TARGET_MS:.0f} ms: "
        f"{'met' if mean < TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
