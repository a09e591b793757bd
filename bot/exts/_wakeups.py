"""Wake a cog's job runner when another process changes its schedule (PostgreSQL's LISTEN/NOTIFY).

The services NOTIFY in the transaction that changes a schedule (bot/storage/notify.py); this ties the
process's one listening connection to a runner while its cog is loaded. On SQLite, and in one-off runs
without background jobs (`python -m bot sync`), it does nothing: a single process wakes in-process.
"""

from __future__ import annotations

from bot.app import KneadBot
from bot.storage.notify import Channel, Wake, listener_for


class CrossProcessWakeups:
    def __init__(self, bot: KneadBot, channel: Channel, wake: Wake) -> None:
        self._bot, self._channel, self._wake = bot, channel, wake

    async def start(self) -> None:
        """Listen from cog_load on, so a change made while this process starts is not missed."""
        listener = listener_for(self._bot.database) if self._bot.background_jobs else None
        if listener is not None:
            await listener.subscribe(self._channel, self._wake)

    async def stop(self) -> None:
        listener = listener_for(self._bot.database) if self._bot.background_jobs else None
        if listener is not None:
            await listener.unsubscribe(self._channel, self._wake)
