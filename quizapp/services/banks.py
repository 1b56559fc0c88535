"""Banks in the database: loading bank files by question ID (keeping every learner's
history), their maintainers, and the maintainers' edits to questions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.content import bank as content
from quizapp.content import merge
from quizapp.content.bank import format_changed
from quizapp.content.check import check_bank_data
from quizapp.models import Bank, BankMaintainer, Question, QuestionChange, Role, User
from quizapp.services import statements

CLI = "command line"
DRAFT, APPROVED, REJECTED = "draft", "approved", "rejected"
REVIEW_STATUSES = (DRAFT, APPROVED, REJECTED)
PUBLISHED = "published"


@dataclass(frozen=True)
class Conflict:
    """A question changed both on the site and in the file since it was last loaded."""

    key: str
    fields: tuple[str, ...]
    site: dict[str, Any] = field(default_factory=dict)
    file: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.key}: changed on the site and in the file ({', '.join(self.fields)})"

    def differences(self, width: int = 70) -> list[str]:
        """One line per field: the site's value, then the file's, cut to `width`."""

        def cut(value: Any) -> str:
            text = " ".join(str(value).split()) if value is not None else "(none)"
            return text if len(text) <= width else text[: width - 1] + "…"

        return [
            f"{name}: site {cut(self.site.get(name))!r}, file {cut(self.file.get(name))!r}"
            for name in self.fields
        ]


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # site edits kept: the file had not changed
    conflicts: list[Conflict] = field(default_factory=list)
    revisions: list[str] = field(default_factory=list)  # rebuilt versions waiting for review
    theirs: bool = False  # conflicts were settled by taking the file's version

    def __str__(self) -> str:
        text = (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.retired)} retired, {self.unchanged} unchanged"
        )
        if self.kept:
            text += f", {len(self.kept)} site edits kept"
        if self.revisions:
            text += f", {len(self.revisions)} revisions to review"
        if self.conflicts:
            kept = "the file's version taken" if self.theirs else "the site's version kept"
            text += f", {len(self.conflicts)} conflicts ({kept})"
        return text


def content_hash(data: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _log(
    session: Session,
    question: Question,
    action: str,
    *,
    by: User | None,
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        QuestionChange(
            question_id=question.id,
            user_id=by.id if by is not None else None,
            actor=by.name if by is not None else CLI,
            at=now,
            action=action,
            before=before,
            after=after,
        )
    )


def _set_content(question: Question, data: dict[str, Any]) -> None:
    question.content, question.content_hash = data, content_hash(data)
    question.kind, question.section = data["kind"], data["section"]
    question.fact = data.get("fact") or None


def load_bank(
    session: Session,
    bank: content.Bank,
    *,
    article_text: str,
    now: datetime,
    maintainer: User | None = None,
    by: User | None = None,
    theirs: bool = False,
    regenerate: bool = False,
    review: bool = False,
    slug: str | None = None,
) -> LoadReport:
    """Load a bank over the stored one, question by question (`content.merge.plan`).

    Questions are matched by ID (and, with `regenerate`, a bank rebuilt from its article,
    by their source sentences); missing ones are retired, never deleted. A question
    edited on the site keeps the edit while the file's version is the one last loaded;
    changed on both sides it is a conflict: the site's version stays unless `theirs`
    (take the file's) or `review` (offer the file's as a revision to review). With
    `review` (the site) new questions and a new bank are drafts; from the command line
    they are approved and published. Every change is logged as made `by` someone (None:
    the command line). A new bank records `maintainer` as who loaded it; `maintainer`
    is made one of the bank's maintainers either way.
    """
    report = LoadReport(theirs=theirs)
    slug = slug or bank.id
    row = session.scalar(select(Bank).where(Bank.slug == slug))
    if row is None:
        row = Bank(
            slug=slug,
            topic=bank.topic,
            article=article_text,
            loaded_at=now,
            loaded_by_id=maintainer.id if maintainer else None,
            status=DRAFT if review else PUBLISHED,
        )
        session.add(row)
        session.flush()
    if maintainer is not None and not _is_maintainer(session, maintainer, row):
        session.add(BankMaintainer(bank_id=row.id, user_id=maintainer.id, added_at=now))
    row.topic = bank.topic
    if article_text or not row.article:
        row.article = article_text
    existing = {
        q.key: q for q in session.scalars(select(Question).where(Question.bank_id == row.id))
    }
    decisions = merge.plan(
        (merge.Stored(q.key, q.content, q.base_hash, q.retired) for q in existing.values()),
        bank.questions,
        regenerate=regenerate,
    )
    added: list[Question] = []
    for position, decision in enumerate(decisions):
        incoming = decision.incoming
        if decision.action is merge.Action.RETIRE:
            stale = existing[decision.key]
            stale.retired, stale.updated_at = True, now
            report.retired.append(stale.key)
            _log(session, stale, "retire", by=by, now=now, before=stale.content)
            continue
        assert incoming is not None
        data = {**incoming.to_dict(), "id": decision.key}
        digest = merge.question_hash(data)
        if decision.action is merge.Action.ADD:
            question = Question(
                bank_id=row.id,
                key=decision.key,
                position=position,
                status=DRAFT if review else APPROVED,
                base_hash=digest,
                created_at=now,
                updated_at=now,
            )
            _set_content(question, data)
            session.add(question)
            added.append(question)
            report.added.append(decision.key)
            continue
        stored = existing[decision.key]
        stored.position = position
        take = decision.action is merge.Action.TAKE or (
            decision.action is merge.Action.CONFLICT and theirs
        )
        offer = decision.action is merge.Action.REVISE or (
            decision.action is merge.Action.CONFLICT and review and not theirs
        )
        if decision.action is merge.Action.CONFLICT:
            report.conflicts.append(
                Conflict(decision.key, decision.differs, dict(stored.content), data)
            )
        if take:
            before = stored.content
            if regenerate and not data.get("changed"):  # dated, so Anki updates its note
                data["changed"] = format_changed(now)
            _set_content(stored, data)
            stored.base_hash, stored.pending, stored.updated_at = digest, None, now
            if decision.action is merge.Action.CONFLICT:
                action = "file's version taken"
            else:
                action = "rebuilt from the article" if regenerate else "loaded from a file"
            _log(session, stored, action, by=by, now=now, before=before, after=data)
            report.updated.append(decision.key)
        elif offer:
            stored.pending, stored.base_hash = data, digest
            _log(session, stored, "revision offered", by=by, now=now, after=data)
            report.revisions.append(decision.key)
        elif decision.action is merge.Action.KEEP:
            stored.base_hash = digest
            report.kept.append(decision.key)
        elif decision.action is merge.Action.UNCHANGED:
            if stored.base_hash in (None, merge.question_hash(stored.content)):
                if data.get("changed") and stored.content != data:  # a newer date only
                    _set_content(stored, data)
                stored.base_hash = digest
            report.unchanged += 1
        if stored.retired:  # the incoming bank has it again
            stored.retired, stored.updated_at = False, now
            _log(session, stored, "restore", by=by, now=now, after=stored.content)
            if decision.key not in report.updated:
                report.updated.append(decision.key)
                if decision.action is merge.Action.UNCHANGED:
                    report.unchanged -= 1
    if added:
        session.flush()
        for question in added:
            _log(session, question, "create", by=by, now=now, after=question.content)
    if report.added or report.updated or report.retired or report.revisions:
        row.loaded_at = now
    session.commit()
    return report


def list_banks(session: Session) -> list[Bank]:
    """The published banks: what learners study and instructors assign."""
    return list(session.scalars(select(Bank).where(Bank.status == PUBLISHED).order_by(Bank.topic)))


def find_bank(session: Session, slug: str) -> Bank | None:
    """A published bank by its slug; a draft is found only by `find_any_bank`."""
    if not statements.can_name_a_bank(slug):
        return None
    return session.scalar(statements.bank(), {"slug": slug})


def find_any_bank(session: Session, slug: str) -> Bank | None:
    """A bank by its slug, draft or published: for its maintainers' pages."""
    if not statements.can_name_a_bank(slug):
        return None
    return session.scalar(select(Bank).where(Bank.slug == slug))


def as_content(question: Question) -> content.Question:
    return content.Question.from_dict(question.content)


class BankError(ValueError):
    """A change to a bank that cannot be made; the message is for the user."""


def _is_maintainer(session: Session, user: User, bank: Bank) -> bool:
    return (
        session.scalar(
            select(BankMaintainer.id).where(
                BankMaintainer.bank_id == bank.id, BankMaintainer.user_id == user.id
            )
        )
        is not None
    )


def can_maintain(session: Session, user: User, bank: Bank) -> bool:
    """Whether `user` may edit and retire the bank's questions: admins, and its maintainers.

    Any instructor may assign any bank; changing it changes it for every class using it.
    """
    return user.is_admin or _is_maintainer(session, user, bank)


def maintainers(session: Session, bank: Bank) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(BankMaintainer, BankMaintainer.user_id == User.id)
            .where(BankMaintainer.bank_id == bank.id)
            .order_by(User.name)
        )
    )


def add_maintainer(session: Session, bank: Bank, *, by: User, email: str, now: datetime) -> User:
    """A maintainer (or an admin) makes another instructor a maintainer of the bank."""
    if not can_maintain(session, by, bank):
        raise BankError("Only the bank's maintainers can add maintainers.")
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role not in (Role.INSTRUCTOR.value, Role.ADMIN.value):
        raise BankError("No instructor has that email.")
    if not _is_maintainer(session, user, bank):
        session.add(BankMaintainer(bank_id=bank.id, user_id=user.id, added_at=now))
        try:
            session.commit()
        except IntegrityError:  # added by someone else at the same moment
            session.rollback()
    return user


class NotMaintainer(BankError):
    """Only the bank's maintainers (and admins) may change its questions."""


def _require_maintainer(session: Session, user: User, bank: Bank) -> None:
    if not can_maintain(session, user, bank):
        raise NotMaintainer(
            "Only this bank's maintainers can change its questions: it is shared by every "
            "class that uses it. Ask one of them, or an admin."
        )


def edit_question(
    session: Session,
    question: Question,
    *,
    by: User,
    prompt: str,
    answer: str | None,
    explanation: str,
    now: datetime,
) -> None:
    """Change a question's text in place: it keeps its ID, so learners keep their history."""
    _require_maintainer(session, by, question.bank)
    before = question.content
    content = {**question.content, "prompt": prompt.strip(), "explanation": explanation.strip()}
    if not content["explanation"]:
        content.pop("explanation")
    if answer is not None:
        content["answer"] = answer.strip()
    problems = check_bank_data(
        {"format": 1, "id": "edit", "topic": "edit", "article": "edit", "questions": [content]},
        file="",
        article_text=None,
    )
    if problems:
        raise BankError("; ".join(f"{p.field}: {p.message}" for p in problems))
    content["changed"] = format_changed(now)
    question.content = content
    question.content_hash = content_hash(content)
    question.updated_at = now
    _log(session, question, "edit", by=by, now=now, before=before, after=content)
    session.commit()


def set_retired(
    session: Session, question: Question, *, retired: bool, by: User, now: datetime
) -> None:
    """Retire a question (hidden from study, history kept) or bring it back."""
    _require_maintainer(session, by, question.bank)
    if question.retired != retired:
        question.retired = retired
        question.updated_at = now
        _log(session, question, "retire" if retired else "restore", by=by, now=now)
    session.commit()


# ---- authoring on the site: a bank from an upload, its review, publication, history


def create_bank(
    session: Session, upload: content.Bank, *, article_text: str, by: User, now: datetime
) -> Bank:
    """A new draft bank from an uploaded file, its questions drafts, `by` its maintainer."""
    if find_any_bank(session, upload.id) is not None:
        raise BankError(
            f"A bank with the ID {upload.id} exists already. Rename the file to make a "
            "new bank, or upload it again from that bank's review page."
        )
    try:
        load_bank(
            session, upload, article_text=article_text, now=now, maintainer=by, by=by, review=True
        )
    except IntegrityError:  # the same ID created by someone else at this moment
        session.rollback()
        raise BankError(f"A bank with the ID {upload.id} exists already.") from None
    bank = find_any_bank(session, upload.id)
    assert bank is not None
    return bank


def upload_again(
    session: Session,
    bank: Bank,
    upload: content.Bank,
    *,
    article_text: str,
    regenerate: bool,
    by: User,
    now: datetime,
) -> LoadReport:
    """Load a new version over the bank for review: edits are kept, changed questions
    offered beside them, new ones arrive as drafts (`load_bank` with `review`)."""
    _require_maintainer(session, by, bank)
    return load_bank(
        session,
        upload,
        article_text=article_text,
        now=now,
        by=by,
        review=True,
        regenerate=regenerate,
        slug=bank.slug,
    )


def bank_question(session: Session, bank: Bank, question_id: int) -> Question | None:
    question = session.get(Question, question_id)
    return question if question is not None and question.bank_id == bank.id else None


def review_questions(session: Session, bank: Bank, status: str | None = None) -> list[Question]:
    """The bank's questions in bank order: current ones of one review status (or all),
    or with status "retired" the retired ones; "revision" those with a revision waiting."""
    query = select(Question).where(Question.bank_id == bank.id).order_by(Question.position)
    if status == "retired":
        query = query.where(Question.retired.is_(True))
    else:
        query = query.where(Question.retired.is_(False))
        if status in REVIEW_STATUSES:
            query = query.where(Question.status == status)
        elif status == "revision":
            query = query.where(Question.pending.is_not(None))
    return list(session.scalars(query))


def review_counts(session: Session, bank: Bank) -> dict[str, int]:
    counts = dict.fromkeys((*REVIEW_STATUSES, "revision", "retired"), 0)
    for question in session.scalars(select(Question).where(Question.bank_id == bank.id)):
        if question.retired:
            counts["retired"] += 1
            continue
        counts[question.status] = counts.get(question.status, 0) + 1
        if question.pending is not None:
            counts["revision"] += 1
    return counts


def set_status(
    session: Session, bank: Bank, question_ids: list[int], *, status: str, by: User, now: datetime
) -> int:
    """Approve, reject or return to draft the bank's questions among `question_ids`;
    returns how many changed."""
    if status not in REVIEW_STATUSES:
        raise BankError("Choose approve or reject.")
    _require_maintainer(session, by, bank)
    changed = 0
    if question_ids:
        for question in session.scalars(
            select(Question).where(Question.bank_id == bank.id, Question.id.in_(question_ids))
        ):
            if question.status != status:
                _log(
                    session,
                    question,
                    status if status != DRAFT else "returned to draft",
                    by=by,
                    now=now,
                    before={"status": question.status},
                    after={"status": status},
                )
                question.status, question.updated_at = status, now
                changed += 1
    session.commit()
    return changed


def approve_drafts(session: Session, bank: Bank, *, by: User, now: datetime) -> int:
    """Approve every draft question of the bank; returns how many."""
    drafts = [q.id for q in review_questions(session, bank, DRAFT)]
    return set_status(session, bank, drafts, status=APPROVED, by=by, now=now)


def publish(session: Session, bank: Bank, *, by: User, now: datetime) -> int:
    """Let learners see the bank's approved questions; returns how many there are."""
    _require_maintainer(session, by, bank)
    approved = len(review_questions(session, bank, APPROVED))
    if not approved:
        raise BankError("Approve at least one question before publishing the bank.")
    bank.status, bank.loaded_at = PUBLISHED, now
    session.commit()
    return approved


def resolve_revision(
    session: Session, question: Question, *, take: bool, by: User, now: datetime
) -> None:
    """Take the rebuilt version waiting beside the question, or keep the current one."""
    _require_maintainer(session, by, question.bank)
    if question.pending is None:
        raise BankError("This question has no revision waiting.")
    if take:
        before, after = question.content, {**question.pending, "id": question.key}
        after["changed"] = format_changed(now)
        _set_content(question, after)
        question.updated_at = now
        _log(session, question, "revision taken", by=by, now=now, before=before, after=after)
    else:
        _log(session, question, "revision declined", by=by, now=now, before=question.pending)
    question.pending = None
    session.commit()


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    action: str
    fields: tuple[str, ...]  # the content fields the change altered
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def history(session: Session, question: Question) -> list[Change]:
    """Every logged change to the question, newest first."""
    rows = session.execute(
        select(QuestionChange, User.name)
        .outerjoin(User, User.id == QuestionChange.user_id)
        .where(QuestionChange.question_id == question.id)
        .order_by(QuestionChange.at.desc(), QuestionChange.id.desc())
    ).all()
    return [
        Change(
            at=change.at,
            who=name or change.actor,
            action=change.action,
            fields=merge.differing_fields(change.before, change.after)
            if change.before and change.after and "prompt" in change.before
            else (),
            before=change.before,
            after=change.after,
        )
        for change, name in rows
    ]


def banks_for(session: Session, user: User) -> list[tuple[Bank, list[User]]]:
    """The banks `user` maintains (an admin: every bank), with their maintainers."""
    query = select(Bank).order_by(Bank.topic)
    if not user.is_admin:
        query = query.join(BankMaintainer, BankMaintainer.bank_id == Bank.id).where(
            BankMaintainer.user_id == user.id
        )
    return [(bank, maintainers(session, bank)) for bank in session.scalars(query)]
