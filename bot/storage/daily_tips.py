"""SQL for the daily tip: `daily_tip_schedules`, `daily_tip_posts` and `daily_tip_cycle`.

The day's row in daily_tip_posts is inserted before the tip is posted; UNIQUE (guild_id, local_date)
means a second insert for the same day does nothing, which is what makes a second post impossible.
Post state changes are guarded UPDATEs, so a late or repeated call never moves a row backwards.
"""

from __future__ import annotations

from datetime import date, datetime, time

import aiosqlite

from bot.daily.models import DailyPost, DailySchedule, PostState, ScheduleState
from bot.daily.schedule import Run
from bot.storage.db import as_db_time, from_db_time, from_optional_db_time

# Schedules


async def upsert_schedule(
    db: aiosqlite.Connection,
    guild_id: int,
    *,
    channel_id: int,
    post_time: time,
    timezone: str,
    run: Run,
    set_by: int,
    at: datetime,
) -> DailySchedule:
    """Create or replace the server's schedule as active, clearing any reason it was turned off."""
    rows = await db.execute_fetchall(
        "INSERT INTO daily_tip_schedules (guild_id, channel_id, post_time, timezone, state, next_local_date,"
        " next_run_at, set_by, set_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, post_time = excluded.post_time,"
        " timezone = excluded.timezone, state = 'active', next_local_date = excluded.next_local_date,"
        " next_run_at = excluded.next_run_at, disabled_reason = NULL, disabled_at = NULL,"
        " set_by = excluded.set_by, set_at = excluded.set_at RETURNING *",
        (
            guild_id,
            channel_id,
            f"{post_time:%H:%M}",
            timezone,
            run.local_date.isoformat(),
            as_db_time(run.at),
            set_by,
            as_db_time(at),
        ),
    )
    return _schedule(next(iter(rows)))


async def get_schedule(db: aiosqlite.Connection, guild_id: int) -> DailySchedule | None:
    rows = await db.execute_fetchall("SELECT * FROM daily_tip_schedules WHERE guild_id = ?", (guild_id,))
    return next((_schedule(row) for row in rows), None)


async def delete_schedule(db: aiosqlite.Connection, guild_id: int) -> bool:
    cursor = await db.execute("DELETE FROM daily_tip_schedules WHERE guild_id = ?", (guild_id,))
    return cursor.rowcount == 1


async def disable_schedule(db: aiosqlite.Connection, guild_id: int, reason: str, at: datetime) -> bool:
    """Turn an active schedule off; False when there is none or it is already off."""
    cursor = await db.execute(
        "UPDATE daily_tip_schedules SET state = 'disabled', next_local_date = NULL, next_run_at = NULL,"
        " disabled_reason = ?, disabled_at = ? WHERE guild_id = ? AND state = 'active'",
        (reason, as_db_time(at), guild_id),
    )
    return cursor.rowcount == 1


async def set_next_run(db: aiosqlite.Connection, guild_id: int, run: Run) -> None:
    await db.execute(
        "UPDATE daily_tip_schedules SET next_local_date = ?, next_run_at = ? WHERE guild_id = ? AND state = 'active'",
        (run.local_date.isoformat(), as_db_time(run.at), guild_id),
    )


async def due_guild_ids(db: aiosqlite.Connection, now: datetime) -> list[int]:
    """Servers whose next run is due, soonest first; servers the bot has left are not due."""
    rows = await db.execute_fetchall(
        "SELECT s.guild_id FROM daily_tip_schedules AS s JOIN guild_config AS g ON g.guild_id = s.guild_id"
        " WHERE s.state = 'active' AND s.next_run_at <= ? AND g.left_at IS NULL ORDER BY s.next_run_at, s.guild_id",
        (as_db_time(now),),
    )
    return [int(row["guild_id"]) for row in rows]


async def next_run_at(db: aiosqlite.Connection) -> datetime | None:
    rows = await db.execute_fetchall(
        "SELECT min(s.next_run_at) FROM daily_tip_schedules AS s JOIN guild_config AS g ON g.guild_id = s.guild_id"
        " WHERE s.state = 'active' AND g.left_at IS NULL"
    )
    text = next(iter(rows))[0]
    return from_optional_db_time(text)


# Posts


async def insert_claim(
    db: aiosqlite.Connection,
    guild_id: int,
    local_date: date,
    *,
    channel_id: int,
    tip_id: str,
    nonce: str,
    at: datetime,
) -> bool:
    """Take the day; False when it was already taken (posted, failed, or claimed by an earlier run)."""
    cursor = await db.execute(
        "INSERT INTO daily_tip_posts (guild_id, local_date, state, channel_id, tip_id, nonce, claimed_at)"
        " VALUES (?, ?, 'claimed', ?, ?, ?, ?) ON CONFLICT (guild_id, local_date) DO NOTHING",
        (guild_id, local_date.isoformat(), channel_id, tip_id, nonce, as_db_time(at)),
    )
    return cursor.rowcount == 1


async def has_post(db: aiosqlite.Connection, guild_id: int, local_date: date) -> bool:
    rows = await db.execute_fetchall(
        "SELECT 1 FROM daily_tip_posts WHERE guild_id = ? AND local_date = ?", (guild_id, local_date.isoformat())
    )
    return bool(rows)


async def mark_posted(
    db: aiosqlite.Connection, guild_id: int, local_date: date, *, message_id: int, at: datetime
) -> bool:
    """Claimed or unconfirmed -> posted: a slow send that finishes after a restart still gets recorded."""
    cursor = await db.execute(
        "UPDATE daily_tip_posts SET state = 'posted', message_id = ?, posted_at = ?, problem = NULL"
        " WHERE guild_id = ? AND local_date = ? AND state IN ('claimed', 'unconfirmed')",
        (message_id, as_db_time(at), guild_id, local_date.isoformat()),
    )
    return cursor.rowcount == 1


async def fail_claim(db: aiosqlite.Connection, guild_id: int, local_date: date, problem: str) -> bool:
    """Claimed -> failed: posting was tried and did not work."""
    cursor = await db.execute(
        "UPDATE daily_tip_posts SET state = 'failed', problem = ?"
        " WHERE guild_id = ? AND local_date = ? AND state = 'claimed'",
        (problem, guild_id, local_date.isoformat()),
    )
    return cursor.rowcount == 1


async def fail_open_claims(db: aiosqlite.Connection, guild_id: int, problem: str) -> int:
    """Every claimed day of the server -> failed, e.g. when its channel turned out to be gone."""
    cursor = await db.execute(
        "UPDATE daily_tip_posts SET state = 'failed', problem = ? WHERE guild_id = ? AND state = 'claimed'",
        (problem, guild_id),
    )
    return cursor.rowcount


async def mark_unconfirmed_before(db: aiosqlite.Connection, moment: datetime, problem: str) -> list[DailyPost]:
    """Claimed -> unconfirmed for every claim older than `moment`; returns them as changed."""
    rows = await db.execute_fetchall(
        "UPDATE daily_tip_posts SET state = 'unconfirmed', problem = ? WHERE state = 'claimed' AND claimed_at < ?"
        " RETURNING *",
        (problem, as_db_time(moment)),
    )
    return sorted((_post(row) for row in rows), key=lambda post: (post.claimed_at, post.guild_id))


async def last_post(db: aiosqlite.Connection, guild_id: int) -> DailyPost | None:
    rows = await db.execute_fetchall(
        "SELECT * FROM daily_tip_posts WHERE guild_id = ? ORDER BY local_date DESC LIMIT 1",
        (guild_id,),
    )
    return next((_post(row) for row in rows), None)


# The shuffled cycle


async def used_tip_ids(db: aiosqlite.Connection, guild_id: int) -> list[str]:
    """Ids used this cycle, most recent last."""
    rows = await db.execute_fetchall(
        "SELECT tip_id FROM daily_tip_cycle WHERE guild_id = ? ORDER BY used_at, rowid", (guild_id,)
    )
    return [row["tip_id"] for row in rows]


async def start_new_cycle(db: aiosqlite.Connection, guild_id: int) -> None:
    await db.execute("DELETE FROM daily_tip_cycle WHERE guild_id = ?", (guild_id,))


async def mark_used(db: aiosqlite.Connection, guild_id: int, tip_id: str, at: datetime) -> None:
    await db.execute(
        "INSERT INTO daily_tip_cycle (guild_id, tip_id, used_at) VALUES (?, ?, ?)"
        " ON CONFLICT (guild_id, tip_id) DO UPDATE SET used_at = excluded.used_at",
        (guild_id, tip_id, as_db_time(at)),
    )


def _schedule(row: aiosqlite.Row) -> DailySchedule:
    next_date = row["next_local_date"]
    return DailySchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        post_time=time.fromisoformat(row["post_time"]),
        timezone=row["timezone"],
        state=ScheduleState(row["state"]),
        next_local_date=None if next_date is None else date.fromisoformat(next_date),
        next_run_at=from_optional_db_time(row["next_run_at"]),
        disabled_reason=row["disabled_reason"],
        disabled_at=from_optional_db_time(row["disabled_at"]),
        set_by=row["set_by"],
        set_at=from_db_time(row["set_at"]),
    )


def _post(row: aiosqlite.Row) -> DailyPost:
    return DailyPost(
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
