"""DmStatus: remembers that a member's DMs are closed, so check-ins stop spending a refused request on them.

Every refused DM is a 403, and 10,000 responses of 401, 403 or 429 in 10 minutes earn the bot's IP a
temporary Cloudflare ban. So when Discord refuses a DM with code 50007 ("Cannot send messages to this
user") the courier records it, and for `DMS_CLOSED_FOR` after that the member's check-ins go straight
to the server channel (or, without one, become undeliverable and the member is told at their next
command) with no DM attempt at all.

Forgotten by time, not by the member's next interaction in DMs: a slash command or button used in the
bot's DMs is answered through the interaction, which works even while the member refuses DMs from the
bot, so it proves nothing about the next DM. A week is short enough that a member who opens their DMs
again gets check-ins there again soon, and costs at most one refused request per member per week,
far below the ban's rate. Each new refusal restarts the week.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock, utc_now
from bot.storage import members as members_sql
from bot.storage.db import Database
from bot.storage.transactions import transaction

DMS_CLOSED_FOR = timedelta(days=7)


class DmStatus:
    """Whether to try a member's DMs at all; the courier asks before each check-in and reports refusals.

    The stored refusal time comes with the claimed check-in (`DueCheckin.dms_closed_at`, read in the
    claim's own query), so asking costs no query per delivery. A refusal this process records after that
    read (another check-in of the same member, sent side by side) is kept in memory until it expires, so
    it is not knocked on again either.
    """

    def __init__(self, db: Database, *, clock: Clock = utc_now) -> None:
        self._db, self._clock = db, clock
        self._refused: dict[int, datetime] = {}
        """Refusals recorded by this process, by member; one entry per refused member for at most a week."""

    def is_closed(self, user_id: int, stored_closed_at: datetime | None) -> bool:
        """True while a refusal less than DMS_CLOSED_FOR old stands: the stored one (`stored_closed_at`,
        read with the claim) or one this process recorded since."""
        now = self._clock()
        refused = self._refused.get(user_id)
        if refused is not None and now - refused >= DMS_CLOSED_FOR:
            del self._refused[user_id]
            refused = None
        latest = max((at for at in (stored_closed_at, refused) if at is not None), default=None)
        return latest is not None and now - latest < DMS_CLOSED_FOR

    async def remember_closed(self, user_id: int) -> None:
        """Discord refused a DM to the member just now (403, code 50007)."""
        now = self._clock()
        async with transaction(self._db):
            await members_sql.set_dms_closed(self._db, user_id, now)
        self._refused[user_id] = now
