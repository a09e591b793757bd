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


async def reset_identity(db: Database, table: Table) -> None:
    """PostgreSQL: move the table's id sequence past the largest id, so a new row never reuses one."""
    if "id" not in table.c or not table.c.id.primary_key:
        return
    # The table name is one of our own Table objects', never input; names cannot be bound parameters.
    await db.write(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608
            f" coalesce((SELECT max(id) FROM {table.name}), 1), (SELECT max(id) FROM {table.name}) IS NOT NULL)"
        )
    )
