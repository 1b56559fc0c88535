"""How much per-learner FSRS fitting improves recall predictions on reviews it has not seen.

Simulated learners have known memory behaviour (ground-truth FSRS parameters unlike
the defaults). Each is scheduled with the default parameters, as a new account is,
and passes a review with the probability their true memory gives. The history is
split in time: the optimiser fits on the first 70% of answers, and the last 30% are
predicted from everything before them with the default, the fitted and (as the best
achievable) the true parameters.

Needs the optimiser extra: pip install 'quizapp[optimizer]'
Usage: python benchmarks/optimizer_gain.py [--cards N] [--days N] [--seed N]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from fsrs import Card, Rating, Scheduler
from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.scheduling.optimize import (
    Answer,
    fit_parameters,
    log_loss,
    predictions,
    rmse_bins,
    usable_reviews,
)

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TRAIN_SHARE = 0.7
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
)


def simulate(truth: tuple[float, ...], *, cards: int, days: int, seed: int) -> list[Answer]:
    """A time-ordered history: new cards 8 a day, each answered when due until `days` pass."""
    rng = Random(seed)
    shown = Scheduler(enable_fuzzing=False)
    memory = Scheduler(parameters=truth, enable_fuzzing=False)
    end = START + timedelta(days=days)
    answers = []
    for card_id in range(1, cards + 1):
        at = START + timedelta(days=(card_id - 1) // 8, minutes=card_id)
        card, true_card = Card(card_id=card_id, due=at), Card(card_id=card_id, due=at)
        while at < end:
            if card.last_review is None:
                rating = rng.choices([1, 2, 3, 4], [0.2, 0.1, 0.6, 0.1])[0]
            elif rng.random() >= memory.get_card_retrievability(true_card, at):
                rating = 1
            else:
                rating = rng.choices([2, 3, 4], [0.1, 0.8, 0.1])[0]
            answers.append(Answer(card_id, rating, at, 5000))
            card, _ = shown.review_card(card, Rating(rating), at)
            true_card, _ = memory.review_card(true_card, Rating(rating), at)
            at = card.due
    return sorted(answers, key=lambda a: (a.reviewed_at, a.card_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200, help="cards per learner (default 200)")
    parser.add_argument("--days", type=int, default=240, help="days of study (default 240)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    print(f"{args.cards} cards, {args.days} days; fit on the first {TRAIN_SHARE:.0%} of answers")
    header = f"{'learner':<11} {'answers':>7} {'train':>6} {'held':>5} {'fit s':>6}  "
    print(header + f"{'log loss: default  fitted    true':<34} RMSE(bins): default  fitted    true")
    for n, learner in enumerate(LEARNERS):
        answers = simulate(learner.parameters, cards=args.cards, days=args.days, seed=args.seed + n)
        split = answers[int(len(answers) * TRAIN_SHARE)].reviewed_at
        train = [answer for answer in answers if answer.reviewed_at < split]
        started = time.perf_counter()
        fitted = fit_parameters(train)
        seconds = time.perf_counter() - started
        scored = {
            name: predictions(answers, parameters, since=split)
            for name, parameters in (
                ("default", DEFAULT_PARAMETERS),
                ("fitted", fitted),
                ("true", learner.parameters),
            )
        }
        losses = "  ".join(f"{log_loss(s):.4f}" for s in scored.values())
        errors = "  ".join(f"{rmse_bins(s):.4f}" for s in scored.values())
        print(
            f"{learner.name:<11} {len(answers):>7} {usable_reviews(train):>6} "
            f"{len(scored['true']):>5} {seconds:>6.1f}  {'':<10}{losses}  {'':<11}{errors}"
        )
    print(
        "train = usable answers the fit saw; held = scored held-out answers (a day or more "
        "after the card's previous answer). RMSE(bins): predictions in 20 bins of predicted recall."
    )


if __name__ == "__main__":
    main()
