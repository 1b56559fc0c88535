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
    return accounts.load_session_user(db.session, user_id)


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else (another host, `//host`, a scheme) goes home."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("study.home")


def _sign_in(user: User, *, remember: bool) -> None:
    session.clear()  # a fresh session at sign-in: nothing from before carries over
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
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            _sign_in(user, remember=False)
            flash("Welcome! Pick a bank to start studying.", "success")
            return redirect(url_for("study.home"))
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session, current_user, current=form.current.data, new=form.new.data
            )
        except accounts.AccountError as error:
            form.current.errors.append(str(error))
        else:
            _sign_in(current_user, remember=False)
            flash("Your password is changed; other sessions are signed out.", "success")
            return redirect(url_for("study.home"))
    return render_template("auth/password.html", form=form)
