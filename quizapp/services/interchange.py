"""Banks as stored, out to other tools' formats, and questions from them into a bank."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import interchange
from quizapp.content import bank as content
from quizapp.content.check import check_bank_data
from quizapp.content.text import slugify
from quizapp.export.anki import select as select_questions
from quizapp.interchange.common import import_source
from quizapp.models import Assignment, Bank, Question, User
from quizapp.services import assignments, banks, statements

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_SLUG = 100


class InterchangeError(ValueError):
    """An export or import that cannot be done; the message is for the person asking."""


def article_name(slug: str) -> str:
    """The file name a bank file written from the database gives its article."""
    return f"{slug}.txt"


def _as_content(row: Bank, questions: list[Question]) -> content.Bank:
    return content.Bank(
        id=row.slug,
        topic=row.topic,
        article=article_name(row.slug),
        questions=tuple(banks.as_content(question) for question in questions),
    )


def _active(session: Session, row: Bank, *, live: bool) -> list[Question]:
    """The bank's questions in use: all but retired ones, or (`live`) those learners see."""
    kept = statements.LIVE if live else Question.retired.is_(False)
    query = select(Question).where(Question.bank_id == row.id, kept).order_by(Question.position)
    return list(session.scalars(query))


def stored_bank(
    session: Session,
    row: Bank,
    *,
    sections: Collection[str] = (),
    kinds: Collection[str] = (),
    tags: Collection[str] = (),
    live: bool = False,
) -> content.Bank:
    """A bank as it is now in the database (site edits included, retired questions left out,
    and with `live` those still in review too), narrowed by section, kind and tag."""
    whole = _as_content(row, _active(session, row, live=live))
    return select_questions(whole, sections=sections, kinds=kinds, tags=tags)


def assignment_set(session: Session, assignment: Assignment) -> content.Bank:
    """An assignment's question set as a bank of its own."""
    return _as_content(assignment.bank, assignments.question_set(session, assignment))


@dataclass(frozen=True)
class Download:
    """A file to send: its name, media type, text and what its format could not hold."""

    filename: str
    media_type: str
    text: str
    exported: interchange.Exported | None = None


def download(bank: content.Bank, fmt: str, *, name: str) -> Download:
    """The bank in a format (or `article`, its article text) as a file named `name`."""
    if fmt == "article":
        raise InterchangeError("the article is not a question format")
    chosen = interchange.format_for("", fmt)
    exported = interchange.write(bank, chosen)
    return Download(
        f"{slugify(name) or 'questions'}{chosen.extension}",
        chosen.media_type,
        exported.text,
        exported,
    )


def assignment_download(
    session: Session, assignment: Assignment, *, scope: str, fmt: str
) -> Download:
    """An assignment's set (`scope` "set") or its whole bank ("bank") in a format; the
    bank's article as text for `fmt` "article"."""
    row = assignment.bank
    if scope == "set" and fmt != "article":
        return download(
            assignment_set(session, assignment), fmt, name=f"{row.slug}-{assignment.title}"
        )
    return bank_download(session, row, fmt=fmt, live=True)


def bank_download(session: Session, row: Bank, *, fmt: str, live: bool) -> Download:
    """A bank as stored now in a format, or its article (`fmt` "article"); with `live` only
    the questions learners see, else every question not retired (drafts included)."""
    if fmt == "article":
        return Download(article_name(row.slug), "text/plain; charset=utf-8", row.article)
    return download(stored_bank(session, row, live=live), fmt, name=row.slug)


@dataclass
class ImportReport:
    """What an import did: the bank's load report and the file's skipped items and notes."""

    slug: str
    created: bool
    load: banks.LoadReport
    result: interchange.ImportResult

    @property
    def unchanged(self) -> int:
        """The file's questions that were in the bank already, exactly so."""
        return len(self.result.questions) - len(self.load.added) - len(self.load.updated)

    def __str__(self) -> str:
        load, skipped = self.load, len(self.result.skipped)
        return (
            f"{self.slug}{' (new bank)' if self.created else ''}: {len(load.added)} added, "
            f"{len(load.updated)} updated, {self.unchanged} unchanged, {skipped} skipped"
        )


def _without_date(question: content.Question) -> dict[str, object]:
    data = question.to_dict()
    data.pop("changed", None)
    return data


def import_questions(
    session: Session,
    *,
    slug: str,
    result: interchange.ImportResult,
    filename: str,
    now: datetime,
    topic: str | None = None,
    maintainer: User | None = None,
) -> ImportReport:
    """Add the questions read from a file to a bank, or update them by ID; nothing is retired.

    A question already in the bank keeps its source sentences and fact (formats other
    than the bank file do not carry them) and its change date when nothing else changed.
    A new question quotes its file as its source (`Imported from quiz.gift.`); that
    sentence is added to the bank's article, so the bank still passes `bank check`. A
    new bank is made when none has the slug.
    """
    if not _SLUG.match(slug) or len(slug) > MAX_SLUG:
        raise InterchangeError(
            f"{slug!r} cannot be a bank's ID: use up to {MAX_SLUG} letters, digits, '.', '_', '-'"
        )
    if not result.questions:
        raise InterchangeError("the file has no question quizapp can use; nothing was imported")
    row = banks.find_any_bank(session, slug)
    stored: dict[str, Question] = {}
    if row is not None:
        query = select(Question).where(Question.bank_id == row.id).order_by(Question.position)
        stored = {question.key: question for question in session.scalars(query)}
    incoming: dict[str, content.Question] = {}
    for question in result.questions:
        before = stored.get(question.id)
        if before is None:
            incoming[question.id] = replace(question, changed=now.replace(microsecond=0))
            continue
        kept = banks.as_content(before)
        merged = replace(question, source=kept.source, fact=kept.fact, changed=kept.changed)
        if _without_date(merged) != _without_date(kept):
            merged = replace(merged, changed=now.replace(microsecond=0))
        incoming[question.id] = merged
    # The bank's questions in their order, the imported ones in place, new ones at the end;
    # retired questions stay retired unless the file has them.
    ordered = [
        incoming.pop(key, None) or banks.as_content(question)
        for key, question in stored.items()
        if not question.retired or key in incoming
    ]
    ordered += incoming.values()
    article = row.article if row is not None else ""
    sentence = import_source(filename)
    if any(sentence in question.source for question in ordered) and sentence not in " ".join(
        article.split()
    ):
        article = f"{article.rstrip()}\n\n{sentence}\n" if article.strip() else f"{sentence}\n"
    bank = content.Bank(
        id=slug,
        topic=(topic or (row.topic if row is not None else "") or result.topic or slug).strip(),
        article=article_name(slug),
        questions=tuple(ordered),
    )
    problems = check_bank_data(bank.to_dict(), file=filename, article_text=article)
    if problems:  # the readers check each question; this guards the whole bank
        raise InterchangeError("; ".join(str(problem) for problem in problems[:5]))
    load = banks.load_bank(session, bank, article_text=article, now=now, maintainer=maintainer)
    return ImportReport(slug=slug, created=row is None, load=load, result=result)
