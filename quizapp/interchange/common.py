"""What every interchange format shares: results, defaults for imported questions, checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from quizapp.content.bank import CLOZE, FORMAT_VERSION, Kind, Question, Section
from quizapp.content.check import check_bank_data
from quizapp.content.text import short_hash, slugify

# A question with no section of quizapp's gets this one.
DEFAULT_SECTION = Section.INTRODUCTION
# What a cloze's deletion looks like in formats that have no cloze: a gap in the sentence.
GAP = "_____"
# The feedback on a multiple-choice question's wrong options.
NOT_QUITE = "Not quite: the answer is {answer}."
# The feedback on the right option of a question without an explanation.
RIGHT = "Correct."


class InterchangeError(ValueError):
    """A file that cannot be read at all; the message names the line or row."""


@dataclass(frozen=True)
class Skipped:
    """A question left out of an import or export, and why, for a person to read."""

    item: str
    reason: str

    def __str__(self) -> str:
        return f"{self.item}: {self.reason}"


@dataclass(frozen=True)
class ImportResult:
    """The questions read from a file, and those left out (`skipped`) or changed (`notes`)."""

    questions: tuple[Question, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[Skipped, ...] = ()
    # The topic the file names (a Moodle category, a bank file's topic), if any.
    topic: str = ""


@dataclass(frozen=True)
class Exported:
    """A bank written in a format, and the questions the format could not hold."""

    text: str
    count: int
    skipped: tuple[Skipped, ...] = ()


def label(number: int, text: str, *, line: int | None = None) -> str:
    """How a report names a question: `question 7 (line 40) 'Essay on the…'`."""
    where = f" (line {line})" if line else ""
    short = " ".join(text.split())
    if len(short) > 40:
        short = short[:39].rstrip() + "…"
    return f"question {number}{where} '{short}'" if short else f"question {number}{where}"


def generated_id(kind: Kind, prompt: str) -> str:
    """A stable ID for an imported question that has none: from its kind and text.

    Never from a cloze's deletion, as quizapp's own IDs are never from an answer: fixing
    the answer keeps the ID.
    """
    prompt = " ".join(CLOZE.sub(" ", prompt).split())
    slug = "-".join(slugify(prompt).split("-")[:6])
    return "-".join(part for part in ("imported", kind.value, slug, short_hash(prompt, 8)) if part)


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def usable_id(*candidates: str | None) -> str | None:
    """The first candidate that is a valid quizapp question ID."""
    for candidate in candidates:
        if candidate and _ID.match(candidate.strip()) and len(candidate.strip()) <= 200:
            return candidate.strip()
    return None


def section_from(category: str) -> Section | None:
    """A quizapp section named by the last part of a category path, by value or label."""
    last = split_category(category)[-1].strip().casefold() if category.strip() else ""
    for section in Section:
        if last in (section.value, section.label.casefold()):
            return section
    return None


def split_category(path: str) -> list[str]:
    """Moodle category paths separate names by '/'; a '/' inside a name is written '//'."""
    return [part.replace("\x00", "/") for part in path.replace("//", "\x00").split("/")]


def topic_of(category: str) -> str:
    """The topic a category path names: its last part that is not a section or Moodle's own."""
    parts = [part for part in split_category(category) if part.strip()]
    if parts and parts[0].startswith("$") and parts[0].endswith("$"):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    if parts and section_from(parts[-1]) is not None:
        parts = parts[:-1]
    return parts[-1].strip() if parts else ""


def category_path(topic: str, section: Section) -> str:
    """The Moodle category a question of this section is written under."""
    name = " ".join(topic.split()).replace("/", "//")
    return "/".join(("$course$", "top", name, section.label))


def import_source(filename: str) -> str:
    """The source sentence of a question that came from a file instead of an article."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1] or "a file"
    return f"Imported from {' '.join(name.split())}."


class _Text(HTMLParser):
    """Collects an HTML fragment's text: block ends and <br> become line breaks."""

    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    _HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data.replace("\n", " "))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spacing tidied."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = (
        " ".join(line.replace("\xa0", " ").split()) for line in "".join(parser.parts).split("\n")
    )
    return "\n".join(line for line in lines if line)


_LOOKS_HTML = re.compile(r"<[A-Za-z/!][^>]*>|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_HTML.search(text))


@dataclass
class Draft:
    """A question as read from a file, before defaults fill what the file did not say."""

    number: int
    kind: Kind
    prompt: str
    line: int | None = None
    id: str | None = None
    section: Section | None = None
    answer: str = ""
    options: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)
    explanation: str = ""
    tags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return label(self.number, self.prompt, line=self.line)


def cloze_prompt(prompt: str, answer: str) -> str | None:
    """A gapped sentence and its answer as a cloze prompt; None unless there is one gap."""
    if prompt.count(GAP) != 1 or not answer.strip():
        return None
    return prompt.replace(GAP, "{{c1::" + answer.strip() + "}}")


def gapped(question: Question) -> tuple[str, str]:
    """A cloze question as a sentence with a gap, and the text that fills it."""
    answer = question.correct_answer
    return question.prompt.replace("{{c1::" + answer + "}}", GAP, 1), answer


class Collector:
    """Turns drafts into checked questions, reporting each one left out and why."""

    def __init__(self, filename: str) -> None:
        self.source = import_source(filename)
        self.questions: list[Question] = []
        self.skipped: list[Skipped] = []
        self.notes: list[Skipped] = []
        self._ids: dict[str, str] = {}

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skipped(item, reason))

    def note(self, item: str, reason: str) -> None:
        self.notes.append(Skipped(item, reason))

    def add(
        self, draft: Draft, *, columns: dict[str, str] | None = None, item: str | None = None
    ) -> Question | None:
        """Check a draft with the bank file's rules; keep it, or skip it naming each problem.

        `columns` renames a problem's field for the reader (a CSV column); `item` names
        the question in reports instead of its number and text.
        """
        name = item or draft.name
        data = _as_bank_data(draft, self.source)
        qid = data["id"]
        texts = [data["prompt"], data.get("answer", ""), data.get("explanation", "")]
        texts += data.get("options", []) + data.get("sequence", []) + data.get("tags", [])
        texts += [side for pair in data.get("pairs", []) for side in pair.values()]
        if any("\x00" in text for text in texts):
            self.skip(name, "contains a NUL character, which cannot be stored")
            return None
        if qid in self._ids:
            self.skip(name, f"its ID {qid!r} is already used by {self._ids[qid]}")
            return None
        problems = check_bank_data(
            {
                "format": FORMAT_VERSION,
                "id": "import",
                "topic": "import",
                "article": "import",
                "questions": [data],
            },
            file="",
            article_text=None,
        )
        if problems:
            names = columns or {}
            reasons = "; ".join(
                f"{names.get(problem.field, problem.field)}: {problem.message}"
                if problem.field
                else problem.message
                for problem in problems
            )
            self.skip(name, reasons)
            return None
        question = Question.from_dict(data)
        self._ids[qid] = name
        self.questions.append(question)
        return question

    def result(self, topic: str = "") -> ImportResult:
        return ImportResult(tuple(self.questions), tuple(self.skipped), tuple(self.notes), topic)


def _as_bank_data(draft: Draft, source: str) -> dict[str, Any]:
    prompt = draft.prompt.strip()
    data: dict[str, Any] = {
        "id": draft.id or generated_id(draft.kind, prompt),
        "kind": draft.kind.value,
        "section": (draft.section or DEFAULT_SECTION).value,
        "prompt": prompt,
    }
    if draft.kind in (Kind.BASIC, Kind.MCQ, Kind.TRUE_FALSE):
        data["answer"] = draft.answer.strip()
    if draft.kind is Kind.MCQ:
        data["options"] = [option.strip() for option in draft.options]
    if draft.kind is Kind.MATCHING:
        data["pairs"] = [
            {"left": left.strip(), "right": right.strip()} for left, right in draft.pairs
        ]
    if draft.kind is Kind.ORDERING:
        data["sequence"] = [step.strip() for step in draft.sequence]
    if draft.explanation.strip():
        data["explanation"] = draft.explanation.strip()
    # Other tools allow spaces in tags; quizapp's tags are single words.
    data["tags"] = list(dict.fromkeys("-".join(tag.split()) for tag in draft.tags if tag.strip()))
    data["source"] = [source]
    return data
