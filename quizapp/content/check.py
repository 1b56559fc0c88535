"""Check bank data read from a file, naming the question and field of each problem."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from quizapp.content.bank import FORMAT_VERSION, Kind, Section, parse_changed
from quizapp.content.kinds import RULES, is_text, text_list
from quizapp.content.topic import TopicKind

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOP_FIELDS = ("format", "id", "topic", "topic_kind", "article", "questions")
_COMMON = {"id", "kind", "section", "prompt", "explanation", "tags", "source", "fact", "changed"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a bank file."""

    file: str
    question: str
    field: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.question, self.field) if part)
        return f"{where}: {self.message}"


class _Checker:
    def __init__(self, file: str, article_text: str | None) -> None:
        self.file = file
        self.article = " ".join(article_text.split()) if article_text is not None else None
        self.problems: list[Problem] = []

    def report(self, question: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, question, field, message))

    def bank(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.report("", "", "expected a mapping with the fields " + ", ".join(_TOP_FIELDS))
            return
        for name in sorted(set(data) - set(_TOP_FIELDS)):
            self.report("", name, f"unknown field (expected {', '.join(_TOP_FIELDS)})")
        if data.get("format") != FORMAT_VERSION:
            self.report("", "format", f"must be {FORMAT_VERSION}, found {data.get('format')!r}")
        for name in ("id", "topic", "article"):
            if not is_text(data.get(name)):
                self.report("", name, "must be non-empty text")
        if "topic_kind" in data and data["topic_kind"] not in {k.value for k in TopicKind}:
            self.report("", "topic_kind", f"must be one of {', '.join(k.value for k in TopicKind)}")
        if is_text(data.get("id")) and not _ID.match(data["id"]):
            self.report("", "id", "use only letters, digits, '.', '_' and '-'")
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            self.report("", "questions", "must be a non-empty list of questions")
            return
        ids = Counter(
            q.get("id") for q in questions if isinstance(q, dict) and is_text(q.get("id"))
        )
        for index, question in enumerate(questions, start=1):
            self.question(index, question, ids)

    def question(self, index: int, q: Any, ids: Counter[Any]) -> None:
        if not isinstance(q, dict):
            self.report(f"question #{index}", "", "expected a mapping of fields")
            return
        qid = q.get("id")
        name = qid if is_text(qid) else f"question #{index}"
        report = partial(self.report, name)

        if not is_text(qid):
            report("id", "missing or empty")
        elif not _ID.match(qid):
            report("id", "use only letters, digits, '.', '_' and '-'")
        elif ids[qid] > 1:
            report("id", f"duplicate ID: {ids[qid]} questions share it")
        try:
            kind = Kind(q.get("kind"))
        except (TypeError, ValueError):
            report("kind", f"must be one of {', '.join(k.value for k in Kind)}")
            return
        if not isinstance(q.get("section"), str) or q["section"] not in {s.value for s in Section}:
            report("section", f"must be one of {', '.join(s.value for s in Section)}")
        rules = RULES[kind]
        allowed = _COMMON | rules.fields
        for field in sorted(set(q) - allowed):
            report(
                field,
                f"not a field of a {kind.value} question (it has {', '.join(sorted(allowed))})",
            )
        if not is_text(q.get("prompt")):
            report("prompt", "missing or empty")
        if "explanation" in q and not isinstance(q["explanation"], str):
            report("explanation", "must be text")
        if "fact" in q and not (is_text(q["fact"]) and _ID.match(q["fact"])):
            report("fact", "must be a key of letters, digits, '.', '_' and '-'")
        tags = q.get("tags", [])
        if not isinstance(tags, list) or not all(is_text(t) and " " not in t for t in tags):
            report("tags", "must be a list of tags without spaces")
        for problem in rules.check(q):
            report(*problem)
        if "changed" in q:
            try:
                parse_changed(q["changed"])
            except (TypeError, ValueError):
                report(
                    "changed",
                    f"must be a UTC time such as 2026-01-31T09:30:00Z, found {q['changed']!r}",
                )
        self.sources(q.get("source"), report)

    def sources(self, source: Any, report: Callable[[str, str], None]) -> None:
        if not isinstance(source, list) or not source or not text_list(source):
            report("source", "must be a non-empty list of sentences quoted from the article")
            return
        if self.article is None:
            return
        for sentence in source:
            if " ".join(sentence.split()) not in self.article:
                report("source", f"not found in the article: {sentence!r}")


def check_bank_data(data: Any, *, file: str, article_text: str | None) -> list[Problem]:
    """Return every problem in bank data; `article_text` None skips the source check."""
    checker = _Checker(file, article_text)
    checker.bank(data)
    return checker.problems
