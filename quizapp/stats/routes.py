from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug import Response

from quizapp.extensions import db, limiter
from quizapp.scheduling.optimize import OptimizeError
from quizapp.services import optimize, stats
from quizapp.stats import charts

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.before_request
@login_required
def require_login() -> None:
    """Statistics are the signed-in learner's own."""


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("")
def index() -> str:
    learner = stats.learner_stats(db.session, user=current_user, now=_now())
    return render_template(
        "stats/index.html",
        stats=learner,
        charts=charts,
        section_label=stats.section_label,
    )


def _learner() -> str:
    return f"user:{current_user.id}"


@bp.post("/optimize")
@limiter.limit("10 per hour", key_func=_learner)
def optimize_parameters() -> Response:
    """Fit the learner's scheduler to their reviews (a few seconds of work) and say how it went."""
    try:
        result = optimize.optimize_user(
            db.session, user=current_user, fuzz=current_app.config["SCHEDULER_FUZZ"]
        )
    except OptimizeError as error:
        flash(str(error), "warning")
    else:
        flash(result.summary(), "success" if result.stored else "info")
    return redirect(url_for("study.settings"))
