"""Key facts a clinician picked from each shared article, and whether the bank asks them.

A fact counts as tested when some question has one of the fact's answer terms in its
answer part (the correct option, a cloze deletion, a basic answer, the statement of a
true/false item, the right side of a matching pair, an ordering's steps), compared
after folding case, curly quotes and dashes, and the question's source sentences
include or overlap the fact's quote. A term shown only in a prompt, an explanation or a
distractor is shown, not asked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from quizapp.content.bank import CLOZE, Bank, Kind, Question, Section
from quizapp.content.generate import generate_bank
from quizapp.content.parser import parse_article

FACTS = Path(__file__).resolve().parents[1] / "data" / "key-facts"
CARDS = Path(__file__).resolve().parents[2] / "cards"
ARTICLES = sorted(path.stem for path in FACTS.glob("*.json"))
OTHERS = Path(__file__).resolve().parents[1] / "data" / "unseen"
UNSEEN = sorted(path.stem for path in OTHERS.glob("*.json"))
# Every article asks at least this many of its 25 key facts (the lowest seen today).
FLOOR = 14


def _fold(text: str) -> str:
    text = text.translate(str.maketrans("‘’“”–—‐‑", "''\"\"----"))
    return " ".join(text.casefold().split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:['/-][a-z0-9]+)*", _fold(text))


def _has_term(text: str, term: str) -> bool:
    pattern = r"(?<![a-z0-9])" + re.escape(_fold(term)) + r"(?![a-z0-9])"
    return re.search(pattern, _fold(text)) is not None


def _longest_common_run(a: list[str], b: list[str]) -> int:
    best, previous = 0, [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        current = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def _overlaps(sources: tuple[str, ...], quote: str) -> bool:
    folded, quote_words = _fold(quote), _words(quote)
    for source in sources:
        text = _fold(source)
        if folded in text or (len(text.split()) >= 3 and text in folded):
            return True
        if _longest_common_run(_words(source), quote_words) >= min(5, len(quote_words)):
            return True
    return False


def _answer_parts(question: Question) -> list[str]:
    if question.kind is Kind.CLOZE:
        return CLOZE.findall(question.prompt)
    if question.kind is Kind.TRUE_FALSE:
        return [question.prompt]
    return [
        question.answer,
        *(pair.right for pair in question.pairs),
        *question.sequence,
    ]


def terms(fact: dict[str, object]) -> list[str]:
    return [str(term) for term in fact["answer_terms"]]  # type: ignore[attr-defined]


def asked_facts(bank: Bank, facts: list[dict[str, object]]) -> list[bool]:
    """For each fact, whether some question of the bank asks it."""
    return [
        any(
            any(_has_term(part, str(term)) for part in _answer_parts(q) for term in terms(fact))
            and _overlaps(q.source, str(fact["source_quote"]))
            for q in bank.questions
        )
        for fact in facts
    ]


def _coverage(facts_file: Path, article: Path) -> int:
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    text = article.read_text(encoding="utf-8")
    bank = generate_bank(
        parse_article(text, article.name), bank_id=article.stem, article_file=article.name
    )
    return sum(asked_facts(bank, facts))


@pytest.mark.parametrize("name", ARTICLES)
def test_key_facts_of_the_shared_articles_are_asked(name: str) -> None:
    assert _coverage(FACTS / f"{name}.json", CARDS / f"{name}.txt") >= FLOOR


@pytest.mark.parametrize("name", UNSEEN)
def test_key_facts_of_articles_the_generator_was_not_written_for(name: str) -> None:
    """Articles by other writers, with their own formatting, and facts a clinician chose."""
    assert _coverage(OTHERS / f"{name}.json", OTHERS / f"{name}.txt") >= FLOOR


@pytest.mark.xfail(strict=True, reason="the target of 90% of key facts is not reached yet")
def test_nine_in_ten_key_facts_are_asked_overall() -> None:
    pairs = [(FACTS / f"{n}.json", CARDS / f"{n}.txt") for n in ARTICLES] + [
        (OTHERS / f"{n}.json", OTHERS / f"{n}.txt") for n in UNSEEN
    ]
    assert sum(_coverage(facts, text) for facts, text in pairs) >= 0.9 * 25 * len(pairs)


def test_a_fact_shown_only_in_a_prompt_is_not_tested() -> None:
    fact = {"answer_terms": ["labral tear"], "source_quote": "MRI shows a labral tear well"}
    source = ("MRI shows a labral tear well.",)
    shown = Question(
        id="a",
        kind=Kind.BASIC,
        section=Section.PURPOSE,
        prompt="What does MRI show well, a labral tear?",
        answer="Soft tissue.",
        source=source,
    )
    asked = Question(
        id="b",
        kind=Kind.CLOZE,
        section=Section.PURPOSE,
        prompt="MRI shows a {{c1::labral tear}} well.",
        source=source,
    )
    bank = Bank(id="b", topic="MRI", article="a.txt", questions=(shown,))
    assert asked_facts(bank, [fact]) == [False]
    assert asked_facts(Bank(id="b", topic="MRI", article="a.txt", questions=(asked,)), [fact]) == [
        True
    ]
