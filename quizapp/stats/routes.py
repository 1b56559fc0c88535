from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug import Response

from quizapp import jobs
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
    """Queue fitting the learner's scheduler; Settings shows how it goes."""
    try:
        _job, queued = optimize.request_fit(jobs.redis_for_app(), user=current_user)
    except OptimizeError as error:
        flash(str(error), "warning")
    else:
        flash(
            "Fitting your scheduler has started; this page shows the result when it is done."
            if queued
            else "Your scheduler is already being fitted; this page shows the result when done.",
            "info",
        )
    return redirect(url_for("study.settings"))
