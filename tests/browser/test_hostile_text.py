"""Script in flag comments and class names shows as text on instructors' pages, and never runs."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Question, Role
from quizapp.services import assignments, classes, study
from tests.browser.conftest import Problems
from tests.helpers import NOW, PASSWORD, get_user

SCRIPT = '<script>alert("comment")</script><img src=x onerror=alert("img")>'


def test_flag_comments_and_class_names_are_inert(
    app: Flask, make_user, page: Page, problems: Problems
):
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    make_user("ann@example.com")
    with app.app_context():
        teacher, ann = get_user("teacher@example.com"), get_user("ann@example.com")
        room = classes.create_class(db.session, instructor=teacher, name=f"Class {SCRIPT}", now=NOW)
        classes.join(db.session, user=ann, code=room.join_code, now=NOW)
        assignment = assignments.create_assignment(
            db.session,
            room,
            bank=db.session.scalar(select(Bank)),
            title=f"Week {SCRIPT}",
            selection=assignments.Selection(sections=("faq",)),
            opens_at=NOW,
            due_at=NOW + timedelta(days=7),
            exam_at=None,
            target_kind="reviews",
            target_reviews=1,
            target_retention=0.9,
            target_share=0.8,
        )
        question = db.session.scalar(select(Question).where(Question.section == "faq"))
        study.flag(
            db.session, user=ann, question_id=question.id, reason="wrong", comment=SCRIPT, now=NOW
        )
        class_id, assignment_id = room.id, assignment.id

    page.goto("/auth/login")
    page.fill("#email", "teacher@example.com")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    for path in (f"/teach/classes/{class_id}", f"/teach/assignments/{assignment_id}/items"):
        page.goto(path)
        assert page.locator("img").count() == 0, path
        assert page.locator("script:not([src])").count() == 0, path
    assert SCRIPT in page.locator("#items .flags").inner_text()
    assert problems.messages == []
