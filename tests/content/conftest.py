"""Fixtures for the content pipeline: the demo articles as text, and their banks."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.content.article import Article
from quizapp.content.bank import Bank
from quizapp.content.generate import generate_bank
from quizapp.content.parser import parse_article

CARDS = Path(__file__).resolve().parents[2] / "cards"
SHARED = "posterior-hip-pain"
SECOND = "hip-osteoarthritis"
# The demo articles: a symptom, a condition, a test and a procedure.
ARTICLES = (SHARED, SECOND, "hip-mri", "total-knee-replacement")


def _read(name: str) -> str:
    return (CARDS / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def cards_dir() -> Path:
    return CARDS


@pytest.fixture(scope="session")
def shared_text() -> str:
    """The shared article, posterior-hip-pain.txt, exactly as committed."""
    return _read(SHARED)


@pytest.fixture(scope="session")
def second_text() -> str:
    """The second article, hip-osteoarthritis.txt, laid out with blank lines between sections."""
    return _read(SECOND)


@pytest.fixture(scope="session")
def shared_article(shared_text: str) -> Article:
    return parse_article(shared_text, f"{SHARED}.txt")


@pytest.fixture(scope="session")
def second_article(second_text: str) -> Article:
    return parse_article(second_text, f"{SECOND}.txt")


@pytest.fixture(scope="session", params=ARTICLES)
def article_text(request: pytest.FixtureRequest) -> tuple[str, str]:
    """Each demo article in turn, as (name, text)."""
    return request.param, _read(request.param)


@pytest.fixture(scope="session")
def built(article_text: tuple[str, str]) -> tuple[Article, Bank]:
    """Each demo article parsed, with the bank generated from it."""
    name, text = article_text
    article = parse_article(text, f"{name}.txt")
    return article, generate_bank(article, bank_id=name, article_file=f"{name}.txt")
