"""Simulated learners with known memory, for measuring how well parameters predict recall.

A learner is scheduled by quizapp's own scheduler (default parameters, as a new account
is) and passes each review with the probability their true memory (FSRS with their own
parameters, time counted to the second: memory knows nothing of day rollovers) gives
at that moment. Used by benchmarks/optimizer_gain.py and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.scheduling import Grade, MemoryState, Settings, review
from quizapp.scheduling.days import StudyDay
from quizapp.scheduling.optimize import Answer

__all__ = ["LEARNERS", "START", "Learner", "StudyDay", "simulate"]

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
D = DEFAULT_PARAMETERS


@dataclass(frozen=True)
class Learner:
    name: str
    parameters: tuple[float, ...]


LEARNERS = (
    # Forgets new material fast and gains little from each success.
    Learner("forgetful", (0.08, 0.5, 1.0, 4.0, *D[4:8], 1.2, *D[9:])),
    # Remembers well from the first answer; lapses cost less.
    Learner("strong", (0.6, 2.5, 6.0, 20.0, *D[4:8], 2.3, D[9], D[10], 2.2, *D[12:])),
    # Defaults for the first answers, but a flatter forgetting curve (decay 0.4, not 0.15).
    Learner("flat curve", (*D[:20], 0.4)),
    # Close to the defaults: fitting has little to gain.
    Learner("typical", (0.25, 1.4, 2.6, 9.0, *D[4:8], 1.75, *D[9:])),
)


def _recall(memory: Scheduler, card: Card, at: datetime) -> float:
    """True recall probability: memory fades by the second, not by whole days."""
    assert card.last_review is not None and card.stability is not None
    elapsed = (at - card.last_review).total_seconds() / 86400
    decay = -memory.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * elapsed / card.stability) ** decay)


def _remember(memory: Scheduler, card: Card, grade: Grade, at: datetime) -> Card:
    """The true memory after an answer: FSRS's formulas with the time elapsed to the second
    (fsrs's `review_card` rounds it down to whole days), short-term within a day."""
    rating = Rating(grade)
    if card.stability is None or card.difficulty is None or card.last_review is None:
        stability = memory._initial_stability(rating=rating)
        difficulty = memory._initial_difficulty(rating=rating, clamp=True)
    elif at - card.last_review < timedelta(days=1):
        stability = memory._short_term_stability(stability=card.stability, rating=rating)
        difficulty = memory._next_difficulty(difficulty=card.difficulty, rating=rating)
    else:
        stability = memory._next_stability(
            difficulty=card.difficulty,
            stability=card.stability,
            retrievability=_recall(memory, card, at),
            rating=rating,
        )
        difficulty = memory._next_difficulty(difficulty=card.difficulty, rating=rating)
    return Card(
        card_id=card.card_id,
        stability=min(stability, 36500.0),
        difficulty=difficulty,
        due=at,
        last_review=at,
    )


def simulate(
    truth: tuple[float, ...],
    *,
    cards: int,
    days: int,
    seed: int,
    new_per_day: int = 8,
    settings: Settings | None = None,
) -> list[Answer]:
    """A time-ordered history: `new_per_day` new cards a day, each answered when due (a few
    hours into its due day) until `days` pass."""
    rng = Random(seed)
    settings = settings or Settings(fuzz=False)
    memory = Scheduler(parameters=truth, enable_fuzzing=False, learning_steps=())
    end = START + timedelta(days=days)
    answers = []
    for card_id in range(1, cards + 1):
        at = START + timedelta(days=(card_id - 1) // new_per_day, minutes=card_id)
        shown, true_card = MemoryState(), Card(card_id=card_id, due=at)
        while at < end:
            if shown.is_new:
                grade = rng.choices(list(Grade), [0.2, 0.1, 0.6, 0.1])[0]
            elif rng.random() >= _recall(memory, true_card, at):
                grade = Grade.AGAIN
            else:
                grade = rng.choices([Grade.HARD, Grade.GOOD, Grade.EASY], [0.1, 0.8, 0.1])[0]
            answers.append(Answer(card_id, int(grade), at, 5000))
            shown = review(settings, card_id=card_id, memory=shown, grade=grade, now=at).after
            true_card = _remember(memory, true_card, grade, at)
            assert shown.due is not None
            # Learning steps are taken on time; reviews some hours into the day they fall due.
            at = shown.due if shown.state != 2 else shown.due + timedelta(hours=rng.uniform(1, 14))
    return sorted(answers, key=lambda a: (a.reviewed_at, a.card_id))
