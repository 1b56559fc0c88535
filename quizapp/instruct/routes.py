"""Instructor pages: classes, assignments, progress and item analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug import Response as BaseResponse

from quizapp import jobs
from quizapp.extensions import db
from quizapp.forms import database_id
from quizapp.instruct import tables
from quizapp.instruct.forms import (
    AssignmentForm,
    ClassForm,
    InstructorForm,
    ProjectionForm,
    StatusForm,
)
from quizapp.instruct.question_edit import edit_form, save_edit
from quizapp.models import Assignment, Classroom, Question
from quizapp.services import (
    assignments,
    banks,
    classes,
    exams,
    interchange,
    item_analysis,
    learners,
    progress,
)
from quizapp.services import progress_csv as progress_csv_service
from quizapp.study.present import cloze

bp = Blueprint("instruct", __name__, url_prefix="/teach")


@bp.before_request
@login_required
def require_instructor() -> None:
    if not classes.can_teach(current_user):
        abort(403)


def _now() -> datetime:
    return datetime.now(UTC)


def _from_local(moment: datetime | None) -> datetime | None:
    """A date and time the instructor typed, read in their own time zone."""
    return learners.study_day(current_user).from_local(moment) if moment else None


def _class(class_id: int) -> Classroom:
    return classes.taught_class(db.session, user=current_user, class_id=class_id) or abort(404)


def _assignment(assignment_id: int) -> Assignment:
    found = assignments.taught_assignment(
        db.session, user=current_user, assignment_id=assignment_id
    )
    return found or abort(404)


def _assignment_form() -> AssignmentForm:
    form = AssignmentForm()
    form.bank.choices = [(bank.slug, bank.topic) for bank in banks.list_banks(db.session)]
    return form


@bp.route("/", methods=["GET", "POST"])
def index() -> str | BaseResponse:
    form = ClassForm()
    if form.validate_on_submit():
        classroom = classes.create_class(
            db.session, instructor=current_user, name=form.name.data, now=_now()
        )
        flash(f"Class created. Trainees join with the code {classroom.join_code}.", "success")
        return redirect(url_for("instruct.classroom", class_id=classroom.id))
    return render_template(
        "instruct/index.html", classes=classes.classes_taught(db.session, current_user), form=form
    )


@bp.get("/classes/<int:class_id>")
def classroom(class_id: int) -> str:
    return _class_page(_class(class_id), _assignment_form())


def _class_page(found: Classroom, assignment_form: AssignmentForm) -> str:
    return render_template(
        "instruct/class.html",
        classroom=found,
        trainees=classes.trainees(found),
        instructors=classes.instructors(found),
        instructor_form=InstructorForm(),
        assignment_form=assignment_form,
    )


@bp.post("/classes/<int:class_id>/code")
def reset_code(class_id: int) -> BaseResponse:
    code = classes.reset_code(db.session, _class(class_id))
    flash(f"The new join code is {code}; the old one no longer works.", "success")
    return redirect(url_for("instruct.classroom", class_id=class_id))


@bp.post("/classes/<int:class_id>/trainees/<int:user_id>/remove")
def remove_trainee(class_id: int, user_id: int) -> BaseResponse:
    try:
        classes.remove_trainee(db.session, _class(class_id), user_id=user_id)
        flash("The trainee was removed from the class.", "info")
    except classes.ClassError as error:
        flash(str(error), "warning")
    return redirect(url_for("instruct.classroom", class_id=class_id))


@bp.post("/classes/<int:class_id>/instructors")
def add_instructor(class_id: int) -> BaseResponse:
    found = _class(class_id)
    form = InstructorForm()
    if form.validate_on_submit():
        try:
            user = classes.add_instructor(db.session, found, email=form.email.data, now=_now())
            flash(f"{user.name} now teaches this class too.", "success")
        except classes.ClassError as error:
            flash(str(error), "warning")
    return redirect(url_for("instruct.classroom", class_id=class_id))


@bp.post("/classes/<int:class_id>/assignments")
def create_assignment(class_id: int) -> str | BaseResponse:
    found = _class(class_id)
    form = _assignment_form()
    if form.validate_on_submit():
        bank = banks.find_bank(db.session, form.bank.data)
        selection = assignments.Selection(
            sections=tuple(form.sections.data or ()),
            kinds=tuple(form.kinds.data or ()),
            tags=tuple(t.strip() for t in (form.tags.data or "").split(",") if t.strip()),
            questions=tuple(
                q.strip() for q in (form.questions.data or "").splitlines() if q.strip()
            ),
        )
        try:
            assignment = assignments.create_assignment(
                db.session,
                found,
                bank=bank,
                title=form.title.data,
                selection=selection,
                opens_at=_from_local(form.opens_at.data),
                due_at=_from_local(form.due_at.data),
                exam_at=_from_local(form.exam_at.data),
                target_kind=form.target_kind.data,
                target_reviews=form.target_reviews.data,
                target_retention=float(form.target_retention.data),
                target_share=float(form.target_share.data),
                exam_questions=form.exam_questions.data,
                exam_minutes=form.exam_minutes.data or 20,
                exam_attempts=form.exam_attempts.data or 1,
            )
        except assignments.ExamSetError as error:
            form.exam_questions.errors.append(str(error))
        except assignments.AssignmentError as error:
            form.title.errors.append(str(error))
        else:
            flash("Assignment created as a draft; open it when the class should see it.", "success")
            return redirect(url_for("instruct.assignment", assignment_id=assignment.id))
    return _class_page(found, form), 400


@bp.post("/assignments/<int:assignment_id>/status")
def set_status(assignment_id: int) -> BaseResponse:
    found = _assignment(assignment_id)
    form = StatusForm()
    if form.validate_on_submit():
        assignments.set_status(db.session, found, form.status.data)
        flash(f"“{found.title}” is now {found.status}.", "success")
    return redirect(url_for("instruct.assignment", assignment_id=assignment_id))


def _projection() -> tuple[ProjectionForm, datetime | None]:
    form = ProjectionForm(request.args)
    return form, (_from_local(form.at.data) if form.validate() else None)


PROGRESS_KEYS: dict[str, Callable[[progress.Progress], Any]] = {
    "name": lambda p: p.user.name.casefold(),
    "started": lambda p: p.started,
    "reviews": lambda p: p.reviews,
    "accuracy": lambda p: p.accuracy,
    # Rounded far below what is shown, so that trainees with the same history tie (and
    # stay in name order) whatever order the database added their cards' recall in.
    "now": lambda p: round(p.retention_now, 9),
    "then": lambda p: round(p.retention_at, 9),
    "overdue": lambda p: p.overdue,
}


def _progress_keys(
    found: Assignment, scores: dict[int, float]
) -> dict[str, Callable[[progress.Progress], Any]]:
    return {
        **PROGRESS_KEYS,
        "target": lambda p: p.target_met(found),
        "exam": lambda p: scores.get(p.user.id),
    }


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int) -> str:
    found = _assignment(assignment_id)
    form, at = _projection()
    scores = exams.best_scores(db.session, found, now=_now())
    sort, order, number = (request.args.get(name) for name in ("sort", "order", "page"))
    keys = _progress_keys(found, scores)
    if sort in (None, "name"):
        # By name, only the trainees on the page need their progress summed.
        names = tables.paginate(
            classes.trainees(found.classroom),
            {"name": lambda user: user.name.casefold()},
            sort=sort,
            order=order,
            page=number,
        )
        page = replace(
            names,
            rows=progress.class_progress(db.session, found, now=_now(), at=at, users=names.rows),
        )
    else:
        # The class is summed in the sorted column alone; the page's trainees in full.
        name = sort if sort in keys else "name"
        everyone = progress.class_sort_keys(db.session, found, name, now=_now(), at=at)
        page = tables.paginate(everyone, keys, sort=sort, order=order, page=number)
        users = [p.user for p in page.rows]
        page = replace(
            page,
            rows=progress.class_progress(db.session, found, now=_now(), at=at, users=users),
        )
    return render_template(
        "instruct/assignment.html",
        assignment=found,
        page=page,
        at=progress.projection_date(found, at),
        projection_form=form,
        status_form=StatusForm(status=found.status),
        questions=len(assignments.question_ids(db.session, found)),
        scores=scores,
    )


def _csv(name: str, rows: Iterable[list[object]]) -> Response:
    """A CSV download written as it is sent, a line at a time."""
    return Response(
        stream_with_context(progress_csv_service.lines(rows)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",  # trainees' names and results: no copies on the way
        },
    )


def _exports_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


@bp.route("/assignments/<int:assignment_id>/progress.csv", methods=["GET", "POST"])
def progress_csv(assignment_id: int) -> Response | BaseResponse | str:
    """The class's progress as CSV: sent at once for a small class; for a large one
    prepared by the background worker (POST), followed here, then downloaded."""
    found = _assignment(assignment_id)
    _form, at = _projection()
    name = f"assignment-{found.id}-progress"
    if request.method == "GET" and (
        progress_csv_service.in_request(len(classes.trainees(found.classroom)))
    ):
        return _csv(name, progress_csv_service.rows(db.session, found, now=_now(), at=at))
    redis = jobs.redis_for_app()
    error = None
    if request.method == "POST":
        if FlaskForm().validate_on_submit():
            try:
                progress_csv_service.request_file(
                    redis, assignment=found, at=at, folder=_exports_folder()
                )
                return redirect(
                    url_for("instruct.progress_csv", assignment_id=found.id, **request.args)
                )
            except progress_csv_service.CsvJobError as failure:
                error = str(failure)
        else:
            error = "The form expired; try again."
    elif request.args.get("download") == "1":
        try:
            path = progress_csv_service.finished_file(
                redis, assignment=found, folder=_exports_folder()
            )
        except progress_csv_service.CsvJobError as failure:
            error = str(failure)
        else:
            response = send_file(path, mimetype="text/csv", as_attachment=True)
            response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template(
        "instruct/progress_csv.html",
        assignment=found,
        state=progress_csv_service.file_state(redis, assignment=found),
        error=error,
        form=FlaskForm(),
        args={k: v for k, v in request.args.items() if k != "download"},
    )


def _drill_down(assignment_id: int, user_id: int):  # type: ignore[no-untyped-def]
    """The assignment, one of its trainees, the projection asked for, and their sections."""
    found = _assignment(assignment_id)
    user = next((u for u in classes.trainees(found.classroom) if u.id == user_id), None)
    if user is None:
        abort(404)
    form, at = _projection()
    sections = progress.trainee_sections(db.session, found, user, now=_now(), at=at)
    return found, user, form, at, sections


@bp.get("/assignments/<int:assignment_id>/trainees/<int:user_id>")
def trainee(assignment_id: int, user_id: int) -> str:
    found, user, form, at, sections = _drill_down(assignment_id, user_id)
    return render_template(
        "instruct/trainee.html",
        assignment=found,
        trainee=user,
        sections=sections,
        at=progress.projection_date(found, at),
        projection_form=form,
    )


@bp.get("/assignments/<int:assignment_id>/trainees/<int:user_id>.csv")
def trainee_csv(assignment_id: int, user_id: int) -> Response:
    found, user, _form, _at, sections = _drill_down(assignment_id, user_id)
    return _csv(
        f"assignment-{found.id}-trainee-{user.id}",
        [
            ["section", *progress_csv_service.NUMBERS],
            *([section.label, *progress_csv_service.numbers(row)] for section, row in sections),
        ],
    )


ITEM_KEYS: dict[str, Callable[[item_analysis.ItemReport], Any]] = {
    "position": lambda r: r.question.position,
    "answers": lambda r: r.answers,
    "facility": lambda r: r.facility,
    "discrimination": lambda r: r.discrimination,
    "difficulty": lambda r: r.mean_difficulty,
    "flags": lambda r: r.flag_count,
}
LOW_FACILITY = 30.0
ITEM_FILTERS: dict[str, tuple[str, Callable[[item_analysis.ItemReport], bool]]] = {
    "": ("All questions", lambda r: True),
    "attention": ("Needing attention", lambda r: r.needs_attention),
    "flagged": ("Flagged", lambda r: r.flag_count > 0),
    "negative": ("Negative discrimination", lambda r: (r.discrimination or 0) < 0),
    "hard": (
        f"Facility below {LOW_FACILITY:.0f}%",
        lambda r: r.facility is not None and r.facility < LOW_FACILITY,
    ),
    "lint": ("Lint findings", lambda r: bool(r.findings)),
}


@bp.route("/assignments/<int:assignment_id>/items", methods=["GET", "POST"])
def items(assignment_id: int) -> str | BaseResponse:
    found = _assignment(assignment_id)
    state, sums, error = None, None, None
    if item_analysis.on_worker(db.session, found):
        # A large class: the sums come from the worker; POST (re)starts them.
        redis = jobs.redis_for_app()
        if request.method == "POST":
            if FlaskForm().validate_on_submit():
                try:
                    item_analysis.request_sums(redis, assignment=found)
                    return redirect(url_for("instruct.items", assignment_id=found.id))
                except item_analysis.ItemAnalysisError as failure:
                    error = str(failure)
            else:
                error = "The form expired; try again."
        state = item_analysis.sums_state(redis, assignment=found)
        if state.status != "finished":
            return render_template(
                "instruct/items_pending.html",
                assignment=found,
                state=state,
                error=error,
                form=FlaskForm(),
            )
        sums = item_analysis.sums_of(state)
    elif request.method == "POST":
        return redirect(url_for("instruct.items", assignment_id=found.id))
    shown = request.args.get("show", "")
    _label, wanted = ITEM_FILTERS.get(shown, ITEM_FILTERS[""])
    reports = item_analysis.item_analysis(db.session, found, sums=sums)
    page = tables.paginate(
        [report for report in reports if wanted(report)],
        ITEM_KEYS,
        sort=request.args.get("sort"),
        order=request.args.get("order"),
        page=request.args.get("page"),
    )
    page = replace(page, rows=item_analysis.item_details(db.session, found, page.rows))
    return render_template(
        "instruct/items.html",
        assignment=found,
        page=page,
        filters=ITEM_FILTERS,
        shown=shown if shown in ITEM_FILTERS else "",
        counts={name: sum(test(r) for r in reports) for name, (_l, test) in ITEM_FILTERS.items()},
        retired=assignments.retired_questions(db.session, found),
        retire_form=FlaskForm(),
        maintainers=banks.maintainers(db.session, found.bank),
        can_maintain=banks.can_maintain(db.session, current_user, found.bank),
        maintainer_form=InstructorForm(),
        sums_state=state,
        refresh_form=FlaskForm(),
    )


@bp.app_template_filter("prompt")
def prompt_filter(question: Question) -> Markup:
    """A question's prompt as an instructor reads it: a cloze shows its deletion marked."""
    return prompt_text(question.content)


@bp.app_template_filter("prompt_text")
def prompt_text(content: dict[str, Any]) -> Markup:
    """A question's prompt from its content, a cloze's deletion marked."""
    text = content.get("prompt", "")
    if content.get("kind") == "cloze":
        return cloze(text, reveal=True)
    return escape(text)


@bp.post("/banks/<slug>/maintainers")
def add_maintainer(slug: str) -> BaseResponse:
    """A bank's maintainer (or an admin) lets another instructor change its questions."""
    bank = banks.find_any_bank(db.session, slug) or abort(404)
    if not banks.can_maintain(db.session, current_user, bank):
        abort(404 if bank.status == banks.DRAFT else 403)
    form = InstructorForm()
    if form.validate_on_submit():
        try:
            user = banks.add_maintainer(
                db.session, bank, by=current_user, email=form.email.data, now=_now()
            )
            flash(f"{user.name} can now change the questions of {bank.topic}.", "success")
        except banks.BankError as error:
            flash(str(error), "warning")
    else:
        flash("Give the email of an instructor.", "warning")
    back = request.form.get("assignment", type=database_id)
    if back is not None:
        return redirect(url_for("instruct.items", assignment_id=back))
    return redirect(url_for("author.review", slug=bank.slug))


def _question(found: Assignment, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.bank_id != found.bank_id:
        abort(404)
    return question


@bp.route("/assignments/<int:assignment_id>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(assignment_id: int, question_id: int) -> str | BaseResponse:
    found = _assignment(assignment_id)
    question = _question(found, question_id)
    if not banks.can_maintain(db.session, current_user, question.bank):
        abort(403)
    form = edit_form(question)
    if save_edit(form, question):
        flash("The question is updated; it keeps its ID and every learner's history.", "success")
        return redirect(url_for("instruct.items", assignment_id=assignment_id))
    return render_template(
        "instruct/edit_question.html", assignment=found, question=question, form=form
    )


@bp.route(
    "/assignments/<int:assignment_id>/questions/<int:question_id>/retire", methods=["GET", "POST"]
)
def retire_question(assignment_id: int, question_id: int) -> str | BaseResponse:
    """Ask first (GET), then retire the question (POST): hidden from study, history kept."""
    found = _assignment(assignment_id)
    question = _question(found, question_id)
    if request.method == "GET":
        return render_template(
            "instruct/retire.html", assignment=found, question=question, form=FlaskForm()
        )
    if FlaskForm().validate_on_submit():
        try:
            banks.set_retired(db.session, question, retired=True, by=current_user, now=_now())
        except banks.NotMaintainer as error:
            flash(str(error), "warning")
            return redirect(url_for("instruct.items", assignment_id=assignment_id))
        flash(
            "The question is retired: hidden from study, history kept. "
            "Restore it from the list of retired questions.",
            "info",
        )
    return redirect(url_for("instruct.items", assignment_id=assignment_id))


@bp.post("/assignments/<int:assignment_id>/questions/<int:question_id>/restore")
def restore_question(assignment_id: int, question_id: int) -> BaseResponse:
    found = _assignment(assignment_id)
    if FlaskForm().validate_on_submit():
        try:
            banks.set_retired(
                db.session,
                _question(found, question_id),
                retired=False,
                by=current_user,
                now=_now(),
            )
        except banks.NotMaintainer as error:
            flash(str(error), "warning")
            return redirect(url_for("instruct.items", assignment_id=assignment_id))
        flash("The question is back in study, with every learner's history.", "success")
    return redirect(url_for("instruct.items", assignment_id=assignment_id))


# Downloads of an assignment's questions and its bank in other tools' formats -----------------

DOWNLOADS = {
    "set": ("moodle", "gift", "csv"),
    "bank": ("yaml", "article", "moodle", "gift", "csv"),
}


@bp.get("/assignments/<int:assignment_id>/download")
def download_questions(assignment_id: int) -> Response:
    """The assignment's set (`?what=set`) or its whole bank (`what=bank`) as a file."""
    found = _assignment(assignment_id)
    what, fmt = request.args.get("what", "set"), request.args.get("format", "moodle")
    if fmt not in DOWNLOADS.get(what, ()):
        abort(404)
    return attachment(interchange.assignment_download(db.session, found, scope=what, fmt=fmt))


def attachment(file: interchange.Download) -> Response:
    """A file to download, named as the service named it."""
    return Response(
        file.text,
        content_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )
