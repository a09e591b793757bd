""" "Check with kneadbot" through the real discord.py client and the loopback fake: what a member and a
moderator see, what gets posted in the channel, and what must never happen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.ui.check_message import ALREADY_POSTED, NOTHING_CHECKED, POSTED
from tests.exts.harness import real_library, running_kneadbot
from tests.exts.moderation_world import ALICE, GENERAL, MANAGER
from tests.fakediscord import FakeDiscord, InteractionReply, User
from tests.fakediscord.message_commands import run_message_command

COMMAND = "Check with kneadbot"
POSTER = User(id=1_300_000_000_000_000_999, username="poster")


def post_message(world: FakeDiscord, text: str) -> dict[str, Any]:
    """A member's message in #general, stored as Discord would (the bot never reads channel messages)."""
    return world.store.create_message(GENERAL.id, POSTER, {"content": text}, [])


def entry(faq_id: str) -> Any:
    return next(e for e in real_library().faq if e.id == faq_id)


def button_ids(reply: InteractionReply) -> list[str]:
    return [c["custom_id"] for row in reply.components for c in row["components"]]


async def check(world: FakeDiscord, message: dict[str, Any], user: User) -> InteractionReply:
    return await world.interaction_reply(await run_message_command(world, COMMAND, message, user=user))


async def test_a_member_gets_what_careful_sources_say_privately(world: FakeDiscord, tmp_path: Path) -> None:
    claim = post_message(world, "drink loads of water after every massage to flush out the toxins!!")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, ALICE)
    water = entry("water-flush-toxins")
    [embed] = reply.embeds
    assert reply.ephemeral
    assert embed["title"] == "What careful sources say"
    assert water.answer in embed["description"]
    assert water.sources[0].url in embed["fields"][0]["value"]
    assert button_ids(reply) == []  # a member never gets the post button
    assert world.messages(GENERAL.id) == [claim]  # nothing public


async def test_a_warning_sign_in_a_message_gets_the_warning_entry(world: FakeDiscord, tmp_path: Path) -> None:
    claim = post_message(world, "my calf is swollen and hot on one side, just gonna rub it out tonight")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, ALICE)
    assert entry("swollen-leg").answer in reply.embeds[0]["description"]


async def test_nothing_checked_is_said_plainly(world: FakeDiscord, tmp_path: Path) -> None:
    chat = post_message(world, "anyone watching the football tonight? kick off is at eight")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, chat, MANAGER)
    assert reply.ephemeral
    assert reply.content == NOTHING_CHECKED
    assert reply.embeds == []
    assert button_ids(reply) == []


async def test_a_moderator_posts_it_as_a_reply_with_mentions_off_even_after_a_restart(
    world: FakeDiscord, tmp_path: Path
) -> None:
    claim = post_message(world, f"<@{ALICE.id}> massage guns are totally fine to use on anyone, any time")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, MANAGER)
    assert reply.embeds, reply.content
    [custom_id] = button_ids(reply)
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):  # a restart: the button must still work
        posted = await world.final_reply(await world.click(reply, custom_id, user=MANAGER))
    assert posted.ephemeral
    assert posted.content == "Posted in the channel."
    public = world.messages(GENERAL.id)[-1]
    assert public["message_reference"]["message_id"] == claim["id"]
    assert public["embeds"][0]["description"].endswith(entry("massage-guns").answer)
    [request] = world.requests_to("POST", rf"/channels/{GENERAL.id}/messages")
    assert request.json["allowed_mentions"]["parse"] == []
    assert request.json["allowed_mentions"].get("replied_user") is False


async def test_a_non_moderator_pressing_the_button_is_refused(world: FakeDiscord, tmp_path: Path) -> None:
    claim = post_message(world, "is it true massage guns are safe on the legs?")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, MANAGER)
        [custom_id] = button_ids(reply)
        refused = await world.final_reply(await world.click(reply, custom_id, user=ALICE))
    assert refused.ephemeral
    assert refused.content == "Only a moderator can post this in the channel."
    assert world.messages(GENERAL.id) == [claim]


async def test_a_button_for_an_answer_that_no_longer_exists_posts_nothing(world: FakeDiscord, tmp_path: Path) -> None:
    """Content can change between the check and the click (a restart with new content): say so, post nothing."""
    claim = post_message(world, "massage guns are safe on the legs")
    button = {"type": 2, "style": 1, "label": "Post this in the channel", "custom_id": "kb:chk:gone-entry:1"}
    stale = world.store.create_message(GENERAL.id, world.bot, {"components": [{"type": 1, "components": [button]}]}, [])
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await world.final_reply(await world.click(stale, "kb:chk:gone-entry:1", user=MANAGER))
    assert reply.ephemeral
    assert reply.content == "That answer can't be posted any more: run the check again."
    assert world.messages(GENERAL.id) == [claim, stale]


async def test_a_double_clicked_post_button_posts_once_and_answers_both(world: FakeDiscord, tmp_path: Path) -> None:
    claim = post_message(world, "massage guns are totally fine to use on anyone, any time")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, MANAGER)
        [custom_id] = button_ids(reply)
        clicks = await asyncio.gather(
            world.click(reply, custom_id, user=MANAGER), world.click(reply, custom_id, user=MANAGER)
        )
        answers = [await world.final_reply(state, timeout=10) for state in clicks]
        again = await world.final_reply(await world.click(reply, custom_id, user=MANAGER))  # much later
    assert sorted(answer.content for answer in answers) == sorted([POSTED, ALREADY_POSTED])
    assert all(answer.ephemeral for answer in answers)
    assert again.content == ALREADY_POSTED
    public = world.messages(GENERAL.id)
    assert len(public) == 2, public  # the claim and exactly one answer to it
    assert len(world.requests_to("POST", rf"/channels/{GENERAL.id}/messages")) == 1


async def test_the_post_button_answers_the_click_before_it_posts(world: FakeDiscord, tmp_path: Path) -> None:
    """A slow channel send must not leave the click unanswered: the deferral goes out first."""
    claim = post_message(world, "massage guns are safe on the legs")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, MANAGER)
        [custom_id] = button_ids(reply)
        state = await world.click(reply, custom_id, user=MANAGER)
        posted = await world.final_reply(state)
    assert posted.content == POSTED
    order = [
        "post" if request.path.startswith("/channels/") else "answer"
        for request in world.requests_to("POST", rf"/channels/{GENERAL.id}/messages|/interactions/{state.id}/")
    ]
    assert order[:2] == ["answer", "post"], order


async def test_a_refused_post_can_be_retried(world: FakeDiscord, tmp_path: Path) -> None:
    """The claim is released when Discord refuses the post, so "already posted" never hides a failure."""
    claim = post_message(world, "massage guns are safe on the legs")
    async with running_kneadbot(world, tmp_path / "kb.sqlite3"):
        reply = await check(world, claim, MANAGER)
        [custom_id] = button_ids(reply)
        world.fail_next("POST", rf"/channels/{GENERAL.id}/messages", 403)
        refused = await world.final_reply(await world.click(reply, custom_id, user=MANAGER))
        retried = await world.final_reply(await world.click(reply, custom_id, user=MANAGER))
    assert refused.content == "I can't post in this channel: check my permissions here."
    assert retried.content == POSTED
    assert len(world.messages(GENERAL.id)) == 2
