import json

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Question
from quizapp.scheduling import Grade
from quizapp.services import study
from tests.helpers import NOW, Auth, get_user


def test_a_learner_downloads_only_their_own_data(app, client, auth, make_user, demo_bank):
    make_user()
    make_user("other@example.com")
    other = app.test_client()
    Auth(other).login("other@example.com")
    other.get(f"/banks/{demo_bank}/study")
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.position == 0))
        study.answer(
            db.session,
            user=get_user("trainee@example.com"),
            question_id=question.id,
            grade=Grade.GOOD,
            seen_version=0,
            token="t",
            response=None,
            duration_ms=1500,
            now=NOW,
            fuzz=False,
        )
        key = question.key
    auth.login()
    response = client.get("/settings/my-data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "trainee@example.com"
    assert "other@example.com" not in response.get_data(as_text=True)
    assert data["settings"]["desired_retention"] == 0.9
    [review] = data["reviews"]
    assert review["question"] == key and review["bank"] == demo_bank and review["rating"] == 3
    assert review["given_in"] == "browser"
    assert len(data["cards"]) == 1 and data["cards"][0]["reps"] == 1


def test_data_download_needs_sign_in(client):
    assert client.get("/settings/my-data.json").status_code == 302


def test_personal_downloads_are_not_stored_by_caches(client, auth, make_user):
    make_user()
    auth.login()
    assert client.get("/settings/my-data.json").headers["Cache-Control"] == "no-store"
