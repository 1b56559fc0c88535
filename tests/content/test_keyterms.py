"""Choosing the term a cloze deletes."""

from __future__ import annotations

import pytest

from quizapp.content.generate import MIN_CLOZE_SCORE
from quizapp.content.keyterms import candidates, content_stems, score


def _term(sentence: str, *, shown: str = "") -> str | None:
    """The phrase the generator tries first: the best-scoring one, if worth asking."""
    scored = [
        (score(span, sentence, shown=content_stems(shown), frequency={}), span)
        for span in candidates(sentence)
    ]
    value, span = max(scored, key=lambda pair: (pair[0], -pair[1].start))
    return span.text if value >= MIN_CLOZE_SCORE else None


@pytest.mark.parametrize(
    ("sentence", "term"),
    [
        (
            "Many people return to driving about four to six weeks after surgery.",
            "four to six weeks",
        ),
        ("An arthrogram may leave the joint achy for a day or two.", "a day or two"),
        ("Symptoms persist over weeks to months.", "weeks to months"),
        ("Relief is often temporary, lasting weeks to a few months.", "weeks to a few months"),
        ("Lost axons regrow slowly, at roughly 1 millimeter per day.", "1 millimeter per day"),
    ],
)
def test_a_time_course_is_the_answer(sentence: str, term: str) -> None:
    assert _term(sentence) == term


def test_a_technical_term_beats_everyday_words() -> None:
    sentence = "The hamstrings originate at the ischial tuberosity near the back of the pelvis."
    assert _term(sentence) == "ischial tuberosity"


def test_a_name_written_with_a_capital_is_a_named_thing() -> None:
    sentence = "Imaging is advised when the Ottawa rules are positive after the injury."
    assert _term(sentence) == "Ottawa rules"


def test_an_abbreviation_goes_with_its_expansion() -> None:
    sentence = "Early walking lowers the risk of deep vein thrombosis (DVT) after surgery."
    assert _term(sentence) == "deep vein thrombosis (DVT)"


def test_words_the_learner_is_shown_are_not_asked() -> None:
    sentence = "Hip MRI can show a labral tear that X-rays miss."
    assert _term(sentence, shown="Hip MRI") == "labral tear"


def test_a_verb_ends_the_phrase() -> None:
    sentence = "High tibial osteotomy realigns the leg to shift load away from a worn compartment."
    term = _term(sentence)
    assert term is not None and "realigns" not in term


def test_a_sentence_of_common_words_has_nothing_worth_asking() -> None:
    assert _term("It is a good idea to ask about it.") is None


def test_a_name_with_letters_beyond_ascii_is_asked_whole() -> None:
    sentence = "For chronic instability a Broström repair tightens the torn ligaments."
    assert _term(sentence) == "Broström repair"


def test_a_part_of_a_structure_is_named_with_it() -> None:
    sentence = "The infrapatellar branch of the saphenous nerve is often cut by the incision."
    assert _term(sentence) == "infrapatellar branch of the saphenous nerve"
