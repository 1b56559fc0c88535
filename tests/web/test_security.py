"""Access control, CSRF, injection and escaping, checked against every route the app has.

The route matrix reads `app.url_map`, so a new route is probed as soon as it exists and
the suite fails until it is classified below as public, the caller's own, or protected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

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
from quizapp.services import banks
from tests.helpers import Auth, get_user
from tests.pages import csrf_token, form_action, hidden_inputs, text

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
    "study.options": "banks are shared; the scope is the caller's",
    "study.answer": "records the caller's answer",
    "study.undo": "takes back the caller's last answer",
    "study.more_new": "raises the caller's new-card limit for today",
    "study.browser": "shared questions with the caller's own cards and flags",
    "study.question_history": "a shared question with the caller's own answers and flags",
    "study.forget": "resets the caller's own card",
    "study.flag": "the caller flags a shared bank question",
    "study.suspend": "suspends a shared question for the caller only",
    "study.settings": "the caller's scheduler settings",
    "study.export_anki": "the shared bank as a deck, no learner data",
    "study.export_personal_anki": "the shared bank with the caller's own schedule",
    "study.my_data": "the caller's own data as JSON",
    "study.import_anki_reviews": "adds an Anki export to the caller's own history",
    "study.preset_list": "the caller's presets and the bank list",
    "study.preset_save": "creates a preset or changes one of the caller's own (others: refused)",
    "study.preset_assign": "sets the caller's own preset per bank",
    "study.join": "the join form; a code in the URL is the caller's own input",
    "stats.index": "the caller's statistics",
    "stats.optimize_parameters": "fits the caller's scheduler",
    "auth.password": "the caller's password",
    "auth.logout": "signs the caller out",
    "auth.logout_everywhere": "signs the caller out on every device",
    "instruct.index": "the classes the caller teaches (403 for trainees)",
    "author.index": "the banks the caller maintains (403 for trainees)",
    "author.new_bank": "creates a bank the caller maintains (403 for trainees)",
}
# Someone else's object in the URL: a stranger gets 403 or 404, nothing else.
PROTECTED = {
    "study.preset_delete": "another learner's preset",
    "study.start_exam": "an assignment of a class the caller is not in",
    "study.exam": "another learner's exam attempt",
    "study.save_exam": "another learner's exam attempt",
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
    "instruct.add_maintainer": "the bank's maintainers (A) and admins",
    "instruct.restore_question": "A's assignment's question",
    "instruct.download_questions": "A's assignment's questions and bank",
    "author.review": "the bank's maintainers (A) and admins",
    "author.download": "the bank's maintainers (A) and admins",
    "author.review_selected": "the bank's maintainers (A) and admins",
    "author.question_status": "the bank's maintainers (A) and admins",
    "author.approve_drafts": "the bank's maintainers (A) and admins",
    "author.publish": "the bank's maintainers (A) and admins",
    "author.upload_again": "the bank's maintainers (A) and admins",
    "author.question": "the bank's maintainers (A) and admins",
    "author.revision": "the bank's maintainers (A) and admins",
    "author.history": "the bank's maintainers (A) and admins",
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
    """A CSRF token from `path` (or the sign-in page it sends a signed-out client to)."""
    return csrf_token(client.get(path, follow_redirects=True).get_data(as_text=True))


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
    with app.app_context():
        bank = banks.find_bank(db.session, demo_bank)
        banks.add_maintainer(
            db.session, bank, by=get_user(ADMIN), email=TEACHER_A, now=datetime.now(UTC)
        )
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
    return sorted(pairs, key=lambda pair: pair[0].endpoint in SIGN_OUTS)


SIGN_OUTS = ("auth.logout", "auth.logout_everywhere")


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
    owners = {"instruct": "teacher_a", "author": "teacher_a", "admin": "admin"}
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
        # A bank's maintainers are named to every instructor who assigns it: not class data.
        page = re.sub(rb'<section id="maintainers">.*?</section>', b"", response.data, flags=re.S)
        assert response.status_code == 200 and _leaks(page) == [], path


# ---- CSRF


def _owner_of(endpoint: str) -> str:
    owners = {"instruct": "teacher_a", "author": "teacher_a", "admin": "admin"}
    return owners.get(endpoint.split(".")[0], "trainee_a")


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


# ---- an open exam's answers


def test_study_pages_never_show_a_question_of_an_open_exam(app, world):
    """The exam page names its questions; reveal must not answer them during the attempt."""
    trainee, slug, held = world.clients["trainee_a"], world.ids["slug"], world.ids["question_id"]
    probe = trainee.get(f"/banks/{slug}/reveal?q={held}&v=0&t=x")
    assert probe.status_code == 302 and "/reveal" not in probe.location
    shown = trainee.get(f"/banks/{slug}/study?show={held}").get_data(as_text=True)
    assert f'name="q" value="{held}"' not in shown
    # A token served for another card does not open this one either.
    served = hidden_inputs(shown, "front")
    assert int(served["q"]) != held
    stolen = trainee.get(f"/banks/{slug}/reveal", query_string={**served, "q": str(held)})
    assert stolen.status_code == 302 and "/reveal" not in stolen.location
    with app.app_context():
        drawn = set(db.session.get(ExamAttempt, world.ids["attempt_id"]).question_ids)
    # Study the exam's section card by card (Easy): none of the exam's questions comes up.
    seen = set()
    for _ in range(100):
        page = trainee.get(f"/banks/{slug}/study?section=pros_cons").get_data(as_text=True)
        if 'id="front"' not in page:
            break
        fields = hidden_inputs(page, "front")
        seen.add(int(fields["q"]))
        back = trainee.get(f"/banks/{slug}/reveal", query_string=fields).get_data(as_text=True)
        graded = hidden_inputs(back, "grades")
        trainee.post(form_action(back, "grades"), data={**graded, "rating": "4"})
    assert seen and not seen & drawn


def test_reveal_shows_only_a_card_served_to_that_learner(app, world):
    trainee, slug = world.clients["trainee_b"], world.ids["slug"]
    page = trainee.get(f"/banks/{slug}/study").get_data(as_text=True)
    fields = hidden_inputs(page, "front")
    assert trainee.get(f"/banks/{slug}/reveal", query_string=fields).status_code == 200
    other = world.clients["teacher_c"]
    # Another learner's token is not this learner's.
    assert other.get(f"/banks/{slug}/reveal", query_string=fields).status_code == 302
    forged = {**fields, "t": fields["t"].split(".")[0] + ".0000"}
    assert trainee.get(f"/banks/{slug}/reveal", query_string=forged).status_code == 302


def test_the_exam_questions_come_back_once_it_is_handed_in(app, world):
    trainee, slug, held = world.clients["trainee_a"], world.ids["slug"], world.ids["question_id"]
    exam_page = f"/exams/{world.ids['attempt_id']}"
    trainee.post(exam_page, data={"csrf_token": _token(trainee, exam_page)})
    shown = trainee.get(f"/banks/{slug}/study?show={held}").get_data(as_text=True)
    fields = hidden_inputs(shown, "front")
    assert int(fields["q"]) == held
    assert trainee.get(f"/banks/{slug}/reveal", query_string=fields).status_code == 200


# ---- request size


def test_an_oversized_request_is_refused_with_the_apps_own_page(app, client):
    big = "x" * (2 * 1024 * 1024)
    response = client.post("/auth/login", data={"email": big, "password": "p"})
    assert response.status_code == 413
    assert "too large" in text(response.get_data(as_text=True))
    assert response.headers["Content-Security-Policy"]


def test_upload_views_take_larger_requests_up_to_their_own_limit(app):
    from flask import request

    from quizapp.limits import accepts_upload

    app.config["MAX_UPLOAD_BYTES"] = 3 * 1024 * 1024

    @accepts_upload
    def upload() -> str:
        return str(len(request.get_data()))

    app.add_url_rule("/test-upload", view_func=upload, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    octets = {"content_type": "application/octet-stream"}
    fits = client.post("/test-upload", data=b"x" * 2_000_000, **octets)
    assert fits.status_code == 200 and fits.get_data(as_text=True) == "2000000"
    assert client.post("/test-upload", data=b"x" * 4_000_000, **octets).status_code == 413
    elsewhere = client.post("/auth/login", data=b"x" * 2_000_000, **octets)
    assert elsewhere.status_code == 413


# ---- flags


def test_a_flag_written_in_one_class_stays_out_of_a_class_joined_later(app, world):
    trainee = world.clients["trainee_a"]
    with app.app_context():
        elsewhere = db.session.scalar(select(Classroom).where(Classroom.name == "Cohort Elsewhere"))
        theirs = db.session.scalar(select(Assignment).where(Assignment.title == "Elsewhere exam"))
        code = elsewhere.join_code
    trainee.post(
        "/classes/join", data={"code": code, "csrf_token": _token(trainee, "/classes/join")}
    )
    items = world.clients["teacher_c"].get(f"/teach/assignments/{theirs.id}/items")
    assert items.status_code == 200
    assert FLAG_COMMENT not in items.get_data(as_text=True)
    own = world.clients["teacher_a"].get(f"/teach/assignments/{world.ids['assignment_id']}/items")
    assert FLAG_COMMENT in own.get_data(as_text=True)


def test_a_flag_sent_twice_is_one_flag_the_learner_can_change(app, world):
    from quizapp.models import Flag

    trainee, question_id = world.clients["trainee_a"], world.ids["question_id"]
    for comment in ("first thought", "second thought"):
        trainee.post(
            f"/questions/{question_id}/flag",
            data={"reason": "unclear", "comment": comment, "csrf_token": _token(trainee)},
        )
    with app.app_context():
        flags = db.session.scalars(select(Flag).where(Flag.question_id == question_id)).all()
        assert [(f.reason, f.comment) for f in flags] == [("unclear", "second thought")]


# ---- hostile values at the edge: a clear 4xx or a form message, never a 500

HUGE_ID = "2147483648"
NUL = "bad\x00value"
HOSTILE_FIELDS = {
    field: NUL
    for field in (
        "name",
        "email",
        "password",
        "current",
        "new",
        "confirm",
        "title",
        "comment",
        "code",
        "response",
        "token",
        "prompt",
        "answer",
        "explanation",
        "tags",
        "reason",
        "role",
        "status",
        "bank",
        "back_to_bank",
    )
} | {
    "question_id": "9" * 30,
    "version": HUGE_ID,
    "rating": "3",
    "desired_retention": "sNaN",
    "new_per_day": "20",
    "reviews_per_day": "200",
    "target_retention": "NaN",
    "target_share": "Infinity",
    "questions": "\n".join(f"q{n}" for n in range(3000)),
    "opens_at": "2026-01-01T00:00",
    "due_at": "2030-01-01T00:00",
    "target_kind": "reviews",
    "target_reviews": "1",
}


def test_every_route_answers_an_id_beyond_32_bits_with_404(app, world):
    failures = []
    for rule, method in _rules(app):
        if not {a for a in rule.arguments if a.endswith("_id")}:
            continue
        huge = {**world.ids, **{a: HUGE_ID for a in rule.arguments if a.endswith("_id")}}
        client = world.clients[_owner_of(rule.endpoint)]
        response = _call(client, method, _url(rule, huge))
        if response.status_code != 404:
            failures.append(f"{method} {_url(rule, huge)}: {response.status_code}")
    assert failures == []


def test_every_post_survives_hostile_field_values(app, world):
    failures = []
    for rule, method in _rules(app):
        if method != "POST" or rule.endpoint in SIGN_OUTS:
            continue
        client = world.clients[_owner_of(rule.endpoint)]
        url = _url(rule, world.ids)
        response = client.post(url, data={**HOSTILE_FIELDS, "csrf_token": _token(client)})
        if response.status_code >= 500:
            failures.append(f"POST {url}: {response.status_code}")
    assert failures == []


def test_hostile_query_values_get_a_page_not_a_500(app, world):
    slug, trainee = world.ids["slug"], world.clients["trainee_b"]
    paths = [
        f"/banks/{slug}/study?show={'9' * 40}",
        f"/banks/{slug}/study?assignment={HUGE_ID}",
        f"/banks/{slug}/study?custom=cram&after={'9' * 40}",
        f"/banks/{slug}/reveal?q={HUGE_ID}&v={HUGE_ID}&t=x",
        f"/banks/{slug}/study?custom=cram&tag=a%00b",
        f"/banks/{slug}/anki.apkg?tag=a%00b&section=%00",
        "/banks/a%00b/study",
        "/banks/a%00b/reveal?q=1&v=0&t=x",
        "/join/a%00b",
    ]
    for path in paths:
        assert trainee.get(path).status_code < 500, path
    anonymous = app.test_client()
    token = _token(anonymous, "/auth/login")
    make = {"email": TRAINEE_B, "password": "correct horse battery", "csrf_token": token}
    signed = anonymous.post("/auth/login?next=/%0d%0aSet-Cookie:%20x=1", data=make)
    assert signed.status_code == 302 and "\n" not in signed.location and "\r" not in signed.location


def test_nul_in_a_form_gets_a_message_and_changes_nothing(app, world):
    trainee = world.clients["trainee_b"]
    joined = trainee.post(
        "/classes/join", data={"code": NUL, "csrf_token": _token(trainee, "/classes/join")}
    )
    assert joined.status_code == 200
    assert "control characters" in text(joined.get_data(as_text=True))
    settings = trainee.post(
        "/settings",
        data={
            "desired_retention": "sNaN",
            "new_per_day": "20",
            "reviews_per_day": "200",
            "csrf_token": _token(trainee, "/settings"),
        },
    )
    assert settings.status_code == 200 and "Enter a number" in text(settings.get_data(as_text=True))


def test_csv_downloads_are_not_stored_by_caches(world):
    teacher, assignment_id = world.clients["teacher_a"], world.ids["assignment_id"]
    user_id = world.ids["user_id"]
    for path in (
        f"/teach/assignments/{assignment_id}/progress.csv",
        f"/teach/assignments/{assignment_id}/trainees/{user_id}.csv",
    ):
        with teacher.get(path) as response:
            response.get_data()
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-store"


# ---- who may change a bank


def test_an_instructor_who_does_not_maintain_a_bank_can_assign_it_but_not_change_it(app, world):
    client = world.clients["teacher_c"]
    with app.app_context():
        theirs = db.session.scalar(select(Assignment).where(Assignment.title == "Elsewhere exam"))
        question = db.session.scalar(
            select(Question).where(Question.bank_id == theirs.bank_id, Question.section == "faq")
        )
    base = f"/teach/assignments/{theirs.id}/questions/{question.id}"
    assert client.get(base).status_code == 403
    edited = client.post(
        base, data={"prompt": "Changed by C", "explanation": "", "csrf_token": _token(client)}
    )
    assert edited.status_code == 403
    client.post(f"{base}/retire", data={"csrf_token": _token(client)})
    items = client.get(f"/teach/assignments/{theirs.id}/items").get_data(as_text=True)
    assert "Who can change these questions" in items and "teacher.alpha" in items
    assert "/questions/" not in items, "no edit links for a non-maintainer"
    with app.app_context():
        stored = db.session.get(Question, question.id)
        assert not stored.retired and stored.content["prompt"] != "Changed by C"
    # A, a maintainer, adds C; then C may change it.
    teacher = world.clients["teacher_a"]
    added = teacher.post(
        f"/teach/banks/{world.ids['slug']}/maintainers",
        data={"email": TEACHER_C, "csrf_token": _token(teacher)},
    )
    assert added.status_code == 302
    assert client.get(base).status_code == 200
