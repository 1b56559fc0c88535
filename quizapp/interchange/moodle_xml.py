"""Moodle XML: write quizapp questions as Moodle's importer reads them, read Moodle's files.

Written as Moodle's own export writes them (question/format/xml/format.php): a category
question before each section, then per question `<name>` (the question's ID, also its
`<idnumber>`), `<questiontext format="plain_text">`, `<generalfeedback>` (the explanation),
the answers with `fraction` and `<feedback>`, and `<tags>`. mcq is `multichoice` with
`<single>true</single>`, true_false `truefalse`, basic and cloze `shortanswer` (a cloze
shows its deletion as a gap), matching `matching` with `<subquestion>`s, ordering the
`ordering` type with the steps in order (its `fraction` is each step's position).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as parse_xml

from quizapp.content.bank import FALSE, TRUE, Bank, Kind, Question
from quizapp.interchange.common import (
    NOT_QUITE,
    RIGHT,
    Collector,
    Draft,
    Exported,
    ImportResult,
    InterchangeError,
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

PLAIN = "plain_text"


def _text(parent: ET.Element, tag: str, text: str, *, fmt: str | None = PLAIN) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _value(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _answer(parent: ET.Element, fraction: str, text: str, feedback: str | None = None) -> None:
    answer = _text(parent, "answer", text)
    answer.set("fraction", fraction)
    if feedback is not None:
        _text(answer, "feedback", feedback)


def _question(quiz: ET.Element, question: Question) -> None:
    qtype = {
        Kind.BASIC: "shortanswer",
        Kind.CLOZE: "shortanswer",
        Kind.MCQ: "multichoice",
        Kind.TRUE_FALSE: "truefalse",
        Kind.MATCHING: "matching",
        Kind.ORDERING: "ordering",
    }[question.kind]
    element = ET.SubElement(quiz, "question", {"type": qtype})
    _text(element, "name", question.id, fmt=None)
    prompt = gapped(question)[0] if question.kind is Kind.CLOZE else question.prompt
    _text(element, "questiontext", prompt)
    # A multiple-choice question's explanation is the right option's feedback.
    general = "" if question.kind is Kind.MCQ else question.explanation
    _text(element, "generalfeedback", general)
    _value(element, "defaultgrade", "1.0000000")
    _value(element, "penalty", "0.3333333")
    _value(element, "hidden", "0")
    _value(element, "idnumber", question.id)
    if question.kind is Kind.MCQ:
        _value(element, "single", "true")
        _value(element, "shuffleanswers", "true")
        _value(element, "answernumbering", "abc")
        wrong = NOT_QUITE.format(answer=question.answer)
        for option in question.options:
            if option == question.answer:
                _answer(element, "100", option, question.explanation or RIGHT)
            else:
                _answer(element, "0", option, wrong)
    elif question.kind is Kind.TRUE_FALSE:
        for value in ("true", "false"):
            right = (question.answer == TRUE) == (value == "true")
            _answer(element, "100" if right else "0", value, "")
    elif question.kind in (Kind.BASIC, Kind.CLOZE):
        _value(element, "usecase", "0")
        _answer(element, "100", question.correct_answer, "")
    elif question.kind is Kind.MATCHING:
        _value(element, "shuffleanswers", "true")
        for pair in question.pairs:
            sub = _text(element, "subquestion", pair.left)
            ET.SubElement(ET.SubElement(sub, "answer"), "text").text = pair.right
    else:
        for name, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", "0"),
            ("gradingtype", "ABSOLUTE_POSITION"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            _value(element, name, value)
        for position, step in enumerate(question.sequence, start=1):
            _answer(element, f"{position}.0000000", step)
    if question.tags:
        tags = ET.SubElement(element, "tags")
        for tag in question.tags:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag


def write(bank: Bank) -> Exported:
    """The bank as a Moodle XML quiz file, every kind included."""
    quiz = ET.Element("quiz")
    quiz.append(ET.Comment(f" quizapp question bank {bank.id} "))
    section = None
    for question in bank.questions:
        if question.section is not section:
            section = question.section
            category = ET.SubElement(quiz, "question", {"type": "category"})
            _text(category, "category", category_path(bank.topic, section), fmt=None)
        _question(quiz, question)
    ET.indent(quiz, space="  ")
    body = ET.tostring(quiz, encoding="unicode", short_empty_elements=False)
    return Exported('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", len(bank.questions))


# Reading ----------------------------------------------------------------------------------

_NOT_SUPPORTED = {
    "essay": "essay questions are not supported",
    "numerical": "numerical questions are not supported",
    "calculated": "calculated questions are not supported",
    "calculatedsimple": "calculated questions are not supported",
    "calculatedmulti": "calculated questions are not supported",
    "cloze": "embedded-answer (Cloze) questions are not supported",
    "multianswer": "embedded-answer (Cloze) questions are not supported",
    "description": "a description (text without a question) is not a question",
    "randomsamatch": "random short-answer matching questions are not supported",
    "random": "random questions are not supported",
    "ddwtos": "drag-and-drop questions are not supported",
    "ddimageortext": "drag-and-drop questions are not supported",
    "ddmarker": "drag-and-drop questions are not supported",
    "gapselect": "select-missing-words questions are not supported",
}


def _child_text(element: ET.Element | None, *path: str) -> str:
    """The text of `path/text` under element (Moodle wraps text in <text>), or ''."""
    for tag in path:
        if element is None:
            return ""
        element = element.find(tag)
    if element is None:
        return ""
    inner = element.find("text")
    return (inner.text if inner is not None else element.text) or ""


def _formatted(element: ET.Element | None, default: str = "html") -> str:
    """An element's <text> as plain text, converting HTML as Moodle would show it."""
    if element is None:
        return ""
    inner = element.find("text")
    raw = (inner.text if inner is not None else element.text) or ""
    fmt = element.get("format", default)
    if fmt == "html" or (fmt == "moodle_auto_format" and looks_like_html(raw)):
        return html_to_text(raw)
    return raw.strip()


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


class _Reader:
    def __init__(self, filename: str) -> None:
        self.collect = Collector(filename)
        self.category = ""
        self.number = 0

    def question(self, element: ET.Element) -> None:
        qtype = element.get("type", "")
        if qtype == "category":
            self.category = _child_text(element, "category").strip()
            return
        self.number += 1
        prompt = _formatted(element.find("questiontext"))
        name_text = _child_text(element, "name").strip()
        name = label(self.number, prompt or name_text)
        if qtype in _NOT_SUPPORTED:
            self.collect.skip(name, _NOT_SUPPORTED[qtype])
            return
        reader = getattr(self, f"_{qtype}", None)
        if reader is None:
            self.collect.skip(name, f"{qtype or 'untyped'} questions are not supported")
            return
        tags = [_child_text(tag).strip() for tag in element.findall("tags/tag")]
        draft = Draft(
            number=self.number,
            kind=Kind.BASIC,
            prompt=prompt,
            id=usable_id(_child_text(element, "idnumber"), name_text),
            section=section_from(self.category) if self.category else None,
            explanation=_formatted(element.find("generalfeedback")),
            tags=[tag for tag in tags if tag],
        )
        reader(draft, name, element)

    def _multichoice(self, draft: Draft, name: str, element: ET.Element) -> None:
        answers = element.findall("answer")
        right = [answer for answer in answers if _fraction(answer) >= 100]
        if len(right) != 1:
            self.collect.skip(
                name,
                "multiple-answer questions (several options giving credit) are not supported",
            )
            return
        options = [_formatted(answer, "moodle_auto_format") for answer in answers]
        answer = _formatted(right[0], "moodle_auto_format")
        for option, entry in zip(options, answers, strict=True):
            if 0 < _fraction(entry) < 100:
                self.collect.note(
                    name,
                    f"partial credit ({_fraction(entry):g}%) for {option!r} is not kept: "
                    f"only {answer!r} counts as right",
                )
        draft.kind, draft.options, draft.answer = Kind.MCQ, options, answer
        feedback = _formatted(right[0].find("feedback"))
        if not draft.explanation and feedback and feedback != RIGHT:
            draft.explanation = feedback
        self.collect.add(draft)

    def _truefalse(self, draft: Draft, name: str, element: ET.Element) -> None:
        for answer in element.findall("answer"):
            if _fraction(answer) >= 100:
                value = _child_text(answer).strip().lower()
                if value in ("true", "false"):
                    draft.kind = Kind.TRUE_FALSE
                    draft.answer = TRUE if value == "true" else FALSE
                    self.collect.add(draft)
                    return
        self.collect.skip(name, "a true/false question needs 'true' or 'false' marked right")

    def _shortanswer(self, draft: Draft, name: str, element: ET.Element) -> None:
        right = [a for a in element.findall("answer") if _fraction(a) >= 100]
        if not right:
            self.collect.skip(name, "a short-answer question needs an answer worth 100%")
            return
        answers = [_formatted(a, "moodle_auto_format") for a in right]
        if len(answers) > 1:
            others = ", ".join(repr(answer) for answer in answers[1:])
            self.collect.note(name, f"only the first accepted answer is kept; {others} dropped")
        cloze = cloze_prompt(draft.prompt, answers[0])
        if cloze is not None:
            draft.kind, draft.prompt = Kind.CLOZE, cloze
        else:
            draft.answer = answers[0]
        self.collect.add(draft)

    def _matching(self, draft: Draft, name: str, element: ET.Element) -> None:
        draft.kind = Kind.MATCHING
        for sub in element.findall("subquestion"):
            left = _formatted(sub)
            right = _child_text(sub, "answer").strip()
            if left:  # Moodle's extra wrong answers have no question text
                draft.pairs.append((left, right))
            elif right:
                self.collect.note(name, f"the extra answer {right!r} (matching nothing) is dropped")
        self.collect.add(draft)

    def _ordering(self, draft: Draft, name: str, element: ET.Element) -> None:
        answers = element.findall("answer")
        ordered = sorted(enumerate(answers), key=lambda item: (_fraction(item[1]), item[0]))
        draft.kind = Kind.ORDERING
        draft.sequence = [_formatted(answer, "moodle_auto_format") for _, answer in ordered]
        self.collect.add(draft)


def read(data: bytes | str, filename: str) -> ImportResult:
    """Questions from a Moodle XML file; unsupported types are skipped with the reason."""
    try:
        root = parse_xml(data.encode("utf-8") if isinstance(data, str) else data)
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else 0
        raise InterchangeError(f"line {line}: not well-formed XML ({error})") from None
    except DefusedXmlException:
        raise InterchangeError(
            "the file declares entities or a DTD, which Moodle XML never needs; refused"
        ) from None
    if root.tag != "quiz":
        raise InterchangeError(f"not a Moodle XML quiz: the top element is <{root.tag}>")
    reader = _Reader(filename)
    for element in root.findall("question"):
        reader.question(element)
    return reader.collect.result(topic_of(reader.category))
