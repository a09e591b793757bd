""" "Check with kneadbot": the private answer, and the moderator's restart-safe "Post this in the channel".

The button's custom_id holds the FAQ entry id and the checked message's id, so any running bot can act
on a click after a restart. A row in `posted_checks` (unique per message and answer, claimed before the
send) makes a double click, or two moderators at once, post it once; both are answered.
Whether the clicker may post is decided on the click, by the bot, from the
server's moderator settings (GuildService.check_moderator), never from the custom_id or from who saw it.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot.errors import KneadError
from bot.library.models import FaqEntry
from bot.ui.embeds import CARE_LINE, faq_embed
from bot.ui.errors import error_reply, reply_privately
from bot.ui.moderators import check_moderator
from bot.ui.services import CheckPosts, Content, ModeratorCheck

NOTHING_CHECKED = (
    "I have nothing checked on that: no answer in kneadbot's checked FAQ clearly fits this message, and I "
    f"won't guess.\n\n{CARE_LINE}"
)
POSTED = "Posted in the channel."
ALREADY_POSTED = "This answer is already posted in the channel as a reply to that message."


def checked_embed(entry: FaqEntry) -> discord.Embed:
    """The FAQ answer (colour, sources and disclaimer as `/faq` shows it), framed as what careful sources say."""
    embed = faq_embed(entry)
    embed.title = "What careful sources say"
    embed.description = f"**{entry.question}**\n{entry.answer}"
    return embed


class PostCheckButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"kb:chk:(?P<faq>[a-z0-9][a-z0-9-]{1,40}):(?P<message>\d{1,20})",
):
    """Posts the checked answer publicly, as a reply to the checked message, with mentions off."""

    content: ClassVar[Content]
    moderators: ClassVar[ModeratorCheck]
    posts: ClassVar[CheckPosts]

    def __init__(self, faq_id: str, message_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Post this in the channel",
                style=discord.ButtonStyle.primary,
                custom_id=f"kb:chk:{faq_id}:{message_id}",
            )
        )
        self.faq_id, self.message_id = faq_id, message_id

    @classmethod
    async def from_custom_id(
        cls, _interaction: discord.Interaction, _item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["faq"], int(match["message"]))

    @classmethod
    def make_view(cls, faq_id: str, message_id: int) -> discord.ui.View:
        """Call it on the class the cog registered: sending a view registers its items' class with discord.py."""
        view = discord.ui.View(timeout=None)
        view.add_item(cls(faq_id, message_id))
        return view

    async def callback(self, interaction: discord.Interaction) -> None:
        """Acknowledges first (privately): the post may wait on Discord or the database, and a click
        without an answer in 3 s shows "interaction failed" and invites a second click."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            text = await self._post(interaction)
        except Exception as error:
            text = error_reply(error, "check-message post button")
        await reply_privately(interaction, text)

    async def _post(self, interaction: discord.Interaction) -> str:
        """Posts at most once per (message, answer): the claim in the database decides which click posts."""
        try:
            guild_id = await check_moderator(interaction, self.moderators)
        except KneadError:
            return "Only a moderator can post this in the channel."
        entry = self.content.faq_entry(self.faq_id)
        channel = interaction.channel
        if entry is None or channel is None or not isinstance(channel, discord.abc.Messageable):
            return "That answer can't be posted any more: run the check again."
        if not interaction.permissions.send_messages:
            return "You can't post in this channel, so I won't post there for you."
        if not await self.posts.claim_check_post(guild_id, interaction.user.id, self.message_id, self.faq_id):
            return ALREADY_POSTED
        try:
            await channel.send(
                embed=checked_embed(entry),
                reference=discord.MessageReference(
                    message_id=self.message_id, channel_id=channel.id, fail_if_not_exists=False
                ),
                allowed_mentions=discord.AllowedMentions.none(),
                mention_author=False,
            )
        except Exception as error:
            await self.posts.release_check_post(guild_id, self.message_id, self.faq_id)  # let a retry post it
            if isinstance(error, discord.Forbidden):
                return "I can't post in this channel: check my permissions here."
            raise
        return POSTED
