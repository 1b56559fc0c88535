"""Turn a parsed article into a bank shaped like a good human-written one, deterministically.

An item writer asks each fact once, in the form that tests it best:
- indications and contraindications as single-best-answer questions whose options are
  situations (one indication among contraindications, or the reverse), and the
  consequence an entry states (", where …") as a question of its own;
- advantages and drawbacks as "which is a limitation of …", the others as distractors;
- named types as matching items, named structures and mechanisms as "which one is
  described";
- a statement's key term as a completion question whose options are the article's own
  named entities of the same class (four structures, four tests), or a quantity among
  quantities; a rare named term with no such class as a cloze;
- the definition and each FAQ as written.

Nothing asks where a sentence sits in the article, deletes an everyday word, one member
of a list, a pair of alternatives, or a label the article coined; nothing quotes a
sentence whose "these" or "this" points outside it. Every item passes `lint`.

A question's ID comes from what identifies it (its section, kind and the opening
words of its sentence, an item's name, or the FAQ question), never from its answer
or options, so fixing a typo keeps every learner's history. Distractors are picked
and options ordered by hashing, never at random.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from quizapp.content.article import Article, Item, Term
from quizapp.content.bank import Bank, Kind, Pair, Question, Section
from quizapp.content.entities import (
    GLOSS,
    EntityClass,
    Inventory,
    abbreviated_in,
    classify,
    holds_verb,
    in_enumeration,
    is_named,
    is_quantity,
    is_rare_term,
    number_shows,
    quantity_distractors,
    series,
    shares_root,
    trimmed,
    verb_form,
    whole_phrase,
)
from quizapp.content.keyterms import (
    STOPWORDS,
    URGENT,
    Span,
    candidates,
    content_stems,
    could_be_verb,
    has_finite_verb,
    rarity,
    score,
)
from quizapp.content.keyterms import stem_frequency as _stem_frequency
from quizapp.content.lint import (
    ABOUT_LABEL,
    BLANK,
    UNRESOLVED,
    asked,
    cue_words,
    lint_question,
    open_list,
)
from quizapp.content.text import (
    normalise,
    ranked,
    sentences,
    short_hash,
    slugify,
    without_parenthetical,
)
from quizapp.content.topic import LABEL_KINDS, PHRASING, TopicKind, detect_topic_kind

MAX_QUESTIONS = 70
MAX_PER_FACT = 2
# Sections that hold two of the template's parts take two turns in the budget: the
# mechanism, with its anatomy.
_TURNS = {Section.MECHANISM: 2}
DISTRACTORS = 3
# A key term scoring below this (keyterms.score) is not worth a question.
MIN_CLOZE_SCORE = 2.2
_MAX_SLUG = 48
_LABEL_WORDS = 6
_CONCISE_WORDS = 8
_MIN_WORDS = 6
# A verbless entry asks a fair question only with this many content words beside the gap.
_MIN_FRAGMENT_WORDS = 4
_MATCH_MIN, _MATCH_MAX = 3, 5
_NAME_RARITY = 3.0
_CONSEQUENCE = re.compile(r",\s+(?P<word>where|which|since|because|so)\s+(?P<rest>.+)$")
_SUBJECT_RELATIVE = re.compile(
    r"^(?:(?:more|most|often|usually|commonly|generally|typically|sometimes|also|then)\s+)*"
    r"(?!its\b|this\b|his\b)(?:may|can|might|could|will|would|should|must|is|are|was|[a-z]+s)\b"
)
# ', where the fascia originates' places the situation; it says nothing that follows.
_MIN_CONSEQUENCE_WORDS = 5
_DEFINING = re.compile(r"^It(?: is|’s|'s| means| refers)\b")
_HEDGE = re.compile(
    r"\s*\((?:varies|naming varies|terminology varies|interpretation|details vary|"
    r"impact varies|modality choice)[^)]*\)"
)
# An answer that says it has none: 'There is no single timeline', 'It varies'.
_NO_ANSWER = re.compile(
    r"\b(?:varies|vary|depends|depend on|no single|no one|no fixed|differs? (?:widely|a lot))\b",
    re.IGNORECASE,
)
# An answer that qualifies itself: 'may ease joint load, although the link appears weaker'.
_QUALIFIED = re.compile(r"\b(?:although|though|whereas)\b", re.IGNORECASE)
# Priorities: which items a bank keeps when it must shrink. An item asking a fact in
# the form that suits it best comes before a second form of the same fact.
_PRESENTING = frozenset({EntityClass.SYMPTOM, EntityClass.CONDITION})
_PRIORITY = {
    "definition": 100.0,
    "matching": 3.0,
    "described": 2.0,
    "situation": 1.5,
    "list": 1.5,
    "completion": 1.5,
    "faq": 1.0,
    "consequence": 1.0,
    "pro_con": 0.5,
    "cloze": 0.0,
}


def question_id(section: Section, kind: Kind, label: str) -> str:
    """Build a readable, stable ID; long labels are cut and made unique by a hash."""
    slug = slugify(label)
    if len(slug) > _MAX_SLUG:
        slug = f"{slug[:_MAX_SLUG].rsplit('-', 1)[0]}-{short_hash(label)}"
    return f"{section.value.replace('_', '-')}-{kind.value.replace('_', '-')}-{slug}"


def generate_bank(
    article: Article, *, bank_id: str, article_file: str, topic_kind: TopicKind | None = None
) -> Bank:
    """Generate the bank; the topic kind is detected from the article unless given."""
    paragraphs = article.introduction.paragraphs
    opening = paragraphs[0].text if paragraphs else article.topic
    kind = topic_kind or detect_topic_kind(article.topic, opening)
    candidates_ = list(_Generator(article, kind).candidates())
    questions = _unique_ids(_within_budget(candidates_))
    return Bank(
        id=bank_id,
        topic=article.topic,
        article=article_file,
        questions=tuple(questions),
        topic_kind=kind.value,
    )


@dataclass(frozen=True)
class _Candidate:
    question: Question
    priority: float


def _within_budget(found: Sequence[_Candidate]) -> list[Question]:
    """Keep the best items, at most two per fact and MAX_QUESTIONS in all, in article order.

    Sections take turns, each offering its best item not yet kept, so every section is
    asked before any section is asked at length; and a fact's first item is kept before
    any fact's second, so the budget buys breadth.
    """
    per_fact: Counter[str] = Counter()
    per_source: Counter[tuple[str, ...]] = Counter()
    kept: set[int] = set()
    for round_ in range(MAX_PER_FACT):
        queues = [
            sorted(
                (i for i, c in enumerate(found) if c.question.section is section),
                key=lambda i: -found[i].priority,
            )
            for section in dict.fromkeys(c.question.section for c in found)
            for _ in range(_TURNS.get(section, 1))
        ]
        while len(kept) < MAX_QUESTIONS and any(queues):
            for queue in queues:
                while queue:
                    index = queue.pop(0)
                    question = found[index].question
                    if (
                        index not in kept
                        and per_fact[question.fact] < MAX_PER_FACT
                        and max(per_fact[question.fact], per_source[question.source]) == round_
                    ):
                        kept.add(index)
                        per_fact[question.fact] += 1
                        per_source[question.source] += 1
                        break
                if len(kept) >= MAX_QUESTIONS:
                    break
    return [found[index].question for index in sorted(kept)]


def _unique_ids(questions: Iterable[Question]) -> list[Question]:
    """Suffix repeated IDs (an article that repeats an entry) in order of appearance."""
    seen: dict[str, int] = {}
    result = []
    for question in questions:
        count = seen[question.id] = seen.get(question.id, 0) + 1
        if count > 1:
            question = replace(question, id=f"{question.id}-{count}")
        result.append(question)
    return result


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    word = text.split(maxsplit=1)[0] if text.split() else ""
    if word == "I" or not (word[:1].isupper() and word[1:].islower()):
        return text
    return text[0].lower() + text[1:]


def _concise(text: str) -> str:
    """The leading sentences of an answer, enough to stand alone."""
    taken: list[str] = []
    for sentence in sentences(text):
        taken.append(sentence)
        if len(" ".join(taken).split()) >= _CONCISE_WORDS:
            break
    return " ".join(taken)


def _label(text: str) -> str:
    """The opening words of a sentence: enough to identify it, untouched by later edits."""
    return " ".join(text.split()[:_LABEL_WORDS])


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", _HEDGE.sub("", text)).strip()


def _phrase(text: str) -> str:
    """A list entry as an option: without its hedge or final full stop."""
    return _upper_first(_clean(text).rstrip(". "))


def _quoted(text: str) -> str:
    return f"“{text}”"


_ATTEMPTS = 6
_MAX_EXPLANATION_WORDS = 80
# A statement may hold two facts ('NSAIDs may help …, while opioids are not recommended').
_PER_STATEMENT = 2
_FAQ_EXTRA = 1
_MAX_MEMBER_WORDS = 4
# Words that may lead into a list: 'such as A, B and C', 'including …'.
_LEADS = frozenset({"as", "including", "like", "about", "of", "from", "on", "with"})
_COUNTS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _option_sets(seed: str, answer: str, pool: Iterable[str]) -> list[list[str]]:
    """Sets of distractors to try, each of DISTRACTORS options, those of about the
    answer's length first (so no option stands out by its length), varied by the seed."""
    distinct = {normalise(option): option for option in pool}
    distinct.pop(normalise(answer), None)
    if len(distinct) < DISTRACTORS:
        return []
    mixed = ranked(seed, distinct.values())
    near = sorted(mixed, key=lambda option: abs(len(option) - len(answer)) > len(answer) * 0.3)
    sets = []
    for start in range(min(_ATTEMPTS, len(near) - DISTRACTORS + 1)):
        sets.append(near[start : start + DISTRACTORS])
    return sets


def _mask(description: str, name: str) -> str:
    """Hide the name inside its own description so the description does not give it away,
    and its abbreviations: 'the medial (MCL) and lateral (LCL) …'."""
    masked = re.sub(re.escape(name), "…", description, flags=re.IGNORECASE)
    for abbreviation in set(re.findall(r"\(([A-Z]{2,6})\)", masked)):
        if abbreviated_in(name, abbreviation):
            masked = masked.replace(f" ({abbreviation})", "")
    return masked


@dataclass(frozen=True)
class _Statement:
    """One sentence that may be asked, with the frame that makes it stand alone."""

    section: Section
    text: str
    source: tuple[str, ...]
    frame: str
    label: str
    group_tag: str = ""
    body_start: int = 0  # where an entry's words begin, after its name
    name_shown: bool = False  # the entry's name is shown, never asked
    fragment_ok: bool = False
    shared_fact: str = ""  # the fact of an item that already shows this statement

    @property
    def fact(self) -> str:
        if self.shared_fact:
            return self.shared_fact
        return f"{self.section.value.replace('_', '-')}-{short_hash(self.text, 8)}"


class _Generator:
    def __init__(self, article: Article, kind: TopicKind) -> None:
        self.article = article
        self.kind = kind
        self.phrasing = PHRASING[kind]
        self.topic_tag = slugify(article.topic)
        self.topic = self._topic_in_sentence(article)
        self.Topic = _upper_first(self.topic)
        self.shown = content_stems(article.topic)
        lines = article.text.splitlines()
        self.frequency = _stem_frequency(lines)
        self.inventory = Inventory([s for line in lines for s in sentences(line)])

    @staticmethod
    def _topic_in_sentence(article: Article) -> str:
        """Write the topic mid-sentence: 'hip MRI', but 'Perthes disease' (a name) and
        'MRI of the hip' (an abbreviation) as they are."""
        lower = _lower_first(article.topic)
        first = article.topic.split()[0]
        if lower in article.text or (not first.isupper() and rarity(first) < _NAME_RARITY):
            return lower
        return article.topic

    def _say(self, template: str, **extra: str) -> str:
        return template.format(t=self.topic, T=self.Topic, **extra)

    def _tags(self, group: str = "", text: str = "") -> tuple[str, ...]:
        tags = [self.topic_tag] if self.topic_tag else []
        if group and slugify(group):
            tags.append(slugify(group))
        if URGENT.search(text):
            tags.append("red-flag")
        return tuple(tags)

    def _make(
        self,
        role: str,
        section: Section,
        kind: Kind,
        label: str,
        bonus: float = 0.0,
        distractors: Sequence[Sequence[str]] = (),
        **fields: object,
    ) -> Iterator[_Candidate]:
        """The question, if the item-writing lint finds nothing wrong with it.

        A multiple-choice question is tried with each set of `distractors` in turn, and
        the first set the lint accepts is kept.
        """
        if kind is Kind.MCQ:
            answer = str(fields["answer"])
            option_sets = [
                tuple(ranked(f"{label}/order", [answer, *chosen])) for chosen in distractors
            ]
        else:
            option_sets = [()]
        for options in option_sets:
            question = Question(
                id=question_id(section, kind, label),
                kind=kind,
                section=section,
                options=options,
                **fields,  # type: ignore[arg-type]
            )
            if not lint_question(question, topic_kind=self.kind.value, topic=self.article.topic):
                yield _Candidate(question, _PRIORITY[role] + bonus + _informativeness(question))
                return

    # The article, section by section -----------------------------------------------

    def candidates(self) -> Iterator[_Candidate]:
        article = self.article
        yield from self.definition()
        if article.purpose:
            part = article.purpose
            frame = self._say(self.phrasing.purpose)
            yield from self.prose(Section.PURPOSE, (*part.intro, *part.closing), frame)
            yield from self.entries(Section.PURPOSE, part.items, frame)
        for section, part, uses, other in (
            (Section.INDICATIONS, article.indications, True, article.contraindications),
            (Section.CONTRAINDICATIONS, article.contraindications, False, article.indications),
        ):
            if part:
                frame = f"{self.Topic}, {section.label.lower()}"
                yield from self.prose(section, (*part.intro, *part.closing), frame)
                yield from self.situations(section, part.items, other.items if other else (), uses)
        if article.mechanism:
            part = article.mechanism
            frame = f"{self.Topic}, how it works"
            yield from self.prose(Section.MECHANISM, part.intro, frame)
            for sub in part.subsections:
                heading = without_parenthetical(sub.heading)
                frame = f"{self.Topic}, {_lower_first(heading)}"
                if sub.line == part.line:
                    frame = f"{self.Topic}, how it works"
                yield from self.named(Section.MECHANISM, sub.items, frame, heading)
                yield from self.prose(Section.MECHANISM, sub.paragraphs, frame, heading)
        if article.procedure:
            yield from self.procedure()
        if article.types:
            part = article.types
            yield from self.prose(
                Section.TYPES, (*part.intro, *part.closing), f"{self.Topic}, types"
            )
            for group in part.groups:
                frame = f"Types of {self.topic}, {_lower_first(group.label)}"
                yield from self.named(Section.TYPES, group.items, frame, group.label)
        if article.pros_cons:
            yield from self.pros_cons()
        if article.aftercare:
            part = article.aftercare
            frame = self._say(self.phrasing.aftercare)
            yield from self.prose(Section.AFTERCARE, (*part.intro, *part.closing), frame)
            yield from self.entries(Section.AFTERCARE, part.items, frame)
        if article.alternatives:
            yield from self.alternatives()
        yield from self.faq()

    def definition(self) -> Iterator[_Candidate]:
        """'What is it?' keyed to the definition; the other sentences as statements."""
        opening = [
            (paragraph, sentence)
            for paragraph in self.article.introduction.paragraphs
            for sentence in sentences(paragraph.text)
        ]
        if not opening:
            return
        taken = 1
        while taken < min(len(opening), 2) and _DEFINING.match(opening[taken][1]):
            taken += 1
        definition = " ".join(
            self._resolved(sentence) if index else sentence
            for index, (_, sentence) in enumerate(opening[:taken])
        )
        source = tuple(dict.fromkeys(paragraph.text for paragraph, _ in opening[:taken]))
        yield from self._make(
            "definition",
            Section.INTRODUCTION,
            Kind.BASIC,
            "what is",
            prompt=self._say(self.phrasing.what_is),
            answer=definition,
            tags=self._tags(),
            source=source,
            fact=f"introduction-{short_hash(definition, 8)}",
        )
        for paragraph, sentence in opening[taken:]:
            yield from self.ask(
                _Statement(
                    Section.INTRODUCTION,
                    self._resolved(sentence),
                    (paragraph.text,),
                    self.Topic,
                    _label(sentence),
                )
            )

    def _resolved(self, sentence: str) -> str:
        """A sentence opening 'It …' in a passage about the topic speaks of the topic."""
        if sentence.startswith("It ") or sentence.startswith("It’s "):
            return f"{self.Topic} {sentence[3:]}"
        return sentence

    def prose(
        self, section: Section, paragraphs: Sequence[Item], frame: str, group: str = ""
    ) -> Iterator[_Candidate]:
        for paragraph in paragraphs:
            for sentence in sentences(paragraph.text):
                if len(sentence.split()) >= _MIN_WORDS and not sentence.endswith(":"):
                    yield from self.ask(
                        _Statement(
                            section,
                            _clean(self._resolved(sentence)),
                            (paragraph.text,),
                            frame,
                            _label(sentence),
                            group,
                        )
                    )

    def entries(
        self, section: Section, items: Sequence[Item], frame: str, group: str = ""
    ) -> Iterator[_Candidate]:
        """Statements of list entries; a term's name is shown, never asked."""
        for item in items:
            for statement in self._statements(section, item, frame, group):
                yield from self.ask(statement)

    def _statements(
        self, section: Section, item: Item, frame: str, group: str, *, name_asked: bool = False
    ) -> list[_Statement]:
        """The sentences of an entry. A term's name is shown, never asked, unless it holds
        a named thing ('Detects occult fractures.') that no other item asks."""
        if not isinstance(item, Term):
            text = _clean(self._resolved(item.text))
            return [
                _Statement(
                    section, text, (item.text,), frame, _label(text), group, fragment_ok=True
                )
            ]
        separator = item.text[len(item.name)]
        result = []
        for index, part in enumerate(sentences(_clean(item.description))):
            text = f"{item.name}{separator} {_upper_first(part)}"
            label = item.name if index == 0 else f"{item.name} {index + 1}"
            result.append(
                _Statement(
                    section,
                    text,
                    (item.text,),
                    frame,
                    f"{label} fact",
                    group,
                    body_start=len(item.name) + 2,
                    name_shown=index > 0 or name_asked or not self._names_a_thing(item.name),
                    fragment_ok=True,
                )
            )
        return result

    @staticmethod
    def _names_a_thing(name: str) -> bool:
        """Whether a term's name holds a named clinical thing, more than a label."""
        return any(
            classify(span.text) is not None and is_named(span.text) and span.text != name
            for span in candidates(name)
        )

    # Asking one statement --------------------------------------------------------------

    def ask(self, statement: _Statement) -> Iterator[_Candidate]:
        """The best item for a statement's key term: a completion question among same-class
        options, a quantity among quantities, or a cloze of a rare named term."""
        text = statement.text
        body = text[statement.body_start :] if statement.name_shown else text
        if UNRESOLVED.match(body) or (self.kind in LABEL_KINDS and ABOUT_LABEL.search(text)):
            return
        shown = self.shown | content_stems(statement.frame)
        spans = list(
            dict.fromkeys(
                span if is_quantity(span.text) else trimmed(span, text)
                for span in candidates(text)
                if not statement.name_shown or statement.body_start <= span.start
            )
        )
        scored = sorted(
            ((score(span, text, shown=shown, frequency=self.frequency), span) for span in spans),
            key=lambda pair: (-pair[0], pair[1].start),
        )
        taken: list[tuple[int, int]] = []
        for value, span in scored:
            if value < MIN_CLOZE_SCORE or len(taken) == _PER_STATEMENT:
                break
            if any(start < span.end and span.start < end for start, end in taken):
                continue
            # A statement's second item is labelled apart, so each keeps its own ID.
            nth = (
                replace(statement, label=f"{statement.label} {len(taken) + 1}")
                if taken
                else statement
            )
            uncued = self._without_cueing_name(nth, span)
            if uncued is None:
                continue
            nth, gap = uncued
            nth = _without_gloss(nth, gap)
            said = nth.text
            listed = series(said, gap.start, gap.end)
            phrase = not holds_verb(said, gap.start, gap.end)
            if listed is not None and phrase and (is_named(gap.text) or classify(gap.text)):
                found = list(self._list_item(nth, *listed))
                if found:
                    yield from found
                    offset = span.start - gap.start
                    taken.append((listed[0] + offset, listed[1] + offset))
                    continue
            if not self._askable(gap, nth):
                continue
            found = list(self._item_for(nth, gap, value))
            if found:
                yield from found
                taken.append((span.start, span.end))

    def _without_cueing_name(
        self, statement: _Statement, span: Span
    ) -> tuple[_Statement, Span] | None:
        """An entry's name that shares a root with the gap, or names it otherwise, would
        give it away ('Cruciate ligaments. … the […] is retained'; 'Finds early
        osteonecrosis. […] of the femoral head'): the statement is then asked without it,
        or not at all when it is a fragment that needs its name."""
        cut = statement.body_start
        name = statement.text[:cut].rstrip(" .:")
        if (
            not cut
            or span.start < cut
            or not (shares_root(span.text, name) or self.inventory.same_thing(span.text, name))
        ):
            return statement, span
        if not has_finite_verb(statement.text[cut:]):
            return None  # 'Irritation of […] near the hip' means nothing without its name
        body = replace(
            statement,
            text=_upper_first(statement.text[cut:]),
            body_start=0,
            name_shown=False,
            shared_fact=statement.fact,
        )
        return body, Span(span.start - cut, span.end - cut, span.text)

    def _askable(self, span: Span, statement: _Statement) -> bool:
        text = statement.text
        if holds_verb(text, span.start, span.end):
            return False
        if in_enumeration(text, span.start, span.end):
            return False
        if not (is_quantity(span.text) or whole_phrase(text, span.start, span.end)):
            return False
        if re.search(r"\b(or|and)\b", span.text) and not is_quantity(span.text):
            return False
        if not has_finite_verb(text) and (
            not statement.fragment_ok or len(_words_outside(text, span)) < _MIN_FRAGMENT_WORDS
        ):
            return False  # '[…] for selected flares' asks a guess
        before = text[: span.start].rstrip()
        if before.endswith("("):
            return False  # a bracketed synonym, glossed by the words before it
        return not re.search(r"[“\"]$", before) or is_named(span.text)

    def _list_item(
        self, statement: _Statement, start: int, end: int, members: int
    ) -> Iterator[_Candidate]:
        """A list asked whole: 'Name the three that complete the statement.'"""
        text = statement.text
        body = text[statement.body_start :] if statement.name_shown else text
        outside = len(body.split()) - len(text[start:end].split())
        parts = re.split(r",\s*(?:(?:and|or)\s+)?|\s+(?:or|and)\s+", text[start:end])
        before = re.search(r"([\w’'-]+)\s+$", text[:start])
        if (
            (before and _modifies(before[1]))
            or re.match(r"\s+(?:that|which|who|whose)\b", text[end:])  # the last member goes on
            or (statement.name_shown and start < statement.body_start)
            or not 3 <= members <= 5
            or open_list(text, start, end)
            or any(len(member.split()) > _MAX_MEMBER_WORDS for member in parts)
            or outside < 4
            or sum(1 for member in parts if is_named(member) or classify(member)) < 2
            or any(any(verb_form(word) for word in member.split()) for member in parts)
        ):
            return
        blanked = f"{text[:start]}{BLANK}{text[end:]}"
        yield from self._make(
            "list",
            statement.section,
            Kind.BASIC,
            f"{statement.label} list",
            prompt=(
                f"{statement.frame}: {_quoted(_sentence(blanked))} "
                f"Name the {_COUNTS.get(members, str(members))} that complete the statement."
            ),
            answer=text[start:end],
            explanation=_explanation(statement),
            tags=self._tags(statement.group_tag, text),
            source=statement.source,
            fact=statement.fact,
        )

    def _item_for(self, statement: _Statement, span: Span, value: float) -> Iterator[_Candidate]:
        text = statement.text
        common = dict(
            tags=self._tags(statement.group_tag, text),
            source=statement.source,
            fact=statement.fact,
            explanation=_explanation(statement),
        )
        kind = classify(span.text)
        if is_quantity(span.text):
            pools = [quantity_distractors(span.text, seed=statement.fact)]
            noun = "figure"
        elif kind is not None and is_named(span.text):
            shown = f"{statement.frame} {text}"
            agree = number_shows(text[span.end :])
            pools = [
                self.inventory.distractors(
                    span.text,
                    kind=kind,
                    shown=shown,
                    seed=f"{statement.fact}/{attempt}",
                    agree=agree,
                )
                for attempt in range(_ATTEMPTS)
            ]
            noun = kind.value
        else:
            pools, noun = [], ""
        start, answer = span.start, span.text
        article = re.search(r"\b(an?) $", text[: span.start], re.IGNORECASE)
        if article:
            # 'such as an […]' would give the answer's first letter away: the gap takes
            # the article, and each option its own.
            start, answer = article.start(), _with_article(span.text)
            pools = [
                [_with_article(option) for option in pool]
                for pool in pools
                if all(_countable(option) for option in pool)
            ]
        blanked = f"{text[:start]}{BLANK}{text[span.end :]}"
        found = list(
            self._make(
                "completion",
                statement.section,
                Kind.MCQ,
                statement.label,
                bonus=value / 10,
                distractors=[pool for pool in pools if pool],
                prompt=(
                    f"{statement.frame}: {_quoted(_sentence(blanked))} "
                    f"Which {noun} completes the statement?"
                ),
                answer=answer,
                **common,
            )
        )
        if found or not has_finite_verb(text) or not is_rare_term(span.text):
            yield from found
            return
        yield from self._make(
            "cloze",
            statement.section,
            Kind.CLOZE,
            statement.label,
            bonus=value / 10,
            prompt=(
                f"{statement.frame}: {text[: span.start]}{{{{c1::{span.text}}}}}{text[span.end :]}"
            ),
            **common,
        )

    # Sections with a shape of their own ---------------------------------------------

    def situations(
        self, section: Section, items: Sequence[Item], others: Sequence[Item], uses: bool
    ) -> Iterator[_Candidate]:
        """Each indication as the answer among contraindications, and the reverse; what
        an entry says follows from its situation (', where …') as a question of its own."""
        lead = self.phrasing.uses if uses else self.phrasing.not_ideal
        why = self.phrasing.why_use if uses else self.phrasing.why_not
        pool = [self._situation(item.text)[0] for item in others]
        consequences = self._consequences(items)
        for item in items:
            situation = self._situation(item.text)[0]
            fact = f"{section.value}-{short_hash(item.text, 8)}"
            found = (
                []
                if not self._presents(situation)
                else list(
                    self._make(
                        "situation",
                        section,
                        Kind.MCQ,
                        _label(item.text),
                        distractors=_option_sets(fact, situation, pool),
                        prompt=self._say(lead),
                        answer=situation,
                        explanation=item.text,
                        tags=self._tags("", item.text),
                        source=(item.text,),
                        fact=fact,
                    )
                )
            )
            yield from found
            if not found:
                yield from self.ask(
                    _Statement(
                        section,
                        _clean(item.text),
                        (item.text,),
                        f"{self.Topic}, {section.label.lower()}",
                        _label(item.text),
                        fragment_ok=True,
                    )
                )
            answer = consequences.get(item.text)
            if answer is None:
                continue
            common = dict(
                prompt=f"{situation}: {self._say(why)}",
                answer=answer,
                explanation=item.text,
                tags=self._tags("", item.text),
                source=(item.text,),
                fact=fact,
            )
            # The other entries' consequences are of the same class: reasons for this
            # section's decision, each tied to its own situation.
            others = [text for key, text in consequences.items() if key != item.text]
            found = list(
                self._make(
                    "consequence",
                    section,
                    Kind.MCQ,
                    _label(item.text),
                    distractors=_option_sets(fact, answer, others),
                    **common,
                )
            )
            yield from found or self._make(
                "consequence", section, Kind.BASIC, _label(item.text), **common
            )

    def _presents(self, situation: str) -> bool:
        """Whether an entry describes a presentation. Where a symptom, finding or condition
        is the topic, an entry naming no symptom or condition is a use of the label
        ('Follow-up documentation to track symptom location'), not a patient's picture."""
        return self.kind not in LABEL_KINDS or any(
            classify(span.text) in _PRESENTING for span in candidates(situation)
        )

    def _consequences(self, items: Sequence[Item]) -> dict[str, str]:
        """What each entry says follows from its situation, by the entry's text; on a
        label, not what follows for the label ('… more informative than hip-based
        labeling')."""
        found = {}
        for item in items:
            _, clause = self._situation(item.text)
            if clause is None:
                continue
            consequence = clause["rest"]
            if self.kind in LABEL_KINDS:
                # '… ruling out fracture rather than refining pain-location terminology'
                consequence = re.sub(r",?\s+rather than\b.*$", "", consequence)
            if (
                len(consequence.split()) < _MIN_CONSEQUENCE_WORDS
                or (clause["word"] == "which" and not _SUBJECT_RELATIVE.match(consequence))
                or (self.kind in LABEL_KINDS and ABOUT_LABEL.search(consequence))
            ):
                continue
            if clause["word"] == "which":
                consequence = f"it {consequence}"
            found[item.text] = _sentence(_upper_first(consequence))
        return found

    @staticmethod
    def _situation(text: str) -> tuple[str, re.Match[str] | None]:
        """An entry's situation, without what follows from it."""
        cleaned = _clean(text)
        clause = _CONSEQUENCE.search(cleaned)
        situation = cleaned[: clause.start()] if clause else cleaned
        return _phrase(situation), clause

    def named(
        self, section: Section, items: Sequence[Item], frame: str, group: str
    ) -> Iterator[_Candidate]:
        """Named types, structures and mechanisms: matching for a small set of named
        types, "which one is described" for a larger set (a pair or a lone entry has too
        few names of its kind for options), and statements of the rest."""
        named = _distinct_terms([item for item in items if isinstance(item, Term)])
        asked: dict[Term, str] = {}
        if len(named) >= _MATCH_MIN and (section is Section.TYPES or len(named) <= DISTRACTORS):
            for chunk in _chunks(named):
                found = list(self.matching(section, chunk, frame, group))
                if found:
                    matched = {pair.right for pair in found[0].question.pairs}
                    asked.update(
                        (term, found[0].question.fact) for term in chunk if term.name in matched
                    )
                    yield from found
        elif len(named) > DISTRACTORS:
            pool = named
            # A name worth asking is a named thing; 'Nerves' is only a label for the list.
            for term in (t for t in named if section is Section.TYPES or is_named(t.name)):
                found = list(self.described(section, term, pool, frame, group))
                if found:
                    asked[term] = found[0].question.fact
                    yield from found
        for item in items:
            statements = self._statements(section, item, frame, group, name_asked=item in asked)
            if item in asked:
                # The item shows the first sentence, so a question of it is a sibling.
                statements[0] = replace(statements[0], shared_fact=asked[item])
            for statement in statements:
                yield from self.ask(statement)

    def matching(
        self, section: Section, terms: Sequence[Term], frame: str, group: str
    ) -> Iterator[_Candidate]:
        pairs = []
        for term in terms:
            description = _mask(sentences(_clean(term.description))[0], term.name)
            # A word of the description's own name would match it by sight.
            others = [other.name for other in terms if other is not term]
            for word in cue_words(description, term.name, others):
                description = re.sub(rf"\b{re.escape(word)}\b", "…", description)
            pairs.append(Pair(_phrase(description), term.name))
        label = f"{group} {' '.join(term.name for term in terms)}"
        yield from self._make(
            "matching",
            section,
            Kind.MATCHING,
            label,
            prompt=f"{frame}: match each description to its name.",
            pairs=tuple(pairs),
            explanation="\n".join(term.text for term in terms),
            tags=self._tags(group),
            source=tuple(term.text for term in terms),
            fact=f"{section.value}-{short_hash(label, 8)}",
        )

    def described(
        self, section: Section, term: Term, named: Sequence[Term], frame: str, group: str
    ) -> Iterator[_Candidate]:
        description = _mask(_clean(term.description), term.name)
        for other in self.inventory.synonyms_of(term.name):  # 'the lower end of the thighbone'
            description = re.sub(rf"\b{re.escape(other)}\b", "…", description, flags=re.IGNORECASE)
        classes = {classify(other.name) for other in named}
        noun = next(iter(classes)).value if len(classes) == 1 and None not in classes else "one"
        fact = f"{section.value}-{short_hash(term.text, 8)}"
        yield from self._make(
            "described",
            section,
            Kind.MCQ,
            term.name,
            distractors=_option_sets(fact, term.name, [other.name for other in named]),
            prompt=f"{frame}: which {noun} is described? {_quoted(description)}",
            answer=term.name,
            explanation=term.text,
            tags=self._tags(group),
            source=(term.text,),
            fact=fact,
        )

    def procedure(self) -> Iterator[_Candidate]:
        part = self.article.procedure
        assert part is not None
        frame = self._say(self.phrasing.workup, step="workflow")
        yield from self.prose(Section.PROCEDURE, (*part.intro, *part.closing), frame)
        for step in part.steps:
            frame = self._say(self.phrasing.workup, step=_lower_first(step.name))
            for detail in step.details:
                text = _clean(detail)
                yield from self.ask(
                    _Statement(
                        Section.PROCEDURE,
                        text,
                        (step.text,),
                        frame,
                        _label(text),
                        fragment_ok=True,
                    )
                )

    def pros_cons(self) -> Iterator[_Candidate]:
        """What each advantage and drawback says, asked as a statement. One that names
        nothing to ask is asked as the answer among the other side's entries, though
        the tone of the options gives such an item away; a label has no sides."""
        part = self.article.pros_cons
        assert part is not None
        for lead, items, others in (
            (self.phrasing.pro, part.pros, part.cons),
            (self.phrasing.con, part.cons, part.pros),
        ):
            frame = (
                _upper_first(self._say(lead).removeprefix("Which is ").rstrip("?"))
                if lead
                else self.Topic
            )
            pool = [_phrase(item.text) for item in others]
            for item in items:
                text = _clean(item.text)
                found = list(
                    self.ask(
                        _Statement(
                            Section.PROS_CONS,
                            text,
                            (item.text,),
                            frame,
                            _label(text),
                            fragment_ok=True,
                        )
                    )
                )
                yield from found
                if found or lead is None:
                    continue
                answer = _phrase(item.text)
                fact = f"pros-cons-{short_hash(item.text, 8)}"
                yield from self._make(
                    "pro_con",
                    Section.PROS_CONS,
                    Kind.MCQ,
                    _label(item.text),
                    distractors=_option_sets(fact, answer, pool),
                    prompt=self._say(lead),
                    answer=answer,
                    explanation=item.text,
                    tags=self._tags(),
                    source=(item.text,),
                    fact=fact,
                )

    def alternatives(self) -> Iterator[_Candidate]:
        part = self.article.alternatives
        assert part is not None
        frame = f"{self.Topic}, alternatives and comparisons"
        yield from self.prose(Section.ALTERNATIVES, (*part.intro, *part.closing), frame)
        for group in part.groups:
            for item in group.items:
                for sentence in sentences(_clean(item.text)):
                    yield from self.ask(
                        _Statement(
                            Section.ALTERNATIVES,
                            sentence,
                            (item.text,),
                            frame,
                            _label(sentence),
                            group.label,
                        )
                    )

    def faq(self) -> Iterator[_Candidate]:
        for entry in self.article.faq.entries:
            question = entry.question
            if normalise(self.article.topic) not in normalise(question):
                question = f"With {self.topic}, {_lower_first(question)}"
            first = entry.answer[0].text
            answer = _concise(first)
            full = "\n\n".join(paragraph.text for paragraph in entry.answer)
            source = (entry.question, *(paragraph.text for paragraph in entry.answer))
            # A self-graded card needs an answer a learner can check theirs against.
            hedged = (
                _NO_ANSWER.search(_clean(sentences(answer)[0])) is not None
                or _QUALIFIED.search(answer) is not None
            )
            yield from (
                ()
                if hedged
                else self._make(
                    "faq",
                    Section.FAQ,
                    Kind.BASIC,
                    entry.question,
                    prompt=question,
                    answer=answer,
                    explanation=full if full != answer else "",
                    tags=self._tags("", full),
                    source=source,
                    fact=f"faq-{short_hash(answer, 8)}",
                )
            )
            rest = [
                (sentence, paragraph.text)
                for paragraph in entry.answer
                for sentence in sentences(paragraph.text)
                if hedged or sentence not in answer
            ]
            found = [
                candidate
                for sentence, paragraph in rest
                for candidate in self.ask(
                    _Statement(
                        Section.FAQ,
                        _clean(sentence),
                        (paragraph,),
                        question.rstrip("?"),
                        _label(sentence),
                    )
                )
            ]
            # The most telling facts of the rest of a long answer.
            yield from sorted(found, key=lambda candidate: -candidate.priority)[:_FAQ_EXTRA]


def _explanation(statement: _Statement) -> str:
    """The passage a statement comes from, so the feedback shows its context; the
    statement alone when the passage is long or a run of steps ('Checks – … – …')."""
    passage = _clean(" ".join(statement.source))
    if len(passage.split()) > _MAX_EXPLANATION_WORDS or re.search(r"\s[–—]\s", passage):
        return _sentence(statement.text)
    return _sentence(passage)


def _without_gloss(statement: _Statement, span: Span) -> _Statement:
    """A bracket right after the gap glosses it ('edema (excess fluid)', 'sacroiliac (SI)
    joint'), so the statement is asked without it."""
    gloss = GLOSS.match(statement.text, span.end)
    if gloss is None:
        return statement
    cut = gloss.end() - gloss.start()
    return replace(
        statement,
        text=statement.text[: gloss.start()] + statement.text[gloss.end() :],
        body_start=statement.body_start - cut * (gloss.end() <= statement.body_start),
        shared_fact=statement.fact,
    )


def _words_outside(text: str, span: Span) -> list[str]:
    """The content words a learner sees around a gap."""
    shown = f"{text[: span.start]} {text[span.end :]}"
    return [w for w in re.findall(r"[\w’'-]+", shown) if w.casefold() not in STOPWORDS]


def _modifies(word: str) -> bool:
    """Whether a word just before a list would qualify its first member ('slipped capital
    femoral epiphysis'), so that the list as found starts inside a name. A verb ('shows')
    or a function word leads into a list."""
    folded = word.casefold()
    if folded in STOPWORDS or folded in _LEADS:
        return False
    return folded.endswith("ed") or not could_be_verb(word)


def _countable(phrase: str) -> bool:
    """Whether the phrase can follow 'a' or 'an': not a plural ('insoles') nor an
    activity ('strengthening')."""
    last = phrase.split()[-1].casefold().rstrip(")")
    plural = last.endswith("s") and not last.endswith(("ss", "us", "is", "sis"))
    return not plural and not last.endswith("ing")


# Capital letters read aloud with a vowel sound: 'an MRI', 'an X-ray', 'an SI joint'.
_VOWEL_LETTERS = frozenset("AEFHILMNORSX")


def _with_article(phrase: str) -> str:
    """The phrase after its own indefinite article: 'an adductor canal block', 'an MR
    arthrogram'."""
    first = re.split(r"[\s-]", phrase, maxsplit=1)[0]
    if (first.isupper() and len(first) <= 5) or len(first) == 1:
        vowel = first[:1] in _VOWEL_LETTERS
    else:
        vowel = first[:1].casefold() in "aeiou"
    return f"{'an' if vowel else 'a'} {phrase}"


def _informativeness(question: Question) -> float:
    """How specific the asked words are: the rarity of the two rarest words of the answer
    part, abbreviations and figures counting as rarest. A bank that must shrink keeps the
    items that ask named terms and numbers before those that ask plain words."""
    found = asked(question)
    if found is not None and found[1]:
        text = found[1]
    elif question.kind is Kind.MATCHING:
        text = " ".join(pair.right for pair in question.pairs)
    else:
        text = question.answer
    weights = sorted(
        (
            4.5 if word.isupper() or any(c.isdigit() for c in word) else rarity(word)
            for word in re.findall(r"[A-Za-z0-9][\w’'-]*", text)
            if word.casefold() not in STOPWORDS
        ),
        reverse=True,
    )
    return sum(weights[:2]) / 2 if weights else 0.0


def _chunks(terms: Sequence[Term]) -> list[list[Term]]:
    """Split a long list into matching items of three to five pairs."""
    count = -(-len(terms) // _MATCH_MAX)
    size = -(-len(terms) // count)
    return [list(terms[at : at + size]) for at in range(0, len(terms), size)]


def _distinct_terms(terms: Sequence[Term]) -> list[Term]:
    """Drop terms whose name or description repeats an earlier one."""
    seen: set[tuple[str, str]] = set()
    distinct = []
    for term in terms:
        parts = sentences(term.description)
        keys = {
            ("name", normalise(term.name)),
            ("description", normalise(parts[0] if parts else term.description)),
        }
        if keys.isdisjoint(seen):
            distinct.append(term)
            seen |= keys
    return distinct
