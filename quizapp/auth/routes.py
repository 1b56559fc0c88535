import hashlib
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug import Response

from quizapp.auth.forms import LoginForm, PasswordForm, RegisterForm
from quizapp.extensions import db, limiter, login_manager
from quizapp.models import User
from quizapp.services import accounts

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return accounts.load_session_user(db.session, user_id, now=datetime.now(UTC))


def session_identifier() -> str:
    """What `session_protection = "strong"` binds a session to: the client's address as
    ProxyFix sees it (so only QUIZAPP_PROXY_HOPS proxies are believed, never a header a
    client sent) and its User-Agent."""
    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(f"{request.remote_addr}|{agent}".encode()).hexdigest()


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, `//host`, a scheme) goes home."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("study.home")


def _sign_in(user: User, *, remember: bool) -> None:
    session.clear()  # a fresh session at sign-in: nothing from before carries over
    accounts.start_session(db.session, user, now=datetime.now(UTC))
    login_user(user, remember=remember)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, email=form.email.data, password=form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("The email or password is not right.")
    return render_template("auth/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register() -> str | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                db.session,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                timezone=form.timezone.data,
            )
        except accounts.WeakPassword as error:
            form.password.errors.append(str(error))
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            _sign_in(user, remember=False)
            flash("Welcome! Pick a bank to start studying.", "success")
            return redirect(url_for("study.home"))
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        accounts.end_session(db.session, current_user)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    """End every session of this account, on every device, this one included."""
    accounts.end_all_sessions(db.session, current_user)
    logout_user()
    session.clear()
    flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))


def _account_key() -> str:
    """Counts password checks per account, wherever they come from."""
    return f"account:{current_user.id}" if current_user.is_authenticated else "account:-"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
@login_required
def password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session, current_user, current=form.current.data, new=form.new.data
            )
        except accounts.WeakPassword as error:
            form.new.errors.append(str(error))
        except accounts.AccountError as error:
            form.current.errors.append(str(error))
        else:
            _sign_in(current_user, remember=False)
            flash("Your password is changed; other sessions are signed out.", "success")
            return redirect(url_for("study.home"))
    return render_template("auth/password.html", form=form)
