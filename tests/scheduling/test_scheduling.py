from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from quizapp.scheduling import (
    LEECH_LAPSES,
    Grade,
    MemoryState,
    Settings,
    format_interval,
    preview,
    retrievability,
    review,
    validate_retention,
)

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NO_FUZZ = Settings(fuzz=False)


def run(grades: list[Grade], settings: Settings = NO_FUZZ, card_id: int = 7) -> list[MemoryState]:
    """Answer each grade when the card falls due; return the state after each."""
    memory, now, states = MemoryState(), START, []
    for grade in grades:
        memory = review(settings, card_id=card_id, memory=memory, grade=grade, now=now).after
        states.append(memory)
        now = memory.due
    return states


def test_new_card_learning_steps_then_graduates():
    states = run([Grade.GOOD, Grade.GOOD])
    assert states[0].due - START == timedelta(minutes=10)
    assert states[0].state == 1 and states[0].step == 1
    assert states[1].state == 2  # Review
    assert (states[1].due - states[1].last_review) >= timedelta(days=1)


def test_golden_interval_sequence_for_good_answers():
    states = run([Grade.GOOD] * 6)
    days = [round((s.due - s.last_review) / timedelta(days=1)) for s in states[1:]]
    assert days == sorted(days) and len(set(days)) == len(days)  # strictly growing
    # Recorded from fsrs 6.3 itself (default parameters, retention 0.9, fuzz off)
    assert days == [2, 11, 46, 163, 498]


def test_again_on_review_card_counts_a_lapse_and_relearns():
    states = run([Grade.GOOD, Grade.GOOD, Grade.AGAIN])
    assert states[-1].lapses == 1 and states[-1].state == 3  # Relearning
    assert states[-1].reps == 3


def test_again_while_learning_is_not_a_lapse():
    assert run([Grade.AGAIN, Grade.AGAIN])[-1].lapses == 0


def test_leech_at_eight_lapses():
    memory = MemoryState(lapses=LEECH_LAPSES - 1)
    assert not memory.is_leech and replace(memory, lapses=LEECH_LAPSES).is_leech


def test_preview_shows_four_growing_intervals_and_changes_nothing():
    memory = run([Grade.GOOD, Grade.GOOD])[-1]
    now = memory.due
    intervals = preview(NO_FUZZ, card_id=7, memory=memory, now=now)
    assert list(intervals) == list(Grade)
    assert (
        intervals[Grade.AGAIN]
        < intervals[Grade.HARD]
        < intervals[Grade.GOOD]
        < intervals[Grade.EASY]
    )
    assert preview(NO_FUZZ, card_id=7, memory=memory, now=now) == intervals


def test_higher_retention_gives_shorter_intervals():
    memory = run([Grade.GOOD, Grade.GOOD])[-1]
    strict = preview(
        Settings(desired_retention=0.97, fuzz=False), card_id=7, memory=memory, now=memory.due
    )
    relaxed = preview(
        Settings(desired_retention=0.8, fuzz=False), card_id=7, memory=memory, now=memory.due
    )
    assert strict[Grade.GOOD] < relaxed[Grade.GOOD]


def test_fuzz_is_seeded_by_card_and_repetition():
    fuzzed = Settings(fuzz=True)
    first = run([Grade.GOOD] * 5, fuzzed, card_id=11)
    assert run([Grade.GOOD] * 5, fuzzed, card_id=11) == first
    others = [run([Grade.GOOD] * 5, fuzzed, card_id=n)[-1].due for n in range(20, 40)]
    assert len(set(others)) > 1  # fuzz does vary between cards


def test_times_must_be_utc_aware():
    naive = datetime(2026, 1, 5, 8, 0)
    with pytest.raises(ValueError):
        review(NO_FUZZ, card_id=1, memory=MemoryState(), grade=Grade.GOOD, now=naive)


def test_retrievability_falls_with_time():
    memory = run([Grade.GOOD, Grade.GOOD])[-1]
    soon = retrievability(NO_FUZZ, memory, memory.last_review + timedelta(hours=1))
    later = retrievability(NO_FUZZ, memory, memory.due + timedelta(days=30))
    assert 0 < later < soon <= 1
    assert retrievability(NO_FUZZ, MemoryState(), START) == 0


@pytest.mark.parametrize(
    ("interval", "text"),
    [
        (timedelta(seconds=30), "30s"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=5), "5h"),
        (timedelta(days=3), "3d"),
        (timedelta(days=75), "2.5mo"),
        (timedelta(days=730), "2.0y"),
    ],
)
def test_format_interval(interval, text):
    assert format_interval(interval) == text


def test_retention_bounds():
    assert validate_retention(0.9) == 0.9
    for bad in (0.5, 0.995, 1.0):
        with pytest.raises(ValueError):
            validate_retention(bad)


def test_load_balancing_steers_reviews_away_from_busy_days():
    memory = run([Grade.GOOD] * 4)[-1]  # a card whose next interval is weeks long
    now = memory.due
    free = [
        (
            review(Settings(), card_id=n, memory=memory, grade=Grade.GOOD, now=now).after.due - now
        ).days
        for n in range(200)
    ]
    busy_day = max(set(free), key=free.count)
    balanced = [
        (
            review(
                Settings(),
                card_id=n,
                memory=memory,
                grade=Grade.GOOD,
                now=now,
                load=lambda low, high: {busy_day: 50},
            ).after.due
            - now
        ).days
        for n in range(200)
    ]
    assert min(free) <= min(balanced) and max(balanced) <= max(free)  # still within the fuzz range
    assert balanced.count(busy_day) < free.count(busy_day) / 5
