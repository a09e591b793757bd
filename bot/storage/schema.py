"""The tables as SQLAlchemy Core objects: one query set for SQLite and PostgreSQL.

The migrations in `migrations/sqlite/` and `migrations/postgres/` create these tables (a test checks that
both dialects yield the columns declared here); these objects only build statements, they never create
anything. Two column types carry the dialect difference, written once:

- `Moment`: an aware UTC datetime. TEXT in SQLite (ISO text written by `as_db_time`, so comparing text
  compares moments, and today's files need no data migration); `timestamptz` in PostgreSQL.
- `LocalDate`: a calendar date. TEXT (ISO) in SQLite, `date` in PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Column,
    Date,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine

metadata = MetaData()


def as_db_time(moment: datetime) -> str:
    """One sortable UTC text format for every time stored in SQLite, so comparisons in SQL are correct."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored: attach a time zone first")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class Moment(TypeDecorator[datetime]):
    """An aware datetime, stored as UTC text in SQLite and as timestamptz in PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(TIMESTAMP(timezone=True))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored: attach a time zone first")
            return value
        return as_db_time(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return from_db_time(str(value))


class LocalDate(TypeDecorator[date]):
    """A calendar date: ISO text in SQLite, `date` in PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Date())
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: date | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> date | None:
        if value is None or isinstance(value, date):
            return value
        return date.fromisoformat(str(value))


Id = BigInteger().with_variant(Integer(), "sqlite")
"""Snowflakes and row ids: bigint in PostgreSQL; INTEGER (64-bit, and the rowid alias) in SQLite."""


def insert(dialect_name: str, table: Table) -> Any:
    """INSERT with ON CONFLICT support (`on_conflict_do_nothing`, `on_conflict_do_update`) for the dialect."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


members = Table(
    "members",
    metadata,
    Column("user_id", Id, primary_key=True, autoincrement=False),
    Column("consented_at", Moment, nullable=False),
    Column("timezone", String, nullable=False),
    Column("quiet_start", String),
    Column("quiet_end", String),
    Column("dm_channel_id", Id),
    Column("dms_closed_at", Moment),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, nullable=False),
    Column("area", String, nullable=False),
    Column("intensity", String, nullable=False),
    Column("note", String),
    Column("guild_id", Id),
    Column("channel_id", Id),
    Column("logged_at", Moment, nullable=False),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, nullable=False),
    Column("session_id", Id, nullable=False),
    Column("follow_up_of", Id),
    Column("state", String, nullable=False),
    Column("due_at", Moment, nullable=False),
    Column("deliver_at", Moment, nullable=False),
    Column("snoozes", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", Moment),
    Column("claimed_by", Id),  # 0008: the owner (bot/storage/cluster.py) whose claim this is
    Column("sent_at", Moment),
    Column("channel_id", Id),
    Column("message_id", Id),
    Column("problem", String),
    Column("notified_at", Moment),
    Column("created_at", Moment, nullable=False),
    Column("route_guild_id", Id),
)

answers = Table(
    "answers",
    metadata,
    Column("checkin_id", Id, primary_key=True, autoincrement=False),
    Column("user_id", Id, nullable=False),
    Column("soreness", Integer),
    Column("answered_at", Moment),
    Column("warning_signs_at", Moment),
)

guild_config = Table(
    "guild_config",
    metadata,
    Column("guild_id", Id, primary_key=True, autoincrement=False),
    Column("mod_role_id", Id),
    Column("log_channel_id", Id),
    Column("left_at", Moment),
    Column("created_at", Moment, nullable=False),
)

guild_tips = Table(
    "guild_tips",
    metadata,
    Column("id", Id, primary_key=True),
    Column("guild_id", Id, nullable=False),
    Column("topic", String, nullable=False),
    Column("text", String, nullable=False),
    Column("source_name", String, nullable=False),
    Column("source_url", String, nullable=False),
    Column("author_id", Id, nullable=False),
    Column("created_at", Moment, nullable=False),
    Column("edited_at", Moment),
)

daily_tip_schedules = Table(
    "daily_tip_schedules",
    metadata,
    Column("guild_id", Id, primary_key=True, autoincrement=False),
    Column("channel_id", Id, nullable=False),
    Column("post_time", String, nullable=False),
    Column("timezone", String, nullable=False),
    Column("state", String, nullable=False),
    Column("next_local_date", LocalDate),
    Column("next_run_at", Moment),
    Column("disabled_reason", String),
    Column("disabled_at", Moment),
    Column("set_by", Id, nullable=False),
    Column("set_at", Moment, nullable=False),
)

daily_tip_posts = Table(
    "daily_tip_posts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("guild_id", Id, nullable=False),
    Column("local_date", LocalDate, nullable=False),
    Column("state", String, nullable=False),
    Column("channel_id", Id, nullable=False),
    Column("tip_id", String, nullable=False),
    Column("nonce", String, nullable=False),
    Column("claimed_at", Moment, nullable=False),
    Column("posted_at", Moment),
    Column("message_id", Id),
    Column("problem", String),
    Column("attempts", Integer, nullable=False),
    Column("retry_at", Moment),
    Column("claimed_by", Id),  # 0008: the owner (bot/storage/cluster.py) whose claim this is
)

daily_tip_cycle = Table(
    "daily_tip_cycle",
    metadata,
    Column("guild_id", Id, primary_key=True, autoincrement=False),
    Column("tip_id", String, primary_key=True),
    Column("used_at", Moment, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("guild_id", Id, nullable=False),
    Column("actor_id", Id),
    Column("action", String, nullable=False),
    Column("detail", String, nullable=False),
    Column("created_at", Moment, nullable=False),
)

pending_logs = Table(
    "pending_logs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("user_id", Id, nullable=False),
    Column("area", String, nullable=False),
    Column("intensity", String, nullable=False),
    Column("delay_seconds", Integer, nullable=False),
    Column("note", String),
    Column("guild_id", Id),
    Column("channel_id", Id),
    Column("created_at", Moment, nullable=False),
    Column("session_id", Id),
)

posted_checks = Table(
    "posted_checks",
    metadata,
    Column("guild_id", Id, nullable=False),
    Column("message_id", Id, primary_key=True, autoincrement=False),
    Column("faq_id", String, primary_key=True),
    Column("posted_by", Id, nullable=False),
    Column("posted_at", Moment, nullable=False),
)

housekeeping = Table(
    "housekeeping",
    metadata,
    Column("name", String, primary_key=True),
    Column("next_run_at", Moment, nullable=False),
    Column("claimed_at", Moment),
    Column("attempts", Integer, nullable=False),
    Column("last_run_at", Moment),
    Column("last_result", String),
)

COPY_ORDER = (
    members,
    sessions,
    checkins,
    answers,
    pending_logs,
    guild_config,
    guild_tips,
    daily_tip_schedules,
    daily_tip_posts,
    daily_tip_cycle,
    audit_log,
    posted_checks,
    housekeeping,
)
"""Every table, parents before children (foreign-key order), for `db copy-to-postgres`."""
