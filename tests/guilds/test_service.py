"""Server settings, the moderator check, the audit trail and the 30-day lifecycle, per server."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.guilds.audit import AuditTrail
from bot.guilds.errors import BadModRole, NotModerator, ServerOnly
from bot.guilds.models import AuditAction, AuditEntry, GuildConfig
from bot.guilds.service import GuildService
from bot.guilds.tips import GuildTipService
from bot.storage.db import Database, open_database
from tests.clock import FakeClock
from tests.guilds.support import MOD_A, MOD_B, SERVER_A, SERVER_B, tip_fields
from tests.sql import fetch_all

MOD_ROLE, LOG_CHANNEL = 5_555, 6_666


async def test_a_new_server_has_the_defaults(guilds: GuildService) -> None:
    assert await guilds.config(SERVER_A) == GuildConfig(SERVER_A)


async def test_settings_are_stored_per_server(guilds: GuildService) -> None:
    await guilds.set_mod_role(SERVER_A, MOD_A, MOD_ROLE)
    await guilds.set_log_channel(SERVER_A, MOD_A, LOG_CHANNEL)

    assert await guilds.config(SERVER_A) == GuildConfig(SERVER_A, mod_role_id=MOD_ROLE, log_channel_id=LOG_CHANNEL)
    assert await guilds.config(SERVER_B) == GuildConfig(SERVER_B)

    cleared = await guilds.set_mod_role(SERVER_A, MOD_A, None)
    assert (cleared.mod_role_id, cleared.log_channel_id) == (None, LOG_CHANNEL)


async def test_the_everyone_role_cannot_be_the_mod_role(guilds: GuildService) -> None:
    with pytest.raises(BadModRole, match="@everyone"):
        await guilds.set_mod_role(SERVER_A, MOD_A, SERVER_A)
    assert await guilds.recent_actions(SERVER_A) == []


async def test_moderator_commands_refuse_in_dms(guilds: GuildService) -> None:
    with pytest.raises(ServerOnly, match="only work in a server"):
        await guilds.check_moderator(None, has_manage_guild=True, role_ids=[])


async def test_the_mod_role_counts_only_in_its_own_server(guilds: GuildService) -> None:
    await guilds.set_mod_role(SERVER_A, MOD_A, MOD_ROLE)

    assert await guilds.check_moderator(SERVER_A, has_manage_guild=False, role_ids=[MOD_ROLE]) == SERVER_A
    with pytest.raises(NotModerator, match="Only moderators can do that"):
        await guilds.check_moderator(SERVER_B, has_manage_guild=False, role_ids=[MOD_ROLE])
    assert await guilds.check_moderator(SERVER_B, has_manage_guild=True, role_ids=[]) == SERVER_B


async def test_audit_shows_the_last_20_actions_newest_first(guilds: GuildService, clock: FakeClock) -> None:
    for channel in range(25):
        await guilds.set_log_channel(SERVER_A, MOD_A, channel)
        clock.advance(minutes=1)
    await guilds.record_tip_posted(SERVER_B, MOD_B, "light-first", 9)

    entries = await guilds.recent_actions(SERVER_A)

    assert [entry.detail for entry in entries] == [f"Log channel set to <#{channel}>" for channel in range(24, 4, -1)]
    assert [entry.at for entry in entries] == sorted((entry.at for entry in entries), reverse=True)
    assert {(entry.guild_id, entry.actor_id, entry.action) for entry in entries} == {
        (SERVER_A, MOD_A, AuditAction.SET_LOG_CHANNEL)
    }
    [posted] = await guilds.recent_actions(SERVER_B)
    assert (posted.action, posted.detail) == (AuditAction.POST_TIP, "Posted tip light-first in <#9>")


async def test_audit_keeps_a_bounded_history_per_server(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.guilds.audit.KEPT_PER_GUILD", 3)
    guilds = GuildService(db, audit=AuditTrail(db, clock=clock), clock=clock)
    await guilds.set_log_channel(SERVER_B, MOD_B, 1)
    for channel in range(6):
        await guilds.set_log_channel(SERVER_A, MOD_A, channel)

    assert [e.detail[-4:] for e in await guilds.recent_actions(SERVER_A)] == ["<#5>", "<#4>", "<#3>"]
    assert len(await guilds.recent_actions(SERVER_B)) == 1


async def test_audit_listeners_hear_committed_actions_only(guilds: GuildService, audit: AuditTrail) -> None:
    heard: list[AuditEntry] = []
    audit.recorded.add(heard.append)

    def broken(entry: AuditEntry) -> None:
        raise RuntimeError("the log channel is gone")

    audit.recorded.add(broken)  # a broken listener neither fails the action nor silences others

    await guilds.set_mod_role(SERVER_A, MOD_A, MOD_ROLE)
    with pytest.raises(BadModRole):
        await guilds.set_mod_role(SERVER_A, MOD_A, SERVER_A)

    assert [entry.detail for entry in heard] == [f"Moderator role set to <@&{MOD_ROLE}>"]
    assert heard == await guilds.recent_actions(SERVER_A)


async def test_a_departed_servers_data_is_purged_after_30_days_not_before(
    guilds: GuildService, tips: GuildTipService, clock: FakeClock, db: Database
) -> None:
    await guilds.set_mod_role(SERVER_A, MOD_A, MOD_ROLE)
    await tips.add(SERVER_A, MOD_A, **tip_fields())
    await tips.add(SERVER_B, MOD_B, **tip_fields())
    left_at = clock()
    await guilds.mark_left(SERVER_A)
    clock.advance(days=10)
    await guilds.mark_left(SERVER_A)  # told twice: the 30 days still count from the first time

    assert await guilds.purge_departed(left_at + timedelta(days=30) - timedelta(seconds=1)) == []
    assert (await guilds.config(SERVER_A)).left_at == left_at
    assert await guilds.purge_departed(left_at + timedelta(days=30)) == [SERVER_A]

    assert await guilds.config(SERVER_A) == GuildConfig(SERVER_A)
    assert (await tips.list_page(SERVER_A)).total_tips == 0
    assert await guilds.recent_actions(SERVER_A) == []
    assert (await tips.list_page(SERVER_B)).total_tips == 1
    for table in ("guild_tips", "audit_log", "daily_tip_schedules", "daily_tip_posts", "daily_tip_cycle"):
        rows = await fetch_all(db, f"SELECT count(*) FROM {table} WHERE guild_id = ?", SERVER_A)
        assert next(iter(rows))[0] == 0, table


async def test_rejoining_within_30_days_keeps_everything(
    guilds: GuildService, tips: GuildTipService, clock: FakeClock
) -> None:
    await tips.add(SERVER_A, MOD_A, **tip_fields())
    await guilds.mark_left(SERVER_A)
    clock.advance(days=29)
    await guilds.mark_joined(SERVER_A)

    assert await guilds.purge_departed(clock() + timedelta(days=365)) == []
    assert (await guilds.config(SERVER_A)).left_at is None
    assert (await tips.list_page(SERVER_A)).total_tips == 1


async def test_leaving_a_server_the_bot_never_stored_anything_for_is_fine(
    guilds: GuildService, clock: FakeClock
) -> None:
    await guilds.mark_left(SERVER_B)
    assert await guilds.purge_departed(clock() + timedelta(days=30)) == [SERVER_B]


async def test_concurrent_clicks_on_post_this_claim_one_post(
    database_location: Path | str, db: Database, clock: FakeClock
) -> None:
    """Several processes' clicks on one checked answer's "Post this in the channel": exactly one may post,
    on PostgreSQL's READ COMMITTED as on SQLite; a refused post handed back can be claimed again."""
    message_id, faq_id = 777_000, "calf-cramp"
    processes = [await open_database(database_location) for _ in range(3)]
    try:
        services = [GuildService(p, audit=AuditTrail(p, clock=clock), clock=clock) for p in processes]
        claims = await asyncio.gather(
            *(services[n % 3].claim_check_post(SERVER_A, MOD_A, message_id, faq_id) for n in range(9))
        )
        assert claims.count(True) == 1
        await services[0].release_check_post(SERVER_A, message_id, faq_id)
        assert await services[1].claim_check_post(SERVER_A, MOD_B, message_id, faq_id) is True
        assert await services[2].claim_check_post(SERVER_A, MOD_A, message_id, "other-answer") is True
    finally:
        for process in processes:
            await process.close()

    rows = await fetch_all(db, "SELECT faq_id, posted_by FROM posted_checks ORDER BY faq_id")
    assert [tuple(row) for row in rows] == [("calf-cramp", MOD_B), ("other-answer", MOD_A)]
