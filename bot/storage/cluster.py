"""Who claimed a row, and is that process still alive: owner ids held by PostgreSQL advisory locks.

Several bot processes claim work from one PostgreSQL database, and each claim records its owner
(`claimed_by`, migration 0008). A process picks a random owner id at start and takes the session-level
advisory lock `pg_advisory_lock(OWNER_LOCK_CLASS, owner_id)` on a connection of its own, which it keeps
for its whole life. PostgreSQL releases that lock the moment the session ends, and a killed process's
session ends with it (the server reads end-of-file on the socket; TCP keepalives set on the session
cover a host that vanished). So "the owner of this row is gone" is one look at `pg_locks`: no
heartbeat table, no clocks to agree on, and a live process's rows are never taken, however slow its send.

Hand-written, as a small module, because no library offers it: SQLAlchemy gives the connection and
the lock is one SQL function; what is ours is the rule for losing it. If the lock connection drops while
the process lives (the database restarted, the network cut out), the others already see this owner as
dead and may take its rows over. So this process stops claiming at once (claims raise `ClaimsPaused`)
and a watchdog takes the same lock again on a new connection; meanwhile its in-flight sends settle only
rows still claimed by it (the settling updates check `claimed_by`), and the nonce and the channel search
stop the taker's resend from doubling a message that did go out.

SQLite serves one process: nothing is locked there, every claim carries the Database's owner id, and
every claimed row counts as left by a stopped process (the job runner recovers them only at start).
A Database that never called `hold_owner` (one-off tools, most tests) claims as an owner without a
lock: on PostgreSQL any runner may take its claimed rows over, as if it had died.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import BigInteger, Boolean, ColumnElement, cast, column, func, or_, select, table, text, true
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from bot.log import get_logger
from bot.storage.db import Database

OWNER_LOCK_CLASS = 0x6B6E6F77  # "know": the first key of every owner lock; the second is the owner id
HEARTBEAT_SECONDS = 2.0
"""How often the lock connection is checked; a drop stops claims within about this long."""
HEARTBEAT_TIMEOUT_SECONDS = 5.0
RETRY_SECONDS = 2.0
"""How often a lost lock is tried again."""
PAUSED_RETRY = timedelta(seconds=RETRY_SECONDS)
"""How long a job runner waits before claiming again after ClaimsPaused."""
KEEPALIVE_SETTINGS = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}
"""The server drops the session (releasing the lock) about 25 s after this host stops answering."""
_MAX_OWNER_ID = 2**31 - 1  # the two-key advisory lock takes two int4 keys

log = get_logger(__name__)

_pg_locks = table(
    "pg_locks",
    column("locktype"),
    column("database"),
    column("classid"),
    column("objid"),
    column("objsubid"),
    column("granted", Boolean),
)
_pg_database = table("pg_database", column("oid"), column("datname"))


class ClaimsPaused(Exception):
    """This process's owner lock is lost: it must not claim until the lock is held again."""


class ProcessOwner:
    """This process's owner id on one Database, and whether it may claim right now."""

    def __init__(self, owner_id: int, lock: OwnerLock | None = None) -> None:
        self.owner_id = owner_id
        self.lock = lock
        """The held lock (PostgreSQL after `hold_owner`), else None."""

    @property
    def may_claim(self) -> bool:
        """False while the lock is lost: others may be taking this owner's rows over."""
        return self.lock is None or self.lock.is_held

    async def release(self) -> None:
        """End the lock's session: from now on this owner's claimed rows are anyone's to recover."""
        if self.lock is not None:
            await self.lock.close()


_owners: WeakKeyDictionary[Database, ProcessOwner] = WeakKeyDictionary()


def owner_of(db: Database) -> ProcessOwner:
    """The owner registered for `db` by `hold_owner`, else one without a lock made on first use."""
    owner = _owners.get(db)
    if owner is None:
        owner = _owners[db] = ProcessOwner(_new_owner_id())
    return owner


def claimer(db: Database) -> int:
    """The owner id a claim made now records; raises ClaimsPaused while the owner lock is lost."""
    owner = owner_of(db)
    if not owner.may_claim:
        raise ClaimsPaused(f"owner {owner.owner_id} lost its lock; not claiming until it is back")
    return owner.owner_id


async def hold_owner(db: Database) -> ProcessOwner:
    """Take a fresh owner id's lock for `db` (PostgreSQL) and register it; SQLite needs no lock.

    Call once per process before its job runners start; `ProcessOwner.release` at shutdown.
    """
    if not db.is_postgres:
        return owner_of(db)
    while True:
        lock = OwnerLock(db.writer.url, _new_owner_id())
        if await lock.acquire():
            break
        await lock.close()  # a random id another process already holds: pick again
    lock.watch()
    owner = _owners[db] = ProcessOwner(lock.owner_id, lock)
    log.info("Holding owner lock %s: claims made here carry this id", owner.owner_id)
    return owner


def orphaned(db: Database, claimed_by: ColumnElement[int | None]) -> ColumnElement[bool]:
    """A claim whose owner is gone: on PostgreSQL its lock is free (or it predates owners, NULL); on
    SQLite every claim, as one process serves it and recovers only what an earlier run left."""
    if not db.is_postgres:
        return true()
    return or_(claimed_by.is_(None), claimed_by.not_in(_live_owner_ids()))


def _live_owner_ids() -> ColumnElement[int]:
    """Owner ids whose lock is held right now in this database (locks are per database)."""
    this_database = select(_pg_database.c.oid).where(_pg_database.c.datname == func.current_database())
    return (
        select(cast(_pg_locks.c.objid, BigInteger))
        .where(
            _pg_locks.c.locktype == "advisory",
            _pg_locks.c.database == this_database.scalar_subquery(),
            _pg_locks.c.classid == OWNER_LOCK_CLASS,
            _pg_locks.c.objsubid == 2,  # the two-key form
            _pg_locks.c.granted,
        )
        .scalar_subquery()
    )


def _new_owner_id() -> int:
    return 1 + secrets.randbelow(_MAX_OWNER_ID)


class OwnerLock:
    """One owner id's advisory lock on a dedicated connection, watched and retaken if it drops."""

    def __init__(self, url: URL, owner_id: int) -> None:
        self.owner_id = owner_id
        settings = {**KEEPALIVE_SETTINGS, "application_name": f"kneadbot owner {owner_id}"}
        self._engine = create_async_engine(
            url, poolclass=NullPool, connect_args={"server_settings": settings}, isolation_level="AUTOCOMMIT"
        )
        self._connection: AsyncConnection | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._closed = False
        self.backend_pid: int | None = None
        """The server process of the lock's current session (pg_stat_activity shows it as
        "kneadbot owner <id>"); an operator's pg_terminate_backend target."""

    @property
    def is_held(self) -> bool:
        connection = self._connection
        return connection is not None and not connection.closed and not connection.invalidated

    async def acquire(self) -> bool:
        """Connect and try the lock; False (and no connection kept) when another session holds it."""
        connection = await self._engine.connect()
        try:
            found = await connection.execute(_TRY_LOCK, {"cls": OWNER_LOCK_CLASS, "owner": self.owner_id})
            taken, backend_pid = found.one()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection, self.backend_pid = connection, int(backend_pid)
        return True

    def watch(self) -> None:
        self._watchdog = asyncio.create_task(self._watch(), name=f"owner-lock-{self.owner_id}")

    async def close(self) -> None:
        self._closed = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        await self._drop()
        await self._engine.dispose()

    async def _watch(self) -> None:
        while not self._closed:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                if await self._alive():
                    continue
                log.error("Owner lock %s was lost: claiming stops until it is taken again", self.owner_id)
                await self._drop()
                await self._retake()
            except Exception:  # never die quietly: with the lock lost, claims would stay paused for good
                log.exception("The owner-lock watchdog hit an unexpected error; it keeps watching")

    async def _alive(self) -> bool:
        if not self.is_held:
            return False
        assert self._connection is not None  # noqa: S101 - is_held checked it
        try:
            async with asyncio.timeout(HEARTBEAT_TIMEOUT_SECONDS):
                await self._connection.execute(_HEARTBEAT)
        except (OSError, TimeoutError, DBAPIError):
            return False
        return True

    async def _retake(self) -> None:
        """The same id again, so this process's rows not yet taken over stay its own to settle.

        Until the server notices the old session is gone (at once after a restart; after the TCP
        keepalives for a cut network), that session still holds the lock and this waits.
        """
        while not self._closed:
            try:
                async with asyncio.timeout(HEARTBEAT_TIMEOUT_SECONDS):  # a half-open connection must not hang it
                    held = await self.acquire()
                if held:
                    log.warning("Owner lock %s is held again: claiming resumes", self.owner_id)
                    return
                log.warning("Owner lock %s is still held by its old session; trying again", self.owner_id)
            except (OSError, TimeoutError, DBAPIError) as error:
                log.warning("Could not take owner lock %s again yet: %s", self.owner_id, type(error).__name__)
            await asyncio.sleep(RETRY_SECONDS)

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            async with asyncio.timeout(HEARTBEAT_TIMEOUT_SECONDS):
                await connection.close()
        except (OSError, TimeoutError, DBAPIError):
            with contextlib.suppress(Exception):
                await connection.invalidate()


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:cls, :owner), pg_backend_pid()")
_HEARTBEAT = text("SELECT 1")
