"""What the restart-safe buttons need from the services, as small Protocols.

The UI never imports the bot (that made bot/app.py and bot/ui import each other) and never asks the
client for a service: a cog hands its own services to the buttons it registers (bot/ui/binding.py),
and this module says what those services must offer. Tests can hand in anything that fits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from bot.checkins.models import Answer, CheckinSummary, LoggedSession
from bot.guilds.models import GuildTip, TipPage
from bot.library.models import CheckinTexts, FaqEntry, Guide, SafetyCheck


class ModeratorCheck(Protocol):
    async def check_moderator(self, guild_id: int | None, *, has_manage_guild: bool, role_ids: Collection[int]) -> int:
        """The guild id when the member may act as a moderator there; raises a KneadError otherwise."""
        ...


class CheckPosts(Protocol):
    """Posting a checked answer once per message (GuildService's posted_checks claim)."""

    async def claim_check_post(self, guild_id: int, actor_id: int, message_id: int, faq_id: str) -> bool: ...
    async def release_check_post(self, guild_id: int, message_id: int, faq_id: str) -> None: ...


class CheckinActions(Protocol):
    """The answers on a check-in (CheckinService)."""

    async def record_soreness(self, checkin_id: int, user_id: int, level: int) -> Answer: ...
    async def record_warning_signs(self, checkin_id: int, user_id: int) -> Answer: ...
    async def snooze(self, checkin_id: int, user_id: int) -> CheckinSummary: ...
    async def schedule_follow_up(self, checkin_id: int, user_id: int) -> CheckinSummary: ...


class MemberDataActions(Protocol):
    """The consent and erase prompts (CheckinService)."""

    async def agree_and_log(self, pending_id: int, user_id: int) -> LoggedSession: ...
    async def decline(self, pending_id: int, user_id: int) -> bool: ...
    async def delete_member_data(self, user_id: int) -> bool: ...


class ServerTipActions(Protocol):
    """Paging and removing a server's own tips (GuildTipService)."""

    async def list_page(self, guild_id: int, page: int = 1) -> TipPage: ...
    async def remove(self, guild_id: int, actor_id: int, tip_id: int) -> GuildTip: ...


class Content(Protocol):
    """The checked content the buttons show (Library)."""

    @property
    def guides(self) -> Sequence[Guide]: ...
    @property
    def safety(self) -> SafetyCheck: ...
    @property
    def checkin_texts(self) -> CheckinTexts: ...
    def faq_entry(self, faq_id: str) -> FaqEntry | None: ...
