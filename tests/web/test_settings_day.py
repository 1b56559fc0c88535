"""The settings pages: the learner's day, leech action and presets per bank."""

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Preset
from tests.helpers import PASSWORD, get_user
from tests.pages import csrf_token, text


def form(client, **changes):
    html = client.get("/settings").get_data(as_text=True)
    values = {
        "csrf_token": csrf_token(html),
        "desired_retention": "0.90",
        "new_per_day": "20",
        "reviews_per_day": "200",
        "timezone": "UTC",
        "day_starts_at": "4",
        "leech_action": "tag",
        "learning_steps": "1m 10m",
        "relearning_steps": "10m",
        "maximum_interval": "36500",
        **changes,
    }
    return client.post("/settings", data=values, follow_redirects=True)


def test_a_learner_sets_their_zone_rollover_and_leech_action(app, client, auth, make_user):
    make_user()
    auth.login()
    response = form(client, timezone="Asia/Tokyo", day_starts_at="5", leech_action="suspend")
    assert "Settings saved" in text(response.get_data(as_text=True))
    with app.app_context():
        user = get_user("trainee@example.com")
        assert (user.timezone, user.day_starts_at, user.leech_action) == (
            "Asia/Tokyo",
            5,
            "suspend",
        )
    page = client.get("/settings").get_data(as_text=True)
    assert '<option selected value="Asia/Tokyo">' in page or 'value="Asia/Tokyo" selected' in page


def test_a_bad_zone_rerenders_with_a_message_and_saves_nothing(app, client, auth, make_user):
    make_user()
    auth.login()
    response = form(client, timezone="Mars/Olympus_Mons", new_per_day="7")
    shown = text(response.get_data(as_text=True))
    assert response.status_code == 200 and "Not a valid choice" in shown
    with app.app_context():
        user = get_user("trainee@example.com")
        assert (user.timezone, user.new_per_day) == ("UTC", 20)


def test_registration_proposes_the_browsers_zone(app, client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert 'name="timezone"' in html and "timezone.js" in html
    client.post(
        "/auth/register",
        data={
            "csrf_token": csrf_token(html),
            "name": "Kenji",
            "email": "kenji@example.com",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "timezone": "Asia/Tokyo",
        },
    )
    with app.app_context():
        assert get_user("kenji@example.com").timezone == "Asia/Tokyo"


def preset_form(client, **changes):
    html = client.get("/settings/presets").get_data(as_text=True)
    values = {
        "csrf_token": csrf_token(html),
        "name": "Exam cram",
        "desired_retention": "0.95",
        "new_per_day": "5",
        "reviews_per_day": "100",
        "learning_steps": "1m 5m 1h",
        "relearning_steps": "5m",
        "maximum_interval": "30",
        **changes,
    }
    return client.post("/settings/presets", data=values, follow_redirects=True)


def test_presets_are_made_shown_and_chosen_per_bank(app, client, auth, make_user, demo_bank):
    make_user()
    auth.login()
    blank = client.get("/settings/presets").get_data(as_text=True)
    assert 'value="0.90"' in blank and 'value="20"' in blank and 'value="1m 10m"' in blank
    page = preset_form(client).get_data(as_text=True)
    assert "Preset 'Exam cram' saved" in text(page)
    assert 'value="1m 5m 1h"' in page
    with app.app_context():
        bank_id = db.session.scalar(select(Bank.id))
        preset_id = db.session.scalar(select(Preset.id))
    chosen = client.post(
        "/settings/presets/banks",
        data={"csrf_token": csrf_token(page), f"bank-{bank_id}": str(preset_id)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f'<option value="{preset_id}" selected>Exam cram</option>' in chosen


def test_a_bad_preset_rerenders_with_the_message(client, auth, make_user):
    make_user()
    auth.login()
    response = preset_form(client, learning_steps="1m soon")
    shown = text(response.get_data(as_text=True))
    assert response.status_code == 200 and "'soon' is not a step" in shown
    assert "saved" not in shown
