"""Turn a parsed article into a bank of questions about its clinical content, deterministically.

Every sentence of the article is a candidate fact. A fact is asked by a cloze that
deletes its key term (`keyterms`), and some facts also by a question of another kind:
a scenario question for an indication or contraindication whose clause says what
follows, a "which one is described" question for a named type, structure or
mechanism, and the FAQ's own question keyed to its decisive sentences. Questions of
one fact share its `fact` key: they are siblings.

Nothing asks where a sentence sits in the article: no grouping, comparison, step
order or pro-or-con questions, and no cloze of a label the article coined.

A question's ID comes from what identifies it (its section, kind and the opening
words of its sentence, an item's name, or the FAQ question), never from its answer
or options, so fixing a typo keeps every learner's history. Distractors are picked
and options ordered by hashing, never at random.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from quizapp.content.article import Article, FaqEntry, Group, Item, Term
from quizapp.content.bank import Bank, Kind, Question, Section
from quizapp.content.keyterms import URGENT, best_span, content_stems, rarity, stem_frequency
from quizapp.content.lint import lint_question
from quizapp.content.text import (
    normalise,
    ranked,
    sentences,
    short_hash,
    slugify,
    without_parenthetical,
)
from quizapp.content.topic import PHRASING, TopicKind, detect_topic_kind

DISTRACTORS = 3
MIN_CLOZE_SCORE = 2.2
# An entry of an enumerated list (an advantage, a drawback, an indication) states a fact
# even in plain words ('Higher cost'), so it is asked on weaker evidence than prose.
MIN_ENTRY_SCORE = 1.0
_DECISIVE_SCORE = 3.0
# A prose sentence shorter than this ('Longevity also varies.') states no fact to ask.
_MIN_WORDS = 6
# A first word this rare is a name ('Perthes'), kept capitalised mid-sentence.
_NAME_RARITY = 3.0
MAX_QUESTIONS = 110
# A list entry states one fact; prose frames the list. When a bank must shrink, the
# clozes of prose sentences go first, unless one names something far more telling.
_PROSE_PENALTY = 3.0
_MAX_SLUG = 48
_LABEL_WORDS = 6
_CONCISE_WORDS = 8
# The clause of a list entry that says what follows from its situation.
_CONSEQUENCE = re.compile(r",\s+(?P<word>where|which|since|because|so)\s+(?P<rest>.+)$")
# 'which' as the subject of its clause ('which raises the risk …'), so that 'it' can stand
# in for it; not 'which an implant cannot restore'.
_SUBJECT_RELATIVE = re.compile(
    r"^(?:(?:more|most|often|usually|commonly|generally|typically|sometimes|also|then)\s+)*"
    r"(?!its\b|this\b|his\b)(?:may|can|might|could|will|would|should|must|is|are|was|[a-z]+s)\b"
)
# A sentence that goes on defining the topic: 'It is also called …', 'It is not …'.
_DEFINING = re.compile(r"^It(?: is|’s|'s| means| refers)\b")
_PRONOUN_START = re.compile(r"^(It|Its|It’s|They|Their|This|These|That|Those|Such)\b")
_HEDGE = re.compile(r"\s*\((?:varies|naming varies|terminology varies|interpretation)[^)]*\)")


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
    opening = article.introduction.paragraphs[0].text
    kind = topic_kind or detect_topic_kind(article.topic, opening)
    generator = _Generator(article, kind)
    questions = _unique_ids(_within_budget(list(generator.questions()), generator.weights))
    return Bank(
        id=bank_id,
        topic=article.topic,
        article=article_file,
        questions=tuple(questions),
        topic_kind=kind.value,
    )


def _within_budget(questions: list[Question], weights: dict[str, float]) -> list[Question]:
    """Keep a bank a person can review: drop the clozes of the least telling terms first.

    `weights` scores each cloze by the term it deletes (`keyterms`), prose sentences
    below list entries.
    """
    excess = len(questions) - MAX_QUESTIONS
    if excess <= 0:
        return questions
    clozes = sorted(
        (weights[question.fact + question.id], index)
        for index, question in enumerate(questions)
        if question.kind is Kind.CLOZE
    )
    dropped = {index for _, index in clozes[:excess]}
    return [question for index, question in enumerate(questions) if index not in dropped]


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


def _quoted(text: str) -> str:
    return f"“{text}”"


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


def _options(seed: str, correct: str, pool: Iterable[str]) -> tuple[str, ...]:
    """The correct option and up to three distractors of similar length, in a stable order.

    Distractors nearest the answer's length are preferred, so the answer is never
    the option that stands out by being much longer or shorter than the rest.
    """
    candidates = {normalise(option): option for option in pool}
    candidates.pop(normalise(correct), None)
    mixed = ranked(seed, candidates.values())
    by_length = sorted(mixed, key=lambda option: abs(len(option) - len(correct)))
    return tuple(ranked(f"{seed}/order", [correct, *by_length[:DISTRACTORS]]))


def _mask(description: str, name: str) -> str:
    """Hide the name inside its own description so the description does not give it away."""
    return re.sub(re.escape(name), "…", description, flags=re.IGNORECASE)


@dataclass(frozen=True)
class _Fact:
    """One sentence to ask about, with what the learner is shown around it."""

    section: Section
    sentence: str
    label: str
    source: tuple[str, ...]
    context: str = ""
    before: str = ""
    within: tuple[int, int] | None = None
    lead: bool = False
    group_tag: str = ""
    prose: bool = False

    @property
    def key(self) -> str:
        return f"{self.section.value.replace('_', '-')}-{short_hash(self.sentence, 8)}"


class _Generator:
    def __init__(self, article: Article, kind: TopicKind) -> None:
        self.article = article
        self.phrasing = PHRASING[kind]
        self.topic_tag = slugify(article.topic)
        self.topic = self._topic_in_sentence(article)
        self.Topic = _upper_first(self.topic)
        self.shown = content_stems(article.topic)
        self.frequency = stem_frequency(article.text.splitlines())
        self.weights: dict[str, float] = {}

    @staticmethod
    def _topic_in_sentence(article: Article) -> str:
        """Write the topic mid-sentence: 'hip MRI', 'total knee replacement', but 'Perthes
        disease' (a name) and 'MRI of the hip' (an abbreviation) as they are.

        The article's own lower-case use decides; failing that, a common first word
        is lower-cased and a rare one, likely a name, is kept.
        """
        lower = _lower_first(article.topic)
        first = article.topic.split()[0]
        if lower in article.text or (not first.isupper() and rarity(first) < _NAME_RARITY):
            return lower
        return article.topic

    def _say(self, template: str) -> str:
        return template.format(t=self.topic, T=self.Topic)

    def _subject(self, text: str) -> str:
        """An entry that opens with 'It' speaks of the topic: name it."""
        return f"{self.Topic} {text[3:]}" if text.startswith("It ") else text

    def questions(self) -> Iterator[Question]:
        article = self.article
        yield from self.introduction()
        if article.purpose:
            context = self._say(self.phrasing.purpose)
            yield from self.prose(
                Section.PURPOSE, (*article.purpose.intro, *article.purpose.closing)
            )
            yield from self.term_facts(article.purpose.items, Section.PURPOSE, context)
        for section, part, template, why in (
            (Section.INDICATIONS, article.indications, self.phrasing.uses, self.phrasing.why_use),
            (
                Section.CONTRAINDICATIONS,
                article.contraindications,
                self.phrasing.not_ideal,
                self.phrasing.why_not,
            ),
        ):
            if part:
                yield from self.prose(section, (*part.intro, *part.closing))
                yield from self.situations(section, part.items, self._say(template), self._say(why))
        if article.mechanism:
            yield from self.prose(Section.MECHANISM, article.mechanism.intro)
            for sub in article.mechanism.subsections:
                heading = without_parenthetical(sub.heading)
                context = f"{self.Topic}, {_lower_first(heading)}"
                yield from self.named(sub.items, Section.MECHANISM, context, group_tag=heading)
                yield from self.prose(Section.MECHANISM, sub.paragraphs, group_tag=heading)
        if article.procedure:
            yield from self.procedure()
        if article.types:
            yield from self.prose(Section.TYPES, (*article.types.intro, *article.types.closing))
            for group in article.types.groups:
                context = f"Types of {self.topic}, {_lower_first(group.label)}"
                yield from self.named(group.items, Section.TYPES, context, group_tag=group.label)
        if article.pros_cons:
            yield from self.pros_cons()
        if article.aftercare:
            part = article.aftercare
            context = f"{self.Topic}, aftercare and outlook"
            yield from self.prose(Section.AFTERCARE, (*part.intro, *part.closing))
            yield from self.term_facts(part.items, Section.AFTERCARE, context)
        if article.alternatives:
            yield from self.alternatives(article.alternatives.groups)
        yield from self.faq()

    # Building questions -------------------------------------------------------------

    def _tags(self, group: str, sentence: str = "") -> tuple[str, ...]:
        tags = [self.topic_tag]
        if group:
            tags.append(slugify(group))
        if URGENT.search(sentence):
            tags.append("red-flag")
        return tuple(tags)

    def _question(self, section: Section, kind: Kind, label: str, **fields: object) -> Question:
        return Question(id=question_id(section, kind, label), kind=kind, section=section, **fields)  # type: ignore[arg-type]

    def _clean(self, question: Question) -> Iterator[Question]:
        """Yield the question only when the item-writing lint finds nothing wrong with it."""
        if not lint_question(question):
            yield question

    def cloze(self, fact: _Fact) -> Iterator[Question]:
        """Delete the fact's key term, if it has one worth asking."""
        sentence = fact.sentence
        shown = self.shown | content_stems(fact.context) | content_stems(fact.before)
        found = best_span(
            sentence,
            shown=shown,
            frequency=self.frequency,
            within=fact.within,
            lead_bonus=fact.lead,
        )
        if found is None or found[1] < (MIN_ENTRY_SCORE if fact.lead else MIN_CLOZE_SCORE):
            return
        span, weight = found
        text = f"{sentence[: span.start]}{{{{c1::{span.text}}}}}{sentence[span.end :]}"
        parts = [part for part in (fact.before, text) if part]
        body = " ".join(parts)
        prompt = f"{fact.context}: {body}" if fact.context else body
        question = self._question(
            fact.section,
            Kind.CLOZE,
            fact.label,
            prompt=prompt,
            source=fact.source,
            tags=self._tags(fact.group_tag, sentence),
            fact=fact.key,
        )
        self.weights[question.fact + question.id] = weight - (_PROSE_PENALTY if fact.prose else 0.0)
        yield from self._clean(question)

    def prose(
        self, section: Section, paragraphs: Sequence[Item], *, group_tag: str = ""
    ) -> Iterator[Question]:
        """Clozes from paragraphs; a sentence opening with a pronoun keeps the one before it."""
        for paragraph in paragraphs:
            previous = ""
            for sentence in sentences(paragraph.text):
                if not sentence.rstrip().endswith(":") and len(sentence.split()) >= _MIN_WORDS:
                    yield from self.cloze(
                        self._prose_fact(section, sentence, previous, paragraph, group_tag)
                    )
                previous = sentence

    def _prose_fact(
        self, section: Section, sentence: str, previous: str, paragraph: Item, group_tag: str
    ) -> _Fact:
        before = ""
        if _PRONOUN_START.match(sentence):
            if sentence.startswith("It ") and (
                not previous or normalise(previous).startswith(normalise(self.article.topic))
            ):
                sentence = f"{self.Topic} {sentence[3:]}"
            else:
                before = previous
        if section is not Section.INTRODUCTION:
            context = f"{self.Topic}, {section.label.lower()}"
        else:
            shown = normalise(f"{before} {sentence}")
            context = "" if normalise(self.article.topic) in shown else self.Topic
        return _Fact(
            section,
            sentence,
            _label(sentence),
            (paragraph.text,),
            context=context,
            before=before,
            group_tag=group_tag,
            prose=True,
        )

    def introduction(self) -> Iterator[Question]:
        """'What is it?' keyed to the definition; the other sentences as clozes."""
        opening = [
            (paragraph, sentence)
            for paragraph in self.article.introduction.paragraphs
            for sentence in sentences(paragraph.text)
        ]
        taken = 1
        while taken < min(len(opening), 2) and _DEFINING.match(opening[taken][1]):
            taken += 1
        definition = " ".join(
            self._subject(sentence) if index else sentence
            for index, (_, sentence) in enumerate(opening[:taken])
        )
        source = tuple(dict.fromkeys(paragraph.text for paragraph, _ in opening[:taken]))
        yield self._question(
            Section.INTRODUCTION,
            Kind.BASIC,
            "what is",
            prompt=self._say(self.phrasing.what_is),
            answer=definition,
            tags=self._tags(""),
            source=source,
            fact=_Fact(Section.INTRODUCTION, definition, "", ()).key,
        )
        previous = opening[taken - 1][1]
        for paragraph, sentence in opening[taken:]:
            yield from self.cloze(
                self._prose_fact(Section.INTRODUCTION, sentence, previous, paragraph, "")
            )
            previous = sentence

    def term_facts(
        self, items: Sequence[Item], section: Section, context: str
    ) -> Iterator[Question]:
        """Clozes inside each entry's description; the entry's own name is never deleted."""
        for item in items:
            yield from self.cloze_item(item, section, context, group_tag="")

    def cloze_item(
        self, item: Item, section: Section, context: str, *, group_tag: str, lead: bool = False
    ) -> Iterator[Question]:
        if isinstance(item, Term):
            for fact in self._term_facts(item, section, context, group_tag):
                yield from self.cloze(fact)
            return
        text = self._subject(_HEDGE.sub("", item.text))
        yield from self.cloze(
            _Fact(
                section,
                text,
                _label(text),
                (item.text,),
                context=context,
                lead=lead,
                group_tag=group_tag,
            )
        )

    @staticmethod
    def _term_facts(term: Term, section: Section, context: str, group_tag: str) -> list[_Fact]:
        """One fact per sentence of a term's description, each shown with the term's name."""
        separator = term.text[len(term.name)]
        facts = []
        parts = [
            clause
            for sentence in sentences(_HEDGE.sub("", term.description))
            for clause in re.split(r";\s+", sentence)
        ]
        for index, part in enumerate(parts):
            sentence = f"{term.name}{separator} {_upper_first(part)}"
            label = term.name if index == 0 else f"{term.name} {index + 1}"
            facts.append(
                _Fact(
                    section,
                    sentence,
                    f"{label} fact",
                    (term.text,),
                    context=context,
                    within=(len(term.name) + 2, len(sentence)),
                    group_tag=group_tag,
                )
            )
        return facts

    def named(
        self, items: Sequence[Item], section: Section, context: str, *, group_tag: str
    ) -> Iterator[Question]:
        """Named types, structures and mechanisms: a cloze each, and which type is described.

        A type's name is what a learner must know of it, so it is asked by a
        multiple-choice question (and later sentences of its description by clozes); a
        structure or mechanism is known by what it does, so its cloze may also delete a
        technical word of its name.
        """
        terms = _distinct_terms([item for item in items if isinstance(item, Term)])
        names = [term.name for term in terms]
        for item in items:
            if not isinstance(item, Term):
                yield from self.cloze_item(item, section, context, group_tag=group_tag)
                continue
            facts = self._term_facts(item, section, context, group_tag)
            asked = []
            if section is Section.TYPES and item in terms and len(terms) >= 3:
                description = _mask(_HEDGE.sub("", item.description), item.name)
                asked = list(
                    self._clean(
                        self._question(
                            section,
                            Kind.MCQ,
                            item.name,
                            prompt=f"{context}: which one is described? {_quoted(description)}",
                            options=_options(item.name, item.name, names),
                            answer=item.name,
                            explanation=item.text,
                            tags=self._tags(group_tag),
                            source=(item.text,),
                            fact=facts[0].key,
                        )
                    )
                )
                yield from asked
            if asked:
                facts = facts[1:]
            elif facts:
                facts[0] = replace(facts[0], within=None)
            for fact in facts:
                yield from self.cloze(fact)

    def situations(
        self, section: Section, items: Sequence[Item], lead: str, why: str
    ) -> Iterator[Question]:
        """Indications and contraindications.

        Each entry is a cloze of its key term; an entry that also says what follows
        from its situation (', where …', ', which …') is asked as a scenario too: the
        situation is the stem, what follows the answer.
        """
        for item in items:
            text = _HEDGE.sub("", item.text)
            clause = _CONSEQUENCE.search(text)
            situation_end = clause.start() if clause else len(text)
            body = _lower_first(text)
            fact = _Fact(
                section,
                body,
                _label(text),
                (item.text,),
                context=lead,
                within=(0, situation_end),
                lead=True,
            )
            yield from self.cloze(fact)
            if not clause or (
                clause["word"] == "which" and not _SUBJECT_RELATIVE.match(clause["rest"])
            ):
                continue
            consequence = clause["rest"]
            if clause["word"] == "which":
                consequence = f"it {consequence}"
            yield self._question(
                section,
                Kind.BASIC,
                _label(text),
                prompt=f"{text[:situation_end]}: {why}",
                answer=_sentence(_upper_first(consequence)),
                explanation=item.text,
                tags=self._tags(""),
                source=(item.text,),
                fact=fact.key,
            )

    def procedure(self) -> Iterator[Question]:
        procedure = self.article.procedure
        assert procedure is not None
        yield from self.prose(Section.PROCEDURE, (*procedure.intro, *procedure.closing))
        for step in procedure.steps:
            context = f"{self.Topic}, {_lower_first(step.name)}"
            for detail in step.details:
                text = _HEDGE.sub("", detail)
                yield from self.cloze(
                    _Fact(Section.PROCEDURE, text, _label(text), (step.text,), context=context)
                )

    def pros_cons(self) -> Iterator[Question]:
        pros_cons = self.article.pros_cons
        assert pros_cons is not None
        for context, items in (
            (f"An advantage of {self.topic}", pros_cons.pros),
            (f"A drawback of {self.topic}", pros_cons.cons),
        ):
            for item in items:
                yield from self.cloze_item(
                    item, Section.PROS_CONS, context, group_tag="", lead=True
                )

    def alternatives(self, groups: Sequence[Group]) -> Iterator[Question]:
        """Clozes of each comparison's points; a pronoun keeps the point before it in view."""
        context = f"{self.Topic}, alternatives"
        for group in groups:
            previous = group.label
            for item in group.items:
                for sentence in sentences(_HEDGE.sub("", item.text)):
                    yield from self.cloze(
                        _Fact(
                            Section.ALTERNATIVES,
                            sentence,
                            _label(sentence),
                            (item.text,),
                            context=context,
                            before=previous if _PRONOUN_START.match(sentence) else "",
                            group_tag=group.label,
                        )
                    )
                    previous = sentence

    def faq(self) -> Iterator[Question]:
        for entry in self.article.faq.entries:
            question = entry.question
            if self.article.topic.casefold() not in question.casefold():
                question = f"With {self.topic}, {_lower_first(question)}"
            first = entry.answer[0].text
            answer = _concise(first)
            full = "\n\n".join(paragraph.text for paragraph in entry.answer)
            yield self._question(
                Section.FAQ,
                Kind.BASIC,
                entry.question,
                prompt=question,
                answer=answer,
                explanation=full if full != answer else "",
                tags=self._tags("", full),
                source=(entry.question, *(paragraph.text for paragraph in entry.answer)),
                fact=_Fact(Section.FAQ, answer, "", ()).key,
            )
            rest = first[len(answer) :].strip()
            paragraphs = [Item(rest, entry.line)] if rest else []
            paragraphs += list(entry.answer[1:])
            yield from self._best_of(self._faq_clozes(question, first, answer, paragraphs, entry))

    def _faq_clozes(
        self, question: str, first: str, answer: str, paragraphs: list[Item], entry: FaqEntry
    ) -> Iterator[Question]:
        previous = answer
        for paragraph in paragraphs:
            for sentence in sentences(paragraph.text):
                yield from self.cloze(
                    _Fact(
                        Section.FAQ,
                        sentence,
                        _label(sentence),
                        (paragraph.text if paragraph in entry.answer else first,),
                        context=question,
                        before=previous if _PRONOUN_START.match(sentence) else "",
                    )
                )
                previous = sentence

    def _best_of(self, questions: Iterable[Question]) -> Iterator[Question]:
        """The cloze of the most telling term among several, if it names something specific:
        the decisive fact of a long answer."""
        best = max(questions, key=lambda q: self.weights[q.fact + q.id], default=None)
        if best is not None and self.weights[best.fact + best.id] >= _DECISIVE_SCORE:
            yield best


def _distinct_terms(terms: Sequence[Term]) -> list[Term]:
    """Drop terms whose name or description repeats an earlier one."""
    seen: set[tuple[str, str]] = set()
    distinct = []
    for term in terms:
        keys = {
            ("name", normalise(term.name)),
            ("description", normalise(sentences(term.description)[0])),
        }
        if keys.isdisjoint(seen):
            distinct.append(term)
            seen |= keys
    return distinct


def _sides(label: str) -> bool:
    """Whether a group label compares two things by name: `X vs Y`."""
    return len(re.split(r"\s+(?:vs\.?|versus)\s+", label, flags=re.IGNORECASE)) == 2
