"""Study a quizapp deck in real Anki at chosen times, then export the collection.

Run as a separate process under libfaketime (see `run_anki`), because Anki's backend reads
the wall clock: before each answer the fake time file is rewritten. Anki's fuzz is off
(ANKI_TEST_MODE=1), FSRS is on, the day rolls over at 04:00 and the zone is UTC, as in
quizapp. Prints, as JSON, each answered note's review log and Anki's card state.

    python tests/anki_driver.py PLAN.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def run_anki(
    folder: Path,
    *,
    decks: Sequence[Path],
    answers: Sequence[tuple[datetime, str, int]],
    start: datetime,
    end: datetime,
    colpkg: bool = True,
    foreign_notes: int = 0,
) -> tuple[Path, dict[str, dict[str, object]]]:
    """Import `decks` into a fresh collection, answer (time, note GUID, rating) in Anki at
    those times, and export it; return the export and Anki's state of each card by GUID."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "collection").mkdir()
    clock = folder / "clock"
    _set_time(clock, start)
    export = folder / ("collection.colpkg" if colpkg else "collection.apkg")
    plan = {
        "clock": str(clock),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "collection": str(folder / "collection" / "collection.anki2"),
        "decks": [str(deck) for deck in decks],
        # In time order: a clock that goes back confuses Anki's cached study day.
        "answers": [(m.isoformat(), guid, rating) for m, guid, rating in sorted(answers)],
        "colpkg" if colpkg else "apkg": str(export),
        "foreign_notes": foreign_notes,
    }
    (folder / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    environment = {
        **os.environ,
        "TZ": "UTC",
        "ANKI_TEST_MODE": "1",
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
    }
    done = subprocess.run(
        [sys.executable, __file__, str(folder / "plan.json")],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return export, json.loads(done.stdout)["cards"]


def _set_time(clock: Path, moment: datetime) -> None:
    clock.write_text(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), encoding="utf-8")


def main(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    clock = Path(plan["clock"])
    _set_time(clock, datetime.fromisoformat(plan["start"]))

    from anki.collection import (
        Collection,
        ExportAnkiPackageOptions,
        ImportAnkiPackageRequest,
    )
    from anki.import_export_pb2 import ImportAnkiPackageOptions
    from anki.scheduler.v3 import CardAnswer

    col = Collection(plan["collection"])
    col.set_config("fsrs", True)
    preferences = col.get_preferences()
    preferences.scheduling.rollover = 4
    col.set_preferences(preferences)
    for deck in plan["decks"]:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=deck,
                options=ImportAnkiPackageOptions(merge_notetypes=True, with_scheduling=True),
            )
        )
    basic = col.models.by_name("Basic")
    for number in range(plan["foreign_notes"]):
        note = col.new_note(basic)
        note["Front"], note["Back"] = f"The learner's own card {number}", "Not from quizapp"
        col.add_note(note, col.decks.id("Own"))
    card_of = {
        col.get_note(col.get_card(card_id).nid).guid: card_id for card_id in col.find_cards("")
    }
    ratings = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}
    for when, guid, rating in plan["answers"]:
        _set_time(clock, datetime.fromisoformat(when))
        card = col.get_card(card_of[guid])
        card.start_timer()
        states = col._backend.get_scheduling_states(card.id)
        col.sched.answer_card(
            col.sched.build_answer(card=card, states=states, rating=ratings[rating])
        )

    _set_time(clock, datetime.fromisoformat(plan["end"]))
    result = {"cards": {}}
    for guid, card_id in card_of.items():
        card = col.get_card(card_id)
        revlog = col.db.all("select id, ease, type from revlog where cid = ? order by id", card_id)
        state = {
            "revlog": revlog,
            "type": int(card.type),
            "queue": int(card.queue),
            "due": card.due,
            "stability": card.memory_state.stability if card.memory_state else None,
            "difficulty": card.memory_state.difficulty if card.memory_state else None,
        }
        if card.type == 2 and card.queue == 2:  # a review card: due on a day
            state["due_day_start"] = col.sched.day_cutoff + (card.due - col.sched.today - 1) * 86400
        result["cards"][guid] = state
    if plan.get("colpkg"):
        col.export_collection_package(plan["colpkg"], include_media=False, legacy=False)
    else:
        col.export_anki_package(
            out_path=plan["apkg"],
            options=ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
            ),
            limit=None,
        )
        col.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
