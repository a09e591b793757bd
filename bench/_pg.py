"""A fresh PostgreSQL database per benchmark run, on a server the operator names, dropped afterwards.

    KNEADBOT_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres  (or --database-url)

The URL names the server and a database to connect to for CREATE/DROP DATABASE (usually `postgres`);
nothing in that database is touched. Each run gets `kneadbot_bench_<pid>_<n>`, so runs never see
each other's rows or another run's dead tuples, and it is dropped (WITH FORCE) when the run ends.
Filling it from a seeded SQLite file uses the bot's own `db copy-to-postgres` code, then ANALYZE, as
autovacuum would do soon after a real copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.ops.postgres import copy_to_postgres

URL_VARIABLE = "KNEADBOT_BENCH_DATABASE_URL"
_numbers = itertools.count(1)


def server_url(given: str | None) -> str | None:
    """--database-url, else KNEADBOT_BENCH_DATABASE_URL, else None (PostgreSQL runs are skipped)."""
    return given or os.environ.get(URL_VARIABLE) or None


async def _admin(server: str, sql: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _analyze(url: str) -> None:
    await _admin(url, "ANALYZE")


@contextlib.contextmanager
def fresh_database(server: str, *, copy_from: Path | None = None) -> Iterator[str]:
    """Yield the URL of a new, empty database (or one holding `copy_from`'s rows); drop it afterwards."""
    name = f"kneadbot_bench_{os.getpid()}_{next(_numbers)}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        if copy_from is not None:
            copy_to_postgres(copy_from, url)
            asyncio.run(_analyze(url))
        yield url
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_copy(template: Path, backend: str, server: str | None, workdir: Path) -> Iterator[Path | str]:
    """The template's rows in a database no run has touched: a copied file or a new PostgreSQL database."""
    if backend == "sqlite":
        copy = workdir / "run.sqlite3"
        shutil.copyfile(template, copy)
        try:
            yield copy
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        return
    if server is None:
        raise RuntimeError("PostgreSQL needs --database-url or KNEADBOT_BENCH_DATABASE_URL")
    with fresh_database(server, copy_from=template) as url:
        yield url
