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
    """How stems speak of one kind of topic; `{t}` is the topic as written mid-sentence,
    `{T}` the same capitalised."""

    what_is: str
    uses: str  # the lead-in of a question whose answer is an indication
    not_ideal: str  # ... whose answer is a contraindication
    why_use: str
    why_not: str
    pro: str | None  # None: the topic has no advantages of its own
    con: str | None
    purpose: str  # frames a statement of the purpose section
    workup: str  # frames a statement of the procedure section
    aftercare: str  # frames a statement of the aftercare section


def _phrasing(
    *,
    uses: str,
    not_ideal: str,
    why_use: str,
    why_not: str,
    pro: str | None,
    con: str | None,
    purpose: str,
    workup: str = "{T}, {step}",
    aftercare: str = "{T}, outlook and recovery",
    what_is: str = "What is {t}?",
) -> Phrasing:
    return Phrasing(
        what_is, uses, not_ideal, why_use, why_not, pro, con, purpose, workup, aftercare
    )


PHRASING: dict[TopicKind, Phrasing] = {
    TopicKind.PROCEDURE: _phrasing(
        uses="Which patient is a typical candidate for {t}?",
        not_ideal="Which situation makes {t} unsuitable or calls for a different plan?",
        why_use="why is {t} considered?",
        why_not="why may {t} be unsuitable or need a different plan?",
        pro="Which is an advantage of {t}?",
        con="Which is a drawback of {t}?",
        purpose="What {t} offers",
        aftercare="{T}, recovery and aftercare",
    ),
    TopicKind.TEST: _phrasing(
        uses="In which situation is {t} typically requested?",
        not_ideal="In which situation is {t} unsafe, unnecessary or unlikely to help?",
        why_use="why is {t} requested?",
        why_not="why may {t} be a poor choice?",
        pro="Which is an advantage of {t}?",
        con="Which is a limitation of {t}?",
        purpose="What {t} shows",
        aftercare="After {t}",
    ),
    TopicKind.SYMPTOM: _phrasing(
        uses="Which presentation is typically described as {t}?",
        not_ideal="Which presentation points away from {t} as the working frame?",
        why_use="why does it fit {t}?",
        why_not="why does it point away from {t}?",
        purpose="Why clinicians use the term {t}",
        what_is="What does {t} mean?",
        workup="Evaluating {t}, {step}",
        # A symptom's label has no advantages or drawbacks a clinician needs to know.
        pro=None,
        con=None,
    ),
    TopicKind.CONDITION: _phrasing(
        uses="In which presentation should clinicians consider {t}?",
        not_ideal="In which presentation may a diagnosis of {t} be premature or the wrong focus?",
        why_use="why is a diagnosis of {t} considered?",
        why_not="why may a diagnosis of {t} be the wrong focus?",
        pro="Which is a benefit of diagnosing {t}?",
        con="Which is a limitation of a diagnosis of {t}?",
        purpose="Why naming {t} helps",
        workup="Diagnosing {t}, {step}",
    ),
    TopicKind.INJURY: _phrasing(
        uses="In which situation should clinicians suspect {t}?",
        not_ideal="In which presentation may {t} be the wrong working diagnosis?",
        why_use="why is {t} suspected?",
        why_not="why may {t} be the wrong working diagnosis?",
        pro="Which is a benefit of diagnosing {t}?",
        con="Which is a limitation of a diagnosis of {t}?",
        purpose="Why recognising {t} matters",
        workup="Managing {t}, {step}",
    ),
    TopicKind.FINDING: _phrasing(
        uses="In which situation do clinicians look for {t}?",
        not_ideal="In which situation may {t} mislead?",
        why_use="why do clinicians look for {t}?",
        why_not="why may {t} mislead?",
        purpose="What {t} tells clinicians",
        workup="Evaluating {t}, {step}",
        pro="Which is a benefit of recognising {t}?",
        con="Which is a pitfall in assessing {t}?",
    ),
}

# Kinds whose article is about a label for a presentation, not a thing done to a patient.
LABEL_KINDS = frozenset(
    {TopicKind.SYMPTOM, TopicKind.FINDING, TopicKind.CONDITION, TopicKind.INJURY}
)
