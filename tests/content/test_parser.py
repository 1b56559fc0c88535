"""Parsing the demo articles, formatting variants of them, and malformed articles."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from quizapp.content.article import Article, Term
from quizapp.content.parser import ArticleError, parse_article

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


def shape(article: Article) -> dict[str, object]:
    """What a learner would see of the structure: names and counts, not line numbers."""
    assert article.indications and article.contraindications and article.mechanism
    assert article.procedure and article.types and article.pros_cons and article.alternatives
    return {
        "topic": article.topic,
        "indications": [item.text for item in article.indications.items],
        "contraindications": len(article.contraindications.items),
        "mechanism": [
            [item.name for item in sub.items if isinstance(item, Term)]
            for sub in article.mechanism.subsections
        ],
        "steps": [step.name for step in article.procedure.steps],
        "types": [(group.label, len(group.items)) for group in article.types.groups],
        "pros_cons": (len(article.pros_cons.pros), len(article.pros_cons.cons)),
        "alternatives": [group.label for group in article.alternatives.groups],
        "faq": [entry.question for entry in article.faq.entries],
        "answer paragraphs": [len(entry.answer) for entry in article.faq.entries],
        "warnings": article.warnings,
    }


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
    assert shape(article) == {
        **shape(original),
        "answer paragraphs": [2 if n == 4 else 1 for n in range(10)],
    }
    entry = article.faq.entries[4]
    assert entry.question == question[3:]
    assert [item.text for item in entry.answer] == [lines[at - 1], second]
    assert entry.answer[1].line == at + 1
    # The entries after the insertion keep their own answers.
    assert article.faq.entries[5].answer == tuple(
        replace(item, line=item.line + 1) for item in original.faq.entries[5].answer
    )


def test_answers_may_be_prefixed_with_a(shared_text: str) -> None:
    lines = shared_text.split("\n")
    at = lines.index("Q: What is the usual recovery time?") + 1
    answer = lines[at]
    lines[at] = f"A: {answer}"
    article = parse_article("\n".join(lines), "a.txt")
    assert article.faq.entries[4].answer[0].text == answer


# Malformed articles ----------------------------------------------------------------------------


def _line_of(text: str, line: str) -> int:
    """The 1-based number of the only line of `text` equal to `line`."""
    numbers = [n for n, text_line in enumerate(text.split("\n"), start=1) if text_line == line]
    assert len(numbers) == 1, f"{line!r} found {len(numbers)} times"
    return numbers[0]


def _replace_line(text: str, old: str, *new: str) -> str:
    lines = text.split("\n")
    at = lines.index(old)
    return "\n".join([*lines[:at], *new, *lines[at + 1 :]])


def _error(text: str, source: str = "articles/broken.txt") -> ArticleError:
    with pytest.raises(ArticleError) as caught:
        parse_article(text, source)
    error = caught.value
    assert error.source == source
    assert str(error) == f"{source}:{error.line}: {error.message}"
    return error


def test_missing_faq(shared_text: str) -> None:
    text = shared_text.split("Posterior hip pain Common questions (FAQ)")[0].rstrip("\n")
    error = _error(text)
    assert error.line == len(text.split("\n"))
    assert "'Common questions (FAQ)' section" in error.message
    assert str(error).startswith(f"articles/broken.txt:{error.line}:")


def test_question_without_answer_at_the_end(shared_text: str) -> None:
    last = "Q: Why does it hurt more when sitting?"
    text = shared_text.split(last)[0] + last
    error = _error(text)
    assert error.line == _line_of(text, last)
    assert "'Q: Why does it hurt more when sitting?' has no answer" in error.message


def test_question_without_answer_in_the_middle(shared_text: str) -> None:
    question = "Q: What is the usual recovery time?"
    lines = shared_text.split("\n")
    at = lines.index(question)
    text = "\n".join([*lines[: at + 1], *lines[at + 2 :]])
    error = _error(text)
    assert error.line == _line_of(text, question)
    assert "has no answer" in error.message


def test_question_mark_without_question(shared_text: str) -> None:
    text = _replace_line(shared_text, "Q: What is the usual recovery time?", "Q:")
    error = _error(text)
    assert error.line == _line_of(text, "Q:")


def test_first_line_not_a_title(shared_text: str) -> None:
    text = shared_text.split("\n", 1)[1]
    error = _error(text)
    assert error.line == 1
    assert "expected the title line" in error.message
    assert "Posterior hip pain means pain felt" in error.message


def test_title_after_blank_lines_is_numbered_from_the_file(shared_text: str) -> None:
    text = "\n\n" + shared_text.split("\n", 1)[1]
    assert _error(text).line == 3


def test_empty_article() -> None:
    assert _error("  \n\n").line == 1


@pytest.mark.parametrize(
    "header, misspelt",
    [
        ("Indications (When orthopedic clinicians use it)", "Indicatons (When orthopedic ...)"),
        ("Pros and cons", "Pros and cns"),
        ("Types / variations", "Typse / variations"),
    ],
)
def test_misspelt_header(header: str, misspelt: str, shared_text: str) -> None:
    text = _replace_line(shared_text, header, misspelt)
    error = _error(text)
    assert error.line == _line_of(text, misspelt)
    assert f"{misspelt!r} is not a section header" in error.message


def test_list_entry_after_closing_text(shared_text: str) -> None:
    closing = (
        "Importantly, posterior hip pain does not automatically mean the hip joint is the "
        "source. It is a symptom category that can reflect musculoskeletal, neurologic, or "
        "referred pain patterns."
    )
    stray = "- A stray entry after the closing paragraph"
    text = _replace_line(shared_text, closing, closing, stray)
    error = _error(text)
    assert error.line == _line_of(text, stray)
    assert "expected a section header" in error.message


def test_lone_dash_followed_by_the_next_step(shared_text: str) -> None:
    step = next(line for line in shared_text.split("\n") if line.startswith("Preparation"))
    dash = _line_of(shared_text, step) - 1
    text = _replace_line(shared_text, step)
    error = _error(text)
    assert error.line == dash
    assert "a lone '-' with nothing after it" in error.message


def test_lone_dash_followed_by_a_section_header(shared_text: str) -> None:
    step = next(line for line in shared_text.split("\n") if line.startswith("Follow-up – "))
    dash = _line_of(shared_text, step) - 1
    text = _replace_line(shared_text, step)
    assert text.split("\n")[dash] == "Types / variations"
    error = _error(text)
    assert error.line == dash
    assert "a lone '-' with nothing after it" in error.message
    assert "'Types / variations'" in error.message


def test_lone_dash_followed_by_a_bullet(shared_text: str) -> None:
    label = "By tissue and location"
    dash = _line_of(shared_text, label) - 1
    text = _replace_line(shared_text, label)
    assert text.split("\n")[dash].startswith("- Muscle-related: ")
    error = _error(text)
    assert error.line == dash
    assert "a lone '-' with nothing after it" in error.message


def test_types_group_without_items(shared_text: str) -> None:
    text = _replace_line(
        shared_text, "- Local posterior hip/pelvis source: tissues in the buttock/hip area"
    )
    text = _replace_line(
        text,
        "- Referred source: lumbar spine or pelvic structures referring pain into the "
        "posterior hip region",
    )
    error = _error(text)
    assert error.line == _line_of(text, "By source region")
    assert "'By source region' has no items" in error.message


def test_prose_inside_pros_and_cons(shared_text: str) -> None:
    stray = "Some of these points matter more than others."
    text = _replace_line(shared_text, "Cons:", stray, "Cons:")
    error = _error(text)
    assert error.line == _line_of(text, stray)
    assert "expected 'Pros:', 'Cons:' or a '- ' list item" in error.message


def test_repeated_section(shared_text: str) -> None:
    text = _replace_line(shared_text, "Cons:", "Types / variations", "Cons:")
    lines = text.split("\n")
    second = [n for n, line in enumerate(lines, start=1) if line == "Types / variations"][1]
    error = _error(text)
    assert error.line == second
    assert "a second 'Types / variations' section" in error.message


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
    question = "Q: What is the usual recovery time?"
    lines = shared_text.split("\n")
    answer = lines[lines.index(question) + 1]
    article = parse_article(_replace_line(shared_text, question, question, "A:"), "a.txt")
    assert [item.text for item in article.faq.entries[4].answer] == [answer]

    last = "Q: Why does it hurt more when sitting?"
    text = shared_text.split(last)[0] + f"{last}\nA:"
    assert _error(text).line == _line_of(text, last)


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
