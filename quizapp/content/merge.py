"""Decide, question by question, what loading a bank over a stored one does.

Two rules, both pure so they are tested without a database:

- A bank file is loaded by question ID with a three-way decision. The stored question
  remembers the content last loaded (its base). File unchanged since then: the site's
  edit stays. Site unedited: the file's version is taken. Both changed: a conflict,
  reported with the fields that differ, never settled silently.
- A bank rebuilt from its article (`regenerate`) matches questions by ID and then by
  their source sentences. An unedited question takes the rebuilt text. An edited one
  whose sources did not change keeps the edit and its ID; one whose sources changed gets
  the rebuilt question as a revision to review beside the edit.

Either way a stored question the incoming bank no longer has is retired (its history
kept), and a question the stored bank lacks is added.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from quizapp.content.bank import Question


def question_hash(data: Mapping[str, Any]) -> str:
    """A digest of a question's content, leaving out its ID and when it `changed`."""
    content = {name: value for name, value in data.items() if name not in ("changed", "id")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class Action(StrEnum):
    ADD = "add"  # new: store it
    UNCHANGED = "unchanged"  # the same content on both sides
    TAKE = "take"  # the site did not edit it: take the incoming version
    KEEP = "keep"  # the site edited it and the incoming side did not change it: keep
    CONFLICT = "conflict"  # both changed it: the site's version stays unless told otherwise
    REVISE = "revise"  # rebuilt from changed sources over an edit: review both
    RETIRE = "retire"  # gone from the incoming bank


@dataclass(frozen=True)
class Stored:
    """A question as the database holds it."""

    key: str
    content: Mapping[str, Any]
    base_hash: str | None  # None: no base recorded; the stored content counts as its base
    retired: bool = False

    @property
    def edited(self) -> bool:
        return self.base_hash is not None and self.base_hash != question_hash(self.content)


@dataclass(frozen=True)
class Decision:
    action: Action
    key: str  # the stored question's ID (it keeps it), or the new question's
    incoming: Question | None = None
    differs: tuple[str, ...] = ()  # the fields the two sides disagree on

    def describe(self) -> str:
        return f"{self.key}: {', '.join(self.differs) or 'content'} differ"


def differing_fields(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> tuple[str, ...]:
    """The content fields (not `changed`) whose values differ between two versions."""
    names = (set(ours) | set(theirs)) - {"changed", "id"}
    return tuple(sorted(name for name in names if ours.get(name) != theirs.get(name)))


def _decide(stored: Stored, incoming: Question, *, regenerate: bool) -> Decision:
    theirs = incoming.to_dict()
    current = question_hash(stored.content)
    new = question_hash(theirs)
    base = stored.base_hash or current
    if new == current:
        return Decision(Action.UNCHANGED, stored.key, incoming)
    if new == base:
        return Decision(Action.KEEP, stored.key, incoming)
    if current == base:
        return Decision(Action.TAKE, stored.key, incoming)
    differs = differing_fields(stored.content, theirs)
    if not regenerate:
        return Decision(Action.CONFLICT, stored.key, incoming, differs)
    if tuple(stored.content.get("source", ())) == incoming.source:
        return Decision(Action.KEEP, stored.key, incoming)
    return Decision(Action.REVISE, stored.key, incoming, differs)


def _by_source(
    unmatched: Sequence[Question], stored: Iterable[Stored]
) -> dict[str, tuple[Stored, Question]]:
    """Pair questions whose ID changed with the stored ones asking from the same sentences."""
    waiting: dict[tuple[str, str, tuple[str, ...]], list[Stored]] = {}
    for question in stored:
        source = tuple(question.content.get("source", ()))
        if source:
            key = (str(question.content.get("kind")), str(question.content.get("section")), source)
            waiting.setdefault(key, []).append(question)
    pairs: dict[str, tuple[Stored, Question]] = {}
    for question in unmatched:
        candidates = waiting.get((question.kind.value, question.section.value, question.source))
        if question.source and candidates:
            match = candidates.pop(0)
            pairs[question.id] = (match, question)
    return pairs


def plan(
    stored: Iterable[Stored], incoming: Sequence[Question], *, regenerate: bool = False
) -> list[Decision]:
    """One decision per incoming question (in its order), then the retirements.

    With `regenerate`, an incoming question whose ID matches no stored question is
    matched to an unmatched stored one of the same kind and section asking from the same
    source sentences; it keeps the stored ID.
    """
    by_key = {question.key: question for question in stored}
    matched = {question.id for question in incoming if question.id in by_key}
    rest = [question for question in incoming if question.id not in matched]
    paired = (
        _by_source(rest, (q for k, q in by_key.items() if k not in matched)) if regenerate else {}
    )
    decisions: list[Decision] = []
    used: set[str] = set()
    for question in incoming:
        if question.id in matched:
            found = by_key[question.id]
        elif question.id in paired and paired[question.id][0].key not in used:
            found = paired[question.id][0]
        else:
            decisions.append(Decision(Action.ADD, question.id, question))
            continue
        used.add(found.key)
        decisions.append(_decide(found, question, regenerate=regenerate))
    for key, question in by_key.items():
        if key not in used and not question.retired:
            decisions.append(Decision(Action.RETIRE, key))
    return decisions
