"""Moodle's GIFT text format: write quizapp questions, read GIFT written by any tool.

A question's ID travels as its `::title::` and as Moodle's `// [id:…]` comment, its tags
as `// [tag:…]`, its section as the last part of a `$CATEGORY:` path and its explanation
as the general feedback (`####`). A cloze is a short-answer question whose text shows the
deletion as a gap. GIFT has no ordering questions: those are reported, not written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from quizapp.content.bank import FALSE, TRUE, Bank, Kind, Question
from quizapp.interchange.common import (
    GAP,
    NOT_QUITE,
    RIGHT,
    Collector,
    Draft,
    Exported,
    ImportResult,
    InterchangeError,
    Skipped,
    category_path,
    cloze_prompt,
    gapped,
    html_to_text,
    label,
    looks_like_html,
    section_from,
    topic_of,
    usable_id,
)

_SPECIAL = "~=#{}:"


def escape(text: str) -> str:
    """GIFT text: `~ = # { } :` and backslash escaped, line breaks as `\\n`."""
    escaped = text.replace("\\", "\\\\")
    for char in _SPECIAL:
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _texts(question: Question) -> list[str]:
    return [
        question.prompt,
        question.answer,
        question.explanation,
        *question.options,
        *(side for pair in question.pairs for side in (pair.left, pair.right)),
    ]


def _stem(question: Question, prompt: str) -> str:
    # Moodle reads GIFT text as HTML unless told otherwise: text that HTML would change
    # (or that starts like a [format] marker) is marked plain.
    plain = any("<" in text or "&" in text for text in _texts(question)) or prompt.startswith("[")
    return ("[plain]" if plain else "") + escape(prompt)


def _question(question: Question) -> list[str]:
    comment = " ".join([f"[id:{question.id}]", *(f"[tag:{tag}]" for tag in question.tags)])
    lines = [f"// {comment}"]
    head = f"::{escape(question.id)}::"
    feedback = [f"####{escape(question.explanation)}"] if question.explanation else []
    if question.kind is Kind.MCQ:
        lines.append(head + _stem(question, question.prompt) + "{")
        wrong = escape(NOT_QUITE.format(answer=question.answer))
        for option in question.options:
            if option == question.answer:
                lines.append(f"\t={escape(option)}#{escape(question.explanation or RIGHT)}")
            else:
                lines.append(f"\t~{escape(option)}#{wrong}")
        return [*lines, "}"]
    if question.kind is Kind.TRUE_FALSE:
        value = "TRUE" if question.answer == TRUE else "FALSE"
        return [*lines, head + _stem(question, question.prompt) + "{", f"\t{value}", *feedback, "}"]
    if question.kind is Kind.MATCHING:
        lines.append(head + _stem(question, question.prompt) + "{")
        lines += [f"\t={escape(pair.left)} -> {escape(pair.right)}" for pair in question.pairs]
        return [*lines, *feedback, "}"]
    if question.kind is Kind.CLOZE:
        prompt, answer = gapped(question)
    else:
        prompt, answer = question.prompt, question.answer
    return [*lines, head + _stem(question, prompt) + "{", f"\t={escape(answer)}", *feedback, "}"]


def write(bank: Bank) -> Exported:
    """The bank as GIFT text; ordering questions are reported, since GIFT cannot hold them."""
    blocks = [f"// quizapp question bank {bank.id}: {' '.join(bank.topic.split())}"]
    skipped: list[Skipped] = []
    section = None
    count = 0
    for question in bank.questions:
        if question.kind is Kind.ORDERING:
            skipped.append(
                Skipped(
                    f"question {question.id}",
                    "GIFT has no ordering questions; export as Moodle XML or as the bank file "
                    "to keep it",
                )
            )
            continue
        if question.section is not section:
            section = question.section
            blocks.append(f"$CATEGORY: {category_path(bank.topic, section)}")
        blocks.append("\n".join(_question(question)))
        count += 1
    if skipped:
        notes = "\n".join(f"// not exported: {entry}" for entry in skipped)
        blocks.insert(1, notes)
    return Exported("\n\n".join(blocks) + "\n", count, tuple(skipped))


# Reading ----------------------------------------------------------------------------------


@dataclass
class _Block:
    line: int
    text: str
    comments: list[str]


def _blocks(text: str) -> Iterator[_Block]:
    """Blank-line separated blocks, with their first line and their `//` comment lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start, body, comments = 0, [], []
    for number, line in enumerate([*lines, ""], start=1):
        if not line.strip():
            if body:
                yield _Block(start, "\n".join(body), comments)
            body, comments = [], []
            continue
        if line.strip().startswith("//"):
            comments.append(line.strip()[2:])
            continue
        if not body:
            start = number
        body.append(line)


def _find(text: str, target: str, start: int = 0) -> int:
    """The index of `target` in text from `start`, skipping backslash escapes; -1 if absent."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def _split(text: str, marks: str) -> list[tuple[str, str]]:
    """Split at unescaped marks: [(mark, text after it), …]; the text before any mark first."""
    parts: list[tuple[str, str]] = []
    mark, current, index = "", [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char in marks:
            parts.append((mark, "".join(current)))
            mark, current = char, []
        else:
            current.append(char)
        index += 1
    parts.append((mark, "".join(current)))
    return parts


_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], text)


_FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _plain(text: str, fmt: str) -> str:
    """Text as a learner should read it, whatever format the file gave it."""
    # Lines of a GIFT file wrap text; a line break meant as one is written `\n`.
    text = _unescape(" ".join(text.split()))
    if fmt == "html" or (fmt == "moodle" and looks_like_html(text)):
        return html_to_text(text)
    return text.strip()


@dataclass
class _Choice:
    correct: bool
    weight: float | None
    text: str
    feedback: str


def _choices(body: str, fmt: str) -> list[_Choice]:
    found = []
    for mark, part in _split(body, "=~")[1:]:
        text, feedback = part, ""
        index = _find(part, "#")
        if index >= 0:
            text, feedback = part[:index], part[index + 1 :]
        weight = None
        weighted = re.match(r"^\s*%(-?\d+(?:\.\d+)?)%", text)
        if weighted:
            weight, text = float(weighted[1]), text[weighted.end() :]
        found.append(_Choice(mark == "=", weight, _plain(text, fmt), _plain(feedback, fmt)))
    return found


class _Reader:
    def __init__(self, filename: str) -> None:
        self.collect = Collector(filename)
        self.category = ""
        self.number = 0

    def block(self, block: _Block) -> None:
        ids = [m[1] for c in block.comments for m in re.finditer(r"\[id:([^\]\x00-\x1f]+)\]", c)]
        tags = [m[1] for c in block.comments for m in re.finditer(r"\[tag:([^\]\x00-\x1f]+)\]", c)]
        text = block.text.strip()
        if text.startswith("$CATEGORY:"):
            first, _, rest = text.partition("\n")
            self.category = first[len("$CATEGORY:") :].strip()
            if not rest.strip():
                return
            text = rest.strip()
        self.number += 1
        title = ""
        if text.startswith("::"):
            end = _find(text, "::", 2)
            if end < 0:
                raise InterchangeError(f"line {block.line}: the title has no closing '::'")
            title, text = _unescape(text[2:end]).strip(), text[end + 2 :]
        fmt = "moodle"
        marker = _FORMAT.match(text)
        if marker:
            fmt, text = marker[1].lower(), text[marker.end() :]
        opening = _find(text, "{")
        if opening < 0:
            name = label(self.number, _plain(text, fmt) or title, line=block.line)
            self.collect.skip(name, "a description (text without a question) is not a question")
            return
        closing = _find(text, "}", opening)
        if closing < 0:
            raise InterchangeError(f"line {block.line}: the answers have no closing '}}'")
        before, body, after = text[:opening], text[opening + 1 : closing], text[closing + 1 :]
        embedded = bool(after.strip())
        stem = _plain(before, fmt) + (f" {GAP} " + _plain(after, fmt) if embedded else "")
        stem = stem.strip()
        name = label(self.number, stem or title, line=block.line)
        draft = Draft(
            number=self.number,
            kind=Kind.BASIC,
            prompt=stem,
            line=block.line,
            id=usable_id(ids[0] if ids else None, title),
            section=section_from(self.category) if self.category else None,
            tags=tags,
        )
        self.answers(draft, name, body, fmt)

    def answers(self, draft: Draft, name: str, body: str, fmt: str) -> None:
        general = _find(body, "####")
        if general >= 0:
            draft.explanation = _plain(body[general + 4 :], fmt)
            body = body[:general]
        answer = body.strip()
        if not answer:
            self.collect.skip(name, "essay questions are not supported")
            return
        if answer.startswith("#"):
            self.collect.skip(name, "numerical questions are not supported")
            return
        truth = re.match(r"^(TRUE|FALSE|T|F)\s*(#|$)", answer)
        if truth:
            draft.kind = Kind.TRUE_FALSE
            draft.answer = TRUE if truth[1].startswith("T") else FALSE
            self.collect.add(draft)
            return
        if answer[0] not in "=~":
            answer = "=" + answer
        choices = _choices(answer, fmt)
        if len(choices) > 1 and all(choice.correct and "->" in choice.text for choice in choices):
            self.matching(draft, choices)
            return
        if all(choice.correct and choice.weight in (None, 100) for choice in choices):
            self.short(draft, name, choices)
            return
        self.multiple_choice(draft, name, choices)

    def matching(self, draft: Draft, choices: list[_Choice]) -> None:
        draft.kind = Kind.MATCHING
        for choice in choices:
            left, _, right = choice.text.partition("->")
            draft.pairs.append((left.strip(), right.strip()))
        self.collect.add(draft)

    def short(self, draft: Draft, name: str, choices: list[_Choice]) -> None:
        answer = choices[0].text
        if len(choices) > 1:
            others = ", ".join(repr(choice.text) for choice in choices[1:])
            self.collect.note(name, f"only the first accepted answer is kept; {others} dropped")
        cloze = cloze_prompt(draft.prompt, answer)
        if cloze is not None:
            draft.kind, draft.prompt = Kind.CLOZE, cloze
        else:
            draft.answer = answer
        if not draft.explanation and choices[0].feedback:
            draft.explanation = choices[0].feedback
        self.collect.add(draft)

    def multiple_choice(self, draft: Draft, name: str, choices: list[_Choice]) -> None:
        def credit(choice: _Choice) -> float:
            if choice.weight is not None:
                return choice.weight
            return 100.0 if choice.correct else 0.0

        right = [choice for choice in choices if credit(choice) >= 100]
        if len(right) != 1:
            self.collect.skip(
                name,
                "multiple-answer questions (several options giving credit, none giving "
                "all of it) are not supported",
            )
            return
        for choice in choices:
            if 0 < credit(choice) < 100:
                self.collect.note(
                    name,
                    f"partial credit ({credit(choice):g}%) for {choice.text!r} is not kept: "
                    f"only {right[0].text!r} counts as right",
                )
        draft.kind = Kind.MCQ
        draft.options = [choice.text for choice in choices]
        draft.answer = right[0].text
        if not draft.explanation and right[0].feedback and right[0].feedback != RIGHT:
            draft.explanation = right[0].feedback
        self.collect.add(draft)


def read(text: str, filename: str) -> ImportResult:
    """Questions from GIFT text; unsupported ones are skipped with the reason."""
    reader = _Reader(filename)
    for block in _blocks(text):
        reader.block(block)
    return reader.collect.result(topic_of(reader.category))
