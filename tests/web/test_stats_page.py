import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

import quizapp.services.optimize
import quizapp.stats.routes
from quizapp.extensions import db
from quizapp.models import Question
from quizapp.scheduling import Grade
from quizapp.scheduling.optimize import OptimizerMissing
from quizapp.services import study
from tests.helpers import NOW, get_user, work
from tests.pages import hidden_inputs, text

LATER = NOW + timedelta(hours=2)


class Tables(HTMLParser):
    """Rows of each <table id=...> as lists of cell texts."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table":
            self._table = dict(attrs).get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._cell is not None:
            self._cell.append(data)


def answer_many(app, email, grades, now):
    with app.app_context():
        user = get_user(email)
        ids = db.session.scalars(select(Question.id).order_by(Question.position)).all()
        for n, (question_id, grade) in enumerate(zip(ids, grades, strict=False)):
            study.answer(
                db.session,
                user=user,
                question_id=question_id,
                grade=grade,
                seen_version=0,
                token=f"{email}-{n}",
                response=None,
                duration_ms=1000,
                now=now + timedelta(minutes=n),
                fuzz=False,
            )


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setattr(quizapp.stats.routes, "_now", lambda: LATER)


@pytest.fixture
def signed_in(client, auth, make_user, demo_bank, fixed_now):
    make_user()
    auth.login()


def page(client):
    response = client.get("/stats")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_login_required(client):
    response = client.get("/stats")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_empty_history_shows_a_message_not_charts(client, signed_in):
    html = page(client)
    assert 'id="no-history"' in html and "<svg" not in html
    assert "You have not answered any questions yet" in text(html)


def test_tables_hold_the_numbers_of_the_charts(client, app, signed_in):
    answer_many(app, "trainee@example.com", [Grade.GOOD, Grade.EASY, Grade.EASY], NOW)
    html = page(client)
    tables = Tables(html).tables
    assert tables["days-table"][1:] == [[NOW.date().isoformat(), "3"]]
    forecast = tables["forecast-table"][1:]
    assert len(forecast) == 30
    assert forecast[0] == [f"{NOW.date().isoformat()} (today)", "1"]
    assert sum(int(count) for _, count in forecast) == 3
    assert sum(int(count) for _, count in tables["stability-table"][1:]) == 3
    strength = tables["strength-table"][1:]
    assert sum(int(cards) for _, cards, _ in strength) == 3
    assert all(re.fullmatch(r"\d+%", recall) for _, _, recall in strength)
    # No answer on a review card yet: the retention chart says so instead.
    assert "retention-table" not in tables
    assert "No review-card answers yet" in text(html)


def test_every_chart_is_described_by_its_table(client, app, signed_in):
    answer_many(app, "trainee@example.com", [Grade.EASY] * 2, NOW)
    html = page(client)
    tables = Tables(html).tables
    for described in re.findall(r'<svg[^>]*aria-describedby="([^"]+)"', html):
        assert described in tables
    assert len(re.findall(r'<svg[^>]*role="img"', html)) == 4


def test_retention_table_shows_passes_on_review_cards(client, app, signed_in, monkeypatch):
    answer_many(app, "trainee@example.com", [Grade.EASY, Grade.EASY], NOW)
    with app.app_context():
        user = get_user("trainee@example.com")
        ids = db.session.scalars(select(Question.id).order_by(Question.position).limit(2)).all()
        due = None
        for question_id, grade in zip(ids, (Grade.GOOD, Grade.AGAIN), strict=True):
            view = study.view_card(db.session, user, question_id, NOW, fuzz=False)
            due = view.memory.due
            study.answer(
                db.session,
                user=user,
                question_id=question_id,
                grade=grade,
                seen_version=view.version,
                token=f"review-{question_id}",
                response=None,
                duration_ms=1000,
                now=due,
                fuzz=False,
            )
    monkeypatch.setattr(quizapp.stats.routes, "_now", lambda: due + timedelta(hours=1))
    rows = Tables(page(client)).tables["retention-table"][1:]
    assert len(rows) == 1 and rows[0][1:] == ["50% (1 of 2)", "—"]


def test_another_learners_answers_never_appear(client, app, signed_in, make_user):
    make_user("other@example.com")
    answer_many(app, "other@example.com", [Grade.GOOD] * 5, NOW - timedelta(days=3))
    answer_many(app, "trainee@example.com", [Grade.GOOD], NOW)
    html = page(client)
    tables = Tables(html).tables
    assert tables["days-table"][1:] == [[NOW.date().isoformat(), "1"]]
    assert (NOW.date() - timedelta(days=3)).isoformat() not in html
    assert "1 review in all" in text(html)


def test_page_obeys_the_content_security_policy(client, app, signed_in):
    answer_many(app, "trainee@example.com", [Grade.EASY], NOW)
    response = client.get("/stats")
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<style" not in html
    assert "<script>" not in html and "http://" not in html and "https://" not in html


def test_nav_links_to_statistics(client, signed_in):
    assert 'href="/stats"' in client.get("/").get_data(as_text=True)


def test_settings_page_offers_to_personalise_the_scheduler(client, signed_in):
    html = client.get("/settings").get_data(as_text=True)
    fields = hidden_inputs(html, "optimize")
    assert "csrf_token" in fields and 'action="/stats/optimize"' in html


def test_optimise_button_refuses_a_short_history_with_a_message(app, client, signed_in, redis):
    fields = hidden_inputs(client.get("/settings").get_data(as_text=True), "optimize")
    response = client.post("/stats/optimize", data=fields, follow_redirects=True)
    assert response.request.path == "/settings"
    shown = text(response.get_data(as_text=True))
    assert "Fitting your scheduler has started" in shown and "waiting for a free worker" in shown
    assert 'id="optimize"' not in response.get_data(as_text=True)  # no second start meanwhile
    again = client.post("/stats/optimize", data=fields, follow_redirects=True)
    assert "already being fitted" in text(again.get_data(as_text=True))
    with app.app_context():
        work(redis)
    shown = text(client.get("/settings").get_data(as_text=True))
    assert "Not enough reviews to personalise the scheduler" in shown and "there are 0" in shown


def test_the_settings_page_says_when_jobs_cannot_run(app, client, signed_in):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"
    page = client.get("/settings")
    assert page.status_code == 200
    assert "fitting is unavailable" in text(page.get_data(as_text=True))


def test_optimise_button_says_how_to_install_a_missing_optimiser(
    app, client, signed_in, monkeypatch, redis
):
    def missing(*args, **kwargs):
        raise OptimizerMissing()

    monkeypatch.setattr(quizapp.services.optimize, "optimize_user", missing)
    fields = hidden_inputs(client.get("/settings").get_data(as_text=True), "optimize")
    client.post("/stats/optimize", data=fields)
    with app.app_context():
        work(redis)
    response = client.get("/settings")
    assert "pip install 'quizapp[optimizer]'" in text(response.get_data(as_text=True))


def test_optimise_needs_the_form_token_and_a_signed_in_learner(client, auth, make_user, demo_bank):
    response = client.post("/stats/optimize", data={"csrf_token": auth.csrf("/auth/login")})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    make_user()
    auth.login()
    assert client.post("/stats/optimize").status_code == 400


def test_fitting_is_rate_limited_per_learner(client, signed_in, redis):
    """A limit on one view holds although no limit applies to every request."""
    fields = hidden_inputs(client.get("/settings").get_data(as_text=True), "optimize")
    codes = [client.post("/stats/optimize", data=fields).status_code for _ in range(11)]
    assert codes == [302] * 10 + [429]
