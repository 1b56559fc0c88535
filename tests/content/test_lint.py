"""The item-writing lint: each rule on an item that breaks it, and none on a sound item."""

from __future__ import annotations

import pytest

from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.content.lint import Severity, lint_bank, lint_question

SOUND_MCQ = Question(
    id="q",
    kind=Kind.MCQ,
    section=Section.TYPES,
    prompt="Which type of hip MRI injects contrast into the joint?",
    options=("Direct MR arthrogram", "Indirect MR arthrogram", "Standard MRI"),
    answer="Direct MR arthrogram",
    source=("Direct MR arthrogram: contrast injected into the joint",),
)


def _rules(question: Question) -> set[str]:
    return {finding.rule for finding in lint_question(question)}


def test_a_sound_item_has_no_findings() -> None:
    assert lint_question(SOUND_MCQ) == []


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (
            {
                "options": ("A much longer correct option than the rest", "Short", "Brief"),
                "answer": "A much longer correct option than the rest",
            },
            "longest-answer",
        ),
        (
            {"options": ("No", "A longer distractor here", "Another distractor"), "answer": "No"},
            "shortest-answer",
        ),
        (
            {
                "options": ("direct arthrogram", "Indirect arthrogram", "Standard scan"),
                "answer": "direct arthrogram",
            },
            "capitalisation-cue",
        ),
        ({"prompt": "Which of these is NOT a type of hip MRI?"}, "negation"),
        ({"options": (*SOUND_MCQ.options[:2], "All of the above")}, "all-none-of-the-above"),
        ({"prompt": "Which type listed under this point injects contrast?"}, "outside-reference"),
        ({"prompt": "Which type is the direct MR arthrogram?"}, "answer-in-stem"),
        ({"prompt": "Which direct injection puts contrast into the joint?"}, "answer-in-stem"),
        ({"prompt": "A scan that injects contrast into the joint is an"}, "grammar-cue"),
        (
            {"options": ("Direct MR arthrogram", "30 to 45 minutes", "Standard MRI")},
            "mixed-options",
        ),
    ],
)
def test_each_rule_finds_its_flaw(change: dict[str, object], rule: str) -> None:
    flawed = Question(**{**SOUND_MCQ.__dict__, **change})  # type: ignore[arg-type]
    assert rule in _rules(flawed)


def test_a_negated_true_or_false_statement() -> None:
    statement = Question(
        id="t",
        kind=Kind.TRUE_FALSE,
        section=Section.INDICATIONS,
        prompt="True or false? Hip MRI is not ideal with a pacemaker.",
        answer="True",
        source=("x",),
    )
    assert "negation" in _rules(statement)


@pytest.mark.parametrize(
    ("prompt", "rule"),
    [
        ("Hip MRI: {{c1::It}} is painless.", "cloze-stopword"),
        (
            "Why hip MRI helps: {{c1::Correction of shape problems}}. Bony reshaping helps.",
            "cloze-label",
        ),
        (
            "Hip MRI shows a {{c1::labral tear}} better than the labral tear on X-ray.",
            "answer-in-stem",
        ),
    ],
)
def test_cloze_flaws(prompt: str, rule: str) -> None:
    cloze = Question(
        id="c",
        kind=Kind.CLOZE,
        section=Section.PURPOSE,
        prompt=prompt,
        source=("Correction of shape problems. Bony reshaping helps.",),
    )
    assert rule in _rules(cloze)


def test_a_technical_name_may_be_deleted() -> None:
    cloze = Question(
        id="c",
        kind=Kind.CLOZE,
        section=Section.TYPES,
        prompt="Types of pain: {{c1::Subacute/chronic}}: persistent symptoms over weeks.",
        source=("Subacute/chronic: persistent symptoms over weeks",),
    )
    assert lint_question(cloze) == []


def test_a_fact_asked_more_than_twice() -> None:
    asked = [
        Question(
            id=f"q{n}",
            kind=Kind.BASIC,
            section=Section.FAQ,
            prompt=f"Hip MRI question {n}?",
            answer="Some answer here",
            source=("x",),
            fact="faq-1",
        )
        for n in range(3)
    ]
    findings = lint_bank(Bank(id="b", topic="Hip MRI", article="a.txt", questions=tuple(asked)))
    assert {f.rule for f in findings} == {"fact-asked-too-often"}
    assert all(f.severity is Severity.ERROR for f in findings)
