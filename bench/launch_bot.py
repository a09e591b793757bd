"""Run `python -m bot` against a loopback fake Discord instead of discord.com.

    KNEADBOT_FAKE_API=http://127.0.0.1:PORT/api/v10 KNEADBOT_FAKE_GATEWAY=ws://127.0.0.1:PORT/ \\
    DISCORD_TOKEN=fake .venv/bin/python -m bench.launch_bot [the same arguments as python -m bot]

Points discord.py's ``Route.BASE`` and default gateway URL at the fake, then runs the real entry
point ``bot.__main__.main`` unchanged. For start-up timing it adds one ``on_ready`` listener that
prints ``bench-launch: ready <time.perf_counter()>`` to stderr (CLOCK_MONOTONIC on Linux, so a
parent process can compare it with its own clock). Optional ``KNEADBOT_FAKE_GUILD_READY_TIMEOUT``
sets discord.py's wait after the last GUILD_CREATE (2 s by default, as in production).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import discord.gateway
import discord.http
import yarl


def main() -> int:
    discord.http.Route.BASE = os.environ["KNEADBOT_FAKE_API"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["KNEADBOT_FAKE_GATEWAY"])
    guild_ready_timeout = os.environ.get("KNEADBOT_FAKE_GUILD_READY_TIMEOUT")

    from bot import __main__ as entry
    from bot import app

    create_bot = app.create_bot

    def announcing_create_bot(*args: Any, **options: Any) -> app.KneadBot:
        bot = create_bot(*args, **options)
        if guild_ready_timeout is not None:
            bot._connection.guild_ready_timeout = float(guild_ready_timeout)

        async def announce() -> None:
            print(f"bench-launch: ready {time.perf_counter():.6f}", file=sys.stderr, flush=True)

        bot.add_listener(announce, "on_ready")
        return bot

    app.create_bot = announcing_create_bot  # bot.__main__ imports it from bot.app when it runs the bot
    return entry.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
