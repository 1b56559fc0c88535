"""The instructor's tables as they read: sorted, paged, filtered; retiring with a
confirmation and restoring; cloze prompts shown as text."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizapp import jobs, scheduling
from quizapp.content.bank import Bank as BankFile
from quizapp.content.bank import Kind, Question, Section
from quizapp.extensions import db
from quizapp.models import Membership, Role, User
from quizapp.scheduling import Grade
from quizapp.services import (
    assignments,
    banks,
    cards,
    classes,
    item_analysis,
    learners,
    progress_csv,
    study,
)
from tests.helpers import NOW, Auth, answer_card, get_user, work
from tests.pages import csrf_token, text

TRAINEES = 57  # more than one page of 50


def bank_file() -> BankFile:
    questions = [
        Question(
            id="cloze-0",
            kind=Kind.CLOZE,
            section=Section.FAQ,
            prompt="The {{c1::piriformis}} lies deep to gluteus maximus.",
        ),
        *(
            Question(
                id=f"mcq-{n}",
                kind=Kind.MCQ,
                section=Section.FAQ,
                prompt=f"Pick {n}?",
                answer=f"Yes {n}",
                options=(f"Yes {n}", f"No {n}"),
            )
            for n in range(1, 4)
        ),
    ]
    return BankFile(id="tables", topic="Tables", article="t.md", questions=tuple(questions))


@pytest.fixture
def course(app, client, make_user):
    with app.app_context():
        make_user("teacher@example.com", role=Role.INSTRUCTOR)
        teacher = get_user("teacher@example.com")
        banks.load_bank(db.session, bank_file(), article_text="", now=NOW, maintainer=teacher)
        room = classes.create_class(db.session, instructor=teacher, name="Block", now=NOW)
        # Trainees who need not sign in: inserted directly, named so that name order and
        # id order differ.
        for n in range(TRAINEES):
            user = User(
                email=f"t{n}@example.com",
                name=f"Trainee {(n * 7) % TRAINEES:02d}",
                password_hash="-",
                session_token=f"s{n}",
            )
            db.session.add(user)
            db.session.flush()
            db.session.add(
                Membership(class_id=room.id, user_id=user.id, role="trainee", joined_at=NOW)
            )
        db.session.commit()
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=banks.find_bank(db.session, "tables"),
            title="Week",
            selection=assignments.Selection(),
            opens_at=NOW,
            due_at=NOW + timedelta(days=30),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
        )
        questions = assignments.question_set(db.session, assignment)
        # The trainee named "Trainee 40" answers most; "Trainee 05" gets everything wrong.
        busy = db.session.scalar(db.select(User).where(User.name == "Trainee 40"))
        weak = db.session.scalar(db.select(User).where(User.name == "Trainee 05"))
        for question in questions:
            answer_card(busy, question.id, Grade.GOOD, NOW)
            answer_card(busy, question.id, Grade.GOOD, NOW + timedelta(days=2))
            answer_card(weak, question.id, Grade.AGAIN, NOW)
        study.flag(
            db.session, user=weak, question_id=questions[1].id, reason="wrong", comment="x", now=NOW
        )
        ids = {"assignment": assignment.id, "questions": [q.id for q in questions]}
    Auth(client).login("teacher@example.com")
    return ids


def _names(page: str) -> list[str]:
    table = re.search(r'<table class="progress" id="progress">.*?</table>', page, re.S).group(0)
    return re.findall(r">(Trainee \d\d)</a>", table)


def test_progress_pages_by_name_and_sorts_by_a_column(client, course):
    base = f"/teach/assignments/{course['assignment']}"
    first = client.get(base).get_data(as_text=True)
    names = _names(first)
    assert names == [f"Trainee {n:02d}" for n in range(50)]
    assert "1–50 of 57 trainees" in text(first)
    second = client.get(f"{base}?page=2").get_data(as_text=True)
    assert _names(second) == [f"Trainee {n:02d}" for n in range(50, TRAINEES)]
    by_reviews = client.get(f"{base}?sort=reviews&order=desc").get_data(as_text=True)
    assert _names(by_reviews)[:2] == ["Trainee 40", "Trainee 05"]
    # Links keep the sort while paging.
    assert (
        'href="/teach/assignments/{}?sort=reviews&amp;order=desc&amp;page=2"'.format(
            course["assignment"]
        )
        in by_reviews
    )
    by_accuracy = client.get(f"{base}?sort=accuracy").get_data(as_text=True)
    assert _names(by_accuracy)[:2] == ["Trainee 05", "Trainee 40"]  # unanswered come last
    by_recall = client.get(f"{base}?sort=then&order=desc").get_data(as_text=True)
    assert _names(by_recall)[:2] == ["Trainee 40", "Trainee 05"]
    past_the_end = client.get(f"{base}?page=99").get_data(as_text=True)
    assert _names(past_the_end) == _names(second)


def test_progress_csv_lists_every_trainee_by_name(client, course):
    response = client.get(f"/teach/assignments/{course['assignment']}/progress.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["trainee", "email", "started"]
    assert [row[0] for row in rows[1:]] == [f"Trainee {n:02d}" for n in range(TRAINEES)]
    busy = next(row for row in rows if row[0] == "Trainee 40")
    assert busy[2:5] == ["4", "4", "8"] and busy[-2] == "True"
    # The projection date (the due date) is before today: recall was higher then.
    assert 0 < int(busy[6]) < int(busy[7]) <= 100


def test_large_class_csv_is_prepared_in_the_background_with_the_same_rows(
    app, client, course, redis, monkeypatch
):
    url = f"/teach/assignments/{course['assignment']}/progress.csv"
    in_request = list(csv.reader(io.StringIO(client.get(url).get_data(as_text=True))))
    monkeypatch.setattr(progress_csv, "IN_REQUEST_TRAINEES", TRAINEES - 1)
    page = client.get(url)
    assert page.mimetype == "text/html"
    assert "prepared in the background" in text(page.get_data(as_text=True))
    not_ready = client.get(f"{url}?download=1").get_data(as_text=True)
    assert "That file is not ready" in text(not_ready)
    refused = client.post(url, data={})  # no CSRF token: nothing is queued
    assert "The form expired" in text(refused.get_data(as_text=True))
    assert jobs.state(redis, progress_csv.JOB, key=str(course["assignment"])).status == "none"
    queued = client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert queued.status_code == 302
    assert "Waiting for a free worker" in text(client.get(url).get_data(as_text=True))
    with app.app_context():
        work(redis)
    ready = text(client.get(url).get_data(as_text=True))
    assert f"Ready: {TRAINEES} trainees" in ready
    download = client.get(f"{url}?download=1")
    assert download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "no-store"
    body = download.get_data(as_text=True)
    download.close()
    made = progress_csv.file_path(Path(app.instance_path) / "exports", course["assignment"])
    made.unlink()
    assert list(csv.reader(io.StringIO(body))) == in_request


def test_item_analysis_sorts_filters_and_shows_cloze_as_text(client, course):
    base = f"/teach/assignments/{course['assignment']}/items"
    page = client.get(base).get_data(as_text=True)
    assert "{{c1::" not in page
    assert '<mark class="cloze">piriformis</mark>' in page
    keys = re.findall(r'data-question="([^"]+)"', page)
    assert keys == ["cloze-0", "mcq-1", "mcq-2", "mcq-3"]
    flagged_once = re.search(r'<tr class="flagged" data-question="mcq-1"', page)
    assert flagged_once, "a question flagged once is highlighted"
    only_flagged = client.get(f"{base}?show=flagged").get_data(as_text=True)
    assert re.findall(r'data-question="([^"]+)"', only_flagged) == ["mcq-1"]
    by_flags = client.get(f"{base}?sort=flags&order=desc").get_data(as_text=True)
    assert re.findall(r'data-question="([^"]+)"', by_flags)[0] == "mcq-1"
    unknown = client.get(f"{base}?show=nonsense&sort=nonsense&page=x")
    assert unknown.status_code == 200


def test_retiring_asks_first_and_can_be_undone(client, course):
    base = f"/teach/assignments/{course['assignment']}"
    question_id = course["questions"][2]
    confirm = client.get(f"{base}/questions/{question_id}/retire")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Retire this question?" in page and "Pick 2?" in page
    # Nothing changed by looking at the confirmation, and a post without a token fails.
    assert client.post(f"{base}/questions/{question_id}/retire").status_code == 400
    items = client.get(f"{base}/items").get_data(as_text=True)
    assert 'data-question="mcq-2"' in items and 'id="retired"' not in items
    client.post(f"{base}/questions/{question_id}/retire", data={"csrf_token": csrf_token(page)})
    items = client.get(f"{base}/items").get_data(as_text=True)
    retired = re.search(r'<ul id="retired">.*?</ul>', items, re.S).group(0)
    assert 'data-question="mcq-2"' in retired
    assert re.findall(r'<tr[^>]*data-question="([^"]+)"', items) == ["cloze-0", "mcq-1", "mcq-3"]
    client.post(f"{base}/questions/{question_id}/restore", data={"csrf_token": csrf_token(items)})
    items = client.get(f"{base}/items").get_data(as_text=True)
    assert 'id="retired"' not in items and "mcq-2" in items


def _reference(app, assignment_id: int, now):  # type: ignore[no-untyped-def]
    """Each trainee's figures, computed card by card in Python, in the class's name order."""
    from quizapp.models import Assignment, Card

    with app.app_context():
        found = db.session.get(Assignment, assignment_id)
        ids = assignments.question_ids(db.session, found)
        rows = []
        for user in classes.trainees(found.classroom):
            user_cards = db.session.scalars(
                db.select(Card).where(Card.user_id == user.id, Card.question_id.in_(ids))
            ).all()
            settings = learners.settings_for(user, fuzz=False)
            reviews = sum(card.reps for card in user_cards)
            recall = sum(
                scheduling.retrievability(settings, cards.memory_of(card), now)
                for card in user_cards
            )
            recall_then = sum(
                scheduling.retrievability(settings, cards.memory_of(card), found.due_at)
                for card in user_cards
            )
            rows.append(
                {
                    "name": user.name,
                    "started": sum(card.last_review is not None for card in user_cards),
                    "reviews": reviews,
                    "accuracy": sum(card.passed for card in user_cards) / reviews
                    if reviews
                    else None,
                    "now": recall / len(ids),
                    "then": recall_then / len(ids),
                    # Every question answered at least `target_reviews` times.
                    "target": len(user_cards) == len(ids)
                    and min(card.reps for card in user_cards) >= found.target_reviews,
                    "overdue": sum(
                        card.last_review is not None and card.state == 2 and card.due < now
                        for card in user_cards
                    ),
                }
            )
        return rows


def test_progress_pages_sort_and_page_as_a_python_reference(app, client, course):
    """Every sortable column, both ways, over two pages, against figures computed card by
    card: the class is summed in SQL, sorted in full and cut into pages of 50."""
    with app.app_context():
        trainees = db.session.scalars(
            db.select(User).where(User.email.like("t%@example.com")).order_by(User.id)
        ).all()
        questions = course["questions"]
        # Varied histories: a different number of questions, grades and days for many.
        for n, user in enumerate(trainees[:24]):
            for k, question_id in enumerate(questions[: 1 + n % len(questions)]):
                grade = (Grade.AGAIN, Grade.HARD, Grade.GOOD, Grade.EASY)[(n + k) % 4]
                answer_card(user, question_id, grade, NOW + timedelta(days=n % 5, hours=k))
    reference = _reference(app, course["assignment"], datetime.now(UTC))
    base = f"/teach/assignments/{course['assignment']}"
    for sort in ("name", "started", "reviews", "accuracy", "now", "then", "overdue", "target"):
        for order in ("asc", "desc"):
            if sort == "name":
                key = lambda row: row["name"].casefold()  # noqa: E731
            else:
                key = lambda row, sort=sort: row[sort]  # noqa: E731
            present = [row for row in reference if key(row) is not None]
            present.sort(key=key, reverse=order == "desc")
            expected = [row["name"] for row in present] + [
                row["name"] for row in reference if key(row) is None
            ]
            shown = []
            for number in (1, 2):
                page = client.get(f"{base}?sort={sort}&order={order}&page={number}")
                shown += _names(page.get_data(as_text=True))
            assert shown == expected, (sort, order)


def test_a_running_csv_job_shows_how_many_trainees_are_done(client, course, redis, monkeypatch):
    from rq.job import Job, JobStatus

    url = f"/teach/assignments/{course['assignment']}/progress.csv"
    monkeypatch.setattr(progress_csv, "IN_REQUEST_TRAINEES", 0)
    page = client.get(url).get_data(as_text=True)
    client.post(url, data={"csrf_token": csrf_token(page)})
    job = Job.fetch(jobs.job_id(progress_csv.JOB, str(course["assignment"])), connection=redis)
    # What the worker records as it writes (`jobs.report_progress`), mid-file.
    job.set_status(JobStatus.STARTED)
    job.meta.update(done=50, total=TRAINEES)
    job.save_meta()
    running = text(client.get(url).get_data(as_text=True))
    assert f"Preparing the file now: 50 of {TRAINEES} trainees done" in running
    assert "Prepare the file" not in running  # no second start while it runs


def test_a_large_class_gets_item_analysis_from_the_worker(app, client, course, redis, monkeypatch):
    url = f"/teach/assignments/{course['assignment']}/items"
    in_request = client.get(f"{url}?sort=discrimination").get_data(as_text=True)
    monkeypatch.setattr(item_analysis, "IN_REQUEST_CARDS", 0)
    pending = client.get(url).get_data(as_text=True)
    assert "summed in the background" in text(pending)
    refused = client.post(url, data={})
    assert "The form expired" in text(refused.get_data(as_text=True))
    assert client.post(url, data={"csrf_token": csrf_token(pending)}).status_code == 302
    assert "Waiting for a free worker" in text(client.get(url).get_data(as_text=True))
    with app.app_context():
        work(redis)
    made = client.get(f"{url}?sort=discrimination").get_data(as_text=True)
    assert "summed on the background worker" in text(made)

    def table(page: str) -> str:
        return re.search(r"<table.*?</table>", page, re.S).group(0)

    assert table(made) == table(in_request)
