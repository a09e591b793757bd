"""What the guild services hand out: plain frozen values, built by bot/storage, shown by bot/ui."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models.guilds import TIP_ID_PREFIX, AuditAction, AuditEntry, GuildConfig, GuildTip, TipFields

__all__ = ["TIP_ID_PREFIX", "AuditAction", "AuditEntry", "GuildConfig", "GuildTip", "TipFields"]


@dataclass(frozen=True)
class TipPage:
    """One page of /tips list: `number` counts from 1, and there is always at least one page."""

    tips: tuple[GuildTip, ...]
    number: int
    total_pages: int
    total_tips: int
