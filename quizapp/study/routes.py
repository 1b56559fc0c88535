from __future__ import annotations

import hashlib
import io
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from werkzeug import Response

from quizapp import jobs
from quizapp.content import bank as content
from quizapp.content.bank import Kind, Section
from quizapp.content.kinds import is_correct
from quizapp.content.responses import compare, decode
from quizapp.export.anki import select as select_questions
from quizapp.extensions import db, limiter
from quizapp.forms import database_id
from quizapp.instruct.forms import JoinForm
from quizapp.limits import accepts_upload
from quizapp.models import Bank, User
from quizapp.scheduling import Grade, format_interval, format_steps
from quizapp.services import (
    anki_import_jobs,
    anki_reviews,
    assignments,
    banks,
    browse,
    classes,
    exams,
    exports,
    learners,
    optimize,
    personal_data,
    presets,
    progress,
    sessions,
    study,
)
from quizapp.study import present
from quizapp.study.forms import (
    AnkiReviewsForm,
    Answer,
    ExamForm,
    FlagForm,
    ForgetForm,
    PresetForm,
    SettingsForm,
)

bp = Blueprint("study", __name__)
MAX_DURATION_MS = 10 * 60 * 1000


@bp.before_request
@login_required
def require_login() -> None:
    """Every study page is the signed-in learner's own."""


@bp.app_template_filter("interval")
def interval_filter(value):  # type: ignore[no-untyped-def]
    return format_interval(value)


@bp.app_template_filter("localtime")
def localtime_filter(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A moment on the signed-in learner's clock (UTC for visitors), with its zone."""
    if value is None:
        return ""
    user = current_user if current_user.is_authenticated else None
    zone = ZoneInfo(user.timezone) if user is not None and user.timezone else UTC
    return value.astimezone(zone).strftime(fmt)


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"Section": Section, "Grade": Grade, "Custom": study.Custom}


@bp.record_once
def _kind_helpers(state: BlueprintSetupState) -> None:
    """What the question kinds' templates (`templates/kinds/`) use, as globals: their
    macros are imported without the page's context, so Jinja caches them."""
    state.app.jinja_env.globals.update(Kind=Kind, present=present, decode=decode, compare=compare)


def _learner() -> User:
    """The signed-in learner itself, not Flask-Login's proxy: services read its attributes
    many times a request, and every read through the proxy looks the learner up again."""
    return current_user._get_current_object()


def _now() -> datetime:
    return datetime.now(UTC)


def _fuzz() -> bool:
    return current_app.config["SCHEDULER_FUZZ"]


def _card_key() -> bytes:
    """The key that signs card tokens: derived from the secret key, used for nothing else."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hashlib.sha256(b"quizapp card token:" + secret).digest()


def _bank(slug: str) -> Bank:
    return banks.find_bank(db.session, slug) or abort(404)


def _opened(slug: str, now: datetime, *, with_queue: bool = False) -> study.OpenedBank:
    opened = study.open_bank(db.session, _learner(), slug, now, with_queue=with_queue)
    return opened or abort(404)


def _asked() -> sessions.Asked:
    """The study session the request's query asks for."""
    args = request.args
    return sessions.Asked.parse(
        section=args.get("section"),
        kind=args.get("kind"),
        assignment_id=args.get("assignment", type=database_id),
        custom=args.get("custom"),
        tag=args.get("tag"),
        reschedule=args.get("reschedule"),
        after=args.get("after", type=database_id),
    )


def _session(
    bank: study.OpenedBank, sections: list[str], kinds: list[str], now: datetime
) -> sessions.StudySession:
    try:
        return sessions.start(
            db.session,
            user=_learner(),
            bank=bank,
            asked=_asked(),
            now=now,
            sections=sections,
            kinds=kinds,
        )
    except sessions.NoSuchAssignment:
        abort(404)


@bp.get("/")
def home() -> str:
    now = _now()
    overview = study.bank_overview(db.session, _learner(), now)
    assigned = progress.my_assignments(db.session, _learner(), now=now)
    paces = {a.id: progress.pace_of(p, a, now=now) for a, p in assigned}
    standings = {
        a.id: exams.standing(db.session, user=_learner(), assignment=a, now=now)
        for a, _ in assigned
        if a.exam_questions
    }
    return render_template(
        "study/home.html",
        overview=overview,
        assigned=assigned,
        paces=paces,
        standings=standings,
    )


@bp.get("/banks/<slug>/study")
def next_card(slug: str) -> str:
    now, user = _now(), _learner()
    # A session its query does not narrow reads its queue with the bank.
    bank = _opened(slug, now, with_queue=not _asked().params())
    # The bank's sections and kinds check a narrowed session's arguments and fill the
    # narrowing panel, which only the finished page shows: a card page links to it.
    narrowed = "section" in request.args or "kind" in request.args
    sections, kinds = study.scope_options(db.session, bank.id) if narrowed else ([], [])
    studying = _session(bank, sections, kinds, now)
    scope, assignment = studying.scope, studying.assignment
    key = _card_key()
    counts, view = study.queue(db.session, user, scope, now, fuzz=_fuzz(), key=key, opened=bank)
    wanted = request.args.get("show", type=database_id)
    if wanted is not None and study.available(db.session, user, scope, wanted, now=now):
        view = study.view_card(db.session, user, wanted, now, fuzz=_fuzz(), key=key)
    studied = {
        "bank": bank,
        "params": studying.params,
        "assignment": assignment,
        "pace": progress.pace(db.session, assignment, user, now=now) if assignment else None,
    }
    if view is None:
        if not narrowed:
            sections, kinds = study.scope_options(db.session, bank.id)
        return render_template(
            "study/done.html", counts=counts, sections=sections, kinds=kinds, **studied
        )
    shown_at = int(time.time() * 1000)
    return render_template(
        "study/card.html", view=view, counts=counts, shown_at=shown_at, **studied
    )


@bp.get("/banks/<slug>/options")
def options(slug: str) -> str:
    """Narrow the session or choose a custom study, keeping the current choices."""
    now = _now()
    bank = _opened(slug, now)
    sections, kinds = study.scope_options(db.session, bank.id)
    params = _session(bank, sections, kinds, now).params
    return render_template(
        "study/options.html", bank=bank, params=params, sections=sections, kinds=kinds
    )


@bp.get("/banks/<slug>/reveal")
def reveal(slug: str) -> str | Response:
    bank = _bank(slug)
    params = _scope_args()
    question_id = request.args.get("q", type=database_id)
    seen = request.args.get("v", type=database_id)
    token = request.args.get("t", "")
    if question_id is None or seen is None or not token:
        return redirect(url_for("study.next_card", slug=slug, **params))
    try:
        view = study.reveal_card(
            db.session,
            user=_learner(),
            question_id=question_id,
            token=token,
            key=_card_key(),
            now=_now(),
            fuzz=_fuzz(),
        )
    except study.StudyError as error:
        flash(str(error), "warning")
        return redirect(url_for("study.next_card", slug=slug, **params))
    response = present.response_from(view.question, request.args)
    correct = is_correct(view.question, response)
    suggested = Grade.AGAIN if correct is False else Grade.GOOD
    answer_fields = Answer.fields(
        question_id=view.question_id,
        version=seen,
        token=token,
        shown_at=request.args.get("shown", ""),
        response=response,
    )
    return render_template(
        "study/reveal.html",
        bank=bank,
        params=params,
        view=view,
        answer_fields=answer_fields,
        flag_form=FlagForm(obj=study.my_flag(db.session, user=_learner(), question_id=question_id)),
        response=response,
        correct=correct,
        suggested=suggested,
    )


def _duration(shown_at: str | None) -> int | None:
    if not shown_at or not shown_at.isdigit():
        return None
    elapsed = int(time.time() * 1000) - int(shown_at)
    return min(elapsed, MAX_DURATION_MS) if elapsed >= 0 else None


@bp.post("/banks/<slug>/answer")
def answer(slug: str) -> Response:
    # The question answered is the one checked; `slug` only names the page to go back to.
    asked = _asked()
    params = asked.params()
    given = Answer.read(request.form)
    if given is None:
        flash("That answer could not be read; nothing was recorded.", "warning")
        return redirect(url_for("study.next_card", slug=slug, **params))
    if asked.after is not None:
        params["after"] = str(asked.after)
    if asked.custom is study.Custom.CRAM and not asked.reschedule:
        return redirect(url_for("study.next_card", slug=slug, **params))
    grade = given.rating
    try:
        answered = study.answer(
            db.session,
            user=_learner(),
            question_id=given.question_id,
            grade=grade,
            seen_version=given.version,
            token=given.token,
            response=given.response,
            duration_ms=_duration(given.shown_at),
            now=_now(),
            fuzz=_fuzz(),
        )
    except study.StudyError as error:
        flash(str(error), "warning")
    else:
        recorded = Grade(answered.review.rating)
        if answered.repeated and recorded != grade:
            flash(
                f"You had already graded that card {recorded.label}; that grade stands "
                f"and {grade.label} was not recorded. Use Undo to change it.",
                "warning",
            )
        elif answered.leech:
            flash(
                "That question is a leech: you have forgotten it "
                f"{answered.review.card_before.get('lapses', 0) + 1} times."
                + (" It is suspended; resume it from its page." if answered.suspended else ""),
                "warning",
            )
    return redirect(url_for("study.next_card", slug=slug, **params))


@bp.post("/banks/<slug>/more-new")
def more_new(slug: str) -> Response:
    """Today only: raise the new-card limit, as Anki's custom study does."""
    bank = _bank(slug)
    extra = request.form.get("extra", type=int)
    try:
        limit = study.add_new_today(
            db.session, user=_learner(), bank_id=bank.id, extra=extra or 0, now=_now()
        )
    except study.StudyError as error:
        flash(str(error), "warning")
    else:
        flash(f"Today's limit is now {limit} new cards; tomorrow it is back to your setting.")
    return redirect(url_for("study.next_card", slug=slug, **_scope_args()))


@bp.post("/undo")
def undo() -> Response:
    try:
        question = study.undo_last(db.session, user=_learner())
    except study.StudyError as error:
        flash(str(error), "warning")
        return redirect(url_for("study.home"))
    flash("Your last answer was taken back.", "info")
    return redirect(
        url_for("study.next_card", slug=question.bank.slug, show=question.id, **_scope_args())
    )


@bp.post("/questions/<int:question_id>/flag")
def flag(question_id: int) -> Response:
    form = FlagForm()
    target = request.form.get("back_to_bank", "")
    if form.validate_on_submit():
        try:
            study.flag(
                db.session,
                user=_learner(),
                question_id=question_id,
                reason=form.reason.data,
                comment=form.comment.data or "",
                now=_now(),
            )
            flash(
                "Thank you: the question is flagged for your instructors "
                "(flagging it again changes your flag).",
                "success",
            )
        except study.StudyError as error:
            flash(str(error), "warning")
    else:
        problems = "; ".join(message for messages in form.errors.values() for message in messages)
        flash(f"The flag could not be saved: {problems}", "warning")
    return _back_to(target)


@bp.post("/questions/<int:question_id>/suspend")
def suspend(question_id: int) -> Response:
    suspended = request.form.get("suspended", "1") == "1"
    try:
        study.set_suspended(
            db.session, user=_learner(), question_id=question_id, suspended=suspended
        )
        flash(
            "Question suspended: it will not be shown to you."
            if suspended
            else "Question resumed.",
            "info",
        )
    except study.StudyError as error:
        flash(str(error), "warning")
    if request.form.get("back_to_browser") == "1":
        return redirect(url_for("study.question_history", question_id=question_id))
    return _back_to(request.form.get("back_to_bank", ""))


@bp.get("/browse")
def browser() -> str:
    """The learner's own question browser: search and filter their cards."""
    show = (
        browse.Filter(request.args["show"])
        if request.args.get("show") in set(browse.Filter)
        else browse.Filter.ALL
    )
    text = (request.args.get("q") or "").strip()[:200]
    bank = banks.find_bank(db.session, request.args.get("bank") or "")
    found = browse.search(
        db.session, _learner(), text=text, show=show, bank_id=bank.id if bank else None
    )
    return render_template(
        "study/browse.html",
        found=found,
        text=text,
        show=show,
        bank=bank,
        all_banks=[b for b, _ in study.bank_overview(db.session, _learner(), _now())],
        Filter=browse.Filter,
        shown_limit=browse.SHOWN,
    )


@bp.get("/browse/questions/<int:question_id>")
def question_history(question_id: int) -> str:
    """One question with the learner's card, answers and flags."""
    try:
        found = browse.history(db.session, _learner(), question_id)
    except study.StudyError:
        abort(404)
    return render_template("study/question.html", found=found)


@bp.post("/browse/questions/<int:question_id>/forget")
def forget(question_id: int) -> Response:
    """Reset the learner's card to new, once they have confirmed it."""
    form = ForgetForm()
    if not form.validate_on_submit():
        flash("Tick the box to confirm that you want to start this question again.", "warning")
    else:
        try:
            browse.forget(db.session, user=_learner(), question_id=question_id)
            flash("Forgotten: the question is new for you again; its history is kept.", "info")
        except study.StudyError as error:
            flash(str(error), "warning")
    return redirect(url_for("study.question_history", question_id=question_id))


def _scope_args() -> dict[str, str]:
    """The study session a page passed along with an action, to return to it."""
    return _asked().params()


def _back_to(slug: str) -> Response:
    if slug and banks.find_bank(db.session, slug):
        return redirect(url_for("study.next_card", slug=slug, **_scope_args()))
    return redirect(url_for("study.home"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> str | Response:
    form = SettingsForm(obj=_learner())
    if not form.is_submitted():
        default = presets.default_options(_learner())
        form.learning_steps.data = format_steps(default.learning_steps)
        form.relearning_steps.data = format_steps(default.relearning_steps)
    if form.validate_on_submit():
        try:
            learners.update_settings(
                db.session,
                user=_learner(),
                desired_retention=float(form.desired_retention.data),
                new_per_day=form.new_per_day.data,
                reviews_per_day=form.reviews_per_day.data,
                timezone=form.timezone.data,
                day_starts_at=form.day_starts_at.data,
                leech_action=form.leech_action.data,
                learning_steps=form.learning_steps.data or "",
                relearning_steps=form.relearning_steps.data or "",
                maximum_interval=form.maximum_interval.data,
            )
        except learners.SettingsError as error:
            db.session.rollback()
            form.timezone.errors.append(str(error))
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("study.settings"))
    return _settings_page(form, AnkiReviewsForm())


def _settings_page(form: SettingsForm, anki_form: AnkiReviewsForm) -> str:
    redis = jobs.redis_for_app()
    return render_template(
        "study/settings.html",
        form=form,
        anki_form=anki_form,
        fit=optimize.fit_state(redis, user=_learner()),
        anki_import=anki_import_jobs.import_state(redis, user=_learner()),
    )


@bp.post("/settings/anki-reviews")
@accepts_upload
@limiter.limit("20 per hour", key_func=lambda: f"user:{current_user.id}")
def import_anki_reviews() -> str | Response:
    """Add the reviews in an Anki export to the learner's history and reschedule."""
    anki_form = AnkiReviewsForm()
    if not anki_form.validate_on_submit():
        return _settings_page(SettingsForm(obj=_learner()), anki_form), 400
    upload = anki_form.package.data
    if request.content_length and (
        request.content_length > current_app.config["ANKI_IMPORT_IN_REQUEST_BYTES"]
    ):
        return _queue_import(anki_form)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        upload.save(path)
        try:
            result = anki_reviews.import_reviews(
                db.session,
                user=_learner(),
                path=path,
                max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                now=_now(),
                fuzz=current_app.config["SCHEDULER_FUZZ"],
            )
        except anki_reviews.AnkiImportError as error:
            anki_form.package.errors.append(str(error))
            return _settings_page(SettingsForm(obj=_learner()), anki_form), 400
    flash(result.summary(), "success")
    return redirect(url_for("study.settings"))


def _queue_import(anki_form: AnkiReviewsForm) -> str | Response:
    """A large export is imported by the background worker; Settings shows how it went."""
    path = anki_import_jobs.upload_path(Path(current_app.instance_path) / "uploads", _learner())
    anki_form.package.data.save(path)
    try:
        _state, queued = anki_import_jobs.request_import(
            jobs.redis_for_app(), user=_learner(), path=path
        )
    except anki_reviews.AnkiImportError as error:
        anki_form.package.errors.append(str(error))
        return _settings_page(SettingsForm(obj=_learner()), anki_form), 503
    if queued:
        flash(
            "Your Anki export is being imported in the background; Settings shows when it is done."
        )
    else:
        flash(
            "An import of yours is still running; upload this file again when it is done.",
            "warning",
        )
    return redirect(url_for("study.settings"))


@bp.get("/settings/presets")
def preset_list() -> str:
    """The learner's presets and which bank uses which."""
    return _presets_page(PresetForm(formdata=None))


def _presets_page(new: PresetForm, editing: PresetForm | None = None) -> str:
    own, banks = presets.overview(db.session, _learner())
    forms = []
    for preset in own:
        if editing is not None and editing.preset_id.data == str(preset.id):
            forms.append(editing)
            continue
        form = PresetForm(formdata=None, obj=preset)
        form.preset_id.data = str(preset.id)
        form.learning_steps.data = format_steps(presets.options_of(preset).learning_steps)
        form.relearning_steps.data = format_steps(presets.options_of(preset).relearning_steps)
        forms.append(form)
    return render_template("study/presets.html", forms=forms, new=new, banks=banks, presets=own)


@bp.post("/settings/presets")
def preset_save() -> str | Response:
    """Create a preset, or change one of the learner's own."""
    form = PresetForm()
    if form.validate_on_submit():
        try:
            presets.save_preset(
                db.session,
                user=_learner(),
                preset_id=int(form.preset_id.data) if form.preset_id.data else None,
                name=form.name.data,
                desired_retention=float(form.desired_retention.data),
                new_per_day=form.new_per_day.data,
                reviews_per_day=form.reviews_per_day.data,
                learning_steps=form.learning_steps.data or "",
                relearning_steps=form.relearning_steps.data or "",
                maximum_interval=form.maximum_interval.data,
            )
        except (presets.PresetError, ValueError) as error:
            form.name.errors.append(str(error))
        else:
            flash(f"Preset {form.name.data.strip()!r} saved.", "success")
            return redirect(url_for("study.preset_list"))
    if form.preset_id.data:
        return _presets_page(PresetForm(formdata=None), editing=form)
    return _presets_page(form)


@bp.post("/settings/presets/<int:preset_id>/delete")
def preset_delete(preset_id: int) -> Response:
    try:
        presets.delete_preset(db.session, user=_learner(), preset_id=preset_id)
    except presets.PresetError:
        abort(404)
    flash("Preset deleted; its banks use your default options again.", "info")
    return redirect(url_for("study.preset_list"))


@bp.post("/settings/presets/banks")
def preset_assign() -> Response:
    """Choose the preset each bank uses (empty: the default)."""
    choices = {
        int(key.removeprefix("bank-")): value
        for key, value in request.form.items()
        if key.startswith("bank-") and key.removeprefix("bank-").isdigit()
    }
    try:
        for bank_id, value in choices.items():
            preset_id = int(value) if value.isdigit() else None
            presets.assign(db.session, user=_learner(), bank_id=bank_id, preset_id=preset_id)
    except presets.PresetError as error:
        flash(str(error), "warning")
    else:
        flash("The banks' presets are saved.", "success")
    return redirect(url_for("study.preset_list"))


@bp.get("/banks/<slug>/anki.apkg")
def export_anki(slug: str) -> Response:
    """The bank as an Anki deck, optionally narrowed by section, kind and tag."""
    bank = _bank(slug)
    # The narrowing form sends "" for "All sections" or "All kinds": that narrows nothing.
    chosen = {name: [v for v in request.args.getlist(name) if v] for name in ("section", "kind")}
    selected = select_questions(
        exports.loaded_bank(db.session, bank),
        sections=chosen["section"],
        kinds=chosen["kind"],
        tags=[v for v in request.args.getlist("tag") if v],
    )
    if not selected.questions:
        flash("No questions match that selection.", "warning")
        return redirect(url_for("study.next_card", slug=slug, **_scope_args()))
    name = "-".join([slug, *chosen["section"], *chosen["kind"]])
    return _package(selected, name)


@bp.get("/banks/<slug>/my-anki.apkg")
def export_personal_anki(slug: str) -> Response:
    """The bank as an Anki deck carrying the learner's own schedule and review history."""
    bank = _bank(slug)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.apkg"
        exports.export_personal_anki(db.session, user=_learner(), bank=bank, path=path, now=_now())
        package = io.BytesIO(path.read_bytes())
    return send_file(
        package,
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"{slug}-my-schedule.apkg",
    )


@bp.get("/assignments/<int:assignment_id>/anki.apkg")
def export_assignment(assignment_id: int) -> Response:
    """An assignment's questions as an Anki deck, for its trainees and instructors."""
    assignment = assignments.open_assignment_for(
        db.session, user=_learner(), assignment_id=assignment_id
    ) or assignments.taught_assignment(db.session, user=_learner(), assignment_id=assignment_id)
    if assignment is None:
        abort(404)
    bank = exports.assignment_bank(db.session, assignment)
    return _package(bank, f"{assignment.bank.slug}-assignment-{assignment.id}")


def _package(bank: content.Bank, name: str) -> Response:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.apkg"
        exports.export_anki([bank], path, now=_now())
        package = io.BytesIO(path.read_bytes())
    return send_file(
        package,
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"{name}.apkg",
    )


@bp.route("/classes/join", methods=["GET", "POST"])
@bp.get("/join/<code>")
def join(code: str | None = None) -> str | Response:
    """Join a class by code; a join link fills the code in and still asks to confirm."""
    form = JoinForm(data={"code": code} if code else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            classroom = classes.join(db.session, user=_learner(), code=form.code.data, now=_now())
        except classes.ClassError as error:
            form.code.errors.append(str(error))
        else:
            flash(f"You are in {classroom.name}.", "success")
            return redirect(url_for("study.home"))
    return render_template("study/join.html", form=form)


@bp.post("/assignments/<int:assignment_id>/exam")
def start_exam(assignment_id: int) -> Response:
    assignment = assignments.open_assignment_for(
        db.session, user=_learner(), assignment_id=assignment_id
    )
    if assignment is None:
        abort(404)
    try:
        attempt = exams.start(db.session, user=_learner(), assignment=assignment, now=_now())
    except exams.ExamError as error:
        flash(str(error), "warning")
        return redirect(url_for("study.home"))
    return redirect(url_for("study.exam", attempt_id=attempt.id))


@bp.route("/exams/<int:attempt_id>", methods=["GET", "POST"])
def exam(attempt_id: int) -> str | Response:
    """The exam's questions on one page; after handing in, the marks and the reasons."""
    now = _now()
    # A hand-in arriving after the limit is read before the attempt is closed, so that
    # the answers it carries can be kept as late.
    attempt = exams.own_attempt(
        db.session,
        user=_learner(),
        attempt_id=attempt_id,
        now=now if request.method == "GET" else None,
    ) or abort(404)
    if request.method == "POST":
        form = ExamForm()
        if form.validate_on_submit():
            exams.submit(db.session, attempt=attempt, responses=_exam_responses(attempt), now=now)
        else:
            flash("The exam could not be handed in: reload the page and try again.", "warning")
        return redirect(url_for("study.exam", attempt_id=attempt.id))
    if attempt.finished_at is not None:
        return render_template(
            "study/exam_result.html", attempt=attempt, marked=exams.marked(db.session, attempt)
        )
    return render_template(
        "study/exam.html",
        attempt=attempt,
        questions=exams.questions_of(db.session, attempt),
        form=ExamForm(),
        remaining=max(0, int((attempt.deadline - now).total_seconds())),
    )


@bp.post("/exams/<int:attempt_id>/save")
def save_exam(attempt_id: int) -> Response:
    """Save the answers given so far; the exam page calls this as each answer is given."""
    now = _now()
    attempt = exams.own_attempt(db.session, user=_learner(), attempt_id=attempt_id) or abort(404)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not ExamForm().validate_on_submit():
        message = "Your answers could not be saved: reload the page."
        if wants_json:
            return jsonify(saved=False, message=message), 400
        flash(message, "warning")
        return redirect(url_for("study.exam", attempt_id=attempt.id))
    marks = {int(v) for v in request.form.getlist("review") if v.isdigit()}
    try:
        late = exams.save(
            db.session,
            attempt=attempt,
            responses=_exam_responses(attempt),
            review_marks=marks,
            now=now,
        )
    except exams.ExamError as error:
        late, message = [], str(error)
    else:
        message = (
            "The time limit has passed: these answers came too late to count."
            if late
            else f"Answers saved at {now.strftime('%H:%M:%S')} UTC."
        )
    if wants_json:
        finished = attempt.finished_at is not None
        return jsonify(saved=not late and not finished, finished=finished, message=message)
    flash(message, "info" if not late else "warning")
    return redirect(url_for("study.exam", attempt_id=attempt.id))


def _exam_responses(attempt) -> dict[int, str | None]:  # type: ignore[no-untyped-def]
    return {
        qid: present.response_from(question, _prefixed(request.form, f"q{qid}-"))
        for qid, question in exams.questions_of(db.session, attempt)
    }


def _prefixed(values, prefix: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {key[len(prefix) :]: value for key, value in values.items() if key.startswith(prefix)}


@bp.get("/settings/my-data.json")
def my_data() -> Response:
    """The learner's own data as a JSON download."""
    data = personal_data.learner_data(db.session, _learner(), now=_now())
    response = jsonify(data)
    response.headers["Content-Disposition"] = 'attachment; filename="quizapp-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response
