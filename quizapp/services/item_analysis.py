"""Item analysis of an assignment's questions: how the class answered each one."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from quizapp.analysis import from_moments
from quizapp.content import bank as content_bank
from quizapp.content.kinds import RULES
from quizapp.content.lint import lint_question
from quizapp.models import Assignment, Flag, Question
from quizapp.services import aggregates
from quizapp.services.assignments import question_set
from quizapp.services.classes import TRAINEE

FLAGGED_AT = 2


@dataclass(frozen=True)
class ItemReport:
    question: Question
    answers: int
    facility: float | None
    discrimination: float | None
    mean_difficulty: float | None
    flag_count: int
    findings: tuple[str, ...] = ()
    # Filled in only for the questions on the page shown.
    distribution: list[tuple[str, int]] = field(default_factory=list)
    stability_gain: float | None = None
    flags: list[Flag] = field(default_factory=list)
    in_anki: int = 0  # answers given in Anki: recalled or not, the option chosen is unknown

    @property
    def needs_attention(self) -> bool:
        return (
            (self.discrimination is not None and self.discrimination < 0)
            or self.flag_count >= FLAGGED_AT
            or bool(self.findings)
        )


def _class_parameters(assignment: Assignment, ids: Sequence[int]) -> dict[str, Any]:
    return {"class_id": assignment.class_id, "role": TRAINEE, "ids": list(ids)}


def item_analysis(session: Session, assignment: Assignment) -> list[ItemReport]:
    """Facility, discrimination, answers, difficulty and flag count of each question, in
    bank order, summed in the database; `item_details` adds the rest for a page."""
    questions = question_set(session, assignment)
    ids = [q.id for q in questions]
    if not ids:
        return []
    parameters = _class_parameters(assignment, ids)
    moments = {
        row.question_id: row for row in session.execute(aggregates.item_moments(), parameters)
    }
    flag_counts = {
        qid: count for qid, count in session.execute(aggregates.flag_counts(), parameters)
    }
    findings = lint_findings(questions)
    reports = []
    for question in questions:
        row = moments.get(question.id)
        stats = from_moments(question.id, aggregates.moments(row)) if row is not None else None
        reports.append(
            ItemReport(
                question=question,
                answers=int(row.answers) if row is not None else 0,
                facility=stats.facility if stats else None,
                discrimination=stats.discrimination if stats else None,
                mean_difficulty=float(row.difficulty)
                if row is not None and row.difficulty is not None
                else None,
                flag_count=flag_counts.get(question.id, 0),
                findings=tuple(findings.get(question.key, ())),
            )
        )
    return reports


def item_details(
    session: Session, assignment: Assignment, reports: Sequence[ItemReport]
) -> list[ItemReport]:
    """The reports with their spread of answers, stability gain and flags, read for
    these questions only (one page of the table)."""
    ids = [report.question.id for report in reports]
    if not ids:
        return []
    parameters = _class_parameters(assignment, ids)
    responses: dict[int, Counter[str]] = defaultdict(Counter)
    for question_id, response, count in session.execute(aggregates.response_counts(), parameters):
        responses[question_id][response] += count
    gains = {qid: gain for qid, gain in session.execute(aggregates.stability_gains(), parameters)}
    in_anki = {qid: count for qid, count in session.execute(aggregates.anki_answers(), parameters)}
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in session.scalars(aggregates.flags(), parameters):
        flags[flag.question_id].append(flag)
    detailed = []
    for report in reports:
        question = report.question
        asked = content_bank.Question.from_dict(question.content)
        options = RULES[asked.kind].choices(asked)
        detailed.append(
            replace(
                report,
                distribution=[(option, responses[question.id][option]) for option in options],
                stability_gain=float(gains[question.id]) if gains.get(question.id) else None,
                flags=flags[question.id],
                in_anki=in_anki.get(question.id, 0),
            )
        )
    return detailed


def lint_findings(questions: Sequence[Question]) -> dict[str, list[str]]:
    """Item-writing flaws the bank linter (`quizapp.content.lint`) finds, by question key.

    A question with any is marked for attention and can be filtered on.
    """
    found: dict[str, list[str]] = {}
    for question in questions:
        cached = _LINTED.get(question.content_hash)
        if cached is None:
            flaws = lint_question(content_bank.Question.from_dict(question.content))
            cached = _LINTED[question.content_hash] = [
                f"{flaw.severity}: {flaw.message}" for flaw in flaws
            ]
        if cached:
            found[question.key] = cached
    return found


# Findings by question content hash: a question's text decides them, and it rarely changes.
_LINTED: dict[str, list[str]] = {}
