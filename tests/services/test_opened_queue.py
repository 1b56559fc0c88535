"""The queue read with the bank is the one the queue's own statement gives, whatever the
learner's limits and options."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank
from quizapp.scheduling import Grade
from quizapp.services import presets, study
from tests.helpers import NOW, answer_card, get_user


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    make_user("other@example.com")
    return get_user("trainee@example.com")


def _slug() -> str:
    return db.session.scalar(select(Bank.slug))


def _queue(user, now, *, with_queue):
    opened = study.open_bank(db.session, user, _slug(), now, with_queue=with_queue)
    counts, view = study.queue(db.session, user, opened.plain_scope, now, fuzz=False, opened=opened)
    return counts, view and view.question_id


def _answer(user, grade, now):
    _counts, question_id = _queue(user, now, with_queue=False)
    answer_card(user, question_id, grade, now)


def _preset(user, **limits):
    preset = presets.save_preset(
        db.session,
        user=user,
        preset_id=None,
        name="Tight",
        desired_retention=0.9,
        new_per_day=limits.get("new_per_day", 20),
        reviews_per_day=limits.get("reviews_per_day", 200),
        learning_steps="1m 10m",
        relearning_steps="10m",
        maximum_interval=36500,
    )
    bank_id = db.session.scalar(select(Bank.id))
    presets.assign(db.session, user=user, bank_id=bank_id, preset_id=preset.id)


def _own_limits(user, **limits):
    for name, value in limits.items():
        setattr(user, name, value)
    db.session.commit()


def _extra_new(user, extra):
    bank_id = db.session.scalar(select(Bank.id))
    study.add_new_today(db.session, user=user, bank_id=bank_id, extra=extra, now=NOW)


SETUPS = {
    "fresh": lambda user: None,
    "own new limit reached": lambda user: _own_limits(user, new_per_day=2),
    "preset new limit reached": lambda user: _preset(user, new_per_day=2),
    "preset, more new added today": lambda user: (
        _preset(user, new_per_day=2),
        _extra_new(user, 3),
    ),
    "own limits, more new added today": lambda user: (
        _own_limits(user, new_per_day=1),
        _extra_new(user, 1),
    ),
    "no reviews left": lambda user: _preset(user, new_per_day=0, reviews_per_day=0),
    "another learner's preset": lambda user: _preset(get_user("other@example.com"), new_per_day=0),
}


@pytest.mark.parametrize("setup", SETUPS)
def test_the_queue_read_with_the_bank_is_the_queue_s_own(trainee, setup):
    SETUPS[setup](trainee)
    grades = [Grade.GOOD, Grade.AGAIN, Grade.EASY, Grade.GOOD, Grade.HARD]
    for minutes, grade in enumerate(grades):
        now = NOW + timedelta(minutes=minutes)
        together, alone = (_queue(trainee, now, with_queue=w) for w in (True, False))
        assert together == alone
        if together[1] is None:
            break
        _answer(trainee, grade, now)
    # Days later the learning cards are reviews, due or not, under the same limits.
    later = NOW + timedelta(days=3)
    assert _queue(trainee, later, with_queue=True) == _queue(trainee, later, with_queue=False)


def test_a_bank_that_is_not_published_is_not_opened(trainee):
    assert study.open_bank(db.session, trainee, "no-such-bank", NOW, with_queue=True) is None
