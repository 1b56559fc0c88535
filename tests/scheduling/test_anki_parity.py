"""quizapp's scheduler against real Anki (the `anki` package, FSRS on), review by review.

Sequences of answers are generated to cover learning steps on time and early, answers
either side of the rollover, the same day, the next morning, early, late and months late,
and lapses up to leeches. Each sequence is answered in quizapp's pure scheduler and in an
Anki collection whose clock is set with Debian's libfaketime before every answer. After
every answer the state, stability, difficulty, interval, lapses and leech mark are
compared. No database is involved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

import pytest

from quizapp.scheduling import (
    Grade,
    MemoryState,
    Settings,
    fuzz_range,
    leech_threshold_met,
    review,
)
from quizapp.scheduling.days import StudyDay

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
REFERENCE = Path(__file__).with_name("anki_reference.py")
pytestmark = pytest.mark.skipif(
    not FAKETIME.exists(), reason="needs Debian's libfaketime (apt-get install libfaketime)"
)


@dataclass(frozen=True)
class Answered:
    sequence: int
    at: datetime
    grade: Grade


def _avoid_test_mode_shift(moment: datetime, day: StudyDay) -> datetime:
    """Anki's test mode (no fuzz) moves its clock back 2 h between 02:00 and 04:00 local."""
    if day.local(moment).hour in (2, 3):
        return moment + timedelta(hours=2, minutes=1)
    return moment


def _grade(rng: Random, weights: tuple[float, float, float, float]) -> Grade:
    return rng.choices(list(Grade), weights)[0]


def _next_time(rng: Random, memory: MemoryState, now: datetime, day: StudyDay) -> datetime:
    assert memory.due is not None
    due = memory.due
    if memory.state != 2:  # a learning step
        kind = rng.choices(["on time", "early", "later", "rollover", "next day"], [6, 2, 1, 1, 1])[
            0
        ]
        if kind == "on time":
            return due + timedelta(seconds=rng.randint(0, 90))
        if kind == "early":
            return max(now + timedelta(seconds=20), due - timedelta(seconds=rng.randint(10, 500)))
        if kind == "later":
            return due + timedelta(hours=rng.uniform(1, 6))
        if kind == "rollover":
            return day.next_start(now) + timedelta(minutes=rng.choice([-5, 5]))
        return day.next_start(now) + timedelta(hours=rng.uniform(0.5, 20))
    kind = rng.choices(
        ["due day", "rollover", "early", "same day", "late", "months late"], [6, 2, 2, 1, 2, 1]
    )[0]
    if kind == "due day":
        return due + timedelta(hours=rng.uniform(0, 20))
    if kind == "rollover":
        return due + timedelta(minutes=rng.choice([-5, 5]))
    if kind == "early":
        days = max((due - now).days, 1)
        return now + timedelta(days=rng.uniform(0.5, days))
    if kind == "same day":
        return min(now + timedelta(hours=rng.uniform(0.2, 3)), day.next_start(now))
    if kind == "late":
        return due + timedelta(days=rng.uniform(1, 15))
    return due + timedelta(days=rng.uniform(40, 200))


def generate(seed: int, count: int, day: StudyDay, settings: Settings) -> list[Answered]:
    """Answer sequences in time order, each timed from quizapp's own due dates."""
    rng = Random(seed)
    answers: list[Answered] = []
    for sequence in range(count):
        leechy = sequence % 7 == 0
        weights = (0.15, 0.1, 0.6, 0.15)
        length = rng.randint(28, 34) if leechy else rng.randint(4, 12)
        now = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(
            days=rng.randint(0, 30), seconds=rng.randint(0, 86399)
        )
        memory = MemoryState()
        for _ in range(length):
            now = _avoid_test_mode_shift(now.replace(microsecond=0), day)
            if leechy:  # forget every review, relearn at once: a lapse each time
                in_review = memory.state == 2 and not memory.is_new
                grade = _grade(rng, (0.7, 0.1, 0.2, 0) if in_review else (0.05, 0.05, 0.8, 0.1))
            else:
                grade = _grade(rng, weights)
            answers.append(Answered(sequence, now, grade))
            memory = review(settings, card_id=sequence, memory=memory, grade=grade, now=now).after
            now = _next_time(rng, memory, now, day)
            if now.year >= 2037:  # Anki keeps learning due times as 32-bit timestamps
                break
    return sorted(answers, key=lambda answer: (answer.at, answer.sequence))


def anki_answers(
    tmp_path: Path, answers: list[Answered], day: StudyDay, *, fuzz: bool
) -> list[dict]:
    clock = tmp_path / "clock"
    local = [day.local(answer.at).strftime("%Y-%m-%d %H:%M:%S") for answer in answers]
    clock.write_text(local[0])
    env = {
        **os.environ,
        "TZ": day.zone,
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
    }
    if fuzz:
        env.pop("ANKI_TEST_MODE", None)
    else:
        env["ANKI_TEST_MODE"] = "1"
    job = {
        "clock": str(clock),
        "collection": str(tmp_path / f"collection-{fuzz}.anki2"),
        "rollover": day.rollover,
        "answers": [
            [answer.sequence, moment, int(answer.grade)]
            for answer, moment in zip(answers, local, strict=True)
        ],
    }
    done = subprocess.run(
        [sys.executable, str(REFERENCE)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _interval(day: StudyDay, memory: MemoryState, now: datetime) -> dict[str, int]:
    assert memory.due is not None
    if memory.state == 2:
        return {"days": day.days_between(now, memory.due)}
    if memory.due == day.start(memory.due) and day.date(memory.due) > day.date(now):
        return {"days": day.days_between(now, memory.due)}
    return {"secs": round((memory.due - now).total_seconds())}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 0.01 * abs(b)


DAYS = [StudyDay("Asia/Tokyo", 5), StudyDay("America/Sao_Paulo", 0)]


@pytest.mark.parametrize("day", DAYS, ids=lambda day: day.zone)
def test_schedules_agree_with_anki_review_by_review(tmp_path, day):
    settings = Settings(fuzz=False, day=day)
    answers = generate(seed=day.rollover + 11, count=40, day=day, settings=settings)
    reference = anki_answers(tmp_path, answers, day, fuzz=False)

    memories: dict[int, MemoryState] = {}
    checked = agreed = 0
    disagreements = []
    for answer, anki in zip(answers, reference, strict=True):
        before = memories.get(answer.sequence, MemoryState())
        outcome = review(
            settings, card_id=answer.sequence, memory=before, grade=answer.grade, now=answer.at
        )
        after = outcome.after
        memories[answer.sequence] = after
        ours = {
            "type": after.state,
            "lapses": after.lapses,
            "leech": after.lapses >= 8,
            **_interval(day, after, answer.at),
        }
        theirs = {
            key: anki[key] for key in ("type", "lapses", "leech", "secs", "days") if key in anki
        }
        same = (
            ours == theirs
            and close(after.stability, anki["stability"])
            and close(after.difficulty, anki["difficulty"])
        )
        checked += 1
        agreed += same
        if not same:
            disagreements.append((answer, ours, theirs, after.stability, anki["stability"]))
    assert checked >= 300
    assert agreed / checked >= 0.99, disagreements[:5]
    leeches = [anki for anki in reference if anki["lapses"] >= 8]
    assert leeches, "the sequences should reach the leech threshold"
    assert all(anki["leech"] for anki in leeches)
    assert leech_threshold_met(8, 8) and leech_threshold_met(12, 8)
    assert not leech_threshold_met(9, 8)


def test_fuzzed_intervals_fall_in_ankis_fuzz_range(tmp_path):
    """With fuzz on, Anki's review intervals lie in the range quizapp draws its own from."""
    day = StudyDay("UTC", 5)
    settings = Settings(fuzz=True, day=day)
    answers = generate(seed=3, count=30, day=day, settings=settings)
    reference = anki_answers(tmp_path, answers, day, fuzz=True)
    checked = inside = 0
    last: dict[int, tuple[Answered, dict, int]] = {}
    for answer, anki in zip(answers, reference, strict=True):
        before = last.get(answer.sequence)
        reps = before[2] if before else 0
        last[answer.sequence] = (answer, anki, reps + 1)
        if before is None or before[1]["type"] != 2 or answer.grade is Grade.AGAIN:
            continue
        at, state = before[0].at, before[1]
        memory = MemoryState(
            state=2,
            step=None,
            stability=state["stability"],
            difficulty=state["difficulty"],
            due=day.start_of(day.date(at) + timedelta(days=state["due_in"])),
            last_review=at,
            reps=reps,
            lapses=state["lapses"],
        )
        low, high = fuzz_range(
            settings, card_id=answer.sequence, memory=memory, grade=answer.grade, now=answer.at
        )
        ours = review(
            settings, card_id=answer.sequence, memory=memory, grade=answer.grade, now=answer.at
        ).after
        assert ours.due is not None
        checked += 1
        mine = day.days_between(answer.at, ours.due)
        ok = low <= anki["days"] <= high and low <= mine <= high
        inside += ok
    assert checked >= 50
    assert inside / checked >= 0.98
