"""Moderator commands through the real client: who may run them, what they post, and server isolation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.exts.checkin_steps import button_id, rows
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import (
    ALICE,
    ANNOUNCEMENTS,
    GENERAL,
    GENERAL_B,
    LOCKED,
    MANAGER,
    MANAGER_B,
    MOD_ROLE,
    MODDER,
    TIPS,
    A,
)
from tests.fakediscord import FakeDiscord, InteractionReply, Overwrite, User
from tests.fakediscord import perms as p

NOT_MODERATOR = "Only moderators can do that"
SERVER_ONLY = "Moderator commands only work in a server"
GOOD_TIP = {
    "text": "Warm the calves with light strokes before any firmer work.",
    "topic": "Warm Up",
    "source_name": "NHS",
    "source_url": "https://www.nhs.uk/live-well/exercise/",
}


async def run(fake: FakeDiscord, command: str, options: dict[str, Any] | None = None, **where: Any) -> InteractionReply:
    where.setdefault("channel_id", GENERAL.id)
    return await fake.final_reply(await fake.slash(command, options or {}, **where))


async def add_tip(fake: FakeDiscord, user: User, channel_id: int = GENERAL.id, **values: str) -> InteractionReply:
    modal = await run(fake, "tips add", user=user, channel_id=channel_id)
    fields = {item["components"][0]["custom_id"]: item["components"][0] for item in modal.data["components"]}
    by_label = {field["label"]: custom_id for custom_id, field in fields.items()}
    typed = {**GOOD_TIP, **values}
    submitted = {
        by_label["Tip"]: typed["text"],
        by_label["Topic"]: typed["topic"],
        by_label["Source name"]: typed["source_name"],
        by_label["Source link (https)"]: typed["source_url"],
    }
    return await fake.final_reply(await fake.submit_modal(modal, submitted, user=user))


MODERATOR_COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("config show", {}),
    ("config log-channel", {"channel": TIPS}),
    ("tips post", {"channel": TIPS}),
    ("tips add", {}),
    ("tips edit", {"tip": "server-1"}),
    ("tips remove", {"tip": "server-1"}),
    ("tips list", {}),
    ("tips audit", {}),
    ("daily-tip set", {"channel": TIPS, "time": "09:00"}),
    ("daily-tip show", {}),
    ("daily-tip stop", {}),
    ("config mod-role", {"role": MOD_ROLE}),
]


@pytest.mark.parametrize(("command", "options"), MODERATOR_COMMANDS, ids=[c for c, _ in MODERATOR_COMMANDS])
async def test_permission_matrix(
    world: FakeDiscord, database_location: Path | str, command: str, options: dict[str, Any]
) -> None:
    async with running_kneadbot(world, database_location):
        await add_tip(world, MANAGER)  # server-1 exists for edit and remove
        await run(world, "config mod-role", {"role": MOD_ROLE}, user=MANAGER)
        plain = await run(world, command, options, user=ALICE)
        from_dm = await run(world, command, {k: v for k, v in options.items() if k in {"time", "tip"}}, dm=True)
        manager = await run(world, command, options, user=MANAGER)
        modder = await run(world, command, options, user=MODDER)
    assert plain.ephemeral
    assert plain.content.startswith(NOT_MODERATOR)
    assert from_dm.content.startswith(SERVER_ONLY)
    assert not (manager.content or "").startswith((NOT_MODERATOR, SERVER_ONLY)), manager.content
    if command == "config mod-role":  # a mod-role holder cannot hand moderator powers to another role
        assert modder.content == "Only members with Manage Server can choose the moderator role."
    else:
        assert not (modder.content or "").startswith((NOT_MODERATOR, SERVER_ONLY)), modder.content


async def test_posting_a_tip_and_the_audit_trail(world: FakeDiscord, database_location: Path | str) -> None:
    async with running_kneadbot(world, database_location):
        posted = await run(world, "tips post", {"channel": TIPS, "topic": "pressure"}, user=MANAGER)
        audit = await run(world, "tips audit", user=MANAGER)
    [message] = world.messages(TIPS.id)
    assert posted.ephemeral
    assert posted.content.startswith("Posted `")
    assert message["embeds"][0]["title"] == "Tip · Pressure"
    assert f"<@{MANAGER.id}>" in audit.embeds[0]["description"]
    assert "Posted" in audit.embeds[0]["description"]


async def test_posting_where_the_bot_cannot_names_the_missing_permission(
    world: FakeDiscord, database_location: Path | str
) -> None:
    async with running_kneadbot(world, database_location):
        reply = await run(world, "tips post", {"channel": LOCKED}, user=MANAGER)
        daily = await run(world, "daily-tip set", {"channel": LOCKED, "time": "09:00"}, user=MANAGER)
    assert reply.ephemeral
    assert (
        reply.content == f"I can't post in <#{LOCKED.id}>: I'm missing the Send Messages, Embed Links permission there."
    )
    assert daily.content == reply.content
    assert world.messages(LOCKED.id) == []


async def test_the_daily_tip_needs_to_read_its_channel_back_a_one_off_post_does_not(
    world: FakeDiscord, database_location: Path | str
) -> None:
    """A daily tip retried after a crash looks in the channel for the first copy: where the bot cannot
    read the history it would find nothing and post twice, so it is not set there."""
    guild = world.guilds[A]
    tips = guild.channel(TIPS.id)
    assert tips is not None
    tips.permission_overwrites = [Overwrite(guild.bot_role_id, 0, deny=p.READ_MESSAGE_HISTORY)]
    async with running_kneadbot(world, database_location):
        daily = await run(world, "daily-tip set", {"channel": TIPS, "time": "09:00"}, user=MANAGER)
        posted = await run(world, "tips post", {"channel": TIPS}, user=MANAGER)
    assert daily.ephemeral
    assert daily.content == f"I can't post in <#{TIPS.id}>: I'm missing the Read Message History permission there."
    assert posted.content.startswith("Posted `")
    assert len(world.messages(TIPS.id)) == 1


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"text": "Too short"}, "10 to 1,000 characters"),
        ({"source_url": "http://example.com/tip"}, "https"),
        ({"source_url": "javascript:alert(1)"}, "https"),
        ({"topic": "!!"}, "A topic is 2 to 41"),
    ],
)
async def test_modal_with_bad_values_is_refused_and_stores_nothing(
    world: FakeDiscord, database_location: Path | str, values: dict[str, str], error: str
) -> None:
    db_path = database_location
    async with running_kneadbot(world, db_path):
        reply = await add_tip(world, MANAGER, **values)
    assert reply.ephemeral
    assert error in reply.content
    assert await rows(db_path, "SELECT count(*) FROM guild_tips") == [(0,)]


async def test_mention_strings_in_a_server_tip_never_ping(world: FakeDiscord, database_location: Path | str) -> None:
    async with running_kneadbot(world, database_location):
        saved = await add_tip(world, MANAGER, text=f"@everyone and <@&{MOD_ROLE.id}> and <@{ALICE.id}>: warm up first.")
        await run(world, "tips post", {"channel": TIPS, "tip": "server-1"}, user=MANAGER)
        member_tip = await run(world, "tip", {"topic": "warm-up"}, user=ALICE)
    [post] = [r for r in world.requests_to("POST", rf"^/channels/{TIPS.id}/messages$") if r.status == 200]
    for sent in (saved.data, member_tip.data, post.json):
        assert sent["allowed_mentions"] == {"parse": []}
    shown = [saved.embeds[0]["description"], member_tip.embeds[0]["description"], post.json["embeds"][0]["description"]]
    for description in shown:  # still readable, but defused: not a mention even if copied into a message
        assert description.startswith("@\u200beveryone and <@\u200b&"), description


async def test_server_tips_and_settings_stay_in_their_server(world: FakeDiscord, database_location: Path | str) -> None:
    async with running_kneadbot(world, database_location):
        await add_tip(world, MANAGER)
        await run(world, "config mod-role", {"role": MOD_ROLE}, user=MANAGER)
        in_a = await run(world, "tip", {"topic": "warm-up"}, user=ALICE)
        in_b = await run(world, "tip", {"topic": "warm-up"}, user=ALICE, channel_id=GENERAL_B.id)
        list_b = await run(world, "tips list", user=MANAGER_B, channel_id=GENERAL_B.id)
        audit_b = await run(world, "tips audit", user=MANAGER_B, channel_id=GENERAL_B.id)
        edit_b = await run(world, "tips remove", {"tip": "server-1"}, user=MANAGER_B, channel_id=GENERAL_B.id)
        config_b = await run(world, "config show", user=MANAGER_B, channel_id=GENERAL_B.id)
        in_dm = await run(world, "tip", {"topic": "warm-up"}, dm=True)
    assert in_a.embeds[0]["description"] == GOOD_TIP["text"]
    for refused in (in_b, in_dm):
        assert refused.content.startswith("There is no topic by that name")
    assert "No server tips yet" in list_b.embeds[0]["description"]
    assert audit_b.embeds[0]["description"] == "No moderator actions yet."
    assert edit_b.content.startswith("This server has no tip with that id")
    assert "none (Manage Server only)" in config_b.embeds[0]["fields"][0]["value"]


async def test_tips_list_pages_and_remove_asks_first(world: FakeDiscord, database_location: Path | str) -> None:
    db_path = database_location
    async with running_kneadbot(world, db_path):
        for number in range(12):
            await add_tip(world, MANAGER, text=f"Server tip number {number} about warming up gently.")
        first = await run(world, "tips list", user=MANAGER)
        second = await world.final_reply(await world.click(first, button_id(first, "Next"), user=MANAGER))
        prompt = await run(world, "tips remove", {"tip": "server-3"}, user=MANAGER)
        removed = await world.final_reply(await world.click(prompt, button_id(prompt, "Remove"), user=MANAGER))
    assert first.embeds[0]["footer"]["text"] == "Page 1 of 2 · 12 tips"
    assert second.embeds[0]["footer"]["text"] == "Page 2 of 2 · 12 tips"
    assert removed.content == "Removed `server-3`."
    assert await rows(db_path, "SELECT count(*) FROM guild_tips") == [(11,)]


async def test_a_moderator_cannot_make_the_bot_post_where_they_cannot(
    world: FakeDiscord, database_location: Path | str
) -> None:
    async with running_kneadbot(world, database_location):
        await run(world, "config mod-role", {"role": MOD_ROLE}, user=MANAGER)
        refused = [
            await run(world, "tips post", {"channel": ANNOUNCEMENTS}, user=MODDER),
            await run(world, "daily-tip set", {"channel": ANNOUNCEMENTS, "time": "09:00"}, user=MODDER),
            await run(world, "config log-channel", {"channel": ANNOUNCEMENTS}, user=MODDER),
        ]
        allowed = await run(world, "tips post", {"channel": ANNOUNCEMENTS}, user=MANAGER)
    for reply in refused:
        assert reply.content == f"You can't post in <#{ANNOUNCEMENTS.id}> yourself, so I won't post there for you."
    assert allowed.content.startswith("Posted `")
    assert len(world.messages(ANNOUNCEMENTS.id)) == 1
