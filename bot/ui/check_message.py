""" "Check with kneadbot": the private answer, and the moderator's restart-safe "Post this in the channel".

The button's custom_id holds the FAQ entry id and the checked message's id, so any running bot can act
on a click after a restart. Whether the clicker may post is decided on the click, by the bot, from the
server's moderator settings (GuildService.check_moderator), never from the custom_id or from who saw it.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot.errors import KneadError
from bot.library.models import FaqEntry
from bot.ui.embeds import CARE_LINE, DISCLAIMER, FAQ_COLOUR, WARNING_COLOUR, sources_text
from bot.ui.errors import error_reply, reply_privately
from bot.ui.services import Content, ModeratorCheck

NOTHING_CHECKED = (
    "I have nothing checked on that: no answer in kneadbot's checked FAQ clearly fits this message, and I "
    f"won't guess.\n\n{CARE_LINE}"
)


def checked_embed(entry: FaqEntry) -> discord.Embed:
    """What careful sources say about the subject of a message, with the sources to check it."""
    colour = WARNING_COLOUR if entry.red_flag else FAQ_COLOUR
    description = f"**{entry.question}**\n{entry.answer}"
    embed = discord.Embed(title="What careful sources say", description=description, colour=colour)
    embed.add_field(name="Sources", value=sources_text(entry.sources), inline=False)
    return embed.set_footer(text=DISCLAIMER)


class PostCheckButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"kb:chk:(?P<faq>[a-z0-9][a-z0-9-]{1,40}):(?P<message>\d{1,20})",
):
    """Posts the checked answer publicly, as a reply to the checked message, with mentions off."""

    content: ClassVar[Content]
    moderators: ClassVar[ModeratorCheck]

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
        try:
            await self._post(interaction)
        except Exception as error:
            await reply_privately(interaction, error_reply(error, "check-message post button"))

    async def _post(self, interaction: discord.Interaction) -> None:
        if not await is_moderator(interaction, self.moderators):
            await reply_privately(interaction, "Only a moderator can post this in the channel.")
            return
        entry = self.content.faq_entry(self.faq_id)
        channel = interaction.channel
        if entry is None or channel is None or not isinstance(channel, discord.abc.Messageable):
            await reply_privately(interaction, "That answer can't be posted any more: run the check again.")
            return
        if not interaction.permissions.send_messages:
            await reply_privately(interaction, "You can't post in this channel, so I won't post there for you.")
            return
        reference = discord.MessageReference(
            message_id=self.message_id, channel_id=channel.id, fail_if_not_exists=False
        )
        try:
            await channel.send(
                embed=checked_embed(entry),
                reference=reference,
                allowed_mentions=discord.AllowedMentions.none(),
                mention_author=False,
            )
        except discord.Forbidden:
            await reply_privately(interaction, "I can't post in this channel: check my permissions here.")
            return
        await interaction.response.send_message("Posted in the channel.", ephemeral=True)


async def is_moderator(interaction: discord.Interaction, moderators: ModeratorCheck) -> bool:
    """Manage Server or the server's moderator role, checked by GuildService; never in DMs."""
    if interaction.guild_id is None:
        return False
    roles = interaction.user.roles if isinstance(interaction.user, discord.Member) else []
    try:
        await moderators.check_moderator(
            interaction.guild_id,
            has_manage_guild=interaction.permissions.manage_guild,
            role_ids=[role.id for role in roles],
        )
    except KneadError:
        return False
    return True
