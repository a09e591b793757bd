"""SQL for `posted_checks`: one public post per (checked message, FAQ answer), however often it is clicked."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage.db import as_db_time


async def claim(
    db: aiosqlite.Connection, guild_id: int, message_id: int, faq_id: str, posted_by: int, at: datetime
) -> bool:
    """True only for the one caller that may post; a later (or concurrent) claim finds the row and gets False."""
    cursor = await db.execute(
        "INSERT INTO posted_checks (guild_id, message_id, faq_id, posted_by, posted_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (message_id, faq_id) DO NOTHING",
        (guild_id, message_id, faq_id, posted_by, as_db_time(at)),
    )
    return cursor.rowcount == 1


async def release(db: aiosqlite.Connection, guild_id: int, message_id: int, faq_id: str) -> None:
    """Discord refused the post: forget the claim so that a moderator can try again."""
    await db.execute(
        "DELETE FROM posted_checks WHERE guild_id = ? AND message_id = ? AND faq_id = ?",
        (guild_id, message_id, faq_id),
    )
