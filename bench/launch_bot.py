"""Run `python -m bot` against a loopback fake Discord instead of discord.com.

    KNEADBOT_FAKE_API=http://127.0.0.1:PORT/api/v10 KNEADBOT_FAKE_GATEWAY=ws://127.0.0.1:PORT/ \\
    DISCORD_TOKEN=fake .venv/bin/python -m bench.launch_bot [the same arguments as python -m bot]

Points discord.py's ``Route.BASE`` and default gateway URL at the fake, then runs the real entry
point ``bot.__main__.main`` unchanged. For start-up timing it prints one line per milestone to stderr,
``bench-launch: <milestone> <time.perf_counter()>`` (CLOCK_MONOTONIC on Linux, so a parent process
can compare it with its own clock):

- ``main``: the launcher runs (the interpreter has started and imported discord.py);
- ``db-open-start`` / ``db-open-end``: around ``setup_hook``'s ``open_database`` (connect, migrate);
- ``setup``: ``setup_hook`` is done (database opened and migrated, extensions loaded);
- ``ready``: ``on_ready``;
- ``reconcile-start`` / ``reconcile-end``, ``claim``: the check-in job's first ``stale()`` call (the
  runner's reconcile) and first ``claim_due()`` call, timed by wrapping ``CheckinJob`` here, in the
  launcher's process only (the bot itself is unchanged);
- ``asleep-<job>``: the bot event ``job_asleep(name, until)`` each runner dispatches when it goes to
  sleep with nothing left to do (the first one per job).

Optional ``KNEADBOT_FAKE_GUILD_READY_TIMEOUT`` sets discord.py's wait after the last GUILD_CREATE
(2 s by default, as in production).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import discord.gateway
import discord.http
import yarl

_marked: set[str] = set()


def mark(milestone: str) -> None:
    """Print the first occurrence of each milestone with the time it happened."""
    if milestone not in _marked:
        _marked.add(milestone)
        print(f"bench-launch: {milestone} {time.perf_counter():.6f}", file=sys.stderr, flush=True)


def _timed(method: Callable[..., Awaitable[Any]], before: str | None, after: str) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before is not None:
            mark(before)
        result = await method(*args, **kwargs)
        mark(after)
        return result

    return wrapper


def _instrument_checkin_job() -> None:
    from bot.checkins.delivery import CheckinJob

    CheckinJob.stale = _timed(CheckinJob.stale, "reconcile-start", "reconcile-end")  # type: ignore[method-assign]
    CheckinJob.claim_due = _timed(CheckinJob.claim_due, None, "claim")  # type: ignore[method-assign]


def main() -> int:
    mark("main")
    discord.http.Route.BASE = os.environ["KNEADBOT_FAKE_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["KNEADBOT_FAKE_GATEWAY"])
    guild_ready_timeout = os.environ.get("KNEADBOT_FAKE_GUILD_READY_TIMEOUT")

    from bot import __main__ as entry
    from bot import app

    _instrument_checkin_job()
    app.open_database = _timed(app.open_database, "db-open-start", "db-open-end")  # type: ignore[attr-defined]
    create_bot = app.create_bot

    def announcing_create_bot(*args: Any, **options: Any) -> app.KneadBot:
        bot = create_bot(*args, **options)
        if guild_ready_timeout is not None:
            bot._connection.guild_ready_timeout = float(guild_ready_timeout)
        bot.setup_hook = _timed(bot.setup_hook, None, "setup")  # type: ignore[method-assign]

        async def announce_ready() -> None:
            mark("ready")

        async def announce_asleep(name: str, _until: datetime) -> None:
            mark(f"asleep-{name}")

        bot.add_listener(announce_ready, "on_ready")
        bot.add_listener(announce_asleep, "on_job_asleep")
        return bot

    app.create_bot = announcing_create_bot  # bot.__main__ imports it from bot.app when it runs the bot
    return entry.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
