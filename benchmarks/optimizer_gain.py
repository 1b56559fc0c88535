"""How much per-learner FSRS fitting improves recall predictions on reviews it has not seen.

Simulated learners (quizapp/scheduling/simulation.py) have known memory behaviour; each
is scheduled by quizapp with the default parameters, as a new account is, and passes a
review with the probability their true memory gives. The history is split in time: the
fit sees the first 70% of answers, and the last 30% are predicted from everything before
them with the default, the fitted and (the best achievable) the true parameters.

Metrics as srs-benchmark reports them: log loss, and RMSE(bins) with answers binned by
elapsed days, number of earlier reviews and lapses. Each learner runs with several seeds;
the table gives the mean and standard deviation over seeds, and the change against the
defaults. Fits are made two ways: on elapsed days counted as 24-hour periods (fsrs's own
count, what quizapp fitted on before) and on study days (what the scheduler, Anki and
srs-benchmark count).

Needs the optimiser extra: pip install 'quizapp[optimizer]'
Usage: python -m benchmarks.optimizer_gain [--cards N] [--days N] [--seeds N] [--learners a,b]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from fsrs.scheduler import DEFAULT_PARAMETERS

from quizapp.scheduling.days import StudyDay
from quizapp.scheduling.optimize import (
    NotEnoughReviews,
    day_stamped,
    fit_parameters,
    log_loss,
    predictions,
    pretrain_initial_stability,
    rmse_bins,
    usable_reviews,
)
from quizapp.scheduling.simulation import LEARNERS, simulate

TRAIN_SHARE = 0.7
DAY = StudyDay()


def measure(learner_parameters, *, cards: int, days: int, seed: int) -> dict[str, object]:
    raw = simulate(learner_parameters, cards=cards, days=days, seed=seed)
    # Scored on study days, as srs-benchmark counts elapsed days.
    answers = day_stamped(raw, DAY)
    split_index = int(len(answers) * TRAIN_SHARE)
    train_stamped = answers[:split_index]
    train_raw = raw[:split_index]
    since = answers[split_index].reviewed_at
    started = time.perf_counter()
    try:
        fitted_24h = fit_parameters(train_raw)
    except NotEnoughReviews:  # fewer answers a full 24 hours apart than study days apart
        fitted_24h = None
    fitted_days = fit_parameters(train_stamped)
    seconds = time.perf_counter() - started
    initial = pretrain_initial_stability(train_stamped)
    pretrained = fitted_days if initial is None else (*initial, *fitted_days[4:])
    result: dict[str, object] = {
        "answers": len(answers),
        "train": usable_reviews(train_stamped),
        "seconds": seconds / 2,
    }
    for name, parameters in (  # a fit that could not run predicts as the defaults do
        ("default", DEFAULT_PARAMETERS),
        ("fit 24h", fitted_24h or DEFAULT_PARAMETERS),
        ("fit days", fitted_days),
        ("+ pretrain", pretrained),
        ("true", learner_parameters),
    ):
        scored = predictions(answers, parameters, since=since)
        result[name] = (log_loss(scored), rmse_bins(scored))
        result["held"] = len(scored)
    return result


def _mean_sd(values: list[float]) -> str:
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f}±{spread:.4f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200, help="cards per learner (default 200)")
    parser.add_argument("--days", type=int, default=240, help="days of study (default 240)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per learner (default 3)")
    parser.add_argument("--learners", default="", help="comma-separated names (default all)")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.learners.split(",") if name.strip()}
    learners = [learner for learner in LEARNERS if not wanted or learner.name in wanted]

    print(
        f"{args.cards} cards, {args.days} days, {args.seeds} seeds per learner; "
        f"fit on the first {TRAIN_SHARE:.0%} of answers, scored on the rest"
    )
    names = ("default", "fit 24h", "fit days", "+ pretrain", "true")
    overall: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for learner in learners:
        runs = [
            measure(learner.parameters, cards=args.cards, days=args.days, seed=seed)
            for seed in range(1, args.seeds + 1)
        ]
        answers = statistics.mean(run["answers"] for run in runs)
        train = statistics.mean(run["train"] for run in runs)
        held = statistics.mean(run["held"] for run in runs)
        seconds = statistics.mean(run["seconds"] for run in runs)
        print(
            f"\n{learner.name}: {answers:.0f} answers, {train:.0f} usable in training, "
            f"{held:.0f} scored; {seconds:.1f} s a fit"
        )
        columns = ("log loss", "vs default", "RMSE(bins)", "vs default")
        print(f"  {'parameters':<10} " + " ".join(f"{c:>15}" for c in columns))
        base_loss = statistics.mean(run["default"][0] for run in runs)
        base_rmse = statistics.mean(run["default"][1] for run in runs)
        for name in names:
            losses = [run[name][0] for run in runs]
            errors = [run[name][1] for run in runs]
            overall[name].extend(zip(losses, errors, strict=True))
            print(
                f"  {name:<10} {_mean_sd(losses):>15} "
                f"{statistics.mean(losses) / base_loss - 1:>+15.1%} "
                f"{_mean_sd(errors):>15} {statistics.mean(errors) / base_rmse - 1:>+15.1%}"
            )
    base = overall["default"]
    print("\nall learners and seeds, change against the defaults (mean of per-run changes):")
    for name in names[1:]:
        loss_change = statistics.mean(
            run[0] / ref[0] - 1 for run, ref in zip(overall[name], base, strict=True)
        )
        rmse_change = statistics.mean(
            run[1] / ref[1] - 1 for run, ref in zip(overall[name], base, strict=True)
        )
        print(f"  {name:<10} log loss {loss_change:+.1%}   RMSE(bins) {rmse_change:+.1%}")


if __name__ == "__main__":
    main()
