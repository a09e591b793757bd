"""SQL the job runner needs beyond each feature's own module: the daily tip's durable retries.

A day's row in daily_tip_posts (see 0002_guilds.sql and 0005_jobs.sql) is "claimed" while its post is
in flight (retry_at NULL) or waiting to be tried again (retry_at set). Every change is a guarded
UPDATE, so a late or repeated call never moves a row backwards or takes it from another claimer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, false, func, or_, select, update
from sqlalchemy.engine import RowMapping

from bot.models.daily import DailyPost
from bot.models.shards import ShardSlice
from bot.storage.cluster import claimer, orphaned, owner_of
from bot.storage.daily_tips import post_of
from bot.storage.db import Database
from bot.storage.schema import daily_tip_posts
from bot.storage.shards import on_own_shard

posts = daily_tip_posts


@dataclass(frozen=True)
class ClaimedDay:
    """A claimed day's row and which posting attempt this claim is."""

    post: DailyPost
    attempt: int


async def claim_daily_retries(
    db: Database, now: datetime, limit: int, shards: ShardSlice | None = None
) -> list[ClaimedDay]:
    """Days whose retry time has come, taken for one more attempt in one statement (one caller each).

    On PostgreSQL the chosen rows are locked with FOR UPDATE SKIP LOCKED and re-checked, as the
    check-in claim does (storage/checkins.py claim_due), so concurrent claimers never share a day.
    Each records its claimer; raises ClaimsPaused while this process may not claim.
    """
    owner_id = claimer(db)
    waiting = (
        select(posts.c.id)
        .where(posts.c.state == "claimed", posts.c.retry_at <= now)
        .where(on_own_shard(posts.c.guild_id, shards))
        .order_by(posts.c.retry_at, posts.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(posts)
        .where(posts.c.id.in_(waiting.scalar_subquery()), posts.c.state == "claimed", posts.c.retry_at.is_not(None))
        .values(retry_at=None, attempts=posts.c.attempts + 1, claimed_by=owner_id)
        .returning(posts)
    )
    return _by_claim_time((await db.write(statement)).mappings())


async def retry_daily_post(db: Database, guild_id: int, local_date: date, at: datetime, problem: str) -> bool:
    """Claimed or unconfirmed -> claimed, waiting until `at`; False when the day was settled meanwhile."""
    statement = (
        update(posts)
        .where(
            posts.c.guild_id == guild_id,
            posts.c.local_date == local_date,
            posts.c.state.in_(("claimed", "unconfirmed")),
        )
        .values(state="claimed", retry_at=at, problem=problem)
    )
    return (await db.write(statement)).rowcount == 1


async def release_daily_posts(db: Database, days: Sequence[tuple[int, date]], at: datetime) -> None:
    """Hand back days claimed but never attempted (stopping mid-batch): due again at `at`, uncounted."""
    if not days:
        return
    chosen = or_(*(and_(posts.c.guild_id == guild_id, posts.c.local_date == day) for guild_id, day in days))
    await db.write(
        update(posts)
        .where(chosen, posts.c.state == "claimed", posts.c.retry_at.is_(None))
        .values(retry_at=at, attempts=posts.c.attempts - 1)
    )


async def unconfirm_in_flight(
    db: Database, problem: str, shards: ShardSlice | None = None, *, since: date | None = None
) -> list[ClaimedDay]:
    """Claimed and in flight by an owner that is gone (cluster.orphaned) -> unconfirmed, now claimed by
    this process for a resend, for the days of this process's shards only (only their owner may post).
    An unconfirmed day from `since` on whose owner is gone is taken too: its resend was itself cut off,
    and without this the server would get no tip that day.
    On SQLite that is every such day (run at start, when none can be in flight); on PostgreSQL only the
    days of processes that died, never a live one's. A day two takers reach at once goes to the first:
    the second re-checks the row once the first commits, and it is no longer "claimed". Raises
    ClaimsPaused while this process may not claim.
    """
    owner_id = claimer(db)
    statement = (
        update(posts)
        .where(posts.c.retry_at.is_(None), orphaned(db, posts.c.claimed_by))
        .where(
            or_(
                posts.c.state == "claimed",
                and_(  # another process's resend, cut off (this process's own is still running)
                    posts.c.state == "unconfirmed",
                    posts.c.local_date >= since,
                    posts.c.claimed_by.is_distinct_from(owner_id),
                )
                if since
                else false(),
            )
        )
        .where(on_own_shard(posts.c.guild_id, shards))
        .values(state="unconfirmed", problem=problem, claimed_by=owner_id)
        .returning(posts)
    )
    return _by_claim_time((await db.write(statement)).mappings())


async def daily_claimed_elsewhere(db: Database, shards: ShardSlice | None = None) -> bool:
    """Whether another process has a post in flight for a day of this process's shards (the only days it
    could take over); PostgreSQL only, never on single-process SQLite."""
    if not db.is_postgres:
        return False
    others = (
        exists()
        .where(
            posts.c.state == "claimed",
            posts.c.retry_at.is_(None),
            posts.c.claimed_by.is_distinct_from(owner_of(db).owner_id),
        )
        .where(on_own_shard(posts.c.guild_id, shards))
    )
    return bool((await db.read(select(others))).scalar())


async def next_daily_retry_at(db: Database, shards: ShardSlice | None = None) -> datetime | None:
    statement = select(func.min(posts.c.retry_at)).where(posts.c.state == "claimed", posts.c.retry_at.is_not(None))
    statement = statement.where(on_own_shard(posts.c.guild_id, shards))
    found: datetime | None = (await db.read(statement)).scalar()
    return found


def _by_claim_time(rows: Iterable[RowMapping]) -> list[ClaimedDay]:
    claimed = [ClaimedDay(post_of(row), int(row["attempts"])) for row in rows]
    return sorted(claimed, key=lambda day: (day.post.claimed_at, day.post.guild_id))
