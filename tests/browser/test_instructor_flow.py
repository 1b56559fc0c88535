"""A class in Chromium: an instructor sets an assignment, a trainee studies it, progress shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page

from quizapp.models import Role
from tests.browser.conftest import Clock, LiveServer, Problems, open_page
from tests.browser.test_study_flow import press, sign_in
from tests.helpers import PASSWORD

TEACHER = "teacher@example.com"
TRAINEE = "ann@example.com"
CLASS_NAME = "Hip block <b>1</b>"
TITLE = "FAQ week"
FAQ_QUESTIONS = 10


@pytest.fixture
def trainee_page(browser: Browser, live_server: LiveServer, problems: Problems) -> Iterator[Page]:
    """A second desktop page with its own cookies, for the trainee."""
    page = open_page(browser, live_server, problems, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


@pytest.fixture
def teach_clock(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Give the instructor pages the study pages' clock, so retention and overdue agree."""
    monkeypatch.setattr("quizapp.instruct.routes._now", clock.now)
    return clock


def register(page: Page, *, name: str, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("/")


def cells(row: Locator) -> list[str]:
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def create_class(page: Page) -> str:
    """Create the class from the Teaching page; returns its join code."""
    page.get_by_role("link", name="Teaching").click()
    page.wait_for_url("**/teach/")
    page.get_by_label("Class name").fill(CLASS_NAME)
    page.get_by_role("button", name="Create class").click()
    page.wait_for_url("**/teach/classes/*")
    heading = page.locator("h1")
    assert heading.inner_text() == CLASS_NAME, "markup in a class name is shown as text"
    assert heading.locator("b").count() == 0
    code = page.locator("#join-code").inner_text()
    assert len(code) == 8
    assert f"Trainees join with the code {code}." in page.locator(".flash").inner_text()
    return code


def create_assignment(page: Page, bank: str) -> None:
    """Set the FAQ section of the bank, every question reviewed once, then open it."""
    page.get_by_text("New assignment").click()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Bank").select_option(bank)
    page.get_by_label("Sections (none: all)").select_option(["faq"])
    # The clock's NOW is 2026-03-02 09:00 UTC.
    page.get_by_label("Opens (your time)").fill("2026-03-01T00:00")
    page.get_by_label("Due (your time)").fill("2026-03-16T00:00")
    page.get_by_label("Every question reviewed at least N times").check()
    page.get_by_label("N reviews").fill("1")
    page.get_by_role("button", name="Create assignment").click()
    page.wait_for_url("**/teach/assignments/*")
    assert page.locator("h1").inner_text() == TITLE
    summary = page.locator("main > p", has_text="target:").inner_text()
    assert f"{FAQ_QUESTIONS} questions" in summary
    assert "due 2026-03-16 00:00 UTC" in summary
    assert "every question reviewed 1 times" in summary
    assert page.get_by_label("Status").input_value() == "draft"
    page.get_by_label("Status").select_option("open")
    with page.expect_navigation():
        page.get_by_role("button", name="Save status").click()
    assert page.locator(".flash").inner_text() == f"“{TITLE}” is now open."
    assert page.get_by_label("Status").input_value() == "open"


def join(page: Page, code: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Join a class").click()
    page.wait_for_url("**/classes/join")
    page.get_by_label("Join code").fill(code.lower())  # codes are read case-blind
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("/")
    assert page.locator(".flash").inner_text() == f"You are in {CLASS_NAME}."


def assignment_entry(page: Page) -> Locator:
    page.goto("/")
    entries = page.locator("#assignments li")
    assert entries.count() == 1
    return entries.first


def test_instructor_sees_a_trainee_study_an_assignment(
    page: Page,
    trainee_page: Page,
    live_server: LiveServer,
    make_user: Callable[..., int],
    teach_clock: Clock,
    problems: Problems,
) -> None:
    make_user(TEACHER, role=Role.INSTRUCTOR)
    sign_in(page, TEACHER)
    code = create_class(page)
    create_assignment(page, live_server.bank)
    progress_url = page.url
    page.locator("#progress").wait_for()
    assert cells(page.locator("#progress tbody tr")) == ["No trainees yet."]

    trainee = trainee_page
    register(trainee, name="Ann Lee", email=TRAINEE)
    assert trainee.get_by_role("link", name="Teaching").count() == 0
    join(trainee, code)
    entry = assignment_entry(trainee)
    assert entry.locator("a.title").inner_text() == TITLE
    assert entry.locator("span").inner_text() == (
        f"{CLASS_NAME} · due 2026-03-16 · 0/{FAQ_QUESTIONS} started"
    )

    page.reload()
    row = page.locator("#progress tbody tr")
    assert cells(row) == ["Ann Lee", "0/10", "0", "—", "0%", "0%", "0", "No"]

    # Three FAQ cards with the keyboard: Good, Again, Easy.
    entry.locator("a.title").click()
    trainee.wait_for_url(f"**/banks/{live_server.bank}/study?assignment=*")
    studied = []
    for grade in ("3", "1", "4"):
        card = trainee.locator("article.card")
        assert card.locator(".meta").inner_text().startswith("FAQ · ")
        studied.append(trainee.locator('#front input[name="q"]').input_value())
        press(trainee, "Enter")
        assert trainee.locator("article.card.revealed").is_visible()
        press(trainee, grade)
        assert "assignment=" in trainee.url, "grading keeps the assignment's scope"
    assert len(set(studied)) == 3
    assert trainee.locator("article.card .meta").inner_text().startswith("FAQ · ")
    assert (
        assignment_entry(trainee)
        .locator("span")
        .inner_text()
        .endswith(f"3/{FAQ_QUESTIONS} started")
    )

    # Two of three recalled; one answer each on three of ten questions, so the target is unmet.
    page.goto(progress_url)
    row = page.locator("#progress tbody tr")
    started, reviews, accuracy, _now, _then, overdue, met = cells(row)[1:]
    assert (started, reviews, accuracy, overdue, met) == ("3/10", "3", "67%", "0", "No")

    row.get_by_role("link", name="Ann Lee").click()
    page.wait_for_url("**/trainees/*")
    assert page.locator("h1").inner_text() == "Ann Lee"
    sections = page.locator("#sections tbody tr")
    assert sections.count() == 1
    assert cells(sections)[:4] == ["FAQ", "3/10", "3", "67%"]

    page.goto(progress_url)
    page.get_by_role("link", name="Item analysis").click()
    page.wait_for_url("**/items")
    items = page.locator("#items tbody tr")
    assert items.count() == FAQ_QUESTIONS
    for question_id, facility in zip(studied, ("100%", "0%", "100%"), strict=True):
        item = page.locator(f'#items tbody tr[data-question-id="{question_id}"]')
        assert cells(item)[1:3] == ["1", facility]
    answers = [cells(items.nth(index))[1] for index in range(FAQ_QUESTIONS)]
    assert sorted(answers) == ["0"] * 7 + ["1"] * 3

    assert trainee.title() == "Study · quizapp"
    assert problems.messages == []
