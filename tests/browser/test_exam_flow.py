"""An exam in Chromium, keyboard only: answers save as given, the clock hands in at the limit."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page, expect

from quizapp.extensions import db
from quizapp.models import ExamAttempt
from tests.browser.conftest import Clock, LiveServer, Problems
from tests.browser.test_keyboard import tab_to
from tests.browser.test_study_flow import press, sign_in
from tests.web.test_exam_pages import make_exam


def test_an_exam_taken_with_the_keyboard_saves_answers_and_hands_in_at_the_limit(
    page: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    clock: Clock,
    problems: Problems,
) -> None:
    make_exam(app, make_user, kinds=("mcq", "true_false"))
    sign_in(page, "trainee@example.com")
    tab_to(page, "Take the exam")
    press(page, "Enter")
    expect(page.locator("#time-left")).to_have_text("1:00")
    assert page.locator("#navigator a").count() == 2

    # The first question: pick its first option with the keyboard.
    tab_to(page, "2")  # past the navigator to the first question's options
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#save-status")).to_contain_text("Answers saved")
    expect(page.locator("#navigator a").first).to_have_class("answered")
    page.keyboard.press("Tab")  # leave the radio group for "Mark for review"
    page.keyboard.press("Space")
    expect(page.locator("#navigator a").first).to_have_class("answered marked")
    expect(page.locator("#exam-summary")).to_have_text("1 of 2 answered · 1 marked for review")
    expect(page.locator("#save-status")).to_contain_text("Answers saved")

    def saved() -> tuple[int, int]:
        with app.app_context():
            attempt = db.session.query(ExamAttempt).one()
            return len(attempt.responses), len(attempt.review_marks)

    for _ in range(50):
        if saved() == (1, 1):
            break
        page.wait_for_timeout(100)
    assert saved() == (1, 1)

    # Leave the page and come back with three seconds left: the answers are still there,
    # and at zero the page hands itself in.
    page.goto("/")
    clock.advance(seconds=57)
    page.get_by_role("link", name="Resume the exam").click()
    assert page.locator("fieldset input[type=radio]:checked").count() == 1
    assert page.locator("#exam-summary").inner_text() == "1 of 2 answered · 1 marked for review"
    page.wait_for_url("**/exams/*", timeout=10_000)
    expect(page.locator("#score")).to_be_visible(timeout=10_000)
    assert "of 2)" in page.locator("#score").inner_text()
    assert problems.messages == []


def test_exam_choices_are_easy_to_tap_on_a_phone(
    phone: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    make_exam(app, make_user)
    sign_in(phone, "trainee@example.com")
    phone.get_by_role("button", name="Take the exam").tap()
    phone.wait_for_url("**/exams/*")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for choice in phone.locator("label.choice").all():
        box = choice.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 300
    radio = phone.locator("label.choice input").first.bounding_box()
    assert radio and radio["width"] >= 20
    phone.locator("label.choice").first.tap()
    expect(phone.locator("#save-status")).to_contain_text("Answers saved")
    assert problems.messages == []
