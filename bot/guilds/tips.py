"""GuildTipService: a server's own tips, which join the built-in ones in that server only.

Moderators refer to a tip as server-<id>. Every lookup is by (guild_id, id), so a moderator in one
server gets the same "no such tip" for another server's tip as for one that never existed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from pydantic import ValidationError

from bot.clock import Clock, utc_now
from bot.guilds.audit import AuditTrail
from bot.guilds.errors import GuildTipNotFound, TooManyTips
from bot.guilds.models import TIP_ID_PREFIX, AuditAction, GuildTip, TipPage
from bot.guilds.tip_input import clean_tip
from bot.library.models import Source, Tip
from bot.log import get_logger
from bot.storage import guild_tips as tips_sql
from bot.storage import guilds as guilds_sql
from bot.storage.db import Database
from bot.storage.transactions import transaction

MAX_TIPS_PER_GUILD = 500
PAGE_SIZE = 10

_TIP_REF = re.compile(rf"(?:{TIP_ID_PREFIX})?([0-9]{{1,18}})", re.ASCII | re.IGNORECASE)

log = get_logger(__name__)


def parse_tip_ref(text: str) -> int:
    """The number in "server-12" (or a bare "12"), as typed or picked from autocomplete."""
    match = _TIP_REF.fullmatch(text.strip())
    if match is None:
        raise GuildTipNotFound()
    return int(match[1])


class GuildTipService:
    """Add, edit, remove and list a server's tips; every change is audited in the same transaction."""

    def __init__(
        self,
        db: Database,
        *,
        audit: AuditTrail,
        clock: Clock = utc_now,
        max_tips: int = MAX_TIPS_PER_GUILD,
        reader: Database | None = None,
    ) -> None:
        """`reader` serves the read-only queries; `db` does the writes.

        It defaults to `db`, whose reads outside a transaction already use its reader engine.
        """
        self._db, self._audit, self._clock, self.max_tips = db, audit, clock, max_tips
        self._read = reader if reader is not None else db

    async def add(
        self, guild_id: int, actor_id: int, *, text: str, topic: str, source_name: str, source_url: str
    ) -> GuildTip:
        """Check and store a new tip; TooManyTips once the server has `max_tips`."""
        fields = clean_tip(text=text, topic=topic, source_name=source_name, source_url=source_url)
        async with transaction(self._db):
            await guilds_sql.ensure(self._db, guild_id, self._clock())
            await guilds_sql.lock(self._db, guild_id)  # the count below must not race another add
            if await tips_sql.count(self._db, guild_id) >= self.max_tips:
                raise TooManyTips(self.max_tips)
            tip = await tips_sql.insert(self._db, guild_id, fields, author_id=actor_id, at=self._clock())
            entry = await self._audit.write(guild_id, actor_id, AuditAction.ADD_TIP, _describe("Added", tip))
        self._audit.publish(entry)
        return tip

    async def edit(
        self, guild_id: int, actor_id: int, tip_id: int, *, text: str, topic: str, source_name: str, source_url: str
    ) -> GuildTip:
        """Replace all four fields of this server's tip (the modal shows the old values to start from)."""
        fields = clean_tip(text=text, topic=topic, source_name=source_name, source_url=source_url)
        async with transaction(self._db):
            tip = await tips_sql.update(self._db, guild_id, tip_id, fields, at=self._clock())
            if tip is None:
                raise GuildTipNotFound()
            entry = await self._audit.write(guild_id, actor_id, AuditAction.EDIT_TIP, _describe("Edited", tip))
        self._audit.publish(entry)
        return tip

    async def remove(self, guild_id: int, actor_id: int, tip_id: int) -> GuildTip:
        """Delete this server's tip and return it, so the reply can say what was removed."""
        async with transaction(self._db):
            tip = await tips_sql.delete(self._db, guild_id, tip_id)
            if tip is None:
                raise GuildTipNotFound()
            entry = await self._audit.write(guild_id, actor_id, AuditAction.REMOVE_TIP, _describe("Removed", tip))
        self._audit.publish(entry)
        return tip

    async def get(self, guild_id: int, tip_id: int) -> GuildTip:
        tip = await tips_sql.get(self._read, guild_id, tip_id)
        if tip is None:
            raise GuildTipNotFound()
        return tip

    async def list_page(self, guild_id: int, page: int = 1) -> TipPage:
        """One page of PAGE_SIZE tips, oldest first; a page past either end shows the nearest real page."""
        total = await tips_sql.count(self._read, guild_id)
        total_pages = max(1, math.ceil(total / PAGE_SIZE))
        number = min(max(page, 1), total_pages)
        tips = await tips_sql.page(self._read, guild_id, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        return TipPage(tuple(tips), number, total_pages, total)

    async def suggestions(self, guild_id: int, partial: str, limit: int = 25) -> list[GuildTip]:
        """Tips whose id, topic or text contains what a moderator is typing, for autocomplete; never raises."""
        query = partial[:100].strip().casefold()
        tips = await tips_sql.all_for(self._read, guild_id)
        hits = [tip for tip in tips if query in f"{tip.ref} {tip.fields.topic} {tip.fields.text}".casefold()]
        return hits[:limit]

    async def all_as_library_tips(self, guild_id: int) -> list[Tip]:
        """This server's tips as Library tips, for `Library.pick_tip(topic, extra_tips=...)`."""
        return library_tips(await tips_sql.all_for(self._read, guild_id))


def library_tips(tips: Iterable[GuildTip]) -> list[Tip]:
    """Server tips as Library tips. One that no longer fits the Library's model (should its limits
    ever tighten) is left out and logged, rather than breaking /tip for the whole server."""
    converted = []
    for tip in tips:
        try:
            converted.append(as_library_tip(tip))
        except ValidationError:
            log.warning("Server tip %s in guild %s no longer fits the tip model; skipped", tip.ref, tip.guild_id)
    return converted


def _describe(verb: str, tip: GuildTip) -> str:
    return f"{verb} tip {tip.ref} ({tip.fields.topic})"


def as_library_tip(tip: GuildTip) -> Tip:
    """The same tip as the Library's model, so /tip, /tips post and the daily tip treat both alike."""
    source = Source(name=tip.fields.source_name, url=tip.fields.source_url)
    return Tip(id=tip.ref, topic=tip.fields.topic, text=tip.fields.text, sources=[source])
