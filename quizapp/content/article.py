"""Typed model of a clinical education article.

Every entry keeps its verbatim text and the 1-based line it came from, so each
question can quote its source exactly and each error can point at a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One list entry or paragraph, verbatim."""

    text: str
    line: int


@dataclass(frozen=True)
class Term(Item):
    """An entry written as `Name. description` or `Name: description`."""

    name: str
    description: str


@dataclass(frozen=True)
class ListSection:
    """A heading, its lead-in paragraphs, one bulleted list and closing paragraphs."""

    heading: str
    line: int
    intro: tuple[Item, ...]
    items: tuple[Item, ...]
    closing: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Subsection:
    """A sub-headed part of the mechanism section: a list of entries or prose."""

    heading: str
    line: int
    items: tuple[Item, ...]
    paragraphs: tuple[Item, ...]


@dataclass(frozen=True)
class Mechanism:
    heading: str
    line: int
    intro: tuple[Item, ...]
    subsections: tuple[Subsection, ...]


@dataclass(frozen=True)
class Step:
    """A procedure step: `Name – detail – detail` on one line."""

    name: str
    details: tuple[str, ...]
    text: str
    line: int


@dataclass(frozen=True)
class Procedure:
    heading: str
    line: int
    intro: tuple[Item, ...]
    steps: tuple[Step, ...]
    closing: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Group:
    """A labelled group of a two-level list, such as `By timing` or `X vs Y`."""

    label: str
    line: int
    items: tuple[Item, ...]


@dataclass(frozen=True)
class GroupedSection:
    heading: str
    line: int
    intro: tuple[Item, ...]
    groups: tuple[Group, ...]
    closing: tuple[Item, ...] = ()


@dataclass(frozen=True)
class ProsCons:
    heading: str
    line: int
    pros: tuple[Item, ...]
    cons: tuple[Item, ...]
    intro: tuple[Item, ...] = ()


@dataclass(frozen=True)
class FaqEntry:
    question: str
    answer: tuple[Item, ...]
    line: int


@dataclass(frozen=True)
class Faq:
    heading: str
    line: int
    entries: tuple[FaqEntry, ...]


@dataclass(frozen=True)
class Introduction:
    heading: str
    line: int
    paragraphs: tuple[Item, ...]


@dataclass(frozen=True)
class Article:
    """A parsed article. Optional sections are None when the article lacks them."""

    source: str
    topic: str
    introduction: Introduction
    faq: Faq
    purpose: ListSection | None = None
    indications: ListSection | None = None
    contraindications: ListSection | None = None
    mechanism: Mechanism | None = None
    procedure: Procedure | None = None
    types: GroupedSection | None = None
    pros_cons: ProsCons | None = None
    aftercare: ListSection | None = None
    alternatives: GroupedSection | None = None
    warnings: tuple[str, ...] = ()
    text: str = field(default="", repr=False)
