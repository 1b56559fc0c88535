"""Banks authored on the site: drafts, review, publishing, kept edits, the change log."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.content.bankfile import load_bank as read_bank
from quizapp.content.upload import read_upload
from quizapp.extensions import db
from quizapp.models import Question, QuestionChange, Role
from quizapp.services import banks, browse, study
from quizapp.services.study import Scope
from tests.helpers import NOW, ROOT, TEST_BANK, get_user

BANK = read_bank(TEST_BANK)
ARTICLE = (TEST_BANK.parent / BANK.article).read_text(encoding="utf-8")
LATER = NOW + timedelta(days=1)


@pytest.fixture
def people(session, make_user):
    make_user("owner@example.com", role=Role.INSTRUCTOR)
    make_user("other@example.com", role=Role.INSTRUCTOR)
    make_user("admin@example.com", role=Role.ADMIN)
    make_user("trainee@example.com")
    return {
        name: get_user(f"{name}@example.com") for name in ("owner", "other", "admin", "trainee")
    }


def question(key: str) -> Question:
    found = db.session.scalar(select(Question).where(Question.key == key))
    assert found is not None
    return found


def log(key: str) -> list[tuple[str, str, int | None]]:
    rows = db.session.scalars(
        select(QuestionChange)
        .where(QuestionChange.question_id == question(key).id)
        .order_by(QuestionChange.id)
    )
    return [(row.action, row.actor, row.user_id) for row in rows]


def edit(key: str, by, *, answer: str, now=NOW) -> None:
    found = question(key)
    banks.edit_question(
        db.session,
        found,
        by=by,
        prompt=found.content["prompt"],
        answer=answer,
        explanation=found.content.get("explanation", ""),
        now=now,
    )


def basic_question():
    return next(q for q in BANK.questions if q.kind.value == "basic")


# ---- loading a file over a bank edited on the site


def test_a_site_edit_survives_loading_the_same_file_again(session, people):
    banks.load_bank(session, BANK, article_text=ARTICLE, now=NOW)
    first = basic_question()
    edit(first.id, people["admin"], answer="Edited on the site.")
    report = banks.load_bank(session, BANK, article_text=ARTICLE, now=LATER)
    assert report.kept == [first.id] and not report.updated and not report.conflicts
    assert question(first.id).content["answer"] == "Edited on the site."
    assert "1 site edits kept" in str(report)


def test_a_file_change_to_an_unedited_question_is_taken_and_logged(session, people):
    banks.load_bank(session, BANK, article_text=ARTICLE, now=NOW)
    first = basic_question()
    changed = replace(
        BANK,
        questions=tuple(
            replace(q, answer="From the file.") if q.id == first.id else q for q in BANK.questions
        ),
    )
    report = banks.load_bank(session, changed, article_text=ARTICLE, now=LATER)
    assert report.updated == [first.id]
    assert question(first.id).content["answer"] == "From the file."
    assert log(first.id) == [
        ("create", "command line", None),
        ("loaded from a file", "command line", None),
    ]


def test_changed_on_both_sides_is_reported_and_the_site_wins_unless_theirs(session, people):
    banks.load_bank(session, BANK, article_text=ARTICLE, now=NOW)
    first = basic_question()
    edit(first.id, people["admin"], answer="Edited on the site.")
    changed = replace(
        BANK,
        questions=tuple(
            replace(q, answer="From the file.") if q.id == first.id else q for q in BANK.questions
        ),
    )
    report = banks.load_bank(session, changed, article_text=ARTICLE, now=LATER)
    assert [(c.key, c.fields) for c in report.conflicts] == [(first.id, ("answer",))]
    assert question(first.id).content["answer"] == "Edited on the site."
    # Loading it again still reports it: a conflict is never settled by being repeated.
    again = banks.load_bank(session, changed, article_text=ARTICLE, now=LATER)
    assert [c.key for c in again.conflicts] == [first.id]
    theirs = banks.load_bank(session, changed, article_text=ARTICLE, now=LATER, theirs=True)
    assert theirs.updated == [first.id] and "the file's version taken" in str(theirs)
    assert question(first.id).content["answer"] == "From the file."
    actions = [action for action, _actor, _user in log(first.id)]
    assert actions == ["create", "edit", "file's version taken"]
    change = session.scalar(select(QuestionChange).where(QuestionChange.action == "edit"))
    assert change.user_id == people["admin"].id
    assert change.after["answer"] == "Edited on the site."
    assert change.before["answer"] == first.answer


# ---- a bank built on the site


def upload(name: str = "posterior-hip-pain.txt"):
    data = (ROOT / "tests" / "data" / name).read_bytes()
    return read_upload(name, data).bank, data.decode("utf-8")


def test_a_bank_from_an_article_is_a_draft_hidden_from_learners(session, people):
    built, article = upload()
    bank = banks.create_bank(session, built, article_text=article, by=people["owner"], now=NOW)
    assert bank.status == "draft"
    assert {q.status for q in bank.questions} == {"draft"}
    assert banks.maintainers(session, bank) == [people["owner"]]
    trainee = people["trainee"]
    assert banks.find_bank(session, bank.slug) is None
    assert bank not in banks.list_banks(session)
    assert [b for b, _ in study.bank_overview(session, trainee, NOW)] == []
    assert browse.search(session, trainee).rows == []
    assert not study.visible(session, bank.questions[0].id)
    assert log(bank.questions[0].key) == [("create", "owner", people["owner"].id)]


def test_approved_questions_of_a_published_bank_reach_learners_and_no_others(session, people):
    built, article = upload()
    owner = people["owner"]
    bank = banks.create_bank(session, built, article_text=article, by=owner, now=NOW)
    with pytest.raises(banks.BankError, match="Approve at least one"):
        banks.publish(session, bank, by=owner, now=NOW)
    first, second, third = (q.id for q in bank.questions[:3])
    assert (
        banks.set_status(session, bank, [first, second], status="approved", by=owner, now=NOW) == 2
    )
    banks.set_status(session, bank, [second], status="rejected", by=owner, now=NOW)
    assert banks.publish(session, bank, by=owner, now=NOW) == 1
    trainee = people["trainee"]
    assert banks.find_bank(session, bank.slug) is not None
    counts = study.counts(session, trainee, Scope(bank.id), NOW)
    assert counts.new == 1
    assert study.visible(session, first) and not study.visible(session, second)
    assert not study.visible(session, third)
    shown = [row.question.id for row in browse.search(session, trainee).rows]
    assert shown == [session.get(Question, first).key]
    actions = [action for action, _actor, _user in log(session.get(Question, second).key)]
    assert actions == ["create", "approved", "rejected"]


def test_only_maintainers_and_admins_review_publish_or_upload(session, people):
    built, article = upload()
    bank = banks.create_bank(session, built, article_text=article, by=people["owner"], now=NOW)
    ids = [bank.questions[0].id]
    other = people["other"]
    for attempt in (
        lambda: banks.set_status(session, bank, ids, status="approved", by=other, now=NOW),
        lambda: banks.publish(session, bank, by=other, now=NOW),
        lambda: banks.approve_drafts(session, bank, by=other, now=NOW),
        lambda: banks.upload_again(
            session, bank, built, article_text=article, regenerate=True, by=other, now=NOW
        ),
        lambda: banks.set_retired(session, bank.questions[0], retired=True, by=other, now=NOW),
    ):
        with pytest.raises(banks.NotMaintainer):
            attempt()
    assert banks.approve_drafts(session, bank, by=people["admin"], now=NOW) == len(bank.questions)
    banks.add_maintainer(session, bank, by=people["owner"], email="other@example.com", now=NOW)
    banks.publish(session, bank, by=other, now=NOW)
    assert bank.status == "published"


def test_a_bank_id_taken_already_is_refused_and_nothing_is_written(session, people):
    built, article = upload()
    banks.create_bank(session, built, article_text=article, by=people["owner"], now=NOW)
    count = len(session.scalars(select(Question)).all())
    with pytest.raises(banks.BankError, match="exists already"):
        banks.create_bank(session, built, article_text=article, by=people["other"], now=NOW)
    assert len(session.scalars(select(Question)).all()) == count


# ---- rebuilding from a changed article


def _changed_article(article: str, old: str, new: str) -> str:
    assert old in article
    return article.replace(old, new)


def test_rebuilding_from_a_changed_article_keeps_edits_offers_revisions_and_retires(
    session, people
):
    built, article = upload()
    owner = people["owner"]
    bank = banks.create_bank(session, built, article_text=article, by=owner, now=NOW)
    banks.approve_drafts(session, bank, by=owner, now=NOW)
    intro = [q for q in built.questions if q.section.value == "introduction"]
    sentence = intro[0].source[0]
    # An edit to a question whose source stays, and to one whose source will change.
    steady = next(
        q for q in built.questions if sentence not in q.source and q.kind.value == "basic"
    )
    moving = next(q for q in built.questions if sentence in q.source and q.kind.value == "basic")
    edit(steady.id, owner, answer="Steady, edited.")
    edit(moving.id, owner, answer="Moving, edited.")
    changed = _changed_article(article, sentence, sentence.replace("hip", "hip joint", 1))
    rebuilt = read_upload("posterior-hip-pain.txt", changed.encode()).bank
    report = banks.upload_again(
        session, bank, rebuilt, article_text=changed, regenerate=True, by=owner, now=LATER
    )
    assert moving.id in report.revisions
    assert steady.id not in report.revisions + report.updated
    assert question(steady.id).content["answer"] == "Steady, edited."
    waiting = question(moving.id)
    assert waiting.content["answer"] == "Moving, edited." and waiting.pending is not None
    assert waiting.pending["source"] != list(moving.source)
    assert waiting.status == "approved"  # the edited version stays in study meanwhile
    # Any question whose only source was the old sentence is gone: retired, not deleted.
    for key in report.retired:
        assert question(key).retired
    for key in report.added:
        assert question(key).status == "draft"
    banks.resolve_revision(session, waiting, take=True, by=owner, now=LATER)
    assert question(moving.id).content["source"] == waiting.content["source"]
    assert question(moving.id).pending is None
    assert [a for a, _, _ in log(moving.id)][-2:] == ["revision offered", "revision taken"]
    # The same article again changes nothing more.
    again = banks.upload_again(
        session, bank, rebuilt, article_text=changed, regenerate=True, by=owner, now=LATER
    )
    assert (again.added, again.updated, again.retired, again.revisions) == ([], [], [], [])


def test_keeping_the_current_version_declines_the_revision(session, people):
    built, article = upload()
    owner = people["owner"]
    bank = banks.create_bank(session, built, article_text=article, by=owner, now=NOW)
    target = next(q for q in built.questions if q.answer)
    edit(target.id, owner, answer="Mine.")
    moved = replace(
        built,
        questions=tuple(
            replace(q, source=(*q.source, "A new sentence.")) if q.id == target.id else q
            for q in built.questions
        ),
    )
    report = banks.upload_again(
        session, bank, moved, article_text=article, regenerate=True, by=owner, now=LATER
    )
    assert report.revisions == [target.id]
    banks.resolve_revision(session, question(target.id), take=False, by=owner, now=LATER)
    assert question(target.id).content["answer"] == "Mine." and question(target.id).pending is None
    with pytest.raises(banks.BankError):
        banks.resolve_revision(session, question(target.id), take=True, by=owner, now=LATER)


def test_the_history_names_who_changed_what(session, people):
    banks.load_bank(session, BANK, article_text=ARTICLE, now=NOW)
    first = basic_question()
    edit(first.id, people["admin"], answer="Edited on the site.")
    banks.set_retired(session, question(first.id), retired=True, by=people["admin"], now=LATER)
    history = banks.history(session, question(first.id))
    assert [(c.action, c.who) for c in history] == [
        ("retire", "admin"),
        ("edit", "admin"),
        ("create", "command line"),
    ]
    assert history[1].fields == ("answer", "changed") or "answer" in history[1].fields


def test_rebuilding_dates_a_changed_question_and_keeps_the_dates_of_the_others(session, people):
    dated = replace(
        BANK,
        questions=tuple(replace(q, changed=NOW) for q in BANK.questions),
    )
    banks.load_bank(session, dated, article_text=ARTICLE, now=NOW)
    first = basic_question()
    rebuilt = replace(
        BANK,
        questions=tuple(
            replace(q, answer="Rebuilt.") if q.id == first.id else q for q in BANK.questions
        ),
    )
    report = banks.load_bank(
        session, rebuilt, article_text=ARTICLE, now=LATER, regenerate=True, review=True
    )
    assert report.updated == [first.id] and report.unchanged == len(BANK.questions) - 1
    assert question(first.id).content["changed"] == "2026-03-03T09:00:00Z"
    others = {q.content.get("changed") for q in session.scalars(select(Question))} - {
        "2026-03-03T09:00:00Z"
    }
    assert others == {"2026-03-02T09:00:00Z"}
