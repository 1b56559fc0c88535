"""Property tests: damaged articles fail with ArticleError or yield a valid bank."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.content.check import check_bank_data
from quizapp.content.generate import generate_bank
from quizapp.content.parser import ArticleError, parse_article

_TEXT = (Path(__file__).resolve().parents[2] / "cards" / "posterior-hip-pain.txt").read_text(
    encoding="utf-8"
)
_LINES = _TEXT.split("\n")

_edit = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap"]),
    st.integers(min_value=0, max_value=len(_LINES) - 1),
    st.integers(min_value=0, max_value=len(_LINES) - 1),
)


def _apply(lines: list[str], edits: list[tuple[str, int, int]]) -> list[str]:
    lines = list(lines)
    for action, first, second in edits:
        if not lines:
            break
        at, other = first % len(lines), second % len(lines)
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        else:
            lines[at], lines[other] = lines[other], lines[at]
    return lines


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(_edit, min_size=1, max_size=6))
def test_damaged_article_fails_cleanly_or_builds_a_valid_bank(
    edits: list[tuple[str, int, int]],
) -> None:
    text = "\n".join(_apply(_LINES, edits))
    try:
        article = parse_article(text, "damaged.txt")
    except ArticleError as error:
        assert str(error).startswith(f"damaged.txt:{error.line}: ")
        assert 1 <= error.line <= max(1, len(text.split("\n")))
        return
    bank = generate_bank(article, bank_id="damaged", article_file="damaged.txt")
    assert check_bank_data(bank.to_dict(), file="damaged.yaml", article_text=text) == []
