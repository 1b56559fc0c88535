"""What the generator asks of the demo articles: clinical content, once or twice a fact."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from quizapp.content.article import Article
from quizapp.content.bank import CLOZE, Bank, Kind, Question, Section
from quizapp.content.bankfile import dump_bank
from quizapp.content.check import check_bank_data
from quizapp.content.entities import (
    classify,
    in_enumeration,
    is_quantity,
    is_rare_term,
    quantity_distractors,
)
from quizapp.content.generate import MAX_QUESTIONS, generate_bank, question_id
from quizapp.content.lint import BLANK, asked, lint_bank
from quizapp.content.parser import parse_article
from quizapp.content.text import normalise
from quizapp.content.topic import TopicKind

# Stems that ask where a sentence sits in the article rather than what it says.
LAYOUT = re.compile(
    r"which (grouping|comparison|step|group|heading|category)|compared with\?|pro or a con|"
    r"put the steps|listed (in|under)|in the article|this point",
    re.IGNORECASE,
)


def _build(text: str, name: str = "article", kind: TopicKind | None = None) -> Bank:
    return generate_bank(
        parse_article(text, f"{name}.txt"),
        bank_id=name,
        article_file=f"{name}.txt",
        topic_kind=kind,
    )


def _by_id(bank: Bank) -> dict[str, Question]:
    return {q.id: q for q in bank.questions}


def test_questions_ask_content_not_layout(built: tuple[Article, Bank]) -> None:
    _, bank = built
    assert {q.kind for q in bank.questions} <= {Kind.BASIC, Kind.MCQ, Kind.CLOZE, Kind.MATCHING}
    assert [q.prompt for q in bank.questions if LAYOUT.search(q.prompt)] == []


def test_a_bank_is_shaped_like_a_written_one(built: tuple[Article, Bank]) -> None:
    """Mostly single-best-answer questions of four options; clozes only of named terms."""
    _, bank = built
    kinds = Counter(q.kind for q in bank.questions)
    assert kinds[Kind.MATCHING] >= 1
    for q in bank.questions:
        if q.kind is Kind.CLOZE:
            (deletion,) = CLOZE.findall(q.prompt)
            assert is_rare_term(deletion), q.id
    for q in bank.questions:
        if q.kind is Kind.MCQ:
            assert len(q.options) == 4, q.id


def test_every_section_of_the_article_is_asked(built: tuple[Article, Bank]) -> None:
    article, bank = built
    present = {Section.INTRODUCTION, Section.FAQ} | {
        section for section in Section if getattr(article, section.value, None) is not None
    }
    # A procedure overview of a symptom's work-up may hold nothing worth asking, nor
    # the strengths and limitations of a symptom's label, nor why clinicians use the
    # label, nor its outlook, which is that of whatever causes it.
    optional = {Section.PROCEDURE, Section.PROS_CONS}
    if bank.topic_kind == "symptom":
        optional |= {Section.AFTERCARE, Section.PURPOSE}
    assert present - {q.section for q in bank.questions} <= optional


CARDS = Path(__file__).resolve().parents[2] / "cards"
UNSEEN = Path(__file__).resolve().parents[1] / "data" / "unseen"
ALL_ARTICLES = [
    pytest.param(
        path,
        id=path.stem,
        marks=pytest.mark.xfail(
            strict=True,
            reason="this symptom article says little but about its own label: under 40 fair items",
        )
        if path.stem == "posterior-hip-pain"
        else (),
    )
    for path in [*sorted(CARDS.glob("*.txt")), *sorted(UNSEEN.glob("*.txt"))]
]


@pytest.mark.parametrize("path", ALL_ARTICLES)
def test_a_bank_is_shaped_like_one_a_person_wrote(path: Path) -> None:
    """40 to 70 items, mostly single best answer, on every article, seen or not."""
    bank = _build(path.read_text(encoding="utf-8"), path.stem)
    kinds = Counter(q.kind for q in bank.questions)
    assert 40 <= len(bank.questions) <= MAX_QUESTIONS
    assert kinds[Kind.MCQ] >= 0.4 * len(bank.questions)


def test_a_fact_is_asked_at_most_twice_and_then_another_way(
    built: tuple[Article, Bank],
) -> None:
    _, bank = built
    siblings: dict[str, list[str]] = defaultdict(list)
    for q in bank.questions:
        assert q.fact, q.id
        siblings[q.fact].append(q.prompt)
    for fact, prompts in siblings.items():
        assert len(prompts) <= 2 and len(set(prompts)) == len(prompts), (fact, prompts)


def test_generated_banks_lint_clean(built: tuple[Article, Bank]) -> None:
    _, bank = built
    assert [str(finding) for finding in lint_bank(bank)] == []


def test_mcq_options_are_one_answer_among_things_of_its_class(
    built: tuple[Article, Bank],
) -> None:
    """A completion's options are all structures, all tests, or all quantities; a
    situation question's are all entries of the article's own lists."""
    article, bank = built
    entries = {
        normalise(item.text)
        for part in (article.indications, article.contraindications)
        if part
        for item in part.items
    }
    for q in (q for q in bank.questions if q.kind is Kind.MCQ):
        assert q.options.count(q.answer) == 1, q.id
        assert len({normalise(option) for option in q.options}) == len(q.options), q.id
        if BLANK in q.prompt:
            classes = {classify(option) for option in q.options}
            quantities = {is_quantity(option) for option in q.options}
            assert len(classes) == 1 or quantities == {True}, (q.id, q.options)
        if q.section in (Section.INDICATIONS, Section.CONTRAINDICATIONS) and BLANK not in q.prompt:
            for option in q.options:
                # A consequence drops its entry's 'which': 'It more often suggests …'.
                said = normalise(option.rstrip(".").removeprefix("It "))
                assert any(said in entry for entry in entries), option


def test_every_source_is_verbatim_from_the_article(
    built: tuple[Article, Bank], article_text: tuple[str, str]
) -> None:
    _, text = article_text
    _, bank = built
    for q in bank.questions:
        assert q.source, q.id
        for sentence in q.source:
            assert sentence in text, (q.id, sentence)


def test_cloze_deletes_one_term_of_its_source(built: tuple[Article, Bank]) -> None:
    _, bank = built
    for q in (q for q in bank.questions if q.kind is Kind.CLOZE):
        deletions = CLOZE.findall(q.prompt)
        assert len(deletions) == 1, q.id
        assert any(normalise(deletions[0]) in normalise(source) for source in q.source), q.id
        assert len(deletions[0].split()) <= 6, q.id


def test_every_prompt_names_the_topic(built: tuple[Article, Bank]) -> None:
    article, bank = built
    for q in bank.questions:
        assert article.topic.casefold() in q.prompt.casefold(), (q.id, q.prompt)


def test_no_item_asks_one_member_of_a_list(built: tuple[Article, Bank]) -> None:
    _, bank = built
    for q in bank.questions:
        found = asked(q)
        if found and found[1] and q.kind is not Kind.BASIC:
            text, _, start, end = found
            assert not in_enumeration(text, start, end), q.id


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("posterior-hip-pain", TopicKind.SYMPTOM),
        ("hip-osteoarthritis", TopicKind.CONDITION),
        ("hip-mri", TopicKind.TEST),
        ("total-knee-replacement", TopicKind.PROCEDURE),
    ],
)
def test_the_topic_kind_is_read_from_the_article(name: str, kind: TopicKind, cards_dir) -> None:
    bank = _build((cards_dir / f"{name}.txt").read_text(encoding="utf-8"), name)
    assert bank.topic_kind == kind.value


def test_stems_speak_of_the_topic_as_what_it_is(shared_text: str) -> None:
    symptom = _build(shared_text)
    procedure = _build(shared_text, kind=TopicKind.PROCEDURE)
    assert procedure.topic_kind == "procedure"
    symptom_prompts = " ".join(q.prompt for q in symptom.questions)
    procedure_prompts = " ".join(q.prompt for q in procedure.questions)
    assert "typically described as posterior hip pain" in symptom_prompts
    assert "a typical candidate for posterior hip pain" in procedure_prompts
    assert "candidate for" not in symptom_prompts
    assert "advantage of" in procedure_prompts and "advantage of" not in symptom_prompts


def test_a_use_of_a_label_is_not_keyed_as_a_presentation(shared_text: str) -> None:
    symptom = _build(shared_text)
    procedure = _build(shared_text, kind=TopicKind.PROCEDURE)

    def keyed(bank: Bank) -> set[str]:
        return {q.answer for q in bank.questions if q.section is Section.INDICATIONS}

    use = next(a for a in keyed(procedure) if a.startswith("Follow-up documentation"))
    assert use not in keyed(symptom)
    assert any(a.startswith("Buttock or deep gluteal pain") for a in keyed(symptom))


def test_a_contraindication_that_says_what_follows_is_asked_as_a_scenario(
    second_text: str,
) -> None:
    bank = _build(second_text)
    scenario = next(
        q
        for q in bank.questions
        if q.section is Section.CONTRAINDICATIONS
        and q.prompt.startswith("Buttock-dominant pain spreading below the knee")
    )
    assert scenario.answer.startswith("It may point toward the lumbar spine")
    assert "lumbar spine" not in scenario.prompt
    # Its options are what the other contraindications lead to.
    assert scenario.kind is Kind.MCQ
    assert any(option.startswith("Gluteal tendon problems") for option in scenario.options)


def test_what_follows_for_a_label_is_not_asked(shared_text: str) -> None:
    bank = _build(shared_text)
    answers = [q.answer for q in bank.questions]
    assert not any("hip-based labeling" in answer for answer in answers)


def test_a_figure_is_asked_among_figures(built: tuple[Article, Bank]) -> None:
    _, bank = built
    for q in bank.questions:
        if q.kind is Kind.MCQ and is_quantity(q.answer):
            assert all(is_quantity(option) for option in q.options), q.options


@pytest.mark.parametrize(
    ("answer", "options"),
    [
        ("weeks to months", {"days to weeks", "months to years", "hours to days"}),
        (
            "weeks to a few months",
            {"days to a few weeks", "months to a few years", "hours to a few days"},
        ),
        ("four to six weeks", {"two to three weeks", "four to six days", "two to three days"}),
        ("a day or two", {"an hour or two", "a week or two", "a month or two"}),
    ],
)
def test_figures_vary_in_a_grid_around_no_centre(answer: str, options: set[str]) -> None:
    assert set(quantity_distractors(answer, seed="s")) == options


def test_generation_is_deterministic(article_text: tuple[str, str]) -> None:
    name, text = article_text
    assert dump_bank(_build(text, name)) == dump_bank(_build(text, name))


def test_ids_are_unique_and_readable(built: tuple[Article, Bank]) -> None:
    _, bank = built
    ids = Counter(q.id for q in bank.questions)
    assert [qid for qid, count in ids.items() if count > 1] == []
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", qid) for qid in ids)


def test_faq_ids_come_from_the_question(shared_text: str) -> None:
    ids = {q.id for q in _build(shared_text).questions}
    assert question_id(Section.FAQ, Kind.BASIC, "Why does it hurt more when sitting?") in ids


def test_an_faq_answer_that_says_it_has_none_is_not_asked(shared_text: str) -> None:
    """'There is no single timeline …' gives a learner nothing to recall."""
    ids = {q.id for q in _build(shared_text).questions}
    assert question_id(Section.FAQ, Kind.BASIC, "What is the usual recovery time?") not in ids
    assert question_id(Section.FAQ, Kind.BASIC, "Why does it hurt more when sitting?") in ids


def test_an_faq_answer_that_qualifies_itself_is_not_a_self_graded_card(second_text: str) -> None:
    """'… may ease joint load, although the link appears weaker …' cannot be checked."""
    ids = {q.id for q in _build(second_text).questions}
    assert question_id(Section.FAQ, Kind.BASIC, "Can losing weight help my hip?") not in ids
    assert question_id(Section.FAQ, Kind.BASIC, "When is hip replacement considered?") in ids


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


def test_editing_a_faq_answer_changes_only_its_questions(shared_text: str) -> None:
    old_answer = (
        "Not always. Many presentations are initially evaluated clinically, and imaging is "
        "selected when it is likely to change management or clarify uncertainty."
    )
    new_answer = "Usually not. Most presentations are first evaluated clinically."
    assert old_answer in shared_text
    before = _by_id(_build(shared_text))
    after = _by_id(_build(shared_text.replace(old_answer, new_answer)))

    changed = {qid for qid in before.keys() & after.keys() if before[qid] != after[qid]}
    assert changed | (before.keys() ^ after.keys()) <= {
        qid for qid, q in (before | after).items() if q.section is Section.FAQ
    }
    faq = "faq-basic-does-posterior-hip-pain-always-require-imaging"
    assert after[faq].answer == new_answer


def test_editing_one_entry_keeps_every_other_question(shared_text: str) -> None:
    """Other questions keep their IDs, prompts and answers; a situation question that
    draws its distractors from the edited list may draw others."""
    old = "Pain after a fall, twist, or sports-related strain involving the hip or pelvis"
    new = "Pain after a fall or sports-related strain involving the hip or pelvis"
    before = _by_id(_build(shared_text))
    after = _by_id(_build(shared_text.replace(f"- {old}", f"- {new}")))
    touched = {qid for qid, q in (before | after).items() if q.source in ((old,), (new,))}
    assert (before.keys() ^ after.keys()) <= touched
    for qid in before.keys() & after.keys() - touched:
        was, now = before[qid], after[qid]
        assert (was.prompt, was.answer, was.source) == (now.prompt, now.answer, now.source), qid
        if was.options != now.options:
            assert was.section in (Section.INDICATIONS, Section.CONTRAINDICATIONS), qid


def test_a_typo_fixed_late_in_a_sentence_keeps_its_question_id(shared_text: str) -> None:
    asked = next(q for q in _build(shared_text).questions if q.section is Section.CONTRAINDICATIONS)
    (old,) = asked.source
    first, last = old.rsplit(" ", 1)
    new = f"{first} also {last}"
    after = {q.id for q in _build(shared_text.replace(old, new)).questions if q.source == (new,)}
    assert asked.id in after


def test_long_faq_answers_keep_every_paragraph(shared_text: str) -> None:
    question = "Q: How do clinicians figure out the cause of Posterior hip pain?"
    second = "Follow-up visits help a clinician judge whether the working diagnosis holds."
    lines = shared_text.split("\n")
    first = lines[lines.index(question) + 1]
    text = shared_text.replace(f"{question}\n{first}\n", f"{question}\n{first}\n{second}\n")
    bank = _build(text)

    q = _by_id(bank)[question_id(Section.FAQ, Kind.BASIC, question[3:])]
    assert q.explanation == f"{first}\n\n{second}"
    assert q.source == (question[3:], first, second)
    assert check_bank_data(bank.to_dict(), file="bank.yaml", article_text=text) == []
