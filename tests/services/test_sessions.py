"""A study session from its query: one call checks it and builds the queue's scope."""

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank
from quizapp.services import assignments, sessions, study
from quizapp.services.study import Custom
from tests.helpers import NOW


def _asked(**given):
    values = dict(
        section=None,
        kind=None,
        assignment_id=None,
        custom=None,
        tag=None,
        reschedule=None,
        after=None,
    )
    return sessions.Asked.parse(**{**values, **given})


def test_the_query_keeps_only_what_it_can_use():
    asked = _asked(custom="nonsense", tag="hip", reschedule="1", after=7, section="faq")
    assert asked.custom is None and asked.tag is None and not asked.reschedule
    assert asked.after is None and asked.params() == {"section": "faq"}
    cram = _asked(custom="cram", tag="  red-flag  ", reschedule="1", after=7, assignment_id=3)
    assert cram.params() == {
        "assignment": "3",
        "custom": "cram",
        "tag": "red-flag",
        "reschedule": "1",
    }
    assert cram.after == 7


def _start(people, asked, **options):
    slug = db.session.scalar(select(Bank.slug))
    bank = study.open_bank(db.session, people["ann"], slug, NOW)
    return sessions.start(
        db.session, user=people["ann"], bank=bank, asked=asked, now=NOW, **options
    )


def test_a_section_or_kind_the_bank_lacks_is_dropped(people):
    started = _start(people, _asked(section="faq", kind="essay"), sections=["faq"], kinds=["mcq"])
    assert (started.scope.section, started.scope.kind) == ("faq", None)
    assert started.params == {"section": "faq"}


def test_an_assignment_narrows_to_its_questions_once_open(people, make_assignment):
    assignment = make_assignment()
    asked = _asked(assignment_id=assignment.id)
    with pytest.raises(sessions.NoSuchAssignment):
        _start(people, asked)
    assignments.set_status(db.session, assignment, "open")
    started = _start(people, asked)
    assert started.assignment.id == assignment.id
    assert started.scope.question_ids == assignments.question_ids(db.session, assignment)


def test_custom_study_walks_the_bank_in_order_after_a_position(people):
    started = _start(people, _asked(custom=Custom.AHEAD.value, after=4))
    assert started.scope.in_order and started.scope.after == 4
