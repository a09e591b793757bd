"""`python -m bot doctor`: check what an operator can get wrong, and say how to fix each thing.

It never prints the token, only whether one is set, and it does not change the database: a
health check must be safe to run every minute.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.library.loader import ContentError, load_content
from bot.ops.database import latest_version, version_of
from bot.settings import Settings


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
    return [check(settings) for check in checks]


def _token(settings: Settings) -> Finding:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        return Finding(False, "DISCORD_TOKEN is not set (the bot would open the console)", "set DISCORD_TOKEN")
    return Finding(True, "DISCORD_TOKEN is set")


def _database(settings: Settings) -> Finding:
    path = Path(settings.db)
    folder = path.parent
    if not path.exists():
        existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
        if os.access(existing, os.W_OK):
            return Finding(True, f"database {path} will be created at first start")
        return Finding(False, f"cannot create the database in {folder}", "create the folder or set KNEADBOT_DB")
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        return Finding(False, f"database {path} is not writable", "fix the file and folder permissions")
    try:
        current = version_of(path)
    except sqlite3.DatabaseError as error:
        return Finding(False, f"database {path} cannot be read: {error}", "restore a backup: python -m bot db restore")
    latest = latest_version()
    if current > latest:
        return Finding(False, f"database is at schema {current}, newer than this code ({latest})", "upgrade kneadbot")
    if current < latest:
        return Finding(False, f"database is at schema {current} of {latest}", "run: python -m bot db migrate")
    return Finding(True, f"database {path} is writable and at schema {current}")


def _content(settings: Settings) -> Finding:
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        first = error.problems[0] if error.problems else "unknown problem"
        return Finding(
            False, f"content has {len(error.problems)} problem(s), first: {first}", "python -m bot content check"
        )
    return Finding(True, f"content valid ({len(content.tips)} tips, {len(content.faq)} FAQ entries)")
