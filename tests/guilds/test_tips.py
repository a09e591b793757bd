"""A server's own tips: stored as typed, limited, paged, and invisible to every other server."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.guilds.errors import BadSource, GuildTipNotFound, TooManyTips
from bot.guilds.service import GuildService
from bot.guilds.tips import MAX_TIPS_PER_GUILD, GuildTipService, parse_tip_ref
from bot.library.library import Library
from bot.library.loader import load_content
from bot.storage.db import Database
from tests.clock import FakeClock
from tests.guilds.support import MOD_A, MOD_B, SERVER_A, SERVER_B, tip_fields
from tests.library.content_factory import faq, guide, tip, write_content
from tests.sql import execute_many


async def test_a_tip_is_stored_with_its_author_source_and_time(tips: GuildTipService, clock: FakeClock) -> None:
    added = await tips.add(SERVER_A, MOD_A, **tip_fields(topic="Pressure Tips"))

    stored = await tips.get(SERVER_A, added.id)
    assert stored == added
    assert stored.ref == f"server-{added.id}"
    assert stored.fields.topic == "pressure-tips"
    assert (stored.author_id, stored.created_at, stored.edited_at) == (MOD_A, clock(), None)
    assert (stored.fields.source_name, stored.fields.source_url) == (
        "NHS: Exercise",
        "https://www.nhs.uk/live-well/exercise/",
    )


async def test_mentions_are_stored_verbatim_for_the_ui_to_escape(tips: GuildTipService) -> None:
    text = "@everyone ask <@&123> and <@456> before going firm."
    added = await tips.add(SERVER_A, MOD_A, **tip_fields(text=text, source_name="@here"))
    assert (added.fields.text, added.fields.source_name) == (text, "@here")


async def test_invalid_tips_are_refused_and_nothing_is_stored(tips: GuildTipService) -> None:
    with pytest.raises(BadSource, match="must start with https://"):
        await tips.add(SERVER_A, MOD_A, **tip_fields(source_url="javascript:alert(1)"))
    assert (await tips.list_page(SERVER_A)).total_tips == 0


async def test_a_server_can_have_at_most_500_tips(tips: GuildTipService, db: Database, clock: FakeClock) -> None:
    await tips.add(SERVER_A, MOD_A, **tip_fields())
    await execute_many(
        db,
        "INSERT INTO guild_tips (guild_id, topic, text, source_name, source_url, author_id, created_at)"
        " VALUES (?, 'calves', 'Some tip text here.', 'NHS', 'https://www.nhs.uk/', ?, ?)",
        [(SERVER_A, MOD_A, clock())] * (MAX_TIPS_PER_GUILD - 1),
    )

    with pytest.raises(TooManyTips, match="A server can have at most 500 tips"):
        await tips.add(SERVER_A, MOD_A, **tip_fields())
    await tips.add(SERVER_B, MOD_B, **tip_fields())  # the cap is per server
    assert (await tips.list_page(SERVER_A)).total_tips == MAX_TIPS_PER_GUILD


async def test_edit_replaces_the_fields_and_records_when(tips: GuildTipService, clock: FakeClock) -> None:
    added = await tips.add(SERVER_A, MOD_A, **tip_fields())
    clock.advance(hours=2)

    edited = await tips.edit(
        SERVER_A, MOD_B, added.id, **tip_fields(text="Go lighter over the shin bone.", topic="Shins")
    )

    assert (edited.fields.text, edited.fields.topic) == ("Go lighter over the shin bone.", "shins")
    assert (edited.author_id, edited.created_at, edited.edited_at) == (MOD_A, added.created_at, clock())


async def test_one_server_cannot_see_edit_or_remove_another_servers_tip(tips: GuildTipService) -> None:
    theirs = await tips.add(SERVER_B, MOD_B, **tip_fields())

    with pytest.raises(GuildTipNotFound):
        await tips.get(SERVER_A, theirs.id)
    with pytest.raises(GuildTipNotFound):
        await tips.edit(SERVER_A, MOD_A, theirs.id, **tip_fields(text="Hijacked text, long enough."))
    with pytest.raises(GuildTipNotFound):
        await tips.remove(SERVER_A, MOD_A, theirs.id)

    assert await tips.get(SERVER_B, theirs.id) == theirs
    assert await tips.all_as_library_tips(SERVER_A) == []
    assert await tips.suggestions(SERVER_A, "") == []


async def test_remove_returns_the_tip_and_its_id_is_never_reused(tips: GuildTipService) -> None:
    first = await tips.add(SERVER_A, MOD_A, **tip_fields())
    assert await tips.remove(SERVER_A, MOD_A, first.id) == first
    with pytest.raises(GuildTipNotFound):
        await tips.remove(SERVER_A, MOD_A, first.id)

    second = await tips.add(SERVER_A, MOD_A, **tip_fields())
    assert second.id > first.id


async def test_list_pages_ten_tips_at_a_time_and_clamps_the_page(tips: GuildTipService) -> None:
    empty = await tips.list_page(SERVER_A)
    assert (empty.tips, empty.number, empty.total_pages, empty.total_tips) == ((), 1, 1, 0)

    added = [await tips.add(SERVER_A, MOD_A, **tip_fields(text=f"Tip number {n:02} is gentle.")) for n in range(25)]
    await tips.add(SERVER_B, MOD_B, **tip_fields())

    pages = [await tips.list_page(SERVER_A, number) for number in (1, 2, 3)]
    assert [len(page.tips) for page in pages] == [10, 10, 5]
    assert [tip for page in pages for tip in page.tips] == added
    assert {(page.total_pages, page.total_tips) for page in pages} == {(3, 25)}
    assert (await tips.list_page(SERVER_A, 0)).number == 1
    assert (await tips.list_page(SERVER_A, 99)).tips == pages[2].tips


async def test_suggestions_match_id_topic_or_text(tips: GuildTipService) -> None:
    calves = await tips.add(SERVER_A, MOD_A, **tip_fields())
    feet = await tips.add(SERVER_A, MOD_A, **tip_fields(text="Roll the arch over a ball.", topic="feet"))

    assert await tips.suggestions(SERVER_A, "FEET") == [feet]
    assert await tips.suggestions(SERVER_A, calves.ref) == [calves]
    assert await tips.suggestions(SERVER_A, "") == [calves, feet]


async def test_server_tips_join_the_built_in_ones_in_that_server_only(tips: GuildTipService, tmp_path: Path) -> None:
    content = write_content(
        tmp_path / "content",
        tips=[tip("light-first", "pressure")],
        faqs=[faq("how-often", "How often?")],
        guides=[guide("calf", "Calf massage")],
    )
    library = Library(load_content(content), rng=random.Random(1))
    ours = await tips.add(SERVER_A, MOD_A, **tip_fields(topic="Server Only"))

    extra = await tips.all_as_library_tips(SERVER_A)
    assert [t.id for t in extra] == [ours.ref]
    assert library.pick_tip("server-only", extra_tips=extra).text == ours.fields.text
    assert "server-only" in library.topics(extra)
    assert "server-only" not in library.topics(await tips.all_as_library_tips(SERVER_B))


async def test_every_tip_change_is_audited(tips: GuildTipService, guilds: GuildService) -> None:
    added = await tips.add(SERVER_A, MOD_A, **tip_fields())
    await tips.edit(SERVER_A, MOD_B, added.id, **tip_fields(topic="feet"))
    await tips.remove(SERVER_A, MOD_A, added.id)

    entries = await guilds.recent_actions(SERVER_A)
    assert [(e.actor_id, e.detail) for e in entries] == [
        (MOD_A, f"Removed tip {added.ref} (feet)"),
        (MOD_B, f"Edited tip {added.ref} (feet)"),
        (MOD_A, f"Added tip {added.ref} (calves)"),
    ]
    assert await guilds.recent_actions(SERVER_B) == []


@pytest.mark.parametrize(("typed", "expected"), [("server-12", 12), (" Server-7 ", 7), ("42", 42)])
def test_tip_refs_are_read_with_or_without_the_prefix(typed: str, expected: int) -> None:
    assert parse_tip_ref(typed) == expected


@pytest.mark.parametrize("typed", ["", "server-", "light-first", "server-1x", "-3", "1" * 19])
def test_unreadable_tip_refs_are_not_found(typed: str) -> None:
    with pytest.raises(GuildTipNotFound):
        parse_tip_ref(typed)
