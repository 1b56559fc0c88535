"""Presets per bank, as Anki's deck options."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Card, Preset
from quizapp.scheduling import Grade
from quizapp.services import learners, presets, study
from tests.helpers import NOW, get_user


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    return get_user("trainee@example.com")


def bank_id():
    return db.session.scalar(select(Bank.id))


def answer(user, grade, now=NOW):
    scope = study.Scope(bank_id())
    question_id = study.next_question_id(db.session, user, scope, now)
    view = study.view_card(db.session, user, question_id, now, fuzz=False)
    study.answer(
        db.session,
        user=user,
        question_id=question_id,
        grade=grade,
        seen_version=view.version,
        token=f"t-{question_id}-{view.version}",
        response=None,
        duration_ms=1000,
        now=now,
        fuzz=False,
    )
    return db.session.scalar(select(Card).where(Card.question_id == question_id))


def make_preset(user, **changes):
    values = {
        "preset_id": None,
        "name": "Exam cram",
        "desired_retention": 0.95,
        "new_per_day": 2,
        "reviews_per_day": 50,
        "learning_steps": "5m",
        "relearning_steps": "2m",
        "maximum_interval": 7,
        **changes,
    }
    return presets.save_preset(db.session, user=user, **values)


def test_a_banks_preset_sets_its_limits_steps_and_maximum_interval(trainee):
    preset = make_preset(trainee)
    presets.assign(db.session, user=trainee, bank_id=bank_id(), preset_id=preset.id)
    scope = study.Scope(bank_id())
    assert study.counts(db.session, trainee, scope, NOW).new == 2
    card = answer(trainee, Grade.GOOD)
    assert card.state == 2  # one step of 5 minutes, passed: graduated
    again = answer(trainee, Grade.AGAIN)
    assert again.due - NOW == timedelta(minutes=5)
    assert study.counts(db.session, trainee, scope, NOW).new == 0
    assert card.due <= learners.study_day(trainee).start(NOW) + timedelta(days=7)


def test_without_a_preset_a_bank_uses_the_learners_defaults(trainee):
    make_preset(trainee)  # exists, but the bank does not use it
    assert study.counts(db.session, trainee, study.Scope(bank_id()), NOW).new == 20
    card = answer(trainee, Grade.GOOD)
    assert card.state == 1 and card.due - NOW == timedelta(minutes=10)


def test_going_back_to_the_default_and_deleting(trainee):
    preset = make_preset(trainee)
    presets.assign(db.session, user=trainee, bank_id=bank_id(), preset_id=preset.id)
    presets.delete_preset(db.session, user=trainee, preset_id=preset.id)
    assert presets.for_bank(db.session, trainee, bank_id()).name is None
    assert db.session.scalar(select(Preset)) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"learning_steps": "1m tomorrow"}, "'tomorrow' is not a step"),
        ({"maximum_interval": 0}, "maximum interval"),
        ({"desired_retention": 0.5}, "Desired retention"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(trainee, changes, message):
    with pytest.raises(presets.PresetError, match=message):
        make_preset(trainee, **changes)
    db.session.rollback()
    assert db.session.scalar(select(Preset)) is None


def test_names_are_unique_per_learner_and_presets_are_private(trainee, make_user):
    make_preset(trainee)
    with pytest.raises(presets.PresetError, match="already have a preset"):
        make_preset(trainee)
    make_user("other@example.com")
    other = get_user("other@example.com")
    make_preset(other)  # the same name is fine for someone else
    mine = db.session.scalar(select(Preset).where(Preset.user_id == trainee.id))
    with pytest.raises(presets.PresetError, match="no such preset"):
        presets.assign(db.session, user=other, bank_id=bank_id(), preset_id=mine.id)
    with pytest.raises(presets.PresetError, match="no such preset"):
        presets.delete_preset(db.session, user=other, preset_id=mine.id)
