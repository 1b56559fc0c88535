"""Classical item analysis over a class's answers (pure).

Definitions follow Moodle's quiz statistics: facility is the mean score on an item;
discrimination is D = 100·C(xᵢ, Xᵢ)/√(V(xᵢ)·V(Xᵢ)), the correlation of the item score
with the rest of the test, where Xᵢ is a learner's total without item i.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import sqrt

MIN_LEARNERS = 2


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _covariance(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = _mean(xs), _mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


@dataclass(frozen=True)
class ItemStatistics:
    item: int
    learners: int
    facility: float | None
    discrimination: float | None


def item_statistics(scores: Mapping[int, Mapping[int, float]]) -> dict[int, ItemStatistics]:
    """Facility (%) and discrimination (%) per item.

    Args:
        scores: learner -> item -> score between 0 and 1, for the items each learner
            attempted. A learner's total counts every item they attempted.
    """
    items = sorted({item for by_item in scores.values() for item in by_item})
    totals = {learner: sum(by_item.values()) for learner, by_item in scores.items()}
    result = {}
    for item in items:
        learners = [learner for learner, by_item in scores.items() if item in by_item]
        xs = [scores[learner][item] for learner in learners]
        rest = [totals[learner] - scores[learner][item] for learner in learners]
        facility = 100 * _mean(xs) if xs else None
        discrimination = None
        if len(learners) >= MIN_LEARNERS:
            variance = _covariance(xs, xs) * _covariance(rest, rest)
            if variance > 0:
                discrimination = 100 * _covariance(xs, rest) / sqrt(variance)
        result[item] = ItemStatistics(item, len(learners), facility, discrimination)
    return result


@dataclass(frozen=True)
class Moments:
    """Sums over the learners who attempted one item: n, Σx, Σx², Σr, Σr², Σxr, where x
    is a learner's score on the item and r their total on the other items."""

    n: int
    sx: float
    sxx: float
    sr: float
    srr: float
    sxr: float


# Sums of scores between 0 and 1 lose about this much to rounding; less is no variance.
_TOLERANCE = 1e-9


def from_moments(item: int, moments: Moments) -> ItemStatistics:
    """Facility (%) and discrimination (%) from sums, as `item_statistics` gives them."""
    n = moments.n
    facility = 100 * moments.sx / n if n else None
    discrimination = None
    if n >= MIN_LEARNERS:
        var_x = (moments.sxx - moments.sx * moments.sx / n) / (n - 1)
        var_r = (moments.srr - moments.sr * moments.sr / n) / (n - 1)
        covariance = (moments.sxr - moments.sx * moments.sr / n) / (n - 1)
        if var_x > _TOLERANCE and var_r > _TOLERANCE:
            discrimination = 100 * covariance / sqrt(var_x * var_r)
    return ItemStatistics(item, n, facility, discrimination)
