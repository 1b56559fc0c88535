"""Keyboard-only use in Chromium: shortcuts never take Enter or Space from a focused control."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from playwright.sync_api import Page

from quizapp.extensions import db
from quizapp.models import Card, Flag, Review
from tests.browser.conftest import LiveServer, Problems
from tests.browser.test_study_flow import EMAIL, press, sign_in
from tests.small_bank import load


def tab_to(page: Page, name: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement && (document.activeElement.innerText"
            " || document.activeElement.value || '')"
        )
        if focused.strip().startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def reviews(app: Flask) -> int:
    with app.app_context():
        return db.session.query(Review).count()


def test_keyboard_users_can_flag_suspend_narrow_and_sign_out(
    page: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    slug = load(app)
    make_user(EMAIL)
    sign_in(page)
    page.goto(f"/banks/{slug}/study?kind=basic")
    press(page, "Space")  # reveal the answer
    assert page.locator("article.card.revealed").count() == 1

    # Enter on "Flag this question" opens the flag form; it grades nothing.
    tab_to(page, "Flag this question")
    page.keyboard.press("Enter")
    assert page.locator("details.flag").get_attribute("open") is not None
    assert page.locator("article.card.revealed").count() == 1
    tab_to(page, "Send flag")
    press(page, "Enter")
    assert "the question is flagged" in page.locator(".flash").inner_text()
    assert reviews(app) == 0
    with app.app_context():
        assert db.session.query(Flag).count() == 1

    # Enter on "Suspend this question for me" suspends it.
    press(page, "Space")
    tab_to(page, "Suspend this question for me")
    press(page, "Enter")
    assert "Question suspended" in page.locator(".flash").inner_text()
    assert reviews(app) == 0
    with app.app_context():
        assert db.session.query(Card).filter_by(suspended=True).count() == 1

    # On a question page Enter on "Apply" narrows instead of revealing.
    page.goto(f"/banks/{slug}/study")
    tab_to(page, "Narrow this session")
    page.keyboard.press("Enter")
    page.wait_for_url("**/options**")
    tab_to(page, "All sections")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the kind list: All kinds -> the first kind
    tab_to(page, "Apply")
    press(page, "Enter")
    assert "kind=" in page.url
    assert page.locator("article.card.revealed").count() == 0

    # Enter on "Sign out" signs out.
    tab_to(page, "Sign out")
    press(page, "Enter")
    assert "/auth/login" in page.url
    assert reviews(app) == 0
    assert problems.messages == []


def test_the_typed_answer_box_has_focus_when_the_card_opens(
    page: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    slug = load(app)
    make_user(EMAIL)
    sign_in(page)
    page.goto(f"/banks/{slug}/study?kind=cloze")
    page.keyboard.type("Sciatic nerv")
    press(page, "Enter")
    assert page.locator("#verdict").inner_text() == "Correct"
    assert page.locator("#grades [data-default]").get_attribute("data-key") == "3"
    press(page, "Enter")
    assert reviews(app) == 1
    assert problems.messages == []


def test_every_kind_can_be_studied_and_undone_with_the_keyboard(
    page: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    slug = load(app)
    make_user(EMAIL)
    sign_in(page)
    for kind in ("basic", "mcq", "true_false", "cloze", "matching", "ordering"):
        page.goto(f"/banks/{slug}/study?kind={kind}")
        card = page.locator("article.card")
        assert card.get_attribute("data-kind") == kind
        if kind == "basic":
            press(page, "Space")
        elif kind == "mcq":
            press(page, "2")  # Hip
        elif kind == "true_false":
            press(page, "2")  # False
        elif kind == "cloze":
            page.keyboard.type("sciatic nerve")
            press(page, "Enter")
        else:
            # Tab into each list and choose with the arrow keys, then Enter on "Check".
            selects = card.locator("select")
            for index in range(selects.count()):
                tab_to(page, "Choose…" if kind == "matching" else "#")
                for _ in range(index + 1):
                    page.keyboard.press("ArrowDown")
            tab_to(page, "Check")
            press(page, "Enter")
        assert page.locator("article.card.revealed").get_attribute("data-kind") == kind
        if kind in ("mcq", "true_false", "cloze"):
            assert page.locator("#verdict").inner_text() == "Correct"
        press(page, "3")
    assert reviews(app) == 6
    page.goto(f"/banks/{slug}/study")
    press(page, "u")
    assert page.locator(".flash").inner_text() == "Your last answer was taken back."
    assert reviews(app) == 5
    assert problems.messages == []
