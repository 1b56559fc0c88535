"""The `quizapp` command."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup, with_appcontext

from quizapp import MIGRATIONS
from quizapp.content.bank import Bank, Kind, Section
from quizapp.content.bankfile import BankError, check_bank_file, dump_bank, load_bank, save_bank
from quizapp.content.generate import generate_bank
from quizapp.content.parser import ArticleError, parse_article
from quizapp.content.summary import summarise
from quizapp.content.text import slugify
from quizapp.export.anki import ExportError
from quizapp.export.anki import select as select_questions
from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services import accounts, backup, banks, exports
from quizapp.services.banks import LoadReport

CARDS = Path(__file__).resolve().parent.parent / "cards"

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _create_app():  # type: ignore[no-untyped-def]
    from quizapp import create_app

    return create_app()


main = FlaskGroup(
    name="quizapp",
    create_app=_create_app,
    add_version_option=False,
    help="quizapp: question banks, spaced-repetition study and Anki decks from clinical articles.",
)


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


def _now() -> datetime:
    return datetime.now(UTC)


def load_bank_file(path: Path) -> LoadReport:
    """Check a bank file and load it into the database."""
    try:
        loaded = load_bank(path)
    except BankError as error:
        raise click.ClickException(f"{path} was not loaded:\n{error}") from None
    article = path.parent / loaded.article
    return banks.load_bank(
        db.session, loaded, article_text=article.read_text(encoding="utf-8"), now=_now()
    )


@bank.command("load")
@click.argument("paths", nargs=-1, required=True, type=_FILE)
@with_appcontext
def bank_load(paths: tuple[Path, ...]) -> None:
    """Import or update banks by question ID; removed questions are retired, not deleted."""
    for path in paths:
        click.echo(f"{path}: {load_bank_file(path)}")


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
    ("trainee@example.com", "Demo Trainee", "trainee-demo", Role.TRAINEE),
    ("instructor@example.com", "Demo Instructor", "instructor-demo", Role.INSTRUCTOR),
    ("admin@example.com", "Demo Admin", "admin-demo", Role.ADMIN),
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
    for path in sorted(CARDS.glob("*.yaml")):
        click.echo(f"Loaded {path.name}: {load_bank_file(path)}")
    for email, name, password, role in DEMO_USERS:
        if accounts.find_user(db.session, email) is None:
            accounts.register(db.session, email=email, name=name, password=password, role=role)
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
@with_appcontext
def export_anki(
    banks_: tuple[Path, ...],
    output: Path,
    section: tuple[str, ...],
    kind: tuple[str, ...],
    tag: tuple[str, ...],
) -> None:
    """Write bank files as one Anki package, optionally filtered by section, kind and tag."""
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
        exports.export_anki(db.session, selected, output, now=_now())
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {count} notes to {output}")


@main.command("optimize")
@click.option("--user", "email", help="Only this learner's email (default: every learner).")
@click.option(
    "--foreground", is_flag=True, help="Fit here and now instead of queueing background jobs."
)
@with_appcontext
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
def restore_command(file: Path) -> None:
    """Load a backup into an empty, migrated database; nothing is written if it fails."""
    try:
        counts = backup.restore_backup(db.engine, db.metadata, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {sum(counts.values())} rows from {file}")
