"""What an article is about, and how stems speak of it.

The template's headings speak as if every topic were a procedure ("Why X used",
"When clinicians use it"); a stem must instead say what clinicians do with the topic:
consider a procedure, request a test, recognise a condition, use a symptom's label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class TopicKind(StrEnum):
    SYMPTOM = "symptom"
    CONDITION = "condition"
    INJURY = "injury"
    FINDING = "finding"
    TEST = "test"
    PROCEDURE = "procedure"


# Words that mark each kind, strongest first: in the title, then in the opening sentence.
_MARKERS: dict[TopicKind, tuple[str, ...]] = {
    TopicKind.TEST: (
        "mri",
        "ct",
        "x-ray",
        "x-rays",
        "radiograph",
        "ultrasound",
        "scan",
        "imaging",
        "test",
        "testing",
        "arthrogram",
        "biopsy",
        "study",
        "examination",
        "assessment",
        "screening",
        "diagnostic",
    ),
    TopicKind.PROCEDURE: (
        "replacement",
        "arthroplasty",
        "arthroscopy",
        "surgery",
        "operation",
        "procedure",
        "repair",
        "reconstruction",
        "injection",
        "fusion",
        "osteotomy",
        "release",
        "therapy",
        "treatment",
        "rehabilitation",
        "-ectomy",
        "-plasty",
        "-otomy",
    ),
    TopicKind.INJURY: (
        "injury",
        "fracture",
        "tear",
        "sprain",
        "strain",
        "dislocation",
        "rupture",
        "avulsion",
        "contusion",
        "trauma",
    ),
    TopicKind.SYMPTOM: (
        "pain",
        "ache",
        "stiffness",
        "swelling",
        "numbness",
        "weakness",
        "clicking",
        "catching",
        "locking",
        "instability",
        "limp",
        "symptom",
        "tingling",
    ),
    TopicKind.FINDING: (
        "finding",
        "sign",
        "effusion",
        "edema",
        "oedema",
        "deformity",
        "osteophyte",
        "narrowing",
        "lesion",
        "murmur",
    ),
    TopicKind.CONDITION: (
        "disease",
        "condition",
        "syndrome",
        "arthritis",
        "osteoarthritis",
        "disorder",
        "-itis",
        "-osis",
        "-opathy",
        "dysplasia",
        "impingement",
        "necrosis",
    ),
}
_WORD = re.compile(r"[a-z][a-z-]*")


def _hits(text: str, markers: tuple[str, ...]) -> int:
    words = _WORD.findall(text.casefold())
    count = 0
    for marker in markers:
        if marker.startswith("-"):
            count += sum(1 for word in words if word.endswith(marker[1:]))
        else:
            count += words.count(marker)
    return count


def detect_topic_kind(topic: str, opening: str) -> TopicKind:
    """Guess the kind from the title first, then from the article's opening sentence.

    In the title the last word decides ('Hip MRI' is a test, 'Posterior hip pain' a
    symptom); in the opening sentence the kind named after the topic does
    ('... is a long-term condition in which ...').
    """
    words = _WORD.findall(topic.casefold())
    for word in reversed(words):
        for kind, markers in _MARKERS.items():
            if _hits(word, markers):
                return kind
    first = opening.split(".", 1)[0]
    ranked = sorted(_MARKERS, key=lambda kind: -_hits(first, _MARKERS[kind]))
    if _hits(first, _MARKERS[ranked[0]]):
        return ranked[0]
    return TopicKind.CONDITION


@dataclass(frozen=True)
class Phrasing:
    """How stems speak of one kind of topic; `{t}` is the topic as written mid-sentence."""

    uses: str
    not_ideal: str
    why_use: str
    why_not: str
    purpose: str
    what_is: str


PHRASING: dict[TopicKind, Phrasing] = {
    TopicKind.PROCEDURE: Phrasing(
        uses="{T} is considered for",
        not_ideal="{T} may be unsuitable, postponed or planned differently with",
        why_use="why is {t} considered?",
        why_not="why may {t} be unsuitable or need a different plan?",
        purpose="What {t} offers",
        what_is="What is {t}?",
    ),
    TopicKind.TEST: Phrasing(
        uses="{T} is requested for",
        not_ideal="{T} may be unsafe, unnecessary or less informative with",
        why_use="why is {t} requested?",
        why_not="why may {t} be a poor choice?",
        purpose="What {t} shows",
        what_is="What is {t}?",
    ),
    TopicKind.SYMPTOM: Phrasing(
        uses="A presentation that fits the label {t}",
        not_ideal="The label {t} may hide the true source or urgency with",
        why_use="why does the label {t} help?",
        why_not="why may the label {t} be the wrong frame?",
        purpose="Why clinicians use the term {t}",
        what_is="What does {t} mean?",
    ),
    TopicKind.CONDITION: Phrasing(
        uses="A diagnosis of {t} is considered with",
        not_ideal="A diagnosis of {t} may be premature or the wrong focus with",
        why_use="why is a diagnosis of {t} considered?",
        why_not="why may a diagnosis of {t} be the wrong focus?",
        purpose="Why naming {t} helps",
        what_is="What is {t}?",
    ),
    TopicKind.INJURY: Phrasing(
        uses="{T} is suspected with",
        not_ideal="{T} may be the wrong working diagnosis with",
        why_use="why is {t} suspected?",
        why_not="why may {t} be the wrong working diagnosis?",
        purpose="Why recognising {t} matters",
        what_is="What is {t}?",
    ),
    TopicKind.FINDING: Phrasing(
        uses="Clinicians look for {t} with",
        not_ideal="{T} may mislead with",
        why_use="why do clinicians look for {t}?",
        why_not="why may {t} mislead?",
        purpose="What {t} tells clinicians",
        what_is="What is {t}?",
    ),
}
