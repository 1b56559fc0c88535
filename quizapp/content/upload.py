"""Read a file an instructor uploads into a bank: every format passes through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from quizapp import interchange
from quizapp.content.bank import Bank
from quizapp.content.bankfile import MAX_ARTICLE_BYTES, BankError, parse_bank
from quizapp.content.generate import generate_bank
from quizapp.content.parser import ArticleError, parse_article
from quizapp.content.text import slugify
from quizapp.content.topic import TopicKind


class UploadError(ValueError):
    """A file that cannot become a bank; each message names the line or field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def article_text(filename: str, data: bytes) -> str:
    """An uploaded article's text: UTF-8, at most MAX_ARTICLE_BYTES, no NUL."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise UploadError([f"{filename}: the article is larger than 5 MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(
            [f"{filename}: not UTF-8 text ({error.reason} at byte {error.start})"]
        ) from None
    if "\x00" in text:
        raise UploadError([f"{filename}: contains a NUL character"])
    return text


def _article(filename: str, data: bytes, topic_kind: TopicKind | None) -> Uploaded:
    """An article, built into a bank as `quizapp bank build` builds it, with the warnings
    of the lines it had to read as text or skip."""
    try:
        parsed = parse_article(article_text(filename, data), filename)
    except ArticleError as error:
        raise UploadError([str(error)]) from None
    stem = PurePath(filename).stem
    bank = generate_bank(
        parsed, bank_id=slugify(stem) or "bank", article_file=filename, topic_kind=topic_kind
    )
    return Uploaded(bank, warnings=parsed.warnings)


@dataclass(frozen=True)
class Uploaded:
    """The bank a file holds, and what of the file it left out, each with the reason."""

    bank: Bank
    skipped: tuple[str, ...] = ()
    # What reading an article had to guess, each naming its line.
    warnings: tuple[str, ...] = ()
    # Questions from another tool: they add to a bank, never replace it.
    imported: interchange.ImportResult | None = None


def _bank_file(filename: str, data: bytes, _topic_kind: TopicKind | None) -> Uploaded:
    try:
        return Uploaded(parse_bank(data, filename))
    except BankError as error:
        raise UploadError([str(problem) for problem in error.problems]) from None


def _question_file(filename: str, data: bytes, _topic_kind: TopicKind | None) -> Uploaded:
    """Questions from another tool (GIFT, Moodle XML, CSV); each quotes the file as its source."""
    try:
        result = interchange.read(filename, data)
    except interchange.InterchangeError as error:
        raise UploadError([f"{filename}: {error}"]) from None
    if not result.questions:
        raise UploadError(
            [f"{filename}: no question quizapp can use"] + [str(s) for s in result.skipped]
        )
    stem = PurePath(filename).stem
    bank = Bank(
        id=slugify(stem) or "bank",
        topic=result.topic or stem,
        article=filename,
        questions=result.questions,
    )
    notes = tuple(str(item) for item in (*result.skipped, *result.notes))
    return Uploaded(bank, notes, imported=result)


Reader = Callable[[str, bytes, TopicKind | None], Uploaded]
# By the file name's ending; add a format by adding its reader.
READERS: dict[str, Reader] = {
    ".txt": _article,
    ".yaml": _bank_file,
    ".yml": _bank_file,
    ".json": _bank_file,
    ".gift": _question_file,
    ".xml": _question_file,
    ".csv": _question_file,
}


def is_article(filename: str) -> bool:
    return PurePath(filename).suffix.lower() == ".txt"


def read_upload(filename: str, data: bytes, *, topic_kind: TopicKind | None = None) -> Uploaded:
    """The bank an uploaded file holds: an article (`.txt`, built with `topic_kind` or the
    detected one), a bank file, or questions in GIFT, Moodle XML or CSV. Raise UploadError
    naming the line or field."""
    name = PurePath(filename).name or "upload"
    reader = READERS.get(PurePath(name).suffix.lower())
    if reader is None:
        raise UploadError(
            [
                f"{name}: expected an article (.txt), a bank file (.yaml, .yml or .json) "
                "or questions in GIFT (.gift), Moodle XML (.xml) or CSV (.csv)"
            ]
        )
    return reader(name, data, topic_kind)
