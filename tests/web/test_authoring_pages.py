"""Authoring on the site: upload, review, publish; what trainees and other instructors see."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from quizapp.extensions import db
from quizapp.models import Bank, Question, QuestionChange, Role
from tests.helpers import ROOT, Auth
from tests.pages import csrf_token, text

ARTICLE = (ROOT / "tests" / "data" / "posterior-hip-pain.txt").read_bytes()
SLUG = "posterior-hip-pain"


@pytest.fixture
def owner(app, make_user):
    make_user("owner@example.com", role=Role.INSTRUCTOR)
    client = app.test_client()
    Auth(client).login("owner@example.com")
    return client


def _client(app, make_user, email, role=Role.TRAINEE):
    make_user(email, role=role)
    client = app.test_client()
    Auth(client).login(email)
    return client


def _upload(client, name="posterior-hip-pain.txt", data=ARTICLE, url="/teach/banks/new", **extra):
    token = csrf_token(client.get("/teach/banks/new").get_data(as_text=True))
    # Encoded here in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(data), name),
            "topic_kind": "",
            "csrf_token": token,
            **extra,
        }
    )
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _post(client, url, **data):
    token = csrf_token(client.get(f"/teach/banks/{SLUG}/review").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _ids(app, status=None):
    with app.app_context():
        query = select(Question.id).order_by(Question.position)
        if status:
            query = query.where(Question.status == status)
        return list(db.session.scalars(query))


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_an_uploaded_article_opens_for_review_as_drafts(app, owner):
    response = _upload(owner)
    assert response.status_code == 302 and response.location == f"/teach/banks/{SLUG}/review"
    page = owner.get(response.location).get_data(as_text=True)
    assert "questions built as drafts" in page
    assert "Draft</strong>: trainees see nothing" in page
    # Each question shows its source sentences, and the lint's findings where it has any.
    assert "Source sentences" in page
    assert "Posterior hip pain means pain felt at the back of the hip" in page
    assert page.count('data-status="draft"') == len(_ids(app))
    assert 'name="csrf_token"' in page
    listing = owner.get("/teach/banks/").get_data(as_text=True)
    assert "Posterior hip pain" in listing and "Draft" in listing and "owner" in listing


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.txt", b"Hello\n\nworld\n", "broken.txt:1: expected the title line"),
        ("bank.yaml", b"format: 1\nid: x\n  bad: [", "bank.yaml:3: not valid YAML"),
        (
            "bank.json",
            b'{"format": 1, "id": "x", "topic": "T", "article": "a.txt",'
            b' "questions": [{"id": "q1", "kind": "basic"}]}',
            "q1: prompt: missing or empty",
        ),
        ("notes.docx", b"PK", "expected an article (.txt), a bank file"),
        ("latin1.txt", "Caf\xe9".encode("latin-1"), "not UTF-8 text"),
        ("big.txt", b"x" * (5 * 1024 * 1024 + 1), "the article is larger than 5 MB"),
        ("big.yaml", b"#" * (10 * 1024 * 1024 + 1), "is larger than 10 MB"),
    ],
)
def test_a_bad_file_is_named_by_line_or_field_and_nothing_is_written(
    app, owner, name, data, message
):
    response = _upload(owner, name, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Traceback" not in page
    assert 'aria-invalid="true"' in page
    assert _count(app, Bank) == 0 and _count(app, Question) == 0


def test_a_line_the_article_cannot_place_is_named_on_the_review_screen(app, owner):
    lines = ARTICLE.decode().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("Q:"))
    broken = "\n".join([*lines[: number - 1], "Q", *lines[number:]]).encode()
    response = _upload(owner, "x.txt", broken)
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert f"x.txt:{number + 1}: text before the first &#39;Q:&#39; question; skipped" in page


def test_a_draft_bank_is_invisible_to_trainees(app, make_user, owner):
    _upload(owner)
    _post(owner, f"/teach/banks/{SLUG}/approve-drafts")  # approved, but not yet published
    trainee = _client(app, make_user, "trainee@example.com")
    question_id = _ids(app)[0]
    assert "Posterior hip pain" not in trainee.get("/").get_data(as_text=True)
    for url in (
        f"/banks/{SLUG}/study",
        f"/banks/{SLUG}/options",
        f"/banks/{SLUG}/anki.apkg",
        f"/banks/{SLUG}/my-anki.apkg",
        f"/browse/questions/{question_id}",
        f"/teach/banks/{SLUG}/review",
    ):
        assert trainee.get(url).status_code in (403, 404), url
    browsed = trainee.get("/browse?q=hip").get_data(as_text=True)
    assert "data-question=" not in browsed and "No questions match." in browsed
    assert trainee.get(f"/banks/{SLUG}/study?show={question_id}").status_code == 404
    token = csrf_token(trainee.get("/").get_data(as_text=True))
    flagged = trainee.post(
        f"/questions/{question_id}/flag",
        data={"reason": "wrong", "comment": "x", "csrf_token": token},
    )
    assert flagged.status_code in (302, 404)
    with app.app_context():
        from quizapp.models import Flag

        assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_review_approve_reject_and_publish_then_a_trainee_sees_only_approved(app, make_user, owner):
    _upload(owner)
    first, second, third = _ids(app)[:3]
    refused = _post(owner, f"/teach/banks/{SLUG}/publish")
    assert "Approve at least one question" in owner.get(refused.location).get_data(as_text=True)
    _post(owner, f"/teach/banks/{SLUG}/questions/{first}/status", status="approved")
    bulk = _post(owner, f"/teach/banks/{SLUG}/review", status="rejected", question=[second, third])
    assert "2 question(s) rejected" in owner.get(bulk.location).get_data(as_text=True)
    assert _ids(app, "approved") == [first] and _ids(app, "rejected") == [second, third]
    rejected = owner.get(f"/teach/banks/{SLUG}/review?show=rejected").get_data(as_text=True)
    assert rejected.count('<li class="card review-item') == 2
    published = _post(owner, f"/teach/banks/{SLUG}/publish")
    assert "is published" in owner.get(published.location).get_data(as_text=True)

    trainee = _client(app, make_user, "trainee@example.com")
    home = trainee.get("/").get_data(as_text=True)
    assert "Posterior hip pain" in home
    with app.app_context():
        prompts = {qid: db.session.get(Question, qid).content["prompt"] for qid in (first, second)}
    studied = text(trainee.get(f"/banks/{SLUG}/study").get_data(as_text=True))
    assert "1 new" in studied or "New 1" in studied or prompts[first][:40] in studied
    shown = trainee.get(f"/banks/{SLUG}/study?show={second}").get_data(as_text=True)
    assert prompts[second][:40] not in text(shown)
    assert trainee.get(f"/browse/questions/{second}").status_code == 404
    assert trainee.get(f"/browse/questions/{first}").status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            select(QuestionChange.action).where(QuestionChange.question_id == second)
        )
        assert list(actions) == ["create", "rejected"]
    history = owner.get(f"/teach/banks/{SLUG}/questions/{second}/history").get_data(as_text=True)
    assert "rejected" in history and "owner" in history and "draft → rejected" in history


def test_editing_in_review_is_logged_and_shown_in_the_history(app, owner):
    _upload(owner)
    with app.app_context():
        question = db.session.scalar(
            select(Question).where(Question.kind == "basic").order_by(Question.position)
        )
        question_id, prompt = question.id, question.content["prompt"]
    url = f"/teach/banks/{SLUG}/questions/{question_id}"
    token = csrf_token(owner.get(url).get_data(as_text=True))
    saved = owner.post(
        url,
        data={
            "prompt": prompt,
            "answer": "A better answer.",
            "explanation": "",
            "csrf_token": token,
        },
    )
    assert saved.status_code == 302
    page = owner.get(url).get_data(as_text=True)
    assert "edit</strong> by owner" in page and "A better answer." in page


def test_another_instructor_cannot_review_or_publish_someone_elses_bank(app, make_user, owner):
    _upload(owner)
    other = _client(app, make_user, "other@example.com", Role.INSTRUCTOR)
    question_id = _ids(app)[0]
    token = csrf_token(other.get("/teach/").get_data(as_text=True))
    draft_urls = (
        ("GET", f"/teach/banks/{SLUG}/review"),
        ("POST", f"/teach/banks/{SLUG}/publish"),
        ("POST", f"/teach/banks/{SLUG}/approve-drafts"),
        ("POST", f"/teach/banks/{SLUG}/questions/{question_id}/status"),
        ("GET", f"/teach/banks/{SLUG}/questions/{question_id}"),
        ("GET", f"/teach/banks/{SLUG}/questions/{question_id}/history"),
    )
    for method, url in draft_urls:
        response = (
            other.get(url)
            if method == "GET"
            else other.post(url, data={"csrf_token": token, "status": "approved"})
        )
        assert response.status_code == 404, url  # a draft is not even there for them
    assert "Posterior hip pain" not in other.get("/teach/banks/").get_data(as_text=True)
    _post(owner, f"/teach/banks/{SLUG}/approve-drafts")
    _post(owner, f"/teach/banks/{SLUG}/publish")
    for method, url in draft_urls:
        response = (
            other.get(url)
            if method == "GET"
            else other.post(url, data={"csrf_token": token, "status": "rejected"})
        )
        assert response.status_code == 403, url
    assert _ids(app, "rejected") == []
    # Any instructor may assign a published bank.
    classes = other.get("/teach/").get_data(as_text=True)
    token = csrf_token(classes)
    created = other.post("/teach/", data={"name": "Cohort", "csrf_token": token})
    assert SLUG in other.get(created.location).get_data(as_text=True)


def test_every_authoring_post_needs_the_csrf_token(app, owner):
    _upload(owner)
    question_id = _ids(app)[0]
    for url in (
        f"/teach/banks/{SLUG}/publish",
        f"/teach/banks/{SLUG}/approve-drafts",
        f"/teach/banks/{SLUG}/review",
        f"/teach/banks/{SLUG}/questions/{question_id}/status",
        f"/teach/banks/{SLUG}/questions/{question_id}/revision",
        f"/teach/banks/{SLUG}/upload",
        "/teach/banks/new",
    ):
        assert owner.post(url, data={"status": "approved"}).status_code == 400, url
    assert _ids(app, "approved") == []


def test_uploading_a_changed_article_offers_the_rebuilt_question_beside_the_edit(app, owner):
    _upload(owner)
    _post(owner, f"/teach/banks/{SLUG}/approve-drafts")
    sentence = "It is a location-based description, not a single diagnosis."
    with app.app_context():
        question = next(
            q
            for q in db.session.scalars(select(Question).order_by(Question.position))
            if sentence in q.content["source"] and "answer" in q.content
        )
        question_id, prompt = question.id, question.content["prompt"]
    url = f"/teach/banks/{SLUG}/questions/{question_id}"
    token = csrf_token(owner.get(url).get_data(as_text=True))
    owner.post(
        url, data={"prompt": prompt, "answer": "Mine.", "explanation": "", "csrf_token": token}
    )
    changed = ARTICLE.replace(
        sentence.encode(), b"It is a location-based label, not one diagnosis."
    )
    response = _upload(owner, "posterior-hip-pain.txt", changed, url=f"/teach/banks/{SLUG}/upload")
    assert response.status_code == 302 and "show=revision" in response.location
    page = owner.get(response.location).get_data(as_text=True)
    assert "Rebuilt from the changed article" in page and "Mine." in page
    assert "location-based label" in page
    editing = owner.get(url).get_data(as_text=True)
    assert "waiting for review" in editing and "location-based label" in editing
    assert "revision offered</strong> by owner" in editing
    taken = _post(owner, f"/teach/banks/{SLUG}/questions/{question_id}/revision", choice="take")
    assert "rebuilt version is taken" in owner.get(taken.location).get_data(as_text=True)
    with app.app_context():
        found = db.session.get(Question, question_id)
        assert found.pending is None and "location-based label" in " ".join(found.content["source"])
    broken = _upload(owner, "x.txt", b"nothing", url=f"/teach/banks/{SLUG}/upload")
    assert broken.status_code == 400 and "x.txt:1:" in broken.get_data(as_text=True)


GIFT = (
    b"::Sciatic:: Which nerve passes below the piriformis? {=Sciatic ~Femoral ~Obturator}\n\n"
    b"::Essay:: Describe the hip joint. {}\n"
)


def test_questions_from_another_tool_open_for_review_and_name_what_was_left_out(app, owner):
    response = _upload(owner, name="hip quiz.gift", data=GIFT)
    assert response.status_code == 302 and response.location == "/teach/banks/hip-quiz/review"
    page = text(owner.get(response.location).get_data(as_text=True))
    assert "1 questions built as drafts" in page
    assert "Left out of the file" in page and "essay questions are not supported" in page
    assert "Which nerve passes below the piriformis?" in page


def test_questions_uploaded_again_from_another_tool_add_and_retire_nothing(app, owner):
    _upload(owner)
    before = len(_ids(app))
    csv = (
        b"id,kind,section,prompt,answer,explanation,tags\n"
        b"extra-1,basic,faq,Which muscle lies over the sciatic nerve?,Piriformis,,\n"
    )
    response = _upload(owner, name="more.csv", data=csv, url=f"/teach/banks/{SLUG}/upload")
    assert response.status_code == 302
    page = text(owner.get(response.location).get_data(as_text=True))
    assert "1 added, 0 updated" in page
    assert len(_ids(app)) == before + 1
    with app.app_context():
        assert not db.session.scalar(select(func.count()).where(Question.retired))


def test_maintainers_download_the_bank_with_its_drafts_and_edits(app, make_user, owner):
    _upload(owner)
    [first, *_] = _ids(app)
    url = f"/teach/banks/{SLUG}/questions/{first}"
    _post(owner, url, prompt="An edited prompt?", answer="An edited answer.", explanation="")
    response = owner.get(f"/teach/banks/{SLUG}/download?format=yaml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{SLUG}.yaml"'
    body = response.get_data(as_text=True)
    assert "An edited prompt?" in body and body.count("- id: ") == len(_ids(app))
    gift = owner.get(f"/teach/banks/{SLUG}/download?format=gift")
    assert gift.status_code == 200 and "An edited prompt?" in gift.get_data(as_text=True)
    assert owner.get(f"/teach/banks/{SLUG}/download?format=pdf").status_code == 404
    other = _client(app, make_user, "other@example.com", role=Role.INSTRUCTOR)
    assert other.get(f"/teach/banks/{SLUG}/download?format=yaml").status_code == 404
