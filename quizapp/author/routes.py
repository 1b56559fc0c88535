"""Authoring pages: build a bank from an upload, review its questions, publish it.

Only a bank's maintainers (who created it, those they added) and admins reach a bank's
pages here; any instructor may assign a published bank from the class pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug import Response as BaseResponse

from quizapp.author.forms import ReviewForm, UploadForm
from quizapp.content.bankfile import MAX_BANK_BYTES
from quizapp.content.topic import TopicKind
from quizapp.content.upload import Uploaded, UploadError, is_article, read_upload
from quizapp.content.upload import article_text as uploaded_article
from quizapp.extensions import db, limiter
from quizapp.forms import database_id
from quizapp.instruct.forms import InstructorForm
from quizapp.instruct.question_edit import edit_form, save_edit
from quizapp.instruct.routes import DOWNLOADS, attachment, require_instructor
from quizapp.interchange import InterchangeError
from quizapp.limits import accepts_upload
from quizapp.models import Bank, Question
from quizapp.services import banks, interchange, item_analysis

bp = Blueprint("author", __name__, url_prefix="/teach/banks")

FILTERS = {
    "all": "All current questions",
    "draft": "Drafts",
    "approved": "Approved",
    "rejected": "Rejected",
    "revision": "Revisions to review",
    "retired": "Retired",
}
# Uploads build a bank (seconds for a long article): bounded per instructor.
UPLOAD_LIMIT = "30 per hour"


# Instructors only, as on the class pages.
bp.before_request(require_instructor)


def _now() -> datetime:
    return datetime.now(UTC)


def _bank(slug: str) -> Bank:
    """A bank the caller maintains; 403 for a published bank of others', else 404."""
    bank = banks.find_any_bank(db.session, slug) or abort(404)
    if not banks.can_maintain(db.session, current_user, bank):
        abort(404 if bank.status == banks.DRAFT else 403)  # a draft is nobody else's business
    return bank


def _question(bank: Bank, question_id: int) -> Question:
    return banks.bank_question(db.session, bank, question_id) or abort(404)


def _read(form: UploadForm) -> tuple[Uploaded, str]:
    """The uploaded bank and its article's text; UploadError names what is wrong."""
    upload = form.file.data
    filename = upload.filename or "upload"
    # Read no more than the largest file `read_upload` takes: one byte over is refused there.
    data = upload.read(MAX_BANK_BYTES + 1)
    kind = TopicKind(form.topic_kind.data) if form.topic_kind.data else None
    uploaded = read_upload(filename, data, topic_kind=kind)
    return uploaded, uploaded_article(filename, data) if is_article(filename) else ""


def _skipped(uploaded: Uploaded) -> None:
    if uploaded.skipped:
        flash("Left out of the file: " + "; ".join(uploaded.skipped), "warning")
    if uploaded.warnings:
        flash("Read with warnings: " + "; ".join(uploaded.warnings), "warning")


@bp.get("/")
def index() -> str:
    """The banks the instructor maintains (an admin: all), with status and maintainers."""
    return render_template("author/index.html", banks=banks.banks_for(db.session, current_user))


@bp.route("/new", methods=["GET", "POST"])
@accepts_upload
@limiter.limit(UPLOAD_LIMIT, key_func=lambda: f"user:{current_user.id}", methods=["POST"])
def new_bank() -> str | tuple[str, int] | BaseResponse:
    """Upload an article or a bank file; the bank is built, checked and opened for review."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            uploaded, article = _read(form)
            bank = banks.create_bank(
                db.session, uploaded.bank, article_text=article, by=current_user, now=_now()
            )
        except UploadError as error:
            form.file.errors = list(error.messages)
        except banks.BankError as error:
            form.file.errors = [str(error)]
        else:
            flash(
                f"{bank.topic}: {len(bank.questions)} questions built as drafts. Review them, "
                "then publish the bank; trainees see nothing until then.",
                "success",
            )
            _skipped(uploaded)
            return redirect(url_for("author.review", slug=bank.slug))
    if request.method == "POST":
        return render_template("author/new.html", form=form), 400
    return render_template("author/new.html", form=form)


def _review_page(bank: Bank, form: UploadForm | None = None) -> str:
    shown = request.args.get("show", "all")
    if shown not in FILTERS:
        shown = "all"
    questions = banks.review_questions(db.session, bank, None if shown == "all" else shown)
    return render_template(
        "author/review.html",
        bank=bank,
        questions=questions,
        findings=item_analysis.lint_findings(questions),
        counts=banks.review_counts(db.session, bank),
        filters=FILTERS,
        shown=shown,
        maintainers=banks.maintainers(db.session, bank),
        maintainer_form=InstructorForm(),
        review_form=ReviewForm(),
        upload_form=form or UploadForm(formdata=None),
    )


@bp.get("/<slug>/review")
def review(slug: str) -> str:
    """Every question with its sources and lint findings, to approve, edit or reject."""
    return _review_page(_bank(slug))


def _ids() -> list[int]:
    ids = []
    for value in request.form.getlist("question")[:5000]:
        try:
            ids.append(database_id(value))
        except ValueError:
            continue
    return ids


def _back(bank: Bank) -> BaseResponse:
    shown = request.form.get("show", "all")
    kept = shown if shown in FILTERS and shown != "all" else None
    return redirect(url_for("author.review", slug=bank.slug, show=kept))


_DONE = {"approved": "approved", "rejected": "rejected", "draft": "returned to draft"}


@bp.post("/<slug>/review")
def review_selected(slug: str) -> BaseResponse:
    """Approve, reject or return to draft the ticked questions."""
    bank = _bank(slug)
    status = request.form.get("status", "")
    if not ReviewForm().validate_on_submit() or status not in _DONE:
        abort(400)
    ids = _ids()
    if not ids:
        flash("Tick the questions first.", "warning")
        return _back(bank)
    changed = banks.set_status(db.session, bank, ids, status=status, by=current_user, now=_now())
    flash(f"{changed} question(s) {_DONE[status]}.", "success")
    return _back(bank)


@bp.post("/<slug>/questions/<int:question_id>/status")
def question_status(slug: str, question_id: int) -> BaseResponse:
    """Approve, reject or return to draft one question."""
    bank = _bank(slug)
    question = _question(bank, question_id)
    status = request.form.get("status", "")
    if not ReviewForm().validate_on_submit() or status not in _DONE:
        abort(400)
    banks.set_status(db.session, bank, [question.id], status=status, by=current_user, now=_now())
    flash(f"Question {question.key} {_DONE[status]}.", "success")
    return _back(bank)


@bp.post("/<slug>/approve-drafts")
def approve_drafts(slug: str) -> BaseResponse:
    bank = _bank(slug)
    if not ReviewForm().validate_on_submit():
        abort(400)
    changed = banks.approve_drafts(db.session, bank, by=current_user, now=_now())
    flash(f"{changed} draft question(s) approved.", "success")
    return _back(bank)


@bp.post("/<slug>/publish")
def publish(slug: str) -> BaseResponse:
    """Trainees see the bank's approved questions from now on; drafts and rejected stay hidden."""
    bank = _bank(slug)
    if not ReviewForm().validate_on_submit():
        abort(400)
    try:
        count = banks.publish(db.session, bank, by=current_user, now=_now())
    except banks.BankError as error:
        flash(str(error), "warning")
    else:
        flash(
            f"{bank.topic} is published: trainees see its {count} approved questions, and "
            "any instructor can assign it.",
            "success",
        )
    return _back(bank)


@bp.post("/<slug>/upload")
@accepts_upload
@limiter.limit(UPLOAD_LIMIT, key_func=lambda: f"user:{current_user.id}")
def upload_again(slug: str) -> str | tuple[str, int] | BaseResponse:
    """A new version of the article or bank file: edits stay, changes wait for review."""
    bank = _bank(slug)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            uploaded, article = _read(form)
            revisions = _load_again(bank, uploaded, article, form)
        except UploadError as error:
            form.file.errors = list(error.messages)
        except (banks.BankError, InterchangeError) as error:
            form.file.errors = [str(error)]
        else:
            _skipped(uploaded)
            show = "revision" if revisions else None
            return redirect(url_for("author.review", slug=bank.slug, show=show))
    return _review_page(bank, form), 400


def _load_again(bank: Bank, uploaded: Uploaded, article: str, form: UploadForm) -> bool:
    """Load a new version into the bank (questions from another tool only add to it);
    flash what it did and say whether revisions wait for review."""
    if uploaded.imported is not None:
        imported = interchange.import_questions(
            db.session,
            slug=bank.slug,
            result=uploaded.imported,
            filename=uploaded.bank.article,
            now=_now(),
            maintainer=current_user,
        )
        flash(f"Loaded: {imported}.", "success")
        return False
    report = banks.upload_again(
        db.session,
        bank,
        uploaded.bank,
        article_text=article,
        regenerate=is_article(form.file.data.filename or ""),
        by=current_user,
        now=_now(),
    )
    flash(f"Loaded: {report}.", "success")
    return bool(report.revisions)


@bp.get("/<slug>/download")
def download(slug: str) -> Response:
    """The bank as it stands, drafts included, as a bank file, its article, Moodle XML,
    GIFT or CSV (`?format=`): for its maintainers, to keep or to take to another tool."""
    bank = _bank(slug)
    fmt = request.args.get("format", "yaml")
    if fmt not in DOWNLOADS["bank"]:
        abort(404)
    return attachment(interchange.bank_download(db.session, bank, fmt=fmt, live=False))


@bp.route("/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
def question(slug: str, question_id: int) -> str | BaseResponse:
    """Edit one question; its history of changes is listed below."""
    bank = _bank(slug)
    found = _question(bank, question_id)
    form = edit_form(found)
    if save_edit(form, found):
        flash("The question is saved; it keeps its ID and every learner's history.", "success")
        return redirect(url_for("author.question", slug=slug, question_id=question_id))
    return render_template(
        "author/question.html",
        bank=bank,
        question=found,
        form=form,
        history=banks.history(db.session, found),
    )


@bp.post("/<slug>/questions/<int:question_id>/revision")
def revision(slug: str, question_id: int) -> BaseResponse:
    """Take the rebuilt version of a question, or keep the current (edited) one."""
    bank = _bank(slug)
    found = _question(bank, question_id)
    choice = request.form.get("choice")
    if not ReviewForm().validate_on_submit() or choice not in ("take", "keep"):
        abort(400)
    try:
        banks.resolve_revision(
            db.session, found, take=choice == "take", by=current_user, now=_now()
        )
    except banks.BankError as error:
        flash(str(error), "warning")
    else:
        flash(
            f"Question {found.key}: "
            + ("the rebuilt version is taken." if choice == "take" else "your version is kept."),
            "success",
        )
    return _back(bank)


@bp.get("/<slug>/questions/<int:question_id>/history")
def history(slug: str, question_id: int) -> str:
    """Who changed the question, when, and what it was before and after."""
    bank = _bank(slug)
    found = _question(bank, question_id)
    return render_template(
        "author/history.html",
        bank=bank,
        question=found,
        history=banks.history(db.session, found),
    )
