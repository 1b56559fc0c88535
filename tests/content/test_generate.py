"""Invariants of the questions generated from the demo articles."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest

from quizapp.content.article import Article
from quizapp.content.bank import CLOZE, FALSE, TRUE, Bank, Kind, Question, Section
from quizapp.content.bankfile import dump_bank
from quizapp.content.check import check_bank_data
from quizapp.content.generate import generate_bank, question_id
from quizapp.content.parser import parse_article


def _build(text: str, name: str = "article") -> Bank:
    return generate_bank(
        parse_article(text, f"{name}.txt"), bank_id=name, article_file=f"{name}.txt"
    )


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def test_every_kind_and_section_is_generated(built: tuple[Article, Bank]) -> None:
    _, bank = built
    assert {q.kind for q in bank.questions} == set(Kind)
    assert {q.section for q in bank.questions} == set(Section)


def test_mcq_has_the_answer_exactly_once_and_no_duplicate_options(
    built: tuple[Article, Bank],
) -> None:
    _, bank = built
    mcqs = [q for q in bank.questions if q.kind is Kind.MCQ]
    assert mcqs
    for q in mcqs:
        assert q.options.count(q.answer) == 1, q.id
        folded = Counter(_folded(option) for option in q.options)
        assert max(folded.values()) == 1, q.id
        assert 2 <= len(q.options) <= 4, q.id


def test_indication_distractors_come_only_from_the_opposite_list(
    built: tuple[Article, Bank],
) -> None:
    article, bank = built
    assert article.indications and article.contraindications
    uses = {item.text for item in article.indications.items}
    not_ideal = {item.text for item in article.contraindications.items}
    for section, own, other in (
        (Section.INDICATIONS, uses, not_ideal),
        (Section.CONTRAINDICATIONS, not_ideal, uses),
    ):
        mcqs = [q for q in bank.questions if q.section is section and q.kind is Kind.MCQ]
        assert {q.answer for q in mcqs} == own
        for q in mcqs:
            distractors = set(q.options) - {q.answer}
            assert len(distractors) == min(3, len(other)), q.id
            assert distractors <= other, q.id


def test_true_false_statements_match_their_answer(built: tuple[Article, Bank]) -> None:
    _, bank = built
    for q in bank.questions:
        if q.kind is not Kind.TRUE_FALSE:
            continue
        claims_use = "is commonly used in this situation" in q.prompt
        assert claims_use != ("is NOT ideal in this situation" in q.prompt), q.id
        listed_as_use = q.section is Section.INDICATIONS
        assert q.answer == (TRUE if claims_use == listed_as_use else FALSE), q.id
    # Both answers occur, so a learner cannot always say True.
    answers = {q.answer for q in bank.questions if q.kind is Kind.TRUE_FALSE}
    assert answers == {TRUE, FALSE}


def test_every_source_is_verbatim_from_the_article(
    built: tuple[Article, Bank], article_text: tuple[str, str]
) -> None:
    _, text = article_text
    _, bank = built
    for q in bank.questions:
        assert q.source, q.id
        for sentence in q.source:
            assert sentence in text, (q.id, sentence)


def test_cloze_deletes_text_of_its_source(built: tuple[Article, Bank]) -> None:
    _, bank = built
    for q in bank.questions:
        if q.kind is Kind.CLOZE:
            deletions = CLOZE.findall(q.prompt)
            assert len(deletions) == 1, q.id
            assert deletions[0] in q.source[0], q.id


def test_every_prompt_names_the_topic(built: tuple[Article, Bank]) -> None:
    article, bank = built
    for q in bank.questions:
        assert article.topic.casefold() in q.prompt.casefold(), (q.id, q.prompt)


@pytest.mark.parametrize(
    "topic",
    ["Total hip arthroplasty", "Runner’s hip", "MRI of the hip", "SI joint pain", "Hip  pain"],
)
def test_every_prompt_names_another_topic(topic: str, shared_text: str) -> None:
    text = shared_text.replace("Posterior hip pain", topic)
    bank = _build(text)
    assert bank.topic == topic
    for q in bank.questions:
        assert topic.casefold() in q.prompt.casefold(), (q.id, q.prompt)


def test_prompt_names_the_topic_when_a_question_quotes_it_differently(shared_text: str) -> None:
    # The title uses a curly apostrophe, one FAQ question a straight one.
    text = shared_text.replace("Posterior hip pain", "Runner’s hip").replace(
        "Q: Can I drive or work with Runner’s hip?", "Q: Can I drive or work with Runner's hip?"
    )
    bank = _build(text)
    prompts = [q.prompt for q in bank.questions if q.section is Section.FAQ]
    assert "With Runner’s hip, can I drive or work with Runner's hip?" in prompts


def test_faq_prompts_keep_questions_that_name_the_topic(shared_text: str) -> None:
    bank = _build(shared_text)
    prompts = [q.prompt for q in bank.questions if q.section is Section.FAQ]
    assert "Is Posterior hip pain always coming from the hip joint?" in prompts
    assert "With posterior hip pain, what is the usual recovery time?" in prompts


def test_generation_is_deterministic(article_text: tuple[str, str]) -> None:
    name, text = article_text
    assert dump_bank(_build(text, name)) == dump_bank(_build(text, name))


def test_ids_are_unique(built: tuple[Article, Bank]) -> None:
    _, bank = built
    ids = Counter(q.id for q in bank.questions)
    assert [qid for qid, count in ids.items() if count > 1] == []


def test_ids_are_readable(shared_text: str) -> None:
    bank = _build(shared_text)
    ids = {q.id for q in bank.questions}
    assert "faq-basic-what-is-the-usual-recovery-time" in ids
    assert question_id(Section.FAQ, Kind.BASIC, "What is the usual recovery time?") in ids
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", qid) for qid in ids)


def test_repeated_entries_get_distinct_ids(shared_text: str) -> None:
    bullet = "- Pain after a fall, twist, or sports-related strain involving the hip or pelvis"
    bank = _build(shared_text.replace(bullet, f"{bullet}\n{bullet}"))
    ids = [q.id for q in bank.questions]
    assert len(ids) == len(set(ids))


def test_generated_banks_pass_the_check(
    built: tuple[Article, Bank], article_text: tuple[str, str]
) -> None:
    name, text = article_text
    _, bank = built
    assert check_bank_data(bank.to_dict(), file=f"{name}.yaml", article_text=text) == []


def _by_id(bank: Bank) -> dict[str, Question]:
    return {q.id: q for q in bank.questions}


def test_editing_a_faq_answer_changes_only_that_question(shared_text: str) -> None:
    old_answer = (
        "Not always. Many presentations are initially evaluated clinically, and imaging is "
        "selected when it is likely to change management or clarify uncertainty."
    )
    new_answer = "Usually not. Most presentations are first evaluated clinically."
    assert old_answer in shared_text
    before = _build(shared_text)
    after = _build(shared_text.replace(old_answer, new_answer))

    assert [q.id for q in after.questions] == [q.id for q in before.questions]
    changed = [qid for qid, q in _by_id(after).items() if q != _by_id(before)[qid]]
    assert changed == ["faq-basic-does-posterior-hip-pain-always-require-imaging"]
    assert _by_id(after)[changed[0]].answer == new_answer


def test_editing_an_indication_changes_only_the_ids_built_from_it(shared_text: str) -> None:
    old = "Pain after a fall, twist, or sports-related strain involving the hip or pelvis"
    new = "Pain after a fall or sports-related strain involving the hip or pelvis"
    before = _build(shared_text)
    after = _build(shared_text.replace(f"- {old}", f"- {new}"))

    built_from_old = [q.id for q in before.questions if q.source == (old,)]
    built_from_new = [q.id for q in after.questions if q.source == (new,)]
    assert len(built_from_old) == len(built_from_new) == 2
    assert {q.kind for q in before.questions if q.source == (old,)} == {Kind.MCQ, Kind.TRUE_FALSE}

    before_ids = [q.id for q in before.questions]
    after_ids = [q.id for q in after.questions]
    assert set(before_ids) - set(after_ids) == set(built_from_old)
    assert set(after_ids) - set(before_ids) == set(built_from_new)
    assert [i for i in before_ids if i not in built_from_old] == [
        i for i in after_ids if i not in built_from_new
    ]
    # Elsewhere only the options of contraindication MCQs offering the bullet can change.
    for qid, q in _by_id(after).items():
        if qid in built_from_new:
            continue
        old_q = _by_id(before)[qid]
        if q != old_q:
            assert q.section is Section.CONTRAINDICATIONS and q.kind is Kind.MCQ, qid
            assert old in old_q.options or new in q.options, qid
            assert q.options != old_q.options and q == replace(old_q, options=q.options), qid


def test_repeated_term_is_matched_once(shared_text: str) -> None:
    term = next(line for line in shared_text.split("\n") if line.startswith("- Referred pain. "))
    text = shared_text.replace(term, f"{term}\n{term}")
    bank = _build(text)
    matching = [q for q in bank.questions if q.id == "mechanism-matching-key-pain-mechanisms-terms"]
    assert [pair.left for pair in matching[0].pairs] == [
        "Local tissue pain (nociceptive pain)",
        "Referred pain",
        "Nerve-related pain",
    ]
    assert check_bank_data(bank.to_dict(), file="bank.yaml", article_text=text) == []


def test_repeated_step_name_leaves_out_the_ordering_question(shared_text: str) -> None:
    text = shared_text.replace("Immediate checks – ", "Follow-up – ")
    bank = _build(text)
    assert [q for q in bank.questions if q.kind is Kind.ORDERING] == []
    procedure_mcqs = [q for q in bank.questions if q.section is Section.PROCEDURE]
    assert procedure_mcqs and all(q.options.count("Follow-up") <= 1 for q in procedure_mcqs)
    assert any(q.answer == "Follow-up" for q in procedure_mcqs)
    assert check_bank_data(bank.to_dict(), file="bank.yaml", article_text=text) == []


def test_multi_paragraph_answer_is_kept_in_the_explanation(shared_text: str) -> None:
    question = "Q: What is the usual recovery time?"
    second = "Follow-up visits help a clinician judge whether recovery is on track."
    lines = shared_text.split("\n")
    first = lines[lines.index(question) + 1]
    text = shared_text.replace(f"{question}\n{first}\n", f"{question}\n{first}\n{second}\n")
    bank = _build(text)

    q = _by_id(bank)["faq-basic-what-is-the-usual-recovery-time"]
    assert q.answer == (
        "There is no single timeline because Posterior hip pain can come from many different "
        "conditions."
    )
    assert q.explanation == f"{first}\n\n{second}"
    assert q.source == (question[3:], first, second)
    assert check_bank_data(bank.to_dict(), file="bank.yaml", article_text=text) == []
    assert f"  explanation: |-\n    {first}\n\n    {second}\n" in dump_bank(bank)
