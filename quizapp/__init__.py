"""quizapp: spaced-repetition training and quizzes built from clinical articles."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from markupsafe import escape
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from quizapp.compiled_cache import IdentityFirstCache
from quizapp.config import load_config
from quizapp.extensions import csrf, db, limiter, login_manager, migrate
from quizapp.forms import IdConverter
from quizapp.limits import LimitedRequest
from quizapp.links import cache_template_links
from quizapp.transactions import commit_reads

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Sent with every response that has not set them itself.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
)


def create_app(
    overrides: Mapping[str, Any] | None = None, *, production: bool | None = None
) -> Flask:
    """Build the app. Production (QUIZAPP_ENV=production) requires QUIZAPP_SECRET_KEY."""
    if production is None:
        production = os.environ.get("QUIZAPP_ENV", "development") == "production"
    app = Flask(__name__)
    app.request_class = LimitedRequest
    app.url_map.converters["int"] = IdConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(Path(app.instance_path), production=production))
    app.config.update(overrides or {})
    if hops := app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_headers(app)
    check_limits_in_views_only(app)
    cache_template_links(app)
    return app


def _sqlite_pragmas(lock_timeout_ms: int):  # type: ignore[no-untyped-def]
    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={lock_timeout_ms:d}")
        cursor.close()

    return configure


def register_extensions(app: Flask) -> None:
    lock_timeout = app.config["DATABASE_LOCK_TIMEOUT_MS"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("execution_options", {}).setdefault("compiled_cache", IdentityFirstCache())
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A request waiting on a lock gives up (and shows a 503) instead of holding a worker.
        options.setdefault("connect_args", {})["options"] = f"-c lock_timeout={lock_timeout:d}"
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    from quizapp.auth.routes import session_identifier

    login_manager._session_identifier_generator = session_identifier
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas(lock_timeout))
    commit_reads(app, db)


def register_blueprints(app: Flask) -> None:
    from quizapp.admin.routes import bp as admin_bp
    from quizapp.auth.routes import bp as auth_bp
    from quizapp.author.routes import bp as author_bp
    from quizapp.instruct.routes import bp as instruct_bp
    from quizapp.stats.routes import bp as stats_bp
    from quizapp.study.routes import bp as study_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(study_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(instruct_bp)
    app.register_blueprint(author_bp)
    app.register_blueprint(stats_bp)
    if app.config["CHECK_MIGRATIONS"]:
        from quizapp.schema import require_current_schema

        app.before_request(require_current_schema)


def check_limits_in_views_only(app: Flask) -> None:
    """Drop Flask-Limiter's check before every request while no limit needs it.

    That check applies application-wide, default and blueprint limits; a limit decorating
    a view is checked by the view's own wrapper. quizapp limits only views (sign-in,
    uploads, fitting), so every other request would pay for the check (about 0.1 ms of
    the study loop's 3 ms) and gain nothing.
    """
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or manager._blueprint_limits:
        return
    app.before_request_funcs[None].remove(limiter._check_request_limit)


def register_errorhandlers(app: Flask) -> None:
    messages = {
        400: "That request could not be understood.",
        403: "You do not have access to this page.",
        404: "There is nothing here.",
        405: "That action is not allowed here.",
        413: "That request is too large, so nothing was read or saved.",
        429: "Too many attempts. Wait a minute and try again.",
        500: "Something went wrong on our side. Your data is safe; please try again.",
        503: "The service is busy or being updated. Please try again shortly.",
    }

    def render(code: int, message: str | None = None) -> tuple[str, int]:
        text = message or messages[code]
        try:
            return render_template("error.html", code=code, message=text), code
        except Exception:  # the page itself failed (the database, say): say it plainly
            app.logger.exception("error page %d could not be rendered", code)
            return f"<!doctype html><title>{code}</title><p>{escape(text)}</p>", code

    for code in messages:
        app.register_error_handler(code, lambda error, code=code: render(code))
    app.register_error_handler(413, _too_large(render))
    app.register_error_handler(
        CSRFError,
        lambda error: render(
            400, "The form expired or was sent from elsewhere. Reload and try again."
        ),
    )

    def database_unavailable(error: OperationalError) -> tuple[str, int]:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            app.logger.warning("rollback failed too; the connection is dropped")
        app.logger.warning("database unavailable: %s", str(error).splitlines()[0][:200])
        # The page must not go back to the database: loading (or refreshing, after the
        # rollback) the signed-in user would wait on the same lock or fail the same way.
        g._login_user = login_manager.anonymous_user()
        return render(503, "The database is busy, so nothing was saved. Try again in a moment.")

    app.register_error_handler(OperationalError, database_unavailable)

    def limits_unavailable(error: Exception) -> tuple[str, int]:
        # Only credential checks are rate-limited: without the count they are not done.
        app.logger.warning("rate-limit storage unavailable: %s", error)
        return render(503, "Signing in is unavailable for a few minutes. Please try again soon.")

    app.register_error_handler(RedisError, limits_unavailable)
    app.register_error_handler(StorageError, limits_unavailable)


def register_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        # One pass over the response's headers: a view may have set its own.
        present = {name.lower() for name, _ in response.headers.items()}
        response.headers.extend(
            (name, value) for name, value in SECURITY_HEADERS if name.lower() not in present
        )
        return response


def _too_large(render: Callable[..., Any]) -> Callable[[Exception], Any]:
    """A 413 names the limit that was passed: the upload limit on views that take files."""

    def handle(error: Exception) -> Any:
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "accepts_upload", False):
            limit = current_app.config["MAX_UPLOAD_BYTES"]
            return render(
                413,
                f"That file is too large: uploads of up to {limit / 1e6:.0f} MB are accepted. "
                "Nothing was changed.",
            )
        return render(413)

    return handle
