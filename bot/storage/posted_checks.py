"""SQL for `posted_checks`: one public post per (checked message, FAQ answer), however often it is clicked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from bot.storage.db import Database
from bot.storage.schema import insert, posted_checks


async def claim(db: Database, guild_id: int, message_id: int, faq_id: str, posted_by: int, at: datetime) -> bool:
    """True only for the one caller that may post; a later (or concurrent) claim finds the row and gets False.

    ON CONFLICT DO NOTHING on the primary key: under PostgreSQL READ COMMITTED a concurrent insert of the
    same key waits for the other transaction and then does nothing, so two clicks never both get True.
    """
    statement = insert(db.dialect, posted_checks).values(
        guild_id=guild_id, message_id=message_id, faq_id=faq_id, posted_by=posted_by, posted_at=at
    )
    result = await db.write(statement.on_conflict_do_nothing(index_elements=["message_id", "faq_id"]))
    return result.rowcount == 1


async def release(db: Database, guild_id: int, message_id: int, faq_id: str) -> None:
    """Discord refused the post: forget the claim so that a moderator can try again."""
    await db.write(
        delete(posted_checks).where(
            posted_checks.c.guild_id == guild_id,
            posted_checks.c.message_id == message_id,
            posted_checks.c.faq_id == faq_id,
        )
    )
