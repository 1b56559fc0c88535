"""The `quizapp` command."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from quizapp.content.bank import Bank
from quizapp.content.bankfile import BankError, check_bank_file, dump_bank, load_bank, save_bank
from quizapp.content.generate import generate_bank
from quizapp.content.parser import ArticleError, parse_article
from quizapp.content.summary import summarise
from quizapp.content.text import slugify

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def main() -> None:
    """quizapp: question banks, spaced-repetition study and Anki decks from clinical articles."""


@main.group()
def bank() -> None:
    """Build, check and inspect question banks."""


def build_from_article(article: Path) -> Bank:
    try:
        parsed = parse_article(article.read_text(encoding="utf-8"), str(article))
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{article}: not UTF-8 text ({error.reason})") from None
    except ArticleError as error:
        raise click.ClickException(str(error)) from None
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}", err=True)
    return generate_bank(parsed, bank_id=slugify(article.stem), article_file=article.name)


@bank.command("build")
@click.argument("article", type=_FILE)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Bank file to write."
)
def bank_build(article: Path, output: Path | None) -> None:
    """Generate a question bank from ARTICLE.

    Without -o the bank is printed. With -o it is written to OUTPUT and the
    article is copied beside it, so the bank and its source stay together.
    """
    built = build_from_article(article)
    if output is None:
        click.echo(dump_bank(built), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    beside = output.parent / article.name
    if not beside.exists() or not beside.samefile(article):
        shutil.copyfile(article, beside)
    save_bank(built, output)
    click.echo(f"Wrote {len(built.questions)} questions to {output}", err=True)


@bank.command("check")
@click.argument("paths", nargs=-1, required=True, type=_FILE)
def bank_check(paths: tuple[Path, ...]) -> None:
    """Check bank files; print each problem and exit non-zero if there are any."""
    failed = False
    for path in paths:
        problems = check_bank_file(path)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            failed = True
            click.echo(f"{path}: {len(problems)} problem(s)", err=True)
        else:
            click.echo(f"{path}: OK")
    if failed:
        sys.exit(1)


@bank.command("show")
@click.argument("path", type=_FILE)
def bank_show(path: Path) -> None:
    """Summarise a bank: counts by section and kind, and sample questions."""
    try:
        loaded = load_bank(path)
    except BankError as error:
        raise click.ClickException(str(error)) from None
    click.echo(summarise(loaded))
