"""Wake-ups across processes: PostgreSQL's NOTIFY, sent in the transaction that changed a schedule, and
one LISTEN connection per process that wakes the matching job runner.

Without this, a check-in added in one process woke only that process's runner; the others noticed it
at their next look (at most `MAX_SLEEP`, an hour). Now:

- `notify(db, channel)` runs `pg_notify` inside the caller's `transaction()`. PostgreSQL delivers it
  when that transaction commits and drops it when it rolls back, so nobody wakes for a change that never
  happened, and a runner that wakes always sees the committed row. The channel name says which job
  (`CHECKINS`, `DAILY_TIPS`); the payload is empty, so no member data ever travels in a notification.
  On SQLite it does nothing: one process only, and its services already wake their runner in-process.
- `NotificationListener` owns one plain asyncpg connection (not one from the writer pool, which
  recycles connections and would drop the LISTEN with them). Each notification calls the callbacks
  subscribed to its channel (a runner's `wake`). When the connection drops (a restart, a failover, a
  network cut found by the periodic ping) it reconnects with backoff, and after every (re)connect calls
  every callback once: notifications sent while it was away are lost, so each runner looks again.

A process also receives its own notifications (the listener is a separate session): that wakes its
runner a second time, which WakeableTimer folds into one extra look. Hand-written because asyncpg's
`add_listener` is the library part; what it lacks is reconnecting and the re-poll after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final, Literal

import asyncpg  # type: ignore[import-untyped]  # no stubs; only connect, add_listener and fetchval are used
from sqlalchemy import func, select

from bot.jobs.policy import Backoff
from bot.log import get_logger
from bot.storage.db import Database

Channel = Literal["kneadbot_checkins", "kneadbot_daily_tips"]
CHECKINS: Final[Channel] = "kneadbot_checkins"
DAILY_TIPS: Final[Channel] = "kneadbot_daily_tips"
APPLICATION_NAME = "kneadbot-listener"
"""The listening session's name in pg_stat_activity, so an operator (or a test) can find it."""
RECONNECT = Backoff(first=timedelta(seconds=1), longest=timedelta(minutes=1))
PING_INTERVAL = timedelta(seconds=30)
"""How often an idle listening connection is checked: a cut without a FIN is otherwise never noticed."""
PING_TIMEOUT = timedelta(seconds=10)

Wake = Callable[[], None]

log = get_logger(__name__)


async def notify(db: Database, channel: Channel) -> None:
    """Wake every process's runner for `channel` once the current transaction commits (PostgreSQL only).

    Must run inside `transaction(db)` (`db.write` refuses otherwise): outside one, the notification
    could arrive before the change it announces is visible.
    """
    if db.is_postgres:
        await db.write(select(func.pg_notify(channel, "")))


_listeners: weakref.WeakKeyDictionary[Database, NotificationListener] = weakref.WeakKeyDictionary()


def listener_for(db: Database) -> NotificationListener | None:
    """The one listener of this process's database (None on SQLite), shared by every cog that subscribes."""
    if not db.is_postgres:
        return None
    listener = _listeners.get(db)
    if listener is None:
        listener = _listeners[db] = NotificationListener(connect_arguments(db))
    return listener


def connect_arguments(db: Database) -> dict[str, Any]:
    """asyncpg.connect's arguments for the writer's URL, translated by SQLAlchemy's own asyncpg dialect."""
    _args, kwargs = db.writer.dialect.create_connect_args(db.writer.url)
    kwargs.pop("async_creator_fn", None)
    kwargs.pop("prepared_statement_cache_size", None)
    kwargs.pop("prepared_statement_name_func", None)
    settings = dict(kwargs.pop("server_settings", None) or {})
    settings["application_name"] = APPLICATION_NAME
    return {**kwargs, "server_settings": settings}


class NotificationListener:
    """One LISTEN connection; `subscribe` a callback per channel, the connection lives while any is left."""

    def __init__(
        self,
        connect_arguments: dict[str, Any],
        *,
        reconnect: Backoff = RECONNECT,
        ping_interval: timedelta = PING_INTERVAL,
    ) -> None:
        self._connect_arguments = connect_arguments
        self._reconnect, self._ping_interval = reconnect, ping_interval
        self._callbacks: dict[str, list[Wake]] = {}
        self._connection: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._listening = False
        """Whether the current attempt got as far as listening (then the reconnect backoff starts afresh)."""

    async def subscribe(self, channel: Channel, wake: Wake) -> None:
        """Call `wake` for every notification on `channel`, and after every (re)connect; starts listening."""
        self._callbacks.setdefault(channel, []).append(wake)
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.add_listener(channel, self._on_notification)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="kneadbot-listener")

    async def unsubscribe(self, channel: Channel, wake: Wake) -> None:
        """Forget `wake`; when no callback is left, the connection is closed."""
        waiting = self._callbacks.get(channel, [])
        if wake in waiting:
            waiting.remove(wake)
        if not any(self._callbacks.values()):
            await self.stop()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _on_notification(self, _connection: object, _pid: int, channel: str, _payload: str) -> None:
        self._call(self._callbacks.get(channel, []))

    def _wake_everyone(self) -> None:
        self._call([wake for waiting in self._callbacks.values() for wake in waiting])

    @staticmethod
    def _call(callbacks: list[Wake]) -> None:
        for wake in list(callbacks):
            try:
                wake()
            except Exception:
                log.exception("A wake-up callback failed")

    async def _run(self) -> None:
        """Listen, and after every loss wait (1 s, doubling up to a minute while connecting fails) and again."""
        failures = 0
        while True:
            self._listening = False
            try:
                await self._listen_until_lost()
                problem = "closed"
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                problem = type(error).__name__
            except Exception as error:  # never die quietly: the runners would fall back to MAX_SLEEP
                log.exception("The LISTEN connection hit an unexpected error")
                problem = type(error).__name__
            # a connection that worked starts the backoff afresh: only failures in a row lengthen it
            failures = 1 if self._listening else failures + 1
            pause = self._reconnect.delay(failures)
            log.warning("The LISTEN connection was lost (%s); reconnecting in %s", problem, pause)
            await asyncio.sleep(pause.total_seconds())

    async def _listen_until_lost(self) -> None:
        """Connect, LISTEN on every channel, wake everyone (the re-poll), then ping until the link drops."""
        connection: asyncpg.Connection = await asyncpg.connect(**self._connect_arguments)
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            self._connection = connection
            for channel in list(self._callbacks):
                await connection.add_listener(channel, self._on_notification)
            self._wake_everyone()
            self._listening = True
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._ping_interval.total_seconds()):
                        await lost.wait()
                if not lost.is_set():
                    await connection.fetchval("SELECT 1", timeout=PING_TIMEOUT.total_seconds())
        finally:
            self._connection = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=PING_TIMEOUT.total_seconds())
