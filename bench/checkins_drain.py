"""Drain a burst of due check-ins against a fake that answers slowly and enforces Discord's 50/s (issue 12).

    .venv/bin/python -m bench.checkins_drain [--checkins 10000] [--latency-ms 50 150] [--first-time 0.2]
                                             [--modes sequential concurrent unpaced]

Seeds --checkins members with one check-in each, all due at once (everyone picked "tomorrow 09:00");
a --first-time share of them has no cached DM channel, so their check-in also opens one (2 requests).
Then the real KneadBot, connected to the loopback fake (`tests/fakediscord`, request bodies not
validated), delivers them with its real JobRunner and CheckinCourier while the fake
(`tests/fakediscord/global_limit.py`) answers every bot request after --latency-ms and answers a
global 429 to the 51st request in any one-second window. Modes:

- sequential: KNEADBOT_DELIVERY_CONCURRENCY=1, i.e. the runner before issue 12 (its pacing at 50/s
  never binds at one request per round trip of 50 ms or more);
- concurrent: the defaults (KNEADBOT_DELIVERY_CONCURRENCY in flight, set it to compare) paced at 48 requests/s;
- unpaced: as many in flight with the pacing switched off (discord.py only waits a 429 out).

The physical limit is requests / 50 s. The fake runs on the bot's event loop ("inline"); it does
little (a sleep, a dict), but on a busy machine that slightly overstates the bot's time.
No asserts; prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiolimiter import AsyncLimiter

import bot.ratelimit
from bench._fakeproc import _RoutesOnly
from bot.checkins.models import DueCheckin
from bot.jobs.runner import JobRunner
from bot.settings import Settings
from bot.storage.db import as_db_time, open_database
from tests.exts.harness import TestKneadBot, make_settings, real_library
from tests.fakediscord import running_client
from tests.fakediscord.global_limit import GlobalRateLimit
from tests.fakediscord.interceptors import InterceptingFakeDiscord

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER_BASE = 1_350_000_000_000_000_000
DM_CHANNEL_BASE = 1_360_000_000_000_000_000
LIMIT_PER_SECOND = 50
DEFAULT_CONCURRENCY = Settings.model_fields["delivery_concurrency"].default
CONCURRENCY = int(os.environ.get("KNEADBOT_DELIVERY_CONCURRENCY") or DEFAULT_CONCURRENCY)
"""In flight at once in the concurrent and unpaced modes: the product's default unless the variable is set."""


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def first_time(n: int, share: float) -> bool:
    """Spread the first-time members evenly through the burst."""
    return int((n + 1) * share) > int(n * share)


async def seed(path: Path, count: int, share: float) -> None:
    db = await open_database(path)
    await db.close()
    long_ago = as_db_time(BASE - timedelta(days=1))
    due = as_db_time(BASE)
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO members (user_id, consented_at, timezone, dm_channel_id) VALUES (?, ?, 'UTC', ?)",
            [(USER_BASE + n, long_ago, None if first_time(n, share) else DM_CHANNEL_BASE + n) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO sessions (id, user_id, area, intensity, logged_at) VALUES (?, ?, 'calves', 'firm', ?)",
            [(n + 1, USER_BASE + n, long_ago) for n in range(count)],
        )
        conn.executemany(
            "INSERT INTO checkins (id, user_id, session_id, due_at, deliver_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(n + 1, USER_BASE + n, n + 1, due, due, long_ago) for n in range(count)],
        )


def unpaced(_per_second: float) -> AsyncLimiter:
    return AsyncLimiter(1_000_000, 1)


async def drain(path: Path, mode: str, count: int, share: float, latency: float) -> dict[str, Any]:
    fake = InterceptingFakeDiscord(echo_messages=False)
    fake.spec = _RoutesOnly(fake.spec)  # type: ignore[assignment]
    limit = GlobalRateLimit(LIMIT_PER_SECOND, latency_seconds=latency).install(fake)
    for n in range(count):
        if not first_time(n, share):
            fake.store.dm_channels[USER_BASE + n] = DM_CHANNEL_BASE + n
            fake.store.dm_recipients[DM_CHANNEL_BASE + n] = USER_BASE + n
    clock = Clock(BASE - timedelta(hours=1))
    concurrency = 1 if mode == "sequential" else CONCURRENCY
    settings = make_settings(path, delivery_concurrency=concurrency)
    original_pace = bot.ratelimit.strict_pace
    if mode == "unpaced":
        bot.ratelimit.strict_pace = unpaced
    try:
        kneadbot = TestKneadBot(settings, real_library(), clock=clock)
    finally:
        bot.ratelimit.strict_pace = original_pace
    await fake.start()
    try:
        async with running_client(fake, kneadbot):
            return await _timed_drain(kneadbot, fake, limit, clock, count)
    finally:
        await fake.close()


async def _timed_drain(
    kneadbot: TestKneadBot, fake: InterceptingFakeDiscord, limit: GlobalRateLimit, clock: Clock, count: int
) -> dict[str, Any]:
    cog: Any = kneadbot.get_cog("Checkins")
    runner: JobRunner[DueCheckin] = cog.runner
    asleep = kneadbot.wait_for("job_asleep", check=lambda name, _until: name == "checkins", timeout=30)
    runner.wake()
    await asleep
    finished: list[float] = []
    done = asyncio.Event()
    observe = runner.job.observe

    def counting(one: DueCheckin, settled: Any) -> None:
        observe(one, settled)
        finished.append(time.perf_counter())
        if len(finished) >= count:
            done.set()

    runner.job.observe = counting  # type: ignore[method-assign]
    limit.arrivals.clear()
    limit.rejected = 0
    requests_before = len(fake.requests)
    start = time.perf_counter()
    clock.now = BASE + timedelta(hours=1)
    runner.wake()
    await asyncio.wait_for(done.wait(), timeout=3600)
    wall = time.perf_counter() - start
    requests = len(fake.requests) - requests_before
    late = sorted(t - start for t in finished)
    return {
        "wall": wall,
        "requests": requests,
        "rejected": limit.rejected,
        "busiest": limit.busiest_second,
        "median_late": statistics.median(late),
        "last_late": late[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[50.0, 150.0])
    parser.add_argument("--first-time", type=float, default=0.2)
    parser.add_argument("--modes", nargs="+", default=["sequential", "concurrent", "unpaced"])
    args = parser.parse_args()
    logging.getLogger("bot").setLevel(logging.ERROR)  # the fake's commands differ from the bot's: a warning per run
    first_timers = sum(first_time(n, args.first_time) for n in range(args.checkins))
    physical = (args.checkins + first_timers) / LIMIT_PER_SECOND
    print(f"{args.checkins} check-ins, {first_timers} to first-time members; physical limit {physical:.1f} s\n")
    print("| round trip | mode | wall s | × limit | requests | 429s | busiest second | median late s | last late s |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for latency_ms in args.latency_ms:
        for mode in args.modes:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "drain.sqlite3"
                asyncio.run(seed(path, args.checkins, args.first_time))
                r = asyncio.run(drain(path, mode, args.checkins, args.first_time, latency_ms / 1000))
            print(
                f"| {latency_ms:.0f} ms | {mode} | {r['wall']:.1f} | {r['wall'] / physical:.2f} | {r['requests']} "
                f"| {r['rejected']} | {r['busiest']} | {r['median_late']:.1f} | {r['last_late']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
