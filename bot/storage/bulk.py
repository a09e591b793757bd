"""Whole-table reads and writes for the operator's tools (`db copy-to-postgres`, `db check`), never the bot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from bot.storage.db import Database


async def count_rows(db: Database, table: Table) -> int:
    return int((await db.read(select(func.count()).select_from(table))).scalar_one())


async def all_rows(db: Database, table: Table) -> list[dict[str, Any]]:
    """Every row, in primary-key order (a self-referencing parent, such as a follow-up's, comes first)."""
    statement = select(table).order_by(*table.primary_key.columns)
    return [dict(row) for row in (await db.read(statement)).mappings()]


async def insert_rows(db: Database, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows as they are, ids included; inside a transaction."""
    if rows:
        await db.write(insert(table), rows)


def has_identity(table: Table) -> bool:
    return "id" in table.c and bool(table.c.id.primary_key)


async def highest_id_ever(db: Database, table: Table) -> int:
    """The largest id the table has handed out: its largest row id, and on SQLite also what AUTOINCREMENT
    remembers in sqlite_sequence (a removed tip's id is never handed out again)."""
    highest = int((await db.read(select(func.coalesce(func.max(table.c.id), 0)))).scalar_one())
    if db.dialect == "sqlite":
        remembered = (
            await db.read(text("SELECT seq FROM sqlite_sequence WHERE name = :name").bindparams(name=table.name))
        ).scalar()
        highest = max(highest, int(remembered or 0))
    return highest


async def reset_identity(db: Database, table: Table, highest: int) -> None:
    """PostgreSQL: the table's next id will be `highest` + 1 (or 1 when it is 0)."""
    # The table name is one of our own Table objects', never input; names cannot be bound parameters.
    await db.write(
        text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :value, :called)").bindparams(
            value=max(highest, 1), called=highest > 0
        )
    )
