"""Fit FSRS parameters to one learner's answers, and measure how well parameters predict them.

fsrs's Optimizer needs torch (the `optimizer` extra). Below 512 usable reviews it
returns the default parameters without a word, so the count is checked here first
and a too-short history is refused with a message the learner can act on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import NamedTuple

import fsrs
from fsrs import Card, Rating, ReviewLog, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.scheduling import Grade, MemoryState, Settings, review
from quizapp.scheduling.days import StudyDay

# fsrs takes a gradient step per 512 reviews and skips fitting when there is less than one step.
MIN_REVIEWS = 512
# fsrs fits on at most the first 64 answers of each card.
MAX_ANSWERS_PER_CARD = 64
# The latest share of a history is kept aside to judge a fit on reviews it did not see:
# on the reviews it was fitted to, a fit always looks better, even when it predicts worse.
HELD_OUT = 0.3
INSTALL_HINT = "pip install 'quizapp[optimizer]'"
_EPSILON = 1e-7


class OptimizeError(ValueError):
    """Optimisation cannot run; the message says why and what to do."""


class NotEnoughReviews(OptimizeError):
    def __init__(self, usable: int) -> None:
        self.usable = usable
        super().__init__(
            f"Not enough reviews to personalise the scheduler: it needs at least {MIN_REVIEWS} "
            f"answers given a day or more after the previous answer to the same card, not "
            f"counting the latest {HELD_OUT:.0%} of the history (kept aside to check the fit), "
            f"and there are {usable}. Keep studying and try again later."
        )


class OptimizerMissing(OptimizeError):
    def __init__(self) -> None:
        super().__init__(
            f"The FSRS optimiser is not installed (it needs torch). Install it with: {INSTALL_HINT}"
        )


@dataclass(frozen=True)
class Answer:
    """One logged answer, as the optimiser reads it."""

    card_id: int
    rating: int
    reviewed_at: datetime
    duration_ms: int | None = None

    def to_review_log(self) -> ReviewLog:
        return ReviewLog(
            card_id=self.card_id,
            rating=Rating(self.rating),
            review_datetime=self.reviewed_at,
            review_duration=self.duration_ms,
        )


@dataclass(frozen=True)
class Fit:
    """Parameters before and after fitting, with the log loss of each on held-out answers."""

    old: tuple[float, ...]
    new: tuple[float, ...]
    usable: int
    held_out: int
    old_loss: float
    new_loss: float

    @property
    def improved(self) -> bool:
        return self.new_loss < self.old_loss

    @property
    def improvement(self) -> float:
        """Relative reduction of log loss: 0.05 means 5% lower."""
        return (self.old_loss - self.new_loss) / self.old_loss if self.old_loss else 0.0


def by_card(answers: Iterable[Answer]) -> dict[int, list[Answer]]:
    """Each card's answers in time order."""
    cards: dict[int, list[Answer]] = defaultdict(list)
    for answer in sorted(answers, key=lambda a: (a.reviewed_at, a.card_id)):
        cards[answer.card_id].append(answer)
    return dict(cards)


def usable_reviews(answers: Iterable[Answer]) -> int:
    """Answers fsrs fits on: within a card's first 64, a day or more after its previous answer."""
    count = 0
    for history in by_card(answers).values():
        history = history[:MAX_ANSWERS_PER_CARD]
        count += sum(
            (later.reviewed_at - earlier.reviewed_at).days > 0
            for earlier, later in pairwise(history)
        )
    return count


def day_stamped(answers: Iterable[Answer], day: StudyDay) -> list[Answer]:
    """The answers re-timed to the start of their study day (UTC midnight of its date, a
    microsecond apart in order), so fsrs, which counts 24-hour periods, counts study days:
    the elapsed days quizapp's scheduler and Anki give FSRS, and srs-benchmark fits on."""
    ordered = sorted(answers, key=lambda a: (a.reviewed_at, a.card_id))
    return [
        replace(
            answer,
            reviewed_at=datetime.combine(day.date(answer.reviewed_at), time(), UTC)
            + timedelta(microseconds=n),
        )
        for n, answer in enumerate(ordered)
    ]


class Scored(NamedTuple):
    """One answer predicted: recall predicted, recalled or not, and its srs-benchmark bin."""

    predicted: float
    recalled: bool
    bin: tuple[int, int, int] = (0, 0, 0)


def _bin(delta_days: int, long_term_reviews: int, lapses: int) -> tuple[int, int, int]:
    """srs-benchmark's (fsrs-rs `r_matrix_index`) bin: elapsed days, review count, lapses."""
    delta_bin = round(2.48 * 3.62 ** math.floor(math.log(max(delta_days, 1), 3.62)) * 100)
    length = long_term_reviews + 1
    length_bin = round(1.99 * 1.89 ** math.floor(math.log(length, 1.89)))
    lapse_bin = round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73))) if lapses else 0
    return delta_bin, length_bin, lapse_bin


def predictions(
    answers: Iterable[Answer],
    parameters: Sequence[float] | None = None,
    *,
    since: datetime | None = None,
) -> list[Scored]:
    """Recall predicted for each answer a day or more after the card's previous one.

    Every answer updates the memory state; only those at or after `since` are scored,
    so a held-out period is predicted from everything that came before it.
    """
    scheduler = Scheduler(parameters=tuple(parameters or DEFAULT_PARAMETERS), enable_fuzzing=False)
    scored = []
    for card_id, history in by_card(answers).items():
        card = Card(card_id=card_id, due=history[0].reviewed_at)
        long_term = lapses = 0
        for answer in history:
            at = answer.reviewed_at
            elapsed = (at - card.last_review).days if card.last_review else 0
            if elapsed > 0 and (since is None or at >= since):
                recall = scheduler.get_card_retrievability(card, at)
                key = _bin(elapsed, long_term, lapses)
                scored.append(Scored(recall, answer.rating > Grade.AGAIN, key))
            if elapsed > 0:
                long_term += 1
                lapses += answer.rating == Grade.AGAIN
            card, _ = scheduler.review_card(card, Rating(answer.rating), at)
    return scored


def log_loss(scored: Sequence[Scored]) -> float:
    """Mean binary cross-entropy of predicted recall against what happened."""
    if not scored:
        return math.nan
    total = 0.0
    for item in scored:
        p = min(max(item.predicted, _EPSILON), 1 - _EPSILON)
        total -= math.log(p) if item.recalled else math.log(1 - p)
    return total / len(scored)


def rmse_bins(scored: Sequence[Scored]) -> float:
    """RMSE(bins) as srs-benchmark defines it: answers grouped by elapsed days, number of
    earlier reviews and lapses (each on a log scale); the root of the count-weighted mean
    squared gap between each group's mean prediction and its recall rate."""
    if not scored:
        return math.nan
    groups: dict[tuple[int, int, int], list[Scored]] = defaultdict(list)
    for item in scored:
        groups[item.bin].append(item)
    squared = 0.0
    for group in groups.values():
        mean_predicted = sum(item.predicted for item in group) / len(group)
        recall_rate = sum(item.recalled for item in group) / len(group)
        squared += len(group) * (mean_predicted - recall_rate) ** 2
    return math.sqrt(squared / len(scored))


def fit_parameters(answers: Sequence[Answer]) -> tuple[float, ...]:
    """Fit FSRS parameters to the answers; refuse a history too short to fit."""
    usable = usable_reviews(answers)
    if usable < MIN_REVIEWS:
        raise NotEnoughReviews(usable)
    try:
        optimizer = fsrs.Optimizer([answer.to_review_log() for answer in answers])
    except ImportError:
        raise OptimizerMissing() from None
    fitted = optimizer.compute_optimal_parameters()
    if fitted is None:  # every epoch's loss was NaN
        raise OptimizeError(
            "The optimiser could not fit these reviews; the parameters are unchanged."
        )
    return tuple(float(value) for value in fitted)


_S0_MIN, _S0_MAX = 0.001, 100.0


def pretrain_initial_stability(answers: Sequence[Answer]) -> tuple[float, ...] | None:
    """Initial stabilities (w0–w3) fitted to each card's first review a day or more later,
    grouped by the card's first grade: the pre-training step of fsrs-rs and srs-benchmark
    (`parameter_initialization.rs`). None when no card has such a review yet.

    Each grade's stability minimises the log loss of the default forgetting curve over its
    (elapsed days, recalled) groups, pulled towards the default by |S - S0| / 16, with
    each group's recall rate smoothed towards the overall one. Grades are then made
    monotonic, and grades without data scaled from the default by the others' ratio.
    """
    firsts: dict[int, dict[int, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for history in by_card(answers).values():
        for earlier, later in pairwise(history):
            elapsed = (later.reviewed_at - earlier.reviewed_at).days
            if elapsed > 0:
                firsts[history[0].rating][elapsed].append(later.rating > Grade.AGAIN)
                break
    outcomes = [r for groups in firsts.values() for rs in groups.values() for r in rs]
    if not outcomes:
        return None
    average = sum(outcomes) / len(outcomes)
    decay = -DEFAULT_PARAMETERS[20]
    factor = 0.9 ** (1 / decay) - 1
    found: dict[int, float] = {}
    counts: dict[int, int] = {}
    for rating, groups in firsts.items():
        default = DEFAULT_PARAMETERS[rating - 1]
        data = [
            (days, (sum(recalls) + average) / (len(recalls) + 1), len(recalls))
            for days, recalls in groups.items()
        ]
        counts[rating] = sum(n for _, _, n in data)

        def loss(stability: float, data=data, default=default) -> float:
            total = abs(stability - default) / 16
            for days, recall, n in data:
                p = min(max((1 + factor * days / stability) ** decay, _EPSILON), 1 - _EPSILON)
                total -= n * (recall * math.log(p) + (1 - recall) * math.log(1 - p))
            return total

        low, high = _S0_MIN, _S0_MAX
        for _ in range(200):  # ternary search: the loss has one minimum in S
            first, second = low + (high - low) / 3, high - (high - low) / 3
            if loss(first) < loss(second):
                high = second
            else:
                low = first
        found[rating] = (low + high) / 2
    for small, big in ((1, 2), (2, 3), (3, 4), (1, 3), (2, 4), (1, 4)):
        if small in found and big in found and found[small] > found[big]:
            if counts[small] > counts[big]:
                found[big] = found[small]
            else:
                found[small] = found[big]
    ratio = math.exp(
        sum(math.log(found[r] / DEFAULT_PARAMETERS[r - 1]) for r in found) / len(found)
    )
    stabilities = [found.get(r, DEFAULT_PARAMETERS[r - 1] * ratio) for r in (1, 2, 3, 4)]
    for n in range(1, 4):  # keep Again <= Hard <= Good <= Easy after filling
        stabilities[n] = max(stabilities[n], stabilities[n - 1])
    return tuple(min(max(value, _S0_MIN), _S0_MAX) for value in stabilities)


def _with_pretraining(answers: Sequence[Answer], fitted: tuple[float, ...]) -> tuple[float, ...]:
    initial = pretrain_initial_stability(answers)
    return fitted if initial is None else (*initial, *fitted[4:])


def fit(
    answers: Sequence[Answer],
    current: Sequence[float] | None = None,
    *,
    day: StudyDay | None = None,
) -> Fit:
    """Fit on the earlier answers and judge on the latest ones, which the fit did not see.

    Only when the trial fit predicts the held-out answers better than the current
    parameters is the whole history fitted, giving the parameters to keep. With the
    learner's `day`, elapsed days are study days, as the scheduler counts them.
    """
    if day is not None:
        answers = day_stamped(answers, day)
    ordered = sorted(answers, key=lambda answer: answer.reviewed_at)
    if not ordered:
        raise NotEnoughReviews(0)
    split = ordered[min(int(len(ordered) * (1 - HELD_OUT)), len(ordered) - 1)].reviewed_at
    train = [answer for answer in ordered if answer.reviewed_at < split]
    fitted = fit_parameters(train)
    # The optimiser starts from the default initial stabilities; pre-trained ones may
    # predict better. Whichever predicts the held-out answers better is used.
    candidates = {False: fitted, True: _with_pretraining(train, fitted)}
    losses = {
        key: log_loss(predictions(ordered, value, since=split)) for key, value in candidates.items()
    }
    pretrained = losses[True] < losses[False]
    trial, trial_loss = candidates[pretrained], losses[pretrained]
    old = tuple(current or DEFAULT_PARAMETERS)
    old_scored = predictions(ordered, old, since=split)
    old_loss = log_loss(old_scored)
    new = trial
    if trial_loss < old_loss:
        new = fit_parameters(ordered)
        new = _with_pretraining(ordered, new) if pretrained else new
    return Fit(
        old=old,
        new=new,
        usable=usable_reviews(ordered),
        held_out=len(old_scored),
        old_loss=old_loss,
        new_loss=trial_loss,
    )


def replay(settings: Settings, *, card_id: int, answers: Iterable[Answer]) -> MemoryState:
    """The memory state a card would have now had it always been scheduled with `settings`."""
    memory = MemoryState()
    for answer in sorted(answers, key=lambda a: a.reviewed_at):
        memory = review(
            settings,
            card_id=card_id,
            memory=memory,
            grade=Grade(answer.rating),
            now=answer.reviewed_at,
        ).after
    return memory
