"""SQL for `guild_tips`: a server's own tips. Every statement is scoped by guild_id, even by-id ones,
so one server can never read, change or remove another server's tip by guessing its number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy import insert as sql_insert
from sqlalchemy import update as sql_update
from sqlalchemy.engine import RowMapping

from bot.models.guilds import GuildTip, TipFields
from bot.storage.db import Database
from bot.storage.schema import guild_tips


def _fields(fields: TipFields) -> dict[str, str]:
    return {
        "topic": fields.topic,
        "text": fields.text,
        "source_name": fields.source_name,
        "source_url": fields.source_url,
    }


async def insert(db: Database, guild_id: int, fields: TipFields, *, author_id: int, at: datetime) -> GuildTip:
    statement = sql_insert(guild_tips).values(guild_id=guild_id, author_id=author_id, created_at=at, **_fields(fields))
    return _tip((await db.write(statement.returning(guild_tips))).mappings().one())


async def update(db: Database, guild_id: int, tip_id: int, fields: TipFields, *, at: datetime) -> GuildTip | None:
    statement = (
        sql_update(guild_tips)
        .where(guild_tips.c.guild_id == guild_id, guild_tips.c.id == tip_id)
        .values(edited_at=at, **_fields(fields))
        .returning(guild_tips)
    )
    row = (await db.write(statement)).mappings().first()
    return None if row is None else _tip(row)


async def delete(db: Database, guild_id: int, tip_id: int) -> GuildTip | None:
    statement = (
        sql_delete(guild_tips).where(guild_tips.c.guild_id == guild_id, guild_tips.c.id == tip_id).returning(guild_tips)
    )
    row = (await db.write(statement)).mappings().first()
    return None if row is None else _tip(row)


async def get(db: Database, guild_id: int, tip_id: int) -> GuildTip | None:
    statement = select(guild_tips).where(guild_tips.c.guild_id == guild_id, guild_tips.c.id == tip_id)
    row = (await db.read(statement)).mappings().first()
    return None if row is None else _tip(row)


async def count(db: Database, guild_id: int) -> int:
    statement = select(func.count()).select_from(guild_tips).where(guild_tips.c.guild_id == guild_id)
    return int((await db.read(statement)).scalar_one())


async def page(db: Database, guild_id: int, *, offset: int, limit: int) -> list[GuildTip]:
    statement = (
        select(guild_tips)
        .where(guild_tips.c.guild_id == guild_id)
        .order_by(guild_tips.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_tip(row) for row in (await db.read(statement)).mappings()]


async def all_for(db: Database, guild_id: int) -> list[GuildTip]:
    statement = select(guild_tips).where(guild_tips.c.guild_id == guild_id).order_by(guild_tips.c.id)
    return [_tip(row) for row in (await db.read(statement)).mappings()]


def _tip(row: RowMapping) -> GuildTip:
    return GuildTip(
        id=row["id"],
        guild_id=row["guild_id"],
        fields=TipFields(
            text=row["text"], topic=row["topic"], source_name=row["source_name"], source_url=row["source_url"]
        ),
        author_id=row["author_id"],
        created_at=row["created_at"],
        edited_at=row["edited_at"],
    )
