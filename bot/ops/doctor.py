"""`python -m bot doctor`: check what an operator can get wrong, and say how to fix each thing.

It never prints the token, only whether one is set, and it does not change the database: a
health check must be safe to run every minute. With a token it asks Discord who the token belongs to
(one GET /users/@me with a short timeout), so a container's health check catches a revoked token.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import discord.http
from sqlalchemy.engine import make_url

from bot.library.loader import ContentError, load_content
from bot.ops import housekeeping, postgres
from bot.ops.database import DatabaseToolError, latest_version, readable_database, version_of, writable_folder
from bot.settings import Settings

DISCORD_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def __str__(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"[{mark}] {self.what}" + (f"\n       fix: {self.fix}" if self.fix else "")


def examine(settings: Settings) -> list[Finding]:
    checks: list[Callable[[Settings], Finding]] = [_token, _database, _content]
    return [check(settings) for check in checks] + _housekeeping(settings)


def _housekeeping(settings: Settings) -> list[Finding]:
    """When each retention purge last ran and how (nothing before the bot has first started)."""
    tasks = housekeeping.schedule(settings.database)
    if not tasks:
        return []
    lines = "\n       ".join(housekeeping.describe(task) for task in tasks)
    failed = [task.name for task in tasks if housekeeping.has_failed(task)]
    fix = f"{', '.join(failed)} failed: see the bot's log; it is tried again at its next time" if failed else ""
    return [Finding(not failed, f"housekeeping:\n       {lines}", fix)]


def _token(settings: Settings) -> Finding:
    if settings.discord_token is None:
        return Finding(False, "DISCORD_TOKEN is not set (the bot would open the console)", "set DISCORD_TOKEN")
    return check_token_with_discord(settings.discord_token.get_secret_value())


def check_token_with_discord(token: str, base_url: str | None = None) -> Finding:
    """GET /users/@me at discord.py's API base (tests point it at a local fake); 401 means a bad token."""
    request = urllib.request.Request(  # noqa: S310 - the URL is discord.py's https API base
        f"{base_url or discord.http.Route.BASE}/users/@me",
        headers={"Authorization": f"Bot {token}", "User-Agent": "kneadbot-doctor (python urllib)"},
    )
    try:
        with urllib.request.urlopen(request, timeout=DISCORD_TIMEOUT_SECONDS) as response:  # noqa: S310
            me = json.loads(response.read())
    except urllib.error.HTTPError as error:
        if error.code == 401:
            return Finding(False, "Discord refused DISCORD_TOKEN (401)", "copy a new token from the Developer Portal")
        return Finding(False, f"Discord answered {error.code} when checking DISCORD_TOKEN", "try again later")
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Finding(False, f"could not reach Discord to check DISCORD_TOKEN: {reason}", "check the network")
    return Finding(True, f"DISCORD_TOKEN is set and Discord accepts it (bot user {me.get('username', '?')})")


def _database(settings: Settings) -> Finding:
    """The folder must take a new file (tried, not guessed), and an existing file must pass quick_check."""
    if settings.database_url is not None:
        return _postgres(settings.database_url.get_secret_value())
    path = Path(settings.db)
    try:
        writable_folder(path.parent)
        if not path.exists():
            return Finding(True, f"database {path} will be created at first start (its folder is writable)")
        readable_database(path, thorough=True)
        current = version_of(path)
    except DatabaseToolError as error:
        return Finding(False, str(error), "see above; python -m bot db restore replaces a damaged file")
    except sqlite3.DatabaseError as error:
        return Finding(False, f"database {path} cannot be read: {error}", "restore a backup: python -m bot db restore")
    latest = latest_version()
    if current > latest:
        return Finding(False, f"database is at schema {current}, newer than this code ({latest})", "upgrade kneadbot")
    if current < latest:
        return Finding(False, f"database is at schema {current} of {latest}", "run: python -m bot db migrate")
    return Finding(True, f"database {path} is writable, passes quick_check and is at schema {current}")


def _postgres(url: str) -> Finding:
    """PostgreSQL: the server answers for this URL, and the schema is this code's (or can be migrated)."""
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        current = postgres.version(url)
    except DatabaseToolError as error:
        return Finding(False, str(error), "check KNEADBOT_DATABASE_URL and that the server is running")
    latest = postgres.latest_version()
    if current > latest:
        return Finding(False, f"database is at schema {current}, newer than this code ({latest})", "upgrade kneadbot")
    if current < latest:
        return Finding(False, f"PostgreSQL {shown} is at schema {current} of {latest}", "run: python -m bot db migrate")
    return Finding(True, f"PostgreSQL {shown} answers and is at schema {current}")


def _content(settings: Settings) -> Finding:
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        first = error.problems[0] if error.problems else "unknown problem"
        return Finding(
            False, f"content has {len(error.problems)} problem(s), first: {first}", "python -m bot content check"
        )
    return Finding(True, f"content valid ({len(content.tips)} tips, {len(content.faq)} FAQ entries)")
