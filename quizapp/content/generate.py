"""Turn a parsed article into a bank of questions, deterministically.

A question's ID comes from what identifies it (its section, kind and label: the
FAQ question, an item's name or text), never from its answer or options, so
editing one sentence of the article changes only the questions built from it.
Distractors are picked and options ordered by hashing, never at random.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from quizapp.content.article import Article, Group, Item, ListSection, Term
from quizapp.content.bank import FALSE, TRUE, Bank, Kind, Pair, Question, Section
from quizapp.content.text import (
    normalise,
    ranked,
    sentences,
    short_hash,
    slugify,
    without_parenthetical,
)

DISTRACTORS = 3
_MAX_SLUG = 48
_CONCISE_WORDS = 8
_PRO, _CON = "Pro", "Con"


def question_id(section: Section, kind: Kind, label: str) -> str:
    """Build a readable, stable ID; long labels are cut and made unique by a hash."""
    slug = slugify(label)
    if len(slug) > _MAX_SLUG:
        slug = f"{slug[:_MAX_SLUG].rsplit('-', 1)[0]}-{short_hash(label)}"
    return f"{section.value.replace('_', '-')}-{kind.value.replace('_', '-')}-{slug}"


def generate_bank(article: Article, *, bank_id: str, article_file: str) -> Bank:
    """Generate every question the article supports."""
    questions = _unique_ids(_Generator(article).questions())
    return Bank(id=bank_id, topic=article.topic, article=article_file, questions=tuple(questions))


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
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _options(seed: str, correct: str, pool: Iterable[str]) -> tuple[str, ...]:
    """The correct option and up to three distractors from `pool`, in a stable order."""
    candidates = {normalise(option): option for option in pool}
    candidates.pop(normalise(correct), None)
    distractors = ranked(seed, candidates.values())[:DISTRACTORS]
    return tuple(ranked(f"{seed}/order", [correct, *distractors]))


def _mask(description: str, name: str) -> str:
    """Hide the name inside its own description so the description does not give it away."""
    return re.sub(re.escape(name), "…", description, flags=re.IGNORECASE)


def _concise(text: str) -> str:
    """The leading sentences of an answer, enough to stand alone."""
    taken: list[str] = []
    for sentence in sentences(text):
        taken.append(sentence)
        if len(" ".join(taken).split()) >= _CONCISE_WORDS:
            break
    return " ".join(taken)


def _lower_first(text: str) -> str:
    word = text.split(maxsplit=1)[0]
    if word == "I" or not (word[:1].isupper() and word[1:].islower()):
        return text
    return text[0].lower() + text[1:]


class _Generator:
    def __init__(self, article: Article) -> None:
        self.article = article
        self.topic_tag = slugify(article.topic)
        self.topic = self._topic_in_sentence(article)
        self.Topic = self.topic[0].upper() + self.topic[1:]

    @staticmethod
    def _topic_in_sentence(article: Article) -> str:
        """Write the topic mid-sentence the way the article itself does."""
        lower = _lower_first(article.topic)
        return lower if lower in article.text else article.topic

    def questions(self) -> Iterator[Question]:
        article = self.article
        yield from self.introduction()
        if article.purpose:
            yield from self.terms(
                article.purpose.items, Section.PURPOSE, f"Why {self.topic} is used", group_tag=""
            )
        if article.indications and article.contraindications:
            yield from self.indications(article.indications, article.contraindications)
        if article.mechanism:
            for sub in article.mechanism.subsections:
                heading = without_parenthetical(sub.heading)
                context = f"{heading} in {self.topic}"
                yield from self.terms(sub.items, Section.MECHANISM, context, group_tag=heading)
        if article.procedure:
            yield from self.procedure()
        if article.types:
            yield from self.types(article.types.groups)
        if article.pros_cons:
            yield from self.pros_cons()
        if article.aftercare:
            context = f"Factors in the outcome of {self.topic}"
            yield from self.terms(article.aftercare.items, Section.AFTERCARE, context, group_tag="")
        if article.alternatives:
            yield from self.alternatives(article.alternatives.groups)
        yield from self.faq()

    def _question(
        self, section: Section, kind: Kind, label: str, *, group_tag: str = "", **fields: object
    ) -> Question:
        tags = (self.topic_tag, slugify(group_tag)) if group_tag else (self.topic_tag,)
        return Question(
            id=question_id(section, kind, label), kind=kind, section=section, tags=tags, **fields
        )  # type: ignore[arg-type]

    def introduction(self) -> Iterator[Question]:
        paragraphs = self.article.introduction.paragraphs
        yield self._question(
            Section.INTRODUCTION,
            Kind.BASIC,
            "what is",
            prompt=f"What is {self.topic}?",
            answer=_concise(paragraphs[0].text),
            explanation=" ".join(p.text for p in paragraphs),
            source=tuple(p.text for p in paragraphs),
        )

    def indications(self, uses: ListSection, not_ideal: ListSection) -> Iterator[Question]:
        """MCQs whose distractors come only from the opposite list, and true/false items."""
        use_prompt = f"Which of these is a situation where clinicians commonly use {self.topic}?"
        avoid_prompt = f"Which of these is a situation where {self.topic} is NOT ideal?"
        use_statement = f"{self.Topic} is commonly used in this situation: "
        avoid_statement = f"{self.Topic} is NOT ideal in this situation: "
        for section, own, other, prompt, statements in (
            (Section.INDICATIONS, uses, not_ideal, use_prompt, (use_statement, avoid_statement)),
            (
                Section.CONTRAINDICATIONS,
                not_ideal,
                uses,
                avoid_prompt,
                (avoid_statement, use_statement),
            ),
        ):
            explanation_of = f"Listed in the article under {_quoted(own.heading)}."
            pool = [item.text for item in other.items]
            for item in own.items:
                yield self._question(
                    section,
                    Kind.MCQ,
                    item.text,
                    prompt=prompt,
                    options=_options(item.text, item.text, pool),
                    answer=item.text,
                    explanation=explanation_of,
                    source=(item.text,),
                )
                true_form = ranked(item.text, ("a", "b"))[0] == "a"
                statement = statements[0] if true_form else statements[1]
                yield self._question(
                    section,
                    Kind.TRUE_FALSE,
                    item.text,
                    prompt=f"True or false? {statement}{_sentence(_lower_first(item.text))}",
                    answer=TRUE if true_form else FALSE,
                    explanation=explanation_of,
                    source=(item.text,),
                )

    def terms(
        self, items: Sequence[Item], section: Section, context: str, *, group_tag: str
    ) -> Iterator[Question]:
        """Matching, 'which one fits' MCQs and cloze deletions for `Name. description` items."""
        terms = [item for item in items if isinstance(item, Term)]
        matched = _distinct_terms(terms)
        names = [term.name for term in matched]
        label_prefix = f"{group_tag} " if group_tag else ""
        if len(matched) >= 2:
            yield self._question(
                section,
                Kind.MATCHING,
                f"{label_prefix}terms",
                group_tag=group_tag,
                prompt=f"{context}: match each term to its description.",
                pairs=tuple(Pair(t.name, sentences(t.description)[0]) for t in matched),
                source=tuple(t.text for t in matched),
            )
        for term in terms:
            if len(matched) >= 2:
                yield self._question(
                    section,
                    Kind.MCQ,
                    f"{label_prefix}{term.name}",
                    group_tag=group_tag,
                    prompt=f"{context}: which one fits this description? "
                    f"{_quoted(_mask(term.description, term.name))}",
                    options=_options(term.name, term.name, names),
                    answer=term.name,
                    explanation=term.text,
                    source=(term.text,),
                )
            yield self._question(
                section,
                Kind.CLOZE,
                f"{label_prefix}{term.name}",
                group_tag=group_tag,
                prompt=f"{context}: {term.text.replace(term.name, '{{c1::' + term.name + '}}', 1)}",
                explanation=term.text,
                source=(term.text,),
            )

    def procedure(self) -> Iterator[Question]:
        procedure = self.article.procedure
        assert procedure is not None
        steps = procedure.steps
        names = [step.name for step in steps]
        distinct_names = len({normalise(name) for name in names})
        if distinct_names >= 2:
            # A repeated step name would make the order ambiguous.
            if distinct_names == len(names):
                yield self._question(
                    Section.PROCEDURE,
                    Kind.ORDERING,
                    "steps",
                    prompt=f"Put the steps of the {self.topic} procedure overview in order.",
                    sequence=tuple(names),
                    explanation="\n".join(step.text for step in steps),
                    source=tuple(step.text for step in steps),
                )
            owners: dict[str, list[str]] = {}
            for step in steps:
                for detail in step.details:
                    owners.setdefault(normalise(detail), []).append(step.name)
            for step in steps:
                for detail in step.details:
                    if len(owners[normalise(detail)]) > 1:
                        continue
                    yield self._question(
                        Section.PROCEDURE,
                        Kind.MCQ,
                        detail,
                        prompt=f"In the {self.topic} procedure overview, which step includes "
                        f"{_quoted(detail)}?",
                        options=_options(detail, step.name, names),
                        answer=step.name,
                        explanation=f"{_quoted(step.name)} covers: {'; '.join(step.details)}.",
                        source=(step.name, detail),
                    )

    def types(self, groups: Sequence[Group]) -> Iterator[Question]:
        labels = [group.label for group in groups]
        homes: dict[str, list[str]] = {}
        for group in groups:
            for item in group.items:
                homes.setdefault(normalise(_name(item)), []).append(group.label)
        for group in groups:
            context = f"Types of {self.topic}, {_lower_first(group.label)}"
            yield from self.terms(group.items, Section.TYPES, context, group_tag=group.label)
            if len(groups) < 2:
                continue
            for item in group.items:
                name = _name(item)
                if len(homes[normalise(name)]) > 1:
                    continue
                yield self._question(
                    Section.TYPES,
                    Kind.MCQ,
                    f"grouping {name}",
                    group_tag=group.label,
                    prompt=f"Types of {self.topic}: which grouping does {_quoted(name)} belong to?",
                    options=_options(f"grouping {name}", group.label, labels),
                    answer=group.label,
                    explanation=f"{_quoted(item.text)} is listed under {_quoted(group.label)}.",
                    source=(group.label, item.text),
                )

    def pros_cons(self) -> Iterator[Question]:
        pros_cons = self.article.pros_cons
        assert pros_cons is not None
        for answer, items, plural in (
            (_PRO, pros_cons.pros, "pros"),
            (_CON, pros_cons.cons, "cons"),
        ):
            for item in items:
                yield self._question(
                    Section.PROS_CONS,
                    Kind.MCQ,
                    item.text,
                    prompt=f"Is this a pro or a con of {self.topic}? {_quoted(item.text)}",
                    options=(_PRO, _CON),
                    answer=answer,
                    explanation=f"Listed among the {plural} of {self.topic}.",
                    source=(item.text,),
                )

    def alternatives(self, groups: Sequence[Group]) -> Iterator[Question]:
        context = f"Among the alternatives and comparisons for {self.topic}"
        sides = {group.label: _sides(group.label) for group in groups}
        paired: dict[str, set[str]] = {}
        for pair in sides.values():
            if pair:
                paired.setdefault(normalise(pair[0]), set()).add(normalise(pair[1]))
        all_sides = [side for pair in sides.values() if pair for side in pair]
        labels = [group.label for group in groups]
        for group in groups:
            pair = sides[group.label]
            if pair:
                left, right = pair
                pool = [
                    side
                    for side in all_sides
                    if normalise(side) not in paired[normalise(left)] | {normalise(left)}
                ]
                if pool:
                    yield self._question(
                        Section.ALTERNATIVES,
                        Kind.MCQ,
                        group.label,
                        prompt=f"{context}, what is {_quoted(left)} compared with?",
                        options=_options(group.label, right, pool),
                        answer=right,
                        explanation=" ".join(item.text for item in group.items),
                        source=(group.label,),
                    )
            if len(groups) < 2:
                continue
            for item in group.items:
                yield self._question(
                    Section.ALTERNATIVES,
                    Kind.MCQ,
                    item.text,
                    prompt=f"{context}, which comparison does this point belong to? "
                    f"{_quoted(item.text)}",
                    options=_options(item.text, group.label, labels),
                    answer=group.label,
                    explanation=f"The point is made under {_quoted(group.label)}.",
                    source=(group.label, item.text),
                )

    def faq(self) -> Iterator[Question]:
        for entry in self.article.faq.entries:
            question = entry.question
            if self.article.topic.casefold() not in question.casefold():
                question = f"With {self.topic}, {_lower_first(question)}"
            full = "\n\n".join(paragraph.text for paragraph in entry.answer)
            answer = _concise(entry.answer[0].text)
            yield self._question(
                Section.FAQ,
                Kind.BASIC,
                entry.question,
                prompt=question,
                answer=answer,
                explanation=full if full != answer else "",
                source=(entry.question, *(paragraph.text for paragraph in entry.answer)),
            )


def _distinct_terms(terms: Sequence[Term]) -> list[Term]:
    """Drop terms whose name or description repeats an earlier one: a matching needs both unique."""
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


def _name(item: Item) -> str:
    return item.name if isinstance(item, Term) else item.text


def _sides(label: str) -> tuple[str, str] | None:
    """`X vs Y` -> (X, Y); None for a group that compares nothing by name."""
    parts = re.split(r"\s+(?:vs\.?|versus)\s+", label, flags=re.IGNORECASE)
    return (parts[0], parts[1]) if len(parts) == 2 else None
