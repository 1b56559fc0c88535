"""How questions are shown and how form input becomes a response (no database)."""

from __future__ import annotations

from collections.abc import Mapping

from markupsafe import Markup, escape

from quizapp.content.bank import CLOZE, Kind, Question
from quizapp.content.responses import encode
from quizapp.content.text import normalise, ranked


def cloze(prompt: str, *, reveal: bool) -> Markup:
    """The cloze text, escaped, with the deletion blanked or highlighted."""
    parts = []
    position = 0
    for match in CLOZE.finditer(prompt):
        parts.append(escape(prompt[position : match.start()]))
        answer = escape(match["answer"])
        parts.append(
            Markup('<mark class="cloze">{}</mark>').format(answer)
            if reveal
            else Markup('<span class="cloze">[…]</span>')
        )
        position = match.end()
    parts.append(escape(prompt[position:]))
    return Markup("").join(parts)


def match_choices(question: Question) -> list[str]:
    """Right-hand sides of a matching question, in a stable mixed order."""
    return ranked(question.id, [pair.right for pair in question.pairs])


def ordering_shown(question: Question) -> list[str]:
    """Steps of an ordering question in a stable order that differs from the answer."""
    shown = ranked(question.id, question.sequence)
    return shown if shown != list(question.sequence) else shown[1:] + shown[:1]


def _index(value: str | None, size: int) -> int | None:
    if value is None or not value.isdigit() or not 0 <= int(value) < size:
        return None
    return int(value)


def response_from(question: Question, args: Mapping[str, str]) -> str | None:
    """Turn the front page's inputs into the stored response; None when nothing was given."""
    if question.kind is Kind.MCQ:
        choice = _index(args.get("choice"), len(question.options))
        return None if choice is None else question.options[choice]
    if question.kind is Kind.TRUE_FALSE:
        return args.get("choice") if args.get("choice") in ("True", "False") else None
    if question.kind is Kind.CLOZE:
        typed = (args.get("typed") or "").strip()
        return typed[:500] or None
    if question.kind is Kind.MATCHING:
        choices = match_choices(question)
        picked = [_index(args.get(f"m{i}"), len(choices)) for i in range(len(question.pairs))]
        if all(p is None for p in picked):
            return None
        return encode([choices[p] if p is not None else "" for p in picked])
    if question.kind is Kind.ORDERING:
        shown = ordering_shown(question)
        ranks = [_index(args.get(f"o{i}"), len(shown) + 1) for i in range(len(shown))]
        if all(r is None for r in ranks):
            return None
        order = sorted(range(len(shown)), key=lambda i: (ranks[i] or len(shown) + 1, i))
        return encode([shown[i] for i in order])
    return None


def _contains(texts: list[str], part: str) -> bool:
    wanted = normalise(part).rstrip(".")
    return any(wanted in normalise(text) for text in texts)


def explanation(question: Question) -> list[str]:
    """The explanation's paragraphs that say something the answer and source do not.

    The back of a card shows each text once: a paragraph already in the answer or in
    the quoted source sentences is left out.
    """
    shown = [question.correct_answer, " ".join(question.source)]
    return [p for p in question.explanation.split("\n") if p.strip() and not _contains(shown, p)]


def source(question: Question) -> list[str]:
    """The quoted source sentences, less any that only repeat the answer word for word."""
    answer = normalise(question.correct_answer).rstrip(".")
    return [s for s in question.source if normalise(s).rstrip(".") != answer]
