"""A test's own SQL, on either back-end: `?` placeholders as SQLite writes them, rows read by position or name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, inspect, text
from sqlalchemy.sql.elements import TextClause

from bot.storage.db import Database
from bot.storage.schema import Moment


class Row(tuple[Any, ...]):
    """A result row read by position, slice or column name, as sqlite3.Row allows."""

    _names: dict[str, Any]

    def __new__(cls, row: Any) -> Row:
        made = super().__new__(cls, tuple(row))
        made._names = dict(row._mapping)
        return made

    def __getitem__(self, key: Any) -> Any:
        return self._names[key] if isinstance(key, str) else super().__getitem__(key)


def statement(sql: str, parameters: Sequence[object]) -> TextClause:
    """`?` placeholders become bound parameters; a datetime is bound as the storage layer binds times."""
    for number, _ in enumerate(parameters):
        sql = sql.replace("?", f":p{number}", 1)
    return text(sql).bindparams(
        *(
            bindparam(f"p{number}", value, type_=Moment if isinstance(value, datetime) else None)
            for number, value in enumerate(parameters)
        )
    )


async def fetch_all(db: Database, sql: str, *parameters: object) -> list[Row]:
    return [Row(row) for row in (await db.read(statement(sql, parameters))).all()]


async def execute_many(db: Database, sql: str, rows: Sequence[Sequence[object]]) -> None:
    """Run one statement per parameter row, all in one committed transaction."""
    async with db.transaction():
        for parameters in rows:
            await db.write(statement(sql, parameters))


async def table_columns(db: Database) -> dict[str, list[str]]:
    """Every table in the database and its columns, read from the database itself."""
    async with db.writer.connect() as connection:
        return await connection.run_sync(
            lambda sync: {
                table: [column["name"] for column in inspect(sync).get_columns(table)]
                for table in inspect(sync).get_table_names()
            }
        )
