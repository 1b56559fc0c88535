"""Banks for the interchange tests, and gift-pegjs run on GIFT text."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.content.bankfile import load_bank
from tests.small_bank import KINDS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CARDS = sorted((ROOT / "cards").glob("*.yaml"))

SMALL = Bank(id="small", topic="Small hip bank", article="small.txt", questions=KINDS)

_SOURCE = ("Anything.",)
# Text that GIFT, XML, HTML and CSV each treat specially, in every field that carries text.
TRICKY = Bank(
    id="tricky",
    topic="Hip/knee: {odd} names",
    article="tricky.txt",
    questions=(
        Question(
            id="tricky-basic",
            kind=Kind.BASIC,
            section=Section.PROS_CONS,
            prompt="Ratio 1:2 = {half}? ~approx #3, back\\slash",
            answer="=2 {or} ~3 # 4: yes \\ no",
            explanation="Line one.\nLine two: a=b & c<d",
            tags=("a:b", "x=y"),
            source=_SOURCE,
        ),
        Question(
            id="tricky-mcq",
            kind=Kind.MCQ,
            section=Section.FAQ,
            prompt="Which is <b>bold</b> & 'quoted', \"double\"?",
            options=("A = B", "C ~ D", "E # F", "{G}", "H: I", "Über-ß → 5%"),
            answer="{G}",
            explanation="Because {G} is braced.",
            tags=("quiz",),
            source=_SOURCE,
        ),
        Question(
            id="tricky-true-false",
            kind=Kind.TRUE_FALSE,
            section=Section.FAQ,
            prompt="T is true: 1 = 1 # always",
            answer="True",
            explanation="Equality ~ identity.",
            source=_SOURCE,
        ),
        Question(
            id="tricky-cloze",
            kind=Kind.CLOZE,
            section=Section.MECHANISM,
            prompt="Key: the {{c1::L4-L5 = disc}} level ~ often {0} #1.",
            explanation="A cloze with every special character.",
            tags=("spine",),
            source=_SOURCE,
        ),
        Question(
            id="tricky-matching",
            kind=Kind.MATCHING,
            section=Section.TYPES,
            prompt="Match {each}: term = meaning",
            pairs=(
                Pair("Type #1", "ratio 1:2"),
                Pair("Type ~2", "a = b"),
                Pair("Type {3}", "back\\slash"),
            ),
            explanation="Pairs keep their escapes.",
            source=_SOURCE,
        ),
        Question(
            id="tricky-ordering",
            kind=Kind.ORDERING,
            section=Section.PROCEDURE,
            prompt="Order: <first> & then",
            sequence=("Step #1: look", "Step ~2 = feel", "Step {3}"),
            source=_SOURCE,
        ),
    ),
)


def carried(question: Question) -> Question:
    """What the exchange formats carry: everything but the source, the fact and the date."""
    return replace(question, source=(), fact="", changed=None)


def demo_banks() -> list[Bank]:
    return [load_bank(path) for path in CARDS]


NODE = shutil.which("node") or "/usr/bin/node"
PARSER = HERE / "parse_gift.js"


def gift_pegjs(text: str) -> list[dict[str, Any]]:
    """GIFT text as gift-pegjs parses it (installed by scripts/test with npm ci)."""
    if not (HERE / "node_modules" / "gift-pegjs").is_dir():
        pytest.fail("gift-pegjs is not installed: run `npm ci --prefix tests/interchange`")
    done = subprocess.run(
        [NODE, str(PARSER)], input=text, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, f"gift-pegjs refused the export: {done.stdout} {done.stderr}"
    return json.loads(done.stdout)
