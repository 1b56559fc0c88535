"""Backups of the whole database as one JSON file, and restoring them.

A backup reads every table inside one read transaction: REPEATABLE READ on PostgreSQL,
and on SQLite (WAL) a read transaction, which sees one snapshot. So a backup taken
while the server runs is consistent: an answer is in it with its card, or not at all.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, func, insert, inspect, select, text
from sqlalchemy.engine import Connection

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


def read_backup(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, EOFError, ValueError) as error:
        raise BackupError(f"{path} is not a quizapp backup: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a quizapp backup of format {FORMAT_VERSION}")
    return data


def restore_backup(engine: Engine, metadata: MetaData, path: Path) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision, all or nothing."""
    data = read_backup(path)
    with engine.begin() as connection:
        revision = _revision(connection)
        if revision != data["revision"]:
            raise BackupError(
                f"the backup is of schema revision {data['revision']}, the database is at "
                f"{revision}; run `quizapp db upgrade` on an empty database first"
            )
        for table in metadata.sorted_tables:
            if connection.scalar(select(func.count()).select_from(table)):
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
        for table in metadata.sorted_tables:
            rows = [_decode(table, row) for row in data["tables"].get(table.name, [])]
            if rows:
                connection.execute(insert(table), rows)
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
