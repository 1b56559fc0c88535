from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from quizapp.extensions import db
from quizapp.services import stats
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
