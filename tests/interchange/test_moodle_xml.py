"""Moodle XML export checked against the structure Moodle's importer reads, and import."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from defusedxml.ElementTree import fromstring

from quizapp.content.bank import Bank, Kind, Section
from quizapp.interchange import moodle_xml
from quizapp.interchange.common import NOT_QUITE, RIGHT, InterchangeError
from tests.interchange.samples import SMALL, TRICKY, carried, demo_banks

SCHEMA = xmlschema.XMLSchema11(str(Path(__file__).with_name("moodle_quiz.xsd")))
ALL = [SMALL, TRICKY, *demo_banks()]


@pytest.mark.parametrize("bank", ALL, ids=lambda bank: bank.id)
def test_the_export_has_the_structure_moodle_reads(bank: Bank) -> None:
    text = moodle_xml.write(bank).text
    SCHEMA.validate(text)
    quiz = fromstring(text.encode())
    questions = [q for q in quiz.findall("question") if q.get("type") != "category"]
    assert [q.findtext("name/text") for q in questions] == [q.id for q in bank.questions]
    assert [q.findtext("idnumber") for q in questions] == [q.id for q in bank.questions]
    types = {
        Kind.BASIC: "shortanswer",
        Kind.CLOZE: "shortanswer",
        Kind.MCQ: "multichoice",
        Kind.TRUE_FALSE: "truefalse",
        Kind.MATCHING: "matching",
        Kind.ORDERING: "ordering",
    }
    for element, question in zip(questions, bank.questions, strict=True):
        assert element.get("type") == types[question.kind]
        assert [t.findtext("text") for t in element.findall("tags/tag")] == list(question.tags)
        if question.kind is Kind.MCQ:
            answers = element.findall("answer")
            assert element.findtext("single") == "true"
            assert [a.findtext("text") for a in answers] == list(question.options)
            assert [(a.get("fraction"), a.findtext("feedback/text")) for a in answers] == [
                ("100", question.explanation or RIGHT)
                if option == question.answer
                else ("0", NOT_QUITE.format(answer=question.answer))
                for option in question.options
            ]
        else:
            assert element.findtext("generalfeedback/text") == question.explanation
        if question.kind is Kind.ORDERING:
            steps = [a.findtext("text") for a in element.findall("answer")]
            assert steps == list(question.sequence)


def test_the_schema_refuses_what_moodle_would_not_read() -> None:
    text = moodle_xml.write(SMALL).text
    assert SCHEMA.is_valid(text)
    for before, after in [
        ('fraction="100"', 'fraction="all"'),
        ('type="matching"', 'type="matchingish"'),
        ("<single>true</single>", ""),
        ('format="plain_text"', 'format="text"'),
        ("<text>true</text>", "<text>yes</text>"),
        ("<questiontext", "<question_text"),
    ]:
        assert before in text
        broken = text.replace(before, after, 1)
        if before == "<questiontext":
            broken = broken.replace("</questiontext>", "</question_text>", 1)
        assert not SCHEMA.is_valid(broken), before


def test_text_is_escaped_not_read_as_markup() -> None:
    text = moodle_xml.write(TRICKY).text
    assert "<text>Which is &lt;b&gt;bold&lt;/b&gt; &amp; 'quoted', \"double\"?</text>" in text
    assert 'format="plain_text"' in text and 'format="html"' not in text


@pytest.mark.parametrize("bank", ALL, ids=lambda bank: bank.id)
def test_the_export_reads_back_as_the_same_questions(bank: Bank) -> None:
    result = moodle_xml.read(moodle_xml.write(bank).text, "bank.xml")
    assert result.skipped == () and result.notes == ()
    assert [carried(q) for q in result.questions] == [carried(q) for q in bank.questions]
    assert result.topic == bank.topic


# Moodle XML as Moodle and other tools write it ------------------------------------------

# Written as Moodle 4 exports a question bank, with types quizapp does not hold.
MOODLE_SAMPLE = (Path(__file__).parent / "data" / "moodle-sample.xml").read_text(encoding="utf-8")


def test_moodle_xml_written_by_moodle() -> None:
    result = moodle_xml.read(MOODLE_SAMPLE, "moodle.xml")
    assert result.topic == "Default for Knee"
    mcq, truefalse, gap, pairs = result.questions
    assert mcq.kind is Kind.MCQ and mcq.section is Section.AFTERCARE
    # HTML becomes plain text: tags and scripts dropped, entities decoded.
    assert mcq.prompt == "After a knee replacement, swelling lasts about:"
    assert mcq.options == ("Two days", "3–6 months", "One month")
    assert mcq.answer == "3–6 months"
    assert mcq.explanation == "Swelling settles over months."
    assert mcq.tags == ("knee-replacement", "swelling")
    assert mcq.id.startswith("imported-mcq-after-a-knee-replacement-swelling-")
    assert (truefalse.id, truefalse.kind, truefalse.answer) == ("Q-TF", Kind.TRUE_FALSE, "True")
    assert (gap.id, gap.kind) == ("Gap", Kind.CLOZE)
    assert gap.prompt == "The {{c1::ACL}} connects the femur to the tibia."
    assert pairs.prompt == "Match <these> now"
    assert [(p.left, p.right) for p in pairs.pairs] == [
        ("Quadriceps", "Extends the knee"),
        ("Hamstrings", "Flexes the knee"),
    ]
    assert [str(s) for s in result.skipped] == [
        "question 2 'Describe rehabilitation after knee repl…': essay questions are not supported",
        "question 3 'The knee has {1:SHORTANSWER:=two} menis…': embedded-answer (Cloze) "
        "questions are not supported",
        "question 4 'Which are bones of the knee?': multiple-answer questions (several options "
        "giving credit) are not supported",
        "question 8 'Read the article first.': a description (text without a question) is not "
        "a question",
        "question 9 'Knee flexion needed for stairs?': numerical questions are not supported",
    ]
    assert [str(n) for n in result.notes] == [
        "question 1 'After a knee replacement, swelling last…': partial credit (33.3333%) for "
        "'One month' is not kept: only '3–6 months' counts as right",
        "question 6 'The _____ connects the femur to the tib…': only the first accepted "
        "answer is kept; 'anterior cruciate ligament' dropped",
        "question 7 'Match <these> now': the extra answer 'Rotates the hip' (matching nothing) "
        "is dropped",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<quiz><question type='shortanswer'>", "line 1: not well-formed XML"),
        ("<html><body/></html>", "not a Moodle XML quiz: the top element is <html>"),
        (
            '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            "<quiz>&b;</quiz>",
            "declares entities or a DTD",
        ),
        ("", "not well-formed XML"),
    ],
)
def test_a_broken_or_hostile_file_is_refused(text: str, message: str) -> None:
    with pytest.raises(InterchangeError, match=message):
        moodle_xml.read(text, "broken.xml")
