"""Item-writing flaws a program can see, after Haladyna's guidelines and the NBME guide.

Each finding names its rule. Errors make an item unfit to ask (it cues its answer,
refers outside itself, is negated, or tests nothing); warnings ask a person to look.
Question generation keeps only items with no finding at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from quizapp.content.bank import CLOZE, Bank, Kind, Question
from quizapp.content.keyterms import QUANTITY, STOPWORDS, content_stems, rarity
from quizapp.content.text import normalise

MAX_QUESTIONS_PER_FACT = 2
_LONGER, _SHORTER = 1.3, 0.7
_TECHNICAL = 2.5
_OUTSIDE = re.compile(
    r"\b(this point|the article|the text|this section|the passage|listed (under|in|among)|"
    r"mentioned (above|below)|as above|as below)\b",
    re.IGNORECASE,
)
_NEGATED_STEM = re.compile(r"\b(NOT|EXCEPT|NEVER|LEAST)\b")
_NEGATION = re.compile(r"\b(not|never|no|cannot|isn't|aren't|doesn't|don't)\b", re.IGNORECASE)
_ALL_NONE = re.compile(r"\b(all|none|both) of the (above|options|these)\b", re.IGNORECASE)
_ARTICLE_END = re.compile(r"\b(a|an)\s*[?:…]*\s*$", re.IGNORECASE)
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


def lint_question(question: Question) -> list[Finding]:
    """The flaws of one question on its own."""
    findings: list[Finding] = []
    stem = _stem(question)
    if _OUTSIDE.search(question.prompt):
        findings.append(
            _error(question, "outside-reference", "refers to something outside the item")
        )
    if question.kind is Kind.TRUE_FALSE and _NEGATION.search(question.prompt):
        findings.append(_error(question, "negation", "a negated true-or-false statement"))
    elif question.kind in (Kind.MCQ, Kind.BASIC) and _NEGATED_STEM.search(question.prompt):
        findings.append(_error(question, "negation", "a negative stem (NOT, EXCEPT)"))
    if question.kind is Kind.MCQ:
        findings += _options_flaws(question, stem)
    if question.kind is Kind.CLOZE:
        findings += _cloze_flaws(question)
    if question.kind in (Kind.MCQ, Kind.BASIC) and _repeats_answer(question.answer, stem):
        findings.append(_error(question, "answer-in-stem", "the stem repeats the answer's words"))
    elif question.kind is Kind.MCQ and (word := _telltale(question, stem)):
        findings.append(
            _error(
                question, "answer-in-stem", f"the stem repeats {word!r}, found only in the answer"
            )
        )
    return findings


def _word_stems(text: str) -> set[str]:
    return content_stems(re.sub(r"[-/–]", " ", text))


def _telltale(question: Question, stem: str) -> str | None:
    """A word of the correct option, in no distractor, that the stem repeats."""
    others = set().union(*(_word_stems(o) for o in question.options if o != question.answer))
    shown = _word_stems(stem)
    for word in sorted(_word_stems(question.answer) - others):
        if len(word) >= 4 and word in shown:
            return word
    return None


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
    if len(distractors) >= 2:
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
            _capitalised(answer) != _capitalised(distractors[0])
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
    kinds = {_option_type(option) for option in options}
    if len(kinds) > 1:
        findings.append(
            _warning(
                question, "mixed-options", "options of mixed types: " + ", ".join(sorted(kinds))
            )
        )
    return findings


def _capitalised(text: str) -> bool:
    return text[:1].isupper()


def _starts_with_vowel(text: str) -> bool:
    return text[:1].casefold() in "aeiou"


def _option_type(option: str) -> str:
    if QUANTITY.search(option) or re.fullmatch(r"[\d.,%\s-]+", option):
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
        shown = content_stems(CLOZE.sub(" ", question.prompt))
        if content_stems(deletion) and content_stems(deletion) <= shown:
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
    findings = [finding for question in bank.questions for finding in lint_question(question)]
    findings += _over_asked(bank.questions)
    return findings


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
