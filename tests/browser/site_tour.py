"""Every page of the site, as each kind of user reaches it, for whole-site browser checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask
from playwright.sync_api import Page

from quizapp.content.bank import Kind
from quizapp.extensions import db
from quizapp.models import Question, Role
from quizapp.scheduling import Grade
from quizapp.services import assignments, banks, classes, exams, learners, study
from quizapp.services.banks import find_bank
from tests.browser.test_study_flow import sign_in
from tests.helpers import NOW, answer_card, get_user
from tests.small_bank import KINDS, basics, load

TEACHER, ADMIN = "teacher@example.com", "admin@example.com"
LIMITED = "limited@example.com"  # a trainee whose new-card limit is reached
# A long address, as real ones are: it must not widen a page on a phone.
TRAINEE = "anastasia.konstantinopoulou-smythe@hospital-trust.example.com"


@dataclass(frozen=True)
class Stop:
    """One page: who looks at it and how to get there from a signed-in page."""

    who: str | None  # None: signed out
    name: str
    go: Callable[[Page], None]


def _goto(path: str) -> Callable[[Page], None]:
    return lambda page: page.goto(path)


def _reveal(slug: str, kind: Kind) -> Callable[[Page], None]:
    def go(page: Page) -> None:
        page.goto(f"/banks/{slug}/study?kind={kind.value}")
        if kind in (Kind.MCQ, Kind.TRUE_FALSE):
            page.locator('#front [data-key="1"]').click()
        else:
            page.locator('#front [data-key="reveal"]').click()
        page.wait_for_url("**/reveal?**")

    return go


def _open_assignment(room: Any, slug: str, title: str) -> Any:
    """An open assignment of the whole bank with a five-question exam."""
    assignment = assignments.create_assignment(
        db.session,
        room,
        bank=find_bank(db.session, slug),
        title=title,
        selection=assignments.Selection(),
        opens_at=NOW - timedelta(days=1),
        due_at=NOW + timedelta(days=6),
        exam_at=None,
        target_kind="reviews",
        target_reviews=1,
        target_retention=0.9,
        target_share=0.8,
        exam_questions=5,
        exam_minutes=20,
        exam_attempts=2,
    )
    assignments.set_status(db.session, assignment, "open")
    return assignment


def build(app: Flask, make_user: Callable[..., int]) -> list[Stop]:
    """Make a class with an assignment, an exam taken and one open, and some history."""
    slug = load(app, KINDS + basics(3))
    make_user(TEACHER, role=Role.INSTRUCTOR)
    make_user(TRAINEE)
    make_user(ADMIN, role=Role.ADMIN)
    make_user(LIMITED)
    with app.app_context():
        learners.update_settings(
            db.session,
            user=get_user(LIMITED),
            desired_retention=0.9,
            new_per_day=0,
            reviews_per_day=200,
        )
        trainee = get_user(TRAINEE)
        room = classes.create_class(db.session, instructor=get_user(TEACHER), name="Hips", now=NOW)
        classes.join(db.session, user=trainee, code=room.join_code, now=NOW)
        assignment = _open_assignment(room, slug, "Week one")
        question_ids = assignments.question_ids(db.session, assignment)
        for question_id in question_ids[-3:]:
            answer_card(trainee, question_id, Grade.GOOD, NOW - timedelta(hours=2))
        study.flag(
            db.session,
            user=trainee,
            question_id=question_ids[-1],
            reason="unclear",
            comment="Hm",
            now=NOW,
        )
        finished = exams.start(db.session, user=trainee, assignment=assignment, now=NOW)
        exams.submit(db.session, attempt=finished, responses={}, now=NOW)
        # An open attempt hides its questions from study, so it is on a bank of its own.
        exam_week = _open_assignment(room, load(app, KINDS, slug="small-exam"), "Exam week")
        running = exams.start(db.session, user=trainee, assignment=exam_week, now=NOW)
        ids = {
            "assignment": assignment.id,
            "class": room.id,
            "trainee": trainee.id,
            "question": question_ids[0],
            "answered": question_ids[-1],
            "finished": finished.id,
            "running": running.id,
        }
        # A question edited by a maintainer, with a rebuilt version waiting beside the edit.
        revised = db.session.get(Question, question_ids[0])
        banks.edit_question(
            db.session,
            revised,
            by=get_user(ADMIN),
            prompt=revised.content["prompt"],
            answer=revised.content.get("answer"),
            explanation="Edited by a maintainer.",
            now=NOW,
        )
        revised.pending = {**revised.content, "explanation": "Rebuilt from the article."}
        db.session.commit()
    teach = f"/teach/assignments/{ids['assignment']}"
    stops = [
        Stop(None, "sign in", _goto("/auth/login")),
        Stop(None, "register", _goto("/auth/register")),
        Stop(TRAINEE, "home", _goto("/")),
        *(
            Stop(TRAINEE, f"{k.label} question", _goto(f"/banks/{slug}/study?kind={k.value}"))
            for k in Kind
        ),
        *(Stop(TRAINEE, f"{k.label} answer", _reveal(slug, k)) for k in Kind),
        Stop(
            TRAINEE,
            "assignment session",
            _goto(f"/banks/{slug}/study?assignment={ids['assignment']}"),
        ),
        Stop(TRAINEE, "finished session", _goto(f"/banks/{slug}/study?custom=failed")),
        Stop(TRAINEE, "settings", _goto("/settings")),
        Stop(TRAINEE, "statistics", _goto("/stats")),
        Stop(TRAINEE, "join a class", _goto("/classes/join")),
        Stop(TRAINEE, "change password", _goto("/auth/password")),
        Stop(TRAINEE, "browse", _goto("/browse")),
        Stop(TRAINEE, "browse flagged", _goto("/browse?show=flagged&q=the")),
        Stop(TRAINEE, "question history", _goto(f"/browse/questions/{ids['answered']}")),
        Stop(TRAINEE, "exam", _goto(f"/exams/{ids['running']}")),
        Stop(TRAINEE, "exam result", _goto(f"/exams/{ids['finished']}")),
        Stop(TRAINEE, "not found", _goto("/banks/no-such-bank/study")),
        Stop(LIMITED, "new-card limit reached", _goto(f"/banks/{slug}/study")),
        Stop(TEACHER, "teaching", _goto("/teach/")),
        Stop(TEACHER, "class", _goto(f"/teach/classes/{ids['class']}")),
        Stop(TEACHER, "assignment progress", _goto(teach)),
        Stop(TEACHER, "trainee drill-down", _goto(f"{teach}/trainees/{ids['trainee']}")),
        Stop(TEACHER, "item analysis", _goto(f"{teach}/items")),
        Stop(TEACHER, "edit a question", _goto(f"{teach}/questions/{ids['question']}")),
        Stop(ADMIN, "admin users", _goto("/admin/users")),
        Stop(TEACHER, "question banks", _goto("/teach/banks/")),
        Stop(TEACHER, "new bank", _goto("/teach/banks/new")),
        Stop(ADMIN, "review a bank", _goto(f"/teach/banks/{slug}/review")),
        Stop(ADMIN, "edit in review", _goto(f"/teach/banks/{slug}/questions/{ids['question']}")),
        Stop(
            ADMIN,
            "question change history",
            _goto(f"/teach/banks/{slug}/questions/{ids['question']}/history"),
        ),
    ]
    return stops


def sign_in_as(page: Page, who: str | None) -> None:
    if who is not None:
        sign_in(page, who)
