"""SQL for `answers`: one row per check-in, updated in place when the member answers again."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.checkins.models import AnswerRecord, Soreness
from bot.storage.db import as_db_time, from_optional_db_time


async def record_soreness(
    db: aiosqlite.Connection, checkin_id: int, user_id: int, soreness: Soreness, at: datetime
) -> None:
    await db.execute(
        "INSERT INTO answers (checkin_id, user_id, soreness, answered_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (checkin_id) DO UPDATE SET soreness = excluded.soreness, answered_at = excluded.answered_at",
        (checkin_id, user_id, int(soreness), as_db_time(at)),
    )


async def record_warning_signs(db: aiosqlite.Connection, checkin_id: int, user_id: int, at: datetime) -> None:
    await db.execute(
        "INSERT INTO answers (checkin_id, user_id, warning_signs_at) VALUES (?, ?, ?)"
        " ON CONFLICT (checkin_id) DO UPDATE SET warning_signs_at = excluded.warning_signs_at",
        (checkin_id, user_id, as_db_time(at)),
    )


async def has_soreness(db: aiosqlite.Connection, checkin_id: int) -> bool:
    rows = await db.execute_fetchall(
        "SELECT 1 FROM answers WHERE checkin_id = ? AND soreness IS NOT NULL", (checkin_id,)
    )
    return bool(list(rows))


async def has_warning_signs(db: aiosqlite.Connection, checkin_id: int) -> bool:
    rows = await db.execute_fetchall(
        "SELECT 1 FROM answers WHERE checkin_id = ? AND warning_signs_at IS NOT NULL", (checkin_id,)
    )
    return bool(list(rows))


async def for_sessions(db: aiosqlite.Connection, session_ids: list[int]) -> dict[int, list[AnswerRecord]]:
    """Answers grouped by session id, each group in the order the check-ins were created."""
    rows = await db.execute_fetchall(
        "SELECT c.session_id, a.checkin_id, c.follow_up_of, a.soreness, a.answered_at, a.warning_signs_at"
        " FROM answers AS a JOIN checkins AS c ON c.id = a.checkin_id"
        " WHERE c.session_id IN (SELECT value FROM json_each(?)) ORDER BY c.id",
        (json.dumps(session_ids),),
    )
    grouped: dict[int, list[AnswerRecord]] = {}
    for row in rows:
        grouped.setdefault(row["session_id"], []).append(_answer(row))
    return grouped


async def delete_for_member(db: aiosqlite.Connection, user_id: int) -> int:
    cursor = await db.execute("DELETE FROM answers WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def export(db: aiosqlite.Connection, user_id: int) -> list[dict[str, Any]]:
    rows = await db.execute_fetchall("SELECT * FROM answers WHERE user_id = ? ORDER BY checkin_id", (user_id,))
    return [dict(row) for row in rows]


def _answer(row: aiosqlite.Row) -> AnswerRecord:
    return AnswerRecord(
        checkin_id=row["checkin_id"],
        is_follow_up=row["follow_up_of"] is not None,
        soreness=None if row["soreness"] is None else Soreness(row["soreness"]),
        answered_at=from_optional_db_time(row["answered_at"]),
        warning_signs_at=from_optional_db_time(row["warning_signs_at"]),
    )
