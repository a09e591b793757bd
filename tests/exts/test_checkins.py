"""Recovery check-ins through the real client: consent, delivery, answers, restarts and faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, rows, run_scheduler
from tests.exts.harness import running_kneadbot
from tests.exts.moderation_world import A
from tests.fakediscord import Channel, FakeDiscord, InteractionReply, Overwrite, User
from tests.fakediscord import perms as p

CALVES_FIRM = {"area": "calves", "intensity": "firm"}
STRANGER = User(id=777_000_000_000_000_001, username="stranger")
SENT = r"^/channels/\d+/messages$"


async def test_first_log_asks_consent_and_stores_nothing_before_it(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    db_path = database_location
    async with running_kneadbot(fake_discord, db_path):
        prompt = await fake_discord.final_reply(await fake_discord.slash("session log", CALVES_FIRM))
        assert await rows(db_path, "SELECT * FROM sessions") == []
        assert await rows(db_path, "SELECT * FROM members") == []
        agreed = await fake_discord.final_reply(await fake_discord.click(prompt, button_id(prompt, "I agree")))
        second = await fake_discord.final_reply(await fake_discord.slash("session log", CALVES_FIRM))
    assert prompt.ephemeral
    assert "/mydata delete" in prompt.embeds[0]["description"]
    assert agreed.embeds[0]["title"] == "Session logged"
    when = agreed.embeds[0]["fields"][2]["value"]
    assert when.startswith("<t:") and ":F>" in when and ":R>" in when  # Discord's own timestamp format
    assert second.embeds[0]["title"] == "Session logged"  # consent is asked once
    assert len(await rows(db_path, "SELECT * FROM sessions")) == 2


async def test_check_in_arrives_by_dm_once_and_answers_update_one_row(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path, alice = FakeClock(), database_location, fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, CALVES_FIRM)
        await run_scheduler(bot, clock, hours=23)
        assert fake_discord.dm_messages(alice) == []
        await run_scheduler(bot, clock, hours=1, seconds=1)
        await run_scheduler(bot, clock, hours=1)
        [message] = fake_discord.dm_messages(alice)
        moderate = await click(fake_discord, message, "Moderate")
        severe = await click(fake_discord, message, "Severe")
        stranger = await click(fake_discord, message, "None", user=STRANGER)
    assert message["embeds"][0]["title"] == "How do your calves feel after yesterday's firm massage?"
    assert {"None", "Mild", "Moderate", "Severe", "Warning signs", "Ask me later"} <= _labels(message)
    assert moderate.ephemeral
    assert moderate.embeds[0]["title"] == "Moderate soreness, thanks for telling me"
    assert _labels(moderate) == {"Check again tomorrow"}
    assert severe.embeds[0]["title"] == "That is more soreness than a massage should leave"
    assert "see a doctor" in severe.embeds[0]["description"]
    assert stranger.ephemeral
    assert stranger.content.startswith("I couldn't find check-in #1 among yours")
    assert await rows(db_path, "SELECT soreness FROM answers") == [(3,)]
    assert await rows(db_path, "SELECT state FROM checkins") == [("sent",)]


async def test_warning_signs_send_the_member_to_urgent_care(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock = FakeClock()
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "2h"})
        await run_scheduler(bot, clock, hours=2)
        [message] = fake_discord.dm_messages(fake_discord.user.id)
        state = await fake_discord.click(message, button_id(message, "Warning signs"))
        reply = await fake_discord.final_reply(state)
    description = reply.embeds[0]["description"]
    assert reply.embeds[0]["title"] == "Please get medical help now"
    assert "emergency" in description and "swollen" in description and "dark urine" in description
    assert "cannot tell what is causing this" in description


async def test_check_in_survives_a_restart_and_arrives_once_saying_it_is_late(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path, alice = FakeClock(), database_location, fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock):
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1d"})
    clock.advance(hours=30)  # the bot was down when the check-in fell due
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await run_scheduler(bot, clock)
        await run_scheduler(bot, clock, minutes=5)
        [message] = fake_discord.dm_messages(alice)
        # The buttons were made by the previous process: they still work.
        reply = await fake_discord.final_reply(await fake_discord.click(message, button_id(message, "Mild")))
    assert "6h late" in message["embeds"][0]["description"]
    assert bot.metrics.registry.get_sample_value("kneadbot_checkins_late_total") == 1
    assert reply.embeds[0]["title"] == "Thanks, glad to hear it"
    assert await rows(db_path, "SELECT state FROM checkins") == [("sent",)]


async def test_closed_dms_fall_back_to_the_server_channel_pinging_only_the_member(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, alice = FakeClock(), fake_discord.user.id
    fake_discord.close_dms(alice)
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h", "note": "@everyone ouch"})
        await run_scheduler(bot, clock, hours=1)
    [posted] = [m for m in fake_discord.messages() if m["embeds"]]
    assert posted["content"] == f"<@{alice}>"
    [sent] = [r for r in fake_discord.requests_to("POST", SENT) if r.status == 200]
    assert sent.json["allowed_mentions"] == {"parse": [], "users": [alice]}
    assert "@everyone" not in json.dumps(posted)


async def test_closed_dms_and_a_channel_without_read_message_history_still_get_the_check_in(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    """Without Read Message History a retry after a crash cannot find a first copy there, so it might post a
    second: for a recovery check-in that is the lesser harm than none, so the bot still posts there."""
    clock, db_path, alice = FakeClock(), database_location, fake_discord.user.id
    fake_discord.close_dms(alice)
    general = fake_discord.guild.channel(fake_discord.channel_id)
    assert general is not None
    general.permission_overwrites = [Overwrite(fake_discord.guild.bot_role_id, 0, deny=p.READ_MESSAGE_HISTORY)]
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await run_scheduler(bot, clock, hours=1)
    [posted] = [m for m in fake_discord.messages() if m["embeds"]]
    assert posted["content"] == f"<@{alice}>"
    assert await rows(db_path, "SELECT state FROM checkins") == [("sent",)]


async def test_closed_dms_without_a_channel_tell_the_member_once(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path, alice = FakeClock(), database_location, fake_discord.user.id
    fake_discord.close_dms(alice)
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"}, dm=True)
        await run_scheduler(bot, clock, hours=1)
        first = await fake_discord.slash("tip", dm=True)
        [notice] = await fake_discord.wait_followups(first)
        second = await fake_discord.slash("tip", dm=True)
        await fake_discord.interaction_reply(second)
        await fake_discord.settle()
    assert await rows(db_path, "SELECT state FROM checkins") == [("undeliverable",)]
    assert bot.metrics.registry.get_sample_value("kneadbot_checkins_undeliverable_total") == 1
    assert "could not reach you by DM" in notice["content"]
    assert fake_discord.followups(second) == []
    assert len(fake_discord.requests_to("POST", SENT)) == 1  # tried once, no endless retries


async def test_rate_limits_and_server_errors_are_retried_without_doubling(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, db_path, alice = FakeClock(), database_location, fake_discord.user.id
    async with running_kneadbot(fake_discord, db_path, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await agree_and_log(fake_discord, {"area": "feet", "intensity": "light", "checkin_in": "1h"})
        fake_discord.fail_next("POST", SENT, status=429, retry_after=0.05)
        fake_discord.fail_next("POST", SENT, status=500)
        await run_scheduler(bot, clock, hours=1)
    assert len(fake_discord.dm_messages(alice)) == 2
    assert await rows(db_path, "SELECT state FROM checkins") == [("sent",), ("sent",)]
    assert [r.status for r in fake_discord.requests_to("POST", SENT)].count(200) == 2


async def click(fake: FakeDiscord, message: dict, label: str, **who: object) -> InteractionReply:
    return await fake.final_reply(await fake.click(message, button_id(message, label), **who))


def _labels(message: object) -> set[str]:
    rows_ = message.components if hasattr(message, "components") else message["components"]  # type: ignore[index]
    return {c["label"] for row in rows_ for c in row["components"]}


async def test_dm_channel_is_cached_so_a_check_in_costs_one_request(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock = FakeClock()
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"})
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "2h"})
        await run_scheduler(bot, clock, hours=1)
        first = len(fake_discord.requests)
        await run_scheduler(bot, clock, hours=1)
        second = [r for r in fake_discord.requests[first:] if not r.path.startswith("/interactions/")]
    assert len(fake_discord.requests_to("POST", r"^/users/@me/channels$")) == 1
    assert [(r.method, r.path) for r in second] == [("POST", f"/channels/{second[0].path.split('/')[2]}/messages")]


async def test_session_log_has_a_per_member_cooldown(fake_discord: FakeDiscord, database_location: Path | str) -> None:
    async with running_kneadbot(fake_discord, database_location):
        replies = [await agree_and_log(fake_discord, CALVES_FIRM) for _ in range(4)]
        other = await agree_and_log(fake_discord, CALVES_FIRM, user=STRANGER)
    assert [r.embeds[0]["title"] for r in replies[:3]] == ["Session logged"] * 3
    assert replies[3].ephemeral
    assert replies[3].content.startswith("Easy there")
    assert other.embeds[0]["title"] == "Session logged"


@pytest.mark.parametrize("why", ["member-left-the-server", "channel-hidden-from-the-member"])
async def test_a_check_in_is_never_posted_where_its_member_cannot_read_it(
    world: FakeDiscord, database_location: Path | str, why: str
) -> None:
    """A health question in a server channel is only a fallback for its own member, who must see it."""
    clock, db_path, alice = FakeClock(), database_location, world.user
    guild = world.guilds[A]
    staff = Channel(A + 13, "staff")
    guild.channels.append(staff)
    world.close_dms(alice.id)
    async with running_kneadbot(world, db_path, clock=clock):
        await agree_and_log(world, {**CALVES_FIRM, "checkin_in": "1h"}, channel_id=staff.id)
    if why == "member-left-the-server":
        guild.members = [m for m in guild.members if m.user.id != alice.id]
    else:
        staff.permission_overwrites = [Overwrite(alice.id, 1, deny=p.VIEW_CHANNEL)]
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await run_scheduler(bot, clock, hours=1)
    assert [m for m in world.messages(staff.id) if m["embeds"]] == []
    assert await rows(db_path, "SELECT state FROM checkins") == [("undeliverable",)]


async def test_a_notice_that_could_not_be_shown_is_shown_at_the_next_command(
    fake_discord: FakeDiscord, database_location: Path | str
) -> None:
    clock, alice = FakeClock(), fake_discord.user.id
    fake_discord.close_dms(alice)
    async with running_kneadbot(fake_discord, database_location, clock=clock) as bot:
        await agree_and_log(fake_discord, {**CALVES_FIRM, "checkin_in": "1h"}, dm=True)
        await run_scheduler(bot, clock, hours=1)
        refused = fake_discord.fail_next("POST", r"^/webhooks/\d+/[^/]+$", status=404, code=10015)
        first = await fake_discord.slash("help", dm=True)
        await fake_discord.interaction_reply(first)
        await fake_discord.wait_for_request("POST", r"^/webhooks/")
        await fake_discord.settle()
        second = await fake_discord.slash("help", dm=True)
        [notice] = await fake_discord.wait_followups(second)
    assert refused.hits
    assert fake_discord.followups(first) == []
    assert "could not reach you by DM" in notice["content"]
