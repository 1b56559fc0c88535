"""The `quizapp` command."""

from __future__ import annotations

import functools
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from flask.cli import FlaskGroup, with_appcontext

from quizapp import MIGRATIONS
from quizapp.content.bank import Bank, Kind, Section, date_changes
from quizapp.content.bankfile import (
    BankError,
    check_bank_file,
    dump_bank,
    load_bank,
    previous_questions,
    read_article,
    save_bank,
)
from quizapp.content.generate import generate_bank
from quizapp.content.lint import Severity, lint_bank
from quizapp.content.parser import ArticleError, parse_article
from quizapp.content.summary import summarise
from quizapp.content.text import slugify
from quizapp.content.topic import TopicKind
from quizapp.export.anki import ExportError
from quizapp.export.anki import select as select_questions
from quizapp.extensions import db
from quizapp.models import Role, User
from quizapp.services import accounts, backup, banks, exports
from quizapp.services.banks import LoadReport

CARDS = Path(__file__).resolve().parent.parent / "cards"

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
P = ParamSpec("P")
R = TypeVar("R")


def _create_app():  # type: ignore[no-untyped-def]
    from quizapp import create_app

    return create_app()


def needs_database(command: Callable[P, R]) -> Callable[P, R]:
    """Meet a missing, unreachable or outdated database with one line naming the fix."""

    @functools.wraps(command)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        from flask import current_app
        from sqlalchemy.exc import OperationalError

        from quizapp.schema import UPGRADE_COMMAND, database_is_current

        if current_app.config["CHECK_MIGRATIONS"]:
            try:
                current = database_is_current()
            except OperationalError as error:
                reason = str(error.orig or error).splitlines()[0]
                raise click.ClickException(
                    f"The database cannot be opened ({reason}); check QUIZAPP_DATABASE_URL."
                ) from None
            if not current:
                raise click.ClickException(
                    f"The database is missing or not up to date: run `{UPGRADE_COMMAND}` first."
                )
        return command(*args, **kwargs)

    return checked


main = FlaskGroup(
    name="quizapp",
    create_app=_create_app,
    add_version_option=False,
    help="quizapp: question banks, spaced-repetition study and Anki decks from clinical articles.",
)


@main.group()
def bank() -> None:
    """Build, check and inspect question banks."""


def build_from_article(article: Path, topic_kind: TopicKind | None = None) -> Bank:
    try:
        parsed = parse_article(read_article(article), str(article))
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{article}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise click.ClickException(f"{article}: {error}") from None
    except ArticleError as error:
        raise click.ClickException(str(error)) from None
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}", err=True)
    return generate_bank(
        parsed, bank_id=slugify(article.stem), article_file=article.name, topic_kind=topic_kind
    )


@bank.command("build")
@click.argument("article", type=_FILE)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Bank file to write."
)
@click.option(
    "--topic-kind",
    type=click.Choice([kind.value for kind in TopicKind]),
    help="What the article is about; detected from its text when not given.",
)
@click.option(
    "--bank",
    "slug",
    help="Rebuild this bank in the database from ARTICLE instead of writing a file: "
    "questions whose sources did not change keep their edits and IDs, changed ones wait "
    "for review beside the edit, new ones arrive as drafts.",
)
def bank_build(
    article: Path, output: Path | None, topic_kind: str | None, slug: str | None
) -> None:
    """Generate a question bank from ARTICLE.

    Without -o the bank is printed. With -o it is written to OUTPUT and the
    article is copied beside it, so the bank and its source stay together. Built
    over an existing OUTPUT, each question keeps the date its content last changed
    and each new or changed question is dated now.
    """
    built = build_from_article(article, TopicKind(topic_kind) if topic_kind else None)
    if slug is not None:
        if output is not None:
            raise click.UsageError("Give either -o (a bank file) or --bank (the database).")
        _rebuild_in_database(built, article, slug)
        return
    if output is None:
        click.echo(dump_bank(built), nl=False)
        return
    previous = previous_questions(output)
    if previous:
        built = date_changes(built, previous, now=_now())
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


@bank.command("lint")
@click.argument("paths", nargs=-1, required=True, type=_FILE)
def bank_lint(paths: tuple[Path, ...]) -> None:
    """Report item-writing flaws by question ID and rule; exit non-zero on any error."""
    errors = 0
    for path in paths:
        try:
            loaded = load_bank(path)
        except BankError as error:
            raise click.ClickException(f"{path} cannot be linted:\n{error}") from None
        findings = lint_bank(loaded)
        for finding in findings:
            click.echo(f"{path}: {finding}")
        errors += sum(1 for finding in findings if finding.severity is Severity.ERROR)
        if not findings:
            click.echo(f"{path}: no findings")
    if errors:
        click.echo(f"{errors} error(s)", err=True)
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


def _now() -> datetime:
    return datetime.now(UTC)


@with_appcontext
@needs_database
def _rebuild_in_database(built: Bank, article: Path, slug: str) -> None:
    found = banks.find_any_bank(db.session, slug)
    if found is None:
        raise click.ClickException(f"There is no bank {slug}; load it first (`bank load`).")
    report = banks.load_bank(
        db.session,
        built,
        article_text=read_article(article),
        now=_now(),
        regenerate=True,
        review=True,
        slug=slug,
    )
    click.echo(f"{slug}: {report}")
    _echo_details(report)


def _echo_details(report: LoadReport) -> None:
    for key in report.revisions:
        click.echo(f"  to review: {key} (rebuilt beside the edited version)")
    for conflict in report.conflicts:
        outcome = "took the file's version" if report.theirs else "kept the site's version"
        click.echo(f"  conflict: {conflict}; {outcome}")
        for line in conflict.differences():
            click.echo(f"    {line}")
    if report.conflicts and not report.theirs:
        click.echo("  Load again with --theirs to take the file's versions.")


def load_bank_file(
    path: Path, maintainer: User | None = None, *, theirs: bool = False
) -> LoadReport:
    """Check a bank file and load it into the database."""
    try:
        loaded = load_bank(path)
    except BankError as error:
        raise click.ClickException(f"{path} was not loaded:\n{error}") from None
    article = path.parent / loaded.article
    return banks.load_bank(
        db.session,
        loaded,
        article_text=read_article(article),
        now=_now(),
        maintainer=maintainer,
        theirs=theirs,
    )


@bank.command("load")
@click.argument("paths", nargs=-1, required=True, type=_FILE)
@click.option(
    "--maintainer",
    "email",
    help="An instructor's email: they may edit and retire the bank's questions "
    "(without it, only admins may until a maintainer is added).",
)
@click.option(
    "--theirs",
    is_flag=True,
    help="Where a question was changed both on the site and in the file, take the file's "
    "version (the site's edit stays in the question's history).",
)
@with_appcontext
@needs_database
def bank_load(paths: tuple[Path, ...], email: str | None, theirs: bool) -> None:
    """Import or update banks by question ID; removed questions are retired, not deleted.

    A question edited on the site keeps the edit unless the file changed it too: then
    it is reported as a conflict and the site's version stays (unless --theirs).
    """
    maintainer = None
    if email:
        maintainer = accounts.find_user(db.session, email)
        if maintainer is None or maintainer.role == Role.TRAINEE.value:
            raise click.ClickException(f"No instructor or admin has the email {email}.")
    for path in paths:
        report = load_bank_file(path, maintainer, theirs=theirs)
        click.echo(f"{path}: {report}")
        _echo_details(report)


# bank export / bank import: Moodle XML, GIFT, CSV and bank files ------------------------------

_EXPORT_FORMATS = ("yaml", "json", "gift", "moodle", "csv")
_IMPORT_FORMATS = ("gift", "moodle", "csv")


@bank.command("export")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; its extension names the format unless --format does.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_EXPORT_FORMATS),
    help="yaml or json: a bank file (its article is written beside it); gift; moodle "
    "(Moodle XML); csv (the simple kinds, for spreadsheets).",
)
@click.option("--section", multiple=True, type=click.Choice([s.value for s in Section]))
@click.option("--kind", multiple=True, type=click.Choice([k.value for k in Kind]))
@click.option("--tag", multiple=True, help="Only questions with this tag (repeatable).")
@click.option("--assignment", "assignment_id", type=int, help="Only this assignment's set.")
@with_appcontext
@needs_database
def bank_export(
    slug: str,
    output: Path,
    fmt: str | None,
    section: tuple[str, ...],
    kind: tuple[str, ...],
    tag: tuple[str, ...],
    assignment_id: int | None,
) -> None:
    """Write bank SLUG as stored now (site edits included, retired questions left out).

    The format comes from the extension: .yaml/.yml/.json a bank file, .gift/.txt GIFT,
    .xml Moodle XML, .csv CSV. A bank file can be checked and loaded again with
    `quizapp bank check` and `quizapp bank load`.
    """
    from quizapp import interchange
    from quizapp.models import Assignment
    from quizapp.services import interchange as exchange

    row = banks.find_any_bank(db.session, slug)
    if row is None:
        raise click.ClickException(f"No bank has the ID {slug!r}.")
    try:
        chosen = interchange.format_for(output.name, fmt)
    except interchange.InterchangeError as error:
        raise click.ClickException(f"{output}: {error}") from None
    if assignment_id is not None:
        assignment = db.session.get(Assignment, assignment_id)
        if assignment is None or assignment.bank_id != row.id:
            raise click.ClickException(f"Bank {slug!r} has no assignment {assignment_id}.")
        whole = exchange.assignment_set(db.session, assignment)
        selected = select_questions(whole, sections=section, kinds=kind, tags=tag)
    else:
        selected = exchange.stored_bank(db.session, row, sections=section, kinds=kind, tags=tag)
    if not selected.questions:
        raise click.ClickException("No questions match those filters; nothing was written.")
    exported = interchange.write(selected, chosen)
    for skipped in exported.skipped:
        click.echo(f"skipped {skipped}", err=True)
    if not exported.count:
        raise click.ClickException(
            f"{chosen.label} holds none of these questions; nothing written."
        )
    article = output.parent / selected.article if chosen.name in ("yaml", "json") else None
    if article is not None and article.resolve() == output.resolve():
        raise click.ClickException(f"{output} would be overwritten by the bank's article.")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(exported.text, encoding="utf-8", newline="")
    written = f"Wrote {exported.count} questions to {output}"
    if article is not None:
        article.write_text(row.article, encoding="utf-8", newline="")
        written += f" and the article to {article}"
        partial = section or kind or tag or assignment_id is not None
        if partial:
            click.echo(
                "warning: this bank file holds only the selected questions; "
                "`quizapp bank load` would retire the others",
                err=True,
            )
    click.echo(written)


@bank.command("import")
@click.argument("file", type=_FILE)
@click.option("--bank", "slug", required=True, help="The bank to add to (made if it is new).")
@click.option("--topic", help="The bank's topic (default: the bank's, or the file's category).")
@click.option("--format", "fmt", type=click.Choice(_IMPORT_FORMATS), help="Default: from FILE.")
@click.option("--maintainer", "email", help="An instructor's email, made a maintainer.")
@with_appcontext
@needs_database
def bank_import(
    file: Path, slug: str, topic: str | None, fmt: str | None, email: str | None
) -> None:
    """Add or update questions from GIFT, Moodle XML or CSV in bank SLUG, by question ID.

    Nothing is retired: questions the file lacks stay as they are. Questions quizapp
    cannot hold (essays, numerical, Cloze…) are listed as skipped.
    """
    from quizapp import interchange
    from quizapp.content.bankfile import MAX_BANK_BYTES
    from quizapp.services import interchange as exchange

    try:
        chosen = interchange.format_for(file.name, fmt)
    except interchange.InterchangeError as error:
        raise click.ClickException(f"{file}: {error}") from None
    if chosen.name not in _IMPORT_FORMATS:
        raise click.ClickException(
            f"{file} is a bank file: load it with `quizapp bank load {file}`."
        )
    maintainer = None
    if email:
        maintainer = accounts.find_user(db.session, email)
        if maintainer is None or maintainer.role == Role.TRAINEE.value:
            raise click.ClickException(f"No instructor or admin has the email {email}.")
    if file.stat().st_size > MAX_BANK_BYTES:
        raise click.ClickException(f"{file} is larger than {MAX_BANK_BYTES // 2**20} MB.")
    try:
        result = interchange.read(file.name, file.read_bytes(), chosen.name)
    except interchange.InterchangeError as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported.") from None
    except OSError as error:
        raise click.ClickException(f"{file} cannot be read: {error}") from None
    for skipped in result.skipped:
        click.echo(f"skipped {skipped}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    try:
        report = exchange.import_questions(
            db.session,
            slug=slug,
            result=result,
            filename=file.name,
            now=_now(),
            topic=topic,
            maintainer=maintainer,
        )
    except exchange.InterchangeError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"{file}: {report}")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: from the email).")
@click.option(
    "--role", type=click.Choice([role.value for role in Role]), default=Role.TRAINEE.value
)
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
@needs_database
def user_create(email: str, name: str, role: str, password: str) -> None:
    """Create an account with a role: trainee, instructor or admin."""
    try:
        created = accounts.register(
            db.session, email=email, name=name, password=password, role=Role(role)
        )
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {created.role} {created.email}")


DEMO_USERS = (
    ("trainee@example.com", "Demo Trainee", "sciatic-notch-42", Role.TRAINEE),
    ("instructor@example.com", "Demo Instructor", "gluteal-bursa-17", Role.INSTRUCTOR),
    ("admin@example.com", "Demo Admin", "piriformis-ladder", Role.ADMIN),
)


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo(host: str, port: int) -> None:
    """Migrate the database, load the demo banks and accounts, and serve on HOST:PORT."""
    from flask import current_app
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    upgrade(directory=str(MIGRATIONS))
    for email, name, password, role in DEMO_USERS:
        if accounts.find_user(db.session, email) is None:
            accounts.register(db.session, email=email, name=name, password=password, role=role)
    instructor = accounts.find_user(db.session, DEMO_USERS[1][0])
    for path in sorted(CARDS.glob("*.yaml")):
        click.echo(f"Loaded {path.name}: {load_bank_file(path, maintainer=instructor)}")
    for email, _name, password, role in DEMO_USERS:
        click.echo(f"  {role.value:<10} {email}  password: {password}")
    worker = _start_worker()
    click.echo(f"quizapp is serving at http://{host}:{port}/  (Ctrl+C stops it)")
    # Stopped by a signal, still stop the worker: turn SIGTERM and SIGHUP into an exit.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, lambda *_: sys.exit(0))
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()


def _start_worker() -> subprocess.Popen[bytes] | None:
    """Start `quizapp worker` beside the demo server, or say why fitting is unavailable."""
    from flask import current_app
    from redis.exceptions import RedisError

    from quizapp import jobs

    url = current_app.config["QUEUE_URL"]
    try:
        jobs.redis_for_app().ping()
    except RedisError as error:
        click.echo(
            f"warning: Redis is not reachable at {url} ({error}); fitting schedulers in "
            "Settings will say it is unavailable. Start Redis or set QUIZAPP_QUEUE_URL.",
            err=True,
        )
        return None
    click.echo(f"Background worker started on {url}")
    return subprocess.Popen(
        [sys.executable, "-c", "from quizapp.cli import main; main()", "worker"]
    )


@main.group("export")
def export_group() -> None:
    """Export banks for offline study."""


@export_group.command("anki")
@click.argument("banks_", metavar="BANK...", nargs=-1, required=True, type=_FILE)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The .apkg file to write.",
)
@click.option("--section", multiple=True, type=click.Choice([s.value for s in Section]))
@click.option("--kind", multiple=True, type=click.Choice([k.value for k in Kind]))
@click.option("--tag", multiple=True, help="Only questions with this tag (repeatable).")
def export_anki(
    banks_: tuple[Path, ...],
    output: Path,
    section: tuple[str, ...],
    kind: tuple[str, ...],
    tag: tuple[str, ...],
) -> None:
    """Write bank files as one Anki package, optionally filtered by section, kind and tag.

    Needs no database: each note is dated by its question's `changed` time in the bank file.
    """
    selected = []
    for path in banks_:
        try:
            loaded = load_bank(path)
        except BankError as error:
            raise click.ClickException(f"{path} was not exported:\n{error}") from None
        selected.append(select_questions(loaded, sections=section, kinds=kind, tags=tag))
    count = sum(len(bank.questions) for bank in selected)
    if count == 0:
        raise click.ClickException("No questions match those filters; nothing was written.")
    try:
        exports.export_anki(selected, output, now=_now())
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {count} notes to {output}")


@main.group("import")
def import_group() -> None:
    """Bring in work done elsewhere."""


@import_group.command("anki-reviews")
@click.argument("file", type=_FILE)
@click.option("--user", "email", required=True, help="The learner whose reviews these are.")
@with_appcontext
def import_anki_reviews(file: Path, email: str) -> None:
    """Add the reviews in an Anki export (.colpkg, or .apkg with scheduling) to a learner.

    Notes are matched to questions by the GUIDs quizapp gave them; reviews already
    imported are skipped, and every card that gains a review is rescheduled.
    """
    from flask import current_app

    from quizapp.services import anki_reviews

    learner = accounts.find_user(db.session, email)
    if learner is None:
        raise click.ClickException(f"No user with the email {email}.")
    try:
        result = anki_reviews.import_reviews(
            db.session,
            user=learner,
            path=file,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            now=_now(),
            fuzz=current_app.config["SCHEDULER_FUZZ"],
        )
    except anki_reviews.AnkiImportError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"{email}: {result.summary()}")


@main.command("optimize")
@click.option("--user", "email", help="Only this learner's email (default: every learner).")
@click.option(
    "--foreground", is_flag=True, help="Fit here and now instead of queueing background jobs."
)
@with_appcontext
@needs_database
def optimize_command(email: str | None, foreground: bool) -> None:
    """Fit learners' FSRS parameters to their reviews and reschedule their cards.

    By default each learner's fit is queued for `quizapp worker`; a fit already queued or
    running is left alone. New parameters are kept only when they predict the learner's
    reviews better (lower log loss) than the current ones.
    """
    from sqlalchemy import select

    from quizapp import jobs
    from quizapp.models import User
    from quizapp.scheduling.optimize import OptimizeError
    from quizapp.services import optimize

    if email:
        found = accounts.find_user(db.session, email)
        if found is None:
            raise click.ClickException(f"No user with the email {email}.")
        learners = [found]
    else:
        learners = list(db.session.scalars(select(User).order_by(User.id)))
    if not foreground:
        redis = jobs.redis_for_app()
        for learner in learners:
            try:
                job, queued = optimize.request_fit(redis, user=learner)
            except OptimizeError as error:
                raise click.ClickException(str(error)) from None
            click.echo(
                f"{learner.email}: "
                + ("queued" if queued else f"already {job.status}")
                + f" (job {job.id}); `quizapp worker` runs it, Settings shows the result"
            )
        return
    for learner in learners:
        _optimize_now(learner, single=bool(email))


def _optimize_now(learner: Any, *, single: bool) -> None:
    from flask import current_app

    from quizapp.scheduling.optimize import NotEnoughReviews, OptimizeError
    from quizapp.services import optimize

    try:
        result = optimize.optimize_user(
            db.session, user=learner, fuzz=current_app.config["SCHEDULER_FUZZ"]
        )
    except NotEnoughReviews as error:
        if single:
            raise click.ClickException(str(error)) from None
        click.echo(f"{learner.email}: skipped, {error.usable} usable reviews of 512 needed")
        return
    except OptimizeError as error:
        raise click.ClickException(f"{learner.email}: {error}") from None
    fit = result.fit
    click.echo(f"{learner.email}: {fit.usable} usable reviews")
    click.echo("  old parameters: " + ", ".join(f"{value:.4f}" for value in fit.old))
    click.echo("  new parameters: " + ", ".join(f"{value:.4f}" for value in fit.new))
    click.echo(
        f"  log loss {fit.old_loss:.4f} -> {fit.new_loss:.4f} ({fit.improvement:.1%} lower); "
        + (
            f"kept, {result.rescheduled} cards rescheduled"
            if result.stored
            else "not better, parameters unchanged"
        )
    )


@main.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run background jobs (fitting schedulers) from the Redis queue until stopped."""
    from flask import current_app
    from redis.exceptions import ConnectionError as RedisConnectionError
    from rq import Queue, Worker

    from quizapp import jobs

    jobs.set_worker_app(current_app._get_current_object())
    redis = jobs.redis_for_app()
    try:
        redis.ping()
    except RedisConnectionError as error:
        raise click.ClickException(
            f"Redis is not reachable at {current_app.config['QUEUE_URL']} ({error}); "
            "start it or set QUIZAPP_QUEUE_URL."
        ) from None
    Worker([Queue(jobs.QUEUE, connection=redis)], connection=redis).work(burst=burst)


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@needs_database
def backup_command(file: Path) -> None:
    """Write a consistent snapshot of all data to FILE; safe while the server runs."""
    try:
        counts = backup.write_backup(db.engine, db.metadata, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {sum(counts.values())} rows to {file}")


@main.command("restore")
@click.argument("file", type=_FILE)
@with_appcontext
@needs_database
def restore_command(file: Path) -> None:
    """Load a backup into an empty, migrated database; nothing is written if it fails."""
    try:
        counts = backup.restore_backup(db.engine, db.metadata, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {sum(counts.values())} rows from {file}")
