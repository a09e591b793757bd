"""SQL for the daily tip: `daily_tip_schedules`, `daily_tip_posts` and `daily_tip_cycle`.

The day's row in daily_tip_posts is inserted before the tip is posted; UNIQUE (guild_id, local_date)
means a second insert for the same day does nothing, which is what makes a second post impossible.
Post state changes are guarded UPDATEs, so a late or repeated call never moves a row backwards.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.engine import RowMapping

from bot.models.daily import DailyPost, DailySchedule, PostState, Run, ScheduleState
from bot.models.shards import ShardSlice
from bot.storage.cluster import claimer
from bot.storage.db import Database
from bot.storage.schema import daily_tip_cycle, daily_tip_posts, daily_tip_schedules, guild_config, insert
from bot.storage.shards import on_own_shard

schedules, posts, cycle = daily_tip_schedules, daily_tip_posts, daily_tip_cycle

# Schedules


async def upsert_schedule(
    db: Database,
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
    statement = insert(db.dialect, schedules).values(
        guild_id=guild_id,
        channel_id=channel_id,
        post_time=f"{post_time:%H:%M}",
        timezone=timezone,
        state="active",
        next_local_date=run.local_date,
        next_run_at=run.at,
        set_by=set_by,
        set_at=at,
    )
    replaced = {
        name: getattr(statement.excluded, name)
        for name in (
            "channel_id",
            "post_time",
            "timezone",
            "state",
            "next_local_date",
            "next_run_at",
            "set_by",
            "set_at",
        )
    }
    statement = statement.on_conflict_do_update(
        index_elements=["guild_id"], set_={**replaced, "disabled_reason": None, "disabled_at": None}
    )
    return _schedule((await db.write(statement.returning(schedules))).mappings().one())


async def get_schedule(db: Database, guild_id: int) -> DailySchedule | None:
    row = (await db.read(select(schedules).where(schedules.c.guild_id == guild_id))).mappings().first()
    return None if row is None else _schedule(row)


async def lock_schedule(db: Database, guild_id: int) -> DailySchedule | None:
    """`get_schedule`, locking the row until the transaction ends (FOR UPDATE on PostgreSQL), so one
    server's claim and cycle bookkeeping run one at a time under READ COMMITTED."""
    statement = select(schedules).where(schedules.c.guild_id == guild_id).with_for_update()
    row = (await db.read(statement)).mappings().first()
    return None if row is None else _schedule(row)


async def delete_schedule(db: Database, guild_id: int) -> bool:
    return (await db.write(delete(schedules).where(schedules.c.guild_id == guild_id))).rowcount == 1


async def disable_schedule(db: Database, guild_id: int, reason: str, at: datetime) -> bool:
    """Turn an active schedule off; False when there is none or it is already off."""
    statement = (
        update(schedules)
        .where(schedules.c.guild_id == guild_id, schedules.c.state == "active")
        .values(state="disabled", next_local_date=None, next_run_at=None, disabled_reason=reason, disabled_at=at)
    )
    return (await db.write(statement)).rowcount == 1


async def set_next_run(db: Database, guild_id: int, run: Run) -> None:
    await db.write(
        update(schedules)
        .where(schedules.c.guild_id == guild_id, schedules.c.state == "active")
        .values(next_local_date=run.local_date, next_run_at=run.at)
    )


def _active_present(shards: ShardSlice | None) -> Any:
    return (
        select()
        .select_from(schedules)
        .join(guild_config, guild_config.c.guild_id == schedules.c.guild_id)
        .where(schedules.c.state == "active", guild_config.c.left_at.is_(None))
        .where(on_own_shard(schedules.c.guild_id, shards))
    )


async def due_guild_ids(db: Database, now: datetime, shards: ShardSlice | None = None) -> list[int]:
    """Servers whose next run is due, soonest first; servers the bot has left are not due, nor servers on
    another process's shards (only the owning process has the channel in its cache)."""
    statement = (
        _active_present(shards)
        .add_columns(schedules.c.guild_id)
        .where(schedules.c.next_run_at <= now)
        .order_by(schedules.c.next_run_at, schedules.c.guild_id)
    )
    return [int(guild_id) for guild_id in (await db.read(statement)).scalars()]


async def next_run_at(db: Database, shards: ShardSlice | None = None) -> datetime | None:
    statement = _active_present(shards).add_columns(func.min(schedules.c.next_run_at))
    found: datetime | None = (await db.read(statement)).scalar()
    return found


# Posts


async def insert_claim(
    db: Database,
    guild_id: int,
    local_date: date,
    *,
    channel_id: int,
    tip_id: str,
    nonce: str,
    at: datetime,
) -> bool:
    """Take the day; False when it was already taken (posted, failed, or claimed by an earlier run).

    The row records its claimer (bot/storage/cluster.py); raises ClaimsPaused while this process may not claim.
    """
    statement = insert(db.dialect, posts).values(
        guild_id=guild_id,
        local_date=local_date,
        state="claimed",
        channel_id=channel_id,
        tip_id=tip_id,
        nonce=nonce,
        claimed_at=at,
        claimed_by=claimer(db),
    )
    result = await db.write(statement.on_conflict_do_nothing(index_elements=["guild_id", "local_date"]))
    return result.rowcount == 1


async def has_post(db: Database, guild_id: int, local_date: date) -> bool:
    statement = select(posts.c.id).where(posts.c.guild_id == guild_id, posts.c.local_date == local_date)
    return (await db.read(statement)).first() is not None


async def mark_posted(db: Database, guild_id: int, local_date: date, *, message_id: int, at: datetime) -> bool:
    """Claimed or unconfirmed -> posted: a slow send that finishes after a restart still gets recorded."""
    statement = (
        update(posts)
        .where(
            posts.c.guild_id == guild_id,
            posts.c.local_date == local_date,
            posts.c.state.in_(("claimed", "unconfirmed")),
        )
        .values(state="posted", message_id=message_id, posted_at=at, problem=None)
    )
    return (await db.write(statement)).rowcount == 1


async def fail_claim(db: Database, guild_id: int, local_date: date, problem: str) -> bool:
    """Claimed -> failed: posting was tried and did not work. An unconfirmed day (a resend after a restart)
    keeps its state, since its tip may be in the channel, but takes the problem, for /daily-tip show."""
    statement = (
        update(posts)
        .where(
            posts.c.guild_id == guild_id,
            posts.c.local_date == local_date,
            posts.c.state.in_(("claimed", "unconfirmed")),
        )
        .values(state=case((posts.c.state == "claimed", "failed"), else_=posts.c.state), problem=problem)
    )
    return (await db.write(statement)).rowcount == 1


async def fail_open_claims(db: Database, guild_id: int, problem: str) -> int:
    """Every claimed day of the server -> failed, e.g. when its channel turned out to be gone."""
    statement = (
        update(posts)
        .where(posts.c.guild_id == guild_id, posts.c.state == "claimed")
        .values(state="failed", problem=problem)
    )
    return (await db.write(statement)).rowcount


async def last_post(db: Database, guild_id: int) -> DailyPost | None:
    statement = select(posts).where(posts.c.guild_id == guild_id).order_by(posts.c.local_date.desc()).limit(1)
    row = (await db.read(statement)).mappings().first()
    return None if row is None else post_of(row)


# The shuffled cycle


async def used_tip_ids(db: Database, guild_id: int) -> list[str]:
    """Ids used this cycle, most recent last."""
    statement = select(cycle.c.tip_id).where(cycle.c.guild_id == guild_id).order_by(cycle.c.used_at, cycle.c.tip_id)
    return [str(tip_id) for tip_id in (await db.read(statement)).scalars()]


async def start_new_cycle(db: Database, guild_id: int) -> None:
    await db.write(delete(cycle).where(cycle.c.guild_id == guild_id))


async def mark_used(db: Database, guild_id: int, tip_id: str, at: datetime) -> None:
    statement = insert(db.dialect, cycle).values(guild_id=guild_id, tip_id=tip_id, used_at=at)
    await db.write(
        statement.on_conflict_do_update(
            index_elements=["guild_id", "tip_id"], set_={"used_at": statement.excluded.used_at}
        )
    )


def _schedule(row: RowMapping) -> DailySchedule:
    return DailySchedule(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        post_time=time.fromisoformat(row["post_time"]),
        timezone=row["timezone"],
        state=ScheduleState(row["state"]),
        next_local_date=row["next_local_date"],
        next_run_at=row["next_run_at"],
        disabled_reason=row["disabled_reason"],
        disabled_at=row["disabled_at"],
        set_by=row["set_by"],
        set_at=row["set_at"],
    )


def post_of(row: RowMapping) -> DailyPost:
    """A daily_tip_posts row as a DailyPost (also used by storage/jobs.py for the retry claims)."""
    return DailyPost(
        guild_id=row["guild_id"],
        local_date=row["local_date"],
        state=PostState(row["state"]),
        channel_id=row["channel_id"],
        tip_id=row["tip_id"],
        nonce=row["nonce"],
        claimed_at=row["claimed_at"],
        posted_at=row["posted_at"],
        message_id=row["message_id"],
        problem=row["problem"],
    )
