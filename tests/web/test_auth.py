from quizapp.extensions import db
from quizapp.models import Role
from tests.helpers import PASSWORD, get_user
from tests.pages import csrf_token, text


def register(client, email="new@example.com", password=PASSWORD, confirm=None):
    token = csrf_token(client.get("/auth/register").get_data(as_text=True))
    return client.post(
        "/auth/register",
        data={
            "name": "New Person",
            "email": email,
            "password": password,
            "confirm": confirm or password,
            "csrf_token": token,
        },
    )


def test_register_signs_in_and_hashes_the_password(client, app):
    response = register(client)
    assert response.status_code == 302
    assert "Your banks" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = get_user("new@example.com")
        assert PASSWORD not in user.password_hash and user.password_hash.startswith("scrypt:")
        assert user.role == Role.TRAINEE.value


def test_bad_registration_rerenders_with_messages(client):
    page = text(register(client, password="short", confirm="shorter").get_data(as_text=True))
    assert "Field must be at least 8 characters long" in page
    assert "The passwords differ" in page


def test_taken_email_is_refused(client, make_user):
    make_user("taken@example.com")
    page = text(register(client, email="taken@example.com").get_data(as_text=True))
    assert "already exists" in page


def test_login_logout(client, auth, make_user):
    make_user()
    assert auth.login().status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    response = client.get("/")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_wrong_password_rerenders(client, auth, make_user):
    make_user()
    response = auth.login(password="wrong password")
    assert response.status_code == 200
    assert "The email or password is not right" in text(response.get_data(as_text=True))


def test_post_without_csrf_token_is_rejected(client, make_user):
    make_user()
    response = client.post(
        "/auth/login", data={"email": "trainee@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_next_redirect_stays_on_site(client, auth, make_user):
    make_user()
    for target, expected in [
        ("/settings", "/settings"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        token = auth.csrf("/auth/login")
        response = client.post(
            f"/auth/login?next={target}",
            data={"email": "trainee@example.com", "password": PASSWORD, "csrf_token": token},
        )
        assert response.location == expected, target
        auth.logout()


def test_login_is_rate_limited(client, app, make_user):
    make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    codes = [
        client.post(
            "/auth/login",
            data={"email": "trainee@example.com", "password": "x" * 9, "csrf_token": token},
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_session_is_renewed_at_sign_in(client, auth, make_user):
    make_user()
    client.get("/auth/login")
    client.set_cookie("session", "planted-value")
    auth.login()
    assert client.get_cookie("session").value != "planted-value"


def test_changing_password_signs_out_other_sessions(app, auth, make_user):
    make_user()
    other = app.test_client()
    from tests.helpers import Auth

    Auth(other).login()
    auth.login()
    token = auth.csrf("/auth/password")
    response = auth.client.post(
        "/auth/password",
        data={
            "current": PASSWORD,
            "new": "another long password",
            "confirm": "another long password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert auth.client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_admin_page_is_for_admins_only(client, auth, make_user, app):
    make_user()
    make_user("admin@example.com", role=Role.ADMIN)
    auth.login()
    assert client.get("/admin/users").status_code == 403
    auth.logout()
    auth.login("admin@example.com")
    page = client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        trainee_id = get_user("trainee@example.com").id
    client.post(
        f"/admin/users/{trainee_id}/role",
        data={"role": "instructor", "csrf_token": csrf_token(page)},
    )
    with app.app_context():
        assert get_user("trainee@example.com").role == "instructor"


def test_security_headers(client):
    response = client.get("/auth/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_behind_a_proxy_each_client_has_its_own_sign_in_limit(app, tmp_path):
    from quizapp import create_app
    from tests.helpers import database_url

    # A second app on the database the `app` fixture has just created.
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "CHECK_MIGRATIONS": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PROXY_HOPS": 1,
            "LOGIN_RATE_LIMIT": "2 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = proxied.test_client()

    def attempt(ip):
        return client.post(
            "/auth/login",
            data={"email": "a@example.com", "password": "wrong pass"},
            headers={"X-Forwarded-For": ip},
        ).status_code

    try:
        assert [attempt("203.0.113.1") for _ in range(3)] == [200, 200, 429]
        assert attempt("203.0.113.2") == 200
    finally:
        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def _copy_cookies(source, target, names=("session", "remember_token")):
    """Another client holding `source`'s cookies: what a stolen cookie gives an attacker."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def _sign_in(client, email="trainee@example.com", remember=False):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    assert client.post("/auth/login", data=data).status_code == 302


def _sign_out(client, path="/auth/logout"):
    token = csrf_token(client.get("/auth/password").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def test_a_captured_session_cookie_stops_working_at_sign_out(app, client, make_user):
    make_user()
    _sign_in(client)
    thief = app.test_client()
    _copy_cookies(client, thief, names=("session",))
    assert thief.get("/").status_code == 200
    _sign_out(client)
    assert thief.get("/").status_code == 302


def test_a_remember_cookie_stops_working_at_sign_out(app, client, make_user):
    make_user()
    _sign_in(client, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.same_site == "Lax"
    thief = app.test_client()
    _copy_cookies(client, thief, names=("remember_token",))
    agent = {"User-Agent": "something else", "X-Forwarded-For": "198.51.100.7"}
    assert thief.get("/", headers=agent).status_code == 200
    _sign_out(client)
    fresh = app.test_client()
    _copy_cookies(client, fresh, names=())
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/", headers=agent).status_code == 302


def test_signing_out_one_session_keeps_the_others(app, client, make_user):
    make_user()
    phone = app.test_client()
    _sign_in(phone)
    _sign_in(client)
    _sign_out(client)
    assert phone.get("/").status_code == 200


def test_signing_out_everywhere_ends_every_session(app, client, make_user):
    make_user()
    phone = app.test_client()
    _sign_in(phone, remember=True)
    _sign_in(client)
    response = _sign_out(client, "/auth/logout-everywhere")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    stolen = app.test_client()
    _copy_cookies(phone, stolen)
    assert stolen.get("/").status_code == 302


def test_a_spoofed_forwarded_for_does_not_move_a_session(app, client, make_user):
    """Without trusted proxies, X-Forwarded-For is the client's own claim and is ignored."""
    make_user()
    _sign_in(client)
    thief = app.test_client()
    _copy_cookies(client, thief, names=("session",))
    assert thief.get("/", environ_base={"REMOTE_ADDR": "198.51.100.9"}).status_code == 302
    thief = app.test_client()
    _copy_cookies(client, thief, names=("session",))
    spoofed = thief.get(
        "/",
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
        headers={"X-Forwarded-For": "127.0.0.1"},
    )
    assert spoofed.status_code == 302


def test_password_checks_are_rate_limited_per_client_and_per_account(app, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user()
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"
    first, second = app.test_client(), app.test_client()
    first.environ_base["REMOTE_ADDR"] = "203.0.113.1"
    second.environ_base["REMOTE_ADDR"] = "203.0.113.2"
    _sign_in(first)
    _sign_in(second)
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"

    def guess(client):
        token = csrf_token(client.get("/auth/password").get_data(as_text=True))
        return client.post(
            "/auth/password",
            data={"current": "a guess", "new": "x", "confirm": "x", "csrf_token": token},
        ).status_code

    assert [guess(first) for _ in range(4)] == [200, 200, 200, 429]
    # The same account from another address is still counted.
    assert guess(second) == 429


def test_common_and_personal_passwords_are_refused_with_the_reason(client, app):
    for weak, reason in (
        ("12345678", "common password"),
        ("password", "common password"),
        ("new@example.com", "your name or email"),
        ("new person 1", "your name or email"),
    ):
        page = text(register(client, password=weak).get_data(as_text=True))
        assert "too easy to guess" in page and reason in page, weak
    with app.app_context():
        from quizapp.services import accounts

        assert accounts.find_user(db.session, "new@example.com") is None
    assert register(client, password="sciatic notch ladder").status_code == 302


def test_a_weak_new_password_is_refused_on_the_password_page(auth, make_user):
    make_user()
    auth.login()
    response = auth.client.post(
        "/auth/password",
        data={
            "current": PASSWORD,
            "new": "trainee@example.com",
            "confirm": "trainee@example.com",
            "csrf_token": auth.csrf("/auth/password"),
        },
    )
    assert response.status_code == 200
    assert "too easy to guess" in text(response.get_data(as_text=True))


def test_with_the_rate_limit_store_down_sign_in_says_it_is_unavailable(app, tmp_path):
    from quizapp import create_app
    from tests.helpers import database_url

    cut_off = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "CHECK_MIGRATIONS": False,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/1",  # nothing listens there
            "WTF_CSRF_ENABLED": False,
        }
    )
    try:
        response = cut_off.test_client().post(
            "/auth/login", data={"email": "a@example.com", "password": "a guess"}
        )
        assert response.status_code == 503
        assert "Signing in is unavailable" in text(response.get_data(as_text=True))
        assert response.headers["Content-Security-Policy"]
    finally:
        with cut_off.app_context():
            db.session.remove()
            db.engine.dispose()
