"""Uploaded files become banks through one function, with the command line's code."""

from __future__ import annotations

import pytest

from quizapp.cli import build_from_article
from quizapp.content.bankfile import dump_bank, load_bank
from quizapp.content.topic import TopicKind
from quizapp.content.upload import UploadError, read_upload
from tests.helpers import ROOT, TEST_BANK

ARTICLE = ROOT / "cards" / "hip-mri.txt"


def test_an_article_is_built_as_bank_build_builds_it():
    uploaded = read_upload(ARTICLE.name, ARTICLE.read_bytes()).bank
    assert dump_bank(uploaded) == dump_bank(build_from_article(ARTICLE))
    kind = TopicKind.PROCEDURE
    chosen = read_upload(ARTICLE.name, ARTICLE.read_bytes(), topic_kind=kind).bank
    assert chosen == build_from_article(ARTICLE, kind) and chosen.topic_kind == kind.value


def test_a_bank_file_reads_as_the_command_line_reads_it():
    assert read_upload(TEST_BANK.name, TEST_BANK.read_bytes()).bank == load_bank(TEST_BANK)


def test_questions_from_another_tool_become_a_bank_and_name_what_was_left_out():
    gift = (
        b"::Sciatic:: Which nerve passes below the piriformis? {=Sciatic ~Femoral ~Obturator}\n\n"
        b"::Essay:: Describe the hip joint. {}\n"
    )
    uploaded = read_upload("hip quiz.gift", gift)
    assert uploaded.bank.id == "hip-quiz" and uploaded.imported is not None
    [question] = uploaded.bank.questions
    assert question.kind.value == "mcq" and question.answer == "Sciatic"
    assert question.source == ("Imported from hip quiz.gift.",)
    assert any("essay" in line.lower() for line in uploaded.skipped)


def test_a_path_in_the_name_is_ignored():
    uploaded = read_upload("../../etc/hip-mri.txt", ARTICLE.read_bytes()).bank
    assert uploaded.id == "hip-mri" and uploaded.article == "hip-mri.txt"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.txt", b"", "a.txt:1: the article is empty"),
        ("a.txt", b"Hip\x00", "contains a NUL character"),
        ("a.yaml", b"a: &x [1]\nb: *x\n", "aliases (*name) are not allowed"),
        ("a.yaml", b"[1, 2]", "expected a mapping"),
        ("a.pdf", b"%PDF", "expected an article (.txt), a bank file"),
        ("a.gift", b"::Q:: Describe it. {}", "no question quizapp can use"),
        ("a.xml", b"<quiz><question", "a.xml:"),
    ],
)
def test_unusable_files_are_named(name, data, message):
    with pytest.raises(UploadError) as raised:
        read_upload(name, data)
    assert any(message in line for line in raised.value.messages), raised.value.messages
