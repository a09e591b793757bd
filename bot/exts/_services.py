"""Build the services an extension needs from the bot's database, clock and settings.

Each extension builds its own in its setup (nothing is looked up on the bot, which holds only the
database, settings, content, clock and metrics). Services that change a server write to an audit
trail; every trail's committed entries become the bot event `audit_recorded`, so the servers cog
mirrors what any cog recorded without knowing which one.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from bot.app import KneadBot
from bot.checkins.service import CheckinService
from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService


def audit_trail(bot: KneadBot) -> AuditTrail:
    audit = AuditTrail(bot.database.writer, clock=bot.clock, reader=bot.database.reader)
    audit.recorded.add(functools.partial(bot.dispatch, "audit_recorded"))
    return audit


def guild_service(bot: KneadBot, audit: AuditTrail) -> GuildService:
    return GuildService(bot.database.writer, audit=audit, clock=bot.clock, reader=bot.database.reader)


def guild_tip_service(bot: KneadBot, audit: AuditTrail) -> GuildTipService:
    return GuildTipService(bot.database.writer, audit=audit, clock=bot.clock, reader=bot.database.reader)


def daily_tip_service(bot: KneadBot, audit: AuditTrail) -> DailyTipService:
    db, library = bot.database, bot.library
    return DailyTipService(db.writer, builtin_tips=lambda: library.tips, audit=audit, clock=bot.clock, reader=db.reader)


def checkin_service(bot: KneadBot) -> CheckinService:
    return CheckinService(
        bot.database.writer,
        clock=bot.clock,
        min_delay=timedelta(seconds=bot.settings.min_checkin_delay),
        retention_days=bot.settings.retention_days,
        reader=bot.database.reader,
    )
