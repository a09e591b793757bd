"""Security through the real client: members never reach each other's data, servers never reach each
other's settings, and the bot token never reaches a log.

Every attack is a request a member can really make or craft: a slash command with someone else's
id, a press on someone else's check-in buttons where they are visible to all (the server-channel
fallback when DMs are closed), a custom_id edited to name someone else's check-in, a click on a
prompt the attacker was never shown, a channel option naming another server's channel. Each test
also runs the honest case next to the attack, so an assertion that "the secret is absent" cannot
pass merely because nothing was shown at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.log import setup_logging
from tests.clock import FakeClock
from tests.exts.checkin_steps import agree_and_log, button_id, rows, run_scheduler
from tests.exts.harness import checkins_of, running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply, Member, RecordedRequest, User
from tests.fakediscord.faults import error_response
from tests.fakediscord.interceptors import InterceptingFakeDiscord
from tests.fakediscord.process import BotProcess, bot_environment
from tests.hardening import world as w

ALICE, STRANGER = w.ALICE, w.STRANGER
ALICE_NOTE = "alice-private-note-7731"
STRANGER_NOTE = "stranger-own-note"
NOT_AMONG_YOURS = "I couldn't find check-in #{id} among yours"
MEMBER_TABLES = ("members", "sessions", "checkins", "answers")


async def reply_to(
    fake: FakeDiscord, command: str, options: dict[str, Any] | None = None, **who: Any
) -> InteractionReply:
    return await fake.final_reply(await fake.slash(command, options or {}, **who))


def everything_in(reply: InteractionReply) -> str:
    return json.dumps(reply.data, ensure_ascii=False) + "".join(f.data.decode(errors="replace") for f in reply.files)


async def log_for_both(fake: FakeDiscord) -> None:
    """Alice logs check-in #1 (with a private note), the stranger logs #2; both are due in an hour."""
    await agree_and_log(fake, {"area": "calves", "intensity": "firm", "checkin_in": "1h", "note": ALICE_NOTE})
    await agree_and_log(
        fake, {"area": "feet", "intensity": "light", "checkin_in": "1h", "note": STRANGER_NOTE}, user=STRANGER
    )


async def member_rows(db_path: Path, user_id: int) -> dict[str, list[tuple[Any, ...]]]:
    return {t: await rows(db_path, f"SELECT * FROM {t} WHERE user_id = ? ORDER BY 1", user_id) for t in MEMBER_TABLES}


# ---------------------------------------------------------------- members' own data


async def test_upcoming_lists_only_the_askers_check_ins(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await log_for_both(fake)
        theirs = await reply_to(fake, "session upcoming", user=STRANGER)
        typed = await fake.autocomplete("session cancel", {"checkin": "1"}, "checkin", user=STRANGER)
        offered = await fake.final_reply(typed)
        hers = await reply_to(fake, "session upcoming")
    assert "#2 " in theirs.embeds[0]["description"]
    assert "#1 " not in theirs.embeds[0]["description"]
    assert [c["value"] for c in offered.choices] == [2]  # typing her id offers nothing of hers
    assert "#1 " in hers.embeds[0]["description"]


async def test_cancelling_another_members_check_in_looks_like_a_missing_one(fake: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake, db_path):
        await log_for_both(fake)
        before = await member_rows(db_path, ALICE.id)
        hers = await reply_to(fake, "session cancel", {"checkin": 1}, user=STRANGER)
        missing = await reply_to(fake, "session cancel", {"checkin": 999}, user=STRANGER)
        after = await member_rows(db_path, ALICE.id)
    assert hers.ephemeral
    assert hers.content.startswith(NOT_AMONG_YOURS.format(id=1))
    assert hers.content.replace("#1 ", "#N ") == missing.content.replace("#999 ", "#N ")  # no existence oracle
    assert after == before


async def test_history_never_shows_another_members_sessions(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await log_for_both(fake)
        theirs = await reply_to(fake, "session history", user=STRANGER)
        hers = await reply_to(fake, "session history")
    assert STRANGER_NOTE in everything_in(theirs)
    assert ALICE_NOTE not in everything_in(theirs)
    assert len(theirs.embeds[0]["fields"]) == 1
    assert ALICE_NOTE in everything_in(hers)


async def test_export_holds_only_the_askers_rows(fake: FakeDiscord, tmp_path: Path) -> None:
    clock = FakeClock()
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3", clock=clock) as bot:
        await log_for_both(fake)
        await run_scheduler(bot, clock, hours=1)
        for user in (ALICE, STRANGER):
            message = fake.dm_messages(user.id)[-1]
            await fake.final_reply(await fake.click(message, button_id(message, "Mild"), user=user))
        theirs = await reply_to(fake, "mydata export", user=STRANGER)
        hers = await reply_to(fake, "mydata export")
    [file] = theirs.files
    exported = json.loads(file.data)
    assert exported["user_id"] == STRANGER.id
    assert {row["user_id"] for part in ("sessions", "checkins", "answers") for row in exported[part]} == {STRANGER.id}
    assert ALICE_NOTE not in file.data.decode()
    assert str(ALICE.id) not in file.data.decode()
    assert ALICE_NOTE in hers.files[0].data.decode()


async def test_delete_erases_only_the_askers_data_and_only_they_can_confirm(fake: FakeDiscord, tmp_path: Path) -> None:
    db_path = tmp_path / "kb.sqlite3"
    async with running_kneadbot(fake, db_path):
        await log_for_both(fake)
        alices_before = await member_rows(db_path, ALICE.id)
        her_prompt = await reply_to(fake, "mydata delete")
        hijack = await fake.final_reply(
            await fake.click(her_prompt, button_id(her_prompt, "Delete everything"), user=STRANGER)
        )
        after_hijack = await member_rows(db_path, ALICE.id)
        their_prompt = await reply_to(fake, "mydata delete", user=STRANGER)
        done = await fake.final_reply(
            await fake.click(their_prompt, button_id(their_prompt, "Delete everything"), user=STRANGER)
        )
        alices_after = await member_rows(db_path, ALICE.id)
        strangers_after = await member_rows(db_path, STRANGER.id)
    assert hijack.ephemeral
    assert hijack.content.startswith("Only the member who opened this")
    assert after_hijack == alices_before
    assert done.content == "Done: everything of yours is erased."
    assert alices_after == alices_before
    assert all(not found for found in strangers_after.values())


CHECKIN_BUTTONS = ["None", "Mild", "Moderate", "Severe", "Warning signs", "Ask me later", "Check again tomorrow"]


@pytest.mark.parametrize("label", CHECKIN_BUTTONS)
async def test_another_member_pressing_her_check_in_buttons_changes_nothing(
    fake: FakeDiscord, tmp_path: Path, label: str
) -> None:
    """With her DMs closed, her check-in is posted in the server channel, where anyone can press it."""
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    fake.close_dms(ALICE.id)
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await log_for_both(fake)
        await run_scheduler(bot, clock, hours=1)
        [posted] = [m for m in fake.messages(w.GENERAL.id) if m["embeds"] and m["content"] == f"<@{ALICE.id}>"]
        target: Any = posted
        if label == "Check again tomorrow":  # offered on her private advice after a moderate answer
            target = await fake.final_reply(await fake.click(posted, button_id(posted, "Moderate")))
        alices_before = await member_rows(db_path, ALICE.id)
        pressed = await fake.final_reply(await fake.click(target, button_id(target, label), user=STRANGER))
        alices_after = await member_rows(db_path, ALICE.id)
    assert pressed.ephemeral
    assert pressed.content.startswith(NOT_AMONG_YOURS.format(id=1)), pressed.content
    assert alices_after == alices_before


async def test_a_forged_custom_id_naming_her_check_in_changes_nothing(fake: FakeDiscord, tmp_path: Path) -> None:
    """The attacker presses a button on their own check-in with the custom_id edited to name hers.

    discord.py ignores a custom_id the message does not carry (Discord relays the message as it is
    stored, so that cannot be forged); should that ever change, the service's owner check still holds.
    """
    clock, db_path = FakeClock(), tmp_path / "kb.sqlite3"
    actions = ["s0", "s1", "s2", "s3", "warn", "later", "again"]
    async with running_kneadbot(fake, db_path, clock=clock) as bot:
        await log_for_both(fake)
        await run_scheduler(bot, clock, hours=1)
        [her_message], [their_message] = fake.dm_messages(ALICE.id), fake.dm_messages(STRANGER.id)
        await fake.final_reply(await fake.click(her_message, button_id(her_message, "Moderate")))
        alices_before = await member_rows(db_path, ALICE.id)
        states = []
        for custom_id in [f"kb:ci:1:{a}" for a in actions] + ["kb:ci:99999999999999999999:s0"]:
            payload = fake.component_payload(their_message, button_id(their_message, "None"), user=STRANGER)
            payload["data"]["custom_id"] = custom_id
            states.append(await fake.send_interaction(payload))
        await asyncio.sleep(0.3)
        alices_after = await member_rows(db_path, ALICE.id)
    assert alices_after == alices_before
    for state in states:
        assert state.reply is None or (state.reply.content or "").startswith("I couldn't find"), state.reply


# ---------------------------------------------------------------- servers' own settings

A_TIP = "Server A only: keep the pressure light on the shin bone."
A_TIP_FIELDS = {"Tip": A_TIP, "Topic": "shins", "Source name": "NHS", "Source link (https)": "https://www.nhs.uk/"}


async def add_tip_in_a(fake: FakeDiscord) -> None:
    modal = await reply_to(fake, "tips add", user=w.MANAGER, channel_id=w.GENERAL.id)
    labels = {row["components"][0]["label"]: row["components"][0]["custom_id"] for row in modal.data["components"]}
    typed = {labels[label]: value for label, value in A_TIP_FIELDS.items()}
    saved = await fake.final_reply(await fake.submit_modal(modal, typed, user=w.MANAGER))
    assert saved.embeds, saved


def sent_since(fake: FakeDiscord, start: int) -> str:
    return json.dumps([r.json for r in fake.requests[start:]], ensure_ascii=False)


async def test_another_servers_tip_is_never_shown_suggested_edited_or_posted(fake: FakeDiscord, tmp_path: Path) -> None:
    in_b = {"user": w.MANAGER_B, "channel_id": w.GENERAL_B.id}
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await add_tip_in_a(fake)
        honest = await reply_to(fake, "tip", {"topic": "shins"}, user=ALICE, channel_id=w.GENERAL.id)
        start = len(fake.requests)
        edit = await reply_to(fake, "tips edit", {"tip": "server-1"}, **in_b)
        post = await reply_to(fake, "tips post", {"channel": w.GENERAL_B, "tip": "server-1"}, **in_b)
        by_topic = await reply_to(fake, "tips post", {"channel": w.GENERAL_B, "topic": "shins"}, **in_b)
        member = await reply_to(fake, "tip", {"topic": "shins"}, user=ALICE, channel_id=w.GENERAL_B.id)
        for command, option in (("tips post", "tip"), ("tips post", "topic"), ("tips edit", "tip"), ("tip", "topic")):
            options = {"channel": w.GENERAL_B, option: "shin"} if command == "tips post" else {option: "shin"}
            typed = await fake.autocomplete(command, options, option, **in_b)
            await fake.final_reply(typed)
        leaked = sent_since(fake, start)
    assert honest.embeds[0]["description"] == A_TIP  # the tip exists, and is shown in its own server
    assert edit.type == 4  # no modal pre-filled with server A's tip
    assert edit.content.startswith("This server has no tip with that id")
    for refused in (post, by_topic, member):
        assert refused.ephemeral and refused.content.startswith("There is no"), refused.content
    assert A_TIP not in leaked
    assert "shins" not in leaked
    assert fake.messages(w.GENERAL_B.id) == []


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("tips post", {"channel": w.TIPS}),
        ("config log-channel", {"channel": w.TIPS}),
        ("daily-tip set", {"channel": w.TIPS, "time": "09:00"}),
    ],
    ids=["tips post", "config log-channel", "daily-tip set"],
)
async def test_a_command_in_one_server_cannot_aim_at_another_servers_channel(
    fake: FakeDiscord, tmp_path: Path, command: str, options: dict[str, Any]
) -> None:
    """A crafted request in server B names a channel of server A; nothing may land in or point to A."""
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        crafted = await reply_to(fake, command, options, user=w.MANAGER_B, channel_id=w.GENERAL_B.id)
        config_b = await reply_to(fake, "config show", user=w.MANAGER_B, channel_id=w.GENERAL_B.id)
        await reply_to(fake, "tips audit", user=w.MANAGER_B, channel_id=w.GENERAL_B.id)
        await fake.settle()
    assert crafted.ephemeral
    assert crafted.content.startswith("I could not read one of the values"), crafted.content
    assert fake.messages(w.TIPS.id) == []
    assert str(w.TIPS.id) not in json.dumps(config_b.embeds)


async def test_a_moderator_role_counts_only_in_its_own_server(fake: FakeDiscord, tmp_path: Path) -> None:
    """MODDER-like member: moderator by role in server A, a plain member in server B."""
    both = User(id=1_300_000_000_000_000_399, username="mod-in-a-only")
    fake.guilds[w.A].members.append(Member(both, [w.MOD_ROLE.id]))
    fake.guilds[w.B].members.append(Member(both, []))
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await reply_to(fake, "config mod-role", {"role": w.MOD_ROLE}, user=w.MANAGER, channel_id=w.GENERAL.id)
        in_a = await reply_to(fake, "tips audit", user=both, channel_id=w.GENERAL.id)
        in_b = await reply_to(fake, "tips audit", user=both, channel_id=w.GENERAL_B.id)
    assert in_a.embeds and in_a.embeds[0]["title"] == "Recent moderator actions"
    assert in_b.ephemeral
    assert in_b.content.startswith("Only moderators can do that")


async def test_audit_log_channel_mirrors_only_its_own_servers_actions(fake: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await reply_to(fake, "config log-channel", {"channel": w.TIPS}, user=w.MANAGER, channel_id=w.GENERAL.id)
        await reply_to(fake, "config mod-role", {"role": w.MANAGERS_B}, user=w.MANAGER_B, channel_id=w.GENERAL_B.id)
        await reply_to(
            fake,
            "tips post",
            {"channel": w.GENERAL_B, "topic": "pressure"},
            user=w.MANAGER_B,
            channel_id=w.GENERAL_B.id,
        )
        await reply_to(fake, "config mod-role", {"role": w.MOD_ROLE}, user=w.MANAGER, channel_id=w.GENERAL.id)
        async with asyncio.timeout(30):  # the mirror posts from a task of its own
            while str(w.MOD_ROLE.id) not in json.dumps(fake.messages(w.TIPS.id)):
                await asyncio.sleep(0.01)
        audit_b = await reply_to(fake, "tips audit", user=w.MANAGER_B, channel_id=w.GENERAL_B.id)
    mirrored = json.dumps(fake.messages(w.TIPS.id))
    assert str(w.MANAGER.id) in mirrored  # server A's own action arrived
    assert str(w.MANAGER_B.id) not in mirrored
    assert str(w.MANAGERS_B.id) not in mirrored
    assert str(w.MANAGER.id) not in json.dumps(audit_b.embeds)


async def test_one_servers_settings_never_show_in_another(fake: FakeDiscord, tmp_path: Path) -> None:
    in_a = {"user": w.MANAGER, "channel_id": w.GENERAL.id}
    in_b = {"user": w.MANAGER_B, "channel_id": w.GENERAL_B.id}
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3"):
        await reply_to(fake, "config mod-role", {"role": w.MOD_ROLE}, **in_a)
        await reply_to(fake, "config log-channel", {"channel": w.TIPS}, **in_a)
        await reply_to(fake, "daily-tip set", {"channel": w.TIPS, "time": "09:00", "timezone": "Europe/Paris"}, **in_a)
        config_a = await reply_to(fake, "config show", **in_a)
        config_b = await reply_to(fake, "config show", **in_b)
        daily_b = await reply_to(fake, "daily-tip show", **in_b)
        stopped_b = await reply_to(fake, "daily-tip stop", **in_b)
        daily_a = await reply_to(fake, "daily-tip show", **in_a)
    shown_in_a = json.dumps(config_a.embeds)
    assert str(w.MOD_ROLE.id) in shown_in_a and str(w.TIPS.id) in shown_in_a and "Europe/Paris" in shown_in_a
    shown_in_b = json.dumps([config_b.embeds, daily_b.content])
    for secret in (str(w.MOD_ROLE.id), str(w.TIPS.id), "Europe/Paris"):
        assert secret not in shown_in_b
    assert daily_b.content == "No daily tip is set. Use `/daily-tip set`."
    assert stopped_b.content == "There was no daily tip to stop."
    assert (daily_a.content or "").startswith("**On**")  # B's stop did not touch A's schedule


# ---------------------------------------------------------------- the token

TOKEN = "MTQ3NzAwMDAwMDAwMDAwMDAw.GkN3aD.kneadbot-hardening-SECRET-token-0123456789abc"
PROCESS_EXIT_S = 120  # four cold interpreters at once on a loaded 2-core machine: generous, never a timing claim
TOKEN_PARTS = [part for part in TOKEN.split(".") if len(part) >= 8]


def assert_no_token(text: str) -> None:
    for part in [TOKEN, *TOKEN_PARTS]:
        assert part not in text, f"token fragment {part!r} leaked:\n{text}"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_token_never_reaches_the_output_of_a_crashing_bot_process(tmp_path: Path) -> None:
    """Four real ``python -m bot`` processes whose start fails, each printing a traceback."""
    other = {name: f"{name}-{TOKEN}" for name in ("refused", "garbled", "gateway", "nowhere")}

    async def misbehave(record: RecordedRequest) -> web.StreamResponse | None:
        authorization = record.headers.get("Authorization", "")
        if authorization == f"Bot {other['refused']}":
            return error_response(401)
        if authorization == f"Bot {other['garbled']}" and record.path == "/users/@me":
            return web.Response(text="<html>upstream crashed</html>", content_type="text/html")
        return None

    fake = InterceptingFakeDiscord()
    fake.before_request.append(misbehave)
    fake.gateway.token = "only-this-token-may-identify"  # REST accepts "gateway", the gateway closes 4004
    await fake.start()
    try:
        runs = []
        for name, token in other.items():
            port = closed_port() if name == "nowhere" else fake.port
            extra = {"KNEADBOT_LOG_LEVEL": "DEBUG", "KNEADBOT_LOG_FORMAT": "json" if name == "garbled" else "text"}
            env = bot_environment(port, token=token, db_path=tmp_path / f"{name}.sqlite3", **extra)
            runs.append(await BotProcess.launch(env, tmp_path / f"{name}.log"))
        codes = await asyncio.gather(*(run.wait(PROCESS_EXIT_S) for run in runs))
    finally:
        await fake.close()
    assert codes[0] == 2, runs[0].output  # "refused": the operator is told to fix the token, not restarted forever
    for run, code in zip(runs, codes, strict=True):
        output = run.output
        assert code != 0, output
        refused = "kneadbot: Discord refused DISCORD_TOKEN" in output  # a refused token is one plain line, exit 2
        assert refused or "Traceback" in output or '"exc": "Traceback' in output, output  # the failure path ran
        for token in other.values():
            for part in [token, *TOKEN_PARTS]:
                assert part not in output, f"{run.output_path.name}: token fragment {part!r} leaked:\n{output}"


@contextlib.contextmanager
def bot_logging() -> Iterator[io.StringIO]:
    """The bot's own logging set-up (``setup_logging`` with the token as a secret), written to a buffer."""
    root, discord_logger = logging.getLogger(), logging.getLogger("discord")
    saved = (root.handlers[:], root.level, discord_logger.level)
    buffer = io.StringIO()
    try:
        setup_logging("INFO", secrets=(TOKEN,))
        [handler] = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(buffer)
        yield buffer
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        discord_logger.setLevel(saved[2])


async def test_token_inside_an_exception_is_redacted_in_the_log_and_never_shown(
    fake: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command and an event listener fail with the token in the exception's message."""
    async with running_kneadbot(fake, tmp_path / "kb.sqlite3") as bot:

        def leak(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError(f"could not reach https://discord.com with Bot {TOKEN}")

        async def leak_later(*_args: object, **_kwargs: object) -> None:
            leak()

        monkeypatch.setattr(bot.library, "pick_tip", leak)
        monkeypatch.setattr(checkins_of(bot), "undelivered_notices", leak_later)  # runs in a discord.py listener
        with bot_logging() as output:
            failed = await reply_to(fake, "tip", user=ALICE)
            completed = await reply_to(fake, "help", user=ALICE)  # then on_app_command_completion fails
            await fake.settle()
            logging.getLogger("bot.anything").warning("settings were %s", TOKEN)
    log = output.getvalue()
    assert_no_token(log)
    assert_no_token(json.dumps([failed.data, completed.data]))
    reference = re.search(r"reference `([0-9a-f]{8})`", failed.content or "")
    assert reference is not None, failed.content
    assert f"[ref {reference[1]}]" in log  # the traceback is there, only the token is masked
    assert "Ignoring exception in on_app_command_completion" in log
    assert log.count("[redacted]") >= 3
