"""Parse an article written in the clinical-education template into an `Article`.

The template: a title line `<Topic> Introduction (What it is)` and its paragraphs,
then sections recognised by their headers in any order. Writers differ, so reading is
lenient: headers in any case, with curly or straight quotes, trailing spaces or
wording variants; bullets written `-`, `*`, `•` or as numbers; entries that wrap onto
indented continuation lines; un-bulleted `Name: description` entries; CRLF and blank
lines. A line that cannot be placed is kept as prose and named in a warning with its
line number. Only an empty article, or one without a title line, raises `ArticleError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
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
    """An article that cannot be read at all."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.source = source
        self.line = line
        self.message = message


_MARKER = r"(?:[-*•▪‣◦–]|\d{1,2}[.)])"
_LONE_MARKER = re.compile(rf"^{_MARKER}$")
_BULLET = re.compile(rf"^{_MARKER}\s+(\S.*)$")
# An entry written without a bullet: a short capitalised name, a colon, a description.
_UNBULLETED_TERM = re.compile(r"^[A-Z][^.:;!?]{0,58}:\s+\S")


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    indent: int = 0
    entry: bool = False  # a list entry: bulleted, after a lone marker, or `Name: text`

    @property
    def is_dash(self) -> bool:
        """A lone bullet marker: the next line is the list entry."""
        return _LONE_MARKER.match(self.text) is not None

    @property
    def bullet(self) -> str | None:
        match = _BULLET.match(self.text)
        return match.group(1) if match else None


# A name may hold a decimal point ('Closed-bore 1.5 T scanners: ...').
_TERM = re.compile(r"^(?P<name>(?:[^.:]|\.(?=\d)){1,80}?)(?P<sep>[.:])\s+(?P<description>\S.*)$")
# An entry that can only be a group label: 'By timing', 'X vs Y', 'Grouped by cause:'.
_STRONG_LABEL = re.compile(r"^(by\s.+|.+\s(vs\.?|versus)\s.+|[^.]+:)$", re.IGNORECASE)
_STEP_SEPARATOR = re.compile(r"\s+[–—-]\s+")
_QUESTION = re.compile(r"^(?:Q|Question)\s*[:.]\s*(?P<question>.*)$", re.IGNORECASE)
_ANSWER_PREFIX = re.compile(r"^(?:A|Answer)\s*[:.]\s*", re.IGNORECASE)
_SENTENCE_END = (".", "!", "?")
_TITLE = re.compile(
    r"^(?P<topic>.+?)\s*[:–—-]?\s+introduction\b(?:\s*\(.*\))?\s*:?$", re.IGNORECASE
)
_TITLE_HINT = "the title line '<Topic> Introduction (What it is)'"
_DECORATION = re.compile(r"^[#*_\s]+|[*_\s]+$")
_PROS = ("pros", "advantages", "benefits", "strengths")
_CONS = ("cons", "disadvantages", "drawbacks", "limitations", "risks", "weaknesses")


def _normalise_quotes(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def _plain(text: str) -> str:
    """A line as a header reads: quotes folded, markdown marks and a final colon dropped."""
    return _DECORATION.sub("", _normalise_quotes(text)).removesuffix(":").strip()


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
    _kind(
        "mechanism",
        "How it works (Mechanism / physiology)",
        r"how (it|they) works?\b.*|mechanism\b.*",
    ),
    _kind("procedure", "Procedure overview", r"(.+\s)?procedure overview\b.*"),
    _kind("types", "Types / variations", r"types\b(\s*(/|and|&)\s*variations)?(\s*\(.*\))?"),
    _kind(
        "pros_cons",
        "Pros and cons",
        r"pros\s+(and|&)\s+cons\b.*|advantages\s+(and|&)\s+disadvantages\b.*",
    ),
    _kind("aftercare", "Aftercare & longevity", r"aftercare\b.*"),
    _kind(
        "alternatives",
        "Alternatives / comparisons",
        r"alternatives\b(\s*(/|and|&)\s*comparisons)?(\s*\(.*\))?",
    ),
    _kind("faq", "Common questions (FAQ)", r"(.+\s)?(common|frequently asked) questions\b.*|faqs?"),
)
_SECTIONS_BY_KEY = {kind.key: kind for kind in _SECTIONS}


def _section_key(line: _Line) -> str | None:
    """Return the key of the section this line heads, if it is a section header."""
    text = _plain(line.text)
    if line.bullet is not None or len(text) > 90 or text.endswith(_SENTENCE_END):
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
    """Reads the lines of one section, noting what it had to guess."""

    source: str
    head: _Line
    body: list[_Line]
    warnings: list[str] = field(default_factory=list)

    def warn(self, line: _Line, message: str) -> None:
        self.warnings.append(f"{self.source}:{line.number}: {message}")

    def entries(self, *, unbulleted_terms: bool = True) -> Iterator[tuple[_Line, str | None]]:
        """Yield each line with its list-entry text, or None when it is prose.

        A bullet line `- text` is an entry, and so is the line after a lone `-`, and
        (in a section that has bullets or such lines) an un-bulleted `Name: description`.
        """
        dash: _Line | None = None
        for line in self.body:
            if line.is_dash:
                if dash is not None:
                    self.warn(dash, "a lone bullet with nothing after it; skipped")
                dash = line
                continue
            if dash is not None:
                yield line, line.bullet or line.text
            elif line.bullet is not None:
                yield line, line.bullet
            elif unbulleted_terms and _UNBULLETED_TERM.match(line.text):
                yield line, line.text
            else:
                yield line, None
            dash = None
        if dash is not None:
            self.warn(dash, "a lone bullet with nothing after it; skipped")

    def list_section(self, *, terms: bool) -> ListSection:
        intro: list[Item] = []
        items: list[Item] = []
        closing: list[Item] = []
        for line, entry in self.entries():
            if entry is None:
                (closing if items else intro).append(Item(line.text, line.number))
                self.stray_header(line, after_entries=bool(items))
            else:
                items.append(_item(entry, line.number, as_term=terms))
        if not items:
            self.warn(self.head, f"no list entries under {self.head.text!r}")
        return ListSection(
            self.head.text, self.head.number, tuple(intro), tuple(items), tuple(closing)
        )

    def stray_header(self, line: _Line, *, after_entries: bool) -> None:
        """Warn of a header-like line after a section's entries: a misspelt or unknown
        section header, whose entries now count as this section's."""
        if after_entries and _looks_like_heading(line.text):
            self.warn(line, f"{line.text!r} is not a header this template knows; read as text")

    def introduction(self) -> Introduction:
        paragraphs = tuple(Item(line.text, line.number) for line in self.body)
        if not paragraphs:
            self.warn(self.head, "no paragraph after the title line")
        return Introduction(self.head.text, self.head.number, paragraphs)

    def mechanism(self) -> Mechanism:
        intro: list[Item] = []
        subsections: list[_Subsection] = []
        for line, entry in self.entries():
            if entry is not None:
                if not subsections:
                    subsections.append(_Subsection(self.head))
                subsections[-1].items.append(_item(entry, line.number, as_term=True))
            elif _looks_like_heading(line.text):
                subsections.append(_Subsection(line))
            elif subsections:
                subsections[-1].paragraphs.append(Item(line.text, line.number))
            else:
                intro.append(Item(line.text, line.number))
        for sub in subsections:
            if not (sub.items or sub.paragraphs):
                self.warn(sub.head, f"the sub-heading {sub.head.text!r} has nothing under it")
        return Mechanism(
            self.head.text,
            self.head.number,
            tuple(intro),
            tuple(sub.freeze() for sub in subsections if sub.items or sub.paragraphs),
        )

    def procedure(self) -> Procedure:
        intro: list[Item] = []
        steps: list[Step] = []
        closing: list[Item] = []
        for line, entry in self.entries():
            if entry is None:
                (closing if steps else intro).append(Item(line.text, line.number))
                self.stray_header(line, after_entries=bool(steps))
            else:
                name, details = _step_parts(entry)
                steps.append(Step(name, details, entry, line.number))
        if not steps:
            self.warn(self.head, f"no steps under {self.head.text!r}")
        return Procedure(
            self.head.text, self.head.number, tuple(intro), tuple(steps), tuple(closing)
        )

    def grouped(self, *, terms: bool) -> GroupedSection:
        """Read a two-level list flattened to one level: group labels and their items.

        An entry that is unmistakably a label ('By timing', 'X vs Y') starts a group.
        Another entry that is neither a term nor a sentence starts one only when the
        group before it has items and a term or sentence follows it: so a list of plain
        phrases under a label stays that label's items. A group without items is read
        as an item of the group before it.
        """
        intro: list[Item] = []
        groups: list[_Group] = []
        closing: list[Item] = []
        entries = list(self.entries())
        listed = [entry for _, entry in entries if entry is not None]
        following = dict(pairwise(listed))
        for line, entry in entries:
            if entry is None and _is_label_line(line.text):
                groups.append(_Group(line, line.text.rstrip(":").strip()))
            elif entry is None:
                (closing if groups else intro).append(Item(line.text, line.number))
                self.stray_header(line, after_entries=bool(groups))
            elif not groups or _starts_group(entry, groups[-1], following.get(entry)):
                groups.append(_Group(line, entry.rstrip(":").strip()))
            else:
                groups[-1].items.append(_item(entry, line.number, as_term=terms))
        kept: list[_Group] = []
        for group in groups:
            if group.items:
                kept.append(group)
            elif kept:
                kept[-1].items.append(
                    _item(group.head.bullet or group.head.text, group.head.number, as_term=terms)
                )
            else:
                self.warn(group.head, f"the group {group.label!r} has no items under it")
                intro.append(Item(group.label, group.head.number))
        if not kept:
            self.warn(self.head, f"no groups of entries under {self.head.text!r}")
        return GroupedSection(
            self.head.text,
            self.head.number,
            tuple(intro),
            tuple(group.freeze() for group in kept),
            tuple(closing),
        )

    def pros_cons(self) -> ProsCons:
        lists: dict[str, list[Item]] = {"pros": [], "cons": []}
        intro: list[Item] = []
        current: list[Item] | None = None
        for line, entry in self.entries(unbulleted_terms=False):
            side = _side(entry if entry is not None else line.text)
            if side is not None:
                current = lists[side]
            elif entry is not None and current is not None:
                current.append(Item(entry, line.number))
            else:
                intro.append(Item(line.text, line.number))
                if entry is not None:
                    self.warn(line, "a list entry before 'Pros:' or 'Cons:'; read as text")
        for side, items in lists.items():
            if not items:
                self.warn(self.head, f"no '{side.capitalize()}:' list under {self.head.text!r}")
        return ProsCons(
            self.head.text,
            self.head.number,
            tuple(lists["pros"]),
            tuple(lists["cons"]),
            tuple(intro),
        )

    def faq(self) -> Faq:
        entries: list[_FaqEntry] = []
        skipping = False
        for line in self.body:
            text = _DECORATION.sub("", line.text) if line.text.startswith(("*", "#")) else line.text
            match = _QUESTION.match(text)
            if match and match["question"].strip():
                entries.append(_FaqEntry(line, match["question"].strip()))
                skipping = False
            elif match:
                self.warn(line, "a 'Q:' with no question after it; skipped")
                skipping = True
            elif skipping:
                continue
            elif not entries:
                self.warn(line, "text before the first 'Q:' question; skipped")
            else:
                # A bare 'A:' only marks where the answer starts.
                answer = _ANSWER_PREFIX.sub("", text, count=1)
                if answer:
                    entries[-1].answer.append(Item(answer, line.number))
        answered = []
        for entry in entries:
            if entry.answer:
                answered.append(entry)
            else:
                self.warn(entry.head, f"'Q: {entry.question}' has no answer; skipped")
        if not answered:
            self.warn(self.head, "the FAQ has no answered questions written as 'Q: …'")
        return Faq(self.head.text, self.head.number, tuple(entry.freeze() for entry in answered))


def _side(text: str) -> str | None:
    """'pros' or 'cons' when the line is the label of one side ('Pros:', 'Advantages')."""
    label = _plain(text).lower()
    if label in _PROS:
        return "pros"
    if label in _CONS:
        return "cons"
    return None


def _step_parts(entry: str) -> tuple[str, tuple[str, ...]]:
    """A step `Name – detail – detail`, or `Name: detail; detail`."""
    name, *details = _STEP_SEPARATOR.split(entry)
    if not details and (term := split_term(entry)) is not None and ":" in entry[: len(term[0]) + 1]:
        name, rest = term
        details = re.split(r";\s+", rest)
    return name.strip(), tuple(d.strip() for d in details if d.strip())


def _starts_group(entry: str, current: _Group, following: str | None) -> bool:
    if _STRONG_LABEL.match(entry) and split_term(entry) is None:
        return True
    return (
        _is_group_label(entry)
        and bool(current.items)
        and following is not None
        and not _is_group_label(following)
    )


def _is_label_line(text: str) -> bool:
    """An un-bulleted line that can only label a group: 'By severity', 'X vs Y'."""
    return (
        _STRONG_LABEL.match(text) is not None
        and split_term(text) is None
        and (not text.rstrip().endswith(":") or len(text.split()) <= 6)
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


def _continues(previous: _Line, raw: str) -> bool:
    """Whether a raw line carries on the logical line before it.

    An indented line that is not itself a bullet continues an entry; so does a line
    opening in lower case after a line that did not end its sentence. Either wins over
    a section header's wording: 'mechanism in the implant …' carries on its entry.
    """
    text = raw.strip()
    if previous.is_dash or _BULLET.match(text) or _LONE_MARKER.match(text):
        return False
    if _indent(raw) > previous.indent and previous.entry:
        return True
    return text[:1].islower() and not previous.text.endswith((*_SENTENCE_END, ":"))


def _indent(raw: str) -> int:
    return len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())


def _lines(text: str) -> list[_Line]:
    """The article's logical lines, numbered by the line each starts on; blanks dropped."""
    lines: list[_Line] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if lines and _continues(lines[-1], raw):
            last = lines[-1]
            lines[-1] = replace(last, text=f"{last.text} {raw.strip()}")
        else:
            text = raw.strip()
            entry = (
                _BULLET.match(text) is not None
                or (bool(lines) and lines[-1].is_dash)
                or _UNBULLETED_TERM.match(text) is not None
            )
            lines.append(_Line(number, text, _indent(raw), entry))
    return lines


def _title(line: _Line, source: str) -> tuple[str, list[str]]:
    """The topic named by the title line, and a warning when the line is not as expected."""
    text = _plain(line.text)
    title = _TITLE.fullmatch(text)
    if title is not None and line.bullet is None:
        topic = title["topic"].strip(" :–—-")
        # Quote folding maps one character to one, so the topic is found in the line.
        start = _normalise_quotes(line.text).find(topic)
        return line.text[start : start + len(topic)], []
    if line.bullet is None and len(text.split()) <= 8 and not text.endswith(_SENTENCE_END):
        return text, [f"{source}:{line.number}: expected {_TITLE_HINT}; read {text!r} as the topic"]
    raise ArticleError(source, line.number, f"expected {_TITLE_HINT}, found {line.text!r}")


def parse_article(text: str, source: str = "<article>") -> Article:
    """Parse article text; `source` names the file in errors and warnings."""
    text = "\n".join(text.removeprefix("\ufeff").splitlines())
    lines = _lines(text)
    if not lines:
        raise ArticleError(source, 1, f"the article is empty; expected {_TITLE_HINT}")
    topic, warnings = _title(lines[0], source)

    heads: dict[str, _Line] = {"introduction": lines[0]}
    bodies: dict[str, list[_Line]] = {"introduction": []}
    current = "introduction"
    for line in lines[1:]:
        key = _section_key(line)
        if key is not None and key in heads:
            warnings.append(
                f"{source}:{line.number}: a second {_SECTIONS_BY_KEY[key].title!r} section "
                f"(the first is at line {heads[key].number}); read as more of the first"
            )
            current = key
        elif key is not None:
            heads[key], bodies[key], current = line, [], key
        else:
            bodies[current].append(line)

    if warnings and len(heads) == 1:
        # Neither a title nor any section header: this is not an article of the template.
        raise ArticleError(
            source, lines[0].number, f"expected {_TITLE_HINT}, found {lines[0].text!r}"
        )
    readers = {key: _Reader(source, heads[key], bodies[key]) for key in heads}
    sections = {
        key: _READERS[key](reader) for key, reader in readers.items() if key != "introduction"
    }
    introduction = readers["introduction"].introduction()
    if "faq" not in sections:
        sections["faq"] = Faq("", lines[-1].number, ())
    for reader in readers.values():
        warnings += reader.warnings
    warnings += [
        f"{source}: no {kind.title!r} section; it is optional, so no questions come from it"
        for kind in _SECTIONS
        if kind.key not in heads
    ]
    return Article(
        source=source,
        topic=topic,
        introduction=introduction,
        warnings=tuple(warnings),
        text=text,
        **sections,  # type: ignore[arg-type]
    )
