"""AuditTrail: who did what, when, in each server, written in the same transaction as the change.

Services call `write` inside their own transaction, so an action and its audit line are stored
together or not at all, then `publish` after the commit, so listeners (the Discord side mirrors
entries to the server's log channel) only ever hear about actions that really happened.
"""

from __future__ import annotations

from bot.clock import Clock, utc_now
from bot.guilds.models import AuditAction, AuditEntry
from bot.listeners import Listeners
from bot.storage import audit as audit_sql
from bot.storage import guilds as guilds_sql
from bot.storage.db import Database

RECENT_SHOWN = 20
KEPT_PER_GUILD = 500


class AuditTrail:
    """The per-server log of moderator actions; shared by every service that changes a server."""

    def __init__(self, db: Database, *, clock: Clock = utc_now, reader: Database | None = None) -> None:
        """`reader` serves `recent`; `db` does the writes.

        It defaults to `db`, whose reads outside a transaction already use its reader engine.
        """
        self._db, self._clock = db, clock
        self._read = reader if reader is not None else db
        self.recorded: Listeners[[AuditEntry]] = Listeners("audit")
        """Told each entry once it is committed; a listener must not block (schedule a task)."""

    async def write(self, guild_id: int, actor_id: int | None, action: AuditAction, detail: str) -> AuditEntry:
        """Store one entry; call inside the caller's transaction, then `publish` after it commits."""
        now = self._clock()
        await guilds_sql.ensure(self._db, guild_id, now)
        return await audit_sql.insert(
            self._db,
            guild_id=guild_id,
            actor_id=actor_id,
            action=action,
            detail=detail,
            at=now,
            keep=KEPT_PER_GUILD,
        )

    def publish(self, entry: AuditEntry) -> None:
        """Tell listeners; one failing listener neither stops the others nor fails the action."""
        self.recorded.emit(entry)

    async def recent(self, guild_id: int, limit: int = RECENT_SHOWN) -> list[AuditEntry]:
        """This server's latest actions, newest first."""
        return await audit_sql.latest(self._read, guild_id, limit)
