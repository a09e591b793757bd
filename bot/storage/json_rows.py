"""Rows as JSON-ready dicts for a member's data export: times as the UTC ISO text SQLite stores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from bot.storage.schema import as_db_time


def json_ready(row: RowMapping) -> dict[str, Any]:
    """The same dict on both back-ends: PostgreSQL's datetimes and dates become the text SQLite holds."""
    return {key: _plain(value) for key, value in row.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_db_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
