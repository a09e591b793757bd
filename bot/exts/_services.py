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
    audit = AuditTrail(bot.database, clock=bot.clock)
    audit.recorded.add(functools.partial(bot.dispatch, "audit_recorded"))
    return audit


def guild_service(bot: KneadBot, audit: AuditTrail) -> GuildService:
    return GuildService(bot.database, audit=audit, clock=bot.clock, shards=bot.settings.shards)


def guild_tip_service(bot: KneadBot, audit: AuditTrail) -> GuildTipService:
    return GuildTipService(bot.database, audit=audit, clock=bot.clock)


def daily_tip_service(bot: KneadBot, audit: AuditTrail) -> DailyTipService:
    library = bot.library
    return DailyTipService(
        bot.database, builtin_tips=lambda: library.tips, audit=audit, clock=bot.clock, shards=bot.settings.shards
    )


def checkin_service(bot: KneadBot) -> CheckinService:
    return CheckinService(
        bot.database,
        clock=bot.clock,
        min_delay=timedelta(seconds=bot.settings.min_checkin_delay),
        retention_days=bot.settings.retention_days,
    )
