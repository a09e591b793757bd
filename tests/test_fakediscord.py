"""The fake Discord drives the real discord.py client: commands, views, autocomplete, DMs,
rate limits, refusals, nonces, reconnects and spec validation."""

from __future__ import annotations

import asyncio
import io

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakediscord import (
    Channel,
    FakeDiscord,
    Guild,
    InteractionReply,
    Member,
    Overwrite,
    Role,
    User,
    load_spec,
    running_client,
)
from tests.fakediscord import perms as p

MUSCLES = ["calf", "hamstring", "quadriceps", "shin", "ankle", "achilles", "glute"]


class ConfirmView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.clicked_by: int | None = None

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.green, custom_id="confirm:yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicked_by = interaction.user.id
        await interaction.response.edit_message(content="Confirmed", view=None)
        self.stop()


class NoteModal(discord.ui.Modal, title="Session note"):
    note: discord.ui.TextInput = discord.ui.TextInput(label="Note", custom_id="note:text", max_length=200)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Saved: {self.note.value}", ephemeral=True)


class MiniBot(commands.Bot):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before any re-IDENTIFY (not RESUME); skip it in tests."""


def make_bot(intents: discord.Intents | None = None) -> commands.Bot:
    bot = MiniBot(command_prefix="!", intents=intents or discord.Intents.default(), help_command=None)

    @bot.command(name="ping")
    async def ping(ctx: commands.Context[commands.Bot]) -> None:
        await ctx.send("pong")

    @bot.tree.command(name="export", description="Export the session log")
    async def export(interaction: discord.Interaction) -> None:
        log = discord.File(io.BytesIO(b"day,minutes\n1,10\n"), filename="log.csv", description="Session log")
        await interaction.response.send_message("Your log", file=log)

    @bot.tree.command(name="perms", description="Show permissions")
    async def show_perms(interaction: discord.Interaction) -> None:
        assert isinstance(interaction.channel, discord.TextChannel)
        assert isinstance(interaction.user, discord.Member)
        # discord.py drops voice permissions in text channels; the payload values keep them.
        voice = discord.Permissions.voice().value
        mine = interaction.channel.permissions_for(interaction.user).value | interaction.permissions.value & voice
        me = interaction.channel.guild.me
        bots = interaction.channel.permissions_for(me).value | interaction.app_permissions.value & voice
        text = f"{interaction.permissions.value} {mine} {interaction.app_permissions.value} {bots}"
        await interaction.response.send_message(text, ephemeral=True)

    session = app_commands.Group(name="session", description="Massage sessions")

    @session.command(name="start", description="Start a session")
    async def start(interaction: discord.Interaction, minutes: int, partner: discord.Member) -> None:
        where = "DM" if interaction.guild_id is None else "server"
        await interaction.response.send_message(f"{minutes} min with {partner.display_name} ({where})")

    @session.command(name="stop", description="Stop a session")
    async def stop(interaction: discord.Interaction) -> None:
        kind = type(interaction.channel).__name__
        await interaction.response.send_message(f"stopped in {kind} by {interaction.user.name}")

    bot.tree.add_command(session)

    @bot.tree.command(name="slow", description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.08)
        await interaction.response.send_message("finally")

    @bot.tree.command(name="info", description="About the bot")
    async def info(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="Kneadbot", description="Leg massage helper", colour=0x2ECC71)
        embed.add_field(name="Server", value=str(interaction.guild_id))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @bot.tree.command(name="confirm", description="Ask for confirmation")
    async def confirm(interaction: discord.Interaction) -> None:
        view = ConfirmView()
        bot.last_view = view  # type: ignore[attr-defined]
        await interaction.response.send_message("Are you sure?", view=view)

    @bot.tree.command(name="stretch", description="Suggest a stretch")
    @app_commands.describe(muscle="Which muscle")
    async def stretch(interaction: discord.Interaction, muscle: str) -> None:
        await interaction.response.send_message(f"Stretch your {muscle}")

    @stretch.autocomplete("muscle")
    async def muscle_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=m, value=m) for m in MUSCLES if current.lower() in m][:25]

    @bot.tree.command(name="remind", description="DM me a reminder")
    async def remind(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await interaction.user.send("Time to stretch!")
        except discord.Forbidden as exc:
            await interaction.followup.send(f"I can't DM you ({exc.code})", ephemeral=True)
        else:
            await interaction.followup.send("Sent you a DM", ephemeral=True)

    @bot.tree.command(name="note", description="Write a note")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(NoteModal())

    @bot.tree.command(name="shout", description="Too long a title")
    async def shout(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=discord.Embed(title="A" * 300))

    @bot.tree.command(name="many", description="Too many choices")
    async def many(interaction: discord.Interaction, pick: str) -> None:
        await interaction.response.send_message(pick)

    @many.autocomplete("pick")
    async def many_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=f"option {i}", value=str(i)) for i in range(26)]

    return bot


async def test_slash_command_replies_with_ephemeral_embed(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()):
        sent = await fake_discord.slash("info")
        reply = await fake_discord.interaction_reply(sent.id)
    assert reply.type == 4
    assert reply.ephemeral
    assert reply.embeds[0]["title"] == "Kneadbot"
    assert reply.embeds[0]["fields"] == [{"name": "Server", "value": str(fake_discord.guild.id), "inline": True}]
    assert reply.message is not None
    assert reply.message["flags"] & 64
    assert fake_discord.messages() == []  # ephemeral replies never land in channel history


async def test_view_button_click_reaches_the_view(fake_discord: FakeDiscord) -> None:
    bot = make_bot()
    async with running_client(fake_discord, bot):
        sent = await fake_discord.slash("confirm")
        reply = await fake_discord.interaction_reply(sent)
        assert reply.custom_ids == ["confirm:yes"]
        assert fake_discord.messages()[-1]["content"] == "Are you sure?"

        click = await fake_discord.click(reply, "confirm:yes")
        update = await fake_discord.interaction_reply(click)
    assert update.type == 7
    assert update.content == "Confirmed"
    assert update.components == []
    assert bot.last_view.clicked_by == fake_discord.user.id  # type: ignore[attr-defined]
    stored = fake_discord.messages()[-1]
    assert stored["content"] == "Confirmed"
    assert stored["edited_timestamp"] is not None


async def test_autocomplete_filters_choices(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()):
        sent = await fake_discord.autocomplete("stretch", {"muscle": "ha"}, focused="muscle")
        reply = await fake_discord.interaction_reply(sent)
        assert reply.type == 8
        assert reply.choices == [{"name": "hamstring", "value": "hamstring"}]

        done = await fake_discord.slash("stretch", {"muscle": "calf"})
        assert (await fake_discord.interaction_reply(done)).content == "Stretch your calf"


async def test_dm_to_invoker_and_closed_dms(fake_discord: FakeDiscord) -> None:
    alice = fake_discord.user
    async with running_client(fake_discord, make_bot()):
        first = await fake_discord.slash("remind")
        assert (await fake_discord.interaction_reply(first)).type == 5
        [followup] = await fake_discord.wait_followups(first)
        assert followup["content"] == "Sent you a DM"
        assert followup["flags"] & 64
        assert [m["content"] for m in fake_discord.dm_messages(alice.id)] == ["Time to stretch!"]

        fake_discord.close_dms(alice.id)
        second = await fake_discord.slash("remind")
        [refusal] = await fake_discord.wait_followups(second)
    assert refusal["content"] == "I can't DM you (50007)"
    assert len(fake_discord.dm_messages(alice.id)) == 1
    refused = fake_discord.requests_to("POST", r"^/channels/\d+/messages$")[-1]
    assert refused.status == 403
    assert refused.response["code"] == 50007


async def test_closed_dms_raise_forbidden_50007(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()) as bot:
        fake_discord.close_dms(fake_discord.user.id)
        user = await bot.fetch_user(fake_discord.user.id)
        with pytest.raises(discord.Forbidden) as caught:
            await user.send("hello")
    assert caught.value.code == 50007
    assert caught.value.status == 403


async def test_modal_round_trip(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()):
        opened = await fake_discord.interaction_reply(await fake_discord.slash("note"))
        assert opened.type == 9
        assert opened.data["title"] == "Session note"
        submitted = await fake_discord.submit_modal(opened, {"note:text": "left calf tight"})
        reply = await fake_discord.interaction_reply(submitted)
    assert reply.content == "Saved: left calf tight"
    assert reply.ephemeral


async def test_rate_limit_is_retried_by_discord_py(fake_discord: FakeDiscord) -> None:
    fault = fake_discord.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.05)
    async with running_client(fake_discord, make_bot()) as bot:
        channel = bot.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("after the limit")
    posts = fake_discord.requests_to("POST", r"^/channels/\d+/messages$")
    assert [p.status for p in posts] == [429, 200]
    assert fault.hits == [f"/channels/{fake_discord.channel_id}/messages"]
    assert fault.count == 0
    assert [m["content"] for m in fake_discord.messages()] == ["after the limit"]
    assert sent.id == int(fake_discord.messages()[0]["id"])


async def test_nonce_makes_a_resend_idempotent(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()) as bot:
        channel = bot.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("only once", nonce="kneadbot-42")
        again = await channel.send("only once", nonce="kneadbot-42")
        other = await channel.send("only once")
    assert first.id == again.id
    assert other.id != first.id
    assert [m["content"] for m in fake_discord.messages()] == ["only once", "only once"]


async def test_gateway_drop_reconnects_and_keeps_serving(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()):
        await fake_discord.drop_gateway()
        assert fake_discord.gateway.resumes == 1
        await fake_discord.drop_gateway(resumable=False)
        assert fake_discord.gateway.identifies == 2
        reply = await fake_discord.interaction_reply(await fake_discord.slash("info"))
    assert reply.embeds[0]["title"] == "Kneadbot"


async def test_commands_sync_and_unknown_routes(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()) as bot:
        synced = await bot.tree.sync()
        assert {c.name for c in synced} >= {"info", "confirm", "stretch"}
        with pytest.raises(discord.NotFound):
            await bot.http.request(discord.http.Route("GET", "/voice/regions/nowhere"))
    assert fake_discord.unknown_routes[-1].path == "/voice/regions/nowhere"
    assert fake_discord.requests_to("PUT", r"/applications/\d+/commands$")[0].status == 200


async def test_spec_violations_are_caught(fake_discord: FakeDiscord) -> None:
    fake_discord.fail_on_violations = False  # provoked on purpose; asserted below
    async with running_client(fake_discord, make_bot()):
        shout = await fake_discord.slash("shout")
        many = await fake_discord.autocomplete("many", {"pick": ""}, focused="pick")
        await fake_discord.wait_for_request("POST", rf"/interactions/{shout.id}/")
        await fake_discord.wait_for_request("POST", rf"/interactions/{many.id}/")
    where = {(v.operation_id, v.where) for v in fake_discord.violations}
    assert ("create_interaction_response", "$.data.embeds[0].title") in where
    assert ("create_interaction_response", "$.data.choices") in where
    rejected = fake_discord.requests_to("POST", r"/callback$")
    assert {r.status for r in rejected} == {400}
    assert {r.response["code"] for r in rejected} == {50035}


async def test_fake_responses_match_discord_schemas() -> None:
    fake = FakeDiscord(validate_responses=True)
    async with fake, running_client(fake, make_bot()) as bot:
        await bot.tree.sync()
        await fake.interaction_reply(await fake.slash("confirm"))
        user = await bot.fetch_user(fake.user.id)
        await user.send("hi")
        remind = await fake.slash("remind")
        await fake.wait_followups(remind)
        channel = await bot.fetch_channel(fake.channel_id)
        assert isinstance(channel, discord.TextChannel)
        [message] = [m async for m in channel.history(limit=5)]
        assert message.content == "Are you sure?"
        note = await channel.send("draft", file=discord.File(io.BytesIO(b"x"), filename="x.txt"))
        await note.edit(content="final")
        assert (await channel.fetch_message(note.id)).content == "final"
    assert not fake.response_violations, "\n".join(fake.response_violations)
    assert fake.violations == []


def test_spec_is_loaded_once() -> None:
    assert load_spec() is load_spec()


def test_reply_record_helpers() -> None:
    row = {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "a"}]}
    reply = InteractionReply(1, "t", 4, {"content": "x", "flags": 64, "components": [row]}, [], None)
    assert reply.ephemeral
    assert reply.content == "x"
    assert reply.custom_ids == ["a"]


async def test_file_upload_is_recorded_with_bytes(fake_discord: FakeDiscord) -> None:
    async with running_client(fake_discord, make_bot()):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("export"))
    [upload] = reply.files
    assert (upload.filename, upload.data) == ("log.csv", b"day,minutes\n1,10\n")
    assert reply.content == "Your log"
    assert reply.message is not None
    [attachment] = reply.message["attachments"]
    assert (attachment["filename"], attachment["size"], attachment["description"]) == ("log.csv", 17, "Session log")


THERAPIST_ROLE = 1_300_000_000_000_000_301
STAFF_CHANNEL = 1_300_000_000_000_000_102
BOB = User(1_300_000_000_000_000_203, "bob", "Bob")


def staff_guild() -> Guild:
    guild = Guild()
    guild.roles.append(Role(THERAPIST_ROLE, "therapist", p.MANAGE_MESSAGES, position=2))
    hidden = [Overwrite(guild.id, 0, deny=p.VIEW_CHANNEL), Overwrite(THERAPIST_ROLE, 0, allow=p.VIEW_CHANNEL)]
    guild.channels.append(Channel(STAFF_CHANNEL, "staff", permission_overwrites=hidden))
    guild.members.append(Member(BOB, [THERAPIST_ROLE]))
    return guild


async def test_permissions_agree_with_discord_py() -> None:
    guild = staff_guild()
    async with FakeDiscord(guilds=[guild]) as fake, running_client(fake, make_bot()) as bot:
        general = await fake.interaction_reply(await fake.slash("perms"))
        staff = await fake.interaction_reply(await fake.slash("perms", user=BOB, channel_id=STAFF_CHANNEL))
        staff_channel = bot.get_channel(STAFF_CHANNEL)
        assert isinstance(staff_channel, discord.TextChannel)
        with pytest.raises(discord.Forbidden) as caught:
            await staff_channel.send("the bot cannot see this channel")
    alice = guild.permissions_for(fake.user.id, fake.channel_id)
    bot_general = guild.permissions_for(fake.bot.id, fake.channel_id)
    assert general.content == f"{alice} {alice} {bot_general} {bot_general}"
    bob_staff = guild.permissions_for(BOB.id, STAFF_CHANNEL)
    assert bob_staff & p.VIEW_CHANNEL
    assert bob_staff & p.MANAGE_MESSAGES
    bot_staff = guild.permissions_for(fake.bot.id, STAFF_CHANNEL)
    assert bot_staff == p.CHANGE_NICKNAME  # only guild-wide permissions survive an invisible channel
    assert staff.content == f"{bob_staff} {bob_staff} {bot_staff} {bot_staff}"
    assert caught.value.code == 50001
    fake.assert_no_violations()


async def test_prefix_command_from_a_user_message(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    async with running_client(fake_discord, make_bot(intents)):
        since = len(fake_discord.requests)
        await fake_discord.send_user_message("!ping")
        await fake_discord.wait_for_request("POST", r"^/channels/\d+/messages$", since=since)
    assert [m["content"] for m in fake_discord.messages()] == ["!ping", "pong"]
    assert fake_discord.messages()[-1]["author"]["id"] == str(fake_discord.bot.id)


async def test_subcommands_resolved_members_and_dm(fake_discord: FakeDiscord) -> None:
    owner = fake_discord.guild.member(fake_discord.guild.owner_id)
    assert owner is not None
    async with running_client(fake_discord, make_bot()):
        started = await fake_discord.slash("session start", {"minutes": 20, "partner": owner})
        stopped = await fake_discord.slash("session stop", dm=True)
        start_reply = await fake_discord.interaction_reply(started)
        stop_reply = await fake_discord.interaction_reply(stopped)
    assert started.payload["data"]["options"][0]["options"][1] == {
        "name": "partner",
        "type": 6,
        "value": str(owner.user.id),
    }
    assert start_reply.content == "20 min with Guild Owner (server)"
    assert stop_reply.content == f"stopped in DMChannel by {fake_discord.user.username}"
    assert stopped.payload["context"] == 1
    assert stopped.channel_id == fake_discord.store.dm_channels[fake_discord.user.id]


async def test_rate_limited_callback_is_retried(fake_discord: FakeDiscord) -> None:
    fake_discord.fail_next("POST", r"/callback$", 429, retry_after=0.05)
    async with running_client(fake_discord, make_bot()):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("info"))
    assert reply.embeds[0]["title"] == "Kneadbot"
    assert [r.status for r in fake_discord.requests_to("POST", r"/callback$")] == [429, 200]


async def test_late_callback_is_refused_like_discord(fake_discord: FakeDiscord) -> None:
    fake_discord.interaction_deadline = 0.03  # Discord's is 3 s; shortened to keep the test fast
    fake_discord.fail_on_violations = False
    async with running_client(fake_discord, make_bot()):
        sent = await fake_discord.slash("slow")
        late = await fake_discord.wait_for_request("POST", rf"/interactions/{sent.id}/")
    assert late.status == 404
    assert late.response["code"] == 10062
    assert [v.kind for v in fake_discord.violations] == ["protocol"]
    assert "Discord allows 3s" in fake_discord.violations[0].message


MESSAGE = {
    "content": "<@1350000000000000000>",
    "nonce": "kb12s0",
    "allowed_mentions": {"parse": [], "users": [1350000000000000000]},
    "embeds": [{"title": "How are your legs?", "color": 0x2F855A, "footer": {"text": "Check-in #12"}}],
    "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Better", "custom_id": "kb:c:12"}]}],
}
CHOICE = {"name": "calf cramps", "value": "cramps"}
CALLBACK = {"type": 8, "data": {"choices": [CHOICE]}}


@pytest.mark.parametrize(
    ("method", "path", "body", "valid"),
    [
        ("POST", "/channels/5/messages", MESSAGE, True),
        ("POST", "/channels/5/messages", {**MESSAGE, "allowed_mentions": {"users": ["135"]}}, True),
        ("POST", "/channels/5/messages", {**MESSAGE, "embeds": [{"title": "x" * 257}]}, False),
        ("POST", "/channels/5/messages", {**MESSAGE, "allowed_mentions": {"parse": ["everybody"]}}, False),
        ("POST", "/channels/5/messages", {**MESSAGE, "nonce": "n" * 26}, False),
        ("POST", "/channels/5/messages", {**MESSAGE, "components": [{"type": 1, "components": [{"type": 2}]}]}, False),
        ("POST", "/channels/5/messages", {**MESSAGE, "allowed_mentions": {"users": [-1]}}, False),
        ("POST", "/interactions/1/tok/callback", CALLBACK, True),
        ("POST", "/interactions/1/tok/callback", {"type": 8, "data": {"choices": [CHOICE] * 26}}, False),
        ("POST", "/interactions/1/tok/callback", {"type": 99}, False),
    ],
)
def test_the_fast_validator_and_the_detailed_one_agree(method: str, path: str, body: object, valid: bool) -> None:
    """The fake trusts jsonschema-rs for "valid" and asks jsonschema only for the report (spec.py): the two
    must agree, or a body Discord rejects would pass unseen."""
    spec = load_spec()
    operation = spec.find(method, path)
    assert operation is not None and operation.body_pointer is not None
    detailed = list(spec.validator_for(operation.body_pointer).iter_errors(body))
    assert spec.fast_validator_for(operation.body_pointer).is_valid(body) is valid
    assert (detailed == []) is valid, detailed
    assert (list(spec.errors(operation.body_pointer, body)) == []) is valid
