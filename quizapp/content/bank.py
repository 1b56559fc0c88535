"""Questions and question banks as plain values, serialisable to bank files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

FORMAT_VERSION = 1

CLOZE = re.compile(r"\{\{c1::(?P<answer>.+?)\}\}")


class Kind(StrEnum):
    BASIC = "basic"
    MCQ = "mcq"
    TRUE_FALSE = "true_false"
    CLOZE = "cloze"
    MATCHING = "matching"
    ORDERING = "ordering"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.BASIC: "Question and answer",
    Kind.MCQ: "Multiple choice",
    Kind.TRUE_FALSE: "True or false",
    Kind.CLOZE: "Fill in the blank",
    Kind.MATCHING: "Matching",
    Kind.ORDERING: "Ordering",
}


class Section(StrEnum):
    INTRODUCTION = "introduction"
    PURPOSE = "purpose"
    INDICATIONS = "indications"
    CONTRAINDICATIONS = "contraindications"
    MECHANISM = "mechanism"
    PROCEDURE = "procedure"
    TYPES = "types"
    PROS_CONS = "pros_cons"
    AFTERCARE = "aftercare"
    ALTERNATIVES = "alternatives"
    FAQ = "faq"

    @property
    def label(self) -> str:
        return _SECTION_LABELS[self]


_SECTION_LABELS = {
    Section.INTRODUCTION: "Introduction",
    Section.PURPOSE: "Purpose and benefits",
    Section.INDICATIONS: "Indications",
    Section.CONTRAINDICATIONS: "Contraindications",
    Section.MECHANISM: "Mechanism",
    Section.PROCEDURE: "Procedure",
    Section.TYPES: "Types",
    Section.PROS_CONS: "Pros and cons",
    Section.AFTERCARE: "Aftercare",
    Section.ALTERNATIVES: "Alternatives",
    Section.FAQ: "FAQ",
}

TRUE, FALSE = "True", "False"


@dataclass(frozen=True)
class Pair:
    left: str
    right: str


@dataclass(frozen=True)
class Question:
    """One question. Which of the answer fields it uses depends on its kind.

    basic, mcq, true_false: `answer` (for mcq, one of `options`; for true_false,
    "True" or "False"). cloze: the deleted text is marked `{{c1::…}}` in the
    prompt. matching: `pairs`. ordering: `sequence`, in the correct order.
    Questions that ask the same fact share `fact`: they are siblings.
    """

    id: str
    kind: Kind
    section: Section
    prompt: str
    answer: str = ""
    options: tuple[str, ...] = ()
    pairs: tuple[Pair, ...] = ()
    sequence: tuple[str, ...] = ()
    explanation: str = ""
    tags: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    fact: str = ""
    # When the content last changed; None: unchanged since the bank was first built.
    changed: datetime | None = None

    @property
    def correct_answer(self) -> str:
        """The answer as a learner would read it, for any kind."""
        if self.kind is Kind.CLOZE:
            match = CLOZE.search(self.prompt)
            return match["answer"] if match else ""
        if self.kind is Kind.MATCHING:
            return "; ".join(f"{pair.left} → {pair.right}" for pair in self.pairs)
        if self.kind is Kind.ORDERING:
            return " → ".join(self.sequence)
        return self.answer

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.value,
            "section": self.section.value,
            "prompt": self.prompt,
        }
        if self.options:
            data["options"] = list(self.options)
        if self.answer:
            data["answer"] = self.answer
        if self.pairs:
            data["pairs"] = [{"left": pair.left, "right": pair.right} for pair in self.pairs]
        if self.sequence:
            data["sequence"] = list(self.sequence)
        if self.explanation:
            data["explanation"] = self.explanation
        data["tags"] = list(self.tags)
        data["source"] = list(self.source)
        if self.fact:
            data["fact"] = self.fact
        if self.changed is not None:
            data["changed"] = format_changed(self.changed)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Build from a dict already checked by `content.check`."""
        return cls(
            id=data["id"],
            kind=Kind(data["kind"]),
            section=Section(data["section"]),
            prompt=data["prompt"],
            answer=str(data.get("answer", "")),
            options=tuple(data.get("options", ())),
            pairs=tuple(Pair(pair["left"], pair["right"]) for pair in data.get("pairs", ())),
            sequence=tuple(data.get("sequence", ())),
            explanation=data.get("explanation", ""),
            tags=tuple(data.get("tags", ())),
            source=tuple(data.get("source", ())),
            fact=data.get("fact", ""),
            changed=parse_changed(data["changed"]) if data.get("changed") else None,
        )


@dataclass(frozen=True)
class Bank:
    """A bank of questions built from one article, kept beside it as `article`."""

    id: str
    topic: str
    article: str
    questions: tuple[Question, ...] = field(default=())
    topic_kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "id": self.id,
            "topic": self.topic,
        }
        if self.topic_kind:
            data["topic_kind"] = self.topic_kind
        data["article"] = self.article
        data["questions"] = [question.to_dict() for question in self.questions]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bank:
        """Build from a dict already checked by `content.check`."""
        return cls(
            id=data["id"],
            topic=data["topic"],
            article=data["article"],
            questions=tuple(Question.from_dict(q) for q in data["questions"]),
            topic_kind=data.get("topic_kind", ""),
        )


CHANGED_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_changed(moment: datetime) -> str:
    """A question's `changed` time as bank files write it: UTC to the second."""
    return moment.astimezone(UTC).strftime(CHANGED_FORMAT)


def parse_changed(value: str | datetime) -> datetime:
    """Read `changed` as written, or as YAML reads an unquoted timestamp; raise ValueError."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"expected a UTC date and time such as 2026-01-31T09:30:00Z: {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def _content(data: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in data.items() if name != "changed"}


def date_changes(built: Bank, previous: Mapping[str, Mapping[str, Any]], *, now: datetime) -> Bank:
    """Date each question of a rebuilt bank by when its content last changed.

    `previous` maps question IDs to the questions of the bank file being replaced, as
    read from it. A question whose content is the same keeps its date (or its lack of
    one); a new or changed question is dated `now`.
    """
    dated = []
    for question in built.questions:
        before = previous.get(question.id)
        if before is not None and _content(before) == _content(question.to_dict()):
            try:
                kept = parse_changed(before["changed"]) if before.get("changed") else None
            except ValueError:
                kept = now
            dated.append(replace(question, changed=kept))
        else:
            dated.append(replace(question, changed=now.replace(microsecond=0)))
    return replace(built, questions=tuple(dated))
