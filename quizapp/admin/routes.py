from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug import Response

from quizapp.admin.forms import RoleForm
from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services import accounts

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_admin() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.get("/users")
def users() -> str:
    return render_template(
        "admin/users.html", users=accounts.list_users(db.session), form=RoleForm()
    )


@bp.post("/users/<int:user_id>/role")
def change_role(user_id: int) -> Response:
    form = RoleForm()
    if form.validate_on_submit():
        try:
            user = accounts.set_role(db.session, user_id=user_id, role=Role(form.role.data))
            flash(f"{user.email} is now {user.role}.", "success")
        except accounts.AccountError as error:
            flash(str(error), "warning")
    else:
        flash("Choose a valid role.", "warning")
    return redirect(url_for("admin.users"))
