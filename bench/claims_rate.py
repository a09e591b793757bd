"""Durable claims per second on PostgreSQL with 1, 3 and 8 claimer processes, and no row claimed twice.

    .venv/bin/python -m bench.claims_rate [--rows 5000] [--processes 1 3 8] [--batch 20] [--runs 1]
                                          [--database-url postgresql://...]

Full size: `--rows 20000`. For each process count, a new PostgreSQL database (bench/_pg.py: on the
server given by --database-url or KNEADBOT_BENCH_DATABASE_URL, dropped afterwards) is filled with
--rows due check-ins (one per member, seeded in SQLite and copied with `db copy-to-postgres`). Then
that many real OS processes (multiprocessing, spawn), each with its own `Database` (its own asyncpg
pools), wait at one barrier and then do what the job runner does per batch, as fast as they can:
`CheckinDelivery.claim_due(now, --batch)` (the storage layer's `claim_due` UPDATE ... FOR UPDATE SKIP
LOCKED plus `load_due`, in one transaction), then settle each claimed row with
`CheckinDelivery.mark_sent` (one transaction each), until a claim comes back empty. No Discord.

Rate = rows claimed and settled / seconds from the barrier to the last process finishing. The check:
every process reports the ids it claimed; no id may appear twice across processes, every row must be
claimed once, and afterwards every row is `sent` and none is left `sending`. Discord's global limit is
50 requests/s per bot token, so anything far above 50 rows/s means the database is never the limit.
This machine has 2 cores shared by the claimers, PostgreSQL and other work: 8 processes contend for them.

No asserts on timings; prints a markdown table (and "DOUBLE CLAIMS" loudly if the check fails).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import queue
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench._pg import fresh_database, server_url
from bench.checkins_scale import seed
from bot.checkins.delivery import CheckinDelivery
from bot.storage.db import open_database
from bot.storage.schema import checkins

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = BASE + timedelta(hours=1)
"""The claimers' clock: every seeded row is due."""
DISCORD_GLOBAL_LIMIT = 50


def claimer(url: str, batch: int, settle: bool, barrier: Barrier, results: Any) -> None:
    """One claimer process: claim (and settle) until nothing is left; report ids and times."""
    results.put(asyncio.run(_claim_all(url, batch, settle, barrier)))


async def _claim_all(url: str, batch: int, settle: bool, barrier: Barrier) -> dict[str, Any]:
    db = await open_database(url)
    delivery = CheckinDelivery(db, clock=lambda: NOW)
    claimed: list[int] = []
    claims = 0
    try:
        await delivery.next_due_at()  # connect before the barrier: the pools open lazily
        await asyncio.to_thread(barrier.wait)
        start = time.perf_counter()
        while due := await delivery.claim_due(NOW, batch):
            claims += 1
            for one in due:
                claimed.append(one.checkin_id)
                if settle:
                    await delivery.mark_sent(one.checkin_id, channel_id=1, message_id=one.checkin_id)
        end = time.perf_counter()
    finally:
        await db.close()
    return {"ids": claimed, "claims": claims, "start": start, "end": end}


async def _states(url: str) -> dict[str, int]:
    db = await open_database(url)
    try:
        counted = select(checkins.c.state, func.count()).group_by(checkins.c.state)
        return {str(state): int(count) for state, count in (await db.read(counted)).all()}
    finally:
        await db.close()


class ClaimerDied(RuntimeError):
    """A claimer process ended without reporting (e.g. its connections were terminated on a shared server)."""


def run_once(template: Path, server: str, rows: int, processes: int, batch: int, settle: bool) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    with fresh_database(server, copy_from=template) as url:
        barrier = context.Barrier(processes + 1)
        results = context.Queue()
        workers = [
            context.Process(target=claimer, args=(url, batch, settle, barrier, results), name=f"claimer-{n}")
            for n in range(processes)
        ]
        for worker in workers:
            worker.start()
        try:
            barrier.wait(timeout=120)
            released = time.perf_counter()
            reports = collect(results, workers)
        finally:
            for worker in workers:
                worker.join(30)
                if worker.is_alive():
                    worker.terminate()
        states = asyncio.run(_states(url))
    seconds = max(r["end"] for r in reports) - released
    counts = Counter(i for r in reports for i in r["ids"])
    doubled = sum(1 for n in counts.values() if n > 1)
    return {
        "seconds": seconds,
        "rate": rows / seconds,
        "claims": sum(r["claims"] for r in reports),
        "per_process": sorted(len(r["ids"]) for r in reports),
        "doubled": doubled,
        "missing": rows - len(counts),
        "states": states,
        "ok": doubled == 0 and len(counts) == rows and states == {"sent" if settle else "sending": rows},
    }


def collect(results: Any, workers: list[Any], timeout: float = 600) -> list[dict[str, Any]]:
    """Every claimer's report; raises ClaimerDied as soon as one has exited without sending its report."""
    reports: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(reports) < len(workers):
        try:
            reports.append(results.get(timeout=1))
        except queue.Empty:
            died = [w.name for w in workers if w.exitcode not in (None, 0)]
            if died or time.monotonic() > deadline:
                raise ClaimerDied(f"claimers {died or 'timed out'}; see their traceback on stderr") from None
    return reports


def measured(template: Path, server: str, args: argparse.Namespace, processes: int, settle: bool) -> dict[str, Any]:
    """One run, tried again (up to twice) when a claimer died of something outside the benchmark."""
    for attempt in range(3):
        try:
            return run_once(template, server, args.rows, processes, args.batch, settle)
        except ClaimerDied as error:
            print(f"(run with {processes} claimers discarded, attempt {attempt + 1}: {error})", flush=True)
    raise RuntimeError("three runs in a row lost a claimer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000, help="due check-ins to claim (full size: 20000)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 3, 8], help="claimer process counts")
    parser.add_argument("--batch", type=int, default=20, help="rows per claim")
    parser.add_argument("--runs", type=int, default=1, help="runs per process count (median rate)")
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=["settle", "claim"],
        default=["settle", "claim"],
        help="settle: claim and mark_sent each row (the runner's work); claim: claims only (rows stay sending)",
    )
    parser.add_argument("--database-url", help="PostgreSQL server for fresh databases (or KNEADBOT_BENCH_DATABASE_URL)")
    args = parser.parse_args()
    server = server_url(args.database_url)
    if server is None:
        parser.error("needs PostgreSQL: --database-url or KNEADBOT_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-") as name:
        template = Path(name) / "due.sqlite3"
        seed(template, args.rows, args.rows, base=BASE)
        print(f"{args.rows:,} due check-ins, claims of {args.batch}\n")
        print(
            "| work | claimer processes | runs | rows/s (median) | × Discord's 50/s | seconds | claims | "
            "rows per process | claimed twice | never claimed | states after | check |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |")
        for mode, processes in itertools.product(args.modes, args.processes):
            settle = mode == "settle"
            runs = [measured(template, server, args, processes, settle) for _ in range(args.runs)]
            middle = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]
            rate = statistics.median(r["rate"] for r in runs)
            check = "ok" if all(r["ok"] for r in runs) else "**DOUBLE CLAIMS OR LOST ROWS**"
            work = "claim + mark_sent" if settle else "claim only"
            doubled, missing = sum(r["doubled"] for r in runs), sum(r["missing"] for r in runs)
            print(
                f"| {work} | {processes} | {len(runs)} | {rate:,.0f} | {rate / DISCORD_GLOBAL_LIMIT:.0f}× | "
                f"{middle['seconds']:.1f} | {middle['claims']} | {', '.join(map(str, middle['per_process']))} | "
                f"{doubled} | {missing} | {middle['states']} | {check} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
