"""The statistics page in Chromium: charts drawn, and their tables give the right numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Card, Question
from quizapp.scheduling import Grade
from quizapp.services import study
from tests.browser.conftest import Clock, Problems
from tests.helpers import NOW, PASSWORD, get_user

EMAIL = "charts@example.com"
# Answers given on two past days: three, then two.
HISTORY = {NOW - timedelta(days=3): 3, NOW - timedelta(days=1): 2}


@pytest.fixture
def history(
    app: Flask, demo_bank: str, make_user, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("quizapp.stats.routes._now", clock.now)
    make_user(EMAIL)
    with app.app_context():
        user = get_user(EMAIL)
        questions = iter(db.session.scalars(select(Question.id).order_by(Question.position)))
        for when, count in HISTORY.items():
            for number in range(count):
                study.answer(
                    db.session,
                    user=user,
                    question_id=next(questions),
                    grade=Grade.EASY,
                    seen_version=0,
                    token=f"{when}-{number}",
                    response=None,
                    duration_ms=2000,
                    now=when,
                    fuzz=False,
                )


def table(page: Page, table_id: str) -> dict[str, str]:
    """First column -> second column of a chart's text table, as assistive technology reads it."""
    rows = page.locator(f"#{table_id} tbody tr")

    def cell(row: int, column: int) -> str:
        return (rows.nth(row).locator("td").nth(column).text_content() or "").strip()

    return {cell(i, 0): cell(i, 1) for i in range(rows.count())}


def test_charts_render_with_their_numbers(app: Flask, history, page: Page, problems: Problems):
    page.goto("/auth/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.get_by_role("link", name="Statistics").click()
    page.wait_for_url("**/stats")

    for chart in ("days-chart", "forecast-chart", "stability-chart", "strength-chart"):
        svg = page.locator(f"svg#{chart}")
        expect(svg).to_be_visible()
        assert svg.get_attribute("aria-describedby"), chart
        assert svg.bounding_box()["width"] > 100, chart

    days = table(page, "days-table")
    assert days == {
        when.date().isoformat(): str(count) for when, count in sorted(HISTORY.items(), reverse=True)
    }

    with app.app_context():
        dues = [card.due for card in db.session.scalars(select(Card))]
    forecast = table(page, "forecast-table")
    shown_total = sum(int(count) for count in forecast.values())
    assert shown_total == sum(due < NOW + timedelta(days=30) for due in dues)
    assert len(forecast) == 30
    assert problems.messages == []
