"""Authoring in Chromium: upload an article, review its questions, publish, a trainee studies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from quizapp.models import Role
from tests.browser.conftest import LiveServer, Problems, open_page
from tests.browser.test_study_flow import sign_in
from tests.helpers import ROOT

AUTHOR = "author@example.com"
TRAINEE = "ann@example.com"
ARTICLE = ROOT / "cards" / "hip-osteoarthritis.txt"
SLUG = "hip-osteoarthritis"


@pytest.fixture
def trainee_page(browser: Browser, live_server: LiveServer, problems: Problems) -> Iterator[Page]:
    page = open_page(browser, live_server, problems, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


def test_upload_review_publish_and_a_trainee_studies_it(
    page: Page, trainee_page: Page, make_user, problems: Problems
) -> None:
    make_user(AUTHOR, role=Role.INSTRUCTOR)
    make_user(TRAINEE)

    sign_in(trainee_page, TRAINEE)
    assert trainee_page.locator(f'[data-bank="{SLUG}"]').count() == 0

    sign_in(page, AUTHOR)
    page.get_by_role("link", name="Teaching").click()
    page.get_by_role("link", name="Question banks").click()
    page.get_by_role("link", name="New bank").click()
    page.get_by_label("Article (.txt").set_input_files(str(ARTICLE))
    page.get_by_role("button", name="Build and review").click()
    page.wait_for_url(f"**/teach/banks/{SLUG}/review")
    assert "Draft" in page.locator("#bank-status").inner_text()
    assert page.get_by_role("button", name="Publish").is_disabled()
    items = page.locator(".review-item")
    total = items.count()
    assert total > 20
    assert items.first.locator(".source").count() == 1

    # Reject the first question by its own button, found by its accessible name.
    first_key = items.first.get_attribute("data-question")
    page.get_by_role("button", name=f"Reject {first_key}", exact=True).click()
    page.wait_for_url(f"**/teach/banks/{SLUG}/review")
    assert page.locator(f'[data-question="{first_key}"]').get_attribute("data-status") == "rejected"

    # Tick two more with the keyboard and reject them together.
    second, third = (items.nth(i).get_attribute("data-question") for i in (1, 2))
    for key in (second, third):
        page.get_by_label(f"Select question {key}", exact=True).focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Reject selected").click()
    page.wait_for_url(f"**/teach/banks/{SLUG}/review")
    assert page.locator('[data-status="rejected"]').count() == 3

    page.get_by_role("button", name="Approve all drafts").click()
    page.wait_for_url(f"**/teach/banks/{SLUG}/review")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"**/teach/banks/{SLUG}/review")
    assert "is published" in page.locator(".flash").inner_text()
    assert "Published" in page.locator("#bank-status").inner_text()

    trainee_page.goto("/")
    bank = trainee_page.locator(f'[data-bank="{SLUG}"]')
    assert bank.count() == 1
    bank.get_by_role("link", name="Hip osteoarthritis").click()
    trainee_page.wait_for_url(f"**/banks/{SLUG}/study*")
    assert trainee_page.locator(".prompt").is_visible()
    assert trainee_page.locator(".counts .new").inner_text() == "20 new"  # the daily limit
    assert problems.messages == []
