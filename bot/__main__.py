"""Start kneadbot: the Discord bot when DISCORD_TOKEN is set, the offline console in a terminal when it is not.

python -m bot                    run (bot with a token; console without one, in a terminal only)
python -m bot console            the console, even with a token set or input from a pipe
python -m bot --version          the version
python -m bot content check      validate content/*.yaml and list every problem
python -m bot doctor             check configuration, database and content; say what to fix
python -m bot db backup PATH     online backup of the database (safe while the bot runs)
python -m bot db restore PATH    replace the database with a checked backup (stop the bot first)
python -m bot db check           SQLite integrity check
python -m bot db migrate         apply pending migrations
python -m bot db copy-to-postgres URL   copy a stopped bot's SQLite file into an empty PostgreSQL database
python -m bot sync [--guild ID]  publish slash commands to Discord (globally, or to one server)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# Only what every mode needs is imported here; each mode imports the rest (discord.py, the content, the
# search engine, the database layer) itself, so `--version`, `db check` or `doctor` start in a fraction of
# the time the bot takes.
from bot.log import get_logger, setup_logging
from bot.settings import Settings, SettingsError, load_settings, version

if TYPE_CHECKING:
    from bot.app import KneadBot
    from bot.library.library import Library
    from bot.library.loader import Content

log = get_logger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="kneadbot: a safety-first Discord bot for leg massage. "
        "Without DISCORD_TOKEN it opens an offline console.",
    )
    parser.add_argument("--version", action="version", version=f"kneadbot {version()}")
    modes = parser.add_subparsers(dest="mode", metavar="MODE")
    modes.add_parser("run", help="run the bot (the default; the console when DISCORD_TOKEN is not set)")
    modes.add_parser("console", help="the offline console, reading commands from the terminal or a pipe")
    content = modes.add_parser("content", help="work with content/*.yaml")
    content.add_argument("action", choices=["check"], help="check: validate every file and list problems")
    modes.add_parser("doctor", help="check configuration, database and content, and say what to fix")
    db = modes.add_parser("db", help="database tools: backup PATH, restore PATH, check, migrate, copy-to-postgres URL")
    db.add_argument("action", choices=["backup", "restore", "check", "migrate", "copy-to-postgres"])
    db.add_argument(
        "path", nargs="?", help="the backup file (backup, restore), or the PostgreSQL URL (copy-to-postgres)"
    )
    sync = modes.add_parser("sync", help="publish slash commands to Discord (needs DISCORD_TOKEN)")
    sync.add_argument("--guild", type=int, help="sync to this server only (instant) instead of globally")
    return parser


NO_TOKEN = "kneadbot: DISCORD_TOKEN is not set; run with a token, or run in a terminal for the offline console"  # noqa: S105 - a message, not a secret


SHARDS_NEED_POSTGRES = (
    "kneadbot: KNEADBOT_SHARD_IDS needs KNEADBOT_DATABASE_URL (PostgreSQL): the other shards run in other"
    " processes, and they can only share one PostgreSQL database, not a SQLite file"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one mode; Ctrl-C and a closed output pipe (`| head -1`) end it quietly, without a traceback."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away: point stdout at /dev/null so the interpreter's final flush cannot complain.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"kneadbot: bad configuration: {error}", file=sys.stderr)
        return 2
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    setup_logging(settings.log_level, secrets=(token,), json_lines=settings.log_format == "json")
    if args.mode == "content":
        return check_content(settings)
    if args.mode == "doctor":
        return run_doctor(settings)
    if args.mode == "db":
        return run_db_tool(settings, args.action, args.path, parser)
    if args.mode == "sync" and not token:
        print("kneadbot: sync needs DISCORD_TOKEN", file=sys.stderr)
        return 2
    if args.mode not in ("console", "sync") and not token and not sys.stdin.isatty():
        print(NO_TOKEN, file=sys.stderr)  # under compose or systemd: say so instead of exiting 0 forever
        return 2
    runs_bot = args.mode not in ("console", "sync") and bool(token)
    if runs_bot and settings.shards is not None and settings.database_url is None:
        print(SHARDS_NEED_POSTGRES, file=sys.stderr)
        return 2
    content = read_content(settings)  # before the database: a release with broken content migrates nothing
    if content is None:
        return 1
    if runs_bot and not database_ready(settings):
        return 1
    library = build_library(content)
    if args.mode == "sync":
        return asyncio.run(sync_commands(settings, library, token, args.guild))
    if not runs_bot:
        from bot.console import run_console

        run_console(library, settings=settings)
        return 0
    return asyncio.run(run_bot(settings, library, token))


def read_content(settings: Settings) -> Content | None:
    """The checked content, or None having said what is wrong. Cheap (a few hundred ms), so it runs
    before the database is migrated: otherwise a release whose content is broken would migrate, exit,
    and leave a schema its predecessor refuses (SchemaTooNewError) for the rollback."""
    from bot.library.loader import ContentError, load_content

    try:
        return load_content(settings.content_dir)
    except ContentError as error:
        print(f"kneadbot: content has problems, fix them first:\n{error}", file=sys.stderr)
        return None


def build_library(content: Content) -> Library:
    """The search engine over `content` (loads the embedding model): after every refusal above."""
    from bot.library.library import Library

    return Library(content)


def database_ready(settings: Settings) -> bool:
    """Migrate before building the search engine or logging in, so a database problem stops start-up
    at once, offline, in one line; False once it has said what is wrong."""
    from bot.ops import database, postgres
    from bot.storage.db import SchemaTooNewError, open_database

    async def open_and_close(path: Path) -> None:
        await (await open_database(path)).close()

    try:
        if settings.database_url is None:
            database.usable(settings.db)  # read-only checks first: a damaged file is left exactly as it is
            asyncio.run(open_and_close(settings.db))
        else:
            postgres.migrate(settings.database_url.get_secret_value())
    except (SchemaTooNewError, database.DatabaseToolError) as error:
        print(f"kneadbot: {error}", file=sys.stderr)
        return False
    except (OSError, sqlite3.Error) as error:
        print(f"kneadbot: {database.explain(settings.db, error)}", file=sys.stderr)
        return False
    return True


def check_content(settings: Settings) -> int:
    from bot.library.content_rules import check_content_dir
    from bot.library.loader import ContentError

    try:
        content = check_content_dir(settings.content_dir)
    except ContentError as error:
        for problem in error.problems:
            print(problem)
        print(f"{len(error.problems)} problem(s) in {settings.content_dir}", file=sys.stderr)
        return 1
    print(
        f"content OK: {len(content.tips)} tips, {len(content.faq)} FAQ entries, "
        f"{len(content.guides)} guides, {len(content.safety.questions)} safety questions"
    )
    return 0


def run_doctor(settings: Settings) -> int:
    from bot.ops.doctor import examine

    findings = examine(settings)
    for finding in findings:
        print(finding)
    return 0 if all(f.ok for f in findings) else 1


def run_db_tool(settings: Settings, action: str, argument: str | None, parser: argparse.ArgumentParser) -> int:
    from bot.ops import database

    path = None if argument is None else Path(argument)
    try:
        if action == "copy-to-postgres":
            return _copy_to_postgres(settings, argument, parser)
        if settings.database_url is not None:
            return _postgres_tool(settings.database_url.get_secret_value(), action, path, parser)
        return _db_tool(settings, action, path, parser)
    except database.DatabaseToolError as error:
        print(f"kneadbot: {error}", file=sys.stderr)
    except (OSError, sqlite3.Error) as error:
        print(f"kneadbot: {database.explain(path or settings.db, error)}", file=sys.stderr)
    return 1


def _copy_to_postgres(settings: Settings, url: str | None, parser: argparse.ArgumentParser) -> int:
    from bot.ops import postgres

    if url is None or not url.startswith(("postgresql://", "postgres://")):
        parser.error("db copy-to-postgres needs the PostgreSQL URL, e.g. postgresql://kneadbot@localhost/kneadbot")
    copied = postgres.copy_to_postgres(settings.db, url)
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")
    print(f"copied {settings.db} to PostgreSQL; row counts match in every table. Now set KNEADBOT_DATABASE_URL.")
    return 0


def _postgres_tool(url: str, action: str, path: Path | None, parser: argparse.ArgumentParser) -> int:
    from bot.ops import postgres

    if action == "check":
        problems = postgres.check(url)
        print("\n".join(problems))
        return 0 if problems == ["ok"] else 1
    if action == "migrate":
        print(f"database at schema version {postgres.migrate(url)}")
        return 0
    if path is None:
        parser.error(f"db {action} needs a PATH")
    if action == "backup":
        postgres.backup(url, path)
        print(f"backed up the PostgreSQL database to {path} with pg_dump")
        return 0
    raise postgres.restore_advice(path)


def _db_tool(settings: Settings, action: str, path: Path | None, parser: argparse.ArgumentParser) -> int:
    from bot.ops import database

    if action == "check":
        problems = database.integrity(settings.db)
        print("\n".join(problems))
        return 0 if problems == ["ok"] else 1
    if action == "migrate":
        print(f"database at schema version {database.migrate(settings.db)}")
        return 0
    if path is None:
        parser.error(f"db {action} needs a PATH")
    if action == "backup":
        database.backup(settings.db, path)
        print(f"backed up {settings.db} to {path}")
    else:
        database.restore(path, settings.db)
        print(f"restored {settings.db} from {path}")
    return 0


async def run_bot(settings: Settings, library: Library, token: str) -> int:
    """Log in and run until stopped; the database was made ready first (`database_ready`)."""
    import discord

    from bot.app import create_bot
    from bot.metrics import MetricsServerError, serving_metrics

    try:
        async with create_bot(settings, library) as bot:
            stop_on_signals(bot)
            with serving_metrics(bot.metrics.registry, settings.metrics_port):
                await bot.start(token)
    except MetricsServerError as error:
        print(f"kneadbot: {error}", file=sys.stderr)
        return 1
    except discord.LoginFailure:
        print("kneadbot: Discord refused DISCORD_TOKEN; check the token in the Developer Portal", file=sys.stderr)
        return 2
    return 0


def stop_on_signals(bot: KneadBot) -> None:
    """SIGTERM (docker stop, systemctl stop) and Ctrl-C close the bot cleanly: the gateway, the
    schedulers' graceful stop and the database, instead of the process ending mid-write."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _close, bot, signum.name)


def _close(bot: KneadBot, signal_name: str) -> None:
    log.info("%s received: shutting down", signal_name)
    task = asyncio.get_running_loop().create_task(bot.close(), name="shutdown")
    _SHUTDOWN.add(task)
    task.add_done_callback(_SHUTDOWN.discard)


_SHUTDOWN: set[asyncio.Task[None]] = set()


async def sync_commands(settings: Settings, library: Library, token: str, guild_id: int | None) -> int:
    """Log in over HTTP only (no gateway, no background jobs) and publish the command tree."""
    import discord

    from bot.app import create_bot

    async with create_bot(settings, library, background_jobs=False) as bot:
        await bot.login(token)
        guild = discord.Object(guild_id) if guild_id else None
        if guild is not None:
            bot.tree.copy_global_to(guild=guild)
        synced = await bot.tree.sync(guild=guild)
    where = f"server {guild_id}" if guild_id else "all servers (global; may take up to an hour to show)"
    print(f"synced {len(synced)} commands to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
