"""When each housekeeping task (the retention purges) last ran, for `python -m bot doctor`.

Read from the `housekeeping` table (migration 0007) on a reader connection, never migrating or writing,
so doctor stays safe to run every minute. A task whose last run failed is a finding to fix: the
retention promise ("kept at most N days") depends on it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.storage import housekeeping as housekeeping_sql
from bot.storage.db import is_postgres_url, open_database
from bot.storage.housekeeping import ScheduledTask

FAILED_PREFIXES = ("failed", "error")


def schedule(location: Path | str) -> list[ScheduledTask] | None:
    """Every task's row, or None when there is nothing to read (no database yet, or not migrated)."""
    if not is_postgres_url(location) and not Path(location).exists():
        return None

    async def run() -> list[ScheduledTask] | None:
        database = await open_database(location, apply_migrations=False)
        try:
            return await housekeeping_sql.schedule(database)
        except SQLAlchemyError:  # no housekeeping table yet: doctor's schema check already says so
            return None
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except (OSError, SQLAlchemyError):
        return None


def describe(task: ScheduledTask) -> str:
    """One line: "checkins-purge: last ran 2026-03-02 09:00 UTC (removed 3 sessions ...), next ..."."""
    ran = f"last ran {_when(task.last_run_at)} ({task.last_result})" if task.last_run_at else "has not run yet"
    running = f", running since {_when(task.claimed_at)}" if task.claimed_at is not None else ""
    return f"{task.name}: {ran}{running}, next {_when(task.next_run_at)}"


def has_failed(task: ScheduledTask) -> bool:
    return (task.last_result or "").startswith(FAILED_PREFIXES)


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
