"""The `quizapp bank` commands, run through click's test runner."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from quizapp.cli import main

CARDS = Path(__file__).resolve().parents[1] / "cards"
TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEMOS = ["posterior-hip-pain", "hip-osteoarthritis", "hip-mri", "total-knee-replacement"]


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


def _no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _questions(path: Path) -> list[dict[str, object]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A copy of the shared demo bank and its article in a scratch directory."""
    for suffix in (".yaml", ".txt"):
        shutil.copyfile(TEST_DATA / f"posterior-hip-pain{suffix}", tmp_path / f"bank{suffix}")
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        bank.read_text(encoding="utf-8").replace(
            "article: posterior-hip-pain.txt", "article: bank.txt"
        ),
        encoding="utf-8",
    )
    return bank


# bank build ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEMOS)
def test_build_reproduces_the_committed_bank_and_copies_the_article(
    name: str, tmp_path: Path
) -> None:
    article = tmp_path / "articles" / f"{name}.txt"
    article.parent.mkdir()
    shutil.copyfile(CARDS / f"{name}.txt", article)
    output = tmp_path / "cards" / f"{name}.yaml"

    result = _run("bank", "build", article, "-o", output)

    assert result.exit_code == 0, result.output
    assert output.read_bytes() == (CARDS / f"{name}.yaml").read_bytes()
    assert (output.parent / f"{name}.txt").read_bytes() == article.read_bytes()
    assert result.stderr == f"Wrote {len(_questions(output))} questions to {output}\n"
    assert result.stdout == ""
    assert sorted(path.name for path in output.parent.iterdir()) == [f"{name}.txt", f"{name}.yaml"]


def test_build_without_output_prints_the_bank(tmp_path: Path) -> None:
    article = tmp_path / "posterior-hip-pain.txt"
    shutil.copyfile(CARDS / article.name, article)
    result = _run("bank", "build", article)
    assert result.exit_code == 0
    assert result.stdout == (CARDS / "posterior-hip-pain.yaml").read_text(encoding="utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == [article.name]


def test_build_beside_its_own_article(tmp_path: Path) -> None:
    article = tmp_path / "posterior-hip-pain.txt"
    shutil.copyfile(CARDS / article.name, article)
    result = _run("bank", "build", article, "-o", tmp_path / "posterior-hip-pain.yaml")
    assert result.exit_code == 0, result.output
    assert article.read_bytes() == (CARDS / article.name).read_bytes()


def test_build_warns_of_a_line_it_cannot_place_and_builds_the_rest(tmp_path: Path) -> None:
    lines = (CARDS / "posterior-hip-pain.txt").read_text(encoding="utf-8").split("\n")
    at = lines.index("Q: What is the usual recovery time?")
    del lines[at + 1]
    article = tmp_path / "broken.txt"
    article.write_text("\n".join(lines), encoding="utf-8")
    output = tmp_path / "out" / "broken.yaml"

    result = _run("bank", "build", article, "-o", output)

    assert result.exit_code == 0
    _no_traceback(result)
    assert f"{article}:{at + 1}: 'Q: What is the usual recovery time?' has no answer" in (
        result.stderr
    )
    assert "what-is-the-usual-recovery-time" not in output.read_text(encoding="utf-8")


def test_build_rejects_an_article_without_a_title(tmp_path: Path) -> None:
    text = (CARDS / "posterior-hip-pain.txt").read_text(encoding="utf-8")
    article = tmp_path / "broken.txt"
    article.write_text(text.split("\n", 1)[1], encoding="utf-8")
    output = tmp_path / "out" / "broken.yaml"

    result = _run("bank", "build", article, "-o", output)

    assert result.exit_code == 1
    _no_traceback(result)
    assert f"{article}:1: expected the title line" in result.stderr
    assert not output.exists()
    assert not (output.parent / article.name).exists()


def test_build_rejects_text_that_is_not_utf8(tmp_path: Path) -> None:
    article = tmp_path / "latin1.txt"
    article.write_bytes("Hüftschmerz Introduction (What it is)\n".encode("latin-1"))
    result = _run("bank", "build", article)
    assert result.exit_code == 1
    _no_traceback(result)
    assert f"{article}: not UTF-8 text" in result.stderr


def test_build_warns_about_a_missing_optional_section(tmp_path: Path) -> None:
    text = (CARDS / "posterior-hip-pain.txt").read_text(encoding="utf-8")
    before, rest = text.split("Pros and cons\n")
    article = tmp_path / "short.txt"
    article.write_text(before + rest[rest.index("Aftercare & longevity") :], encoding="utf-8")

    result = _run("bank", "build", article, "-o", tmp_path / "short.yaml")

    assert result.exit_code == 0, result.output
    assert f"warning: {article}: no 'Pros and cons' section" in result.stderr
    assert all(q["section"] != "pros_cons" for q in _questions(tmp_path / "short.yaml"))


def test_build_needs_an_existing_article(tmp_path: Path) -> None:
    result = _run("bank", "build", tmp_path / "missing.txt")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


# bank check ------------------------------------------------------------------------------------


def test_check_accepts_the_demo_banks() -> None:
    paths = [CARDS / f"{name}.yaml" for name in DEMOS]
    result = _run("bank", "check", *paths)
    assert result.exit_code == 0, result.output
    assert result.stdout == "".join(f"{path}: OK\n" for path in paths)
    assert result.stderr == ""


def test_check_reports_each_problem_and_fails(demo: Path) -> None:
    text = demo.read_text(encoding="utf-8")
    text = text.replace("  answer: 'True'\n", "  answer: 'Maybe'\n", 1)
    assert "Maybe" in text
    demo.write_text(text, encoding="utf-8")
    qid = next(q["id"] for q in _questions(demo) if q.get("answer") == "Maybe")
    good = CARDS / "hip-osteoarthritis.yaml"

    result = _run("bank", "check", demo, good)

    assert result.exit_code == 1
    _no_traceback(result)
    assert f"{demo}: {qid}: answer: must be True or False, found 'Maybe'\n" in result.stderr
    assert f"{demo}: 1 problem(s)\n" in result.stderr
    assert result.stdout == f"{good}: OK\n"


def test_check_names_the_line_of_broken_yaml(demo: Path) -> None:
    lines = demo.read_text(encoding="utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("  prompt: "))
    lines[at] = "  prompt: What is it: a trick question"
    demo.write_text("\n".join(lines), encoding="utf-8")

    result = _run("bank", "check", demo)

    assert result.exit_code == 1
    _no_traceback(result)
    assert f"{demo}:{at + 1}: not valid YAML" in result.stderr


def test_check_reports_a_source_missing_from_the_article(demo: Path) -> None:
    article = demo.with_suffix(".txt")
    sentence = "It is a location-based description, not a single diagnosis."
    article.write_text(
        article.read_text(encoding="utf-8").replace(sentence, "It is a description."),
        encoding="utf-8",
    )
    result = _run("bank", "check", demo)
    assert result.exit_code == 1
    assert (
        f"{demo}: introduction-basic-what-is: source: not found in the article: {sentence!r}"
        in result.stderr
    )


def test_check_keeps_a_hand_edited_prompt(demo: Path) -> None:
    text = demo.read_text(encoding="utf-8")
    edited = text.replace(
        "  prompt: What is posterior hip pain?\n",
        "  prompt: In one sentence, what is posterior hip pain?\n",
    )
    assert edited != text
    demo.write_text(edited, encoding="utf-8")
    result = _run("bank", "check", demo)
    assert result.exit_code == 0, result.output
    assert _questions(demo)[0] == {
        **yaml.safe_load(text)["questions"][0],
        "prompt": "In one sentence, what is posterior hip pain?",
    }


def test_check_needs_a_path() -> None:
    result = _run("bank", "check")
    assert result.exit_code == 2


# bank show -------------------------------------------------------------------------------------

TINY_ARTICLE = """\
Tiny topic Introduction (What it is)
Tiny topic is small.
It fits in one hand.
"""

TINY_BANK = """\
format: 1
id: tiny
topic: Tiny topic
article: tiny.txt
questions:
- id: faq-basic-size
  kind: basic
  section: faq
  prompt: How big is tiny topic?
  answer: Small.
  tags: [tiny-topic]
  source: [Tiny topic is small.]
- id: faq-basic-hand
  kind: basic
  section: faq
  prompt: What does tiny topic fit in?
  answer: One hand.
  tags: [tiny-topic]
  source: [It fits in one hand.]
- id: faq-true-false-hand
  kind: true_false
  section: faq
  prompt: True or false? Tiny topic fits in one hand.
  answer: 'True'
  tags: [tiny-topic]
  source: [It fits in one hand.]
- id: indications-mcq-size
  kind: mcq
  section: indications
  prompt: Which size is tiny topic?
  options: [Large, Small, Huge]
  answer: Small
  tags: [tiny-topic]
  source: [Tiny topic is small.]
"""


def _table(output: str) -> dict[str, dict[str, str]]:
    """Read the counts table of `bank show`: row label -> column -> cell text."""
    lines = output.split("\n")
    start = next(n for n, line in enumerate(lines) if line.rstrip().endswith(" all"))
    header = lines[start]
    columns = [(match[0], match.end()) for match in re.finditer(r"\S+", header)]
    table = {}
    for row in lines[start + 1 :]:
        if not row.strip():
            break
        label = re.match(r"\S+(?: \S+)*", row)
        assert label is not None
        cells, begin = {}, label.end()
        for name, end in columns:
            cells[name] = row[begin:end].strip()
            begin = end
        table[label[0]] = cells
    return table


def test_show_prints_counts_by_section_and_kind(tmp_path: Path) -> None:
    (tmp_path / "tiny.txt").write_text(TINY_ARTICLE, encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(TINY_BANK, encoding="utf-8")

    result = _run("bank", "show", tmp_path / "tiny.yaml")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Tiny topic (tiny): 4 questions from tiny.txt\n")
    assert _table(result.stdout) == {
        "Indications": {"basic": "", "mcq": "1", "true_false": "", "all": "1"},
        "FAQ": {"basic": "2", "mcq": "", "true_false": "1", "all": "3"},
        "All": {"basic": "2", "mcq": "1", "true_false": "1", "all": "4"},
    }
    assert "[Multiple choice] Which size is tiny topic?\n    - Large\n    * Small\n" in (
        result.stdout
    )


def test_show_counts_the_demo_bank() -> None:
    path = CARDS / "posterior-hip-pain.yaml"
    questions = _questions(path)
    result = _run("bank", "show", path)
    assert result.exit_code == 0, result.output

    table = _table(result.stdout)
    labels = {
        "introduction": "Introduction",
        "purpose": "Purpose and benefits",
        "indications": "Indications",
        "contraindications": "Contraindications",
        "mechanism": "Mechanism",
        "procedure": "Procedure",
        "types": "Types",
        "pros_cons": "Pros and cons",
        "aftercare": "Aftercare",
        "alternatives": "Alternatives",
        "faq": "FAQ",
    }
    counted = Counter((q["section"], q["kind"]) for q in questions)
    for (section, kind), count in counted.items():
        assert table[labels[section]][kind] == str(count)
    sections = {q["section"] for q in questions}
    present = [label for section, label in labels.items() if section in sections]
    assert list(table) == [*present, "All"]
    assert table["All"]["all"] == str(len(questions))


def test_show_refuses_a_bank_with_problems(demo: Path) -> None:
    text = demo.read_text(encoding="utf-8").replace("  prompt: What is posterior hip pain?\n", "")
    demo.write_text(text, encoding="utf-8")
    result = _run("bank", "show", demo)
    assert result.exit_code == 1
    _no_traceback(result)
    assert f"{demo}: introduction-basic-what-is: prompt: missing or empty" in result.stderr
