"""Moderator-side errors a member may read; each says what went wrong and what to do instead.

KneadError
├── ServerOnly          moderator commands in DMs
├── NotModerator
├── TooManyTips         the per-server cap on a server's own tips
├── NotFound
│   └── GuildTipNotFound   also for another server's tip, so nobody learns that it exists
└── BadInput
    ├── BadTipText, BadTopic, BadSource
    └── BadModRole
"""

from __future__ import annotations

from bot.errors import BadInput, KneadError, NotFound


class ServerOnly(KneadError):
    def __init__(self) -> None:
        super().__init__("Moderator commands only work in a server, not in direct messages.")


class NotModerator(KneadError):
    def __init__(self) -> None:
        super().__init__("Only moderators can do that: members with Manage Server or this server's moderator role.")


class TooManyTips(KneadError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"A server can have at most {limit} tips. Remove one with /tips remove first.")


class GuildTipNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("This server has no tip with that id. /tips list shows this server's tips.")


class BadTipText(BadInput):
    """Tip text that is empty, too short or long, or holds characters that cannot be shown safely."""


class BadTopic(BadInput):
    def __init__(self) -> None:
        super().__init__(
            "A topic is 2 to 41 letters, digits or dashes, such as calves or pressure-tips (spaces become dashes)."
        )


class BadSource(BadInput):
    """A source name or link we cannot show: every server tip must name where it comes from."""


class BadModRole(BadInput):
    def __init__(self) -> None:
        super().__init__("The @everyone role can't be the moderator role: that would make every member a moderator.")
