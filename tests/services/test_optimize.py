from datetime import timedelta
from random import Random

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy import select

from quizapp import jobs
from quizapp.cli import main
from quizapp.extensions import db
from quizapp.models import Card, Question, Review
from quizapp.scheduling import Grade, optimize
from quizapp.services import study
from quizapp.services.optimize import optimize_user
from tests.helpers import NOW, get_user

START = NOW - timedelta(days=150)
FORGETFUL = (0.08, 0.6, 1.2, 4.0, *DEFAULT_PARAMETERS[4:8], 1.1, *DEFAULT_PARAMETERS[9:])


@pytest.fixture
def trainee(session, make_user, demo_bank):
    make_user("trainee@example.com")
    return get_user("trainee@example.com")


def study_as(user, truth, *, cards, days, seed=1):
    """Answer each card when due, passing with the probability a `truth` memory gives."""
    rng = Random(seed)
    memory = Scheduler(parameters=truth, enable_fuzzing=False)
    end = START + timedelta(days=days)
    ids = db.session.scalars(select(Question.id).order_by(Question.position).limit(cards)).all()
    for n, question_id in enumerate(ids):
        at, version = START + timedelta(days=n // 8, minutes=n), 0
        true_card = FsrsCard(card_id=question_id, due=at)
        while at < end:
            if version == 0:
                grade = rng.choices(list(Grade), [0.2, 0.1, 0.6, 0.1])[0]
            elif rng.random() >= memory.get_card_retrievability(true_card, at):
                grade = Grade.AGAIN
            else:
                grade = rng.choices([Grade.HARD, Grade.GOOD, Grade.EASY], [0.1, 0.8, 0.1])[0]
            study.answer(
                db.session,
                user=user,
                question_id=question_id,
                grade=grade,
                seen_version=version,
                token=f"{question_id}-{version}",
                response=None,
                duration_ms=4000,
                now=at,
                fuzz=False,
            )
            true_card, _ = memory.review_card(true_card, Rating(grade), at)
            card = db.session.scalar(
                select(Card).where(Card.user_id == user.id, Card.question_id == question_id)
            )
            at, version = card.due, card.version


def cards_of(user):
    return {
        card.id: (card.state, card.stability, card.due, card.reps, card.lapses)
        for card in db.session.scalars(select(Card).where(Card.user_id == user.id))
    }


def test_too_few_reviews_are_refused_and_nothing_changes(trainee):
    study_as(trainee, FORGETFUL, cards=5, days=30)
    before = cards_of(trainee)
    with pytest.raises(optimize.NotEnoughReviews, match="at least 512"):
        optimize_user(db.session, user=trainee, fuzz=False)
    db.session.rollback()
    assert trainee.fsrs_parameters is None and cards_of(trainee) == before


def test_fitted_parameters_are_stored_and_cards_rescheduled(trainee, make_user):
    make_user("other@example.com")
    other = get_user("other@example.com")
    study_as(other, FORGETFUL, cards=3, days=20)
    others_before = cards_of(other)
    study_as(trainee, FORGETFUL, cards=120, days=150)
    before = cards_of(trainee)

    result = optimize_user(db.session, user=trainee, fuzz=False)

    assert result.stored and result.fit.new_loss < result.fit.old_loss
    db.session.expire_all()
    trainee = get_user("trainee@example.com")
    assert trainee.fsrs_parameters == pytest.approx(list(result.fit.new))
    after = cards_of(trainee)
    assert result.rescheduled == len(before) == 120
    # Same answers, so the same counts; new parameters, so new stabilities and due dates.
    assert {k: v[3:] for k, v in after.items()} == {k: v[3:] for k, v in before.items()}
    assert sum(after[k][2] != before[k][2] for k in before) > 60
    assert cards_of(other) == others_before
    assert get_user("other@example.com").fsrs_parameters is None
    # A card's new due date is where its last answer, under the new parameters, sends it.
    last = db.session.scalar(
        select(Review).where(Review.user_id == trainee.id).order_by(Review.id.desc()).limit(1)
    )
    card = db.session.get(Card, last.card_id)
    assert card.last_review == last.reviewed_at


def test_cli_prints_the_refusal_for_one_learner(runner, trainee):
    result = runner.invoke(main, ["optimize", "--foreground", "--user", "trainee@example.com"])
    assert result.exit_code == 1
    assert "at least 512" in result.output and "there are 0" in result.output


def test_cli_skips_learners_with_short_histories(runner, trainee):
    result = runner.invoke(main, ["optimize", "--foreground"])
    assert result.exit_code == 0
    assert "trainee@example.com: skipped, 0 usable reviews of 512 needed" in result.output


def test_cli_names_an_unknown_learner(runner, trainee):
    result = runner.invoke(main, ["optimize", "--foreground", "--user", "nobody@example.com"])
    assert result.exit_code == 1 and "No user with the email nobody@example.com" in result.output


def test_cli_prints_old_and_new_parameters_and_the_gain(runner, trainee):
    study_as(trainee, FORGETFUL, cards=120, days=150)
    result = runner.invoke(main, ["optimize", "--foreground", "--user", "trainee@example.com"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("trainee@example.com: ") and "usable reviews" in lines[0]
    assert lines[1].startswith("  old parameters: 0.2120, 1.2931")
    assert lines[2].startswith("  new parameters: ") and len(lines[2].split(",")) == 21
    assert "log loss" in lines[3] and "kept, 120 cards rescheduled" in lines[3]


def test_cli_queues_a_fit_for_the_worker_once(runner, trainee, redis):
    first = runner.invoke(main, ["optimize", "--user", "trainee@example.com"])
    assert first.exit_code == 0, first.output
    assert "trainee@example.com: queued" in first.output
    second = runner.invoke(main, ["optimize", "--user", "trainee@example.com"])
    assert "trainee@example.com: already queued" in second.output
    worker = runner.invoke(main, ["worker", "--burst"])
    assert worker.exit_code == 0, worker.output
    state = jobs.state(redis, "optimize", key=str(trainee.id))
    assert state.status == "finished" and "at least 512" in state.result["message"]
