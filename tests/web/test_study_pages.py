import re

import pytest
from sqlalchemy import event, func, select

from quizapp.extensions import db
from quizapp.models import Question, Review
from tests.pages import csrf_token, form_action, hidden_inputs, text


@pytest.fixture
def signed_in(client, auth, make_user, demo_bank):
    make_user()
    auth.login()
    return demo_bank


def front(client, slug, **params):
    response = client.get(f"/banks/{slug}/study", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def reveal(client, slug, page, **extra):
    fields = hidden_inputs(page, "front")
    return client.get(f"/banks/{slug}/reveal", query_string={**fields, **extra}).get_data(
        as_text=True
    )


def grade(client, slug, page, rating="3"):
    fields = hidden_inputs(page, "grades")
    return client.post(form_action(page, "grades"), data={**fields, "rating": rating})


def review_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Review))


def test_home_lists_banks_with_counts(client, signed_in):
    page = text(client.get("/").get_data(as_text=True))
    assert "Posterior hip pain" in page and "20 new 0 learning 0 due" in page


def test_basic_card_reveal_and_grade_buttons_show_intervals(client, signed_in):
    page = front(client, signed_in)
    assert "What is posterior hip pain?" in text(page)
    back = reveal(client, signed_in, page)
    shown = text(back)
    assert "pain felt at the back of the hip" in shown
    assert re.search(r"Again\s*1m.*Hard\s*\S+.*Good\s*10m.*Easy\s*\S+", shown)


def statements_run(app, request):
    """How many SQL statements `request()` ran."""
    executed = []

    def count(*_args):
        executed.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(executed)


def test_a_plain_card_page_reads_the_user_then_the_bank_with_its_queue(client, app, signed_in):
    front(client, signed_in)
    assert statements_run(app, lambda: front(client, signed_in)) == 2
    # A narrowed session reads the bank, its sections and then its own queue.
    assert statements_run(app, lambda: front(client, signed_in, section="introduction")) == 4


def test_answering_records_once_and_moves_on(client, app, signed_in):
    page = front(client, signed_in)
    back = reveal(client, signed_in, page)
    assert grade(client, signed_in, back).status_code == 302
    assert grade(client, signed_in, back).status_code == 302  # a double submit
    assert review_count(app) == 1
    assert "What is posterior hip pain?" not in text(front(client, signed_in))
    assert "19 new 1 learning" in text(client.get("/").get_data(as_text=True))


def test_answer_from_a_stale_tab_is_refused_with_a_message(client, app, signed_in):
    page = front(client, signed_in)
    first_tab = reveal(client, signed_in, page)
    second_tab = reveal(client, signed_in, page).replace(
        hidden_inputs(first_tab, "grades")["token"], "another-tab-token"
    )
    grade(client, signed_in, first_tab)
    response = grade(client, signed_in, second_tab)
    assert "was not recorded" in text(client.get(response.location).get_data(as_text=True))
    assert review_count(app) == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"question_id": "x"},
        {"question_id": "99999999999"},
        {"version": ""},
        {"version": "-1"},
        {"token": ""},
        {"token": "t" * 65},
        {"rating": "5"},
        {"rating": ""},
        {"response": "x" * 10_001},
        {"response": "bell\x07"},
    ],
    ids=lambda changed: ",".join(changed),
)
def test_an_answer_that_cannot_be_read_records_nothing_and_says_so(client, app, signed_in, changed):
    back = reveal(client, signed_in, front(client, signed_in))
    fields = {**hidden_inputs(back, "grades"), "rating": "3", **changed}
    response = client.post(form_action(back, "grades"), data=fields)
    assert response.status_code == 302
    shown = text(client.get(response.location).get_data(as_text=True))
    assert "That answer could not be read; nothing was recorded." in shown
    assert review_count(app) == 0


def test_multiple_choice_marks_the_correct_option(client, app, signed_in):
    page = front(client, signed_in, kind="mcq")
    qid = int(hidden_inputs(page, "front")["q"])
    with app.app_context():
        content = db.session.get(Question, qid).content
    wrong = next(i for i, option in enumerate(content["options"]) if option != content["answer"])
    back = reveal(client, signed_in, page, choice=wrong)
    assert "Not quite" in text(back)
    assert re.search(
        r'class="correct">\s*' + re.escape(content["answer"].replace("'", "&#39;")), back
    )
    assert 'data-default="true"' in back.split('value="1"')[1].split("</button>")[0]
    grade(client, signed_in, back, rating="1")
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert review.correct is False and review.response == content["options"][wrong]


def test_narrowing_to_a_section(client, signed_in):
    page = front(client, signed_in, section="faq")
    assert "FAQ · Question and answer" in text(page)


def test_undo_brings_the_card_back(client, app, signed_in):
    page = front(client, signed_in)
    grade(client, signed_in, reveal(client, signed_in, page))
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/undo", data={"csrf_token": token})
    assert "taken back" in text(client.get(response.location).get_data(as_text=True))
    assert review_count(app) == 0
    assert "What is posterior hip pain?" in text(front(client, signed_in))


def test_settings_reject_bad_values_and_keep_good_ones(client, signed_in):
    token = csrf_token(client.get("/settings").get_data(as_text=True))
    bad = client.post(
        "/settings",
        data={
            "desired_retention": "1.5",
            "new_per_day": "20",
            "reviews_per_day": "200",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 200 and "Number must be between 0.7 and 0.99" in text(
        bad.get_data(as_text=True)
    )
    good = client.post(
        "/settings",
        data={
            "desired_retention": "0.85",
            "new_per_day": "5",
            "reviews_per_day": "100",
            "learning_steps": "1m 10m",
            "relearning_steps": "10m",
            "maximum_interval": "36500",
            "timezone": "UTC",
            "day_starts_at": "4",
            "leech_action": "tag",
            "csrf_token": token,
        },
    )
    assert good.status_code == 302
    assert "5 new" in text(client.get("/").get_data(as_text=True))


def test_bank_text_is_escaped(client, app, signed_in):
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.position == 0))
        question.content = {**question.content, "prompt": "<script>alert(1)</script> What?"}
        db.session.commit()
    page = front(client, signed_in)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_study_pages_need_sign_in(client, demo_bank):
    for path in ("/", f"/banks/{demo_bank}/study", "/settings"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_unknown_bank_is_404_page(client, signed_in):
    response = client.get("/banks/nope/study")
    assert response.status_code == 404 and "There is nothing here" in text(
        response.get_data(as_text=True)
    )


def test_undo_in_a_narrowed_session_returns_to_that_card_and_narrowing(client, app, signed_in):
    page = front(client, signed_in, kind="mcq")
    undone = hidden_inputs(page, "front")["q"]
    back = reveal(client, signed_in, page, choice=0)
    grade(client, signed_in, back)
    undo_form = hidden_inputs(front(client, signed_in, kind="mcq"), "undo-form")
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="undo-form"', page).group(1)
    response = client.post(action.replace("&amp;", "&"), data=undo_form)
    assert "kind=mcq" in response.location
    again = client.get(response.location).get_data(as_text=True)
    assert hidden_inputs(again, "front")["q"] == undone
    assert "Multiple choice" in text(again)


def test_cram_leaves_the_schedule_alone_unless_asked(client, app, signed_in):
    page = front(client, signed_in, custom="cram", section="faq")
    back = reveal(client, signed_in, page, custom="cram", section="faq")
    assert "leaves your schedule alone" in text(back)
    response = grade(client, signed_in, back)
    assert "after=" in response.location and "custom=cram" in response.location
    assert review_count(app) == 0
    nxt = client.get(response.location).get_data(as_text=True)
    assert hidden_inputs(nxt, "front")["q"] != hidden_inputs(page, "front")["q"]

    page = front(client, signed_in, custom="cram", section="faq", reschedule="1")
    back = reveal(client, signed_in, page, custom="cram", section="faq", reschedule="1")
    grade(client, signed_in, back)
    assert review_count(app) == 1


def test_the_explanation_shows_only_when_it_adds_to_the_source(client, signed_in):
    term = reveal(
        client, signed_in, front(client, signed_in, section="purpose", kind="mcq"), choice=0
    )
    assert 'class="source"' in term and 'class="explanation"' not in term
    listed = reveal(client, signed_in, front(client, signed_in, section="indications"), choice=0)
    assert 'class="explanation"' in listed
    assert "Listed in the article under" in text(listed)
