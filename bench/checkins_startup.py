"""Start-up of the real bot with a backlog of pending check-ins, to "scheduler asleep", on both back-ends.

    .venv/bin/python -m bench.checkins_startup [--pending 10000] [--runs 3] [--backends sqlite postgres]
                                               [--database-url postgresql://...] [--guild-ready-timeout 2]

Full size: `--pending 100000`. Seeds --pending pending check-ins, all due 1-14 days from now (the
seeding of bench/checkins_scale.py with nothing due), plus an empty database for contrast. Then, in
--runs fresh processes per back-end and backlog, runs the real entry point (`python -m bench.launch_bot`
= `python -m bot` pointed at a loopback fake Discord in this process) on a fresh copy of the data:
a copied SQLite file, or a new PostgreSQL database filled with the bot's own `db copy-to-postgres`
code (bench/_pg.py; the server comes from --database-url or KNEADBOT_BENCH_DATABASE_URL, and is
skipped when neither is set). Each process is timed from spawn to each milestone it prints
(bench/launch_bot.py): launcher running, setup_hook done (database open and migrated, extensions
loaded), on_ready, the check-in runner's reconcile and first claim, and the check-ins runner's
`job_asleep` (it has looked at everything due and sleeps until the next due time): "scheduler asleep".
on_ready includes discord.py's guild_ready_timeout (2 s in production; --guild-ready-timeout).

Medians of --runs; no asserts; prints a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._fakeproc import TimedFake
from bench._pg import fresh_copy, server_url
from bench.checkins_scale import seed

ROOT = Path(__file__).resolve().parents[1]
MARK = "bench-launch: "
MILESTONES = ("main", "db-open-start", "db-open-end", "setup", "ready", "reconcile-end", "claim", "asleep-checkins")
LABELS = {
    "main": "launcher running",
    "db-open-start": "open_database called",
    "db-open-end": "database open and migrated",
    "setup": "setup_hook done",
    "ready": "on_ready",
    "reconcile-end": "reconcile done",
    "claim": "first claim done",
    "asleep-checkins": "**check-ins runner asleep**",
}


def launch_env(database: Path | str, fake: TimedFake, guild_ready_timeout: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN" and not k.startswith("KNEADBOT_")}
    env |= {
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": "fake-token",
        "KNEADBOT_LOG_LEVEL": "WARNING",
        "KNEADBOT_FAKE_API": fake.api_base,
        "KNEADBOT_FAKE_GATEWAY": fake.gateway_url,
        "KNEADBOT_FAKE_GUILD_READY_TIMEOUT": str(guild_ready_timeout),
    }
    if isinstance(database, Path):
        env["KNEADBOT_DB"] = str(database)
    else:
        env["KNEADBOT_DATABASE_URL"] = database
    return env


async def time_one(database: Path | str, workdir: Path, guild_ready_timeout: float) -> dict[str, float]:
    """Seconds from spawning the bot to each milestone; the process is stopped with SIGINT after."""
    fake = TimedFake(validate=False)
    await fake.start()
    start = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.launch_bot",
        cwd=workdir,
        env=launch_env(database, fake, guild_ready_timeout),
        stderr=asyncio.subprocess.PIPE,
    )
    stderr = process.stderr
    if stderr is None:
        raise RuntimeError("stderr was not piped")
    seen: dict[str, float] = {}
    asleep = asyncio.Event()
    lines: list[str] = []

    async def read_stderr() -> None:
        async for raw in stderr:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith(MARK):
                milestone, stamp = line[len(MARK) :].rsplit(" ", 1)
                seen[milestone] = float(stamp) - start
                if milestone == "asleep-checkins":
                    asleep.set()
            else:
                lines.append(line)

    reader = asyncio.create_task(read_stderr())
    try:
        async with asyncio.timeout(300):
            await asleep.wait()
    except TimeoutError:
        raise RuntimeError("the check-ins runner never went to sleep:\n" + "\n".join(lines[-20:])) from None
    finally:
        await stop(process)
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await fake.close()
    return seen


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            async with asyncio.timeout(15):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()


def measure(template: Path, backend: str, server: str | None, runs: int, timeout: float) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {name: [] for name in MILESTONES}
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-run-") as name:
        workdir = Path(name)
        for _ in range(runs):
            with fresh_copy(template, backend, server, workdir) as database:
                seen = asyncio.run(time_one(database, workdir, timeout))
            for milestone in MILESTONES:
                results[milestone].append(seen.get(milestone, float("nan")))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=10_000, help="pending check-ins (full size: 100000)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per back-end and backlog (median)")
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--database-url", help="PostgreSQL server for fresh databases (or KNEADBOT_BENCH_DATABASE_URL)")
    parser.add_argument("--guild-ready-timeout", type=float, default=2.0, help="discord.py's wait before on_ready")
    args = parser.parse_args()
    server = server_url(args.database_url)
    backends = [b for b in args.backends if b == "sqlite" or server is not None]
    if backends != args.backends:
        print("PostgreSQL skipped: set --database-url or KNEADBOT_BENCH_DATABASE_URL\n")
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-") as name:
        tmp = Path(name)
        templates = {0: tmp / "empty.sqlite3", args.pending: tmp / "pending.sqlite3"}
        now = datetime.now(UTC)  # the real bot runs on the real clock: every row is due tomorrow or later
        for pending, path in templates.items():
            seed(path, pending, 0, base=now)
        print(
            f"Spawn -> milestone, median of {args.runs} fresh processes, ms; guild_ready_timeout "
            f"{args.guild_ready_timeout} s; nothing due, so the first claim takes nothing.\n"
        )
        columns = [(backend, pending) for backend in backends for pending in templates]
        print("| milestone | " + " | ".join(f"{b}, {p:,} pending" for b, p in columns) + " |")
        print("| --- |" + " ---: |" * len(columns))
        table = {
            column: measure(templates[column[1]], column[0], server, args.runs, args.guild_ready_timeout)
            for column in columns
        }
        for milestone in MILESTONES:
            cells = [f"{statistics.median(table[column][milestone]) * 1000:.0f}" for column in columns]
            print(f"| {LABELS[milestone]} | " + " | ".join(cells) + " |")
        cells = []
        for column in columns:
            spans = [a - r for a, r in zip(table[column]["asleep-checkins"], table[column]["ready"], strict=True)]
            cells.append(f"{statistics.median(spans) * 1000:.1f}")
        print("| on_ready -> runner asleep | " + " | ".join(cells) + " |")
        cells = []
        for column in columns:
            spans = [e - s for e, s in zip(table[column]["db-open-end"], table[column]["db-open-start"], strict=True)]
            cells.append(f"{statistics.median(spans) * 1000:.1f}")
        print("| open_database (connect, check migrations) | " + " | ".join(cells) + " |")
        for column in columns:
            asleep = table[column]["asleep-checkins"]
            print(
                f"\n{column[0]}, {column[1]:,} pending: spawn -> asleep runs (ms): "
                + ", ".join(f"{s * 1000:.0f}" for s in asleep),
                end="",
            )
        print()


if __name__ == "__main__":
    main()
