"""Recovery check-ins at scale, on SQLite and on PostgreSQL: start-up, memory, tick cost, CPU per delivery.

    .venv/bin/python -m bench.checkins_scale [--pending 20000] [--deliver 2000] [--runs 3] [--ticks 500]
                                             [--delivery-runs 3] [--backends sqlite postgres]
                                             [--database-url postgresql://...] [--fake process|inline]

Full size: `--pending 100000 --deliver 10000`. Seeds members, sessions and check-ins on the real
schema in a SQLite template (`open_database` runs the migrations, then `executemany` fills the
tables). Check-in k belongs to member k % (pending / 4); the first --deliver are due at BASE, the
rest between 1 and 14 days later. Every member has a cached DM channel id that the fake knows.
Every measurement runs on a fresh copy of the template: a copied file, or for PostgreSQL a new
database (bench/_pg.py, on the server given by --database-url or KNEADBOT_BENCH_DATABASE_URL; skipped
when neither is set) filled with the bot's own `db copy-to-postgres` code and ANALYZEd.

1. In-process start-up to ready with --pending pending, each design in --runs fresh processes (median):
   - "scheduler" (the bot's design): open_database + CheckinService (with its CheckinDelivery) +
     the JobRunner over CheckinJob + the first next_due_at().
   - "task per reminder" (the alternative, `TaskPerReminder` below): open_database, load every
     pending row, one asyncio task each that sleeps until the row is due, and one loop pass so every
     task has armed its timer.
   Memory: VmRSS from /proc/self/status after imports and gc.collect(), then after ready (growth),
   and VmHWM (peak) minus the same baseline. (The real bot, from spawn to "scheduler asleep", is
   bench/checkins_startup.py.)
2. Scheduler tick with nothing due: claim_due(now, 50) + next_due_at(), --ticks times, on the
   --pending rows and on 1,000 rows for contrast; wall time, and this process's CPU time per tick
   (the database server's own CPU is not in it).
3. Delivery: the real KneadBot connected to the loopback fake (in its own process by default), its
   clock moved so --deliver rows are due, then the real JobRunner and CheckinCourier deliver them (one
   DM each, up to 10 in flight, the fake answering at once). The figure is the bot process's CPU time
   (every thread, aiosqlite's worker included) per delivered check-in, median of --delivery-runs: CPU
   time, not wall time, so other processes on the machine do not inflate it. The bot's REST pacing
   (48 requests/s) is off unless --paced: it is waiting, not work. Wall time and the fake's handler
   time are shown beside it.

No asserts; prints markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import func, select, update

import bot.ratelimit as bot_ratelimit
from bench._pg import fresh_copy, server_url
from bot.checkins.delivery import CheckinJob, due_checkin
from bot.checkins.models import DueCheckin
from bot.checkins.service import CheckinService
from bot.jobs.outcomes import Outcome, RetryLater
from bot.jobs.runner import JobRunner
from bot.metrics import Metrics
from bot.storage import checkins as checkins_sql
from bot.storage.db import Database, as_db_time, open_database
from bot.storage.schema import checkins
from bot.storage.transactions import transaction
from tests.sql import fetch_all

ROOT = Path(__file__).resolve().parents[1]
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""Due time of the first --deliver check-ins; the others come 1 to 14 days later."""
BEFORE = BASE - timedelta(hours=1)
"""Clock for start-up and ticks: nothing is due yet."""
AFTER = BASE + timedelta(hours=1)
"""Clock for delivery: exactly --deliver rows are due."""
DM_CHANNEL_BASE = 1_360_000_000_000_000_000
USER_BASE = 1_350_000_000_000_000_000
GUILD_ID, CHANNEL_ID = 1_300_000_000_000_000_001, 1_300_000_000_000_000_101  # the fake's default guild
ZONES = ("UTC", "Europe/London", "America/New_York", "Asia/Tokyo")


class Clock:
    """The services' clock, moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rss_mb(field: str = "VmRSS") -> float:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(match[1]) / 1024 if match else float("nan")


# ---------------------------------------------------------------------------------------- seeding


def seed(path: Path, pending: int, due: int, *, base: datetime = BASE) -> float:
    """Create `path` with the real schema and `pending` pending check-ins; returns seconds taken.

    The first `due` are due at `base`, the rest 1 to 14 days after it.
    """
    start = time.perf_counter()
    asyncio.run(_migrate(path))
    rng = random.Random(7)
    members = max(pending // 4, min(due, pending), 1)
    long_ago = as_db_time(base - timedelta(days=1))
    member_rows = []
    for n in range(members):
        quiet = ("22:00", "07:00") if n % 5 == 0 else (None, None)
        member_rows.append((USER_BASE + n, long_ago, ZONES[n % len(ZONES)], *quiet, DM_CHANNEL_BASE + n))
    session_rows, checkin_rows = [], []
    areas, intensities = ("feet", "calves", "thighs", "whole-legs"), ("light", "medium", "firm", "deep")
    for k in range(pending):
        user_id = USER_BASE + k % members
        if k < due:
            deliver_at = base - timedelta(seconds=(due - k) * 0.1)
        else:
            deliver_at = base + timedelta(days=1) + timedelta(seconds=rng.uniform(0, 13 * 86_400))
        at = as_db_time(deliver_at)
        session_rows.append((k + 1, user_id, areas[k % 4], intensities[k % 4], GUILD_ID, CHANNEL_ID, long_ago))
        checkin_rows.append((k + 1, user_id, k + 1, at, at, long_ago))
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO members (user_id, consented_at, timezone, quiet_start, quiet_end, dm_channel_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            member_rows,
        )
        db.executemany(
            "INSERT INTO sessions (id, user_id, area, intensity, guild_id, channel_id, logged_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            session_rows,
        )
        db.executemany(
            "INSERT INTO checkins (id, user_id, session_id, due_at, deliver_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            checkin_rows,
        )
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


async def _migrate(path: Path) -> None:
    db = await open_database(path)
    await db.close()


def due_members(pending: int, due: int) -> list[tuple[int, int]]:
    members = max(pending // 4, min(due, pending), 1)
    return [(USER_BASE + k % members, DM_CHANNEL_BASE + k % members) for k in range(due)]


# ---------------------------------------------------------------------------------------- designs


async def start_scheduler(path: Path | str, clock: Clock) -> tuple[Database, object]:
    """The bot's design, as far as `ready`: the database is the queue, one task sleeps until next_due_at."""
    db = await open_database(path)
    service = CheckinService(db, clock=clock)

    class NoSender:
        async def send(self, _due: DueCheckin) -> Outcome:
            return RetryLater("benchmark")

        resend = send

    runner = JobRunner(CheckinJob(service.delivery, Metrics(process_metrics=False)), NoSender(), clock=clock)
    await service.delivery.next_due_at()
    return db, runner


class TaskPerReminder:
    """The alternative: every pending row in memory as one asyncio task that sleeps until it is due.

    Minimal but complete enough to be fair: it keeps the tasks by check-in id (cancel, snooze and
    time-zone changes need to find them), and a task that wakes claims its own row with the same
    guarded UPDATE as the bot, then hands it to `deliver`.
    """

    def __init__(self, db: Database, deliver: Callable[[DueCheckin], Awaitable[None]], *, clock: Clock) -> None:
        self._db, self._deliver, self._clock = db, deliver, clock
        self.tasks: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> int:
        statement = select(checkins.c.id, checkins.c.deliver_at).where(checkins.c.state == "pending")
        for checkin_id, deliver_at in (await self._db.read(statement)).all():
            self.schedule(checkin_id, deliver_at)
        await asyncio.sleep(0)  # one loop pass: every task runs up to its sleep, so its timer is armed
        return len(self.tasks)

    def schedule(self, checkin_id: int, deliver_at: datetime) -> None:
        self.tasks[checkin_id] = asyncio.create_task(self._wait(checkin_id, deliver_at))

    async def _wait(self, checkin_id: int, deliver_at: datetime) -> None:
        await asyncio.sleep(max((deliver_at - self._clock()).total_seconds(), 0))
        self.tasks.pop(checkin_id, None)
        now = self._clock()
        async with transaction(self._db):
            claim = (
                update(checkins)
                .where(checkins.c.id == checkin_id, checkins.c.state == "pending")
                .values(state="sending", claimed_at=now, attempts=checkins.c.attempts + 1)
                .returning(checkins.c.id)
            )
            claimed = [int(found) for found in (await self._db.write(claim)).scalars()]
            due = await checkins_sql.load_due(self._db, claimed)
        for one in due:
            await self._deliver(due_checkin(one))


async def start_tasks(path: Path | str, clock: Clock) -> tuple[Database, object]:
    db = await open_database(path)

    async def deliver(_due: DueCheckin) -> None:
        return None

    design = TaskPerReminder(db, deliver, clock=clock)
    await design.start()
    return db, design


DESIGNS = {"scheduler": start_scheduler, "tasks": start_tasks}


async def child_startup(design: str, path: Path | str) -> dict[str, float]:
    """Runs in a fresh process: time and memory from nothing to ready."""
    gc.collect()
    before, start = rss_mb(), time.perf_counter()
    db, keep = await DESIGNS[design](path, Clock(BEFORE))
    seconds = time.perf_counter() - start
    after, peak = rss_mb(), rss_mb("VmHWM")
    result = {"seconds": seconds, "rss_before": before, "growth": after - before, "peak_growth": peak - before}
    del keep
    await db.close()
    return result


def startup_in_subprocess(design: str, path: Path | str) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.checkins_scale", "--child", design, "--db", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------- ticks


async def ticks(path: Path | str, count: int) -> dict[str, list[float]]:
    clock = Clock(BEFORE)
    db = await open_database(path)
    delivery = CheckinService(db, clock=clock).delivery
    timings: dict[str, list[float]] = {"claim_due": [], "next_due_at": [], "tick": [], "cpu": []}
    try:
        await delivery.next_due_at()  # connect first: the engines open their connections lazily
        for _ in range(count):
            cpu = time.process_time()
            start = time.perf_counter()
            claimed = await delivery.claim_due(clock(), 50)
            middle = time.perf_counter()
            next_due = await delivery.next_due_at()
            end = time.perf_counter()
            timings["cpu"].append((time.process_time() - cpu) * 1000)
            if claimed or next_due is None:
                raise RuntimeError("the tick benchmark expects nothing due and something pending")
            timings["claim_due"].append((middle - start) * 1000)
            timings["next_due_at"].append((end - middle) * 1000)
            timings["tick"].append((end - start) * 1000)
        plans = {}
        for name, sql in {
            "next_due_at": "SELECT min(deliver_at) FROM checkins WHERE state = 'pending'",
            "claim_due": "SELECT id FROM checkins WHERE state = 'pending' AND deliver_at <= ? ORDER BY deliver_at, id"
            " LIMIT 50",
        }.items():
            explain = "EXPLAIN" if db.is_postgres else "EXPLAIN QUERY PLAN"
            rows = await fetch_all(db, f"{explain} {sql}", *((clock(),) if "?" in sql else ()))
            plans[name] = "; ".join(str(row[-1]).strip() for row in rows)
        timings["plans"] = plans  # type: ignore[assignment]
    finally:
        await db.close()
    return timings


# ---------------------------------------------------------------------------------------- delivery


def build_bot(settings: Any, library: Any, clock: Clock, *, paced: bool) -> Any:
    """The test harness's KneadBot; unless `paced`, its REST pacing (bot/ratelimit.py, 48 requests/s) is
    switched off for this bot as bench/checkins_drain.py does, so 10,000 deliveries take seconds, not
    208 s: pacing is waiting, not work, and the benchmark measures the work (CPU per delivery)."""
    from tests.exts.harness import TestKneadBot

    original = bot_ratelimit.strict_pace
    if not paced:
        bot_ratelimit.strict_pace = lambda _per_second: AsyncLimiter(1_000_000, 1)
    try:
        return TestKneadBot(settings, library, clock=clock)
    finally:
        bot_ratelimit.strict_pace = original


async def deliver_through_bot(
    path: Path | str,
    pending: int,
    due: int,
    fake_mode: str,
    validate: bool,
    *,
    amortise: bool = False,
    paced: bool = False,
) -> dict[str, Any]:
    from bench._fakeproc import connected, cpu_seconds, running_fake
    from tests.exts.harness import make_settings, real_library

    clock = Clock(BEFORE)
    async with running_fake(fake_mode, validate=validate) as fake:
        await fake.call("add_dm_channels", pairs=due_members(pending, due))
        bot = build_bot(make_settings(path, amortise_bucket_sweep=amortise), real_library(), clock, paced=paced)
        async with connected(bot, fake):
            cog: Any = bot.get_cog("Checkins")
            runner: JobRunner[DueCheckin] = cog.runner
            asleep = bot.wait_for("job_asleep", check=lambda name, _until: name == "checkins", timeout=10)
            runner.wake()  # the runner may already be asleep: wake it and wait for it to settle again
            await asleep
            done = asyncio.Event()
            finished: list[float] = []
            original = runner.job.observe

            def counting(one: DueCheckin, settled: Any) -> None:  # the runner observes each settled delivery once
                original(one, settled)
                finished.append(time.perf_counter())
                if len(finished) >= due:
                    done.set()

            runner.job.observe = counting  # type: ignore[method-assign]
            await asyncio.sleep(0.2)
            gc.collect()
            rss_before = rss_mb()
            await fake.call("counters", reset=True)
            cpu_before, start = cpu_seconds(), time.perf_counter()
            clock.now = AFTER
            runner.wake()
            await asyncio.wait_for(done.wait(), timeout=600)
            wall = time.perf_counter() - start
            cpu = cpu_seconds() - cpu_before
            fake_counters = await fake.call("counters")
            rss_after = rss_mb()
            counted = select(checkins.c.state, func.count()).group_by(checkins.c.state)
            states = {str(state): int(count) for state, count in (await bot.database.read(counted)).all()}
            violations = await fake.call("violations")
    return {
        "mode": fake_mode,
        "delivered": len(finished),
        "finished": [t - start for t in finished],
        "wall": wall,
        "cpu": cpu,
        "fake_busy": fake_counters["busy_seconds"],
        "fake_requests": fake_counters["handled"],
        "rss_growth": rss_after - rss_before,
        "states": states,
        "violations": violations,
    }


# ---------------------------------------------------------------------------------------- report


def median_of(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def verdict(value: float, target: float) -> str:
    return "yes" if value < target else "**no**"


def report_startup(template: Path | str, pending: int, runs: int, backend: str) -> list[str]:
    startup: dict[str, list[dict[str, float]]] = {name: [] for name in DESIGNS}
    for _ in range(runs):
        for name in DESIGNS:
            startup[name].append(startup_in_subprocess(name, template))
    s_time, t_time = median_of(startup["scheduler"], "seconds"), median_of(startup["tasks"], "seconds")
    s_mem, t_mem = median_of(startup["scheduler"], "growth"), median_of(startup["tasks"], "growth")
    s_peak, t_peak = median_of(startup["scheduler"], "peak_growth"), median_of(startup["tasks"], "peak_growth")
    print(f"In-process start-up with {pending:,} pending, {backend} (median of {runs} fresh processes each)\n")
    print("| design | start-up to ready ms | RSS growth MB | peak RSS growth MB |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| scheduler (the bot) | {s_time * 1000:.1f} | {s_mem:.1f} | {s_peak:.1f} |")
    print(f"| task per reminder | {t_time * 1000:.1f} | {t_mem:.1f} | {t_peak:.1f} |")
    print(
        f"| ratio (tasks / scheduler) | {t_time / s_time:.0f}x | {t_mem / max(s_mem, 0.1):.0f}x | "
        f"{t_peak / max(s_peak, 0.1):.0f}x |\n"
    )
    return [
        f"| {backend}: in-process start-up with {pending:,} pending < 2 s | {s_time * 1000:.0f} ms "
        f"| {verdict(s_time, 2)} |",
        f"| {backend}: memory growth < 50 MB | {s_mem:.1f} MB (peak {s_peak:.1f}) "
        f"| {verdict(max(s_mem, s_peak), 50)} |",
    ]


def report_ticks(files: list[tuple[int, Path]], count: int, tmp: Path, backend: str, server: str | None) -> None:
    print(f"Scheduler tick with nothing due, {backend} ({count} ticks)\n")
    print(
        "| back-end | pending rows | claim_due p50 ms | next_due_at p50 ms | tick p50 ms | tick p99 ms "
        "| bench process CPU per tick p50 ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    plans: dict[str, str] = {}
    for rows, path in files:
        with fresh_copy(path, backend, server, tmp) as location:
            timed = asyncio.run(ticks(location, count))
        plans = timed.pop("plans")  # type: ignore[assignment]
        print(
            f"| {backend} | {rows:,} | {statistics.median(timed['claim_due']):.3f} | "
            f"{statistics.median(timed['next_due_at']):.3f} | {statistics.median(timed['tick']):.3f} | "
            f"{pct(timed['tick'], 99):.3f} | {statistics.median(timed['cpu']):.3f} |"
        )
    print("\nQuery plans: " + " | ".join(f"{name}: {plan}" for name, plan in plans.items()) + "\n")


def report_delivery(template: Path, args: argparse.Namespace, due: int, backend: str, server: str | None) -> list[str]:
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-run-") as name:
        for _ in range(args.delivery_runs):
            with fresh_copy(template, backend, server, Path(name)) as location:
                runs.append(
                    asyncio.run(
                        deliver_through_bot(
                            location,
                            args.pending,
                            due,
                            args.fake,
                            args.validate,
                            amortise=args.amortized_sweep,
                            paced=args.paced,
                        )
                    )
                )
    variant = (", KNEADBOT_AMORTISE_BUCKET_SWEEP=true" if args.amortized_sweep else "") + (
        ", paced at 48/s" if args.paced else ", unpaced"
    )
    print(f"Delivering {due:,} due check-ins through the real runner and courier, {backend}")
    print(f"(fake: {args.fake}{variant})\n")
    whose = "bot" if args.fake == "process" else "bot+fake process"
    print(
        f"| back-end | run | delivered | wall s | {whose} CPU ms per delivery | wall ms per delivery | "
        f"fake handler ms per delivery | fake requests per delivery | {whose} RSS growth MB | rows after |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    cpu_per = []
    for number, delivered in enumerate(runs, 1):
        n = delivered["delivered"]
        cpu = delivered["cpu"] * 1000 / n
        cpu_per.append(cpu)
        print(
            f"| {backend} | {number} | {n:,} | {delivered['wall']:.1f} | {cpu:.2f} | "
            f"{delivered['wall'] * 1000 / n:.2f} | {delivered['fake_busy'] * 1000 / n:.2f} | "
            f"{delivered['fake_requests'] / n:.2f} | {delivered['rss_growth']:.1f} | {delivered['states']} |"
        )
        if delivered["violations"]:
            print(f"Fake reported: {delivered['violations'][:3]}")
    median = statistics.median(cpu_per)
    print(f"\n{backend}: median {whose} CPU ms per delivery over {len(runs)} runs: **{median:.2f}**")
    for number, delivered in enumerate(runs, 1):
        tenth = max(delivered["delivered"] // 10, 1)
        marks = [0.0, *delivered["finished"][tenth - 1 :: tenth]]
        steps = [(b - a) * 1000 / tenth for a, b in itertools.pairwise(marks)]
        print(f"Run {number}, wall ms per delivery in each tenth: {', '.join(f'{x:.2f}' for x in steps)}")
    print()
    target = " < 2 ms" if backend == "sqlite" else " (report beside SQLite)"
    return [
        f"| {backend}: bot CPU per delivery{target} | {median:.2f} ms (median of {len(runs)}) | "
        f"{verdict(median / 1000, 0.002) if backend == 'sqlite' else 'n/a'} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=20_000, help="pending check-ins (full size: 100000)")
    parser.add_argument("--deliver", type=int, default=2_000, help="how many of them are due (full size: 10000)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per start-up design (default 3)")
    parser.add_argument("--ticks", type=int, default=500, help="scheduler ticks timed (default 500)")
    parser.add_argument("--delivery-runs", type=int, default=3, help="delivery runs per back-end (median CPU)")
    parser.add_argument("--fake", choices=["process", "inline"], default="process", help="where the fake runs")
    parser.add_argument("--validate", action="store_true", help="the fake validates request bodies (slower fake)")
    parser.add_argument("--paced", action="store_true", help="keep the bot's 48 requests/s pacing (slow: N/48 s)")
    parser.add_argument("--skip-startup", action="store_true", help="skip the in-process start-up section")
    parser.add_argument("--skip-ticks", action="store_true", help="skip the tick section")
    parser.add_argument("--skip-delivery", action="store_true", help="skip the delivery section")
    parser.add_argument(
        "--amortized-sweep",
        action="store_true",
        help="run the bot with KNEADBOT_AMORTISE_BUCKET_SWEEP=true (bot/http_buckets.py)",
    )
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--database-url", help="PostgreSQL server for fresh databases (or KNEADBOT_BENCH_DATABASE_URL)")
    parser.add_argument("--child", choices=sorted(DESIGNS), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        location = args.db if args.db.startswith("postgresql://") else Path(args.db)
        print(json.dumps(asyncio.run(child_startup(args.child, location))))
        return
    server = server_url(args.database_url)
    backends = [b for b in args.backends if b == "sqlite" or server is not None]
    if backends != args.backends:
        print("PostgreSQL skipped: set --database-url or KNEADBOT_BENCH_DATABASE_URL\n")
    due = min(args.deliver, args.pending)
    targets: list[str] = []
    with tempfile.TemporaryDirectory(prefix="kneadbot-bench-") as name:
        tmp = Path(name)
        template = tmp / "template.sqlite3"
        seconds = seed(template, args.pending, due)
        size = template.stat().st_size / 2**20
        print(f"Seeded {args.pending:,} pending check-ins ({due:,} due) in {seconds:.1f} s; file {size:.1f} MB.\n")
        small = tmp / "small.sqlite3"
        seed(small, 1_000, 0)
        for backend in backends:
            if not args.skip_startup:
                with fresh_copy(template, backend, server, tmp) as location:
                    targets += report_startup(location, args.pending, args.runs, backend)
            if not args.skip_ticks:
                report_ticks([(args.pending, template), (1_000, small)], args.ticks, tmp, backend, server)
            if not args.skip_delivery and due:
                targets += report_delivery(template, args, due, backend, server)
    print("\n| target | measured | met |\n| --- | ---: | --- |")
    print("\n".join(targets))


if __name__ == "__main__":
    main()
