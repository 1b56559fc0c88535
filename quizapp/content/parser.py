"""Parse an article written in the clinical-education template into an `Article`.

The template: a title line `<Topic> Introduction (What it is)` and its paragraphs,
then sections recognised by their headers in any order. Section headers are
matched leniently (any topic name, curly or straight quotes, any case); content
is kept verbatim. Anything that cannot be read raises `ArticleError` naming the
file, the line and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from quizapp.content.article import (
    Article,
    Faq,
    FaqEntry,
    Group,
    GroupedSection,
    Introduction,
    Item,
    ListSection,
    Mechanism,
    Procedure,
    ProsCons,
    Step,
    Subsection,
    Term,
)


class ArticleError(ValueError):
    """An article that does not follow the template."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


@dataclass(frozen=True)
class _Line:
    number: int
    text: str

    @property
    def is_dash(self) -> bool:
        """A lone bullet marker: the next line is the list entry."""
        return self.text in _MARKERS

    @property
    def bullet(self) -> str | None:
        match = _BULLET.match(self.text)
        return match.group(1) if match else None


_MARKERS = {"-", "*", "•"}
_BULLET = re.compile(r"^[-*•]\s+(\S.*)$")
# A name may hold a decimal point ('Closed-bore 1.5 T scanners: ...').
_TERM = re.compile(r"^(?P<name>(?:[^.:]|\.(?=\d)){1,80}?)(?P<sep>[.:])\s+(?P<description>\S.*)$")
# An entry that can only be a group label: 'By timing', 'X vs Y', 'Grouped by cause:'.
_STRONG_LABEL = re.compile(r"^(by\s.+|.+\s(vs\.?|versus)\s.+|[^.]+:)$", re.IGNORECASE)
_STEP_SEPARATOR = re.compile(r"\s+[–—-]\s+")
_QUESTION = re.compile(r"^Q\s*:\s*(?P<question>.*)$", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^A\s*:\s*", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?")
_TITLE = re.compile(r"^(?P<topic>.+?)\s+introduction\b(?:\s*\(.*\))?$", re.IGNORECASE)
_TITLE_HINT = "the title line '<Topic> Introduction (What it is)'"


def _normalise_quotes(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


@dataclass(frozen=True)
class _SectionKind:
    key: str
    title: str
    pattern: re.Pattern[str]


def _kind(key: str, title: str, pattern: str) -> _SectionKind:
    return _SectionKind(key, title, re.compile(pattern, re.IGNORECASE))


_SECTIONS = (
    _kind("purpose", "Why … used (Purpose / benefits)", r"why\b.*\bused\b.*|.*\(purpose\b.*\)"),
    _kind("indications", "Indications", r"indications\b(\s*\(.*\))?"),
    _kind("contraindications", "Contraindications / when it's NOT ideal", r"contraindications\b.*"),
    _kind("mechanism", "How it works (Mechanism / physiology)", r"how (it|they) works?\b.*"),
    _kind("procedure", "Procedure overview", r"(.+\s)?procedure overview\b.*"),
    _kind("types", "Types / variations", r"types\b(\s*/\s*variations)?(\s*\(.*\))?"),
    _kind("pros_cons", "Pros and cons", r"pros\s+(and|&)\s+cons"),
    _kind("aftercare", "Aftercare & longevity", r"aftercare\b.*"),
    _kind(
        "alternatives",
        "Alternatives / comparisons",
        r"alternatives\b(\s*/\s*comparisons)?(\s*\(.*\))?",
    ),
    _kind("faq", "Common questions (FAQ)", r"(.+\s)?(common|frequently asked) questions\b.*|faqs?"),
)
_SECTIONS_BY_KEY = {kind.key: kind for kind in _SECTIONS}


def _section_key(line: _Line) -> str | None:
    """Return the key of the section this line heads, if it is a section header."""
    text = _normalise_quotes(line.text).strip()
    if line.bullet is not None or len(text) > 90 or text.endswith((*_SENTENCE_END, ":")):
        return None
    for kind in _SECTIONS:
        if kind.pattern.fullmatch(text):
            return kind.key
    return None


def split_term(text: str) -> tuple[str, str] | None:
    """Split `Name. description` or `Name: description`; None if the text is not a term."""
    match = _TERM.match(text)
    if not match or len(match["name"].split()) > 10:
        return None
    description = match["description"]
    if match["sep"] == "." and not (
        description[0].isupper() or description[0] in "“\"'(0123456789"
    ):
        return None
    return match["name"].strip(), description


def _item(text: str, number: int, *, as_term: bool) -> Item:
    parts = split_term(text) if as_term else None
    if parts is None:
        return Item(text, number)
    return Term(text, number, *parts)


def _looks_like_heading(text: str) -> bool:
    return not text.rstrip().endswith((*_SENTENCE_END, ":", ";", ",")) and len(text.split()) <= 12


@dataclass
class _Reader:
    """Reads the lines of one section."""

    source: str
    head: _Line
    body: list[_Line]

    def error(self, line: _Line, message: str) -> ArticleError:
        return ArticleError(self.source, line.number, message)

    def entries(self) -> Iterator[tuple[_Line, str | None]]:
        """Yield each line with its list-entry text, or None when it is prose.

        A bullet line `- text` is an entry, and so is the line after a lone `-`.
        """
        dash: _Line | None = None
        for line in self.body:
            if dash is not None and (line.is_dash or line.bullet is not None):
                raise self.error(dash, "a lone '-' with nothing after it; expected a list entry")
            if line.is_dash:
                dash = line
                continue
            yield line, (line.text if dash is not None else line.bullet)
            dash = None
        if dash is not None:
            raise self.error(dash, "a lone '-' with nothing after it; expected a list entry")

    def list_section(self, *, terms: bool) -> ListSection:
        intro: list[Item] = []
        items: list[Item] = []
        closing: list[Item] = []
        for line, entry in self.entries():
            if entry is None:
                (closing if items else intro).append(Item(line.text, line.number))
            elif closing:
                raise self._entry_after_closing(line, closing)
            else:
                items.append(_item(entry, line.number, as_term=terms))
        if not items:
            raise self.error(
                self.head, f"expected a bulleted list ('- item') under {self.head.text!r}"
            )
        return ListSection(
            self.head.text, self.head.number, tuple(intro), tuple(items), tuple(closing)
        )

    def _entry_after_closing(self, line: _Line, closing: list[Item]) -> ArticleError:
        # The unknown header may be followed by its own lead-in, so look past it.
        header = next((item for item in reversed(closing) if _looks_like_heading(item.text)), None)
        if header is not None:
            return ArticleError(
                self.source,
                header.line,
                f"{header.text!r} is not a section header this template knows; "
                f"expected one of: {', '.join(kind.title for kind in _SECTIONS)}",
            )
        return self.error(
            line,
            f"a list entry after the closing text of {self.head.text!r}; expected a section header",
        )

    def introduction(self) -> Introduction:
        if not self.body:
            raise self.error(self.head, "expected a paragraph after the title line")
        paragraphs = tuple(Item(line.text, line.number) for line in self.body)
        return Introduction(self.head.text, self.head.number, paragraphs)

    def mechanism(self) -> Mechanism:
        intro: list[Item] = []
        subsections: list[_Subsection] = []
        for line, entry in self.entries():
            if entry is not None:
                if not subsections:
                    raise self.error(
                        line,
                        "expected a sub-heading (such as 'Key pain mechanisms') before this list",
                    )
                subsections[-1].items.append(_item(entry, line.number, as_term=True))
            elif _looks_like_heading(line.text):
                subsections.append(_Subsection(line))
            elif subsections:
                subsections[-1].paragraphs.append(Item(line.text, line.number))
            else:
                intro.append(Item(line.text, line.number))
        for sub in subsections:
            if not (sub.items or sub.paragraphs):
                raise self.error(
                    sub.head, f"the sub-heading {sub.head.text!r} has nothing under it"
                )
        if not subsections:
            raise self.error(self.head, f"expected sub-headed groups under {self.head.text!r}")
        return Mechanism(
            self.head.text,
            self.head.number,
            tuple(intro),
            tuple(sub.freeze() for sub in subsections),
        )

    def procedure(self) -> Procedure:
        intro: list[Item] = []
        steps: list[Step] = []
        closing: list[Item] = []
        for line, entry in self.entries():
            if entry is None:
                (closing if steps else intro).append(Item(line.text, line.number))
            elif closing:
                raise self._entry_after_closing(line, closing)
            else:
                name, *details = _STEP_SEPARATOR.split(entry)
                steps.append(
                    Step(name.strip(), tuple(d.strip() for d in details), entry, line.number)
                )
        if not steps:
            raise self.error(
                self.head,
                "expected steps, each a lone '-' line followed by 'Step – detail – detail'",
            )
        return Procedure(
            self.head.text, self.head.number, tuple(intro), tuple(steps), tuple(closing)
        )

    def grouped(self, *, terms: bool) -> GroupedSection:
        """Read a two-level list flattened to one level: group labels and their items.

        An entry that is unmistakably a label ('By timing', 'X vs Y') starts a group.
        Another entry that is neither a term nor a sentence starts one only when the
        group before it has items and a term or sentence follows it: so a list of plain
        phrases under a label stays that label's items.
        """
        intro: list[Item] = []
        groups: list[_Group] = []
        closing: list[Item] = []
        entries = list(self.entries())
        listed = [entry for _, entry in entries if entry is not None]
        following = dict(pairwise(listed))
        for line, entry in entries:
            if entry is None:
                (closing if groups else intro).append(Item(line.text, line.number))
            elif closing:
                raise self._entry_after_closing(line, closing)
            elif not groups or _starts_group(entry, groups[-1], following.get(entry)):
                groups.append(_Group(line, entry.rstrip(":").strip()))
            else:
                groups[-1].items.append(_item(entry, line.number, as_term=terms))
        if not groups:
            raise self.error(
                self.head, f"expected a list of groups and their items under {self.head.text!r}"
            )
        for group in groups:
            if not group.items:
                raise self.error(group.head, f"the group {group.label!r} has no items under it")
        return GroupedSection(
            self.head.text,
            self.head.number,
            tuple(intro),
            tuple(group.freeze() for group in groups),
            tuple(closing),
        )

    def pros_cons(self) -> ProsCons:
        lists: dict[str, list[Item]] = {}
        current: list[Item] | None = None
        for line, entry in self.entries():
            label = _normalise_quotes(line.text).rstrip(":").strip().lower()
            if entry is None and label in ("pros", "cons"):
                current = lists.setdefault(label, [])
            elif entry is not None and current is not None:
                current.append(Item(entry, line.number))
            else:
                raise self.error(line, "expected 'Pros:', 'Cons:' or a '- ' list item")
        for label in ("pros", "cons"):
            if not lists.get(label):
                raise self.error(
                    self.head, f"expected a '{label.capitalize()}:' line followed by a list"
                )
        return ProsCons(
            self.head.text, self.head.number, tuple(lists["pros"]), tuple(lists["cons"])
        )

    def faq(self) -> Faq:
        entries: list[_FaqEntry] = []
        for line in self.body:
            match = _QUESTION.match(line.text)
            if match:
                if not match["question"].strip():
                    raise self.error(line, "a 'Q:' with no question after it")
                self._check_answered(entries)
                entries.append(_FaqEntry(line, match["question"].strip()))
            elif not entries:
                raise self.error(line, "expected a question written as 'Q: …'")
            else:
                # A bare 'A:' only marks where the answer starts.
                answer = _ANSWER_PREFIX.sub("", line.text, count=1)
                if answer:
                    entries[-1].answer.append(Item(answer, line.number))
        if not entries:
            raise self.error(
                self.head, "the FAQ has no questions; expected lines written as 'Q: …'"
            )
        self._check_answered(entries)
        return Faq(self.head.text, self.head.number, tuple(entry.freeze() for entry in entries))

    def _check_answered(self, entries: list[_FaqEntry]) -> None:
        if entries and not entries[-1].answer:
            entry = entries[-1]
            raise self.error(
                entry.head,
                f"'Q: {entry.question}' has no answer; expected the answer on the next line",
            )


def _starts_group(entry: str, current: _Group, following: str | None) -> bool:
    if _STRONG_LABEL.match(entry) and split_term(entry) is None:
        return True
    return (
        _is_group_label(entry)
        and bool(current.items)
        and following is not None
        and not _is_group_label(following)
    )


def _is_group_label(entry: str) -> bool:
    """A group label is neither a `Name: description` item nor a sentence."""
    return split_term(entry) is None and not entry.rstrip().endswith(_SENTENCE_END)


@dataclass
class _Subsection:
    head: _Line
    items: list[Item] = field(default_factory=list)
    paragraphs: list[Item] = field(default_factory=list)

    def freeze(self) -> Subsection:
        return Subsection(
            self.head.text, self.head.number, tuple(self.items), tuple(self.paragraphs)
        )


@dataclass
class _Group:
    head: _Line
    label: str
    items: list[Item] = field(default_factory=list)

    def freeze(self) -> Group:
        return Group(self.label, self.head.number, tuple(self.items))


@dataclass
class _FaqEntry:
    head: _Line
    question: str
    answer: list[Item] = field(default_factory=list)

    def freeze(self) -> FaqEntry:
        return FaqEntry(self.question, tuple(self.answer), self.head.number)


_READERS: dict[str, Callable[[_Reader], object]] = {
    "purpose": lambda r: r.list_section(terms=True),
    "indications": lambda r: r.list_section(terms=False),
    "contraindications": lambda r: r.list_section(terms=False),
    "mechanism": _Reader.mechanism,
    "procedure": _Reader.procedure,
    "types": lambda r: r.grouped(terms=True),
    "pros_cons": _Reader.pros_cons,
    "aftercare": lambda r: r.list_section(terms=True),
    "alternatives": lambda r: r.grouped(terms=False),
    "faq": _Reader.faq,
}


def _lines(text: str) -> list[_Line]:
    return [
        _Line(number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def parse_article(text: str, source: str = "<article>") -> Article:
    """Parse article text; `source` names the file in errors and warnings."""
    text = "\n".join(text.removeprefix("\ufeff").splitlines())
    lines = _lines(text)
    if not lines:
        raise ArticleError(source, 1, f"the article is empty; expected {_TITLE_HINT}")
    title = _TITLE.fullmatch(_normalise_quotes(lines[0].text))
    if title is None or lines[0].bullet is not None:
        raise ArticleError(
            source, lines[0].number, f"expected {_TITLE_HINT}, found {lines[0].text!r}"
        )

    heads: dict[str, _Line] = {"introduction": lines[0]}
    bodies: dict[str, list[_Line]] = {"introduction": []}
    current = "introduction"
    previous: _Line = lines[0]
    for line in lines[1:]:
        key = _section_key(line)
        if key is not None and previous.is_dash:
            raise ArticleError(
                source,
                previous.number,
                f"a lone '-' with nothing after it; expected a list entry, "
                f"found the section header {line.text!r}",
            )
        if key is not None:
            if key in heads:
                raise ArticleError(
                    source,
                    line.number,
                    f"a second {_SECTIONS_BY_KEY[key].title!r} section "
                    f"(the first is at line {heads[key].number})",
                )
            heads[key], bodies[key], current = line, [], key
        else:
            bodies[current].append(line)
        previous = line

    if "faq" not in heads:
        raise ArticleError(
            source,
            lines[-1].number,
            "expected a 'Common questions (FAQ)' section; the article ends without one",
        )
    sections = {
        key: _READERS[key](_Reader(source, heads[key], bodies[key]))
        for key in heads
        if key != "introduction"
    }
    warnings = tuple(
        f"{source}: no {kind.title!r} section; it is optional, so no questions come from it"
        for kind in _SECTIONS
        if kind.key not in heads
    )
    introduction = _Reader(source, lines[0], bodies["introduction"]).introduction()
    # Quote folding maps one character to one, so the match indexes the original line.
    topic = lines[0].text[: title.end("topic")].strip()
    return Article(
        source=source,
        topic=topic,
        introduction=introduction,
        warnings=warnings,
        text=text,
        **sections,  # type: ignore[arg-type]
    )
