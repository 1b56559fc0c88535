"""The exam as a trainee sees it: home page standing, saving answers, the late hand-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from quizapp.extensions import db
from quizapp.models import Assignment, ExamAttempt, Role
from quizapp.services import assignments, classes, exams
from quizapp.services.banks import find_bank
from tests.helpers import NOW, Auth, get_user
from tests.pages import csrf_token, text
from tests.small_bank import KINDS, load


class Clock:
    def __init__(self) -> None:
        self.now = NOW


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("quizapp.study.routes._now", lambda: clock.now)
    return clock


def make_exam(app: Flask, make_user, *, kinds=(), attempts: int = 1) -> int:  # type: ignore[no-untyped-def]
    slug = load(app, KINDS)
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    make_user()
    with app.app_context():
        room = classes.create_class(
            db.session, instructor=get_user("teacher@example.com"), name="Hips", now=NOW
        )
        classes.join(db.session, user=get_user("trainee@example.com"), code=room.join_code, now=NOW)
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=find_bank(db.session, slug),
            title="Week one",
            selection=assignments.Selection(kinds=tuple(kinds)),
            opens_at=NOW,
            due_at=NOW + timedelta(days=7),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
            exam_questions=10,
            exam_minutes=1,
            exam_attempts=attempts,
        )
        assignments.set_status(db.session, assignment, "open")
        return assignment.id


def start(client: FlaskClient, assignment_id: int) -> str:
    home = client.get("/").get_data(as_text=True)
    response = client.post(
        f"/assignments/{assignment_id}/exam", data={"csrf_token": csrf_token(home)}
    )
    assert response.status_code == 302
    return response.location


def test_the_home_page_shows_attempts_left_and_the_best_score(
    app: Flask, client: FlaskClient, auth: Auth, make_user, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    assignment_id = make_exam(app, make_user)
    auth.login()
    home = text(client.get("/").get_data(as_text=True))
    # Five of the six kinds can be marked: the exam draws five, not the ten asked for.
    assert "Take the exam (5 questions, 1 min)" in home
    assert "1 of 1 attempt left" in home
    exam_url = start(client, assignment_id)
    assert "Resume the exam" in text(client.get("/").get_data(as_text=True))

    page = client.get(exam_url).get_data(as_text=True)
    with app.app_context():
        attempt = db.session.query(ExamAttempt).one()
        qid = next(
            q
            for q, question in exams.questions_of(db.session, attempt)
            if question.kind == "true_false"
        )
    saved = client.post(
        f"{exam_url}/save",
        data={"csrf_token": csrf_token(page), f"q{qid}-choice": "False", "review": str(qid)},
        headers={"Accept": "application/json"},
    )
    assert saved.json["saved"] is True and "Answers saved" in saved.json["message"]

    clock.now = NOW + timedelta(minutes=5)  # the page was closed; the time ran out
    home = text(client.get("/").get_data(as_text=True))
    assert "best score 20% · 0 of 1 attempt left" in home
    assert "Take the exam" not in home and "Resume the exam" not in home
    result = text(client.get(exam_url).get_data(as_text=True))
    assert "Score: 20% (1 of 5)" in result
    assert "the exam was handed in with the answers saved by then" in result


def test_a_late_hand_in_says_which_answers_were_late(
    app: Flask, client: FlaskClient, auth: Auth, make_user, clock: Clock
) -> None:  # type: ignore[no-untyped-def]
    assignment_id = make_exam(app, make_user, kinds=("mcq", "true_false"))
    auth.login()
    exam_url = start(client, assignment_id)
    page = client.get(exam_url).get_data(as_text=True)
    assert re.search(r'data-remaining="60"', page)
    fields = dict(re.findall(r'name="(q\d+-choice)" value="(\w+)"', page))
    clock.now = NOW + timedelta(seconds=100)
    response = client.post(exam_url, data={"csrf_token": csrf_token(page), **fields})
    assert response.status_code == 302
    result = text(client.get(exam_url).get_data(as_text=True))
    assert "Score: 0% (0 of 2)" in result
    assert "2 answers arrived after the limit and were not marked" in result
    assert result.count("Given after the time limit, not marked:") == 2
    assert "Your answer: none by the time limit" in result


def test_an_assignment_of_only_self_graded_cards_offers_no_exam(
    app: Flask, client: FlaskClient, auth: Auth, make_user
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(assignments.AssignmentError, match="cannot make an exam"):
        make_exam(app, make_user, kinds=("basic",))


def test_the_assignment_form_refuses_an_exam_nothing_can_mark(
    app: Flask, client: FlaskClient, auth: Auth, make_user
) -> None:  # type: ignore[no-untyped-def]
    slug = load(app, KINDS)
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    auth.login("teacher@example.com")
    created = client.post("/teach/", data={"name": "Hips", "csrf_token": auth.csrf("/teach/")})
    page = client.get(created.location).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(page),
        "title": "Self-graded week",
        "bank": slug,
        "kinds": ["basic"],
        "opens_at": "2026-01-01T00:00",
        "due_at": "2030-01-01T00:00",
        "target_kind": "reviews",
        "target_reviews": "1",
        "target_retention": "0.9",
        "target_share": "0.8",
        "exam_questions": "5",
        "exam_minutes": "10",
        "exam_attempts": "1",
    }
    response = client.post(f"{created.location}/assignments", data=form)
    assert response.status_code == 400
    shown = response.get_data(as_text=True)
    assert "cannot make an exam" in text(shown)
    assert 'value="Self-graded week"' in shown  # nothing typed is lost
    with app.app_context():
        assert db.session.query(Assignment).count() == 0
