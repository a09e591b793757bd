"""The two storage back-ends the tests run on, and a fresh, empty database on each.

PostgreSQL runs when KNEADBOT_TEST_DATABASE_URL is set (`.ci/run` starts a throwaway server and sets
it). Each xdist worker of each run creates its own database on that server (`kneadbot_test_gw0_<pid>`,
...), so neither workers nor two runs sharing one server see or drop each other's rows (it is dropped
when the run ends); before each test its `public` schema is dropped and made again, so every
test starts from nothing and migrates from scratch.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

URL_VARIABLE = "KNEADBOT_TEST_DATABASE_URL"
SKIP_REASON = f"PostgreSQL tests skipped: set {URL_VARIABLE} (bash .ci/postgres start DIR prints one)"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
_created: set[str] = set()


def server_url() -> str | None:
    return os.environ.get(URL_VARIABLE) or None


def fresh_location(backend: str, tmp_path: Path, config: pytest.Config) -> Path | str:
    if backend == "sqlite":
        return tmp_path / "k.sqlite3"
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return asyncio.run(_fresh_database(url, f"kneadbot_test_{worker}_{os.getpid()}"))


def drop_created_databases() -> None:
    """At the end of a run: drop the databases this process made, so a shared server does not fill up."""
    url = server_url()
    if url is None or not _created:
        return

    async def drop() -> None:
        admin = await asyncpg.connect(url)
        try:
            for name in sorted(_created):
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())
    _created.clear()


async def _fresh_database(server: str, name: str) -> str:
    """Create the worker's database once, then empty it: drop and recreate its public schema."""
    target = make_url(server).set(database=name).render_as_string(hide_password=False)
    if name not in _created:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        _created.add(name)
    connection = await asyncpg.connect(target)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    return target
