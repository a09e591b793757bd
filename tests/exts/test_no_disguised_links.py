"""Text a server's moderators wrote can never show as a disguised link or a ping, wherever it is shown.

The hostile tip is stored the way a tip saved before masked links were refused would be (straight
into the database); every surface that shows it must then escape it. New tips with a masked link are
refused at input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiosqlite

from bot.app import KneadBot
from bot.guilds.models import AuditAction, TipFields
from bot.guilds.tip_input import MASKED_LINK_REFUSED
from bot.storage import audit as audit_sql
from bot.storage import daily_tips as daily_sql
from bot.storage import guild_tips as tips_sql
from bot.storage import guilds as guilds_sql
from bot.storage.transactions import transaction
from tests.clock import FakeClock
from tests.exts.checkin_steps import rows, run_daily_tips
from tests.exts.harness import real_library, running_kneadbot
from tests.exts.moderation_world import MANAGER, TIPS, A
from tests.exts.test_moderation import add_tip, run
from tests.fakediscord import FakeDiscord

HOSTILE_TEXT = "Read [NHS advice](https://evil.example/phish) first, @everyone, and ask <@123456789012345678>."
HOSTILE_SOURCE = "[NHS](https://evil.example/source)"
HOSTILE_URL = "https://evil.example/phish-source"
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*\]\(")


def embed_strings(embed: dict[str, Any]) -> Iterator[str]:
    yield embed.get("title", "")
    yield embed.get("description", "")
    for field in embed.get("fields", []):
        yield field["name"]
        yield field["value"]
    yield embed.get("footer", {}).get("text", "")


def assert_undisguised(embed: dict[str, Any]) -> None:
    """No masked link and no live mass mention anywhere in the embed; the hostile address is visible."""
    text = "\n".join(embed_strings(embed))
    assert not MASKED_LINK.search(text), text
    assert "@everyone" not in text and "<@123456789012345678>" not in text, text


async def store_hostile_tip(bot: KneadBot, clock: FakeClock) -> None:
    fields = TipFields(text=HOSTILE_TEXT, topic="warm-up", source_name=HOSTILE_SOURCE, source_url=HOSTILE_URL)
    async with transaction(bot.database):
        await guilds_sql.ensure(bot.database, A, clock())
        await tips_sql.insert(bot.database, A, fields, author_id=MANAGER.id, at=clock())


async def test_tip_tips_post_list_and_preview_escape_a_server_tip(world: FakeDiscord, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_kneadbot(world, tmp_path / "kb.sqlite3", clock=clock) as bot:
        await store_hostile_tip(bot, clock)
        shown = await run(world, "tip", {"topic": "warm-up"})
        await run(world, "tips post", {"channel": TIPS, "tip": "server-1"}, user=MANAGER)
        listed = await run(world, "tips list", user=MANAGER)
        preview = await run(world, "tips remove", {"tip": "server-1"}, user=MANAGER)
    [posted] = world.messages(TIPS.id)
    surfaces = {
        "/tip": shown.embeds[0],
        "/tips post": posted["embeds"][0],
        "/tips list": listed.embeds[0],
        "/tips remove": preview.embeds[0],
    }
    for surface, embed in surfaces.items():
        assert_undisguised(embed)
        assert "evil.example/phish" in "\n".join(embed_strings(embed)), surface  # shown, not hidden
    assert HOSTILE_URL in shown.embeds[0]["fields"][0]["value"]  # the source's address is written out
    assert not shown.ephemeral


async def test_the_daily_tip_escapes_a_server_tip(world: FakeDiscord, tmp_path: Path) -> None:
    clock = FakeClock()
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path, clock=clock) as bot:
        await store_hostile_tip(bot, clock)
        async with transaction(bot.database):  # every built-in tip already posted this cycle: the server's is next
            for tip in real_library().tips:
                await daily_sql.mark_used(bot.database, A, tip.id, clock())
        next_hour = {"channel": TIPS, "time": f"{clock().hour + 1:02}:00", "timezone": "UTC"}
        set_reply = await world.final_reply(await world.slash("daily-tip set", next_hour, user=MANAGER))
        assert (set_reply.content or "").startswith("Daily tip set.")
        await run_daily_tips(bot, clock, hours=1)
    [posted] = world.messages(TIPS.id)
    assert posted["embeds"][0]["title"].startswith("Tip of the day")
    assert "evil.example/phish" in posted["embeds"][0]["description"]
    assert_undisguised(posted["embeds"][0])
    assert await rows(db_path, "SELECT tip_id FROM daily_tip_posts") == [("server-1",)]


async def test_audit_lines_cannot_carry_a_disguised_link(world: FakeDiscord, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_kneadbot(world, tmp_path / "kb.sqlite3", clock=clock) as bot:
        await run(world, "config log-channel", {"channel": TIPS}, user=MANAGER)
        async with transaction(bot.database):
            entry = await audit_sql.insert(
                bot.database,
                guild_id=A,
                actor_id=MANAGER.id,
                action=AuditAction.ADD_TIP,
                detail="Added tip [server-1](https://evil.example/audit)",
                at=clock(),
                keep=500,
            )
        bot.dispatch("audit_recorded", entry)  # what every audit trail does once its entry is committed
        posts = rf"^/channels/{TIPS.id}/messages$"
        log_channel_set = await world.wait_for_request("POST", posts)  # mirrored first, whenever it lands
        await world.wait_for_request("POST", posts, since=world.requests.index(log_channel_set) + 1)
        audit = await run(world, "tips audit", user=MANAGER)
    mirrored = world.messages(TIPS.id)[-1]
    for embed in (audit.embeds[0], mirrored["embeds"][0]):
        assert_undisguised(embed)
        assert "evil.example/audit" in embed["description"]


async def test_a_masked_link_in_a_new_tip_is_refused_with_a_reason(world: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(world, db_path):
        refused = await add_tip(world, MANAGER, text=HOSTILE_TEXT)
        disguised_source = await add_tip(world, MANAGER, source_name=HOSTILE_SOURCE)
        plain = await add_tip(world, MANAGER, text="Ask first, then read https://www.nhs.uk/ before any deep work.")
    assert refused.ephemeral and refused.content == MASKED_LINK_REFUSED
    assert disguised_source.content == "The source name must be plain text; put the address in the source link."
    assert plain.embeds[0]["title"] == "Tip server-1 added"
    async with aiosqlite.connect(db_path) as db:
        assert [tuple(r) for r in await db.execute_fetchall("SELECT id FROM guild_tips")] == [(1,)]
