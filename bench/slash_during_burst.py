"""Slash-command latency while a burst of check-ins drains (issue 12: deliveries must not starve commands).

    .venv/bin/python -m bench.slash_during_burst [--checkins 2000] [--rate 20] [--latency-ms 50]

The set-up of bench.checkins_drain (the real KneadBot, its JobRunner and CheckinCourier, the loopback
fake answering each paced request after --latency-ms and enforcing 50 requests/s), plus members
running /tip at --rate commands a second, each from a new user so no cooldown fires. Measured per
command at the fake: from writing INTERACTION_CREATE to the arrival of the bot's callback request,
i.e. what Discord would see, without the round trip back. The same commands are first run with
nothing due ("quiet"), then while the burst drains ("burst"). Target (issue 12): p99 <= 50 ms at
20 commands/s during the burst. Interaction callbacks are exempt from Discord's global limit, and
bot/ratelimit.py does not pace them, so they never queue behind deliveries for a token.
The fake shares the bot's event loop, as in the tests: its own work is counted against the bot.
No asserts; prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import tempfile
import time
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

from bench._fakeproc import _RoutesOnly
from bench.checkins_drain import BASE, DM_CHANNEL_BASE, LIMIT_PER_SECOND, USER_BASE, Clock, first_time, seed
from bot.checkins.models import DueCheckin
from bot.jobs.runner import JobRunner
from tests.exts.harness import TestKneadBot, make_settings, real_library
from tests.fakediscord import User, running_client
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.fakediscord.models import RecordedRequest

CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
COMMAND_USERS = count(1_370_000_000_000_000_000)


class CallbackClock:
    """When each interaction's callback request reached the fake (before any answer is written)."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}

    async def before(self, record: RecordedRequest) -> None:
        match = CALLBACK.match(record.path)
        if match:
            self.arrived[int(match[1])] = time.monotonic()


async def commands_at(fake: InterceptingFakeDiscord, rate: float, stop: asyncio.Event) -> list[Any]:
    """Open loop: one /tip every 1/rate s until `stop`, whatever the bot is doing."""
    sent: list[Any] = []
    start = time.monotonic()
    for n in count():
        if stop.is_set():
            break
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        sent.append(await fake.slash("tip", user=User(next(COMMAND_USERS), "reader")))
    return sent


def latencies_ms(sent: list[Any], clock: CallbackClock) -> list[float]:
    return sorted((clock.arrived[s.id] - s.sent_at) * 1000 for s in sent if s.id in clock.arrived)


async def run(path: Path, checkins: int, share: float, latency: float, rate: float, quiet_s: float) -> dict[str, Any]:
    fake = InterceptingFakeDiscord(echo_messages=False)
    fake.spec = _RoutesOnly(fake.spec)  # type: ignore[assignment]
    GlobalRateLimit(LIMIT_PER_SECOND, latency_seconds=latency).install(fake)
    callbacks = CallbackClock()
    fake.before_request.insert(0, callbacks.before)  # first: the arrival, before any latency is added
    for n in range(checkins):
        if not first_time(n, share):
            fake.store.dm_channels[USER_BASE + n] = DM_CHANNEL_BASE + n
            fake.store.dm_recipients[DM_CHANNEL_BASE + n] = USER_BASE + n
    clock = Clock(BASE - timedelta(hours=1))
    kneadbot = TestKneadBot(make_settings(path), real_library(), clock=clock)
    await fake.start()
    try:
        async with running_client(fake, kneadbot):
            runner: JobRunner[DueCheckin] = kneadbot.get_cog("Checkins").runner  # type: ignore[union-attr]
            quiet_stop = asyncio.Event()
            asyncio.get_running_loop().call_later(quiet_s, quiet_stop.set)
            quiet = await commands_at(fake, rate, quiet_stop)
            delivered = 0
            drained = asyncio.Event()
            observe = runner.job.observe

            def counting(item: DueCheckin, settled: Any) -> None:
                nonlocal delivered
                observe(item, settled)
                delivered += 1
                if delivered >= checkins:
                    drained.set()

            runner.job.observe = counting  # type: ignore[method-assign]
            clock.now = BASE + timedelta(hours=1)
            runner.wake()
            burst = await commands_at(fake, rate, drained)
            for state in quiet + burst:  # every command answered before the bot shuts down
                await fake.final_reply(state)
    finally:
        await fake.close()
    return {"quiet": latencies_ms(quiet, callbacks), "burst": latencies_ms(burst, callbacks), "sent": len(burst)}


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--first-time", type=float, default=0.2)
    parser.add_argument("--quiet-seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.getLogger("bot").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "burst.sqlite3"
        asyncio.run(seed(path, args.checkins, args.first_time))
        result = asyncio.run(
            run(path, args.checkins, args.first_time, args.latency_ms / 1000, args.rate, args.quiet_seconds)
        )
    print(f"{args.checkins} check-ins due at once, /tip at {args.rate:g}/s, fake round trip {args.latency_ms:g} ms\n")
    print("| while | commands | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("quiet", "burst"):
        values = result[name]
        print(
            f"| {name} | {len(values)} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} "
            f"| {percentile(values, 99):.1f} | {values[-1]:.1f} |"
        )


if __name__ == "__main__":
    main()
