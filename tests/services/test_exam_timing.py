"""Exams save each answer as it is given and hand in at the time limit, page open or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.content.bank import Kind
from quizapp.extensions import db
from quizapp.models import Bank
from quizapp.services import assignments, exams
from tests.helpers import NOW
from tests.small_bank import KINDS, basics, load


@pytest.fixture
def small(app, people):  # type: ignore[no-untyped-def]
    slug = load(app, KINDS + basics(3))
    return db.session.scalar(select(Bank).where(Bank.slug == slug))


@pytest.fixture
def exam(small, make_assignment):  # type: ignore[no-untyped-def]
    assignment = make_assignment(
        bank=small,
        selection=assignments.Selection(),
        exam_questions=3,
        exam_minutes=1,
        exam_attempts=2,
    )
    assignments.set_status(db.session, assignment, "open")
    return assignment


def answers(attempt):  # type: ignore[no-untyped-def]
    return {qid: q.correct_answer for qid, q in exams.questions_of(db.session, attempt)}


def test_saved_answers_are_marked_when_the_time_runs_out_with_the_page_closed(people, exam):
    ann = people["ann"]
    attempt = exams.start(db.session, user=ann, assignment=exam, now=NOW)
    first, second, _ = attempt.question_ids
    right = answers(attempt)
    exams.save(
        db.session,
        attempt=attempt,
        responses={first: right[first], second: right[second]},
        review_marks={second},
        now=NOW + timedelta(seconds=30),
    )
    assert attempt.finished_at is None and attempt.review_marks == [second]

    standing = exams.standing(db.session, user=ann, assignment=exam, now=NOW + timedelta(hours=1))
    assert attempt.finished_at == attempt.deadline
    assert attempt.score == pytest.approx(2 / 3)
    assert standing.best == pytest.approx(2 / 3)
    assert standing.attempts_left == 1 and standing.open_attempt is None


def test_a_late_hand_in_keeps_what_was_saved_and_shows_what_was_late(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    first, second, third = attempt.question_ids
    right = answers(attempt)
    exams.save(
        db.session,
        attempt=attempt,
        responses={first: right[first]},
        now=NOW + timedelta(seconds=50),
    )
    exams.submit(
        db.session,
        attempt=attempt,
        responses={first: right[first], second: right[second], third: None},
        now=NOW + timedelta(seconds=100),  # 40 s after the 1-minute limit
    )
    assert attempt.score == pytest.approx(1 / 3)
    assert attempt.finished_at == attempt.deadline
    marked = {m.question.correct_answer: m for m in exams.marked(db.session, attempt)}
    assert marked[right[first]].correct and marked[right[first]].late is None
    assert not marked[right[second]].correct
    assert marked[right[second]].late == right[second]
    assert marked[right[second]].response is None


def test_saving_after_the_limit_hands_in_and_reports_the_late_answers(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    first = attempt.question_ids[0]
    late = exams.save(
        db.session,
        attempt=attempt,
        responses={first: answers(attempt)[first]},
        now=NOW + timedelta(minutes=2),
    )
    assert late == [first]
    assert attempt.finished_at is not None and attempt.score == 0
    with pytest.raises(exams.ExamError, match="handed in"):
        exams.save(db.session, attempt=attempt, responses={}, now=NOW + timedelta(minutes=3))


def test_an_exam_of_questions_that_cannot_be_marked_is_refused(small, make_assignment):
    with pytest.raises(assignments.AssignmentError, match="cannot make an exam"):
        make_assignment(
            bank=small,
            selection=assignments.Selection(kinds=(Kind.BASIC.value,)),
            exam_questions=5,
        )
    plain = make_assignment(bank=small, selection=assignments.Selection(kinds=("basic",)))
    assert plain.exam_questions is None


def test_after_the_last_attempt_no_exam_is_offered(people, exam):
    ann = people["ann"]
    for hour in (0, 1):
        attempt = exams.start(
            db.session, user=ann, assignment=exam, now=NOW + timedelta(hours=hour)
        )
        exams.submit(
            db.session, attempt=attempt, responses=answers(attempt), now=attempt.started_at
        )
    standing = exams.standing(db.session, user=ann, assignment=exam, now=NOW + timedelta(hours=2))
    assert standing.questions == 3 and standing.attempts_left == 0
    assert not standing.can_start and standing.best == 1.0
