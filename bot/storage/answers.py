"""SQL for `answers`: one row per check-in, updated in place when the member answers again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import RowMapping

from bot.models.checkins import AnswerRecord, Soreness
from bot.storage.db import Database
from bot.storage.json_rows import json_ready
from bot.storage.schema import answers, checkins, insert


async def record_soreness(db: Database, checkin_id: int, user_id: int, soreness: Soreness, at: datetime) -> None:
    statement = insert(db.dialect, answers).values(
        checkin_id=checkin_id, user_id=user_id, soreness=int(soreness), answered_at=at
    )
    excluded = statement.excluded
    await db.write(
        statement.on_conflict_do_update(
            index_elements=["checkin_id"], set_={"soreness": excluded.soreness, "answered_at": excluded.answered_at}
        )
    )


async def record_warning_signs(db: Database, checkin_id: int, user_id: int, at: datetime) -> None:
    statement = insert(db.dialect, answers).values(checkin_id=checkin_id, user_id=user_id, warning_signs_at=at)
    await db.write(
        statement.on_conflict_do_update(
            index_elements=["checkin_id"], set_={"warning_signs_at": statement.excluded.warning_signs_at}
        )
    )


async def has_soreness(db: Database, checkin_id: int) -> bool:
    statement = select(answers.c.checkin_id).where(answers.c.checkin_id == checkin_id, answers.c.soreness.is_not(None))
    return (await db.read(statement)).first() is not None


async def has_warning_signs(db: Database, checkin_id: int) -> bool:
    statement = select(answers.c.checkin_id).where(
        answers.c.checkin_id == checkin_id, answers.c.warning_signs_at.is_not(None)
    )
    return (await db.read(statement)).first() is not None


async def for_sessions(db: Database, session_ids: list[int]) -> dict[int, list[AnswerRecord]]:
    """Answers grouped by session id, each group in the order the check-ins were created."""
    if not session_ids:
        return {}
    statement = (
        select(
            checkins.c.session_id,
            answers.c.checkin_id,
            checkins.c.follow_up_of,
            answers.c.soreness,
            answers.c.answered_at,
            answers.c.warning_signs_at,
        )
        .join_from(answers, checkins, checkins.c.id == answers.c.checkin_id)
        .where(checkins.c.session_id.in_(session_ids))
        .order_by(checkins.c.id)
    )
    grouped: dict[int, list[AnswerRecord]] = {}
    for row in (await db.read(statement)).mappings():
        grouped.setdefault(row["session_id"], []).append(_answer(row))
    return grouped


async def delete_for_member(db: Database, user_id: int) -> int:
    return (await db.write(delete(answers).where(answers.c.user_id == user_id))).rowcount


async def export(db: Database, user_id: int) -> list[dict[str, Any]]:
    statement = select(answers).where(answers.c.user_id == user_id).order_by(answers.c.checkin_id)
    return [json_ready(row) for row in (await db.read(statement)).mappings()]


def _answer(row: RowMapping) -> AnswerRecord:
    return AnswerRecord(
        checkin_id=row["checkin_id"],
        is_follow_up=row["follow_up_of"] is not None,
        soreness=None if row["soreness"] is None else Soreness(row["soreness"]),
        answered_at=row["answered_at"],
        warning_signs_at=row["warning_signs_at"],
    )
