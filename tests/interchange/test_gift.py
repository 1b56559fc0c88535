"""GIFT export read by gift-pegjs (a parser nobody here wrote), and GIFT import."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.interchange import gift
from quizapp.interchange.common import GAP, NOT_QUITE, RIGHT, category_path
from tests.interchange.samples import SMALL, TRICKY, carried, demo_banks, gift_pegjs
from tests.interchange.strategies import questions, valid

ALL = [SMALL, TRICKY, *demo_banks()]


def _expected(question: Question) -> dict[str, Any]:
    """The question as gift-pegjs should give it back."""
    if question.kind is Kind.MCQ:
        return {
            "type": "MC",
            "stem": question.prompt,
            "choices": [
                (
                    option,
                    option == question.answer,
                    question.explanation or RIGHT
                    if option == question.answer
                    else NOT_QUITE.format(answer=question.answer),
                )
                for option in question.options
            ],
            "feedback": None,
        }
    if question.kind is Kind.TRUE_FALSE:
        return {
            "type": "TF",
            "stem": question.prompt,
            "isTrue": question.answer == "True",
            "feedback": question.explanation or None,
        }
    if question.kind is Kind.MATCHING:
        return {
            "type": "Matching",
            "stem": question.prompt,
            "pairs": [(pair.left, pair.right) for pair in question.pairs],
            "feedback": question.explanation or None,
        }
    stem = question.prompt
    if question.kind is Kind.CLOZE:
        stem = stem.replace("{{c1::" + question.correct_answer + "}}", GAP)
    return {
        "type": "Short",
        "stem": stem,
        "choices": [(question.correct_answer, True, None)],
        "feedback": question.explanation or None,
    }


def _parsed(item: dict[str, Any]) -> dict[str, Any]:
    """gift-pegjs's answer, in the shape of `_expected`."""
    feedback = item["globalFeedback"]["text"] if item.get("globalFeedback") else None
    found: dict[str, Any] = {"type": item["type"], "stem": item["stem"]["text"]}
    if item["type"] in ("MC", "Short"):
        found["choices"] = [
            (c["text"]["text"], c["isCorrect"], c["feedback"]["text"] if c["feedback"] else None)
            for c in item["choices"]
        ]
    elif item["type"] == "TF":
        found["isTrue"] = item["isTrue"]
    elif item["type"] == "Matching":
        found["pairs"] = [(p["subquestion"]["text"], p["subanswer"]) for p in item["matchPairs"]]
    found["feedback"] = feedback
    return found


@pytest.mark.parametrize("bank", ALL, ids=lambda bank: bank.id)
def test_gift_pegjs_reads_the_export_as_the_same_questions(bank: Bank) -> None:
    exported = gift.write(bank)
    parsed = gift_pegjs(exported.text)
    questions = [item for item in parsed if item["type"] != "Category"]
    wanted = [q for q in bank.questions if q.kind is not Kind.ORDERING]
    assert [item["id"] for item in questions] == [q.id for q in wanted]
    assert [item["title"] for item in questions] == [q.id for q in wanted]
    assert [item["tags"] or [] for item in questions] == [list(q.tags) for q in wanted]
    for item, question in zip(questions, wanted, strict=True):
        assert _parsed(item) == _expected(question), question.id
    # Each question sits under the category of its section.
    category = None
    for item in parsed:
        if item["type"] == "Category":
            category = item["title"]
        else:
            question = next(q for q in wanted if q.id == item["id"])
            assert category == category_path(bank.topic, question.section)


@settings(max_examples=40, deadline=None)
@given(st.lists(questions().filter(valid), min_size=1, max_size=8, unique_by=lambda q: q.id))
def test_gift_pegjs_reads_any_text_back(drawn: list[Question]) -> None:
    bank = Bank(id="prop", topic="Hip/knee: {x}", article="prop.txt", questions=tuple(drawn))
    exported = gift.write(bank)
    wanted = [q for q in drawn if q.kind is not Kind.ORDERING]
    if not wanted:  # only comments: GIFT (and gift-pegjs) want at least one question
        assert exported.count == 0
        return
    parsed = [item for item in gift_pegjs(exported.text) if item["type"] != "Category"]
    assert [_parsed(item) for item in parsed] == [_expected(q) for q in wanted]


def test_ordering_questions_are_reported_not_written() -> None:
    exported = gift.write(SMALL)
    assert exported.count == len(SMALL.questions) - 1
    assert [str(skipped) for skipped in exported.skipped] == [
        "question small-ordering: GIFT has no ordering questions; export as Moodle XML or as "
        "the bank file to keep it"
    ]
    assert "// not exported: question small-ordering" in exported.text
    assert "Put the steps" not in exported.text


@pytest.mark.parametrize("bank", ALL, ids=lambda bank: bank.id)
def test_the_export_reads_back_as_the_same_questions(bank: Bank) -> None:
    result = gift.read(gift.write(bank).text, "bank.gift")
    assert result.skipped == () and result.notes == ()
    wanted = [carried(q) for q in bank.questions if q.kind is not Kind.ORDERING]
    assert [carried(q) for q in result.questions] == wanted
    assert {q.source for q in result.questions} == {("Imported from bank.gift.",)}
    assert result.topic == bank.topic


def test_special_characters_are_escaped() -> None:
    text = gift.write(TRICKY).text
    assert (
        "::tricky-basic::[plain]Ratio 1\\:2 \\= \\{half\\}? \\~approx \\#3, back\\\\slash{" in text
    )
    assert "####Line one.\\nLine two\\: a\\=b & c<d" in text
    # Text HTML would change is marked plain, for Moodle.
    assert "::tricky-mcq::[plain]Which is <b>bold</b>" in text


# GIFT as other tools write it -------------------------------------------------------------

MOODLE_SAMPLE = """\
// A quiz as teachers write it for Moodle
$CATEGORY: $course$/top/Knee exam/Types

::Q1:: Which ligament stops the tibia sliding forward? {
  =Anterior cruciate#Right: the ACL.
  ~%50%Posterior cruciate#Half marks.
  ~Medial collateral#No.
}

::Q2::The patella is a sesamoid bone.{T####It sits in the quadriceps tendon.}

// [id:knee-essay] [tag:writing]
::Essay on knee pain:: Write about anterior knee pain. {}

What is the Q angle in degrees? {#15:3}

The {=menisci} cushion the knee joint.

::Match::[html]Match the <b>test</b> to the structure {
  =Lachman -> ACL
  =McMurray -> Meniscus
  =Valgus stress -> MCL
  #### <p>Tests &amp; structures</p>
}

Which are knee bones? {
  ~%50%Femur
  ~%50%Tibia
  ~%-100%Humerus
}

This is only a description, with no answers.

// [id:tagged-question] [tag:knee] [tag:exam week]
Which nerve wraps around the fibular neck?{=Common fibular=Common peroneal}
"""


def test_gift_written_by_other_tools() -> None:
    result = gift.read(MOODLE_SAMPLE, "knee.gift")
    by_id = {q.id: q for q in result.questions}
    assert result.topic == "Knee exam"
    q1 = by_id["Q1"]
    assert (q1.kind, q1.section, q1.answer) == (Kind.MCQ, Section.TYPES, "Anterior cruciate")
    assert q1.options == ("Anterior cruciate", "Posterior cruciate", "Medial collateral")
    assert q1.explanation == "Right: the ACL."
    q2 = by_id["Q2"]
    assert (q2.kind, q2.answer, q2.explanation) == (
        Kind.TRUE_FALSE,
        "True",
        "It sits in the quadriceps tendon.",
    )
    matching = by_id["Match"]
    assert matching.prompt == "Match the test to the structure"
    assert [(p.left, p.right) for p in matching.pairs] == [
        ("Lachman", "ACL"),
        ("McMurray", "Meniscus"),
        ("Valgus stress", "MCL"),
    ]
    assert matching.explanation == "Tests & structures"
    cloze = next(q for q in result.questions if q.kind is Kind.CLOZE)
    assert cloze.prompt == "The {{c1::menisci}} cushion the knee joint."
    assert cloze.id.startswith("imported-cloze-the-cushion-the-knee-joint-")
    nerve = by_id["tagged-question"]
    assert (nerve.kind, nerve.answer, nerve.tags) == (
        Kind.BASIC,
        "Common fibular",
        ("knee", "exam-week"),
    )
    assert [str(s) for s in result.skipped] == [
        "question 3 (line 13) 'Write about anterior knee pain.': essay questions are not supported",
        "question 4 (line 15) 'What is the Q angle in degrees?': numerical questions are not "
        "supported",
        "question 7 (line 26) 'Which are knee bones?': multiple-answer questions (several "
        "options giving credit, none giving all of it) are not supported",
        "question 8 (line 32) 'This is only a description, with no ans…': a description "
        "(text without a question) is not a question",
    ]
    assert [str(n) for n in result.notes] == [
        "question 1 (line 4) 'Which ligament stops the tibia sliding…': partial credit (50%) "
        "for 'Posterior cruciate' is not kept: only 'Anterior cruciate' counts as right",
        "question 9 (line 35) 'Which nerve wraps around the fibular ne…': only the first "
        "accepted answer is kept; 'Common peroneal' dropped",
    ]
    # Every question read passes the bank file's checks, with defaults where GIFT said nothing.
    assert {q.section for q in result.questions if q.id != "Q1" and q.id != "Q2"} == {Section.TYPES}


def test_questions_quizapp_would_refuse_are_skipped_with_the_reason() -> None:
    text = "::one-option::Pick one {=Only}\n\n::dup::First?{=a}\n\n::dup::Second?{=b}\n"
    text += "\n::mcq-dup::Which?{=Same ~same}\n"
    result = gift.read(text, "x.gift")
    assert [q.id for q in result.questions] == ["one-option", "dup"]
    assert [str(s) for s in result.skipped] == [
        "question 3 (line 5) 'Second?': its ID 'dup' is already used by question 2 (line 3) "
        "'First?'",
        "question 4 (line 7) 'Which?': options: duplicate option: 'Same'",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("::title without end: What?{=a}\n", "line 1: the title has no closing '::'"),
        ("What is it?{=a\n", "line 1: the answers have no closing '}'"),
    ],
)
def test_a_broken_file_names_the_line(text: str, message: str) -> None:
    with pytest.raises(gift.InterchangeError, match=message):
        gift.read(text, "broken.gift")
