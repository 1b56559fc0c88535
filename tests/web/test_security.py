"""Access control, CSRF, injection and escaping, checked against every route the app has.

The route matrix reads `app.url_map`, so a new route is probed as soon as it exists and
the suite fails until it is classified below as public, the caller's own, or protected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from werkzeug.routing import Rule

from quizapp.extensions import db
from quizapp.models import (
    Assignment,
    Classroom,
    ExamAttempt,
    Membership,
    Preset,
    Question,
    Role,
    User,
)
from tests.conftest import Auth, get_user
from tests.pages import csrf_token, text

TEACHER_A = "teacher.alpha@example.com"
TRAINEE_A = "annabel.quixote@example.com"
TRAINEE_B = "bertrand.outsider@example.com"
TEACHER_C = "carla.elsewhere@example.com"
ADMIN = "root.admin@example.com"
CLASS_A = "Cohort Zephyr"
ASSIGNMENT_A = "Zephyr pros and cons"
FLAG_COMMENT = "zephyr-private-remark"
# Anything here in a page shown to someone other than A's class is a leak.
A_MARKERS = ("annabel.quixote", "teacher.alpha", CLASS_A, ASSIGNMENT_A, FLAG_COMMENT)

PUBLIC = {
    "auth.login": "the sign-in form",
    "auth.register": "the sign-up form",
}
# Open to any signed-in user; each shows or changes only the caller's own data.
OWN = {
    "study.home": "the caller's banks and assignments",
    "study.next_card": "banks are shared; cards and counts are the caller's",
    "study.reveal": "the caller's card, by the caller's token",
    "study.answer": "records the caller's answer",
    "study.undo": "takes back the caller's last answer",
    "study.flag": "the caller flags a shared bank question",
    "study.suspend": "suspends a shared question for the caller only",
    "study.settings": "the caller's scheduler settings",
    "study.export_anki": "the shared bank as a deck, no learner data",
    "study.my_data": "the caller's own data as JSON",
    "study.preset_list": "the caller's presets and the bank list",
    "study.preset_save": "creates a preset or changes one of the caller's own (others: refused)",
    "study.preset_assign": "sets the caller's own preset per bank",
    "study.join": "the join form; a code in the URL is the caller's own input",
    "stats.index": "the caller's statistics",
    "stats.optimize_parameters": "fits the caller's scheduler",
    "auth.password": "the caller's password",
    "auth.logout": "signs the caller out",
    "instruct.index": "the classes the caller teaches (403 for trainees)",
}
# Someone else's object in the URL: a stranger gets 403 or 404, nothing else.
PROTECTED = {
    "study.preset_delete": "another learner's preset",
    "study.start_exam": "an assignment of a class the caller is not in",
    "study.exam": "another learner's exam attempt",
    "study.export_assignment": "an assignment of a class the caller is not in",
    "admin.users": "administrators only",
    "admin.change_role": "administrators only",
    "instruct.classroom": "A's class",
    "instruct.reset_code": "A's class",
    "instruct.remove_trainee": "A's class and trainee",
    "instruct.add_instructor": "A's class",
    "instruct.create_assignment": "A's class",
    "instruct.set_status": "A's assignment",
    "instruct.assignment": "A's assignment",
    "instruct.progress_csv": "A's assignment",
    "instruct.trainee": "A's trainee",
    "instruct.trainee_csv": "A's trainee",
    "instruct.items": "A's assignment",
    "instruct.edit_question": "A's assignment's question",
    "instruct.retire_question": "A's assignment's question",
}


@dataclass
class World:
    """Instructor A's class with trainee A, an open exam assignment, an attempt and a flag."""

    ids: dict[str, object]
    clients: dict[str, FlaskClient]


def _signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302, email
    return client


def _token(client: FlaskClient, path: str = "/") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def _class_with_exam(client: FlaskClient, name: str, title: str, bank: str) -> tuple[str, str]:
    """As a signed-in instructor, create a class and an open exam assignment; their paths."""
    class_path = client.post(
        "/teach/", data={"name": name, "csrf_token": _token(client, "/teach/")}
    )
    class_path = class_path.location
    assignment_path = client.post(
        f"{class_path}/assignments",
        data={
            "csrf_token": _token(client, class_path),
            "title": title,
            "bank": bank,
            "sections": ["pros_cons"],
            "opens_at": "2026-01-01T00:00",
            "due_at": "2030-01-01T00:00",
            "target_kind": "reviews",
            "target_reviews": "1",
            "target_retention": "0.9",
            "target_share": "0.8",
            "exam_questions": "2",
            "exam_minutes": "15",
            "exam_attempts": "1",
        },
    ).location
    client.post(
        f"{assignment_path}/status",
        data={"csrf_token": _token(client, assignment_path), "status": "open"},
    )
    return class_path, assignment_path


def _join(client: FlaskClient, class_path: str, teacher: FlaskClient) -> None:
    page = teacher.get(class_path).get_data(as_text=True)
    code = re.search(r'id="join-code">(\w+)<', page).group(1)
    client.post("/classes/join", data={"code": code, "csrf_token": _token(client, "/classes/join")})


@pytest.fixture
def world(app: Flask, make_user, demo_bank: str) -> World:  # type: ignore[no-untyped-def]
    app.config["LOGIN_RATE_LIMIT"] = "10000 per minute"  # every sign-in here comes from one address
    make_user(TEACHER_A, role=Role.INSTRUCTOR)
    make_user(TEACHER_C, role=Role.INSTRUCTOR)
    make_user(ADMIN, role=Role.ADMIN)
    for email in (TRAINEE_A, TRAINEE_B):
        make_user(email)
    clients = {
        "anonymous": app.test_client(),
        "teacher_a": _signed_in(app, TEACHER_A),
        "trainee_a": _signed_in(app, TRAINEE_A),
        "trainee_b": _signed_in(app, TRAINEE_B),
        "teacher_c": _signed_in(app, TEACHER_C),
        "admin": _signed_in(app, ADMIN),
    }
    teacher, trainee = clients["teacher_a"], clients["trainee_a"]
    class_path, assignment_path = _class_with_exam(teacher, CLASS_A, ASSIGNMENT_A, demo_bank)
    _join(trainee, class_path, teacher)
    assignment_id = int(assignment_path.rsplit("/", 1)[1])
    started = trainee.post(
        f"/assignments/{assignment_id}/exam", data={"csrf_token": _token(trainee)}
    )
    attempt_id = int(started.location.rsplit("/", 1)[1])
    _class_with_exam(clients["teacher_c"], "Cohort Elsewhere", "Elsewhere exam", demo_bank)
    with app.app_context():
        attempt = db.session.get(ExamAttempt, attempt_id)
        question_id = attempt.question_ids[0]
        classroom = db.session.scalar(select(Classroom).where(Classroom.name == CLASS_A))
        ids = {
            "slug": demo_bank,
            "class_id": classroom.id,
            "code": classroom.join_code,
            "assignment_id": assignment_id,
            "attempt_id": attempt_id,
            "question_id": question_id,
            "user_id": get_user(TRAINEE_A).id,
        }
    saved = trainee.post(
        "/settings/presets",
        data={
            "name": "Before the exam",
            "desired_retention": "0.95",
            "new_per_day": "30",
            "reviews_per_day": "300",
            "learning_steps": "1m 10m",
            "relearning_steps": "10m",
            "maximum_interval": "365",
            "csrf_token": _token(trainee, "/settings/presets"),
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        ids["preset_id"] = db.session.scalar(select(Preset.id))
    flagged = trainee.post(
        f"/questions/{question_id}/flag",
        data={"reason": "wrong", "comment": FLAG_COMMENT, "csrf_token": _token(trainee)},
    )
    assert flagged.status_code == 302
    return World(ids, clients)


def _rules(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) but static files, signing out last since it ends the session."""
    pairs = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods & {"GET", "POST"})
    ]
    return sorted(pairs, key=lambda pair: pair[0].endpoint == "auth.logout")


def _url(rule: Rule, ids: dict[str, object]) -> str:
    missing = rule.arguments - ids.keys()
    assert not missing, f"{rule.rule}: give the world an id for {sorted(missing)}"
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def _call(client: FlaskClient, method: str, url: str, token_page: str = "/"):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": _token(client, token_page)})


def _leaks(body: bytes) -> list[str]:
    page = body.decode("utf-8", "replace")
    return [marker for marker in A_MARKERS if marker in page]


def _assert_a_untouched(app: Flask, world: World) -> None:
    with app.app_context():
        classroom = db.session.get(Classroom, world.ids["class_id"])
        assert classroom.name == CLASS_A and classroom.join_code == world.ids["code"]
        members = {(m.user.email, m.role) for m in classroom.members}
        assert members == {(TEACHER_A, "instructor"), (TRAINEE_A, "trainee")}
        assignments = db.session.scalars(
            select(Assignment).where(Assignment.class_id == classroom.id)
        )
        assert [(a.title, a.status) for a in assignments] == [(ASSIGNMENT_A, "open")]
        assert not db.session.get(Question, world.ids["question_id"]).retired
        assert get_user(TRAINEE_A).role == Role.TRAINEE.value


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    unclassified = endpoints - PUBLIC.keys() - OWN.keys() - PROTECTED.keys()
    assert not unclassified, f"add these to PUBLIC, OWN or PROTECTED: {sorted(unclassified)}"
    assert not PUBLIC.keys() & OWN.keys() and not OWN.keys() & PROTECTED.keys()


def test_the_owners_reach_every_page(app, world):
    """The ids are real: the strangers' 404s below are refusals, not typos."""
    owners = {"instruct": "teacher_a", "admin": "admin"}
    for rule, method in _rules(app):
        if method != "GET":
            continue
        client = world.clients[owners.get(rule.endpoint.split(".")[0], "trainee_a")]
        url = _url(rule, world.ids)
        assert client.get(url).status_code in (200, 302), url
    teacher = world.clients["teacher_a"]
    class_page = teacher.get(f"/teach/classes/{world.ids['class_id']}").get_data(as_text=True)
    assert CLASS_A in class_page and TRAINEE_A in class_page
    items = teacher.get(f"/teach/assignments/{world.ids['assignment_id']}/items")
    assert FLAG_COMMENT in items.get_data(as_text=True)


def test_anonymous_is_sent_to_sign_in(app, world):
    client = world.clients["anonymous"]
    failures = []
    for rule, method in _rules(app):
        url = _url(rule, world.ids)
        response = _call(client, method, url, token_page="/auth/login")
        if rule.endpoint in PUBLIC:
            ok = response.status_code < 500
        else:
            ok = response.status_code == 302 and response.location.startswith("/auth/login")
        if not ok or _leaks(response.data):
            failures.append(f"{method} {url}: {response.status_code} {_leaks(response.data)}")
    assert failures == []


@pytest.mark.parametrize("stranger", ["trainee_b", "teacher_c"])
def test_strangers_never_see_a_data(app, world, stranger):
    client = world.clients[stranger]
    failures = []
    for rule, method in _rules(app):
        url = _url(rule, world.ids)
        response = _call(client, method, url)
        if rule.endpoint in PROTECTED:
            ok = response.status_code in (403, 404)
        else:
            ok = response.status_code < 500
        if not ok or _leaks(response.data):
            failures.append(f"{method} {url}: {response.status_code} {_leaks(response.data)}")
    assert failures == []
    _assert_a_untouched(app, world)


def test_a_trainee_outside_the_class_cannot_study_its_assignment(world):
    slug, assignment_id = world.ids["slug"], world.ids["assignment_id"]
    response = world.clients["trainee_b"].get(f"/banks/{slug}/study?assignment={assignment_id}")
    assert response.status_code == 404


def test_another_class_item_analysis_leaves_out_a_flags(app, world):
    """Instructor C's own assignment on the same bank counts only C's trainees."""
    client = world.clients["teacher_c"]
    with app.app_context():
        theirs = db.session.scalar(select(Assignment).where(Assignment.title == "Elsewhere exam"))
    for path in (f"/teach/assignments/{theirs.id}", f"/teach/assignments/{theirs.id}/items"):
        response = client.get(path)
        assert response.status_code == 200 and _leaks(response.data) == [], path


# ---- CSRF


def _owner_of(endpoint: str) -> str:
    return {"instruct": "teacher_a", "admin": "admin"}.get(endpoint.split(".")[0], "trainee_a")


def test_every_post_without_a_valid_csrf_token_is_refused(app, world):
    foreign = _token(world.clients["trainee_b"])
    failures = []
    for rule, method in _rules(app):
        if method != "POST":
            continue
        client = world.clients[_owner_of(rule.endpoint)]
        url = _url(rule, world.ids)
        for data in ({}, {"csrf_token": "not-a-token"}, {"csrf_token": foreign}):
            response = client.post(url, data=data)
            if response.status_code != 400:
                failures.append(f"POST {url} with {data or 'no token'}: {response.status_code}")
    assert failures == []
    _assert_a_untouched(app, world)
    assert world.clients["trainee_a"].get("/").status_code == 200, "still signed in"


# ---- SQL-like input


SQL = "' OR 1=1 --"


def _table_counts(app: Flask) -> tuple[set[str], int, int]:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        users = db.session.scalar(select(func.count()).select_from(User))
        members = db.session.scalar(select(func.count()).select_from(Membership))
    return tables, users, members


def test_sql_like_input_is_only_text(app, world):
    before = _table_counts(app)
    anonymous = world.clients["anonymous"]
    for email in (SQL, f"x{SQL}@example.com", TRAINEE_A + SQL):
        response = anonymous.post(
            "/auth/login",
            data={"email": email, "password": SQL, "csrf_token": _token(anonymous, "/auth/login")},
        )
        assert response.status_code == 200, email
        assert "The email or password is not right" in text(response.get_data(as_text=True))
    assert anonymous.get("/").status_code == 302, "nobody signed in"
    registered = app.test_client()
    response = registered.post(
        "/auth/register",
        data={
            "name": SQL,
            "email": "quote'o@example.com",
            "password": "long enough password",
            "confirm": "long enough password",
            "csrf_token": _token(registered, "/auth/register"),
        },
    )
    assert response.status_code in (200, 302)
    refused = registered.post(
        "/auth/register",
        data={
            "name": SQL,
            "email": SQL,
            "password": "long enough password",
            "confirm": "long enough password",
            "csrf_token": _token(registered, "/auth/register"),
        },
    )
    assert refused.status_code in (200, 302)
    trainee = world.clients["trainee_b"]
    # The first is longer than a code may be; the second reaches the query.
    for code, message in (
        ("'; DROP TABLE users; --", "cannot be longer than 20"),
        ("'; DROP TABLE users", "No class has that code"),
    ):
        joined = trainee.post(
            "/classes/join", data={"code": code, "csrf_token": _token(trainee, "/classes/join")}
        )
        assert joined.status_code == 200 and message in text(joined.get_data(as_text=True)), code
    slug = world.ids["slug"]
    for path in (
        f"/banks/{slug}/study?custom=cram&tag=' OR '1'='1",
        f'/banks/{slug}/study?custom=failed&tag=x"; DROP TABLE cards; --',
        f"/banks/{slug}/anki.apkg?tag=' OR '1'='1&section='",
        f"/banks/{slug}/study?section=' OR 1=1 --&kind=\"",
    ):
        assert trainee.get(path).status_code in (200, 302), path
    tables, users, members = _table_counts(app)
    assert tables == before[0] and members == before[2]
    assert users in (before[1], before[1] + 1)  # the quoted address may register; nothing else
    with app.app_context():
        names = db.session.scalars(select(User.name).where(User.name == SQL)).all()
        assert len(names) == users - before[1], "a quoted name is stored as typed"


# ---- escaping


SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_script_in_names_and_comments_renders_as_text(app, world, make_user):
    teacher = world.clients["teacher_a"]
    class_path, assignment_path = _class_with_exam(teacher, SCRIPT, SCRIPT, world.ids["slug"])
    make_user("scripted@example.com")
    with app.app_context():
        user = get_user("scripted@example.com")
        user.name = SCRIPT
        db.session.commit()
    trainee = _signed_in(app, "scripted@example.com")
    _join(trainee, class_path, teacher)
    trainee.post(
        f"/questions/{world.ids['question_id']}/flag",
        data={"reason": "unclear", "comment": SCRIPT, "csrf_token": _token(trainee)},
    )
    pages = {
        "class": teacher.get(class_path),
        "classes": teacher.get("/teach/"),
        "assignment": teacher.get(assignment_path),
        "items": teacher.get(f"{assignment_path}/items"),
        "trainee home": trainee.get("/"),
    }
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert SCRIPT not in page and ESCAPED in page, name
    items = pages["items"].get_data(as_text=True)
    assert items.count(ESCAPED) >= 2, "the flag comment as well as the title"
