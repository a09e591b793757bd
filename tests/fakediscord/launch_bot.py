"""Run the real ``python -m bot`` in its own process, against a FakeDiscord in the test process.

    FAKEDISCORD_PORT=<port> DISCORD_TOKEN=... KNEADBOT_DB=... python -m tests.fakediscord.launch_bot [args]

Why a launcher: ``FakeDiscord.start()`` repoints discord.py's process-wide URLs, which only reaches
a bot running in the same process. Tests that need a real process (SIGKILL at any moment, a crash
traceback printed by the interpreter itself) run this instead: it points discord.py's REST base and
gateway URL at 127.0.0.1:<port>, then calls ``bot.__main__.main()`` unchanged, so settings, logging
(with token redaction), the database and the bot class are exactly production's.

Three optional knobs, each only shortens a wait that exists for Discord's sake:

- ``FAKEDISCORD_GUILD_READY_TIMEOUT`` (seconds, default 0.05): discord.py waits this long after the
  last GUILD_CREATE before ``on_ready`` (2 s by default, as ``running_client`` lowers in-process).
- ``FAKEDISCORD_CLOCK_OFFSET_SECONDS`` (default 0): the bot's clock runs this far ahead of the wall
  clock, so a restart can land "minutes later" for the bot without the test waiting minutes.
- ``FAKEDISCORD_UNPACED=1``: the bot does not pace its requests to Discord's global 50/s
  (bot/ratelimit.py), for tests about something else against a fake that enforces no global limit
  (the crash tests: their 500 check-ins would otherwise spend 10 s a run waiting for tokens).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import discord.gateway
import discord.http
import yarl

API_PREFIX = "/api/v10"


def point_discord_at(port: int) -> None:
    """Send every REST call and the gateway connection to the fake on 127.0.0.1:<port>."""
    discord.http.Route.BASE = f"http://127.0.0.1:{port}{API_PREFIX}"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/")


def _wrap_create_bot(guild_ready_timeout: float, clock_offset: timedelta) -> None:
    import bot.app

    real_create_bot = bot.app.create_bot

    def clock() -> datetime:
        return datetime.now(UTC) + clock_offset

    def create_bot(*args: Any, **options: Any) -> Any:
        options.setdefault("guild_ready_timeout", guild_ready_timeout)
        if clock_offset:
            options.setdefault("clock", clock)
        return real_create_bot(*args, **options)

    bot.app.create_bot = create_bot  # bot.__main__ imports it at call time, so it sees this one


def _unpaced(_per_second: float) -> Any:
    from aiolimiter import AsyncLimiter

    return AsyncLimiter(1_000_000, 1)


def main(argv: list[str] | None = None) -> int:
    point_discord_at(int(os.environ["FAKEDISCORD_PORT"]))
    if os.environ.get("FAKEDISCORD_UNPACED") == "1":
        import bot.ratelimit

        bot.ratelimit.strict_pace = _unpaced  # route_requests looks it up when the bot is created
    _wrap_create_bot(
        float(os.environ.get("FAKEDISCORD_GUILD_READY_TIMEOUT", "0.05")),
        timedelta(seconds=float(os.environ.get("FAKEDISCORD_CLOCK_OFFSET_SECONDS", "0"))),
    )
    from bot.__main__ import main as bot_main

    return bot_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
