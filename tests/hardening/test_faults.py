"""Discord misbehaving, through the real client: rate limits, outages, refusals and a dropped gateway.

tests/exts/test_checkins.py already covers a route 429 and one 500 on check-in sends; this file adds
the rest: a global 429, 429s and 500/502s on interaction callbacks and follow-ups, 502s on DM channel
creation and sends, a 403 from a channel the bot believed it could post in, and the gateway dropping
(resumed, and not resumable) in the middle of deliveries. After each fault the bot still answers
commands, and every check-in reached its member exactly once (counted by the "Check-in #<id>" footer
of the messages Discord stored).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import count
from pathlib import Path

import aiosqlite
import pytest

from bot.app import KneadBot
from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, rows, run_scheduler
from tests.exts.harness import checkins_of, running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply, Member, RecordedRequest, User
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.hardening import world as w

SEND = r"^/channels/\d+/messages$"
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
FOLLOW_UP = r"^/webhooks/\d+/[^/]+$"
FOOTER = re.compile(r"^Check-in #(\d+) ")
FRESH_IDS = count(1_700_000_000_000_000_001)


async def still_serving(fake: FakeDiscord) -> InteractionReply:
    """A new member runs /tip and gets a tip: the bot is answering commands."""
    reply = await fake.final_reply(await fake.slash("tip", user=User(next(FRESH_IDS), "later")))
    assert reply.embeds and reply.embeds[0]["title"].startswith("Tip · "), reply
    return reply


def check_ins_received(fake: FakeDiscord) -> Counter[int]:
    """How many messages Discord holds for each check-in id, across every channel."""
    found: Counter[int] = Counter()
    for messages in fake.store.channel_messages.values():
        for message in messages:
            for embed in message.get("embeds") or []:
                match = FOOTER.match((embed.get("footer") or {}).get("text", ""))
                if match:
                    found[int(match[1])] += 1
    return found


async def log_check_ins(bot: KneadBot, members: int, each: int) -> None:
    """Consented members with check-ins due in an hour (through the service: /session log has a cooldown)."""
    for _ in range(members):
        member = next(FRESH_IDS)
        await checkins_of(bot).give_consent(member)
        for _ in range(each):
            await checkins_of(bot).log_session(member, "calves", "firm", check_in_after="1h")


async def assert_each_delivered_once(db_path: Path, fake: FakeDiscord, expected: int) -> None:
    received = check_ins_received(fake)
    assert len(received) == expected, received
    assert set(received.values()) == {1}, {i: n for i, n in received.items() if n > 1}
    assert await rows(db_path, "SELECT DISTINCT state FROM checkins") == [("sent",)]


# ---------------------------------------------------------------- rate limits


async def test_a_global_rate_limit_on_sends_delays_check_ins_but_never_doubles_them(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await log_check_ins(bot, members=2, each=2)
        limits = fake.fail_next("POST", SEND, status=429, retry_after=0.2, global_=True, count=2)
        await run_scheduler(bot, clock, hours=1)
        await still_serving(fake)
    assert len(limits.hits) == 2
    await assert_each_delivered_once(db_path, fake, expected=4)


@pytest.mark.parametrize("scope", ["route", "global"])
async def test_a_rate_limited_interaction_callback_is_retried_within_the_deadline(
    fake: FakeDiscord, tmp_path: Path, scope: str
) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        limit = fake.fail_next("POST", CALLBACK, status=429, retry_after=0.3, global_=scope == "global")
        reply = await fake.final_reply(await fake.slash("faq", {"question": "blood-clots"}))
        await still_serving(fake)
    assert limit.hits
    assert reply.embeds[0]["title"]  # answered once, after waiting out the limit (a second ack is a violation)


# ---------------------------------------------------------------- Discord's own errors


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_on_an_interaction_callback_is_retried_within_the_deadline(
    fake: FakeDiscord, tmp_path: Path, status: int
) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        error = fake.fail_next("POST", CALLBACK, status=status)
        reply = await fake.final_reply(await fake.slash("technique", {"name": "calf"}))
        await still_serving(fake)
    assert error.hits
    assert reply.embeds[0]["title"].startswith("Calf massage · Step 1")


async def test_a_bad_gateway_on_a_follow_up_delivers_the_notice_once(fake: FakeDiscord, tmp_path: Path) -> None:
    """The "could not reach you" notice is a follow-up; a 502 on it must not lose it or send it twice."""
    clock, db_path, member = FakeClock(), tmp_path / "kb.sqlite3", User(next(FRESH_IDS), "closed-dms")
    fake.close_dms(member.id)
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await agree_and_log(fake, {"area": "feet", "intensity": "light", "checkin_in": "1h"}, user=member, dm=True)
        await run_scheduler(bot, clock, hours=1)
        error = fake.fail_next("POST", FOLLOW_UP, status=502)
        first = await fake.slash("help", user=member, dm=True)
        notices = await fake.wait_followups(first)
        second = await fake.slash("help", user=member, dm=True)
        await fake.final_reply(second)
        await fake.settle()
    assert error.hits
    assert len(notices) == 1 and "could not reach you by DM" in notices[0]["content"]
    assert fake.followups(second) == []
    assert await rows(db_path, "SELECT state FROM checkins") == [("undeliverable",)]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", r"^/users/@me/channels$"), ("POST", SEND)],
    ids=["creating the DM channel", "sending the check-in"],
)
async def test_a_bad_gateway_while_delivering_neither_loses_nor_doubles_a_check_in(
    fake: FakeDiscord, tmp_path: Path, method: str, path: str
) -> None:
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await log_check_ins(bot, members=2, each=1)
        error = fake.fail_next(method, path, status=502)
        await run_scheduler(bot, clock, hours=1)
        await run_scheduler(bot, clock, minutes=5)  # any retry the bot scheduled for itself
        await still_serving(fake)
    assert error.hits
    await assert_each_delivered_once(db_path, fake, expected=2)


# ---------------------------------------------------------------- refusals


async def test_a_refused_fallback_channel_marks_the_check_in_undeliverable_and_tells_the_member(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """DMs closed, and the server channel answers 403 although the bot's cache says it may post there."""
    clock, db_path, member = FakeClock(), tmp_path / "kb.sqlite3", User(next(FRESH_IDS), "closed-dms")
    fake.guilds[w.A].members.append(Member(member))  # still in the server, so the channel is a fallback
    fake.close_dms(member.id)
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await agree_and_log(fake, {"area": "feet", "intensity": "light", "checkin_in": "1h"}, user=member)
        refusal = fake.fail_next("POST", rf"^/channels/{w.GENERAL.id}/messages$", status=403, code=50013)
        await run_scheduler(bot, clock, hours=1)
        await run_scheduler(bot, clock, minutes=5)
        state = await fake.slash("tip", {}, user=member, channel_id=w.GENERAL.id)
        [notice] = await fake.wait_followups(state)
        await still_serving(fake)
    assert refusal.hits
    assert [m for m in fake.messages(w.GENERAL.id) if (m["content"] or "").startswith("<@")] == []
    assert "could not reach you by DM" in notice["content"]
    async with aiosqlite.connect(db_path) as db:
        assert list(await db.execute_fetchall("SELECT state FROM checkins")) == [("undeliverable",)]


async def test_a_refused_tip_post_is_reported_to_the_moderator_and_not_audited(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake, db_path):
        fake.fail_next("POST", rf"^/channels/{w.TIPS.id}/messages$", status=403, code=50001)
        refused = await fake.final_reply(
            await fake.slash("tips post", {"channel": w.TIPS}, user=w.MANAGER, channel_id=w.GENERAL.id)
        )
        posted = await fake.final_reply(
            await fake.slash("tips post", {"channel": w.TIPS}, user=w.MANAGER, channel_id=w.GENERAL.id)
        )
        await still_serving(fake)
    assert refused.ephemeral
    assert refused.content == f"Discord refused my post in <#{w.TIPS.id}>."
    assert posted.content.startswith("Posted `")
    assert len(fake.messages(w.TIPS.id)) == 1
    assert len(await rows(db_path, "SELECT * FROM audit_log")) == 1


# ---------------------------------------------------------------- the gateway


@pytest.mark.parametrize("resumable", [True, False], ids=["resumed", "re-identified"])
async def test_a_dropped_gateway_mid_delivery_loses_and_doubles_nothing(
    fake: InterceptingFakeDiscord, tmp_path: Path, resumable: bool
) -> None:
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    sends: list[RecordedRequest] = []

    async def drop_at_the_tenth_send(record: RecordedRequest, _response: object) -> None:
        if record.method == "POST" and re.match(SEND, record.path):
            sends.append(record)
            if len(sends) == 10:  # the tenth check-in is stored; the bot has not read the answer yet
                await fake.drop_gateway(resumable=resumable, wait=False)

    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await log_check_ins(bot, members=3, each=10)
        resumes, identifies = fake.gateway.resumes, fake.gateway.identifies
        fake.after_response.append(drop_at_the_tenth_send)
        await run_scheduler(bot, clock, hours=1)
        await fake.gateway.wait_live(5)
        await still_serving(fake)
    assert len(sends) == 30
    assert (fake.gateway.resumes - resumes, fake.gateway.identifies - identifies) == ((1, 0) if resumable else (0, 1))
    await assert_each_delivered_once(db_path, fake, expected=30)


async def test_a_command_sent_while_the_gateway_is_down_is_answered_after_it_resumes(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await fake.drop_gateway(wait=False)
        waiting = await fake.slash("help", user=User(next(FRESH_IDS), "impatient"))  # delivered on RESUME
        reply = await fake.final_reply(waiting)
        await still_serving(fake)
    assert fake.gateway.resumes == 1
    assert reply.embeds[0]["title"] == "About kneadbot"
