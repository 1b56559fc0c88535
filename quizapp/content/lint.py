"""Item-writing flaws a program can see, after Haladyna's guidelines and the NBME guide.

Each finding names its rule. Errors make an item unfit to ask (it cues its answer,
refers outside itself, has two defensible answers, is negated, or tests nothing);
warnings ask a person to look. Question generation keeps only items with no finding.

The statement an item asks about is the cloze's text, the quoted sentence of a
completion question (its gap written as `BLANK`), or a true-or-false statement; its
term is the deletion, or the completion's correct option.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from quizapp.content.bank import CLOZE, Bank, Kind, Pair, Question
from quizapp.content.entities import (
    GLOSS,
    abbreviated_in,
    classify,
    in_enumeration,
    is_named,
    is_plural,
    is_quantity,
    is_rare_term,
    number_shows,
    shares_root,
    whole_phrase,
)
from quizapp.content.keyterms import (
    QUANTITY,
    STOPWORDS,
    WORD,
    content_stems,
    has_finite_verb,
    rarity,
)
from quizapp.content.text import normalise
from quizapp.content.topic import LABEL_KINDS

BLANK = "[…]"
# A statement opening with a word that points outside it ('These', 'In these cases').
UNRESOLVED = re.compile(
    r"^(?:these|this|those|such|they|them|their|there|here|both|either|neither|another|"
    r"other|instead|otherwise|similarly|likewise|however|in (?:these|this|such|that) cases?|"
    r"in addition|for (?:example|instance)|the (?:latter|former)|it|its)\b",
    re.IGNORECASE,
)
# A statement about the label itself ('X is a description, not a diagnosis').
ABOUT_LABEL = re.compile(
    r"\b(?:label(?:s|ing|ling)?|descriptors?|description|terminology|categor(?:y|ies|i[sz]ation)|"
    r"framing|(?:the|this|a|location-based|practical|clinical) term)\b",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(
    r"\b(always|never|all|none|only|completely|entirely|must|every|guaranteed?)\b",
    re.IGNORECASE,
)
_WRONG_FRAME = re.compile(
    r"\b(?:an? )?(?:advantages?|drawbacks?|disadvantages?|benefits?|risks?) of "
    r"(?!diagnosing|the label|the term|a diagnosis|naming|using|recognising|recognizing)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“(?P<statement>[^”]*)”")

MAX_QUESTIONS_PER_FACT = 2
_LONGER, _SHORTER = 1.3, 0.7
_LONG_OPTION = 5
_TECHNICAL = 2.5
_OUTSIDE = re.compile(
    r"\b(this point|the article|the text|this section|the passage|listed (under|in|among)|"
    r"mentioned (above|below)|as above|as below)\b",
    re.IGNORECASE,
)
_NEGATED_STEM = re.compile(r"\b(NOT|EXCEPT|NEVER|LEAST)\b")
_NEGATION = re.compile(r"\b(not|never|no|cannot|isn't|aren't|doesn't|don't)\b", re.IGNORECASE)
_ALL_NONE = re.compile(
    r"\b(?:(?:all|none|both|neither) of (?:the (?:above|options)|these|them|those)|"
    r"both|neither)\b",
    re.IGNORECASE,
)
_ARTICLE_END = re.compile(r"\b(a|an)\s*[?:…]*\s*$", re.IGNORECASE)
# 'Hyaluronic acid and other injectables', 'such as FADIR': the gap holds one example.
_OPEN_SET = re.compile(r",?\s+(?:and|or)\s+other\b", re.IGNORECASE)
_EXAMPLE_LEAD = re.compile(
    r"\b(?:such as|including|like|for example,?|for instance,?|e\.g\.,?)\s*(?:the |an? )?$",
    re.IGNORECASE,
)
# 'Imaging may include X, Y and Z': a list of examples, which a writer could go on.
_LIST_OF_EXAMPLES = re.compile(
    r"\b(?:such as|including|includes?|involves?|like|for example|for instance|e\.g\.)\b",
    re.IGNORECASE,
)
_CONTRAST = re.compile(r"(?:^|,\s*)(?:while|whereas)\b", re.IGNORECASE)
_QUANTIFIERS = frozenset({"many", "some", "most", "other", "certain"})
_CLAUSE_BREAK = re.compile(r"[,;:.]\s+|\b(?:while|whereas)\s+", re.IGNORECASE)
# 'lasting weeks to […]': the gap is the far end of a range.
_RANGE_START = re.compile(
    r"\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
    r"|minutes|hours|days|weeks|months|years)\s*(?:to|-|–)\s*$",
    re.IGNORECASE,
)
_TERM_LABEL = re.compile(r"^(?P<name>[^.:]{1,80})[.:]\s")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    question: str
    rule: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.question}: {self.severity} [{self.rule}] {self.message}"


def _error(question: Question, rule: str, message: str) -> Finding:
    return Finding(question.id, rule, Severity.ERROR, message)


def _warning(question: Question, rule: str, message: str) -> Finding:
    return Finding(question.id, rule, Severity.WARNING, message)


def _stem(question: Question) -> str:
    return CLOZE.sub("…", question.prompt) if question.kind is Kind.CLOZE else question.prompt


def asked(question: Question) -> tuple[str, str, int, int] | None:
    """The statement an item asks about, its term, and where the term sits in it."""
    if question.kind is Kind.CLOZE:
        match = CLOZE.search(question.prompt)
        if match is None:
            return None
        body = (
            question.prompt.split(": ", 1)[-1]
            if ": " in question.prompt[: match.start()]
            else question.prompt
        )
        text = CLOZE.sub(lambda m: m["answer"], body)
        start = body.find("{{c1::")
        return text, match["answer"], start, start + len(match["answer"])
    if question.kind is Kind.MCQ:
        quoted = _QUOTED.search(question.prompt)
        if quoted is None or BLANK not in quoted["statement"]:
            return None
        statement = quoted["statement"]
        start = statement.index(BLANK)
        text = statement.replace(BLANK, question.answer, 1)
        return text, question.answer, start, start + len(question.answer)
    if question.kind is Kind.TRUE_FALSE:
        return question.prompt, "", 0, 0
    if question.kind is Kind.BASIC and (quoted := _QUOTED.search(question.prompt)):
        statement = quoted["statement"]
        if BLANK in statement:
            start = statement.index(BLANK)
            text = statement.replace(BLANK, question.answer, 1)
            return text, question.answer, start, start + len(question.answer)
    return None


def lint_question(
    question: Question, *, topic_kind: str | None = None, topic: str = ""
) -> list[Finding]:
    """The flaws of one question on its own; `topic_kind` (a `TopicKind` value) adds the
    rules that depend on what the article is about, and the `topic`'s own words, shown in
    every stem, are no cue."""
    findings: list[Finding] = []
    stem = _stem(question)
    findings += _statement_flaws(question, topic_kind)
    if _OUTSIDE.search(question.prompt):
        findings.append(
            _error(question, "outside-reference", "refers to something outside the item")
        )
    if question.kind is Kind.TRUE_FALSE and _NEGATION.search(question.prompt):
        findings.append(_error(question, "negation", "a negated true-or-false statement"))
    elif question.kind in (Kind.MCQ, Kind.BASIC) and _NEGATED_STEM.search(question.prompt):
        findings.append(_error(question, "negation", "a negative stem (NOT, EXCEPT)"))
    label_kind = topic_kind is not None and topic_kind in LABEL_KINDS
    if label_kind and any(ABOUT_LABEL.search(option) for option in question.options):
        findings.append(
            _error(question, "about-the-label", "an option is about the label, not a clinical fact")
        )
    if label_kind and _WRONG_FRAME.search(_frame(question)):
        findings.append(
            _error(
                question,
                "wrong-frame",
                "speaks of the advantages or risks of a symptom, finding or condition itself",
            )
        )
    if question.kind is Kind.MCQ:
        findings += _options_flaws(question, stem)
    if question.kind is Kind.CLOZE:
        findings += _cloze_flaws(question)
    for pair in cueing_pairs(question.pairs):
        findings.append(
            _error(question, "pair-cue", f"a description repeats a word of {pair.right!r}")
        )
    if question.kind in (Kind.MCQ, Kind.BASIC) and _repeats_answer(question.answer, stem):
        findings.append(_error(question, "answer-in-stem", "the stem repeats the answer's words"))
    elif question.kind is Kind.MCQ and (word := _telltale(question, stem, topic)):
        findings.append(
            _error(
                question, "answer-in-stem", f"the stem repeats {word!r}, found only in the answer"
            )
        )
    return findings


def _frame(question: Question) -> str:
    """What the prompt says around the statement it quotes or clozes."""
    prompt = _QUOTED.sub("", question.prompt)
    if question.kind is Kind.CLOZE:
        match = CLOZE.search(prompt)
        head = prompt[: match.start()] if match else prompt
        return head.split(": ", 1)[0] if ": " in head else ""
    return prompt


def cue_words(description: str, name: str, others: Sequence[str]) -> list[str]:
    """The words of a matching description that share a root with its own name and with
    no other name ('metal' beside 'Metal artifact reduction sequences')."""
    return [
        word
        for word in re.findall(r"[\w’'-]+", description)
        if word.casefold() not in STOPWORDS
        and shares_root(word, name)
        and not any(shares_root(word, other) for other in others)
    ]


def cueing_pairs(pairs: Sequence[Pair]) -> list[Pair]:
    """Matching pairs whose description gives its own name away."""
    return [
        pair
        for pair in pairs
        if cue_words(pair.left, pair.right, [o.right for o in pairs if o is not pair])
    ]


def _opens_a_contrast(text: str, start: int) -> bool:
    """Whether the gap is the subject of one side of a contrast ('[…] may improve over
    shorter periods, while tendon problems take longer'; 'While many […] present as groin
    pain, …'): a claim about a kind of thing, which other kinds may share."""
    if not _CONTRAST.search(text):
        return False
    clause = _CLAUSE_BREAK.split(text[:start])[-1]
    return not (content_stems(clause) - _QUANTIFIERS)


def open_list(text: str, start: int, end: int) -> bool:
    """Whether the list at [start, end) is open, so that 'Name the three' has no one
    answer: alternatives ('dysplasia, impingement, or prior injury') or examples ('such as
    fracture, labral tear and tendon tear')."""
    return bool(re.search(r"\bor\b", text[start:end]) or _LIST_OF_EXAMPLES.search(text[:start]))


def _telltale(question: Question, stem: str, topic: str) -> str | None:
    """A word of the correct option, of a root in no distractor, that the stem repeats in
    some form ('labral tear' after 'into the labrum')."""
    others = " ".join(o for o in question.options if o != question.answer)
    shown = [w for w in _words(stem) if not shares_root(w, topic)]
    for word in _words(question.answer):
        if (
            len(word) >= 4
            and not shares_root(word, others)
            and any(shares_root(word, seen) for seen in shown)
        ):
            return word
    return None


def _words(text: str) -> list[str]:
    return [
        word
        for word in WORD.findall(re.sub(r"[-/–]", " ", text))
        if word.casefold() not in STOPWORDS
    ]


def _repeats_answer(answer: str, stem: str) -> bool:
    """All of a short answer's content words appear in the stem."""
    words = content_stems(answer)
    return bool(words) and len(words) <= 4 and words <= content_stems(stem)


def _options_flaws(question: Question, stem: str) -> list[Finding]:
    findings: list[Finding] = []
    options, answer = question.options, question.answer
    if any(_ALL_NONE.search(option) for option in options):
        findings.append(_error(question, "all-none-of-the-above", "an 'all/none of the above'"))
    distractors = [option for option in options if option != answer]
    # Length is a cue among elaborate options, not among names of a word or two.
    if len(distractors) >= 2 and max(len(option.split()) for option in options) >= _LONG_OPTION:
        longest = max(len(option) for option in distractors)
        shortest = min(len(option) for option in distractors)
        if len(answer) > _LONGER * longest:
            findings.append(
                _error(question, "longest-answer", "the correct option is much the longest")
            )
        elif len(answer) < _SHORTER * shortest:
            findings.append(
                _error(question, "shortest-answer", "the correct option is much the shortest")
            )
    if (
        len(distractors) >= 2
        and _capitalised(answer) != _capitalised(distractors[0])
        and len({_capitalised(option) for option in distractors}) == 1
    ):
        findings.append(
            _error(question, "capitalisation-cue", "only the correct option is capitalised so")
        )
    article = _ARTICLE_END.search(stem)
    if article:
        vowel = article[1].casefold() == "an"
        if any(_starts_with_vowel(option) != vowel for option in options):
            findings.append(
                _error(
                    question,
                    "grammar-cue",
                    f"the stem ends in {article[1]!r}; not every option fits",
                )
            )
    findings += _distractor_flaws(question, distractors)
    kinds = {_option_type(option) for option in options}
    if len(kinds) > 1:
        findings.append(
            _warning(
                question, "mixed-options", "options of mixed types: " + ", ".join(sorted(kinds))
            )
        )
    return findings


def _statement_flaws(question: Question, topic_kind: str | None) -> list[Finding]:
    """Flaws of the statement an item asks about and of the term it asks."""
    found = asked(question)
    if found is None:
        return []
    text, term, start, end = found
    findings = []
    if UNRESOLVED.match(text):
        findings.append(
            _error(
                question,
                "unresolved-reference",
                "the statement opens with a reference "
                f"to something it does not say: {text.split()[0]!r}",
            )
        )
    if topic_kind is not None and topic_kind in LABEL_KINDS and ABOUT_LABEL.search(text):
        findings.append(
            _error(question, "about-the-label", "asks about the label itself, not a clinical fact")
        )
    if not term:
        return findings
    if question.kind is Kind.BASIC:  # a list asked whole
        if open_list(text, start, end):
            findings.append(
                _error(question, "open-list", f"the list could go on, so no one answer: {term!r}")
            )
        return findings
    if not is_quantity(term):
        if re.search(r"\b(or|and)\b", term):
            findings.append(
                _error(question, "paired-deletion", f"asks two alternatives at once: {term!r}")
            )
        elif not is_named(term):
            findings.append(
                _error(
                    question,
                    "everyday-term",
                    f"asks an everyday phrase, not a named term: {term!r}",
                )
            )
        elif question.kind is Kind.CLOZE and not is_rare_term(term):
            findings.append(
                _error(
                    question,
                    "cloze-common-term",
                    f"a cloze asks a term too common to recall unprompted: {term!r}",
                )
            )
    if question.kind in (Kind.CLOZE, Kind.MCQ) and not is_quantity(term):
        bare = re.sub(r"^(?:an?|the) ", "", term, flags=re.IGNORECASE)
        offset = len(term) - len(bare)
        if not whole_phrase(text, start + offset, end):
            findings.append(
                _error(question, "partial-term", f"asks a piece of a longer name: {bare!r}")
            )
    if in_enumeration(text, start, end):
        findings.append(
            _error(
                question,
                "enumeration-member",
                f"asks one member of a list, the others shown: {term!r}",
            )
        )
    if _OPEN_SET.match(text[end:]) or (
        question.kind is Kind.CLOZE and _EXAMPLE_LEAD.search(text[:start])
    ):
        findings.append(
            _error(question, "open-example", f"{term!r} is one example of many: others fit too")
        )
    general = is_plural(term) and not is_quantity(term)  # 'acute strains', not 'the ACL'
    if question.kind is Kind.CLOZE and general and _opens_a_contrast(text, start):
        findings.append(
            _error(
                question,
                "contrast-subject",
                f"{term!r} is one side of a contrast ('while', 'whereas'): others fit the gap",
            )
        )
    if is_quantity(term) and _RANGE_START.search(text[:start]):
        findings.append(
            _error(question, "half-range", "the gap is one end of a range, the other shown")
        )
    agreeing = question.kind is Kind.MCQ and number_shows(text[end:])
    if agreeing and any(is_plural(option) != is_plural(term) for option in question.options):
        findings.append(
            _error(question, "grammar-cue", "the verb after the gap fits only some options")
        )
    article = re.search(r"\b(a|an)\s*$", text[:start], re.IGNORECASE)
    if article and question.kind is Kind.CLOZE:
        findings.append(
            _error(question, "grammar-cue", "'a' or 'an' before the gap gives the term away")
        )
    elif article and question.kind is Kind.MCQ:
        vowel = article[1].casefold() == "an"
        if any(_starts_with_vowel(option) != vowel for option in question.options):
            findings.append(
                _error(
                    question,
                    "grammar-cue",
                    f"{article[1]!r} before the gap fits only some of the options",
                )
            )
    if question.kind is Kind.CLOZE and not has_finite_verb(text):
        findings.append(
            _error(question, "verbless-fragment", "the statement is a fragment with no verb")
        )
    name = _TERM_LABEL.match(text)
    if name is not None and start < name.end() and len(text) - name.end() < 3:
        findings.append(_error(question, "dangling-label", "the statement is only a label"))
    elif name is not None and start >= name.end() and shares_root(term, name["name"]):
        findings.append(
            _error(question, "name-cue", f"the entry's name above the gap gives away {term!r}")
        )
    if not is_quantity(term) and abbreviated_in(term, text):
        findings.append(
            _error(question, "abbreviation-cue", f"an abbreviation in the stem spells {term!r}")
        )
    if GLOSS.match(text, end) or text[:start].rstrip().endswith("("):
        findings.append(_error(question, "gloss-cue", f"a bracket beside the gap glosses {term!r}"))
    return findings


def _distractor_flaws(question: Question, distractors: list[str]) -> list[Finding]:
    findings = []
    answer = question.answer
    if any(_ABSOLUTE.search(option) for option in distractors) and not _ABSOLUTE.search(answer):
        findings.append(
            _error(question, "absolute-distractor", "a distractor says always, never, only or all")
        )
    source = normalise(" ".join(question.source))
    for option in distractors:
        if len(option) > 3 and f" {normalise(option)} " in f" {source} ":
            findings.append(
                _error(
                    question,
                    "two-answers",
                    f"the source states {option!r} too: it may be a second defensible answer",
                )
            )
            break
    shared = [
        len(
            content_stems(option)
            & set().union(*(content_stems(o) for o in question.options if o != option))
        )
        for option in question.options
    ]
    mine = shared[question.options.index(answer)] if answer in question.options else 0
    others = [
        count for option, count in zip(question.options, shared, strict=True) if option != answer
    ]
    if mine >= 2 and others and mine > max(others):
        findings.append(
            _error(
                question,
                "convergence-cue",
                "the correct option shares the most words with the others",
            )
        )
    kind = classify(answer) if asked(question) is not None else None
    if kind is not None:
        odd = [o for o in distractors if (other := classify(o)) is not None and other is not kind]
        if odd:
            findings.append(
                _error(
                    question,
                    "implausible-distractor",
                    f"not a {kind.value} like the answer: {odd[0]!r}",
                )
            )
    if is_quantity(answer) and not all(is_quantity(option) for option in distractors):
        findings.append(
            _error(question, "implausible-distractor", "a quantity among options that are not")
        )
    return findings


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


def _starts_with_vowel(text: str) -> bool:
    return text[:1].casefold() in "aeiou"


def _option_type(option: str) -> str:
    if QUANTITY.fullmatch(option.strip()) or re.fullmatch(r"[\d.,%\s-]+", option):
        return "quantity"
    if option.rstrip().endswith((".", "!", "?")) and len(option.split()) > 6:
        return "sentence"
    return "phrase"


def _cloze_flaws(question: Question) -> list[Finding]:
    findings: list[Finding] = []
    deletions = CLOZE.findall(question.prompt)
    for deletion in deletions:
        words = [w.casefold() for w in re.findall(r"[\w’'-]+", deletion)]
        if not words or all(word in STOPWORDS for word in words):
            findings.append(_error(question, "cloze-stopword", f"deletes only {deletion!r}"))
            continue
        if any(_is_label(deletion, source) for source in question.source):
            findings.append(
                _error(question, "cloze-label", f"deletes {deletion!r}, a label, not a fact")
            )
        # Every word of the deletion shown in some form: 'Pelvic bone marrow. The marrow
        # of the pelvis …'.
        shown = _words(CLOZE.sub(" ", question.prompt))
        deleted = _words(deletion)
        if deleted and all(any(shares_root(w, seen) for seen in shown) for w in deleted):
            findings.append(
                _error(
                    question, "answer-in-stem", f"the rest of the prompt gives {deletion!r} away"
                )
            )
    return findings


def _is_label(deletion: str, source: str) -> bool:
    """The deletion is the everyday-worded name a `Name. description` entry opens with.

    Such a name ('Correction of shape problems') was coined by the article, and no
    learner could reproduce it; a technical name ('Subacute/chronic') is a term.
    """
    match = _TERM_LABEL.match(source)
    if match is None or normalise(match["name"]) != normalise(deletion):
        return False
    return max((rarity(word) for word in re.findall(r"[\w’'-]+", deletion)), default=0) < _TECHNICAL


def lint_bank(bank: Bank) -> list[Finding]:
    """Every flaw of every question, and facts asked more often than a learner needs."""
    findings = [
        finding
        for question in bank.questions
        for finding in lint_question(question, topic_kind=bank.topic_kind, topic=bank.topic)
    ]
    findings += _over_asked(bank.questions)
    findings += [
        _error(
            question, "not-self-contained", f"the prompt does not say it is about {bank.topic!r}"
        )
        for question in bank.questions
        if not _names_topic(question.prompt, bank.topic)
    ]
    return findings


def _names_topic(prompt: str, topic: str) -> bool:
    """The prompt names the topic, or all of the topic's content words."""
    return normalise(topic) in normalise(prompt) or content_stems(topic) <= content_stems(prompt)


def _over_asked(questions: Iterable[Question]) -> list[Finding]:
    questions = list(questions)
    counts = Counter(question.fact for question in questions if question.fact)
    return [
        _error(
            question,
            "fact-asked-too-often",
            f"fact {question.fact!r} is asked by {counts[question.fact]} questions "
            f"(at most {MAX_QUESTIONS_PER_FACT})",
        )
        for question in questions
        if question.fact and counts[question.fact] > MAX_QUESTIONS_PER_FACT
    ]


def findings_by_question(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.question, []).append(finding)
    return grouped
