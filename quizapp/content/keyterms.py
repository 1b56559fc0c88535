"""Choose the term a cloze should delete: the phrase of a sentence that carries its fact.

A clinical fact's answer is usually a technical noun phrase (a structure, test,
condition or finding), a quantity or time course, or an abbreviation. Technical
words are rare in general English, so a phrase is scored by the rarity of its
words in wordfreq's English frequency list; quantities and abbreviations score
high; words the learner is shown anyway (the topic, a heading, a label, or the
rest of the sentence) make a phrase a poor answer, because they give it away.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from lemminflect import getAllLemmas
from wordfreq import zipf_frequency

# A word: letters of any alphabet ('Tönnis') and digits, joined by hyphens, apostrophes,
# slashes and points ('MR-arthrogram', 'T1/T2', '1.5').
WORD = re.compile(r"[^\W_](?:[^\W_]|[-'’/.](?=[^\W_]))*")
_NUMBER_WORDS = (
    r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|a few|several|half an?"
)
_UNITS = (
    r"percent|%|seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|degrees|°|"
    r"tesla|T|mm|cm|kg|mg|ml|mL|mmHg|MHz|millimet(?:er|re)s?|centimet(?:er|re)s?|"
    r"(?:white )?cells|times|sessions|doses"
)
_SPANS_OF_TIME = r"(?:hours|days|weeks|months|years)"
QUANTITY = re.compile(
    rf"\b(?:(?:{_NUMBER_WORDS})(?:\s*(?:to|or|-|–|and)\s*(?:{_NUMBER_WORDS}))?\s+(?:{_UNITS})\b"
    rf"(?:\s+(?:per|a|an|each)\s+(?:second|minute|hour|day|week|month|year)\b)?"
    rf"|an? (?:day|week|month|year|hour) or two\b"
    rf"|{_SPANS_OF_TIME} (?:to|or) (?:a few |several )?{_SPANS_OF_TIME}\b)",
    re.IGNORECASE,
)
# Function words, plus words that qualify a fact rather than state it.
STOPWORDS = frozenset(
    """
    a about above after again against all also although always am among an and any are as at be
    because been before being below between both but by can could did do does doing done down
    during each either especially even ever every few for from further had has have having he
    her here hers him his how however i if in into is it its itself just less like likely many
    may me might more most much must my near neither no nor not now of off often on once only
    or other otherwise our out over own per perhaps rather same she should so some sometimes
    such than that the their them then there these they this those though through to too under
    until up upon us usually very was we well were what when where whether which while who whom
    whose why will with within without would yet you your commonly generally typically usually
    mainly mostly partly certain several various including include includes e.g i.e etc vs
    versus one ones may might can despite beside besides toward towards across along around
    behind beyond inside outside onto via unless whereas soon already unlike due
    """.split()
)
_MAX_WORDS = 6
_CONNECTORS = frozenset({"or", "and", "to"})
# Parts of a structure, named with it: 'head of the femur', 'hook of hamate'.
_PARTS = frozenset({"head", "neck", "hook", "base", "tip", "shaft", "body", "branch", "branches"})
_RARE = 6.0
RAREST = 4.5
_QUANTITY_SCORE = 5.5
URGENT = re.compile(
    r"\b(urgent(ly)?|emergency|promptly|immediately|red flags?|same[- ]day)\b", re.IGNORECASE
)
# Head nouns of named conditions, structures, findings, tests and treatments: a phrase
# ending in one names a clinical thing rather than describing a circumstance.
CLINICAL_HEADS = frozenset(
    """
    infection fracture tear embolism thrombosis necrosis osteonecrosis arthritis osteoarthritis
    syndrome dislocation instability impingement bursitis tendinopathy tendinitis strain sprain
    avulsion rupture nerve ligament tendon muscle cartilage labrum bone marrow spine disc
    tuberosity trochanter effusion edema deformity contracture sclerosis osteophyte dysplasia
    injection block test scan imaging mri x-ray ultrasound ct biopsy anesthetic anesthesia
    surgery osteotomy arthroplasty arthroscopy replacement revision therapy stiffness numbness
    weakness sensitization deconditioning diagnosis tumor cancer artifact contrast sequence
    insert component alloy implant arthrogram arthrography abscess fever
    """.split()
)


@dataclass(frozen=True)
class Span:
    """A phrase of a sentence: its character range and text."""

    start: int
    end: int
    text: str


@cache
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """A word's lemmas by part of speech ('VERB', 'NOUN', …), as lemminflect gives them."""
    return getAllLemmas(word.casefold())


@cache
def rarity(word: str) -> float:
    """How unusual a word is in general English: 0 for the commonest, up to 4.5.

    Words rarer than that (or unknown to the list) count alike: past a point,
    rarity says a word is technical, not that it matters more.
    """
    folded = word.casefold().replace("’", "'").removesuffix("'s")
    return min(RAREST, max(0.0, _RARE - zipf_frequency(folded, "en")))


@cache
def is_verb_or_adverb(word: str) -> bool:
    """The word can only be a verb or an adverb ('realigns', 'depends', 'largely').

    Such a word ends a noun phrase. Words ending in -ing stay in: as gerunds they
    name things ('Kneeling may stay uncomfortable').
    """
    folded = word.casefold()
    if folded.endswith("ing"):
        return False
    parts = set(lemmas(folded))
    if not parts and folded.endswith("ly"):
        # Unlisted adverbs: 'posteriorly' of 'posterior', 'diagnostically' of 'diagnostic'.
        root = folded[:-4] if folded.endswith("ally") else folded[:-2]
        return "ADJ" in lemmas(root) or "ADJ" in lemmas(folded[:-2])
    return bool(parts) and not parts & {"NOUN", "ADJ", "PROPN"}


@cache
def stem(word: str) -> str:
    """A crude stem, enough to see that 'fractures' repeats 'fracture'."""
    word = word.casefold()
    for suffix in ("ies", "es", "s", "ing", "ed", "al", "ic"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            root = word[: -len(suffix)]
            # 'scanning' -> 'scan', like 'scan'
            return root[:-1] if suffix in ("ing", "ed") and root[-1] == root[-2] else root
    return word


_HEAD_STEMS = frozenset(stem(word) for word in CLINICAL_HEADS)


@cache
def content_stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in WORD.findall(text) if w.casefold() not in STOPWORDS)


@cache
def _content_words(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """Each content word of a sentence as (start, end, stem)."""
    return tuple(
        (word.start(), word.end(), stem(word[0]))
        for word in WORD.finditer(sentence)
        if word[0].casefold() not in STOPWORDS
    )


def _stems_outside(sentence: str, span: Span) -> set[str]:
    """The content stems of the sentence around the span (the cue a learner sees)."""
    return {
        root
        for start, end, root in _content_words(sentence)
        if end <= span.start or start >= span.end
    }


def is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_proper(word: str, before: str) -> bool:
    """A capitalised word inside a sentence names something ('Ottawa ankle rules', 'the
    Crass position'); at the start of a sentence, a clause or a bracket it may not."""
    inside = bool(before.strip()) and before.rstrip()[-1] not in ".:;!?(“\"'‘"
    return inside and re.fullmatch(r"[A-Z][a-zà-ÿ’']{2,}", word) is not None


def _phrases(sentence: str) -> list[Span]:
    """Maximal runs of content words, split at punctuation and function words.

    'or', 'and' and 'to' may join two content words ('cam or pincer morphology',
    '15 to 20 years'); a run never crosses a comma, bracket or other punctuation.
    """
    words = list(WORD.finditer(sentence))
    spans: list[Span] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and run[-1][0].casefold() in STOPWORDS:
            run.pop()
        if run:
            start, end = run[0].start(), run[-1].end()
            spans.append(Span(start, end, sentence[start:end]))
            # 'Suspected femoral neck stress fracture', 'Reviewing earlier X-rays': the
            # fact is what was suspected or reviewed.
            if len(run) >= 2 and run[0][0].casefold().endswith(("ed", "ing")):
                start = run[1].start()
                spans.append(Span(start, end, sentence[start:end]))
        run.clear()

    for index, word in enumerate(words):
        gap = sentence[run[-1].end() : word.start()] if run else ""
        folded = word[0].casefold()
        joined = not gap.strip() or gap.strip() in ("-", "–")
        if run and not joined:
            close()
        if folded not in STOPWORDS and (
            is_verb_or_adverb(folded) or (run and _acts_as_verb(run[-1][0], word[0]))
        ):
            close()
            continue
        if folded in STOPWORDS:
            following = words[index + 1] if index + 1 < len(words) else None
            bridges = (
                folded in _CONNECTORS
                and run
                and following is not None
                and following[0].casefold() not in STOPWORDS
                and not sentence[word.end() : following.start()].strip()
                and (folded != "to" or (_is_number(run[-1][0]) and _is_number(following[0])))
            )
            # 'hook of hamate', 'infrapatellar branch of the saphenous nerve': a part of
            # a named structure is named with it.
            part_of = (
                run
                and following is not None
                and not sentence[word.end() : following.start()].strip()
                and (
                    (folded == "of" and run[-1][0].casefold() in _PARTS)
                    or (folded == "the" and run[-1][0].casefold() == "of")
                )
                and (following[0].casefold() not in STOPWORDS or following[0].casefold() == "the")
            )
            if bridges or part_of:
                run.append(word)
                continue
            close()
            continue
        run.append(word)
    close()
    return spans


def _is_number(word: str) -> bool:
    return bool(re.fullmatch(rf"\d+(?:\.\d+)?|{_NUMBER_WORDS}", word, re.IGNORECASE))


def _acts_as_verb(previous: str, word: str) -> bool:
    """After a noun, a word that may be a verb most likely is one when its form says so:
    a participle ('coil placed', 'MRI depending') or a plain form after a plural or
    a list of abbreviations ('implants cause', 'FADIR or FABER help')."""
    folded = word.casefold()
    parts = set(lemmas(folded))
    if "VERB" not in parts:
        return False
    if folded.endswith("ed"):
        return True
    if folded.endswith("ing"):
        return "NOUN" not in parts
    plural = previous.casefold().endswith("s") and not previous.casefold().endswith(
        ("ss", "us", "is")
    )
    plural = plural or is_acronym(previous)
    return plural and not folded.endswith("s") and not word[0].isupper()


@cache
def _could_be_noun(word: str) -> bool:
    parts = set(lemmas(word.casefold()))
    gerund = word.casefold().endswith("ing")
    return is_acronym(word) or gerund or not parts or bool(parts & {"NOUN", "PROPN"})


@cache
def could_be_verb(word: str) -> bool:
    folded = word.casefold()
    return not folded.endswith("ing") and "VERB" in lemmas(folded)


def _subspans(span: Span, sentence: str) -> list[Span]:
    """The span, its windows when it is longer than _MAX_WORDS words, and its parts
    either side of a word that may be a verb ('FABER help focus': 'FABER', 'focus') or of
    a joining 'and' or 'or' ('sciatic nerve and nearby branches')."""
    words = list(WORD.finditer(span.text))
    result = [span] if len(words) <= _MAX_WORDS else []
    for index, word in enumerate(words):
        joins = word[0].casefold() in ("and", "or")
        if index == 0 or not (joins or could_be_verb(word[0])):
            continue
        # 'signal complex regional pain syndrome': the word may open the name instead.
        opening = [] if joins else words[index:]
        for part in (words[:index], words[index + 1 :], opening):
            while part and part[0][0].casefold() in STOPWORDS:
                part = part[1:]
            while part and part[-1][0].casefold() in STOPWORDS:
                part = part[:-1]
            if part and len(part) <= _MAX_WORDS:
                start, end = span.start + part[0].start(), span.start + part[-1].end()
                result.append(Span(start, end, sentence[start:end]))
    if len(words) <= _MAX_WORDS:
        return result
    for size in range(2, _MAX_WORDS + 1):
        for first in range(len(words) - size + 1):
            last = first + size - 1
            if words[first][0].casefold() in STOPWORDS or words[last][0].casefold() in STOPWORDS:
                continue
            start = span.start + words[first].start()
            end = span.start + words[last].end()
            result.append(Span(start, end, sentence[start:end]))
    return result


_FINITE = re.compile(
    r"\b(is|are|was|were|can|may|might|will|would|should|must|has|have|does|do)\b", re.IGNORECASE
)
_ABBREVIATION = re.compile(r"\s\(([A-Z][A-Za-z]{1,6})\)")


def candidates(sentence: str) -> list[Span]:
    """Every phrase a cloze of this sentence could delete, quantities first.

    A phrase followed by its abbreviation ('deep vein thrombosis (DVT)') is also
    offered with it, since together they name one thing.
    """
    found = [Span(m.start(), m.end(), m[0]) for m in QUANTITY.finditer(sentence)]
    taken = [(s.start, s.end) for s in found]
    for phrase in _phrases(sentence):
        for span in _subspans(phrase, sentence):
            if not any(a < span.end and span.start < b for a, b in taken):
                found.append(span)
                abbreviation = _ABBREVIATION.match(sentence, span.end)
                if abbreviation and len(span.text.split()) >= 2:
                    end = abbreviation.end()
                    found.append(Span(span.start, end, sentence[span.start : end]))
    return found


_NAME = re.compile(r"^[^.:]{1,60}[.:]\s")


def _in_aside(sentence: str, span: Span) -> bool:
    """The span sits in brackets: an aside, an example or a gloss of the phrase before.

    Brackets inside an entry's name are part of the name: 'Local tissue pain
    (nociceptive pain). Irritation, ...'.
    """
    opening = sentence.rfind("(", 0, span.start)
    if opening < 0 or sentence.find(")", opening) < span.end:
        return False
    name = _NAME.match(sentence)
    return name is None or opening > name.end()


def score(span: Span, sentence: str, *, shown: set[str], frequency: Mapping[str, int]) -> float:
    """How well deleting `span` tests the sentence's fact; 0 or less: not worth asking.

    `shown` holds the stems of words the learner sees around the sentence (topic,
    heading, label): a phrase made of them asks nothing. `frequency` counts the
    article's sentences that use each stem: a word on every line is the topic's
    vocabulary, not this sentence's fact.
    """
    if QUANTITY.fullmatch(span.text):
        return _QUANTITY_SCORE
    words = WORD.findall(span.text)
    content = [w for w in words if w.casefold() not in STOPWORDS]
    if not content:
        return 0.0
    rest = _stems_outside(sentence, span)
    weights = []
    for match in WORD.finditer(span.text):
        word = match[0]
        if word.casefold() in STOPWORDS:
            continue
        root = stem(word)
        named = is_acronym(word) or any(c.isdigit() for c in word)
        named = named or _is_proper(word, sentence[: span.start + match.start()])
        weight = RAREST if named else rarity(word)
        if root in shown:
            weight *= 0.1
        if root in rest:
            weight *= 0.2
        uses = frequency.get(root, 0)
        if uses > 2:
            weight /= 1 + 0.08 * (uses - 2)
        weights.append(weight)
    strongest = max(weights)
    # Each further word adds a little: a phrase names a thing more exactly than a word.
    value = strongest + 0.35 * (sum(min(w, 2.0) for w in weights) - min(strongest, 2.0))
    if (
        len(content) == 1
        and content[0].casefold().endswith("ing")
        and not _FINITE.match(sentence, span.end + 1)
    ):
        value *= 0.6  # an action ('Assessing'), unless it is what the sentence is about
    elif len(content) == 1 and not _could_be_noun(content[0]):
        value *= 0.7  # a quality ('persistent') asks less than the thing it qualifies
    value -= 0.2 * (len(content) - 1)
    if len(content) > 4:
        value -= 0.3 * (len(content) - 4)
    abbreviated = _ABBREVIATION.search(span.text) is not None
    head = content[-2] if abbreviated and len(content) > 1 else content[-1]
    if stem(head) in _HEAD_STEMS:
        value += 0.8
    if abbreviated:
        value += 0.8  # a phrase with its abbreviation names one thing
    if re.search(r"\bthan\s+$", sentence[: span.start]):
        value -= 1.5
    if _in_aside(sentence, span):
        value *= 0.6
    return value


def stem_frequency(sentences: Iterable[str]) -> Counter[str]:
    """How many of the sentences use each content stem."""
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update(content_stems(sentence))
    return counts


_AUXILIARY = re.compile(
    r"\b(is|are|was|were|be|been|can|may|might|will|would|should|must|has|have|had|does|do|"
    r"did)\b",
    re.IGNORECASE,
)


def has_finite_verb(text: str) -> bool:
    """Whether the text is a clause rather than a fragment: an auxiliary, or after its
    first word a word that can only be a verb ('suggest'), or a verb's -s or -ed form
    ('reduces', 'placed')."""
    if _AUXILIARY.search(text):
        return True
    words = WORD.findall(text)
    for previous, word in pairwise(words):
        folded = word.casefold()
        parts = set(lemmas(folded))
        if "VERB" not in parts or folded.endswith("ing"):
            continue
        if not parts & {"NOUN", "ADJ", "PROPN"}:
            return True
        # 'the coil placed' is a clause; 'for selected flares' qualifies a noun.
        if folded.endswith("ed") and previous.casefold() not in STOPWORDS:
            return True
        if folded.endswith("s") and not folded.endswith("ss") and "NOUN" not in parts:
            return True
    return False
