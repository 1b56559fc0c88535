import csv
import io
import re
import sqlite3
import zipfile
from contextlib import closing
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Assignment, Role
from tests.helpers import Auth, get_user
from tests.pages import csrf_token, text


@pytest.fixture
def course(app, client, make_user, demo_bank):
    """A teacher's class with one open FAQ assignment and one trainee who joined by code."""
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    make_user("ann@example.com")
    teacher = Auth(client)
    teacher.login("teacher@example.com")
    token = teacher.csrf("/teach/")
    created = client.post("/teach/", data={"name": "Hip block <b>1</b>", "csrf_token": token})
    class_path = created.location
    page = client.get(class_path).get_data(as_text=True)
    code = re.search(r'id="join-code">(\w+)<', page).group(1)
    response = client.post(
        f"{class_path}/assignments",
        data={
            "csrf_token": csrf_token(page),
            "title": "FAQ week",
            "bank": demo_bank,
            "sections": ["faq"],
            "opens_at": "2026-01-01T00:00",
            "due_at": "2030-01-01T00:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
        },
    )
    assignment_path = response.location
    page = client.get(assignment_path).get_data(as_text=True)
    client.post(
        f"{assignment_path}/status", data={"csrf_token": csrf_token(page), "status": "open"}
    )
    teacher.logout()
    trainee = app.test_client()
    Auth(trainee).login("ann@example.com")
    join_page = trainee.get(f"/join/{code}").get_data(as_text=True)
    trainee.post("/classes/join", data={"code": code, "csrf_token": csrf_token(join_page)})
    return {
        "class": class_path,
        "assignment": assignment_path,
        "trainee": trainee,
        "bank": demo_bank,
    }


def test_trainee_sees_the_assignment_and_studies_it(course):
    trainee = course["trainee"]
    home = text(trainee.get("/").get_data(as_text=True))
    assert "FAQ week" in home and "0/10 started" in home
    assignment_id = course["assignment"].rsplit("/", 1)[1]
    page = trainee.get(f"/banks/{course['bank']}/study?assignment={assignment_id}").get_data(
        as_text=True
    )
    assert "FAQ · Question and answer" in text(page)


def test_class_names_are_escaped(client, auth, course):
    auth.login("teacher@example.com")
    page = client.get(course["class"]).get_data(as_text=True)
    assert "Hip block &lt;b&gt;1&lt;/b&gt;" in page


def test_progress_page_and_csv(client, auth, course):
    auth.login("teacher@example.com")
    page = text(client.get(course["assignment"]).get_data(as_text=True))
    assert "ann" in page and "0/10" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"{course['assignment']}/progress.csv").get_data(as_text=True))
        )
    )
    assert rows[0][:3] == ["trainee", "email", "started"]
    assert rows[1][:4] == ["ann", "ann@example.com", "0", "10"]


def test_bad_assignment_form_rerenders_with_a_message(client, auth, course):
    auth.login("teacher@example.com")
    page = client.get(course["class"]).get_data(as_text=True)
    response = client.post(
        f"{course['class']}/assignments",
        data={
            "csrf_token": csrf_token(page),
            "title": "Backwards",
            "bank": course["bank"],
            "opens_at": "2026-02-01T00:00",
            "due_at": "2026-01-01T00:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
        },
    )
    assert response.status_code == 400
    assert "The due date must come after the opening date" in text(response.get_data(as_text=True))


def routes(course):
    assignment = course["assignment"]
    return [course["class"], f"{assignment}", f"{assignment}/progress.csv", f"{assignment}/items"]


def test_trainee_cannot_reach_instructor_pages(course):
    for path in routes(course):
        assert course["trainee"].get(path).status_code == 403, path


def test_another_instructor_gets_404_never_data(app, make_user, course):
    make_user("stranger@example.com", role=Role.INSTRUCTOR)
    stranger = app.test_client()
    Auth(stranger).login("stranger@example.com")
    for path in routes(course):
        response = stranger.get(path)
        assert response.status_code == 404, path
        assert "ann@example.com" not in response.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(app, course):
    anonymous = app.test_client()
    for path in routes(course):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_a_trainee_outside_the_class_cannot_study_its_assignment(app, make_user, course):
    make_user("outsider@example.com")
    outsider = app.test_client()
    Auth(outsider).login("outsider@example.com")
    assignment_id = course["assignment"].rsplit("/", 1)[1]
    assert (
        outsider.get(f"/banks/{course['bank']}/study?assignment={assignment_id}").status_code == 404
    )


def open_exam(client, course, questions):
    """As the signed-in teacher, create and open a pros-and-cons exam; return its path."""
    page = client.get(course["class"]).get_data(as_text=True)
    assignment_path = client.post(
        f"{course['class']}/assignments",
        data={
            "csrf_token": csrf_token(page),
            "title": "Pros and cons exam",
            "bank": course["bank"],
            "sections": ["pros_cons"],
            "opens_at": "2026-01-01T00:00",
            "due_at": "2030-01-01T00:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
            "exam_questions": str(questions),
            "exam_minutes": "15",
            "exam_attempts": "1",
        },
    ).location
    page = client.get(assignment_path).get_data(as_text=True)
    client.post(
        f"{assignment_path}/status", data={"csrf_token": csrf_token(page), "status": "open"}
    )
    return assignment_path


def start_exam(trainee, assignment_path):
    home = trainee.get("/").get_data(as_text=True)
    assignment_id = assignment_path.rsplit("/", 1)[1]
    started = trainee.post(
        f"/assignments/{assignment_id}/exam", data={"csrf_token": csrf_token(home)}
    )
    return started.location


def test_exam_through_the_pages(client, auth, course):
    auth.login("teacher@example.com")
    assignment_path = open_exam(client, course, questions=3)
    trainee = course["trainee"]
    exam_path = start_exam(trainee, assignment_path)
    exam_page = trainee.get(exam_path).get_data(as_text=True)
    assert exam_page.count("<fieldset") == 3 and "Score" not in exam_page
    picked = dict(set(re.findall(r'name="(q\d+-choice)" value="(\d+)"', exam_page)))
    handed = trainee.post(exam_path, data={"csrf_token": csrf_token(exam_page), **picked})
    result = text(trainee.get(handed.location).get_data(as_text=True))
    assert "Score:" in result and "Right answer:" in result
    assert "Best exam" in text(client.get(assignment_path).get_data(as_text=True))


def test_another_learner_cannot_open_an_exam_attempt(app, client, auth, make_user, course):
    auth.login("teacher@example.com")
    exam_path = start_exam(course["trainee"], open_exam(client, course, questions=2))
    make_user("ben@example.com")
    other = app.test_client()
    Auth(other).login("ben@example.com")
    assert other.get(exam_path).status_code == 404
    assert app.test_client().get(exam_path).status_code == 302


def test_assignment_anki_deck_for_its_trainees_and_instructors_only(
    app, client, auth, make_user, course, tmp_path
):
    assignment_id = course["assignment"].rsplit("/", 1)[1]
    path = f"/assignments/{assignment_id}/anki.apkg"
    response = course["trainee"].get(path)
    assert response.status_code == 200 and "assignment" in response.headers["Content-Disposition"]
    zipfile.ZipFile(io.BytesIO(response.data)).extract("collection.anki2", tmp_path)
    with closing(sqlite3.connect(tmp_path / "collection.anki2")) as collection:
        assert collection.execute("select count(*) from notes").fetchone() == (10,)  # the FAQ set
    auth.login("teacher@example.com")
    assert client.get(path).status_code == 200
    make_user("outsider@example.com")
    outsider = app.test_client()
    Auth(outsider).login("outsider@example.com")
    assert outsider.get(path).status_code == 404


def test_progress_csv_does_not_carry_spreadsheet_formulas(app, client, auth, course):
    from quizapp.extensions import db
    from tests.helpers import get_user

    with app.app_context():
        get_user("ann@example.com").name = '=HYPERLINK("http://evil.example","x")'
        db.session.commit()
    auth.login("teacher@example.com")
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"{course['assignment']}/progress.csv").get_data(as_text=True))
        )
    )
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'


def test_an_instructor_types_assignment_dates_on_their_own_clock(app, client, make_user, demo_bank):
    make_user("tokyo@example.com", role=Role.INSTRUCTOR)
    with app.app_context():
        instructor = get_user("tokyo@example.com")
        instructor.timezone = "Asia/Tokyo"
        db.session.commit()
    teacher = Auth(client)
    teacher.login("tokyo@example.com")
    created = client.post("/teach/", data={"name": "Tokyo", "csrf_token": teacher.csrf("/teach/")})
    page = client.get(created.location).get_data(as_text=True)
    client.post(
        f"{created.location}/assignments",
        data={
            "csrf_token": csrf_token(page),
            "title": "Due at nine",
            "bank": demo_bank,
            "opens_at": "2026-03-01T09:00",
            "due_at": "2026-03-16T09:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
        },
    )
    with app.app_context():
        assignment = db.session.scalar(select(Assignment).where(Assignment.title == "Due at nine"))
        assert assignment.due_at == datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
