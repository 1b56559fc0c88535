from datetime import timedelta

import pytest

from quizapp.extensions import db
from quizapp.models import Bank, BankMaintainer, Question, Role, User
from quizapp.scheduling import Grade
from quizapp.services import assignments, banks, classes, item_analysis, progress, study
from tests.helpers import NOW, get_user


def answer_all(user, assignment, grade_for, now=NOW):
    for question in assignments.question_set(db.session, assignment):
        grade = grade_for(question)
        study.answer(
            db.session,
            user=user,
            question_id=question.id,
            grade=grade,
            seen_version=0,
            token=f"{user.id}-{question.id}",
            response=None,
            duration_ms=None,
            now=now,
            fuzz=False,
        )


def test_trainees_join_by_code_and_only_instructors_create_classes(people, classroom):
    assert [u.name for u in classes.trainees(classroom)] == ["ann", "ben", "cat"]
    with pytest.raises(classes.ClassError):
        classes.create_class(db.session, instructor=people["ann"], name="Nope", now=NOW)
    with pytest.raises(classes.ClassError):
        classes.join(db.session, user=people["ann"], code="WRONG123", now=NOW)


def test_reset_code_retires_the_old_one(people, classroom):
    old = classroom.join_code
    classes.reset_code(db.session, classroom)
    make_user_code = classroom.join_code
    assert make_user_code != old
    with pytest.raises(classes.ClassError):
        classes.join(db.session, user=people["ann"], code=old, now=NOW)


def test_instructors_see_only_the_classes_they_teach(people, classroom, make_user):
    make_user("other-teacher@example.com", role=Role.INSTRUCTOR)
    other = get_user("other-teacher@example.com")
    assert classes.taught_class(db.session, user=other, class_id=classroom.id) is None
    assert classes.taught_class(db.session, user=people["ann"], class_id=classroom.id) is None
    classes.add_instructor(db.session, classroom, email="other-teacher@example.com", now=NOW)
    assert classes.taught_class(db.session, user=other, class_id=classroom.id) is not None


def test_remove_trainee(people, classroom):
    classes.remove_trainee(db.session, classroom, user_id=people["cat"].id)
    assert [u.name for u in classes.trainees(classroom)] == ["ann", "ben"]


def test_selection_narrows_the_question_set(classroom, make_assignment):
    assignment = make_assignment()
    questions = assignments.question_set(db.session, assignment)
    assert len(questions) == 10 and {q.section for q in questions} == {"faq"}
    picked = make_assignment(selection=assignments.Selection(questions=(questions[0].key,)))
    assert [q.key for q in assignments.question_set(db.session, picked)] == [questions[0].key]
    with pytest.raises(assignments.AssignmentError):
        make_assignment(selection=assignments.Selection(tags=("no-such-tag",)))
    with pytest.raises(assignments.AssignmentError):
        make_assignment(due_at=NOW - timedelta(days=1))


@pytest.mark.parametrize(
    "selection",
    [
        assignments.Selection(),
        assignments.Selection(sections=("faq", "types")),
        assignments.Selection(kinds=("mcq", "matching"), sections=("types",)),
        assignments.Selection(tags=("relevant-anatomy",)),
        assignments.Selection(tags=("relevant-anatomy",), kinds=("basic", "mcq")),
    ],
)
def test_question_ids_are_the_question_set_in_bank_order(make_assignment, selection):
    assignment = make_assignment(selection=selection)
    questions = assignments.question_set(db.session, assignment)
    assert questions and all(selection.matches(q) for q in questions)
    assert assignments.question_ids(db.session, assignment) == tuple(q.id for q in questions)
    positions = [q.position for q in questions]
    assert positions == sorted(positions)


def test_open_assignments_reach_trainees_and_scope_their_queue(people, classroom, make_assignment):
    assignment = make_assignment()
    assert progress.my_assignments(db.session, people["ann"], now=NOW) == []
    assert (
        assignments.open_assignment_for(db.session, user=people["ann"], assignment_id=assignment.id)
        is None
    )
    assignments.set_status(db.session, assignment, "open")
    [(mine, mine_progress)] = progress.my_assignments(db.session, people["ann"], now=NOW)
    assert mine.id == assignment.id and mine_progress.total == 10 and mine_progress.started == 0
    ids = tuple(q.id for q in assignments.question_set(db.session, assignment))
    scope = study.Scope(assignment.bank_id, question_ids=ids)
    first = study.next_question_id(db.session, people["ann"], scope, NOW)
    assert db.session.get(Question, first).section == "faq"


def test_progress_rows_and_targets(people, classroom, make_assignment):
    assignment = make_assignment()
    answer_all(people["ann"], assignment, lambda q: Grade.GOOD)
    rows = {row.user.name: row for row in progress.class_progress(db.session, assignment, now=NOW)}
    ann, ben = rows["ann"], rows["ben"]
    assert (ann.started, ann.reviews, ann.accuracy) == (10, 10, 1.0)
    assert ann.target_met(assignment) and not ben.target_met(assignment)
    assert (ben.started, ben.reviews, ben.accuracy, ben.retention_now) == (0, 0, None, 0.0)
    assert 0 < ann.retention_at < ann.retention_now <= 1  # memory fades by the due date


def test_drill_down_by_section(people, classroom, make_assignment):
    assignment = make_assignment(selection=assignments.Selection(sections=("faq", "pros_cons")))
    answer_all(
        people["ann"], assignment, lambda q: Grade.GOOD if q.section == "faq" else Grade.AGAIN
    )
    sections = dict(progress.trainee_sections(db.session, assignment, people["ann"], now=NOW))
    assert {s.value for s in sections} == {"faq", "pros_cons"}
    faq = next(p for s, p in sections.items() if s.value == "faq")
    pros = next(p for s, p in sections.items() if s.value == "pros_cons")
    assert faq.accuracy == 1.0 and pros.accuracy == 0.0


def test_item_analysis_facility_discrimination_and_flags(people, classroom, make_assignment):
    assignment = make_assignment()
    questions = assignments.question_set(db.session, assignment)
    tricky = questions[0]
    # ann passes everything but the tricky one; ben and cat pass only the tricky one.
    answer_all(
        people["ann"], assignment, lambda q: Grade.AGAIN if q.id == tricky.id else Grade.GOOD
    )
    for name in ("ben", "cat"):
        answer_all(
            people[name], assignment, lambda q: Grade.GOOD if q.id == tricky.id else Grade.AGAIN
        )
        study.flag(
            db.session,
            user=people[name],
            question_id=tricky.id,
            reason="unclear",
            comment=f"{name} is lost",
            now=NOW,
        )
    reports = {
        r.question.id: r
        for r in item_analysis.item_details(
            db.session, assignment, item_analysis.item_analysis(db.session, assignment)
        )
    }
    report = reports[tricky.id]
    assert report.answers == 3 and report.facility == pytest.approx(200 / 3)
    assert report.discrimination < 0 and report.needs_attention
    assert [f.comment for f in report.flags] == ["ben is lost", "cat is lost"]
    assert report.mean_difficulty is not None
    assert not reports[questions[1].id].needs_attention


def _maintainer(people, bank_id):  # type: ignore[no-untyped-def]
    db.session.add(BankMaintainer(bank_id=bank_id, user_id=people["teacher"].id))
    db.session.commit()
    return people["teacher"]


def test_edit_keeps_the_id_and_rejects_an_empty_prompt(people, classroom, make_assignment):
    assignment = make_assignment()
    question = assignments.question_set(db.session, assignment)[0]
    key = question.key
    teacher = _maintainer(people, assignment.bank_id)
    banks.edit_question(
        db.session,
        question,
        by=teacher,
        prompt="A clearer prompt?",
        answer="Yes.",
        explanation="",
        now=NOW + timedelta(days=1),
    )
    assert question.key == key and question.content["prompt"] == "A clearer prompt?"
    assert question.updated_at == NOW + timedelta(days=1)
    with pytest.raises(banks.BankError, match="prompt"):
        banks.edit_question(
            db.session, question, by=teacher, prompt="  ", answer="Yes.", explanation="", now=NOW
        )


def test_only_a_banks_maintainers_and_admins_change_its_questions(
    people, classroom, make_assignment, make_user
):
    assignment = make_assignment()
    question = assignments.question_set(db.session, assignment)[0]
    teacher = people["teacher"]
    with pytest.raises(banks.NotMaintainer):
        banks.set_retired(db.session, question, retired=True, by=teacher, now=NOW)
    with pytest.raises(banks.NotMaintainer):
        banks.edit_question(
            db.session, question, by=teacher, prompt="Mine?", answer="", explanation="", now=NOW
        )
    assert not question.retired and question.content["prompt"] != "Mine?"
    admin = db.session.get(User, make_user("root@example.com", role=Role.ADMIN))
    bank = db.session.get(Bank, assignment.bank_id)
    with pytest.raises(banks.BankError):
        banks.add_maintainer(db.session, bank, by=teacher, email=teacher.email, now=NOW)
    banks.add_maintainer(db.session, bank, by=admin, email=teacher.email, now=NOW)
    assert banks.maintainers(db.session, bank) == [teacher]
    with pytest.raises(banks.BankError, match="No instructor"):
        banks.add_maintainer(db.session, bank, by=teacher, email="ann@example.com", now=NOW)
    banks.set_retired(db.session, question, retired=True, by=teacher, now=NOW)
    assert question.retired


def test_overdue_assignment_questions_come_first(people, classroom, make_assignment):
    assignment = make_assignment(
        selection=assignments.Selection(sections=("pros_cons",)),
        opens_at=NOW - timedelta(days=10),
        due_at=NOW - timedelta(days=1),
    )
    assignments.set_status(db.session, assignment, "open")
    first = assignments.overdue_questions(
        db.session, people["ann"], bank_id=assignment.bank_id, now=NOW
    )
    assert len(first) == 12
    plain = study.Scope(assignment.bank_id)
    assert (
        db.session.get(
            Question, study.next_question_id(db.session, people["ann"], plain, NOW)
        ).section
        == "introduction"
    )
    ordered = study.Scope(assignment.bank_id, first=first)
    chosen = study.next_question_id(db.session, people["ann"], ordered, NOW)
    assert db.session.get(Question, chosen).section == "pros_cons"
