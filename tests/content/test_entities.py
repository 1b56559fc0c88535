"""What makes a phrase a fair gap and a fair option: lists, roots, abbreviations."""

from __future__ import annotations

import pytest

from quizapp.content.article import Article
from quizapp.content.bank import Bank, Kind
from quizapp.content.entities import (
    EntityClass,
    Inventory,
    abbreviated_in,
    holds_verb,
    in_enumeration,
    is_named,
    series,
    shares_root,
    trimmed,
    whole_phrase,
)
from quizapp.content.generate import _with_article
from quizapp.content.keyterms import Span


def _at(sentence: str, phrase: str) -> tuple[str, int, int]:
    start = sentence.index(phrase)
    return sentence, start, start + len(phrase)


@pytest.mark.parametrize(
    ("sentence", "member", "listed"),
    [
        (
            "Complete a safety questionnaire about pacemakers, implants, metal fragments, "
            "pregnancy, and kidney function.",
            "implants",
            "pacemakers, implants, metal fragments, pregnancy, and kidney function",
        ),
        (
            "X-rays cannot show the labrum, fine cartilage detail, tendons, or early changes "
            "inside bone.",
            "labrum",
            "labrum, fine cartilage detail, tendons, or early changes",
        ),
        (
            "Injection site. Increasing hip pain, redness, or fever should be reported.",
            "redness",
            "Increasing hip pain, redness, or fever",
        ),
    ],
)
def test_a_list_is_found_whole(sentence: str, member: str, listed: str) -> None:
    found = series(*_at(sentence, member))
    assert found is not None
    assert sentence[found[0] : found[1]] == listed


def test_a_comma_before_and_joins_clauses_not_a_pair() -> None:
    sentence = "The hamstrings originate at the ischial tuberosity, and pain here is felt low."
    assert series(*_at(sentence, "ischial tuberosity")) is None
    assert not in_enumeration(*_at(sentence, "ischial tuberosity"))


def test_a_phrase_ending_in_an_adverb_or_verb_names_nothing() -> None:
    assert not is_named("felt posteriorly")
    assert not is_named("diagnostically")
    assert is_named("posterior capsule")


def test_one_member_of_three_is_never_asked_alone() -> None:
    sentence = "The choice depends on deformity, ligament quality, bone stock, and surgeon skill."
    assert in_enumeration(*_at(sentence, "deformity"))


def test_a_plural_subject_ends_before_its_verb() -> None:
    sentence = "The Ottawa ankle rules help decide who needs an X-ray."
    assert whole_phrase(*_at(sentence, "Ottawa ankle rules"))
    assert not whole_phrase(*_at(sentence, "Ottawa ankle"))
    assert not holds_verb(*_at(sentence, "Ottawa ankle rules"))


def test_a_verb_inside_a_phrase_makes_it_a_clause() -> None:
    sentence = "A severe injury prompts closer follow-up."
    assert holds_verb(*_at(sentence, "injury prompts closer follow-up"))


def test_a_noun_and_what_it_is_left_is_not_a_name() -> None:
    sentence = "An arthrogram may leave the joint achy for a day or two."
    assert not whole_phrase(*_at(sentence, "joint achy"))


def test_after_a_determiner_the_phrase_keeps_its_first_word() -> None:
    sentence = "The surgeon divides the transverse carpal ligament, the roof of the tunnel."
    start = sentence.index("transverse")
    span = trimmed(Span(start, start + 26, sentence[start : start + 26]), sentence)
    assert span.text == "transverse carpal ligament"


@pytest.mark.parametrize(
    ("a", "b", "shared"),
    [
        ("hamstrings", "Proximal hamstring tendon", True),
        ("tendinopathy", "Gluteal tendons", True),
        ("labral", "labrum", True),
        ("arthrography", "MR arthrogram", True),
        ("stress fracture", "insufficiency fractures", True),
        ("femoral neck", "sciatic nerve", False),
        ("hypertension", "hyperemia", False),
    ],
)
def test_words_of_one_root_are_seen_as_one(a: str, b: str, shared: bool) -> None:
    assert shares_root(a, b) is shared


def test_an_abbreviation_in_the_stem_spells_out_the_gap() -> None:
    text = "The medial (MCL) and lateral (LCL) collateral ligaments give side-to-side stability."
    assert abbreviated_in("collateral ligaments", text)
    assert not abbreviated_in("patellar tendon", text)


def test_a_distractor_is_never_another_form_of_the_answer(
    built: tuple[Article, Bank],
) -> None:
    """'labral' beside 'labrum' is a second form of the answer, not a second thing."""
    _, bank = built
    for q in bank.questions:
        if q.kind is Kind.MCQ and len(q.answer.split()) <= 4:
            wrong = [o for o in q.options if o != q.answer]
            assert not any(_near(o, q.answer) for o in wrong), (q.id, q.options)


def _near(option: str, answer: str) -> bool:
    """Different words sharing a long prefix ('labral', 'labrum')."""

    def words(text: str) -> set[str]:
        return {w.casefold().strip("(),") for w in text.split() if len(w) >= 5}

    return any(
        x != y and x[:4] == y[:4] and not (x.startswith(y) or y.startswith(x))
        for x in words(option)
        for y in words(answer)
    )


def test_options_take_the_article_their_sound_needs() -> None:
    """'an MR arthrogram': a letter read aloud as a vowel takes 'an'."""
    assert _with_article("MR arthrogram") == "an MR arthrogram"
    assert _with_article("X-ray") == "an X-ray"
    assert _with_article("CT scan") == "a CT scan"
    assert _with_article("ultrasound") == "an ultrasound"
    assert _with_article("bone scan") == "a bone scan"


def test_a_plural_closing_its_clause_is_a_noun() -> None:
    sentence = "Bending the toes winds the fascia around the metatarsal heads, raising the arch."
    assert not holds_verb(*_at(sentence, "metatarsal heads"))
    assert holds_verb(*_at("Early walking heads off stiffness.", "walking heads off"))


def test_a_named_entrys_verbless_description_lists_by_commas() -> None:
    sentence = "Muscle-related: gluteal strain, deep rotator irritation"
    assert in_enumeration(*_at(sentence, "gluteal strain"))
    prose = "In the scanner’s field, commonly 1.5 or 3 tesla, hydrogen protons line up."
    assert not in_enumeration(*_at(prose, "1.5 or 3 tesla"))


def test_a_thing_named_twice_is_never_its_own_distractor() -> None:
    inventory = Inventory(
        [
            "The back of the patella (kneecap) may be resurfaced.",
            "Suspected avascular necrosis (osteonecrosis) of the femoral head needs MRI.",
            "The tibia and the femur carry the load.",
        ]
    )
    assert inventory.same_thing("kneecap", "patella")
    assert inventory.same_thing("avascular necrosis", "Finds early osteonecrosis")
    assert not inventory.same_thing("patella", "tibia")
    options = inventory.distractors("kneecap", kind=EntityClass.STRUCTURE, shown="", seed="s")
    assert "patella" not in options
