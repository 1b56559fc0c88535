from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Card, Question
from quizapp.services import assignments, exams
from tests.helpers import NOW


@pytest.fixture
def exam(make_assignment):
    assignment = make_assignment(
        selection=assignments.Selection(sections=("pros_cons", "faq")),
        exam_questions=5,
        exam_minutes=10,
        exam_attempts=2,
    )
    assignments.set_status(db.session, assignment, "open")
    return assignment


def right_answers(attempt):
    return {qid: q.correct_answer for qid, q in exams.questions_of(db.session, attempt)}


def test_an_attempt_draws_only_markable_questions_and_resumes(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    kinds = {db.session.get(Question, qid).kind for qid in attempt.question_ids}
    assert len(attempt.question_ids) == 5 and kinds == {"mcq"}  # FAQ questions cannot be marked
    assert exams.start(db.session, user=people["ann"], assignment=exam, now=NOW).id == attempt.id


def test_marking_is_deferred_and_recorded_once(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    answers = right_answers(attempt)
    first_two = dict(list(answers.items())[:2])
    exams.submit(db.session, attempt=attempt, responses=first_two, now=NOW + timedelta(minutes=3))
    assert attempt.score == pytest.approx(2 / 5)
    exams.submit(db.session, attempt=attempt, responses=answers, now=NOW + timedelta(minutes=4))
    assert attempt.score == pytest.approx(2 / 5)
    assert [m.correct for m in exams.marked(db.session, attempt)].count(True) == 2


def test_late_answers_score_nothing(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    late = NOW + timedelta(minutes=11)
    exams.submit(db.session, attempt=attempt, responses=right_answers(attempt), now=late)
    assert attempt.score == 0


def test_attempt_limit_and_best_score(people, exam):
    for number, now in enumerate((NOW, NOW + timedelta(hours=1)), start=1):
        attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=now)
        assert attempt.number == number
        responses = right_answers(attempt) if number == 2 else {}
        exams.submit(
            db.session, attempt=attempt, responses=responses, now=now + timedelta(minutes=1)
        )
    with pytest.raises(exams.ExamError, match="all your attempts"):
        exams.start(db.session, user=people["ann"], assignment=exam, now=NOW + timedelta(hours=2))
    assert exams.best_scores(db.session, exam) == {people["ann"].id: 1.0}


def test_exams_leave_the_schedule_alone(people, exam):
    attempt = exams.start(db.session, user=people["ann"], assignment=exam, now=NOW)
    exams.submit(db.session, attempt=attempt, responses=right_answers(attempt), now=NOW)
    assert db.session.scalar(select(func.count()).select_from(Card)) == 0


def test_no_exam_without_questions_count(people, make_assignment):
    plain = make_assignment()
    with pytest.raises(exams.ExamError):
        exams.start(db.session, user=people["ann"], assignment=plain, now=NOW)
