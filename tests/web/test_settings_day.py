"""The settings page: the learner's time zone, rollover hour and leech action."""

from tests.conftest import PASSWORD, get_user
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
