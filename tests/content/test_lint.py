"""The item-writing lint: each rule on an item that breaks it, and none on a sound item."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.content.lint import BLANK, Severity, lint_bank, lint_question

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
            {
                "options": ("No", "A longer distractor written out here", "Another distractor"),
                "answer": "No",
            },
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
        prompt="Types of back pain: {{c1::Radiculopathy}}: a pinched nerve root causes leg pain.",
        source=("Radiculopathy: a pinched nerve root causes leg pain.",),
    )
    assert lint_question(cloze) == []


@pytest.mark.parametrize(
    "prompt",
    [
        "Knee replacement: Hyaluronic acid and other {{c1::injectables}} have mixed evidence.",
        "Hip pain: some hip problems can be {{c1::felt posteriorly}} in the buttock.",
        "Hip pain: injections may be used {{c1::diagnostically}} in selected cases.",
    ],
)
def test_a_cloze_asks_only_a_term_one_could_recall(prompt: str) -> None:
    cloze = Question(id="c", kind=Kind.CLOZE, section=Section.PURPOSE, prompt=prompt, source=("x",))
    assert _rules(cloze) & {"cloze-common-term", "everyday-term"}


@pytest.mark.parametrize(
    "prompt",
    [
        "Hip MRI: fluid signal shows {{c1::bone marrow edema}} (excess fluid in bone) early.",
        "Knee replacement: the leg may drift into a knock-kneed ({{c1::valgus}}) position.",
    ],
)
def test_a_bracket_beside_the_gap_glosses_it(prompt: str) -> None:
    cloze = Question(id="c", kind=Kind.CLOZE, section=Section.PURPOSE, prompt=prompt, source=("x",))
    assert "gloss-cue" in _rules(cloze)


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


def _completion(statement: str, answer: str, options: tuple[str, ...]) -> Question:
    return Question(
        id="m",
        kind=Kind.MCQ,
        section=Section.MECHANISM,
        prompt=f"Posterior hip pain, anatomy: “{statement}” Which structure completes it?",
        options=options,
        answer=answer,
        source=(statement.replace(BLANK, answer),),
    )


STRUCTURES = ("sciatic nerve", "greater trochanter", "lumbar spine")


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        (
            _completion(
                "The hamstrings originate at the […] near the sit bone.",
                "ischial tuberosity",
                ("ischial tuberosity", *STRUCTURES),
            ),
            None,
        ),
        (
            _completion(
                "These joints refer pain to the […] in most people.",
                "ischial tuberosity",
                ("ischial tuberosity", *STRUCTURES),
            ),
            "unresolved-reference",
        ),
        (
            _completion(
                "Pain can be […] when the joint is irritated.",
                "felt deeply",
                ("felt deeply", "seen clearly", "heard loudly", "noted often"),
            ),
            "everyday-term",
        ),
        (
            _completion(
                "Pain may come from the […] in some cases.",
                "sacroiliac joint or lumbar spine",
                ("sacroiliac joint or lumbar spine", *STRUCTURES),
            ),
            "paired-deletion",
        ),
        (
            _completion(
                "Imaging may look at the femoral head, the […], or the pelvis.",
                "ischial tuberosity",
                ("ischial tuberosity", *STRUCTURES),
            ),
            "enumeration-member",
        ),
        (
            _completion(
                "The hamstrings originate at the […] near the sit bone.",
                "ischial tuberosity",
                ("ischial tuberosity", "sciatic nerve", "greater trochanter", "MRI"),
            ),
            "implausible-distractor",
        ),
        (
            _completion(
                "The hamstrings originate at the […] near the sit bone.",
                "ischial tuberosity",
                ("ischial tuberosity", "always the sciatic nerve", *STRUCTURES[1:]),
            ),
            "absolute-distractor",
        ),
        (
            _completion(
                "The sciatic nerve runs near the […] of the pelvis.",
                "ischial tuberosity",
                ("ischial tuberosity", *STRUCTURES),
            ),
            "two-answers",
        ),
        (
            _completion(
                "A bursa lies over an […] at the hip.",
                "ischial tuberosity",
                ("ischial tuberosity", *STRUCTURES),
            ),
            "grammar-cue",
        ),
        (
            _completion(
                "Proximal hamstring tendon. The […] originate at the ischial tuberosity.",
                "hamstrings",
                ("hamstrings", "adductors", "gluteal muscles", "piriformis"),
            ),
            "name-cue",
        ),
        (
            _completion(
                "The medial (MCL) and lateral (LCL) […] give side-to-side stability.",
                "collateral ligaments",
                ("collateral ligaments", "cruciate ligaments", "patellar tendon", "menisci"),
            ),
            "abbreviation-cue",
        ),
        (
            _completion(
                "Whether any […] cause drowsiness matters before driving.",
                "medicines",
                ("medicines", "arthroscopy", "osteotomy", "rehabilitation"),
            ),
            "grammar-cue",
        ),
        (
            _completion(
                "The […] and other injectables have more variable evidence.",
                "hyaluronic acid",
                ("hyaluronic acid", "corticosteroid", "paracetamol", "naproxen"),
            ),
            "open-example",
        ),
        (
            Question(
                id="q",
                kind=Kind.MCQ,
                section=Section.AFTERCARE,
                prompt="Hip pain, outlook: “Relief is often temporary, lasting weeks to […].” "
                "Which figure completes the statement?",
                options=("a few months", "a few years", "a few weeks", "a few days"),
                answer="a few months",
                source=("Relief is often temporary, lasting weeks to a few months.",),
            ),
            "half-range",
        ),
    ],
)
def test_statement_rules(question: Question, rule: str | None) -> None:
    rules = {finding.rule for finding in lint_question(question, topic_kind="symptom")}
    assert rules == set() if rule is None else rule in rules


def test_a_matching_description_that_repeats_its_own_name() -> None:
    pairs = (
        Pair("Used to look for reactions to metal debris", "Metal artifact reduction"),
        Pair("Images arranged around the femoral neck", "Radial sequences"),
        Pair("Tools for judging cartilage quality", "Mapping sequences"),
    )
    question = Question(
        id="m",
        kind=Kind.MATCHING,
        section=Section.TYPES,
        prompt="Types of hip MRI: match each description to its name.",
        pairs=pairs,
        source=("x",),
    )
    findings = [f for f in lint_question(question) if f.rule == "pair-cue"]
    assert [f.message for f in findings] == [
        "a description repeats a word of 'Metal artifact reduction'"
    ]


def test_a_cloze_of_one_example_among_many() -> None:
    question = Question(
        id="c",
        kind=Kind.CLOZE,
        section=Section.PROCEDURE,
        prompt="Hip MRI: Provocation tests such as {{c1::FADIR}} help focus the request.",
        source=("Provocation tests such as FADIR help focus the request.",),
    )
    assert "open-example" in _rules_for(question, "test")


def test_a_statement_about_the_label_itself() -> None:
    question = Question(
        id="c",
        kind=Kind.CLOZE,
        section=Section.INTRODUCTION,
        prompt="Posterior hip pain: It is a {{c1::location-based}} description, not a diagnosis.",
        source=("It is a location-based description, not a diagnosis.",),
    )
    assert "about-the-label" in _rules_for(question, "symptom")
    assert "about-the-label" not in _rules_for(question, "procedure")


def test_a_frame_wrong_for_the_kind_of_topic() -> None:
    question = replace(SOUND_MCQ, prompt="Which is an advantage of knee effusion?")
    assert "wrong-frame" in _rules_for(question, "finding")
    assert "wrong-frame" not in _rules_for(question, "test")


def test_a_verbless_fragment_and_a_dangling_label() -> None:
    fragment = Question(
        id="c",
        kind=Kind.CLOZE,
        section=Section.PROCEDURE,
        prompt="Evaluating hip pain, examination: {{c1::Palpation}} of relevant areas",
        source=("Palpation of relevant areas",),
    )
    assert "verbless-fragment" in _rules_for(fragment, None)


def test_convergence_and_catch_all_options() -> None:
    converging = replace(
        SOUND_MCQ,
        options=("Direct MR arthrogram", "Direct scan", "MR arthrogram", "Standard MRI"),
    )
    assert "convergence-cue" in _rules_for(converging, None)
    catch_all = replace(SOUND_MCQ, options=(*SOUND_MCQ.options[:2], "Both of them"))
    assert "all-none-of-the-above" in _rules_for(catch_all, None)


def test_a_prompt_that_does_not_name_its_topic() -> None:
    lost = replace(SOUND_MCQ, prompt="Which type injects contrast into the joint?")
    bank = Bank(id="b", topic="Hip MRI", article="a.txt", questions=(lost,))
    assert "not-self-contained" in {finding.rule for finding in lint_bank(bank)}


def _rules_for(question: Question, kind: str | None) -> set[str]:
    return {finding.rule for finding in lint_question(question, topic_kind=kind)}


@pytest.mark.parametrize(
    ("statement", "members", "is_open"),
    [
        (
            "Dysplasia, impingement, or prior injury can affect joint loading.",
            "Dysplasia, impingement, or prior injury",
            True,
        ),
        ("Imaging may include X-ray, ultrasound, and MRI.", "X-ray, ultrasound, and MRI", True),
        (
            "The quadriceps tendon, the patella, and the patellar tendon straighten the knee.",
            "quadriceps tendon, the patella, and the patellar tendon",
            False,
        ),
    ],
)
def test_a_list_asked_whole_must_be_closed(statement: str, members: str, is_open: bool) -> None:
    question = Question(
        id="l",
        kind=Kind.BASIC,
        section=Section.MECHANISM,
        prompt=f"Knee: “{statement.replace(members, BLANK)}” Name the three that complete it.",
        answer=members,
        source=(statement,),
    )
    assert ("open-list" in _rules(question)) is is_open


@pytest.mark.parametrize(
    ("prompt", "flagged"),
    [
        (
            "Hip: {{c1::Acute strains}} may improve quickly, while tendon problems take longer.",
            True,
        ),
        (
            "Hip: While many {{c1::intra-articular problems}} present as groin pain, some do not.",
            True,
        ),
        ("Knee: The {{c1::anterior cruciate ligament}} is removed, while the PCL is kept.", False),
        ("Hip pain: The {{c1::hamstrings}} originate at the ischial tuberosity.", False),
    ],
)
def test_a_cloze_of_one_side_of_a_contrast(prompt: str, flagged: bool) -> None:
    cloze = Question(
        id="c", kind=Kind.CLOZE, section=Section.MECHANISM, prompt=prompt, source=("x",)
    )
    assert ("contrast-subject" in _rules(cloze)) is flagged
