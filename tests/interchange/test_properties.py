"""Any text quizapp can hold comes back unchanged from every format that carries its kind."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp import interchange
from quizapp.content.bank import Bank, Question
from tests.interchange.samples import carried
from tests.interchange.strategies import questions, valid


@settings(max_examples=300, deadline=None)
@given(st.lists(questions().filter(valid), min_size=1, max_size=6, unique_by=lambda q: q.id))
def test_every_format_gives_back_what_it_holds(drawn: list[Question]) -> None:
    bank = Bank(id="prop", topic="Hip/knee: {x}", article="prop.txt", questions=tuple(drawn))
    for name, fmt in interchange.FORMATS.items():
        exported = interchange.write(bank, fmt)
        result = interchange.read(f"prop{fmt.extension}", exported.text.encode("utf-8"))
        skipped = {entry.item.removeprefix("question ") for entry in exported.skipped}
        kept = [q for q in drawn if q.id not in skipped]
        assert result.skipped == (), (name, result.skipped)
        if name in ("yaml", "json"):
            assert list(result.questions) == kept
        else:
            assert [carried(q) for q in result.questions] == [carried(q) for q in kept], name
