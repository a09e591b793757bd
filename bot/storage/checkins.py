"""SQL for `checkins`: scheduling, the delivery state machine, and the notices about failed deliveries.

State changes are guarded UPDATEs (`... WHERE state = 'sending'` and, for a claimed row, `claimed_by` is
this process's owner id, see bot/storage/cluster.py), so a late or repeated call from the delivery
layer, or one from a process whose rows were taken over, changes nothing instead of moving a row
backwards. Storage computes no rules: the claimed rows come back as `DueRow`s, and bot/checkins works
out lateness and the nonce.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, case, cast, delete, exists, func, literal, select, update
from sqlalchemy.engine import RowMapping

from bot.models.checkins import Area, Checkin, CheckinState, CheckinSummary, DueRow, Intensity
from bot.models.shards import ShardSlice
from bot.storage.cluster import claimer, orphaned, owner_of
from bot.storage.db import Database
from bot.storage.json_rows import json_ready
from bot.storage.members import quiet_hours_of
from bot.storage.schema import checkins, members, sessions
from bot.storage.schema import insert as dialect_insert
from bot.storage.shards import routed_here

c, s, m = checkins.c, sessions.c, members.c

_SUMMARY = select(
    c.id, c.state, s.area, s.intensity, s.logged_at, c.due_at, c.deliver_at, c.follow_up_of, c.problem
).join_from(checkins, sessions, s.id == c.session_id)

_DUE = (
    select(
        c.id,
        c.user_id,
        c.due_at,
        c.claimed_at,
        c.attempts,
        c.snoozes,
        c.follow_up_of,
        s.area,
        s.intensity,
        s.logged_at,
        s.guild_id,
        s.channel_id,
        m.timezone,
        m.quiet_start,
        m.quiet_end,
        m.dm_channel_id,
        m.dms_closed_at,
        c.route_guild_id,
    )
    .join_from(checkins, sessions, s.id == c.session_id)
    .join(members, m.user_id == c.user_id)
)


async def insert(
    db: Database,
    *,
    user_id: int,
    session_id: int,
    due_at: datetime,
    deliver_at: datetime,
    created_at: datetime,
    follow_up_of: int | None = None,
) -> int | None:
    """The new check-in's id, or None when `follow_up_of` already has its one follow-up."""
    statement = dialect_insert(db.dialect, checkins).values(
        user_id=user_id,
        session_id=session_id,
        follow_up_of=follow_up_of,
        due_at=due_at,
        deliver_at=deliver_at,
        created_at=created_at,
    )
    statement = statement.on_conflict_do_nothing(index_elements=["follow_up_of"]).returning(c.id)
    found = (await db.write(statement)).scalar()
    return None if found is None else int(found)


async def get(db: Database, checkin_id: int) -> Checkin | None:
    row = (await db.read(select(checkins).where(c.id == checkin_id))).mappings().first()
    return None if row is None else _checkin(row)


async def follow_up(db: Database, parent_id: int) -> Checkin | None:
    row = (await db.read(select(checkins).where(c.follow_up_of == parent_id))).mappings().first()
    return None if row is None else _checkin(row)


async def count_open(db: Database, user_id: int) -> int:
    """Check-ins the member is still waiting for: pending, or being sent right now."""
    statement = (
        select(func.count()).select_from(checkins).where(c.user_id == user_id, c.state.in_(("pending", "sending")))
    )
    return int((await db.read(statement)).scalar_one())


async def pending_summaries(db: Database, user_id: int) -> list[CheckinSummary]:
    """The member's check-ins still waiting to be sent, soonest delivery first."""
    statement = _SUMMARY.where(c.user_id == user_id, c.state == "pending").order_by(c.deliver_at, c.id)
    return [_summary(row) for row in (await db.read(statement)).mappings()]


async def summary(db: Database, checkin_id: int) -> CheckinSummary:
    """The check-in and the session it asks about; the id must exist."""
    return _summary((await db.read(_SUMMARY.where(c.id == checkin_id))).mappings().one())


async def set_deliver_at(db: Database, checkin_id: int, deliver_at: datetime) -> None:
    await db.write(update(checkins).where(c.id == checkin_id, c.state == "pending").values(deliver_at=deliver_at))


async def cancel(db: Database, checkin_id: int, user_id: int) -> bool:
    statement = (
        update(checkins).where(c.id == checkin_id, c.user_id == user_id, c.state == "pending").values(state="cancelled")
    )
    return (await db.write(statement)).rowcount == 1


async def snooze(db: Database, checkin_id: int, due_at: datetime, deliver_at: datetime) -> bool:
    """Send a sent check-in again later, as a new delivery: attempts restart and the nonce changes."""
    statement = (
        update(checkins)
        .where(c.id == checkin_id, c.state == "sent")
        .values(state="pending", due_at=due_at, deliver_at=deliver_at, snoozes=c.snoozes + 1, attempts=0)
    )
    return (await db.write(statement)).rowcount == 1


async def drop_resend(db: Database, checkin_id: int) -> bool:
    """A snoozed check-in answered from its earlier message needs no second message."""
    statement = (
        update(checkins).where(c.id == checkin_id, c.state == "pending", c.sent_at.is_not(None)).values(state="sent")
    )
    return (await db.write(statement)).rowcount == 1


async def claim_due(db: Database, now: datetime, limit: int, shards: ShardSlice | None = None) -> list[int]:
    """Flip up to `limit` due pending rows to sending in one statement: each row goes to one caller.

    On PostgreSQL the chosen rows are locked with FOR UPDATE SKIP LOCKED: a row another transaction is
    claiming is skipped, and one it has just claimed is re-checked (no longer pending) and dropped, so
    concurrent claimers under READ COMMITTED never share a row. SQLite runs it under BEGIN IMMEDIATE.
    Each row records its claimer (bot/storage/cluster.py); raises ClaimsPaused while this process may
    not claim.
    """
    owner_id = claimer(db)
    due = (
        select(c.id)
        .where(c.state == "pending", c.deliver_at <= now)
        .where(routed_here(shards))
        .order_by(c.deliver_at, c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(checkins)
        .where(c.id.in_(due.scalar_subquery()))
        .values(state="sending", claimed_at=now, claimed_by=owner_id, attempts=c.attempts + 1)
        .returning(c.id)
    )
    return sorted(int(checkin_id) for checkin_id in (await db.write(statement)).scalars())


async def take_over_orphans(db: Database) -> list[int]:
    """Claim for this process every "sending" row whose owner is gone (cluster.orphaned), for a resend.

    The attempt is not counted again (the dead owner's try may have reached Discord) and claimed_at is
    kept. Locked with FOR UPDATE SKIP LOCKED and re-checked, as `claim_due` is, so when several live
    processes notice one death at once, each orphan goes to one of them. Raises ClaimsPaused while this
    process may not claim.
    """
    owner_id = claimer(db)
    orphans = (
        select(c.id)
        .where(c.state == "sending", orphaned(db, c.claimed_by))
        .order_by(c.claimed_at, c.id)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(checkins)
        .where(c.id.in_(orphans.scalar_subquery()), c.state == "sending", orphaned(db, c.claimed_by))
        .values(claimed_by=owner_id)
        .returning(c.id)
    )
    return sorted(int(checkin_id) for checkin_id in (await db.write(statement)).scalars())


async def claimed_elsewhere(db: Database) -> bool:
    """Whether another process holds "sending" rows (PostgreSQL; never on single-process SQLite).

    While it does, the job runner looks every few seconds whether that process is still alive.
    """
    if not db.is_postgres:
        return False
    others = exists().where(c.state == "sending", c.claimed_by.is_distinct_from(owner_of(db).owner_id))
    return bool((await db.read(select(others))).scalar())


async def release(db: Database, checkin_ids: list[int]) -> None:
    """Undo claims that were never acted on: back to pending, the attempt not counted."""
    if not checkin_ids:
        return
    await db.write(
        update(checkins)
        .where(c.id.in_(checkin_ids), c.state == "sending", _mine(db))
        .values(state="pending", claimed_at=None, claimed_by=None, attempts=c.attempts - 1)
    )


async def claimed_before(db: Database, moment: datetime) -> list[int]:
    statement = select(c.id).where(c.state == "sending", c.claimed_at < moment).order_by(c.claimed_at, c.id)
    return [int(checkin_id) for checkin_id in (await db.read(statement)).scalars()]


async def load_due(db: Database, checkin_ids: list[int]) -> list[DueRow]:
    """The claimed ("sending") rows among `checkin_ids`, with what the message needs."""
    if not checkin_ids:
        return []
    statement = _DUE.where(c.id.in_(checkin_ids), c.state == "sending").order_by(c.deliver_at, c.id)
    return [_due(row) for row in (await db.read(statement)).mappings()]


_SETTLE_MINE = (c.id == bindparam("checkin_id"), c.state == "sending", c.claimed_by == bindparam("owner_id"))
"""The guard of every settling UPDATE: this row, still "sending", claimed by this process (see `_mine`)."""

_MARK_SENT = (
    update(checkins)
    .where(*_SETTLE_MINE)
    .values(
        state="sent",
        sent_at=bindparam("sent_at"),
        channel_id=bindparam("channel_id"),
        message_id=bindparam("message_id"),
        claimed_at=None,
        claimed_by=None,
        problem=None,
    )
)
"""Built once: the one statement every delivery runs, so each call skips building the statement and its
cache key (SQLAlchemy memoises the key on the object; the compiled form is cached by that key)."""


async def mark_sent(db: Database, checkin_id: int, *, channel_id: int, message_id: int, at: datetime) -> bool:
    values = {
        "checkin_id": checkin_id,
        "owner_id": owner_of(db).owner_id,
        "sent_at": at,
        "channel_id": channel_id,
        "message_id": message_id,
    }
    return (await db.write(_MARK_SENT, [values])).rowcount == 1


async def mark_undeliverable(db: Database, checkin_id: int, problem: str) -> bool:
    statement = (
        update(checkins)
        .where(c.id == checkin_id, c.state == "sending", _mine(db))
        .values(state="undeliverable", problem=problem, claimed_at=None, claimed_by=None, notified_at=None)
    )
    return (await db.write(statement)).rowcount == 1


async def retry_or_fail(
    db: Database, checkin_id: int, *, deliver_at: datetime, max_attempts: int
) -> CheckinState | None:
    """Back to pending for another try at `deliver_at`, or failed once `max_attempts` were used up.

    None when the row is not being sent by this process (settled, deleted, or taken over meanwhile).
    """
    used_up = c.attempts >= max_attempts
    gave_up = literal("gave up after ") + cast(c.attempts, String) + literal(" delivery attempts")
    statement = (
        update(checkins)
        .where(c.id == checkin_id, c.state == "sending", _mine(db))
        .values(
            claimed_at=None,
            claimed_by=None,
            deliver_at=deliver_at,
            state=case((used_up, "failed"), else_="pending"),
            problem=case((used_up, gave_up), else_=None),
        )
        .returning(c.state)
    )
    state = (await db.write(statement)).scalar()
    return None if state is None else CheckinState(state)


async def next_deliver_at(db: Database, shards: ShardSlice | None = None) -> datetime | None:
    """The earliest pending check-in this process may claim: one handed to another shard's process is
    not its to wait for (counting it, a process would wake at once and claim nothing, again and again)."""
    statement = select(func.min(c.deliver_at)).where(c.state == "pending").where(routed_here(shards))
    found: datetime | None = (await db.read(statement)).scalar()
    return found


async def untold_notices(db: Database, user_id: int) -> list[CheckinSummary]:
    """Check-ins that never reached the member and that they have not been told about yet."""
    statement = _SUMMARY.where(
        c.user_id == user_id, c.notified_at.is_(None), c.state.in_(("undeliverable", "failed"))
    ).order_by(c.deliver_at, c.id)
    return [_summary(row) for row in (await db.read(statement)).mappings()]


async def mark_notified(db: Database, user_id: int, checkin_ids: Sequence[int], at: datetime) -> None:
    """Record that the member was told about these check-ins; anyone else's ids, or told ones, are left alone."""
    if not checkin_ids:
        return
    await db.write(
        update(checkins)
        .where(
            c.user_id == user_id,
            c.notified_at.is_(None),
            c.state.in_(("undeliverable", "failed")),
            c.id.in_(list(checkin_ids)),
        )
        .values(notified_at=at)
    )


async def delete_for_member(db: Database, user_id: int) -> int:
    return (await db.write(delete(checkins).where(c.user_id == user_id))).rowcount


async def export(db: Database, user_id: int) -> list[dict[str, Any]]:
    statement = select(checkins).where(c.user_id == user_id).order_by(c.id)
    return [json_ready(row) for row in (await db.read(statement)).mappings()]


def _mine(db: Database) -> ColumnElement[bool]:
    """Only the claim's owner settles it: a row another process took over (it thought this one dead)
    is left to that process's resend, which finds or dedupes whatever this one sent."""
    return c.claimed_by == owner_of(db).owner_id


def _checkin(row: RowMapping) -> Checkin:
    return Checkin(
        id=row["id"],
        user_id=row["user_id"],
        session_id=row["session_id"],
        follow_up_of=row["follow_up_of"],
        state=CheckinState(row["state"]),
        due_at=row["due_at"],
        deliver_at=row["deliver_at"],
        snoozes=row["snoozes"],
        attempts=row["attempts"],
        sent_at=row["sent_at"],
    )


def _summary(row: RowMapping) -> CheckinSummary:
    return CheckinSummary(
        id=row["id"],
        state=CheckinState(row["state"]),
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        logged_at=row["logged_at"],
        due_at=row["due_at"],
        deliver_at=row["deliver_at"],
        is_follow_up=row["follow_up_of"] is not None,
        problem=row["problem"],
    )


def _due(row: RowMapping) -> DueRow:
    return DueRow(
        checkin_id=row["id"],
        user_id=row["user_id"],
        area=Area(row["area"]),
        intensity=Intensity(row["intensity"]),
        logged_at=row["logged_at"],
        timezone=row["timezone"],
        quiet_hours=quiet_hours_of(row),
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        dm_channel_id=row["dm_channel_id"],
        due_at=row["due_at"],
        claimed_at=row["claimed_at"],
        attempts=row["attempts"],
        snoozes=row["snoozes"],
        is_follow_up=row["follow_up_of"] is not None,
        dms_closed_at=row["dms_closed_at"],
        handed_over=row["route_guild_id"] is not None,
    )
