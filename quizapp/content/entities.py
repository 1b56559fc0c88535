"""The named clinical things an article mentions, by class, for homogeneous options.

A multiple-choice item is fair when every option is the same class of thing (four
structures, four tests) and each distractor is plausible yet wrong. The article's own
named entities are the pool: a phrase ending in a head noun of a class ('ischial
tuberosity', 'sciatic nerve', 'pulmonary embolism') names a thing of that class.
Quantities ('15 to 20 years') get distractors made by changing their numbers or units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import pairwise

from quizapp.content.keyterms import (
    QUANTITY,
    RAREST,
    STOPWORDS,
    WORD,
    Span,
    candidates,
    content_stems,
    could_be_verb,
    has_finite_verb,
    is_acronym,
    is_verb_or_adverb,
    lemmas,
    rarity,
    stem,
)
from quizapp.content.text import normalise, ranked


class EntityClass(StrEnum):
    STRUCTURE = "structure"
    TEST = "test"
    CONDITION = "condition"
    TREATMENT = "treatment"
    SYMPTOM = "symptom or finding"


_HEADS: dict[EntityClass, str] = {
    EntityClass.STRUCTURE: """
        joint joints bone bones nerve nerves tendon tendons muscle muscles ligament ligaments
        bursa bursae cartilage labrum capsule spine pelvis tuberosity trochanter femur tibia
        fibula patella kneecap meniscus menisci fascia artery arteries vein veins disc discs
        vertebra vertebrae sacrum acetabulum condyle malleolus talus calcaneus heel tunnel
        retinaculum sheath root roots cord plexus synovium membrane hamstring hamstrings
        quadriceps rotators cuff compartment marrow socket neck pelvis ribs wrist ankle
        gluteus minimus medius maximus aponeurosis arch labral origin insertion branch
        syndesmosis synchondrosis symphysis apophysis epiphysis physis
        branches fat pad tissues tissue region
        """,
    EntityClass.TEST: """
        mri ct x-ray x-rays xray radiograph radiographs radiography ultrasound sonography
        scan scans scanning arthrogram arthrography biopsy test tests sequence sequences
        imaging study studies electromyography emg crp esr aspiration examination exam
        manoeuvre maneuver arthrograms doppler tool rules score stain culture
        """,
    EntityClass.CONDITION: """
        fracture fractures tear tears rupture ruptures sprain sprains strain strains
        dislocation dislocations infection infections embolism thrombosis necrosis
        osteonecrosis syndrome disease disorder dysplasia impingement deformity contracture
        tumor tumors tumour tumours cancer lesion lesions injury injuries osteoporosis
        arthritis osteoarthritis bursitis tendinopathy tendinitis tendinosis neuropathy
        stenosis herniation spondylolisthesis reaction collapse loosening instability
        fasciitis sciatica radiculopathy gout diabetes obesity spur spurs cyst cysts
        hemarthrosis lipohemarthrosis
        """,
    EntityClass.TREATMENT: """
        surgery surgeries osteotomy arthroplasty arthroscopy replacement replacements revision
        injection injections block blocks therapy physiotherapy rehabilitation exercises
        brace bracing splint splints splinting cast casting medication medications
        anti-inflammatories nsaids analgesics anesthetic anaesthetic anticoagulants
        anticoagulation release repair reconstruction fusion decompression manipulation
        immobilization immobilisation crutches orthotics insoles taping stretching
        strengthening implant implants component components insert prosthesis
        opioids opioid paracetamol acetaminophen antibiotics antibiotic steroid steroids
        corticosteroid corticosteroids lidocaine epinephrine gadolinium medicine medicines
        drug drugs washout fasciotomy tenotomy
        """,
    EntityClass.SYMPTOM: """
        pain stiffness numbness tingling weakness swelling fever redness warmth clicking
        locking catching limp bruising tenderness effusion edema oedema ache aching spasm
        spasms crepitus popping giving-way
        """,
}
_CLASS_OF_HEAD: dict[str, EntityClass] = {
    stem(word): kind for kind, words in _HEADS.items() for word in words.split()
}
_SUFFIXES: tuple[tuple[str, EntityClass], ...] = (
    ("itis", EntityClass.CONDITION),
    ("opathy", EntityClass.CONDITION),
    ("osis", EntityClass.CONDITION),
    ("ectomy", EntityClass.TREATMENT),
    ("otomy", EntityClass.TREATMENT),
    ("plasty", EntityClass.TREATMENT),
    ("scopy", EntityClass.TEST),
    ("graphy", EntityClass.TEST),
    ("gram", EntityClass.TEST),
)
_NOT_CONDITIONS = frozenset({"diagnosis", "prognosis", "osis"})
_ABBREVIATION = re.compile(r"\s*\(([A-Z][A-Za-z0-9]{1,6})\)$")
# Words that qualify a thing rather than name it: 'suspected fracture' is a fracture.
_QUALIFIERS = frozenset(
    """
    suspected possible significant clearly predominant mild severe small large new
    prior previous recent known underlying persistent ongoing early late local focal
    certain specific common rare other additional further sudden gradual progressive
    worsening increasing initial standard typical usual main primary different similar
    predominantly associated related nearby surrounding affected involved simple
    multiple many various several higher lower durable well-fixed long-lasting better
    worse good poor reliable major minor main key important serious frequent routine
    unnecessary appropriate detailed initial obvious clear
    """.split()
)
_MIN_RARITY = 2.0
# A bracket beside a term, glossing it: 'edema (excess fluid)', 'knock-kneed (valgus)'.
GLOSS = re.compile(r"\s*\([^()]*\)")
_GENERIC_MODIFIER = 2.5
# Heads too general to name a thing alone: 'tissues', 'imaging', 'pain'.
_GENERIC = frozenset(
    """
    tissue tissues region regions area imaging test tests study studies exam examination
    scan scans pain injury injuries surgery therapy treatment sequence sequences tendon
    medicine medicines medication medications drug drugs
    tendons muscle muscles bone bones joint joints nerve nerves structure structures
    """.split()
)
# How large a quantity of each unit can plausibly be.
_LIMITS = {
    "percent": 100,
    "%": 100,
    "minute": 240,
    "second": 600,
    "hour": 72,
    "day": 60,
    "week": 52,
    "month": 36,
    "year": 60,
    "degree": 180,
}


def classify(phrase: str) -> EntityClass | None:
    """The class of thing a phrase names, from its head noun; None if it names none."""
    text = _ABBREVIATION.sub("", phrase.strip())
    words = WORD.findall(text)
    if not words:
        return None
    if len(words) == 1 and words[0].isupper() and len(words[0]) >= 2:
        return _CLASS_OF_HEAD.get(stem(words[0]))
    head = words[-1].casefold()
    if head.endswith("ed"):  # 'strained' describes; it names nothing
        return None
    found = _CLASS_OF_HEAD.get(stem(head))
    if found is not None:
        return found
    if head in _NOT_CONDITIONS:
        return None
    for suffix, kind in _SUFFIXES:
        if head.endswith(suffix) and len(head) > len(suffix) + 3:
            return kind
    return None


def is_named(phrase: str) -> bool:
    """Whether a phrase names a thing precisely enough to be asked: a technical word,
    an abbreviation, or a clinical head with a qualifying word ('sciatic nerve')."""
    words = [w for w in WORD.findall(phrase) if w.casefold() not in STOPWORDS]
    if not words or (len(words) == 1 and words[0].casefold() in _GENERIC):
        return False
    if is_verb_or_adverb(words[-1]) and not is_acronym(words[-1]):
        return False  # 'felt posteriorly', 'axons regrow': a clause, not a name
    if any(w.isupper() and len(w) >= 2 for w in words):
        return True
    technical = max(rarity(w) for w in words)
    if words[-1].casefold() in _GENERIC and technical < _GENERIC_MODIFIER:
        return False  # 'diagnostic test', 'heel bone': a general head, plainly qualified
    if classify(phrase) is None:
        return technical >= 3.0
    # 'complex regional pain syndrome': plain words, but three of them qualify the head.
    return technical >= _MIN_RARITY or len(words) >= 4


def is_rare_term(phrase: str) -> bool:
    """Whether a phrase is worth recalling unprompted, as a cloze: a named thing of a
    known class ('anterior cruciate ligament'), an abbreviation, or a word so rare it is
    technical on its own ('polymethyl methacrylate'); not 'injectables' or 'felt
    posteriorly'."""
    if not is_named(phrase):
        return False
    words = WORD.findall(_ABBREVIATION.sub("", phrase))
    if classify(phrase) is not None or (len(words) == 1 and is_acronym(words[0])):
        return True
    return max((rarity(word) for word in words), default=0.0) >= RAREST


@dataclass(frozen=True)
class Entity:
    text: str
    kind: EntityClass
    sentences: frozenset[int]

    @property
    def key(self) -> str:
        return normalise(_ABBREVIATION.sub("", self.text))


_VERB_BEFORE = re.compile(
    r"\b(?:can|may|might|will|would|should|must|to|and|or|also|often|which|that)\s+$",
    re.IGNORECASE,
)
# After a determiner a word opens a noun phrase: 'the transverse carpal ligament'.
_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|a|an|its|their|this|that|these|those|each|every|any|his|her|your)\s+$",
    re.IGNORECASE,
)


def _takes_object(first: str, following: str) -> bool:
    """A leading word that is a verb with its object after it ('need crutches', 'causes
    arthritis', 'change lumbar spine'), not the first noun of a compound ('strain
    injury'): a verb's -s form, or a verb before an adjective or a plural."""
    if not could_be_verb(first):
        return False
    plural = following.casefold().endswith("s") and not following.casefold().endswith("ss")
    adjective = "ADJ" in lemmas(following.casefold())
    return verb_form(first) or plural or adjective


def _after_verb(before: str) -> bool:
    """The text ends in a verb after a modal or 'to' ('may signal ', 'to replace ')."""
    last = re.search(r"([A-Za-z’'-]+)\s+$", before)
    return (
        last is not None
        and could_be_verb(last[1])
        and _MODAL_BEFORE.search(before[: last.start()]) is not None
    )


_MODAL_BEFORE = re.compile(r"\b(?:can|may|might|will|would|should|must|to)\s+$", re.IGNORECASE)


def trimmed(span: Span, sentence: str) -> Span:
    """The phrase without leading qualifiers or verbs: 'suspected femoral neck stress
    fracture' names 'femoral neck stress fracture', 'can change lumbar spine' 'lumbar spine'."""
    words = span.text.split()
    before = sentence[: span.start]
    while len(words) > 1:
        first = words[0]
        # After a determiner, or after a verb ('may signal complex regional pain
        # syndrome'), a word opens a noun phrase.
        opens = _DETERMINER_BEFORE.search(before) is not None or _after_verb(before)
        verb = could_be_verb(first) and _VERB_BEFORE.search(before) is not None
        if not (
            first.casefold() in _QUALIFIERS
            or is_verb_or_adverb(first)
            or (not opens and (verb or _takes_object(first, words[1])))
            or first.casefold().endswith("ing")
        ):
            break
        before = f"{before}{first} "
        words = words[1:]
    text = " ".join(words).lstrip("–—-• ")
    start = span.start + span.text.find(text)
    return Span(start, start + len(text), text)


_GLUE = re.compile(r"[A-Za-z0-9’'-]+")


def _joins(word: str) -> bool:
    """Whether a word next to a phrase would be part of the same noun phrase: a content
    word that can be a noun or adjective and is not a verb's form."""
    folded = word.casefold()
    if folded in STOPWORDS or folded.endswith(("ing", "ed", "ly")):
        return False
    return not could_be_verb(word) or (not is_verb_or_adverb(word) and not folded.endswith("s"))


def whole_phrase(sentence: str, start: int, end: int) -> bool:
    """Whether [start, end) is a whole noun phrase, not a piece of a longer one:
    'femoral neck' in 'femoral neck fracture' or 'wave therapy' in 'shock wave therapy'
    is a piece."""
    before = re.search(r"([A-Za-z0-9’'-]+) $", sentence[:start])
    after = re.match(r" ([A-Za-z0-9’'-]+)(?: ([A-Za-z0-9’'-]+))?", sentence[end:])
    if before and _joins(before[1]) and not _after_verb(sentence[:start]):
        return False
    if (
        before
        and before[1].endswith("ed")
        and _DETERMINER_BEFORE.search(sentence[: before.start()])
    ):
        return False  # 'any fixed […]': a participle after a determiner qualifies the noun
    if not after:
        return True
    words = sentence[start:end].split()
    last = words[-1]
    if _modifier(last) and after[1].casefold() not in STOPWORDS:
        return False  # 'labral' in 'labral tears'
    if _subject_then_verb(last, after[1]):
        return True  # 'the Ottawa ankle rules help decide'
    if len(words) > 1 and _adjective(last):
        return False  # 'leave the joint achy': a noun and what it is left, not a name
    if _plural(after[1]) and could_be_verb(after[1]) and after[2]:
        # 'Ottawa ankle rules help': the plural noun ends the phrase; 'MRI shows the' is a verb
        following = after[2]
        return not (could_be_verb(following) and not following.casefold().endswith("s"))
    return not _joins(after[1])


def _modifier(word: str) -> bool:
    """A word that qualifies the noun after it: an adjective ('early') or a word with an
    adjective's ending ('labral', 'femoral', 'sciatic')."""
    folded = word.casefold()
    return _adjective(word) or (
        len(folded) > 5
        and folded.endswith(("al", "ar", "ic", "ous", "ive"))
        and folded[:1].isalpha()
    )


def is_plural(phrase: str) -> bool:
    """Whether a noun phrase is plural by its last word: 'medicines', 'X-rays'."""
    words = WORD.findall(_ABBREVIATION.sub("", phrase))
    last = words[-1].casefold() if words else ""
    return (
        not is_acronym(words[-1] if words else "")
        and last.endswith("s")
        and not last.endswith(("ss", "us", "is"))
    )


def number_shows(after: str) -> bool:
    """Whether the words after a gap show its grammatical number: a word that may be a
    verb follows the phrase ('[…] cause drowsiness', '[…] is removed')."""
    following = re.match(r"\s*([A-Za-z’'-]+)", after)
    if following is None:
        return False
    word = following[1]
    forms = lemmas(word.casefold())
    return "AUX" in forms or could_be_verb(word)


def _plural(word: str) -> bool:
    folded = word.casefold()
    return folded.endswith("s") and not folded.endswith(("ss", "us", "is")) and word[:1].islower()


# A name and another for it in brackets: 'the patella (kneecap)'.
_SYNONYM = re.compile(r"((?:[\w’'-]+ ){0,2}[\w’'-]+) \(([A-Za-z][\w’' -]{2,30})\)")


def _whole_word(text: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(text)}\b")


def _bare(phrase: str) -> str:
    """A phrase without leading function words, normalised: 'of the femur' -> 'femur'."""
    words = normalise(phrase).split()
    while words and words[0] in STOPWORDS:
        words = words[1:]
    return " ".join(words)


class Inventory:
    """Every named entity of an article, by class, with the sentences that mention it."""

    def __init__(self, sentences: Sequence[str]) -> None:
        found: dict[str, tuple[str, EntityClass, set[int]]] = {}
        for index, sentence in enumerate(sentences):
            for span in candidates(sentence):
                if QUANTITY.fullmatch(span.text) or re.search(r"\b(or|and)\b", span.text):
                    continue
                cut = trimmed(span, sentence)
                text = cut.text
                if not whole_phrase(sentence, cut.start, cut.end):
                    continue
                kind = classify(text)
                if kind is None or len(text.split()) > 5 or not is_named(text):
                    continue
                key = normalise(_ABBREVIATION.sub("", text))
                entry = found.setdefault(key, (text, kind, set()))
                entry[2].add(index)
        self.entities = [
            Entity(text, kind, frozenset(indices)) for text, kind, indices in found.values()
        ]
        # 'the patella (kneecap)', 'avascular necrosis (osteonecrosis)': one thing, two names.
        # The name may carry a qualifier ('suspected avascular necrosis'): each ending of it
        # is taken.
        pairs = {
            (" ".join(words[at:]), other)
            for sentence in sentences
            for m in _SYNONYM.finditer(sentence)
            if (words := _bare(m[1]).split()) and (other := _bare(m[2]))
            for at in range(len(words))
            if " ".join(words[at:]) != other
        }
        self._names = [
            (_whole_word(name), _whole_word(other), other)
            for pair in sorted(pairs)
            for name, other in (pair, pair[::-1])
        ]
        self._same: dict[tuple[str, str], bool] = {}

    def synonyms_of(self, phrase: str) -> list[str]:
        """The other names the article gives something named in the phrase."""
        text = normalise(phrase)
        return [other for name, _, other in self._names if name.search(text)]

    def same_thing(self, a: str, b: str) -> bool:
        """Whether the article names a thing in a by another name in b ('kneecap',
        'patella')."""
        if (a, b) not in self._same:
            first, second = normalise(a), normalise(b)
            self._same[a, b] = any(
                name.search(first) and other.search(second) for name, other, _ in self._names
            )
        return self._same[a, b]

    def distractors(
        self,
        answer: str,
        *,
        kind: EntityClass,
        shown: str,
        seed: str,
        count: int = 3,
        agree: bool = False,
    ) -> list[str]:
        """Entities of the same class, none of which the shown text mentions or overlaps.

        An entity sharing a content word with the stem or with the answer is left out:
        it may be a second defensible answer ('SI joint' beside 'sacroiliac joint') or a
        giveaway. Those sharing the answer's head noun come first, then those of a
        similar length. With `agree`, only entities of the answer's grammatical number.
        """
        answer_stems = content_stems(_ABBREVIATION.sub("", answer))
        shown_stems = content_stems(shown)
        head = stem(WORD.findall(_ABBREVIATION.sub("", answer))[-1])
        pool: dict[str, str] = {}
        for entity in self.entities:
            if entity.kind is not kind or entity.key == normalise(answer):
                continue
            stems = content_stems(entity.text)
            if (stems & shown_stems) - {head} or (stems & answer_stems) - {head}:
                continue
            if entity.key in normalise(shown) or normalise(answer) in entity.key:
                continue
            if _near_roots(entity.text, answer) or self.same_thing(answer, entity.text):
                continue
            if agree and is_plural(entity.text) != is_plural(answer):
                continue
            pool.setdefault(entity.key, _case_like(entity.text, answer))
        mixed = ranked(seed, pool.values())

        def closeness(option: str) -> tuple[int, int]:
            same_head = stem(WORD.findall(option)[-1]) == head
            return (0 if same_head else 1, abs(len(option) - len(answer)) // 6)

        chosen: list[str] = []
        for option in sorted(mixed, key=closeness):
            if not any(
                _roots(option) & _roots(other) or _near_roots(option, other) for other in chosen
            ):
                chosen.append(option)
            if len(chosen) == count:
                break
        return chosen if len(chosen) == count else []


@cache
def _roots(text: str) -> frozenset[str]:
    """The content words' stems and lemmas: 'brace' and 'bracing' share a root."""
    roots = set(content_stems(text))
    for word in WORD.findall(_ABBREVIATION.sub("", text)):
        if word.casefold() not in STOPWORDS:
            roots.update(lemma for forms in lemmas(word.casefold()).values() for lemma in forms)
    return frozenset(roots)


def shares_root(a: str, b: str) -> bool:
    """Whether two phrases hold a word of one root: 'hamstrings' and 'Proximal hamstring
    tendon', 'tendinopathy' and 'Gluteal tendons'."""
    return bool(_roots(a) & _roots(b)) or _near_roots(a, b)


def abbreviated_in(phrase: str, text: str) -> bool:
    """Whether the text holds an abbreviation of the phrase: 'MCL' and 'LCL' end in the
    initials of 'collateral ligaments'."""
    words = [w for w in WORD.findall(phrase) if w.casefold() not in STOPWORDS]
    if len(words) < 2:
        return False
    initials = "".join(w[0] for w in words).upper()
    return any(acronym.endswith(initials) for acronym in re.findall(r"\b[A-Z]{2,6}\b", text))


def _near_roots(a: str, b: str) -> bool:
    """Whether two phrases hold different forms of one word ('labral' and 'labrum',
    'arthrogram' and 'arthrography'): words of different stems that share a long prefix."""
    return any(_near_words(x, y) for x in _long_words(a) for y in _long_words(b))


@cache
def _long_words(text: str) -> frozenset[str]:
    return frozenset(
        w.casefold()
        for w in WORD.findall(_ABBREVIATION.sub("", text))
        if w.casefold() not in STOPWORDS and len(w) >= 4
    )


@cache
def _near_words(x: str, y: str) -> bool:
    return not _roots(x) & _roots(y) and _prefix(x, y) >= max(4, min(len(x), len(y)) - 3)


def _prefix(a: str, b: str) -> int:
    """How many leading letters two words share."""
    return next(
        (at for at, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _case_like(text: str, answer: str) -> str:
    """Write an option as the answer is written: capitalised only if the answer starts a
    sentence (not if it starts with an abbreviation), and never lower-casing an
    abbreviation or a name."""
    first = text.split()[0]
    answer_first = answer.split()[0]
    sentence_case = answer_first[:1].isupper() and answer_first[1:].islower()
    if sentence_case and text[:1].islower():
        return text[0].upper() + text[1:]
    if answer[:1].islower() and first[:1].isupper() and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


# Quantities ------------------------------------------------------------------------------

_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
}
_WORDS_OF = {value: word for word, value in _NUMBERS.items()}
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\b(?:" + "|".join(_NUMBERS) + r")\b", re.IGNORECASE)
_TIME_UNITS = ("hour", "day", "week", "month", "year")
_TIME_UNIT = re.compile(r"\b(hour|day|week|month|year)(s?)\b", re.IGNORECASE)
_FACTORS = (0.5, 2.0, 1.5, 3.0, 2 / 3, 1 / 3, 4.0, 0.25)


def _scaled(answer: str, factor: float) -> str | None:
    """The quantity with every number multiplied by the factor, or None if that makes
    no sense (a fraction of a whole count, a percentage over 100)."""
    unit = next((u for u in _LIMITS if re.search(rf"{re.escape(u)}", answer)), None)
    limit = _LIMITS[unit] if unit else float("inf")
    failed = re.search(r"\b(an?|or) \w+ or two\b|\ban? \w+ or two\b", answer) is not None

    def scale(match: re.Match[str]) -> str:
        nonlocal failed
        word = match[0].casefold()
        value = _NUMBERS.get(word) if word in _NUMBERS else float(match[0])
        assert value is not None
        result = value * factor
        if "." in match[0]:
            result = round(result, 1)
        whole = "." in match[0] or abs(result - round(result)) < 1e-9
        if not whole or result <= 1 or result > limit:
            failed = True
            return match[0]
        if word in _NUMBERS:
            if int(result) not in _WORDS_OF:
                failed = True
                return match[0]
            spelled = _WORDS_OF[int(result)]
            return spelled.capitalize() if match[0][0].isupper() else spelled
        return str(int(result)) if result == int(result) else str(result)

    text = _SINGULAR_UNIT.sub(
        lambda m: f"{m[0]}s" if float(m[1]) != 1 else m[0], _NUMBER.sub(scale, answer)
    )
    return None if failed or text == answer else text


# A figure's unit in the singular, to agree with a new number: '1 millimeter' -> '3 millimeters'.
_SINGULAR_UNIT = re.compile(
    r"\b(\d+(?:\.\d+)?) (?:second|minute|hour|day|night|week|month|year|session|dose|"
    r"millimet(?:er|re)|centimet(?:er|re))\b(?!s)"
)


def _other_units(answer: str) -> list[str]:
    """The quantity in other units of time: 'a day or two' -> 'a week or two'."""
    match = _TIME_UNIT.search(answer)
    if match is None:
        return []
    unit = match[1].casefold()
    at = _TIME_UNITS.index(unit)
    nearby = sorted(
        (u for u in _TIME_UNITS if u != unit), key=lambda u: abs(_TIME_UNITS.index(u) - at)
    )[:3]
    result = []
    for other in nearby:
        text = answer[: match.start()] + other + match[2] + answer[match.end() :]
        result.append(
            re.sub(r"\ba(?= hour)", "an", re.sub(r"\ban(?= (day|week|month|year))", "a", text))
        )
    return result


_SPAN = re.compile(
    r"^(hours|days|weeks|months|years) (to|or) (a few |several )?(hours|days|weeks|months|years)$"
)
_PLURALS = tuple(f"{unit}s" for unit in _TIME_UNITS)


def _other_spans(answer: str) -> list[str]:
    """'weeks to months' -> 'days to weeks', 'months to years', 'hours to days'; 'weeks
    to a few months' -> 'days to a few weeks', …"""
    match = _SPAN.match(answer.strip().casefold())
    if match is None:
        return []
    pairs = [f"{a} {match[2]} {match[3] or ''}{b}" for a, b in pairwise(_PLURALS)]
    at = _PLURALS.index(match[1])
    others = [pair for pair in pairs if pair != answer.strip().casefold()]
    return sorted(others, key=lambda pair: abs(pairs.index(pair) - at))


def quantity_distractors(answer: str, *, seed: str, count: int = 3) -> list[str]:
    """Plausible wrong quantities, never the answer itself.

    A figure with a unit of time takes a grid: its numbers scaled, the same numbers in
    a neighbouring unit, and both changed, so that no option is the one the others vary
    around (a convergence cue). Other figures have their numbers scaled.
    """
    if spans := _other_spans(answer):
        return spans[:count] if len(spans) >= count else []
    scaled = [
        text
        for factor in ranked(seed, map(str, _FACTORS))
        if (text := _scaled(answer, float(factor)))
    ]
    units = _other_units(answer)
    if units and scaled:
        for other in scaled:
            corners = [other, units[0], *_other_units(other)[:1]]
            if len({normalise(o) for o in corners} - {normalise(answer)}) == count:
                return corners
    distinct = list(
        dict.fromkeys(o for o in (scaled or units) if normalise(o) != normalise(answer))
    )
    return distinct[:count] if len(distinct) >= count else []


def is_quantity(text: str) -> bool:
    return QUANTITY.fullmatch(text.strip()) is not None


def in_enumeration(sentence: str, start: int, end: int) -> bool:
    """Whether the phrase at [start, end) is one member of a pair or list ('bowing or
    knock-knee', 'X-ray, ultrasound, or MRI'): asking one member with the others shown
    is an unfair guess. A bracketed aside inside the list ('infection (osteomyelitis),
    and tumors') is read past."""
    asides = [m for m in GLOSS.finditer(sentence) if m.end() <= start or m.start() >= end]
    if asides:
        shift = sum(m.end() - m.start() for m in asides if m.end() <= start)
        plain = GLOSS.sub(lambda m: "" if m.end() <= start or m.start() >= end else m[0], sentence)
        return _in_enumeration(plain, start - shift, end - shift)
    return _in_enumeration(sentence, start, end)


def _in_enumeration(sentence: str, start: int, end: int) -> bool:
    before, after = sentence[:start], sentence[end:]
    if re.search(r"/$", before) or re.match(r"^/", after):
        return True
    # A named entry's verbless description lists by commas: 'Muscle-related: gluteal
    # strain, deep rotator irritation'.
    label, _, body = sentence.rpartition(": ")
    beside = re.match(r"\s*,\s*\w", after) or re.search(r"\w\s*,\s*$", before)
    if label and start > len(label) and beside and not has_finite_verb(body):
        return True
    listed = series(sentence, start, end)
    if listed is None:
        return False
    whole = sentence[listed[0] : listed[1]]
    others = [
        member.split()
        for member in re.split(r",\s*(?:(?:and|or)\s+)?|\s+(?:or|and)\s+", whole)
        if member.strip() and normalise(member) not in normalise(sentence[start:end])
    ]
    # A figure beside a name ('… 30 and 70 degrees, and the crossed test') lists nothing.
    if is_quantity(sentence[start:end]) and not any(is_quantity(" ".join(w)) for w in others):
        return False
    if listed[2] >= 3:
        return True
    # 'the sciatic nerve and nearby branches' lists nothing the gap could also hold.
    return any(words[0].casefold() not in _VAGUE for words in others)


# Words that make a list's other member a vague aside rather than a second thing.
_VAGUE = frozenset({"nearby", "other", "related", "surrounding", "adjacent", "similar"})


_MEMBER_WORD = r"[\w’'/–-]+(?:\.[\w’'/–-]+)*"
_MEMBER = rf"{_MEMBER_WORD}(?:\s+{_MEMBER_WORD}){{0,3}}"
_SEPARATOR = r"(?:,\s*(?:(?:and|or)\s+)?|\s+(?:or|and)\s+)"
_DETERMINER = r"(?:(?:the|a|an)\s+)?"
_BEFORE = re.compile(rf"(?P<member>{_MEMBER}){_SEPARATOR}{_DETERMINER}$", re.IGNORECASE)
_AFTER = re.compile(rf"^{_SEPARATOR}{_DETERMINER}(?P<member>{_MEMBER})", re.IGNORECASE)


def verb_form(word: str) -> bool:
    """A word that reads as a verb in a list ('bone releases blood', 'MRI shows'):
    only a verb, or a verb's -s form."""
    folded = word.casefold()
    plain_s = folded.endswith("s") and not folded.endswith("ss") and could_be_verb(word)
    return is_verb_or_adverb(word) or plain_s


def holds_verb(sentence: str, start: int, end: int) -> bool:
    """Whether a phrase is a clause, not a name: 'injury prompts closer follow-up'. A
    plural last word before a plain verb is the subject, not a verb: 'the Ottawa ankle
    rules help decide', 'the cruciate ligaments are'; so is a plural that ends its clause
    after a determiner: 'around the metatarsal heads,'."""
    words = sentence[start:end].split()[1:]
    following = re.match(r"\s+([A-Za-z’'-]+)", sentence[end:])
    closed = re.match(r"\s*(?:[,.;:)]|$)", sentence[end:]) is not None
    opened = _DETERMINER_BEFORE.search(sentence[:start]) is not None
    if words and (
        (following and _subject_then_verb(words[-1], following[1]))
        or (closed and opened and _plural(words[-1]))
    ):
        words = words[:-1]
    return any(verb_form(word) for word in words if word.casefold() not in STOPWORDS)


def _subject_then_verb(last: str, following: str) -> bool:
    """A plural noun and the plain verb it governs: 'rules help', 'ligaments are'."""
    plain = could_be_verb(following) and not following.casefold().endswith("s")
    return _plural(last) and (plain or following.casefold() in ("are", "were"))


def _adjective(word: str) -> bool:
    """A word that can only qualify a noun, never be one ('early', 'fine')."""
    forms = lemmas(word.casefold())
    return "ADJ" in forms and "NOUN" not in forms and "VERB" not in forms


def _member(words_: str, *, leading: bool, closed: bool = False) -> str:
    """Cut a neighbouring phrase down to the list member next to the separator: back to
    a function word or a verb before it, or up to one after it. A trailing phrase that
    is `closed` by punctuation ends with a noun: 'metal fragments,' lists fragments."""
    parts = words_.split()
    if leading:
        kept: list[str] = []
        for word in reversed(parts):
            # 'such as', 'including' and 'for example,' lead into a list; they are no member.
            lead = ("such", "as", "including", "example", "instance")
            stop = word.casefold() in STOPWORDS or word.casefold().strip(",") in lead
            if stop or (kept and verb_form(word)):
                break
            kept.insert(0, word)
        return " ".join(kept)
    kept = []
    for at, word in enumerate(parts):
        following = parts[at + 1].casefold() if at + 1 < len(parts) else ""
        # 'MRI depending on …' ends the member; 'repeated giving way' does not.
        clause = word.casefold().endswith("ing") and (not following or following in STOPWORDS)
        # 'early changes': a plural after an adjective is its noun, not a verb.
        # 'and tears stand out': a plural before a plain verb is its subject.
        noun = not is_verb_or_adverb(word) and (
            (bool(kept) and _adjective(kept[-1]))
            or (closed and at == len(parts) - 1)
            or _subject_then_verb(word, following)
        )
        # 'reduced hip motion': a participle opening a member qualifies its noun.
        participle = (
            at == 0 and word.casefold().endswith("ed") and following not in ("", *STOPWORDS)
        )
        if word.casefold() in STOPWORDS or (kept and clause):
            break
        if verb_form(word) and not (noun or participle):
            break
        kept.append(word)
    return " ".join(kept)


def series(sentence: str, start: int, end: int) -> tuple[int, int, int] | None:
    """The whole list a phrase belongs to: its start, end and number of members, or None
    when the phrase stands alone.

    Members are joined by 'and', 'or' or commas; a comma joins two members only when an
    'and' or 'or' follows further on ('A, B, and C'), so a comma between clauses
    ('… 3 tesla, hydrogen protons line up') joins nothing.
    """
    # Neighbours to each side, nearest first: (separator is a conjunction, start, end).
    left: list[tuple[bool, int, int]] = []
    at = start
    while match := _BEFORE.search(sentence[:at]):
        member = _member(match["member"], leading=True)
        if not member:
            break
        conjunction = re.search(r"\b(and|or)\b", sentence[match.end("member") : at]) is not None
        at = match.start("member") + len(match["member"]) - len(member)
        left.append((conjunction, at, at + len(member)))
    right: list[tuple[bool, int, int]] = []
    at = end
    while match := _AFTER.match(sentence[at:]):
        closed = re.match(r"[,.;:)]|$", sentence[at + match.end("member") :]) is not None
        member = _member(match["member"], leading=False, closed=closed)
        if not member:
            break
        conjunction = re.search(r"\b(and|or)\b", match[0][: match.start("member")]) is not None
        member_start = at + match.start("member")
        right.append((conjunction, member_start, member_start + len(member)))
        at = member_start + len(member)
    # Separators in reading order; the phrase sits after the len(left)-th.
    separators = [conj for conj, _, _ in reversed(left)] + [conj for conj, _, _ in right]
    valid = [conj or any(separators[later:]) for later, conj in enumerate(separators, start=1)]
    here = len(left)
    first = here
    while first > 0 and valid[first - 1]:
        first -= 1
    last = here
    while last < len(separators) and valid[last]:
        last += 1
    if first == last:
        return None
    spans = [(s, e) for _, s, e in reversed(left)] + [(start, end)] + [(s, e) for _, s, e in right]
    if last - first == 1 and "," in sentence[spans[first][1] : spans[last][0]]:
        return None  # 'the ischial tuberosity, and pain here is felt': two clauses
    return spans[first][0], spans[last][1], last - first + 1
