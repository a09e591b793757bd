"""SQL the job runner needs beyond each feature's own module: the daily tip's durable retries.

A day's row in daily_tip_posts (see 0002_guilds.sql and 0005_jobs.sql) is "claimed" while its post is
in flight (retry_at NULL) or waiting to be tried again (retry_at set). Every change is a guarded
UPDATE, so a late or repeated call never moves a row backwards or takes it from another claimer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.daily.models import DailyPost, PostState
from bot.storage.db import as_db_time, from_db_time, from_optional_db_time


@dataclass(frozen=True)
class ClaimedDay:
    """A claimed day's row and which posting attempt this claim is."""

    post: DailyPost
    attempt: int


async def claim_daily_retries(db: aiosqlite.Connection, now: datetime, limit: int) -> list[ClaimedDay]:
    """Days whose retry time has come, taken for one more attempt in one statement (one caller each)."""
    rows = await db.execute_fetchall(
        "UPDATE daily_tip_posts SET retry_at = NULL, attempts = attempts + 1 WHERE id IN"
        " (SELECT id FROM daily_tip_posts WHERE state = 'claimed' AND retry_at <= ? ORDER BY retry_at, id LIMIT ?)"
        " RETURNING *",
        (as_db_time(now), limit),
    )
    return sorted((_claimed(row) for row in rows), key=lambda day: (day.post.claimed_at, day.post.guild_id))


async def retry_daily_post(
    db: aiosqlite.Connection, guild_id: int, local_date: date, at: datetime, problem: str
) -> bool:
    """Claimed or unconfirmed -> claimed, waiting until `at`; False when the day was settled meanwhile."""
    cursor = await db.execute(
        "UPDATE daily_tip_posts SET state = 'claimed', retry_at = ?, problem = ?"
        " WHERE guild_id = ? AND local_date = ? AND state IN ('claimed', 'unconfirmed')",
        (as_db_time(at), problem, guild_id, local_date.isoformat()),
    )
    return cursor.rowcount == 1


async def release_daily_posts(db: aiosqlite.Connection, days: Sequence[tuple[int, date]], at: datetime) -> None:
    """Hand back days claimed but never attempted (stopping mid-batch): due again at `at`, uncounted."""
    keys = json.dumps([[guild_id, local_date.isoformat()] for guild_id, local_date in days])
    await db.execute(
        "UPDATE daily_tip_posts SET retry_at = ?, attempts = attempts - 1 WHERE state = 'claimed'"
        " AND retry_at IS NULL AND EXISTS (SELECT 1 FROM json_each(?) AS k"
        " WHERE json_extract(k.value, '$[0]') = guild_id AND json_extract(k.value, '$[1]') = local_date)",
        (as_db_time(at), keys),
    )


async def unconfirm_in_flight(db: aiosqlite.Connection, problem: str) -> list[ClaimedDay]:
    """Claimed and in flight -> unconfirmed, for every day: run at start, when no post can be in flight."""
    rows = await db.execute_fetchall(
        "UPDATE daily_tip_posts SET state = 'unconfirmed', problem = ? WHERE state = 'claimed' AND retry_at IS NULL"
        " RETURNING *",
        (problem,),
    )
    return sorted((_claimed(row) for row in rows), key=lambda day: (day.post.claimed_at, day.post.guild_id))


async def next_daily_retry_at(db: aiosqlite.Connection) -> datetime | None:
    rows = await db.execute_fetchall(
        "SELECT min(retry_at) FROM daily_tip_posts WHERE state = 'claimed' AND retry_at IS NOT NULL"
    )
    return from_optional_db_time(next(iter(rows))[0])


def _claimed(row: aiosqlite.Row) -> ClaimedDay:
    post = DailyPost(
        guild_id=row["guild_id"],
        local_date=date.fromisoformat(row["local_date"]),
        state=PostState(row["state"]),
        channel_id=row["channel_id"],
        tip_id=row["tip_id"],
        nonce=row["nonce"],
        claimed_at=from_db_time(row["claimed_at"]),
        posted_at=from_optional_db_time(row["posted_at"]),
        message_id=row["message_id"],
        problem=row["problem"],
    )
    return ClaimedDay(post, int(row["attempts"]))
