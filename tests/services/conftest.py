"""Fixtures for class and assignment services: an instructor, three trainees, a class."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Bank, Role
from quizapp.services import assignments, classes
from tests.helpers import NOW, get_user


@pytest.fixture
def people(session, make_user, demo_bank):
    make_user("teacher@example.com", role=Role.INSTRUCTOR)
    for name in ("ann", "ben", "cat"):
        make_user(f"{name}@example.com")
    return {name: get_user(f"{name}@example.com") for name in ("teacher", "ann", "ben", "cat")}


@pytest.fixture
def classroom(people):
    room = classes.create_class(db.session, instructor=people["teacher"], name="Hip block", now=NOW)
    for name in ("ann", "ben", "cat"):
        classes.join(db.session, user=people[name], code=room.join_code.lower(), now=NOW)
    return room


@pytest.fixture
def make_assignment(classroom):
    """Create an assignment in the class: FAQ questions, due in a week, unless overridden."""

    def make(**overrides):
        return _assignment(classroom, **overrides)

    return make


def _assignment(classroom, **overrides):
    options = dict(
        bank=db.session.scalar(select(Bank)),
        title="FAQ week",
        selection=assignments.Selection(sections=("faq",)),
        opens_at=NOW,
        due_at=NOW + timedelta(days=7),
        exam_at=None,
        target_kind="reviews",
        target_reviews=1,
        target_retention=0.9,
        target_share=0.8,
    )
    options.update(overrides)
    return assignments.create_assignment(db.session, classroom, **options)
