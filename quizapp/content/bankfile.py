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


# Far above any real bank or article; a file beyond them is refused before it is read.
MAX_BANK_BYTES = 10 * 1024 * 1024
MAX_ARTICLE_BYTES = 5 * 1024 * 1024


def _problem(path: Path, message: str, field: str = "") -> BankError:
    return BankError([Problem(str(path), "", field, message)])


def _read_text(path: Path, limit: int, what: str) -> str:
    """A regular file's UTF-8 text, refused when larger than `limit` bytes or holding NUL."""
    if not path.is_file():
        raise OSError(f"{path} is not a regular file")
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{what} is larger than {limit // (1024 * 1024)} MB")
    text = data.decode("utf-8")
    if "\x00" in text:
        raise OSError(f"{what} contains a NUL character (at offset {text.index(chr(0))})")
    return text


def _refuse_aliases(text: str, path: Path) -> None:
    """Aliases (`*name`) let a few lines expand to gigabytes; bank files never need them."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else 0
            raise _problem(
                Path(f"{path}:{line}"), "YAML aliases (*name) are not allowed in bank files"
            )


def _read_yaml(path: Path) -> Any:
    try:
        text = _read_text(path, MAX_BANK_BYTES, "the bank file")
    except (OSError, UnicodeDecodeError) as error:
        raise _problem(path, f"cannot be read: {error}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> Any:
    """Bank-file text as data, refusing aliases; BankError names the file and line."""
    try:
        _refuse_aliases(text, path)
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise BankError(
            [Problem(f"{path}{line}", "", "", f"not valid YAML: {error.problem}")]
        ) from None
    except yaml.YAMLError as error:
        raise _problem(path, f"cannot be read: {error}") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise _problem(path, f"holds a value that cannot be read: {str(error)[:200]}") from None
    except RecursionError:
        raise _problem(path, "is nested too deeply to read") from None


def parse_bank(data: bytes, name: str) -> Bank:
    """A bank file's bytes (YAML, or JSON, which YAML reads) as a checked bank; its
    article is not at hand, so sources are not compared with it. Raise BankError."""
    path = Path(name)
    if len(data) > MAX_BANK_BYTES:
        raise _problem(path, f"is larger than {MAX_BANK_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _problem(path, f"is not UTF-8 text ({error.reason} at byte {error.start})") from None
    if "\x00" in text:
        raise _problem(path, f"contains a NUL character (at offset {text.index(chr(0))})")
    loaded = parse_yaml(text, path)
    problems = check_bank_data(loaded, file=name, article_text=None)
    if problems:
        raise BankError(problems)
    return Bank.from_dict(loaded)


def article_path(bank_path: Path, data: Any) -> Path | None:
    """The article a bank file names, relative to the bank file."""
    if isinstance(data, dict) and isinstance(data.get("article"), str) and data["article"].strip():
        return bank_path.parent / data["article"]
    return None


def read_article(path: Path) -> str:
    """An article's text; OSError or UnicodeDecodeError when it is unusable."""
    return _read_text(path, MAX_ARTICLE_BYTES, "the article")


def _nul_problems(data: Any, path: Path) -> list[Problem]:
    """Text holding NUL, which the database cannot store."""
    found: list[Problem] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, str) and "\x00" in value:
            found.append(Problem(str(path), "", where, "contains a NUL character"))
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{where}.{key}" if where else str(key))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{where}[{index}]")

    walk(data, "")
    return found


def check_bank_file(path: Path) -> list[Problem]:
    """Every problem in a bank file, including sources missing from its article."""
    try:
        data = _read_yaml(path)
    except BankError as error:
        return error.problems
    article = article_path(path, data)
    article_text = None
    nul = _nul_problems(data, path)
    if article is not None:
        try:
            article_text = read_article(article)
        except (OSError, UnicodeDecodeError) as error:
            problem = Problem(str(path), "", "article", f"cannot read {article}: {error}")
            return [problem, *nul, *check_bank_data(data, file=str(path), article_text=None)]
    return nul + check_bank_data(data, file=str(path), article_text=article_text)


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
