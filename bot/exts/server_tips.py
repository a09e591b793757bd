"""/tips: moderators post tips to channels and keep the server's own tips; /tips audit shows who did what."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import KneadBot
from bot.exts._choices import server_tips, topic_choices
from bot.exts._moderation import cannot_post_for, moderator_command, server_id
from bot.exts._services import audit_trail, guild_service, guild_tip_service
from bot.guilds.tips import parse_tip_ref
from bot.ui.binding import bind
from bot.ui.confirm import TipRemovePrompt
from bot.ui.embeds import tip_embed
from bot.ui.moderation import TipModal, TipPageButton, audit_embed, tip_page_embed, tip_saved_embed
from bot.ui.replies import answer, defer_write

TipValues = dict[str, str]


@app_commands.default_permissions(manage_guild=True)
@app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
class ServerTips(commands.GroupCog, group_name="tips", group_description="Post tips and manage this server's own."):
    def __init__(self, bot: KneadBot) -> None:
        audit = audit_trail(bot)
        self.bot, self.library = bot, bot.library
        self.servers, self.server_tips = guild_service(bot, audit), guild_tip_service(bot, audit)
        self.pager = bind(TipPageButton, tips=self.server_tips)
        self.remove_prompt = bind(TipRemovePrompt, moderators=self.servers, tips=self.server_tips, clock=bot.clock)
        self.buttons = (self.pager, self.remove_prompt)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @app_commands.command(name="post")
    @moderator_command
    async def post(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        topic: app_commands.Range[str, 1, 40] | None = None,
        tip: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        """Post a tip to a channel.

        Args:
            channel: Where to post it.
            topic: Pick a random tip from this topic.
            tip: Post this exact tip (pick from the list as you type).
        """
        await defer_write(interaction)
        guild_id = server_id(interaction)
        if reason := cannot_post_for(channel, interaction.user):
            await answer(interaction, reason, ephemeral=True)
            return
        own = await server_tips(self.server_tips, guild_id)
        chosen = self.library.tip_by_id(tip, own) if tip else self.library.pick_tip(topic, own)
        try:
            await channel.send(embed=tip_embed(chosen))
        except discord.Forbidden:
            await answer(interaction, f"Discord refused my post in {channel.mention}.", ephemeral=True)
            return
        await self.servers.record_tip_posted(guild_id, interaction.user.id, chosen.id, channel.id)
        await answer(interaction, f"Posted `{chosen.id}` to {channel.mention}.", ephemeral=True)

    @post.autocomplete("tip")
    async def _tip_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        tips = self.library.tip_suggestions(current, await server_tips(self.server_tips, interaction.guild_id))
        return [app_commands.Choice(name=f"{t.id}: {t.text}"[:100], value=t.id) for t in tips]

    @post.autocomplete("topic")
    async def _topic_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await topic_choices(self.library, self.server_tips, interaction, current)

    @app_commands.command(name="add")
    @moderator_command
    async def add(self, interaction: discord.Interaction) -> None:
        """Add a tip of this server's own (text, topic and a source with an https link)."""
        guild_id = server_id(interaction)

        async def save(submitted: discord.Interaction, values: TipValues) -> None:
            await defer_write(submitted)
            saved = await self.server_tips.add(guild_id, submitted.user.id, **values)
            await answer(submitted, embed=tip_saved_embed(saved, "added"), ephemeral=True)

        await interaction.response.send_modal(TipModal("Add a server tip", save))

    @app_commands.command(name="edit")
    @moderator_command
    async def edit(self, interaction: discord.Interaction, tip: app_commands.Range[str, 1, 30]) -> None:
        """Change one of this server's tips.

        Args:
            tip: Which tip, such as server-12 (pick from the list).
        """
        guild_id = server_id(interaction)
        current = await self.server_tips.get(guild_id, parse_tip_ref(tip))

        async def save(submitted: discord.Interaction, values: TipValues) -> None:
            await defer_write(submitted)
            saved = await self.server_tips.edit(guild_id, submitted.user.id, current.id, **values)
            await answer(submitted, embed=tip_saved_embed(saved, "changed"), ephemeral=True)

        await interaction.response.send_modal(TipModal(f"Edit {current.ref}", save, current))

    @app_commands.command(name="remove")
    @moderator_command
    async def remove(self, interaction: discord.Interaction, tip: app_commands.Range[str, 1, 30]) -> None:
        """Remove one of this server's tips (you confirm first).

        Args:
            tip: Which tip, such as server-12 (pick from the list).
        """
        guild_id = server_id(interaction)
        current = await self.server_tips.get(guild_id, parse_tip_ref(tip))

        view = self.remove_prompt.make_view("tip-remove", interaction.user.id, current.id, opened_at=self.bot.clock())
        await interaction.response.send_message(
            "Remove this tip?", embed=tip_saved_embed(current, "(to be removed)"), view=view, ephemeral=True
        )

    @edit.autocomplete("tip")
    @remove.autocomplete("tip")
    async def _own_tip_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        tips = await self.server_tips.suggestions(interaction.guild_id, current[:100])
        return [app_commands.Choice(name=f"{t.ref}: {t.fields.text}"[:100], value=t.ref) for t in tips]

    @app_commands.command(name="list")
    @moderator_command
    async def list_tips(self, interaction: discord.Interaction) -> None:
        """This server's own tips, ten to a page."""
        guild_id = server_id(interaction)

        page = await self.server_tips.list_page(guild_id, 1)
        view = self.pager.make_view(interaction.user.id, page)
        await interaction.response.send_message(embed=tip_page_embed(page), view=view, ephemeral=True)

    @app_commands.command(name="audit")
    @moderator_command
    async def audit(self, interaction: discord.Interaction) -> None:
        """The last 20 moderator actions in this server."""
        entries = await self.servers.recent_actions(server_id(interaction))
        await interaction.response.send_message(embed=audit_embed(entries), ephemeral=True)


async def setup(bot: KneadBot) -> None:
    await bot.add_cog(ServerTips(bot))
