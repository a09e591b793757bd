"""Drain a burst of due check-ins through THREE real bot processes on one PostgreSQL (issue 12, "Speed").

    KNEADBOT_BENCH_DATABASE_URL=postgresql://... .venv/bin/python -m bench.cluster_drain
        [--checkins 600] [--processes 3] [--latency-ms 50 150] [--first-time 0.2] [--modes budget proxy]
        [--proxy-rate 25] [--database-url URL]

`--processes 1` measures one process the same way (fake in a process of its own, PostgreSQL, 48/s),
to compare with bench.checkins_drain, whose fake shares the bot's event loop.

bench.checkins_drain measures one process; this is the same burst through the cluster of
tests/cluster/burst.py: --checkins members with one check-in each, a --first-time share of them with
no DM channel yet (their check-in also opens it: 2 requests), in a fresh PostgreSQL database per run
(bench/_pg.py, filled with `db copy-to-postgres` from a seeded SQLite file). Three real
`python -m bot` processes (`tests.fakediscord.launch_bot`, forked from a warm `Zygote`) deliver them to
ONE loopback fake (in a process of its own, bench/_clusterfake.py) that answers every bot request after
--latency-ms and answers a global 429 to the 51st request in any one-second window (GlobalRateLimit).
Each process logs in with its own token only so that its share can be counted; all three are one
token's budget to the fake. Modes:

- budget: KNEADBOT_GLOBAL_RATE=48/--processes in each (16 for three, docs/scaling.md step 6);
- proxy: all three behind one @discordjs/proxy (tests/proxy, `cd tests/proxy && npm ci` first) at
  --proxy-rate requests/s (25, as tests/cluster/test_shared_budget_proxy.py and the docs advise; the
  processes keep their default pacing of 48/s).

The clock: the rows are seeded due in an hour; once all three processes have a gateway session and
their LISTEN connection (and 2 s more to finish their first look), the benchmark moves every row to
"due in --lead-s seconds" and NOTIFYs `kneadbot_checkins` in the same transaction, as the bot's own
services do, so all three are awake and asleep until the burst falls due. Time runs from that due moment
to each row's `sent_at` (the bot's own clock, the same host clock). The physical limit is the requests
the burst needs (one per check-in, one more per first-time member) / 50 s. Reported besides: requests
the fake saw, 429s, the busiest one-second window, check-ins stored twice at the fake ("doubles", must
be 0), each process's share of the stored messages, and the fake's own event-loop lag (p99).
No asserts; prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg

from bench._clusterfake import FakeHandle, fake_in_own_process
from bench._pg import fresh_database, server_url
from bench.checkins_drain import DM_CHANNEL_BASE, LIMIT_PER_SECOND, USER_BASE, first_time, seed
from tests.cluster.burst import token_of
from tests.fakediscord.process import BotProcess, Zygote, bot_environment
from tests.proxy.test_proxy import HERE as PROXY_DIR
from tests.proxy.test_proxy import proxy_in_front_of

PROCESSES = 3
"""The default; --processes 1 measures one process the same way (its fake out of process too)."""
BUDGET_ALL = 48.0
"""The token's budget shared out: KNEADBOT_GLOBAL_RATE = 48 / processes (16 each for three)."""
UP_TIMEOUT_S = 180.0
SETTLE_S = 2.0
LISTENERS = (
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kneadbot-listener' "
    "AND datname = current_database()"
)


async def wait_until_up(url: str, fake: FakeHandle, processes: int) -> float:
    """Until every process has a gateway session and a LISTEN connection; returns the seconds it took."""
    start = time.monotonic()
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(UP_TIMEOUT_S):
            while True:
                sessions = (await fake.call("counts"))["sessions"]
                if sessions >= processes and await connection.fetchval(LISTENERS) >= processes:
                    break
                await asyncio.sleep(0.2)
    finally:
        await connection.close()
    await asyncio.sleep(SETTLE_S)
    return time.monotonic() - start


async def fall_due(url: str, moment: datetime) -> None:
    """Every row due at `moment`, and every process woken to look again, in one transaction."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute("UPDATE checkins SET due_at = $1, deliver_at = $1", moment)
            await connection.execute("SELECT pg_notify('kneadbot_checkins', '')")
    finally:
        await connection.close()


async def wait_drained(url: str, total: int, limit_s: float) -> dict[str, int]:
    """Until no row is pending or sending; returns the count of each state."""
    connection = await asyncpg.connect(url)
    try:
        async with asyncio.timeout(limit_s):
            while True:
                states = dict(await connection.fetch("SELECT state, count(*) FROM checkins GROUP BY state"))
                if states.get("pending", 0) + states.get("sending", 0) == 0 and sum(states.values()) == total:
                    return states
                await asyncio.sleep(0.5)
    finally:
        await connection.close()


async def lateness(url: str, due: datetime) -> list[float]:
    connection = await asyncpg.connect(url)
    try:
        sent = await connection.fetch("SELECT sent_at FROM checkins WHERE state = 'sent' ORDER BY sent_at")
    finally:
        await connection.close()
    return [(row["sent_at"] - due).total_seconds() for row in sent]


async def start_processes(
    zygote: Zygote, port: int, url: str, workdir: Path, settings: dict[str, str], processes: int
) -> list[Any]:
    runs = []
    for process in range(processes):
        env = bot_environment(port, token=token_of(process), db_path=url, **settings)
        runs.append(await zygote.spawn(env, workdir / f"process-{process}.log"))
    return runs


EXPECTED_WARNINGS = ("PyNaCl is not installed", "davey is not installed", "slash commands differ", "Can't keep up")
"""Warnings every process logs against the fake, not about the burst: no voice libraries; the fake's
commands are not the bot's; and every 41 s discord.py's keep-alive thread reports the gateway "41.3s
behind" (the heartbeat interval): on loopback the fake's ACK arrives before that thread has recorded
when it sent the heartbeat, so it measures from the previous one."""


def log_problems(runs: list[BotProcess]) -> list[str]:
    lines = [line for run in runs for line in run.output.splitlines()]
    problems = [line for line in lines if " ERROR " in line or " WARNING " in line or "Traceback" in line]
    return [line for line in problems if not any(known in line for known in EXPECTED_WARNINGS)]


async def run_once(url: str, mode: str, args: argparse.Namespace, latency: float, workdir: Path) -> dict[str, Any]:
    count, share = args.checkins, args.first_time
    channels = [(USER_BASE + n, DM_CHANNEL_BASE + n) for n in range(count) if not first_time(n, share)]
    async with fake_in_own_process(latency, channels) as fake:
        if mode == "proxy":
            script = PROXY_DIR / "serve.mjs"
            shim: Any = SimpleNamespace(port=fake.port)  # proxy_in_front_of only reads the fake's port
            async with proxy_in_front_of(shim, script, per_second=args.proxy_rate) as api_base:
                return await drain(url, fake, {"KNEADBOT_DISCORD_API_URL": api_base}, args, workdir)
        return await drain(url, fake, {"KNEADBOT_GLOBAL_RATE": budget_each(args.processes)}, args, workdir)


def budget_each(processes: int) -> str:
    return f"{BUDGET_ALL / processes:g}"


async def drain(
    url: str, fake: FakeHandle, settings: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    await fall_due(url, datetime.now(UTC) + timedelta(hours=1))  # asleep until the benchmark says so
    zygote = await Zygote.start(workdir / "zygote.log")
    runs: list[BotProcess] = []
    try:
        runs = await start_processes(zygote, fake.port, url, workdir, settings, args.processes)
        up_s = await wait_until_up(url, fake, args.processes)
        await fake.call("reset")
        due = datetime.now(UTC) + timedelta(seconds=args.lead_s)
        due_monotonic = time.monotonic() + args.lead_s
        load_before = os.getloadavg()
        await fall_due(url, due)
        states = await wait_drained(url, args.checkins, limit_s=max(900.0, args.checkins * 0.2))
        load_after = os.getloadavg()
        late = await lateness(url, due)
        stats = await fake.call("stats", tokens=[token_of(p) for p in range(args.processes)], due=due_monotonic)
    finally:
        await asyncio.gather(*(run.stop() for run in runs))
        await zygote.close()
    return {
        **stats,
        "states": states,
        "up_s": up_s,
        "wall": late[-1] if late else float("nan"),
        "median_late": statistics.median(late) if late else float("nan"),
        "load": (load_before[0], load_after[0]),
        "problems": log_problems(runs),
    }


def row(latency_ms: float, mode: str, r: dict[str, Any], physical: float, args: argparse.Namespace) -> str:
    label = f"budget ({budget_each(args.processes)}/s each)" if mode == "budget" else f"proxy ({args.proxy_rate}/s)"
    shares = " / ".join(str(n) for n in r["message_posts"].values())
    return (
        f"| {latency_ms:.0f} ms | {label} | {r['wall']:.1f} | {r['wall'] / physical:.2f} | {r['requests']} "
        f"| {r['rejected']} | {r['busiest']} | {r['median_late']:.1f} | {r['wall']:.1f} | {r['doubles']} "
        f"| {shares} | {r['lag_p99_ms']:.1f} |"
    )


def details(r: dict[str, Any]) -> str:
    return (
        f"    rows {r['states']}, stored at the fake {r['stored']}, DM opens {r['dm_opens']}, "
        f"statuses {r['statuses']}, up in {r['up_s']:.1f} s, load average {r['load'][0]:.1f} -> {r['load'][1]:.1f}, "
        f"fake loop lag p50/p99/max {r['lag_p50_ms']:.1f}/{r['lag_p99_ms']:.1f}/{r['lag_max_ms']:.1f} ms, "
        f"log warnings/errors {len(r['problems'])}"
        + "".join(f"\n      {line[:200]}" for line in r["problems"][:5])
        + f"\n    seconds over 50 (s after due, requests): {r['over_limit'] or 'none'}"
        + f"\n    fake loop stalls > 100 ms (s after due, ms): {r['lag_spikes'] or 'none'}"
        + (f"\n    fake violations: {r['violations']}" if r["violations"] else "")
    )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", type=int, default=600)
    parser.add_argument("--processes", type=int, default=PROCESSES, help="bot processes (the budget is split)")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[50.0, 150.0])
    parser.add_argument("--first-time", type=float, default=0.2)
    parser.add_argument("--modes", nargs="+", choices=["budget", "proxy"], default=["budget"])
    parser.add_argument("--proxy-rate", type=int, default=25)
    parser.add_argument("--lead-s", type=float, default=2.0, help="from the NOTIFY to the moment the burst is due")
    parser.add_argument("--database-url", default=None)
    return parser.parse_args()


def main() -> None:
    args = parse()
    server = server_url(args.database_url)
    if server is None:
        raise SystemExit("PostgreSQL only: give --database-url or KNEADBOT_BENCH_DATABASE_URL")
    if "proxy" in args.modes and not (PROXY_DIR / "node_modules" / "@discordjs" / "proxy").is_dir():
        raise SystemExit("the proxy mode needs @discordjs/proxy: cd tests/proxy && npm ci")
    first_timers = sum(first_time(n, args.first_time) for n in range(args.checkins))
    physical = (args.checkins + first_timers) / LIMIT_PER_SECOND
    print(f"{args.checkins} check-ins, {first_timers} to first-time members; physical limit {physical:.1f} s")
    print(f"{args.processes} processes, one PostgreSQL, one fake enforcing {LIMIT_PER_SECOND} requests/s\n")
    print(
        "| round trip | shared how | wall s | × limit | requests | 429s | busiest second | median late s "
        "| last late s | doubles | messages per process | fake loop lag p99 ms |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite3"
        asyncio.run(seed(template, args.checkins, args.first_time))
        for latency_ms in args.latency_ms:
            for mode in args.modes:
                workdir = Path(tempfile.mkdtemp(prefix=f"cluster-drain-{mode}-", dir=tmp))
                with fresh_database(server, copy_from=template) as url:
                    r = asyncio.run(run_once(url, mode, args, latency_ms / 1000, workdir))
                print(row(latency_ms, mode, r, physical, args), flush=True)
                notes.append(f"- {latency_ms:.0f} ms, {mode}:\n{details(r)}")
    print("\n" + "\n".join(notes))


if __name__ == "__main__":
    main()
