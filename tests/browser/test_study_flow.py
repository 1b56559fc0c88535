"""A learner's session in Chromium: sign up, study with the keyboard, undo, sign out and in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from playwright.sync_api import Page

from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.content.bankfile import load_bank
from quizapp.content.check import check_bank_data
from quizapp.extensions import db
from quizapp.services import banks
from tests.browser.conftest import LiveServer, Problems
from tests.helpers import NOW, PASSWORD, TEST_BANK

# Several multiple-choice questions share a prompt; with their options they are unique.
DEMO_MCQ = {
    (question.prompt, question.options): question
    for question in load_bank(TEST_BANK).questions
    if question.kind is Kind.MCQ
}
EMAIL = "keyboard@example.com"


@dataclass(frozen=True)
class Counts:
    new: int
    learning: int
    review: int


@dataclass(frozen=True)
class Front:
    """The card a study page shows, before it is revealed."""

    question_id: str
    kind: str
    prompt: str
    options: tuple[str, ...]
    counts: Counts


def counts_in(page: Page, selector: str) -> Counts:
    box = page.locator(selector)
    number = {
        name: int(box.locator(f".{name}").inner_text().split()[0])
        for name in ("new", "learning", "review")
    }
    return Counts(**number)


def home_counts(page: Page, bank: str) -> Counts:
    page.goto("/")
    return counts_in(page, f'li.bank[data-bank="{bank}"] .counts')


def front(page: Page) -> Front:
    card = page.locator("article.card")
    assert "revealed" not in (card.get_attribute("class") or ""), "expected a question page"
    return Front(
        question_id=page.locator('#front input[name="q"]').input_value(),
        kind=card.get_attribute("data-kind") or "",
        prompt=card.locator(".prompt").inner_text(),
        # An option button reads "<kbd>1</kbd> text".
        options=tuple(
            text.split(" ", 1)[1] for text in card.locator("button.option").all_inner_texts()
        ),
        counts=counts_in(page, ".study-head .counts"),
    )


def press(page: Page, key: str) -> None:
    """Press a key that leads to another page, and wait for that page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def reveal(page: Page, shown: Front, *, right: bool = True) -> str | None:
    """Reveal the answer with the keyboard; for a multiple-choice card, pick an option."""
    chosen = None
    if shown.kind == Kind.MCQ:
        question = DEMO_MCQ[shown.prompt, shown.options]
        chosen = (
            question.answer
            if right
            else next(option for option in question.options if option != question.answer)
        )
        press(page, str(question.options.index(chosen) + 1))
    elif shown.kind == Kind.TRUE_FALSE:
        press(page, "1")
    else:
        press(page, "Enter")
    assert page.locator("article.card.revealed").get_attribute("data-kind") == shown.kind
    assert page.locator("article.card .prompt").inner_text() or shown.kind == Kind.CLOZE
    return chosen


def suggested_grade(page: Page) -> str | None:
    return page.locator("#grades [data-default]").get_attribute("data-key")


def study(page: Page, grade: str) -> Front:
    """Study the card on screen with the keyboard alone; returns what it showed."""
    shown = front(page)
    reveal(page, shown)
    press(page, grade)
    return shown


def register(page: Page) -> None:
    page.goto("/auth/register")
    page.get_by_label("Name").fill("Key Board")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("/")
    assert "Welcome!" in page.locator(".flash").inner_text()


def sign_in(page: Page, email: str = EMAIL) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("/")


def narrow(page: Page, *, kind: str) -> None:
    """Narrow the session with the page's own controls."""
    page.get_by_text("Narrow this session").click()
    page.get_by_label("Kind").select_option(kind)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**kind={kind}")


def test_keyboard_study_session_survives_undo_and_signing_out(
    page: Page, live_server: LiveServer, problems: Problems
) -> None:
    bank = live_server.bank
    register(page)
    assert home_counts(page, bank) == Counts(new=20, learning=0, review=0)
    page.locator(f'li.bank[data-bank="{bank}"] a.title').click()
    page.wait_for_url(f"**/banks/{bank}/study")

    # The demo bank starts: basic, matching, multiple choice, cloze.
    basic = front(page)
    assert basic.kind == Kind.BASIC
    assert basic.counts == Counts(new=20, learning=0, review=0)
    press(page, "Space")
    assert page.locator("#answer").is_visible()
    assert suggested_grade(page) == "3"
    press(page, "Space")  # grades Good, the suggestion

    matching = study(page, "4")  # Easy: a review card, due in days
    assert matching.kind == Kind.MATCHING
    assert matching.counts == Counts(new=19, learning=1, review=0)

    mcq = front(page)
    assert mcq.kind == Kind.MCQ
    assert mcq.counts == Counts(new=18, learning=1, review=0)
    answer = reveal(page, mcq)
    assert page.locator("#verdict").inner_text() == "Correct"
    marked = page.locator("ol.options.answered li.correct")
    assert marked.count() == 1 and marked.inner_text() == f"{answer} ✓ correct"
    assert page.locator("ol.options.answered li.chosen").count() == 0
    assert suggested_grade(page) == "3"
    press(page, "Space")

    cloze = study(page, "1")  # Again
    assert cloze.kind == Kind.CLOZE
    after_cloze = front(page)
    assert after_cloze.question_id != cloze.question_id
    assert after_cloze.counts == Counts(new=16, learning=3, review=0)

    press(page, "u")
    assert page.locator(".flash").inner_text() == "Your last answer was taken back."
    assert front(page) == cloze
    cloze_again = study(page, "2")  # Hard, this time
    assert cloze_again == cloze
    assert front(page).counts == Counts(new=16, learning=3, review=0)

    # The rest of the session on multiple-choice cards only: six more.
    narrow(page, kind="mcq")
    for number in range(6):
        shown = front(page)
        assert shown.kind == Kind.MCQ
        assert "kind=mcq" in page.url
        if number == 0:
            chosen = reveal(page, shown, right=False)
            assert page.locator("#verdict").inner_text() == "Not quite"
            assert page.locator("li.chosen").inner_text() == f"{chosen} your answer"
            assert page.locator("li.correct").inner_text().endswith("✓ correct")
            assert suggested_grade(page) == "1"
        else:
            reveal(page, shown)
            assert suggested_grade(page) == "3"
        press(page, "Space")
    assert "kind=mcq" in page.url  # grading keeps the session narrowed

    studied = home_counts(page, bank)
    # Ten cards studied: one went to review (Easy), nine are learning within the hour.
    assert studied == Counts(new=10, learning=9, review=0)
    page.locator(f'li.bank[data-bank="{bank}"] a.title').click()
    next_up = front(page)

    page.locator("#sign-out").click()
    page.wait_for_url("**/auth/login")
    assert page.locator(".flash").inner_text() == "You are signed out."
    page.goto(f"/banks/{bank}/study")
    assert "/auth/login" in page.url
    sign_in(page)
    assert home_counts(page, bank) == studied
    page.goto(f"/banks/{bank}/study")
    assert front(page) == next_up
    assert problems.messages == []


def test_card_and_grade_buttons_fit_a_phone(
    phone: Page, live_server: LiveServer, make_user: Callable[..., int], problems: Problems
) -> None:
    make_user(EMAIL)
    sign_in(phone)
    width = phone.evaluate("window.innerWidth")
    assert width == 390

    def assert_fits(what: str) -> None:
        scroll = phone.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{what} scrolls sideways: {scroll}px on a {width}px screen"

    assert_fits("the home page")
    for kind in Kind:
        phone.goto(f"/banks/{live_server.bank}/study?kind={kind.value}")
        card = phone.locator("article.card")
        assert card.get_attribute("data-kind") == kind.value
        assert_fits(f"a {kind.label} question")
        if kind in (Kind.MCQ, Kind.TRUE_FALSE):
            card.locator('[data-key="1"]').tap()
        else:
            card.locator('[data-key="reveal"]').tap()
        phone.wait_for_url("**/reveal?**")
        assert_fits(f"a {kind.label} answer")
        grades = phone.locator("#grades button.grade")
        assert grades.count() == 4
        for index in range(4):
            box = grades.nth(index).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
            assert box["height"] >= 44, "a grade button is too small to tap"
    assert problems.messages == []


def hostile(where: str) -> str:
    return f'<script>alert("{where}")</script>'


HOSTILE_BANK = Bank(
    id="hostile",
    topic=f"Escaping {hostile('topic')}",
    article="hostile.txt",
    questions=(
        Question(
            id="hostile-basic",
            kind=Kind.BASIC,
            section=Section.INTRODUCTION,
            prompt=f"What does {hostile('prompt')} do?",
            answer='Nothing <img src="x" onerror="alert(1)">',
            explanation=f"It is text. {hostile('explanation')}",
            source=(hostile("source"),),
        ),
        Question(
            id="hostile-mcq",
            source=(hostile("source"),),
            kind=Kind.MCQ,
            section=Section.INTRODUCTION,
            prompt=f"Pick {hostile('mcq')}",
            options=(hostile("option"), "A plain option"),
            answer=hostile("option"),
        ),
        Question(
            id="hostile-cloze",
            source=(hostile("source"),),
            kind=Kind.CLOZE,
            section=Section.INTRODUCTION,
            prompt=f"Fill {{{{c1::{hostile('deletion')}}}}} in {hostile('cloze')}",
        ),
        Question(
            id="hostile-true-false",
            source=(hostile("source"),),
            kind=Kind.TRUE_FALSE,
            section=Section.INTRODUCTION,
            prompt=f"True? {hostile('true or false')}",
            answer="True",
        ),
        Question(
            id="hostile-matching",
            source=(hostile("source"),),
            kind=Kind.MATCHING,
            section=Section.INTRODUCTION,
            prompt=f"Match {hostile('matching')}",
            pairs=(Pair(hostile("left"), hostile("right")), Pair("Plain", "Also plain")),
        ),
        Question(
            id="hostile-ordering",
            source=(hostile("source"),),
            kind=Kind.ORDERING,
            section=Section.INTRODUCTION,
            prompt=f"Order {hostile('ordering')}",
            sequence=(hostile("first"), "Second", "Third"),
        ),
    ),
)


def test_markup_in_questions_is_shown_as_text_and_never_runs(
    page: Page,
    app: Flask,
    live_server: LiveServer,
    make_user: Callable[..., int],
    problems: Problems,
) -> None:
    assert check_bank_data(HOSTILE_BANK.to_dict(), file="hostile.yaml", article_text=None) == []
    with app.app_context():
        banks.load_bank(db.session, HOSTILE_BANK, article_text="", now=NOW)
    make_user(EMAIL)
    sign_in(page)
    title = page.locator('li.bank[data-bank="hostile"] a.title')
    assert title.inner_text() == HOSTILE_BANK.topic
    title.click()
    page.wait_for_url("**/banks/hostile/study")
    for question in HOSTILE_BANK.questions:
        shown = front(page)
        assert shown.kind == question.kind
        assert "<script>" in shown.prompt, "markup in the prompt is shown as text"
        assert page.locator("script").count() == 1, "only keys.js is a script"
        if question.kind == Kind.MCQ:
            press(page, "1")
            assert page.locator("#verdict").inner_text() == "Correct"
        elif question.kind == Kind.TRUE_FALSE:
            press(page, "1")
        else:
            press(page, "Enter")
        assert "<script>" in page.locator("article.card.revealed").inner_text()
        assert page.locator("script").count() == 1
        assert page.locator("img").count() == 0
        press(page, "4")  # Easy: out of today's session
    assert page.locator("p.done").is_visible()
    assert problems.messages == []
