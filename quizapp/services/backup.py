"""Backups of the whole database as one JSON file, and restoring them.

A backup reads every table inside one read transaction: REPEATABLE READ on PostgreSQL,
and on SQLite (WAL) a read transaction, which sees one snapshot. So a backup taken
while the server runs is consistent: an answer is in it with its card, or not at all.
"""

from __future__ import annotations

import gzip
import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Engine,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from quizapp.models import UTCDateTime

FORMAT_VERSION = 1


class BackupError(ValueError):
    """A backup that cannot be written or restored; the message says why."""


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot(engine: Engine, metadata: MetaData) -> dict[str, Any]:
    """Every row of every table, read in one transaction."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        if engine.dialect.name == "sqlite":
            # pysqlite sends BEGIN only before a write; the snapshot must start before any read.
            connection.exec_driver_sql("BEGIN")
        tables = {
            table.name: [
                {key: _encode(value) for key, value in row._mapping.items()}
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }
        return {
            "format": FORMAT_VERSION,
            "revision": _revision(connection),
            "tables": tables,
        }


def write_backup(engine: Engine, metadata: MetaData, path: Path) -> dict[str, int]:
    """Write a compressed backup atomically; return the row count of each table."""
    data = snapshot(engine, metadata)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with gzip.open(partial, "wt", encoding="utf-8") as file:
            json.dump(data, file, ensure_ascii=False)
        partial.replace(path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write {path}: {error.strerror or error}") from None
    return {name: len(rows) for name, rows in data["tables"].items()}


def _decode(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(row)
    for column in table.columns:
        value = decoded.get(column.name)
        if isinstance(column.type, UTCDateTime) and isinstance(value, str):
            decoded[column.name] = datetime.fromisoformat(value)
    return decoded


# Far beyond this app's data for years of a large course; a gzip bomb stops here.
MAX_BACKUP_BYTES = 2 * 1024**3 - 1
MAX_PROBLEMS = 20


def read_backup(path: Path, *, max_bytes: int = MAX_BACKUP_BYTES) -> dict[str, Any]:
    """The backup's JSON, refused when it is not one or unpacks to more than `max_bytes`."""
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise BackupError(
                f"{path} unpacks to more than {max_bytes // 1024**2} MB; "
                "it is not a backup this command restores"
            )
        data = json.loads(raw)
    except (OSError, EOFError, ValueError, RecursionError) as error:
        if isinstance(error, BackupError):
            raise
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise BackupError(f"{path} is not a quizapp backup: {reason}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a quizapp backup of format {FORMAT_VERSION}")
    return data


def _kind(column: Any) -> str:
    if isinstance(column.type, UTCDateTime):
        return "moment"
    if isinstance(column.type, JSON):
        return "json"
    if isinstance(column.type, Boolean):
        return "boolean"
    if isinstance(column.type, Integer):
        return "integer"
    if isinstance(column.type, Float):
        return "number"
    return "text"


def _value_problem(column: Any, value: Any) -> str | None:
    """What is wrong with one value for its column, never the value itself."""
    if value is None:
        return None if column.nullable else "is empty but required"
    kind = _kind(column)
    if kind == "integer" and (type(value) is not int or abs(value) > 2**63 - 1):
        return "must be a whole number"
    if kind == "number" and (type(value) not in (int, float) or not math.isfinite(value)):
        return "must be a number"
    if kind == "boolean" and type(value) is not bool:
        return "must be true or false"
    if kind == "text":
        if not isinstance(value, str):
            return "must be text"
        length = getattr(column.type, "length", None)
        if length is not None and len(value) > length:
            return f"is longer than {length} characters"
        if "\x00" in value:
            return "contains a NUL character"
    if kind == "moment":
        if not isinstance(value, str):
            return "must be a date and time"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return "must be an ISO date and time"
        if moment.tzinfo is None:
            return "must carry its time zone (UTC)"
    return None


def validate(metadata: MetaData, data: dict[str, Any]) -> list[str]:
    """Every problem that would stop the backup restoring, by table, row and column.

    Checks the tables, each row's columns and their types, primary and unique keys, and
    that every foreign key names a row of the backup. Messages never quote a value.
    """
    problems: list[str] = []
    tables = data.get("tables")
    if not isinstance(tables, dict):
        return ["the backup has no tables"]
    known = {table.name: table for table in metadata.sorted_tables}
    for name in tables:
        if name not in known:
            problems.append(f"table {str(name)[:60]!r} is not one of this version's tables")
    ids: dict[str, set[Any]] = {}
    for table in metadata.sorted_tables:
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            problems.append(f"table {table.name}: must be a list of rows")
            continue
        columns = {column.name: column for column in table.columns}
        uniques = [
            tuple(c.name for c in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, (UniqueConstraint, PrimaryKeyConstraint))
        ]
        seen: dict[tuple[str, ...], set[tuple[Any, ...]]] = {key: set() for key in uniques}
        for number, row in enumerate(rows, start=1):
            where = f"table {table.name}, row {number}"
            if not isinstance(row, dict):
                problems.append(f"{where}: must be an object of columns")
                continue
            for key in row:
                if key not in columns:
                    problems.append(f"{where}: column {str(key)[:60]!r} is unknown")
            for column in table.columns:
                if column.name not in row:
                    if not column.nullable:
                        problems.append(f"{where}, column {column.name}: is missing")
                    continue
                problem = _value_problem(column, row[column.name])
                if problem:
                    problems.append(f"{where}, column {column.name}: {problem}")
            for key in uniques:
                values = tuple(_hashable(row.get(name)) for name in key)
                if None in values:
                    continue
                if values in seen[key]:
                    problems.append(f"{where}: repeats another row's {', '.join(key)}")
                seen[key].add(values)
            if len(problems) >= MAX_PROBLEMS:
                return problems
        if "id" in columns:
            ids[table.name] = {r.get("id") for r in rows if isinstance(r, dict)}
    for table in metadata.sorted_tables:
        rows = tables.get(table.name, [])
        if not isinstance(rows, list):
            continue
        for key in table.foreign_keys:
            target = key.column.table.name
            for number, row in enumerate(rows, start=1):
                value = row.get(key.parent.name) if isinstance(row, dict) else None
                if value is not None and value not in ids.get(target, set()):
                    problems.append(
                        f"table {table.name}, row {number}, column {key.parent.name}: "
                        f"names a row of {target} that the backup does not have"
                    )
                    if len(problems) >= MAX_PROBLEMS:
                        return problems
    return problems


def _hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def restore_backup(engine: Engine, metadata: MetaData, path: Path) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision, all or nothing.

    The whole backup is checked before anything is written.
    """
    data = read_backup(path)
    problems = validate(metadata, data)
    if problems:
        more = " (and maybe more)" if len(problems) >= MAX_PROBLEMS else ""
        raise BackupError(
            f"{path} cannot be restored; nothing was written{more}:\n" + "\n".join(problems)
        )
    with engine.begin() as connection:
        revision = _revision(connection)
        if revision != data.get("revision"):
            raise BackupError(
                f"the backup is of schema revision {data.get('revision')!r:.20}, the database "
                f"is at {revision}; run `quizapp db upgrade` on an empty database first"
            )
        for table in metadata.sorted_tables:
            if connection.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
        for table in metadata.sorted_tables:
            rows = [_decode(table, row) for row in data["tables"].get(table.name, [])]
            if rows:
                try:
                    connection.execute(insert(table), rows)
                except SQLAlchemyError as error:  # named by kind only: rows hold passwords
                    kind = type(getattr(error, "orig", None) or error).__name__
                    raise BackupError(
                        f"table {table.name} could not be restored ({kind}); nothing was written"
                    ) from None
        if engine.dialect.name == "postgresql":
            for table in metadata.sorted_tables:
                if "id" in table.columns:
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return {name: len(rows) for name, rows in data["tables"].items()}
