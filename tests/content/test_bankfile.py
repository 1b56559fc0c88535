"""Bank files: round trips, the committed demo banks, and problems that checking must name."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizapp.content.bank import CLOZE
from quizapp.content.bankfile import BankError, check_bank_file, dump_bank, load_bank, save_bank
from quizapp.content.generate import generate_bank
from quizapp.content.parser import parse_article

NAME = "posterior-hip-pain"
TEST_DATA = Path(__file__).resolve().parents[1] / "data"
# libyaml when present: these tests read and write the bank many times.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@pytest.fixture
def bank_path(tmp_path: Path, cards_dir: Path) -> Path:
    """A copy of the committed demo bank, with its article beside it."""
    for suffix in (".yaml", ".txt"):
        shutil.copyfile(TEST_DATA / f"{NAME}{suffix}", tmp_path / f"{NAME}{suffix}")
    return tmp_path / f"{NAME}.yaml"


def _read(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def _write(path: Path, data: dict[str, Any]) -> None:
    text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")


def _first(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["kind"] == kind)


@pytest.mark.parametrize(
    "name", ["posterior-hip-pain", "hip-osteoarthritis", "hip-mri", "total-knee-replacement"]
)
def test_rebuilding_a_demo_bank_reproduces_it(name: str, cards_dir: Path) -> None:
    text = (cards_dir / f"{name}.txt").read_text(encoding="utf-8")
    article = parse_article(text, str(cards_dir / f"{name}.txt"))
    bank = generate_bank(article, bank_id=name, article_file=f"{name}.txt")
    assert dump_bank(bank) == (cards_dir / f"{name}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name", ["posterior-hip-pain", "hip-osteoarthritis", "hip-mri", "total-knee-replacement"]
)
def test_demo_banks_pass_the_check(name: str, cards_dir: Path) -> None:
    assert check_bank_file(cards_dir / f"{name}.yaml") == []


def test_save_and_load_round_trip(tmp_path: Path, cards_dir: Path) -> None:
    text = (cards_dir / f"{NAME}.txt").read_text(encoding="utf-8")
    bank = generate_bank(parse_article(text, NAME), bank_id=NAME, article_file=f"{NAME}.txt")
    shutil.copyfile(cards_dir / f"{NAME}.txt", tmp_path / f"{NAME}.txt")
    path = tmp_path / "bank.yaml"
    save_bank(bank, path)
    assert load_bank(path) == bank
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.yaml", f"{NAME}.txt"]


def _duplicate_id(data: dict[str, Any]) -> tuple[str, str]:
    first, second = data["questions"][:2]
    second["id"] = first["id"]
    return first["id"], "id"


def _empty_prompt(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "basic")
    q["prompt"] = "  "
    return q["id"], "prompt"


def _answer_not_an_option(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "mcq")
    q["answer"] = "None of the above"
    return q["id"], "answer"


def _duplicate_options(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "mcq")
    q["options"].append(q["options"][0].upper())
    return q["id"], "options"


def _too_few_options(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "mcq")
    q["options"] = [q["answer"]]
    return q["id"], "options"


def _unknown_field(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "basic")
    q["hint"] = "Think about the buttock."
    return q["id"], "hint"


def _answer_field_on_cloze(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "cloze")
    q["answer"] = "Clarifies communication"
    return q["id"], "answer"


def _source_not_in_article(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "mcq")
    q["source"] = ["Posterior hip pain is always caused by the sciatic nerve."]
    return q["id"], "source"


def _no_source(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "matching")
    q["source"] = []
    return q["id"], "source"


def _wrong_true_false(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "true_false")
    q["answer"] = "Yes"
    return q["id"], "answer"


def _cloze_without_deletion(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "cloze")
    q["prompt"] = CLOZE.sub(lambda match: match["answer"], q["prompt"])
    return q["id"], "prompt"


def _unknown_kind(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "basic")
    q["kind"] = "essay"
    return q["id"], "kind"


def _short_matching(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "matching")
    q["pairs"] = q["pairs"][:1]
    return q["id"], "pairs"


def _repeated_step(data: dict[str, Any]) -> tuple[str, str]:
    q = _first(data, "ordering")
    q["sequence"][1] = q["sequence"][0]
    return q["id"], "sequence"


PROBLEMS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "duplicate id": _duplicate_id,
    "empty prompt": _empty_prompt,
    "mcq answer not among options": _answer_not_an_option,
    "duplicate options": _duplicate_options,
    "too few options": _too_few_options,
    "unknown field": _unknown_field,
    "field of another kind": _answer_field_on_cloze,
    "source not in the article": _source_not_in_article,
    "no source": _no_source,
    "wrong true_false answer": _wrong_true_false,
    "cloze without deletion": _cloze_without_deletion,
    "unknown kind": _unknown_kind,
    "matching with one pair": _short_matching,
    "ordering with a repeated step": _repeated_step,
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_check_names_file_question_and_field(problem: str, bank_path: Path) -> None:
    data = _read(bank_path)
    qid, field = PROBLEMS[problem](data)
    _write(bank_path, data)

    problems = check_bank_file(bank_path)
    assert problems
    assert {(p.file, p.question, p.field) for p in problems} == {(str(bank_path), qid, field)}
    assert all(str(p).startswith(f"{bank_path}: {qid}: {field}: ") for p in problems)


def test_load_refuses_a_bank_with_problems(bank_path: Path) -> None:
    data = _read(bank_path)
    qid, field = _wrong_true_false(data)
    _write(bank_path, data)
    with pytest.raises(BankError) as caught:
        load_bank(bank_path)
    assert [str(p) for p in caught.value.problems] == [str(p) for p in check_bank_file(bank_path)]
    assert str(caught.value).startswith(f"{bank_path}: {qid}: {field}: must be True or False")


def test_duplicate_id_is_reported_for_each_question(bank_path: Path) -> None:
    data = _read(bank_path)
    _duplicate_id(data)
    _write(bank_path, data)
    problems = check_bank_file(bank_path)
    assert len(problems) == 2
    assert "duplicate ID" in problems[0].message


def test_source_problem_quotes_the_sentence(bank_path: Path) -> None:
    data = _read(bank_path)
    _source_not_in_article(data)
    _write(bank_path, data)
    [problem] = check_bank_file(bank_path)
    assert "Posterior hip pain is always caused by the sciatic nerve." in problem.message


def test_broken_yaml_names_the_line(bank_path: Path) -> None:
    lines = bank_path.read_text(encoding="utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("  prompt: "))
    lines[at] = "  prompt: What is it: a trick question"
    bank_path.write_text("\n".join(lines), encoding="utf-8")

    [problem] = check_bank_file(bank_path)
    assert problem.file == f"{bank_path}:{at + 1}"
    assert str(problem).startswith(f"{bank_path}:{at + 1}: not valid YAML")


def test_missing_article_is_reported(bank_path: Path) -> None:
    bank_path.with_suffix(".txt").unlink()
    problems = check_bank_file(bank_path)
    assert [(p.file, p.question, p.field) for p in problems] == [(str(bank_path), "", "article")]


def test_bank_level_problems(bank_path: Path) -> None:
    data = _read(bank_path)
    data["format"] = 2
    data["owner"] = "someone"
    data["questions"] = []
    _write(bank_path, data)
    problems = {(p.question, p.field) for p in check_bank_file(bank_path)}
    assert problems == {("", "format"), ("", "owner"), ("", "questions")}


def test_hand_edited_prompt_keeps_its_id_and_passes(bank_path: Path) -> None:
    data = _read(bank_path)
    q = _first(data, "mcq")
    qid = q["id"]
    q["prompt"] = "Why is posterior hip pain a useful label? Pick the best description."
    _write(bank_path, data)

    assert check_bank_file(bank_path) == []
    edited = {question.id: question for question in load_bank(bank_path).questions}[qid]
    assert edited.prompt == "Why is posterior hip pain a useful label? Pick the best description."
