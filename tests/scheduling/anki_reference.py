"""Answer cards in a real Anki collection at given times; run under libfaketime.

Reads JSON on stdin: {"clock": path of libfaketime's timestamp file, "collection": path,
"rollover": hour, "fuzz": bool, "answers": [[sequence, "YYYY-MM-DD HH:MM:SS" local, grade 1-4]]}
in time order. Writes JSON on stdout: for each answer, the card as Anki left it.
The caller sets TZ, LD_PRELOAD and FAKETIME_* (and ANKI_TEST_MODE for no fuzz).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from anki.collection import Collection


def main() -> None:
    job = json.load(sys.stdin)
    clock = Path(job["clock"])
    answers = job["answers"]
    clock.write_text(answers[0][1])
    col = Collection(job["collection"])
    try:
        results = run(col, clock, job, answers)
    finally:
        col.close()
    json.dump(results, sys.stdout)


def run(col: Collection, clock: Path, job: dict, answers: list) -> list[dict]:
    col.set_config("fsrs", True)
    prefs = col.get_preferences()
    prefs.scheduling.rollover = job["rollover"]
    col.set_preferences(prefs)
    conf = col.decks.config_dict_for_deck_id(1)
    conf["new"]["delays"] = [1.0, 10.0]
    conf["lapse"]["delays"] = [10.0]
    conf["desiredRetention"] = 0.9
    conf["rev"]["maxIvl"] = 36500
    conf["lapse"]["leechFails"] = 8
    conf["lapse"]["leechAction"] = 1  # tag only
    conf["new"]["perDay"] = 9999
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    basic = col.models.by_name("Basic")
    cards: dict[int, int] = {}
    results = []
    for sequence, moment, rating in answers:
        clock.write_text(moment)
        if sequence not in cards:
            note = col.new_note(basic)
            note["Front"] = f"card {sequence}"
            col.add_note(note, 1)
            cards[sequence] = note.card_ids()[0]
        card = col.get_card(cards[sequence])
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        # Anki numbers its ratings from 0 (Again); quizapp's grades from 1.
        answer = col.sched.build_answer(card=card, states=states, rating=rating - 1)
        col.sched.answer_card(answer)
        card.load()
        now = int(col.db.scalar("select cast(strftime('%s','now') as int)"))
        today = col.sched.today
        if card.queue == 1:  # learning, due at a second
            interval = {"secs": card.due - now}
        elif card.queue == 3:  # learning, due on a day
            interval = {"days": card.due - today}
        else:
            interval = {"days": card.ivl, "due_in": card.due - today}
        memory = card.memory_state
        results.append(
            {
                "type": card.type,
                "stability": memory.stability,
                "difficulty": memory.difficulty,
                "lapses": card.lapses,
                "leech": "leech" in card.note().tags,
                **interval,
            }
        )
    return results


if __name__ == "__main__":
    main()
