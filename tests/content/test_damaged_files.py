"""Damaged and hostile bank files and articles are reported, quickly, never crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from quizapp.content.bankfile import (
    MAX_ARTICLE_BYTES,
    BankError,
    check_bank_file,
    load_bank,
)

TINY = """\
format: 1
id: tiny
topic: Tiny
article: {article}
questions:
- id: faq.what
  kind: basic
  section: faq
  prompt: What is it?
  answer: A thing.
  source:
  - The thing is a thing.
"""
ARTICLE = "The thing is a thing.\n"


def _bank(tmp_path: Path, text: str, article: str = ARTICLE) -> Path:
    (tmp_path / "tiny.txt").write_text(article, encoding="utf-8")
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path) -> str:
    started = time.monotonic()
    problems = check_bank_file(path)
    assert time.monotonic() - started < 5, "checking took too long"
    with pytest.raises(BankError):
        load_bank(path)
    return "\n".join(str(problem) for problem in problems)


def test_a_tiny_bank_is_fine(tmp_path):
    assert check_bank_file(_bank(tmp_path, TINY.format(article="tiny.txt"))) == []


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        previous = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb.append("format: *i")
    text = "\n".join(bomb) + "\n"
    assert len(text) < 1000
    report = _problems(_bank(tmp_path, text))
    assert "aliases" in report and len(report) < 1000


def test_a_huge_integer_is_named(tmp_path):
    text = TINY.format(article="tiny.txt").replace("format: 1", "format: " + "9" * 5000)
    report = _problems(_bank(tmp_path, text))
    assert "cannot be read" in report and len(report) < 1000


def test_an_article_that_is_a_device_or_too_large_is_refused(tmp_path):
    report = _problems(_bank(tmp_path, TINY.format(article="/dev/zero")))
    assert "not a regular file" in report
    big = "The thing is a thing. " * (MAX_ARTICLE_BYTES // 20)
    report = _problems(_bank(tmp_path, TINY.format(article="tiny.txt"), article=big))
    assert "larger than" in report


def test_nul_in_an_article_or_a_question_is_named(tmp_path):
    report = _problems(_bank(tmp_path, TINY.format(article="tiny.txt"), article="The\x00 thing."))
    assert "NUL" in report
    text = TINY.format(article="tiny.txt").replace("What is it?", '"What\\0 is it?"')
    report = _problems(_bank(tmp_path, text))
    assert "NUL" in report and "prompt" in report


def test_deep_nesting_is_named(tmp_path):
    text = TINY.format(article="tiny.txt") + "extra: " + "[" * 20000 + "]" * 20000 + "\n"
    report = _problems(_bank(tmp_path, text))
    assert report
