"""`python -m bot doctor` shows when each housekeeping task last ran, and flags one whose last run failed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.jobs.housekeeping import Task, housekeeping_runner
from bot.metrics import Metrics
from bot.storage.db import open_database
from tests.cli import clean_env, run_bot
from tests.clock import FakeClock, utc


async def purge_three() -> str:
    return "removed 3 sessions past retention"


async def broken_purge() -> str:
    raise RuntimeError("disk full")


async def run_housekeeping(path: Path, *tasks: Task) -> None:
    database = await open_database(path)
    try:
        clock = FakeClock(utc(2026, 3, 2, 9, 0))
        runner = housekeeping_runner("test", database, tasks, clock=clock, metrics=Metrics(process_metrics=False))
        await runner.run_due()
    finally:
        await database.close()


def test_doctor_shows_when_each_purge_last_ran(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite3"
    env = clean_env(KNEADBOT_DB=str(path))
    assert "housekeeping" not in run_bot("doctor", env=env).stdout  # no database yet: nothing to show

    asyncio.run(run_housekeeping(path, Task("checkins-purge", purge_three)))
    doctor = run_bot("doctor", env=env).stdout
    assert "[ok  ] housekeeping:" in doctor
    assert (
        "checkins-purge: last ran 2026-03-02 09:00 UTC (removed 3 sessions past retention), next 2026-03-03 09:00 UTC"
    ) in doctor


def test_doctor_flags_a_purge_whose_last_run_failed(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite3"
    asyncio.run(run_housekeeping(path, Task("servers-purge", broken_purge)))
    doctor = run_bot("doctor", env=clean_env(KNEADBOT_DB=str(path))).stdout
    assert "[FAIL] housekeeping:" in doctor
    assert (
        "servers-purge: last ran 2026-03-02 09:00 UTC (error, retrying: RuntimeError), next 2026-03-02 09:01 UTC"
        in doctor
    )
    assert "fix: servers-purge failed: see the bot's log" in doctor
