"""Parsing the demo articles, formatting variants of them, and malformed articles."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from quizapp.content.article import Article, Item, Step, Subsection, Term
from quizapp.content.parser import ArticleError, parse_article, split_term

# The section headers as the demo articles write them; {topic} is the article's topic.
HEADERS = {
    "introduction": "{topic} Introduction (What it is)",
    "purpose": "Why {topic} used (Purpose / benefits)",
    "indications": "Indications (When orthopedic clinicians use it)",
    "contraindications": "Contraindications / when it’s NOT ideal",
    "mechanism": "How it works (Mechanism / physiology)",
    "procedure": "{topic} Procedure overview (How it’s applied)",
    "types": "Types / variations",
    "pros_cons": "Pros and cons",
    "aftercare": "Aftercare & longevity",
    "alternatives": "Alternatives / comparisons",
    "faq": "{topic} Common questions (FAQ)",
}


def source_sections(text: str, topic: str) -> dict[str, list[str]]:
    """Split the article text at its known header lines, independently of the parser."""
    lines = [line.strip() for line in text.splitlines()]
    starts = {}
    for key, header in HEADERS.items():
        found = [number for number, line in enumerate(lines) if line == header.format(topic=topic)]
        assert len(found) == 1, f"header {header!r} found {len(found)} times"
        starts[key] = found[0]
    order = sorted(starts, key=starts.__getitem__)
    ends = [starts[key] for key in order[1:]] + [len(lines)]
    return {key: lines[starts[key] + 1 : end] for key, end in zip(order, ends, strict=True)}


def source_entries(lines: list[str]) -> int:
    """Count bullet lines, lines following a lone '-', and 'Q:' lines."""
    count = 0
    after_dash = False
    for line in lines:
        if not line:
            continue
        if line.startswith(("- ", "Q:")) or after_dash:
            count += 1
        after_dash = line == "-"
    return count


def model_entries(article: Article) -> dict[str, int]:
    """Every list entry the parser kept, per section."""
    assert article.purpose and article.indications and article.contraindications
    assert article.mechanism and article.procedure and article.types and article.pros_cons
    assert article.aftercare and article.alternatives
    return {
        "introduction": 0,
        "purpose": len(article.purpose.items),
        "indications": len(article.indications.items),
        "contraindications": len(article.contraindications.items),
        "mechanism": sum(len(sub.items) for sub in article.mechanism.subsections),
        "procedure": len(article.procedure.steps),
        "types": sum(1 + len(group.items) for group in article.types.groups),
        "pros_cons": len(article.pros_cons.pros) + len(article.pros_cons.cons),
        "aftercare": len(article.aftercare.items),
        "alternatives": sum(1 + len(group.items) for group in article.alternatives.groups),
        "faq": len(article.faq.entries),
    }


def model_lines(value: Any) -> Iterator[int]:
    """The line number of every part of the model."""
    if isinstance(value, tuple):
        for part in value:
            yield from model_lines(part)
    elif dataclasses.is_dataclass(value):
        if isinstance(getattr(value, "line", None), int):
            yield value.line
        for field in dataclasses.fields(value):
            yield from model_lines(getattr(value, field.name))


def assert_shared_counts(article: Article) -> None:
    """The counts the issue gives for the shared article, whatever its formatting."""
    assert article.indications and len(article.indications.items) == 7
    assert article.contraindications and len(article.contraindications.items) == 6
    assert len(article.faq.entries) == 10
    assert article.procedure and len(article.procedure.steps) == 6
    assert article.types
    assert [group.label for group in article.types.groups] == [
        "By timing",
        "By tissue and location",
        "By pain mechanism",
        "By source region",
    ]
    assert [len(group.items) for group in article.types.groups] == [2, 4, 3, 2]
    assert article.alternatives and len(article.alternatives.groups) == 5


def test_shared_article_counts(shared_article: Article) -> None:
    article = shared_article
    assert article.topic == "Posterior hip pain"
    assert article.warnings == ()
    assert_shared_counts(article)
    assert article.alternatives
    assert article.alternatives.groups[2].label == "Hip-focused vs spine-focused evaluation"


def test_shared_article_spot_checks(shared_article: Article, shared_text: str) -> None:
    article = shared_article
    assert article.mechanism
    anatomy = {sub.heading: sub for sub in article.mechanism.subsections}[
        "Relevant anatomy (what structures may be involved)"
    ]
    terms = {item.name: item for item in anatomy.items if isinstance(item, Term)}
    assert len(terms) == 6
    assert terms["Sacroiliac (SI) joint"].description == (
        "This joint connects the spine to the pelvis and can refer pain to the buttock "
        "and posterior pelvis."
    )

    assert article.procedure
    examination = article.procedure.steps[1]
    assert examination.name == "Physical examination"
    assert examination.details == (
        "Observing gait and posture",
        "Checking hip range of motion and strength",
        "Palpation of relevant areas (gluteal region, ischial area, SI region)",
        "Screening of neurologic function when symptoms suggest nerve involvement "
        "(varies by clinician and case)",
    )
    assert [step.name for step in article.procedure.steps][-2:] == ["Immediate checks", "Follow-up"]

    recovery = {entry.question: entry for entry in article.faq.entries}[
        "What is the usual recovery time?"
    ]
    assert [item.text for item in recovery.answer] == [
        "There is no single timeline because Posterior hip pain can come from many different "
        "conditions. Acute strains may improve over shorter periods, while tendon, joint, or "
        "nerve-related problems may take longer and fluctuate. "
        "Timelines vary by clinician and case."
    ]
    lines = shared_text.splitlines()
    assert recovery.line == lines.index("Q: What is the usual recovery time?") + 1

    assert article.contraindications
    assert article.contraindications.heading == "Contraindications / when it’s NOT ideal"
    assert article.indications
    assert article.indications.items[2].text == (
        "Suspected SI joint–related pain patterns (often near the posterior pelvis)"
    )
    assert article.pros_cons
    assert article.pros_cons.cons[2].text == (
        "Different clinicians may define “posterior hip” boundaries slightly differently"
    )


def test_second_article_counts(second_article: Article) -> None:
    article = second_article
    assert article.topic == "Hip osteoarthritis"
    assert article.warnings == ()
    assert article.indications and len(article.indications.items) == 8
    assert article.contraindications and len(article.contraindications.items) == 5
    assert len(article.faq.entries) == 11
    assert article.procedure and len(article.procedure.steps) == 6
    assert article.types and [len(group.items) for group in article.types.groups] == [2, 3, 3, 3]
    assert article.alternatives and len(article.alternatives.groups) == 4
    assert article.mechanism
    anatomy = article.mechanism.subsections[1]
    assert anatomy.items[1] == Term(
        "Articular cartilage. This slick, load-spreading layer thins, roughens, "
        "and may wear through where stress is highest.",
        anatomy.items[1].line,
        "Articular cartilage",
        "This slick, load-spreading layer thins, roughens, and may wear through where stress "
        "is highest.",
    )
    assert article.procedure.steps[2].name == "Imaging and confirmation"


@pytest.mark.parametrize(
    "name, topic", [("posterior-hip-pain", "Posterior hip pain"), ("hip-osteoarthritis", None)]
)
def test_nothing_is_silently_dropped(
    name: str, topic: str | None, shared_text: str, second_text: str
) -> None:
    text = shared_text if name == "posterior-hip-pain" else second_text
    article = parse_article(text, f"{name}.txt")
    sections = source_sections(text, topic or "Hip osteoarthritis")
    assert {key: source_entries(lines) for key, lines in sections.items()} == model_entries(article)

    # Every line but the lone '-' markers and the Pros:/Cons: labels ends up in the model.
    kept = set(model_lines(article))
    wanted = {
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and line.strip() not in ("-", "Pros:", "Cons:")
    }
    assert wanted - kept == set()


def _content(value: Any) -> Any:
    """A part of the model as a learner reads it: entries' texts, names, labels and groups.

    Line numbers and the wording of section headers are left out, so two copies of one
    article laid out differently compare equal, while any text that moves or changes does not.
    """
    if isinstance(value, Term):
        return (value.text, value.name, value.description)
    if isinstance(value, Item):
        return value.text
    if isinstance(value, Step):
        return (value.name, value.details)
    if isinstance(value, tuple):
        return [_content(part) for part in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        left_out = {"line"} if isinstance(value, Subsection) else {"line", "heading"}
        return {
            field.name: _content(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if field.name not in left_out
        }
    return value


_PARTS = (
    "topic",
    "introduction",
    "purpose",
    "indications",
    "contraindications",
    "mechanism",
    "procedure",
    "types",
    "pros_cons",
    "aftercare",
    "alternatives",
    "faq",
)


def shape(article: Article) -> dict[str, Any]:
    """What a learner would see of the article: every section's content and the warnings."""
    return {
        **{part: _content(getattr(article, part)) for part in _PARTS},
        "warnings": article.warnings,
    }


def _without(value: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: part for key, part in value.items() if key not in keys}


def _line_of(text: str, line: str) -> int:
    """The 1-based number of the only line of `text` equal to `line`."""
    numbers = [n for n, text_line in enumerate(text.split("\n"), start=1) if text_line == line]
    assert len(numbers) == 1, f"{line!r} found {len(numbers)} times"
    return numbers[0]


def _replace_line(text: str, old: str, *new: str) -> str:
    lines = text.split("\n")
    at = lines.index(old)
    return "\n".join([*lines[:at], *new, *lines[at + 1 :]])


def _straight(text: str) -> str:
    return text.translate(str.maketrans("‘’“”", "''\"\""))


def _other_topic(text: str) -> str:
    return text.replace("Posterior hip pain", "Total hip arthroplasty").replace(
        "posterior hip pain", "total hip arthroplasty"
    )


def _same(text: str) -> str:
    return text


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list | tuple):
        return type(value)(_map_strings(part, change) for part in value)
    if isinstance(value, dict):
        return {key: _map_strings(part, change) for key, part in value.items()}
    return value


def _each_line(change: Callable[[str], str]) -> Callable[[str], str]:
    return lambda text: "\n".join(change(line) for line in text.split("\n"))


def _bullets(marker: str) -> Callable[[str], str]:
    """Write every '- ' bullet and every lone '-' with another marker."""
    return _each_line(
        lambda line: marker if line == "-" else f"{marker} {line[2:]}" if line[:2] == "- " else line
    )


PROCEDURE = HEADERS["procedure"].format(topic="Posterior hip pain")


def _numbered_steps(text: str, style: str = "{}. ") -> str:
    """Write each procedure step, a lone '-' then the step, as one numbered line."""
    lines = text.split("\n")
    start, end = lines.index(PROCEDURE), lines.index(HEADERS["types"])
    steps: list[str] = []
    count = 0
    for previous, line in zip(["", *lines[start : end - 1]], lines[start:end], strict=True):
        if line == "-":
            continue
        if previous == "-":
            count += 1
            line = style.format(count) + line
        steps.append(line)
    assert count == 6
    return "\n".join([*lines[:start], *steps, *lines[end:]])


_LIST_LINE = re.compile(r"^(?:[-•*]|\d{1,2}[.)]) ")


def _wrap(line: str, width: int, indent: str = "  ") -> list[str]:
    """Wrap a line at spaces, never putting a dash at the start of a continuation line."""
    rows: list[list[str]] = [[]]
    for word in line.split(" "):
        row = rows[-1]
        if len(row) > 1 and len(" ".join([*row, word])) > width and word not in ("–", "—", "-"):
            rows.append([])
        rows[-1].append(word)
    return [(indent if number else "") + " ".join(row) for number, row in enumerate(rows)]


def _wrapped_bullets(text: str, width: int = 60) -> str:
    """Wrap every bulleted or numbered line onto continuation lines indented two spaces."""
    return "\n".join(
        row
        for line in text.split("\n")
        for row in (_wrap(line, width) if _LIST_LINE.match(line) else [line])
    )


def _unbulleted(line: str) -> str:
    term = split_term(line[2:]) if line[:2] == "- " else None
    return line[2:] if term and line[2:].startswith(f"{term[0]}:") else line


def _unbulleted_terms(text: str) -> str:
    """Drop the bullet from every 'Name: description' entry (the types section's)."""
    return _each_line(_unbulleted)(text)


def _a_prefixed(text: str) -> str:
    """Start the line after each 'Q:' with 'A: '."""
    lines = text.split("\n")
    return "\n".join(
        f"A: {line}" if previous.startswith("Q: ") else line
        for previous, line in zip(["", *lines[:-1]], lines, strict=True)
    )


# Header wordings other copies of the article use, for the shared article's own.
HEADER_WORDINGS = {
    "Types / variations": "Types and variations",
    "Pros and cons": "Pros & cons",
    "Posterior hip pain Common questions (FAQ)": "Frequently asked questions",
    "How it works (Mechanism / physiology)": "How it works (Mechanism/physiology)",
    "Contraindications / when it’s NOT ideal": "Contraindications / When it is NOT ideal",
    "Pros:": "Advantages:",
    "Cons:": "Disadvantages:",
}


def _reworded(*originals: str) -> Callable[[str], str]:
    return _each_line(lambda line: HEADER_WORDINGS[line] if line in originals else line)


_HEADER_LINES = {
    *(header.format(topic="Posterior hip pain") for header in HEADERS.values()),
    *HEADER_WORDINGS.values(),
    "Pros:",
    "Cons:",
}


def _trailing_spaces_on_headers(text: str) -> str:
    return _each_line(lambda line: f"{line}   " if line in _HEADER_LINES else line)(text)


def _real_copy(text: str) -> str:
    """All of the above at once, as a copy pasted from a word processor might be."""
    text = _a_prefixed(_reworded(*HEADER_WORDINGS)(_numbered_steps(text)))
    text = _bullets("•")(_wrapped_bullets(_unbulleted_terms(text)))
    return _trailing_spaces_on_headers(text).replace("\n", "\r\n")


VARIANTS: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
    # name: (how the article text is rewritten, how names in it change)
    "crlf": (lambda text: text.replace("\n", "\r\n"), _same),
    "straight quotes": (_straight, _straight),
    "extra blank lines": (lambda text: text.replace("\n", "\n\n\n"), _same),
    "blank lines around headers only": (
        lambda text: "\n".join(
            f"\n\n{line}\n" if line in ("Types / variations", "Pros and cons") else line
            for line in text.split("\n")
        ),
        _same,
    ),
    "no trailing newline": (lambda text: text.rstrip("\n"), _same),
    "trailing newlines": (lambda text: text.rstrip("\n") + "\n\n", _same),
    "byte order mark": (lambda text: "\ufeff" + text, _same),
    "indented lines": (lambda text: text.replace("\n", "\n  "), _same),
    "another topic": (_other_topic, _other_topic),
    "another topic with straight quotes": (
        lambda text: _straight(_other_topic(text)),
        lambda text: _straight(_other_topic(text)),
    ),
    "• bullets": (_bullets("•"), _same),
    "* bullets": (_bullets("*"), _same),
    "numbered steps": (_numbered_steps, _same),
    "numbered steps '1)'": (lambda text: _numbered_steps(text, "{}) "), _same),
    "bullets wrapped onto indented lines": (_wrapped_bullets, _same),
    "bullets wrapped narrowly": (lambda text: _wrapped_bullets(text, 30), _same),
    "numbered steps wrapped": (lambda text: _wrapped_bullets(_numbered_steps(text)), _same),
    "un-bulleted 'Name: description' entries": (_unbulleted_terms, _same),
    "trailing spaces on headers": (_trailing_spaces_on_headers, _same),
    "trailing spaces on every line": (_each_line(lambda line: f"{line}  "), _same),
    **{
        f"header {wording!r}": (_reworded(original), _same)
        for original, wording in HEADER_WORDINGS.items()
    },
    "all header wordings": (_reworded(*HEADER_WORDINGS), _same),
    "answers prefixed 'A:'": (_a_prefixed, _same),
    "a real copy: all of the above with CRLF": (_real_copy, _same),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_formatting_variants_parse_to_the_same_structure(variant: str, shared_text: str) -> None:
    rewrite, rename = VARIANTS[variant]
    text = rewrite(shared_text)
    assert text != shared_text or variant == "no trailing newline"
    article = parse_article(text, "a.txt")
    assert_shared_counts(article)
    expected = _map_strings(shape(parse_article(shared_text, "a.txt")), rename)
    assert shape(article) == expected


def test_the_rewrites_make_the_changes_they_name(shared_text: str) -> None:
    """Guards the variants above against rewrites that silently do nothing."""
    lines = _bullets("•")(shared_text).split("\n")
    assert "•" in lines and not any(line.startswith("- ") or line == "-" for line in lines)

    procedure = _numbered_steps(shared_text).split("\n")
    at = procedure.index(PROCEDURE)
    assert [line[:3] for line in procedure[at + 2 : at + 8]] == [f"{n}. " for n in range(1, 7)]
    assert procedure[at + 8] == "Types / variations"

    wrapped = _wrapped_bullets(shared_text, 30).split("\n")
    continuations = [line[2:] for line in wrapped if line.startswith("  ")]
    # Continuations that would read as a new entry, a new sentence or a sub-heading
    # were they not joined to the bullet above them.
    assert any(line[0].isupper() for line in continuations)
    assert any(line[0] == "(" for line in continuations)
    assert any(len(line.split()) <= 3 and not line.endswith(".") for line in continuations)

    unbulleted = set(_unbulleted_terms(shared_text).split("\n")) - set(shared_text.split("\n"))
    assert "Acute: sudden onset, sometimes linked to a specific movement or injury" in unbulleted
    assert len(unbulleted) == 8

    real = _real_copy(shared_text)
    assert "\r\nA: No. Pain felt" in real and "\r\nAdvantages:   \r\n• " in real
    assert "\r\nTypes and variations   \r\n" in real and "\r\n3. Preparation" in real


def test_header_wordings_are_kept_verbatim(shared_text: str) -> None:
    text = _trailing_spaces_on_headers(_reworded(*HEADER_WORDINGS)(shared_text))
    article = parse_article(text, "a.txt")
    assert article.types and article.types.heading == "Types and variations"
    assert article.pros_cons and article.pros_cons.heading == "Pros & cons"
    assert article.faq.heading == "Frequently asked questions"
    assert article.mechanism and article.mechanism.heading == "How it works (Mechanism/physiology)"
    assert article.contraindications
    assert article.contraindications.heading == "Contraindications / When it is NOT ideal"
    assert article.warnings == ()


def test_a_wrapped_bullet_is_one_entry_numbered_from_its_first_line(shared_text: str) -> None:
    """A continuation in capitals, with no full stop, is still part of the bullet above it."""
    bullet = (
        "- Hip pain complaints where the location is unclear and needs structured clarification"
    )
    text = _replace_line(
        shared_text,
        bullet,
        "- Hip pain complaints where the location is unclear and needs",
        "  Structured clarification (varies by clinician and case)",
    )
    article = parse_article(text, "a.txt")
    assert article.indications
    entry = article.indications.items[5]
    assert entry == Item(
        "Hip pain complaints where the location is unclear and needs "
        "Structured clarification (varies by clinician and case)",
        _line_of(shared_text, bullet),
    )
    assert len(article.indications.items) == 7 and article.indications.closing == ()
    assert article.warnings == ()


def test_unbulleted_terms_in_a_list_section(shared_text: str) -> None:
    """Aftercare entries written 'Name: description', with and without their bullets."""
    lines = shared_text.split("\n")
    start = lines.index("Aftercare & longevity")
    colons = [
        re.sub(r"^- ([^.]+)\. ", r"- \1: ", line) if start + 1 < number < start + 9 else line
        for number, line in enumerate(lines)
    ]
    bulleted = "\n".join(colons)
    plain = "\n".join(
        line[2:] if start + 1 < n < start + 9 else line for n, line in enumerate(colons)
    )
    assert plain.count("\nCause and severity: A mild muscle strain") == 1

    article = parse_article(plain, "a.txt")
    assert article.aftercare == parse_article(bulleted, "a.txt").aftercare
    assert article.aftercare
    assert [item.name for item in article.aftercare.items if isinstance(item, Term)] == [
        "Cause and severity",
        "Time course before evaluation",
        "Rehabilitation and follow-up consistency",
        "Activity and workload",
        "Comorbidities and overall health",
        "Prior injuries or surgeries",
        "Testing and treatment selection",
    ]
    # The lead-in and closing paragraphs stay prose.
    assert [item.line for item in article.aftercare.intro] == [start + 2]
    assert [item.line for item in article.aftercare.closing] == [start + 10]
    assert article.warnings == ()


def test_a_wrapped_line_starting_with_a_header_word_is_joined(cards_dir: Path) -> None:
    text = (cards_dir / "total-knee-replacement.txt").read_text(encoding="utf-8")
    bullet = (
        "- Posterior-stabilized (PS): the PCL is removed and a post-and-cam mechanism in the "
        "implant takes over its role"
    )
    wrapped = _replace_line(
        text,
        bullet,
        "- Posterior-stabilized (PS): the PCL is removed and a post-and-cam",
        "  mechanism in the implant takes over its role",
    )
    assert shape(parse_article(wrapped, "a.txt")) == shape(parse_article(text, "a.txt"))


JOINT = (
    "- Joint-related: SI joint–related pain patterns; less commonly, posterior presentation of "
    "hip joint pathology (varies by clinician and case)"
)


def _wrapped_step(text: str) -> str:
    """The procedure's fourth step, written after a lone '-', wrapped before 'X-ray'."""
    step = next(line for line in text.split("\n") if line.startswith("Intervention / "))
    at = step.index("X-ray")
    return _replace_line(text, step, step[:at].rstrip(), f"  {step[at:]}")


def _wrapped_unbulleted_term(text: str) -> str:
    """An un-bulleted 'Name: description' types entry, wrapped before its '(varies …)'."""
    at = JOINT.index("(varies")
    return _replace_line(
        _unbulleted_terms(text), JOINT[2:], JOINT[2:at].rstrip(), f"  {JOINT[at:]}"
    )


@pytest.mark.parametrize(
    "wrap, same_as",
    [(_wrapped_step, _same), (_wrapped_unbulleted_term, _unbulleted_terms)],
    ids=["after a lone dash", "un-bulleted term"],
)
def test_a_wrapped_entry_without_its_own_bullet_is_joined(
    wrap: Callable[[str], str], same_as: Callable[[str], str], shared_text: str
) -> None:
    text = wrap(shared_text)
    assert text.count("\n") == shared_text.count("\n") + 1
    assert shape(parse_article(text, "a.txt")) == shape(
        parse_article(same_as(shared_text), "a.txt")
    )


def test_straight_quoted_headers_are_recognised(shared_text: str) -> None:
    text = _straight(shared_text)
    assert "Contraindications / when it's NOT ideal" in text.splitlines()
    article = parse_article(text, "a.txt")
    assert article.contraindications
    assert article.contraindications.heading == "Contraindications / when it's NOT ideal"
    assert article.procedure
    assert article.procedure.heading == "Posterior hip pain Procedure overview (How it's applied)"


def test_another_topic_is_read_from_the_title(shared_text: str) -> None:
    article = parse_article(_other_topic(shared_text), "a.txt")
    assert article.topic == "Total hip arthroplasty"
    assert article.faq.heading == "Total hip arthroplasty Common questions (FAQ)"


def test_topic_keeps_the_title_verbatim(shared_text: str) -> None:
    article = parse_article(shared_text.replace("Posterior hip pain", "Runner’s hip"), "a.txt")
    assert article.topic == "Runner’s hip"


def test_multi_paragraph_faq_answer(shared_text: str) -> None:
    lines = shared_text.split("\n")
    question = "Q: What is the usual recovery time?"
    second = "Follow-up visits help a clinician judge whether recovery is on track."
    at = lines.index(question) + 2
    text = "\n".join([*lines[:at], second, *lines[at:]])

    article = parse_article(text, "a.txt")
    original = parse_article(shared_text, "a.txt")
    assert_shared_counts(article)
    expected = shape(original)
    expected["faq"]["entries"][4]["answer"] = [lines[at - 1], second]
    assert shape(article) == expected
    entry = article.faq.entries[4]
    assert entry.question == question[3:]
    assert [item.text for item in entry.answer] == [lines[at - 1], second]
    assert entry.answer[1].line == at + 1
    # The entries after the insertion keep their own answers.
    assert article.faq.entries[5].answer == tuple(
        replace(item, line=item.line + 1) for item in original.faq.entries[5].answer
    )


@pytest.mark.parametrize("prefix", ["A: ", "A:", "a: ", "Answer: ", "A. "])
def test_answers_may_be_prefixed_with_a(prefix: str, shared_text: str) -> None:
    lines = shared_text.split("\n")
    at = lines.index("Q: What is the usual recovery time?") + 1
    answer = lines[at]
    lines[at] = f"{prefix}{answer}"
    article = parse_article("\n".join(lines), "a.txt")
    assert article.faq.entries[4].answer == (Item(answer, at + 1),)
    assert shape(article) == shape(parse_article(shared_text, "a.txt"))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_two_paragraph_answers_prefixed_with_a(newline: str, shared_text: str) -> None:
    """Each answer written 'A: <first sentence>', then the rest as a second paragraph."""
    lines = shared_text.split("\n")
    rewritten: list[str] = []
    answers: list[list[str]] = []
    for previous, line in zip(["", *lines[:-1]], lines, strict=True):
        if previous.startswith("Q: "):
            first, rest = re.split(r"(?<=\.) (?=[A-Z])", line, maxsplit=1)
            rewritten += [f"A: {first}", rest]
            answers.append([first, rest])
        else:
            rewritten.append(line)
    assert len(answers) == 10 and answers[0][0] == "No."

    article = parse_article(newline.join(rewritten), "a.txt")
    assert [[item.text for item in entry.answer] for entry in article.faq.entries] == answers
    original = parse_article(shared_text, "a.txt")
    assert [entry.question for entry in article.faq.entries] == [
        entry.question for entry in original.faq.entries
    ]
    assert _without(shape(article), "faq") == _without(shape(original), "faq")
    last = article.faq.entries[-1]
    assert [item.line for item in last.answer] == [last.line + 1, last.line + 2]
    assert last.line == len(rewritten) - 2


# Malformed articles ----------------------------------------------------------------------------
#
# An article that breaks the template still parses: a line the parser cannot place is kept as
# text and a warning names its line. Only an article with nothing in it, or whose first line
# cannot be a title, is refused.

SOURCE = "articles/broken.txt"


def _parse(text: str) -> Article:
    return parse_article(text, SOURCE)


def _error(text: str, source: str = SOURCE) -> ArticleError:
    with pytest.raises(ArticleError) as caught:
        parse_article(text, source)
    error = caught.value
    assert error.source == source
    assert str(error) == f"{source}:{error.line}: {error.message}"
    return error


def _absent(title: str) -> str:
    return f"{SOURCE}: no {title!r} section; it is optional, so no questions come from it"


def assert_nothing_lost(text: str, article: Article, *, dropped: set[int] | None = None) -> None:
    """Every line is somewhere in the model but lone bullets, 'Pros:'/'Cons:' and `dropped`."""
    kept = set(model_lines(article))
    wanted = {
        number
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip() and line.strip() not in ("-", "Pros:", "Cons:")
    }
    assert wanted - kept == (dropped or set())


QUESTION = "Q: What is the usual recovery time?"
LAST_QUESTION = "Q: Why does it hurt more when sitting?"


def test_missing_faq(shared_text: str) -> None:
    text = shared_text.split("Posterior hip pain Common questions (FAQ)")[0].rstrip("\n")
    article = _parse(text)
    assert article.faq.entries == ()
    assert article.warnings == (_absent("Common questions (FAQ)"),)
    original = shape(_parse(shared_text))
    assert _without(shape(article), "faq", "warnings") == _without(original, "faq", "warnings")
    assert_nothing_lost(text, article)


def test_question_without_answer_at_the_end(shared_text: str) -> None:
    text = shared_text.split(LAST_QUESTION)[0] + LAST_QUESTION
    line = _line_of(text, LAST_QUESTION)
    article = _parse(text)
    assert article.warnings == (
        f"{SOURCE}:{line}: 'Q: Why does it hurt more when sitting?' has no answer; skipped",
    )
    original = _parse(shared_text)
    assert article.faq.entries == original.faq.entries[:-1]
    assert _without(shape(article), "faq", "warnings") == _without(
        shape(original), "faq", "warnings"
    )
    assert_nothing_lost(text, article, dropped={line})


def test_question_without_answer_in_the_middle(shared_text: str) -> None:
    lines = shared_text.split("\n")
    at = lines.index(QUESTION)
    text = "\n".join([*lines[: at + 1], *lines[at + 2 :]])
    line = _line_of(text, QUESTION)
    article = _parse(text)
    assert article.warnings == (
        f"{SOURCE}:{line}: 'Q: What is the usual recovery time?' has no answer; skipped",
    )
    original = _parse(shared_text).faq.entries
    assert _content(article.faq.entries) == _content(original[:4] + original[5:])
    # The question after it keeps its own answer and line.
    after = article.faq.entries[4]
    assert after.line == line + 1 and after.answer == (Item(lines[at + 3], line + 2),)
    assert_nothing_lost(text, article, dropped={line})


def test_question_mark_without_question(shared_text: str) -> None:
    text = _replace_line(shared_text, QUESTION, "Q:")
    article = _parse(text)
    assert article.warnings == (
        f"{SOURCE}:{_line_of(text, 'Q:')}: a 'Q:' with no question after it; skipped",
    )
    original = _parse(shared_text)
    assert [entry.question for entry in article.faq.entries] == [
        entry.question for entry in original.faq.entries if entry.question != QUESTION[3:]
    ]
    assert _without(shape(article), "faq", "warnings") == _without(
        shape(original), "faq", "warnings"
    )


def test_the_answer_under_a_bare_q_is_not_given_to_the_question_before(shared_text: str) -> None:
    article = _parse(_replace_line(shared_text, QUESTION, "Q:"))
    original = _parse(shared_text).faq.entries
    assert article.faq.entries[3] == original[3]
    assert _content(article.faq.entries) == _content(original[:4] + original[5:])


FIRST_SENTENCE = (
    "Posterior hip pain means pain felt at the back of the hip, buttock, or deep gluteal area."
)


@pytest.mark.parametrize(
    "first",
    [
        FIRST_SENTENCE,
        "Posterior hip pain means pain felt at the back of the hip",
        "Pain felt at the back of the hip joint",  # nine words, no full stop
        "Back of the hip.",
        "- Posterior hip pain",
    ],
)
def test_first_line_not_a_title(first: str, shared_text: str) -> None:
    text = shared_text.split("\n", 1)[1]
    if first != FIRST_SENTENCE:
        text = f"{first}\n{text}"
    error = _error(text)
    assert error.line == 1
    assert error.message == (
        f"expected the title line '<Topic> Introduction (What it is)', found {first!r}"
    )


@pytest.mark.parametrize(
    "first, topic",
    [
        ("Posterior hip pain", "Posterior hip pain"),
        ("## Posterior hip pain", "Posterior hip pain"),
        ("Pain felt at the back of the hip", "Pain felt at the back of the hip"),  # eight words
    ],
)
def test_a_short_first_line_is_read_as_the_topic(first: str, topic: str, shared_text: str) -> None:
    text = _replace_line(shared_text, "Posterior hip pain Introduction (What it is)", first)
    article = _parse(text)
    assert article.topic == topic
    assert article.warnings == (
        f"{SOURCE}:1: expected the title line '<Topic> Introduction (What it is)'; "
        f"read {topic!r} as the topic",
    )
    assert article.introduction.heading == first
    original = shape(_parse(shared_text))
    assert _without(shape(article), "topic", "warnings") == _without(original, "topic", "warnings")


def test_title_after_blank_lines_is_numbered_from_the_file(shared_text: str) -> None:
    assert _error("\n\n" + shared_text.split("\n", 1)[1]).line == 3
    short = "\n \n" + _replace_line(shared_text, shared_text.split("\n")[0], "Posterior hip pain")
    assert _parse(short).warnings[0].startswith(f"{SOURCE}:3: expected the title line")


@pytest.mark.parametrize("text", ["", "  \n\n", "\ufeff\r\n\t\r\n"])
def test_empty_article(text: str) -> None:
    error = _error(text)
    assert error.line == 1
    assert error.message.startswith("the article is empty")


MISSPELT = [
    pytest.param(
        "Indications (When orthopedic clinicians use it)",
        "Indicatons (When orthopedic ...)",
        "Indications",
        id="indications",
    ),
    pytest.param("Pros and cons", "Pros and cns", "Pros and cons", id="pros"),
    pytest.param(
        "Types / variations",
        "Typse / variations",
        "Types / variations",
        id="types",
    ),
]


@pytest.mark.parametrize(
    "header, misspelt, title", [pytest.param(*param.values, id=param.id) for param in MISSPELT]
)
def test_misspelt_header_keeps_the_text(
    header: str, misspelt: str, title: str, shared_text: str
) -> None:
    text = _replace_line(shared_text, header, misspelt)
    article = _parse(text)
    assert _absent(title) in article.warnings
    assert _line_of(text, misspelt) in set(model_lines(article))
    assert_nothing_lost(text, article)


@pytest.mark.parametrize("header, misspelt, title", MISSPELT)
def test_misspelt_header_is_named_in_a_warning(
    header: str, misspelt: str, title: str, shared_text: str
) -> None:
    text = _replace_line(shared_text, header, misspelt)
    assert _parse(text).warnings == (
        f"{SOURCE}:{_line_of(text, misspelt)}: {misspelt!r} is not a header this template "
        "knows; read as text",
        _absent(title),
    )


def test_list_entry_after_closing_text(shared_text: str) -> None:
    closing = (
        "Importantly, posterior hip pain does not automatically mean the hip joint is the "
        "source. It is a symptom category that can reflect musculoskeletal, neurologic, or "
        "referred pain patterns."
    )
    stray = "- A stray entry after the closing paragraph"
    text = _replace_line(shared_text, closing, closing, stray)
    article = _parse(text)
    original = _parse(shared_text)
    assert article.purpose and original.purpose
    assert article.purpose.items == (
        *original.purpose.items,
        Item(stray[2:], _line_of(text, stray)),
    )
    assert article.purpose.closing == original.purpose.closing
    assert _without(shape(article), "purpose") == _without(shape(original), "purpose")


def _steps_without(shared_text: str, name: str) -> list[Any]:
    steps = _parse(shared_text).procedure
    assert steps
    return _content(tuple(step for step in steps.steps if step.name != name))


def test_lone_dash_followed_by_the_next_step(shared_text: str) -> None:
    step = next(line for line in shared_text.split("\n") if line.startswith("Preparation"))
    dash = _line_of(shared_text, step) - 1
    text = _replace_line(shared_text, step)
    article = _parse(text)
    assert article.warnings == (f"{SOURCE}:{dash}: a lone bullet with nothing after it; skipped",)
    assert article.procedure
    assert _content(article.procedure.steps) == _steps_without(
        shared_text, "Preparation (if testing is needed)"
    )
    assert article.procedure.steps[2].line == dash + 2
    assert _without(shape(article), "procedure", "warnings") == _without(
        shape(_parse(shared_text)), "procedure", "warnings"
    )


def test_lone_dash_followed_by_a_section_header(shared_text: str) -> None:
    step = next(line for line in shared_text.split("\n") if line.startswith("Follow-up – "))
    dash = _line_of(shared_text, step) - 1
    text = _replace_line(shared_text, step)
    assert text.split("\n")[dash] == "Types / variations"
    article = _parse(text)
    assert article.warnings == (f"{SOURCE}:{dash}: a lone bullet with nothing after it; skipped",)
    assert article.procedure and article.types
    assert _content(article.procedure.steps) == _steps_without(shared_text, "Follow-up")
    assert article.types.line == dash + 1
    assert _without(shape(article), "procedure", "warnings") == _without(
        shape(_parse(shared_text)), "procedure", "warnings"
    )


def test_lone_dash_followed_by_a_bullet(shared_text: str) -> None:
    """'-' then '- entry' is one entry: the group label that stood between them is gone."""
    label = "By tissue and location"
    dash = _line_of(shared_text, label) - 1
    text = _replace_line(shared_text, label)
    assert text.split("\n")[dash].startswith("- Muscle-related: ")
    article = _parse(text)
    original = _parse(shared_text)
    assert article.types and original.types
    timing, tissue, *rest = _content(original.types.groups)
    assert _content(article.types.groups) == [
        {**timing, "items": timing["items"] + tissue["items"]},
        *rest,
    ]
    assert article.types.groups[0].items[2].line == dash + 1
    assert_nothing_lost(text, article)


def test_types_group_without_items(shared_text: str) -> None:
    """A label with nothing under it is read as an item of the group before it."""
    text = _replace_line(
        shared_text, "- Local posterior hip/pelvis source: tissues in the buttock/hip area"
    )
    text = _replace_line(
        text,
        "- Referred source: lumbar spine or pelvic structures referring pain into the "
        "posterior hip region",
    )
    article = _parse(text)
    original = _parse(shared_text)
    assert article.types and original.types
    assert _content(article.types.groups) == [
        *_content(original.types.groups[:2]),
        {
            "label": "By pain mechanism",
            "items": [*_content(original.types.groups[2].items), "By source region"],
        },
    ]
    assert article.types.groups[-1].items[-1].line == _line_of(text, "By source region")
    assert _content(article.types.closing) == _content(original.types.closing)
    assert_nothing_lost(text, article)


def test_prose_inside_pros_and_cons(shared_text: str) -> None:
    stray = "Some of these points matter more than others."
    text = _replace_line(shared_text, "Cons:", stray, "Cons:")
    article = _parse(text)
    original = _parse(shared_text)
    assert article.pros_cons and original.pros_cons
    assert article.pros_cons.intro == (Item(stray, _line_of(text, stray)),)
    assert _content(article.pros_cons.pros) == _content(original.pros_cons.pros)
    assert _content(article.pros_cons.cons) == _content(original.pros_cons.cons)
    assert_nothing_lost(text, article)


def test_repeated_section(shared_text: str) -> None:
    """A second header of a section already read: what follows is read into the first."""
    text = _replace_line(shared_text, "Cons:", "Types / variations", "Cons:")
    lines = text.split("\n")
    first, second = [n for n, line in enumerate(lines, start=1) if line == "Types / variations"]
    article = _parse(text)
    assert article.warnings == (
        f"{SOURCE}:{second}: a second 'Types / variations' section (the first is at line "
        f"{first}); read as more of the first",
        f"{SOURCE}:{_line_of(text, 'Pros and cons')}: no 'Cons:' list under 'Pros and cons'",
    )
    original = _parse(shared_text)
    assert article.pros_cons and original.pros_cons and article.types and original.types
    assert article.pros_cons.pros == original.pros_cons.pros
    assert article.pros_cons.cons == ()
    # The cons are kept, as a group of the types section labelled by their own label.
    assert article.types.groups[-1].label == "Cons"
    assert _content(article.types.groups[-1].items) == _content(original.pros_cons.cons)
    # Only the repeated header itself, named in the warning, is not in the model.
    assert_nothing_lost(text, article, dropped={second})


def test_missing_optional_section_is_a_warning(shared_text: str) -> None:
    before, rest = shared_text.split("Pros and cons\n")
    after = rest[rest.index("Aftercare & longevity") :]
    article = parse_article(before + after, "articles/short.txt")
    assert article.pros_cons is None
    assert article.warnings == (
        "articles/short.txt: no 'Pros and cons' section; it is optional, "
        "so no questions come from it",
    )
    assert article.aftercare and len(article.aftercare.items) == 7


def test_bare_answer_marker_is_not_an_answer(shared_text: str) -> None:
    lines = shared_text.split("\n")
    answer = lines[lines.index(QUESTION) + 1]
    article = _parse(_replace_line(shared_text, QUESTION, QUESTION, "A:"))
    assert [item.text for item in article.faq.entries[4].answer] == [answer]
    assert article.warnings == ()

    text = shared_text.split(LAST_QUESTION)[0] + f"{LAST_QUESTION}\nA:"
    article = _parse(text)
    assert article.warnings == (
        f"{SOURCE}:{_line_of(text, LAST_QUESTION)}: "
        "'Q: Why does it hurt more when sitting?' has no answer; skipped",
    )
    assert len(article.faq.entries) == 9


def test_plain_phrase_items_stay_under_their_group(shared_text: str) -> None:
    """Another writer's types list: phrases with no 'Name: description' under a label."""
    text = shared_text.replace(
        "- Local posterior hip/pelvis source: tissues in the buttock/hip area",
        "- Local posterior hip/pelvis source",
    ).replace(
        "- Referred source: lumbar spine or pelvic structures referring pain into the "
        "posterior hip region",
        "- Referred source from the lumbar spine",
    )
    article = parse_article(text, "article.txt")
    assert article.types is not None
    group = article.types.groups[-1]
    assert group.label == "By source region"
    assert [item.text for item in group.items] == [
        "Local posterior hip/pelvis source",
        "Referred source from the lumbar spine",
    ]


def test_a_decimal_point_in_an_entry_name(shared_text: str) -> None:
    text = shared_text.replace("- Acute: sudden onset", "- Acute 1.5 week pattern: sudden onset")
    article = parse_article(text, "article.txt")
    assert article.types is not None
    first = article.types.groups[0].items[0]
    assert isinstance(first, Term) and first.name == "Acute 1.5 week pattern"


def test_a_label_that_follows_items_starts_a_group(shared_text: str) -> None:
    article = parse_article(shared_text, "article.txt")
    assert article.alternatives is not None
    labels = [group.label for group in article.alternatives.groups]
    assert labels[-1] == "Imaging comparisons (high level)"
    assert len(article.alternatives.groups[-1].items) == 3


def test_group_labels_written_without_bullets_start_groups(shared_text: str) -> None:
    text = shared_text
    for label in ("By timing", "By tissue and location", "By pain mechanism", "By source region"):
        text = text.replace(f"- {label}\n", f"{label}\n").replace(f"-\n{label}\n", f"{label}\n")
    assert text != shared_text
    article = _parse(text)
    original = _parse(shared_text)
    assert article.types and original.types
    assert [(g.label, _content(g.items)) for g in article.types.groups] == [
        (g.label, _content(g.items)) for g in original.types.groups
    ]
    assert not [w for w in article.warnings if "not a header" in w]
