"""The instructor's figures, summed in the database, against the same figures computed
card by card in Python with fsrs and the pure item statistics."""

from datetime import timedelta
from statistics import fmean

import pytest
from sqlalchemy import select

from quizapp import scheduling
from quizapp.analysis import item_statistics
from quizapp.content.bank import Bank as BankFile
from quizapp.content.bank import Kind, Question, Section
from quizapp.extensions import db
from quizapp.models import Card, Review, Role
from quizapp.scheduling import Grade
from quizapp.services import (
    aggregates,
    assignments,
    banks,
    classes,
    item_analysis,
    learners,
    progress,
    study,
)
from quizapp.services.cards import memory_of
from tests.helpers import NOW, answer_card, get_user

PERSONAL = (
    0.3, 1.2, 3.0, 15.0, 7.0, 0.5, 1.6, 0.01, 1.5, 0.15, 1.0, 1.9, 0.1, 0.3, 2.3, 0.2,
    3.0, 0.5, 0.6, 0.1, 0.5,
)  # fmt: skip


def small_bank() -> BankFile:
    questions = [
        Question(
            id=f"faq-{n}",
            kind=Kind.MCQ if n % 2 else Kind.BASIC,
            section=Section.FAQ if n < 4 else Section.TYPES,
            prompt=f"Question {n}?",
            answer=f"Right {n}" if n % 2 else f"Answer {n}.",
            options=(f"Right {n}", f"Wrong {n}", f"Other {n}") if n % 2 else (),
        )
        for n in range(6)
    ]
    return BankFile(id="small", topic="Small", article="small.md", questions=tuple(questions))


@pytest.fixture
def cohort(session, make_user):
    banks.load_bank(db.session, small_bank(), article_text="", now=NOW)
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    names = ("ann", "ben", "cat", "dan")
    for name in names:
        make_user(f"{name}@example.com")
    users = {name: get_user(f"{name}@example.com") for name in names}
    # dan has fitted parameters: another forgetting curve.
    users["dan"].fsrs_parameters = list(PERSONAL)
    db.session.commit()
    room = classes.create_class(
        db.session, instructor=get_user("teacher@example.com"), name="Block", now=NOW
    )
    for name in names:
        classes.join(db.session, user=users[name], code=room.join_code, now=NOW)
    assignment = assignments.create_assignment(
        db.session,
        room,
        bank=banks.find_bank(db.session, "small"),
        title="All",
        selection=assignments.Selection(),
        opens_at=NOW,
        due_at=NOW + timedelta(days=20),
        exam_at=None,
        target_kind="retention",
        target_reviews=2,
        target_retention=0.85,
        target_share=0.5,
    )
    questions = assignments.question_set(db.session, assignment)
    # Different histories: days apart, right and wrong, some questions never seen.
    plan = {
        "ann": [Grade.GOOD, Grade.EASY, Grade.GOOD, Grade.HARD, Grade.GOOD, Grade.GOOD],
        "ben": [Grade.AGAIN, Grade.GOOD, Grade.AGAIN, Grade.GOOD],
        "cat": [Grade.AGAIN, Grade.AGAIN, Grade.EASY],
        "dan": [Grade.GOOD, Grade.GOOD, Grade.AGAIN, Grade.EASY, Grade.HARD],
    }
    for name, grades in plan.items():
        for day, (question, grade) in enumerate(zip(questions, grades, strict=False)):
            when = NOW + timedelta(days=day, hours=3)
            response = None
            if question.kind == "mcq":
                response = (
                    question.content["answer"] if grade > 1 else question.content["options"][1]
                )
            answer_card(users[name], question.id, grade, when, response=response)
            if grade > Grade.AGAIN:  # a second review a few days on
                answer_card(users[name], question.id, Grade.GOOD, when + timedelta(days=4))
    return {"assignment": assignment, "users": users, "questions": questions}


def _cards(user, ids):
    return {
        card.question_id: card
        for card in db.session.scalars(
            select(Card).where(Card.user_id == user.id, Card.question_id.in_(ids))
        )
    }


@pytest.mark.parametrize("days_later", [0, 3.5, 40])
def test_progress_matches_fsrs_card_by_card(cohort, days_later):
    assignment, questions = cohort["assignment"], cohort["questions"]
    ids = [q.id for q in questions]
    now = NOW + timedelta(days=12, hours=days_later)
    at = now + timedelta(days=days_later)
    rows = progress.class_progress(db.session, assignment, now=now, at=at)
    assert [row.user.name for row in rows] == ["ann", "ben", "cat", "dan"]
    for row in rows:
        settings = learners.settings_for(row.user, fuzz=False)
        cards = _cards(row.user, ids)
        memories = [memory_of(cards.get(qid)) for qid in ids]
        now_each = [scheduling.retrievability(settings, m, now) for m in memories]
        at_each = [scheduling.retrievability(settings, m, at) for m in memories]
        assert row.retention_now == pytest.approx(fmean(now_each), abs=1e-9)
        assert row.retention_at == pytest.approx(fmean(at_each), abs=1e-9)
        assert row.started == sum(not m.is_new for m in memories)
        assert row.reviews == sum(c.reps for c in cards.values())
        strong = sum(r >= assignment.target_retention for r in at_each)
        assert row.target_met(assignment) == (strong / len(ids) >= assignment.target_share)
        assert row.overdue == sum(
            1 for c in cards.values() if c.state == 2 and c.due < now and c.last_review
        )


def test_the_personal_curve_changes_the_prediction(cohort):
    dan = cohort["users"]["dan"]
    default = scheduling.forgetting_curve(scheduling.Settings())
    assert scheduling.forgetting_curve(learners.settings_for(dan, fuzz=False)) != default


def test_accuracy_counts_right_answers_and_undo_takes_one_back(cohort):
    assignment, ann = cohort["assignment"], cohort["users"]["ann"]
    rows = {r.user.name: r for r in progress.class_progress(db.session, assignment, now=NOW)}
    ben = rows["ben"]
    # ben: Again, Good(+Good), Again, Good(+Good): 6 reviews, 4 passed.
    assert (ben.reviews, ben.passed) == (6, 4)
    before = rows["ann"]
    question = cohort["questions"][0]
    answer_card(ann, question.id, Grade.AGAIN, NOW + timedelta(days=30))
    after = {r.user.name: r for r in progress.class_progress(db.session, assignment, now=NOW)}
    assert (after["ann"].reviews, after["ann"].passed) == (before.reviews + 1, before.passed)
    study.undo_last(db.session, user=ann)
    answer_card(ann, question.id, Grade.GOOD, NOW + timedelta(days=30))
    again = {r.user.name: r for r in progress.class_progress(db.session, assignment, now=NOW)}
    assert (again["ann"].reviews, again["ann"].passed) == (before.reviews + 1, before.passed + 1)


def test_drill_down_sums_match_the_whole(cohort):
    assignment, ann = cohort["assignment"], cohort["users"]["ann"]
    now = NOW + timedelta(days=10)
    whole = progress.class_progress(db.session, assignment, now=now, users=[ann])[0]
    parts = progress.trainee_sections(db.session, assignment, ann, now=now)
    assert [section.value for section, _ in parts] == ["faq", "types"]
    assert sum(p.reviews for _, p in parts) == whole.reviews
    assert sum(p.retention_now * p.total for _, p in parts) == pytest.approx(
        whole.retention_now * whole.total
    )


def test_item_analysis_matches_the_pure_statistics(cohort):
    assignment, questions = cohort["assignment"], cohort["questions"]
    ids = [q.id for q in questions]
    scores = {}
    for user in cohort["users"].values():
        cards = _cards(user, ids)
        scores[user.id] = {qid: c.passed / c.reps for qid, c in cards.items() if c.reps}
    expected = item_statistics(scores)
    reports = item_analysis.item_analysis(db.session, assignment)
    assert [r.question.id for r in reports] == ids
    assert any(r.discrimination is not None for r in reports)
    for report in reports:
        want = expected.get(report.question.id)
        if want is None:
            assert report.facility is None and report.answers == 0
            continue
        assert report.facility == pytest.approx(want.facility)
        if want.discrimination is None:
            assert report.discrimination is None
        else:
            assert report.discrimination == pytest.approx(want.discrimination)


def test_item_details_count_responses_and_flags_for_the_page_only(cohort):
    assignment, questions, users = cohort["assignment"], cohort["questions"], cohort["users"]
    mcq = questions[1]
    study.flag(
        db.session, user=users["ben"], question_id=mcq.id, reason="unclear", comment="?", now=NOW
    )
    reports = item_analysis.item_analysis(db.session, assignment)
    by_id = {r.question.id: r for r in reports}
    assert by_id[mcq.id].flag_count == 1 and not by_id[mcq.id].needs_attention
    [detailed] = item_analysis.item_details(db.session, assignment, [by_id[mcq.id]])
    spread = dict(detailed.distribution)
    # ann Easy (+Good), ben Good (+Good), cat Again, dan Good (+Good): the first answers.
    assert spread == {"Right 1": 3, "Wrong 1": 1, "Other 1": 0}
    assert [f.comment for f in detailed.flags] == ["?"]
    gains = [
        r.stability_after / r.card_before["stability"]
        for r in db.session.scalars(select(Review).where(Review.question_id == mcq.id))
        if r.state_before == 2 and r.rating > 1
    ]
    assert gains and detailed.stability_gain == pytest.approx(fmean(gains))


def test_retire_lists_and_restores(cohort, make_user):
    assignment, question = cohort["assignment"], cohort["questions"][2]
    make_user("admin@example.com", role=Role.ADMIN)
    admin = get_user("admin@example.com")
    banks.set_retired(db.session, question, retired=True, by=admin, now=NOW)
    assert question.id not in assignments.question_ids(db.session, assignment)
    assert [q.id for q in assignments.retired_questions(db.session, assignment)] == [question.id]
    banks.set_retired(db.session, question, retired=False, by=admin, now=NOW)
    assert question.id in assignments.question_ids(db.session, assignment)
    assert assignments.retired_questions(db.session, assignment) == []


@pytest.mark.parametrize("scan", [False, True])
@pytest.mark.parametrize("target_kind", ["retention", "reviews"])
def test_sort_keys_are_the_full_sums_of_their_column(cohort, monkeypatch, scan, target_kind):
    """The class summed in one column, to sort by it, gives exactly the figures of the
    full sums, whether the cards are found by probing or by reading each trainee's run."""
    assignment = cohort["assignment"]
    assignment.target_kind = target_kind
    monkeypatch.setattr(progress, "_scan", lambda session, ids: scan)
    now = NOW + timedelta(days=12, hours=5)
    at = now + timedelta(days=9)
    full = progress.class_progress(db.session, assignment, now=now, at=at)
    figures = (
        "started",
        "reviews",
        "passed",
        "overdue",
        "least_reviews",
        "retention_now",
        "retention_at",
        "strong",
    )
    assert any(row.retention_at for row in full) and any(row.strong for row in full)
    for sort in (*progress.SORT_SUMS, "target"):
        keyed = progress.class_sort_keys(db.session, assignment, sort, now=now, at=at)
        assert [row.user for row in keyed] == [row.user for row in full]
        names = progress.sums_for_sort(assignment, sort)
        for key_row, full_row in zip(keyed, full, strict=True):
            for figure in figures:
                summed = (
                    figure in names
                    or {
                        "retention_now": "recall_now",
                        "retention_at": "recall_at",
                    }.get(figure)
                    in names
                    or (figure == "least_reviews" and "cards" in names)
                )
                expected = getattr(full_row, figure) if summed else 0
                assert getattr(key_row, figure) == expected, (sort, figure)
            if sort == "target":
                assert key_row.target_met(assignment) == full_row.target_met(assignment)
            if sort == "accuracy":
                assert key_row.accuracy == full_row.accuracy


def test_scanning_or_probing_the_cards_gives_the_same_sums(cohort, monkeypatch):
    """Part of the bank, with a gap in its question ids: read as a run or probed."""
    assignment = cohort["assignment"]
    assignment.selection = assignments.Selection(kinds=("mcq",)).to_dict()
    now = NOW + timedelta(days=15)
    results = []
    for scan in (False, True):
        monkeypatch.setattr(progress, "_scan", lambda session, ids, scan=scan: scan)
        results.append(
            [
                (row.reviews, row.passed, row.started, row.retention_now, row.retention_at)
                for row in progress.class_progress(db.session, assignment, now=now)
            ]
        )
    assert results[0] == results[1]
    assert any(row[0] for row in results[0])


def test_item_analysis_is_the_same_scanned_or_probed(cohort, monkeypatch):
    assignment = cohort["assignment"]
    results = []
    for scan in (False, True):
        monkeypatch.setattr(aggregates, "prefer_scan", lambda session, ids, scan=scan: scan)
        results.append(
            [
                (r.answers, r.facility, r.discrimination, r.mean_difficulty)
                for r in item_analysis.item_analysis(db.session, assignment)
            ]
        )
    assert results[0] == results[1]
    assert any(row[0] for row in results[0])
