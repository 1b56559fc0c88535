"""A plain-text summary of a bank, for `quizapp bank show`."""

from __future__ import annotations

from collections import Counter

from quizapp.content.bank import Bank, Kind, Question, Section


def _sample(question: Question) -> list[str]:
    lines = [f"[{question.kind.label}] {question.prompt}"]
    if question.options:
        lines += [
            f"    {'*' if option == question.answer else '-'} {option}"
            for option in question.options
        ]
    else:
        lines.append(f"    answer: {question.correct_answer}")
    return lines


def summarise(bank: Bank, *, samples: int = 5) -> str:
    """Counts by section and kind, then a few sample questions of different kinds."""
    counts = Counter((q.section, q.kind) for q in bank.questions)
    kinds = [kind for kind in Kind if any(k is kind for _, k in counts)]
    sections = [section for section in Section if any(s is section for s, _ in counts)]
    width = max(len(section.label) for section in sections)
    header = f"{'':{width}}  " + "  ".join(f"{kind.value:>10}" for kind in kinds) + "       all"
    rows = [
        f"{section.label:{width}}  "
        + "  ".join(f"{counts[section, kind] or '':>10}" for kind in kinds)
        + f"  {sum(counts[section, kind] for kind in kinds):>8}"
        for section in sections
    ]
    totals = (
        f"{'All':{width}}  "
        + "  ".join(f"{sum(counts[s, kind] for s in sections):>10}" for kind in kinds)
        + f"  {len(bank.questions):>8}"
    )
    firsts: dict[Kind, Question] = {}
    for question in bank.questions:
        firsts.setdefault(question.kind, question)
    lines = [
        f"{bank.topic} ({bank.id}): {len(bank.questions)} questions from {bank.article}",
        "",
        header,
        *rows,
        totals,
        "",
        "Samples:",
    ]
    for question in list(firsts.values())[:samples]:
        lines += _sample(question)
    return "\n".join(lines)
