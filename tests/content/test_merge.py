"""The loading rules, without a database: three-way by ID, and regeneration by source."""

from __future__ import annotations

from dataclasses import replace

from quizapp.content.bank import Kind, Question, Section
from quizapp.content.merge import Action, Stored, plan, question_hash

ONE = Question(
    id="intro-basic-one",
    kind=Kind.BASIC,
    section=Section.INTRODUCTION,
    prompt="What does the hip join?",
    answer="The pelvis to the thigh bone.",
    source=("The hip joins the pelvis to the thigh bone.",),
)
TWO = Question(
    id="types-basic-two",
    kind=Kind.BASIC,
    section=Section.TYPES,
    prompt="What kind of joint is the hip?",
    answer="Ball and socket.",
    source=("The hip is a ball-and-socket joint.",),
)


def stored(question: Question, *, edit: dict | None = None, retired: bool = False) -> Stored:
    """A stored question loaded from `question`, then edited on the site with `edit`."""
    base = question.to_dict()
    return Stored(question.id, {**base, **(edit or {})}, question_hash(base), retired)


def actions(decisions):
    return [(d.action, d.key) for d in decisions]


def test_the_same_file_again_changes_nothing():
    assert actions(plan([stored(ONE), stored(TWO)], [ONE, TWO])) == [
        (Action.UNCHANGED, ONE.id),
        (Action.UNCHANGED, TWO.id),
    ]


def test_a_question_only_the_changed_date_differs_in_is_unchanged():
    from datetime import UTC, datetime

    dated = replace(ONE, changed=datetime(2026, 1, 1, tzinfo=UTC))
    assert actions(plan([stored(ONE)], [dated])) == [(Action.UNCHANGED, ONE.id)]


def test_an_unedited_question_takes_the_files_version():
    changed = replace(ONE, answer="The pelvis to the femur.")
    assert actions(plan([stored(ONE)], [changed])) == [(Action.TAKE, ONE.id)]


def test_a_site_edit_stays_while_the_file_is_unchanged():
    edited = stored(ONE, edit={"answer": "Pelvis and femur."})
    assert actions(plan([edited], [ONE])) == [(Action.KEEP, ONE.id)]


def test_changed_on_both_sides_is_a_conflict_naming_the_fields():
    edited = stored(ONE, edit={"answer": "Pelvis and femur."})
    changed = replace(ONE, prompt="Which bones does the hip join?", answer="Pelvis, femur.")
    [decision] = plan([edited], [changed])
    assert decision.action is Action.CONFLICT
    assert decision.differs == ("answer", "prompt")
    assert "answer, prompt" in decision.describe()


def test_both_sides_making_the_same_change_agree():
    edited = stored(ONE, edit={"answer": "Pelvis and femur."})
    assert actions(plan([edited], [replace(ONE, answer="Pelvis and femur.")])) == [
        (Action.UNCHANGED, ONE.id)
    ]


def test_no_recorded_base_counts_the_stored_content_as_the_base():
    old = Stored(ONE.id, ONE.to_dict(), None)
    assert actions(plan([old], [replace(ONE, answer="New.")])) == [(Action.TAKE, ONE.id)]


def test_missing_questions_are_retired_and_new_ones_added():
    assert actions(plan([stored(ONE)], [TWO])) == [(Action.ADD, TWO.id), (Action.RETIRE, ONE.id)]
    assert actions(plan([stored(ONE, retired=True)], [TWO])) == [(Action.ADD, TWO.id)]


def test_regenerating_keeps_an_edit_whose_sources_did_not_change():
    edited = stored(ONE, edit={"prompt": "Which bones does the hip join?"})
    reworded = replace(ONE, explanation="The generator now explains it.")
    assert actions(plan([edited], [reworded], regenerate=True)) == [(Action.KEEP, ONE.id)]
    # A file load calls the same pair a conflict: the file is someone's deliberate version.
    assert actions(plan([edited], [reworded])) == [(Action.CONFLICT, ONE.id)]


def test_regenerating_offers_a_rebuilt_question_beside_an_edit_whose_sources_changed():
    edited = stored(ONE, edit={"prompt": "Which bones does the hip join?"})
    rebuilt = replace(
        ONE, answer="The pelvis to the femur.", source=("The hip joins the pelvis to the femur.",)
    )
    [decision] = plan([edited], [rebuilt], regenerate=True)
    assert (decision.action, decision.key) == (Action.REVISE, ONE.id)
    assert set(decision.differs) == {"answer", "prompt", "source"}


def test_regenerating_takes_a_rebuilt_question_nobody_edited():
    rebuilt = replace(ONE, answer="The femur.", source=("The hip joins the pelvis to the femur.",))
    assert actions(plan([stored(ONE)], [rebuilt], regenerate=True)) == [(Action.TAKE, ONE.id)]


def test_regenerating_matches_a_renamed_question_by_its_sources_and_keeps_the_old_id():
    edited = stored(ONE, edit={"prompt": "Which bones does the hip join?"})
    renamed = replace(ONE, id="intro-basic-renamed")
    [decision] = plan([edited], [renamed], regenerate=True)
    assert (decision.action, decision.key) == (Action.KEEP, ONE.id)
    # Without regenerating, IDs are the only match: a new question and a retirement.
    assert actions(plan([edited], [renamed])) == [
        (Action.ADD, "intro-basic-renamed"),
        (Action.RETIRE, ONE.id),
    ]


def test_a_source_match_needs_the_same_kind_and_section():
    other_kind = replace(ONE, id="intro-mcq-x", kind=Kind.MCQ, options=("a", "b"), answer="a")
    assert actions(plan([stored(ONE)], [other_kind], regenerate=True)) == [
        (Action.ADD, "intro-mcq-x"),
        (Action.RETIRE, ONE.id),
    ]
