"""Read and write bank files: YAML, one bank per article, the article kept beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from quizapp.content.bank import Bank
from quizapp.content.check import Problem, check_bank_data

HEADER = "# quizapp question bank; the format is described in cards/README.md\n"


class BankError(ValueError):
    """A bank file that cannot be used; `problems` lists each thing wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


# libyaml's loader where it is installed: the same results, many times faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Block style, text with line breaks as literal blocks, keys in model order."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_bank(bank: Bank) -> str:
    """Serialise a bank to YAML text, byte-identical for the same bank."""
    body = yaml.dump(
        bank.to_dict(),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )
    return HEADER + body


def save_bank(bank: Bank, path: Path) -> None:
    """Write atomically: a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(dump_bank(bank), encoding="utf-8")
    partial.replace(path)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BankError(
            [Problem(f"{path}{line}", "", "", f"not valid YAML: {error.problem}")]
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise BankError([Problem(str(path), "", "", f"cannot be read: {error}")]) from None


def article_path(bank_path: Path, data: Any) -> Path | None:
    """The article a bank file names, relative to the bank file."""
    if isinstance(data, dict) and isinstance(data.get("article"), str) and data["article"].strip():
        return bank_path.parent / data["article"]
    return None


def check_bank_file(path: Path) -> list[Problem]:
    """Every problem in a bank file, including sources missing from its article."""
    try:
        data = _read_yaml(path)
    except BankError as error:
        return error.problems
    article = article_path(path, data)
    article_text = None
    if article is not None:
        try:
            article_text = article.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problem = Problem(str(path), "", "article", f"cannot read {article}: {error}")
            return [problem, *check_bank_data(data, file=str(path), article_text=None)]
    return check_bank_data(data, file=str(path), article_text=article_text)


def load_bank(path: Path) -> Bank:
    """Read and check a bank file; raise BankError listing every problem."""
    problems = check_bank_file(path)
    if problems:
        raise BankError(problems)
    return Bank.from_dict(_read_yaml(path))


def previous_questions(path: Path) -> dict[str, dict[str, Any]]:
    """The questions of an existing bank file by ID, as written; empty if there is none.

    Read leniently: a bank being rebuilt may fail its checks (its sources quote the
    article as it was), yet its questions' dates are still worth keeping.
    """
    if not path.exists():
        return {}
    try:
        data = _read_yaml(path)
    except BankError:
        return {}
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list):
        return {}
    return {q["id"]: q for q in questions if isinstance(q, dict) and isinstance(q.get("id"), str)}
