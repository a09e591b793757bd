"""Fuzz every option of every slash command the bot registers, through the real client.

Commands and their options are read from the bot's own command tree (``catalog.py``), so a command
added tomorrow is fuzzed tomorrow. Values are what a crafted request could carry, since Discord's
client limits are not a security boundary: unicode (astral, right-to-left, control and format
characters), 6,000-character text, mention strings, SQL- and format-string-looking text, integers far
past Discord's own range, values outside an option's choices, another server's channel or role. Each
example runs as a new member (so cooldowns never hide a code path) in server A, server B or a DM, as
a plain member, a moderator or a Manage Server member, before or after consent. When the bot answers
with a modal, a consent prompt or buttons, the example fills or presses them too, and every option
with autocomplete is typed into as well.

For each example: every interaction got its callback within Discord's deadline (the fake records a
violation otherwise), nothing was logged at ERROR (an "Unhandled error"), no reply apologised with a
reference id, nothing the bot sent could ping, and the fake saw no request Discord would reject.

Why an apology counts as a failure here: the bot apologises with a reference id only for errors it
did not expect. The fuzz injects no outage, no full disk, no broken Discord: only input. So the only
legitimate answers are a result or a KneadError's message; an apology means some input reached code
that could not handle it. (Outages, where an apology can be right, are test_faults.py's subject.)

Speed: one bot for the whole module, on an event loop this module owns, so Hypothesis (which calls a
plain function per example) can drive it; 60 examples per command family (shared by its subcommands,
at least 10 each), derandomized and without a database of past failures, so every run tries the same
inputs. Integers stay within SQLite's 64-bit range here (already far past Discord's 2**53); what lies
beyond is pinned by ``test_integers_past_64_bits_get_a_plain_answer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import KneadBot
from tests.exts.checkin_steps import rows
from tests.exts.harness import checkins_of, running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply, InteractionState, Member, Role, User
from tests.hardening import world as w
from tests.hardening.catalog import Option, SlashCommand, slash_commands
from tests.hardening.checks import ErrorLog, mention_problems

T = TypeVar("T")

EXAMPLES_PER_FAMILY = 60
MIN_EXAMPLES_PER_COMMAND = 10
REPLY_TIMEOUT_S = 30.0  # a bound for a stuck bot; the fake flags any callback over Discord's 3 s itself
APOLOGY = "reference `"
FRESH_IDS = count(1_600_000_000_000_000_001)

MENTIONS = [
    "@everyone",
    "@here",
    "<@123>",
    "<@!123>",
    "<@&123>",
    f"<@{w.ALICE.id}>",
    f"<@&{w.MOD_ROLE.id}>",
    f"<@&{w.A}>",
    "<#123>",
    "@everyone @here <@&1> <@1>",
]
HOSTILE = [
    "'; DROP TABLE members; --",
    "' OR '1'='1",
    "1; DELETE FROM checkins",
    "%s%s%s%n",
    "{0}{1}{__class__}",
    "${jndi:ldap://x/a}",
    "../../../../etc/passwd",
    "\x00",
    "\r\n\t",
    "\x1b[31m",
    "\u202e\u2066evil\u2069",
    "\u200b\u200d\ufeff",
    " ",
    "",
    "null",
    "NaN",
    "-1",
    "9" * 40,
    "1e309",
    "０９:００",  # fullwidth digits
    "٠٩:٣٠",  # Arabic-Indic digits
    "９０ｍ",
    "server-99999999999999999999",
    "server--1",
]
PLAUSIBLE = [
    "pressure",
    "aftercare",
    "calf",
    "thigh",
    "foot",
    "self-massage",
    "blood-clots",
    "can massage cause blood clots",
    "Europe/London",
    "australia/sydney",
    "UTC",
    "22:00",
    "07:30",
    "09:00",
    "24h",
    "90m",
    "1d12h",
    "60s",
    "14d",
    "server-1",
    "1",
    "calves",
    "whole-legs",
    "firm",
]
SCRIPTS = [
    "مرحبا بالعالم",
    "שלום עולם",
    "\u202bمساج\u202c",
    "𝕄𝕒𝕤𝕤𝕒𝕘𝕖",
    "🦵💆\u200d♀️🏳️\u200d🌈",
    "𓀀𓁐",
    "\U0010fffd",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
]
ODD_CHARACTERS = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Co"])

pieces = st.one_of(
    st.sampled_from(MENTIONS + HOSTILE + PLAUSIBLE + SCRIPTS),
    st.text(max_size=12),
    st.text(ODD_CHARACTERS, max_size=4),
)
long_text = st.builds(
    lambda unit, length: (unit * length)[:length],
    st.sampled_from(["x", "🦵", "@everyone ", "\u202e", "ن", "\x00", "'; --"]),
    st.sampled_from([21, 41, 65, 101, 201, 1001, 2001, 4001, 6000]),
)
strings = st.one_of(st.lists(pieces, min_size=1, max_size=4).map("".join), long_text)
integers = st.one_of(
    st.integers(-5, 1_000),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 2**31, 2**53, 2**53 + 1, -(2**53), 2**63 - 1, -(2**63)]),
)
numbers = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324])
USERS = [w.ALICE, w.MANAGER, w.STRANGER, w.OWNER]
CHANNELS = [w.GENERAL, w.TIPS, w.LOCKED, w.VOICE, w.GENERAL_B]  # wrong type and another server's channel too
ROLES = [w.MOD_ROLE, w.MANAGERS, w.MANAGERS_B, Role(w.A, "@everyone")]
GUILD_ONLY_TYPES = {7, 8, 9}  # the fake (like Discord) resolves channels and roles only in a server


def values_for(option: Option) -> st.SearchStrategy[Any]:
    """Anything a crafted request could put in this option, its declared values among them."""
    kinds: dict[int, st.SearchStrategy[Any]] = {
        3: strings,
        4: integers,
        5: st.booleans(),
        6: st.sampled_from(USERS),
        7: st.sampled_from(CHANNELS),
        8: st.sampled_from(ROLES),
        9: st.sampled_from([*USERS, *ROLES]),
        10: numbers,
    }
    base = kinds[option.type]
    declared: list[st.SearchStrategy[Any]] = []
    if option.choices:
        declared.append(st.sampled_from(option.choices))
        textual = [c for c in option.choices if isinstance(c, str)]
        if textual:
            declared.append(st.sampled_from([c.upper() for c in textual] + [f" {c} " for c in textual]))
    if option.type == 4 and option.min_value is not None:
        declared.append(st.integers(int(option.min_value), int(option.max_value or option.min_value + 50)))
    return st.one_of(*declared, base) if declared else base


@dataclass
class FuzzWorld:
    loop: asyncio.AbstractEventLoop
    fake: FakeDiscord
    bot: KneadBot
    db_path: Path
    errors: ErrorLog
    examples: dict[str, int] = field(default_factory=dict)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzWorld]:
    """One fake Discord and one real bot for the whole module, on a loop this module drives.

    Under pytest-xdist the module stays on one worker (`--dist loadfile` in pyproject.toml), so the
    last test sees every command's examples."""
    loop = asyncio.new_event_loop()
    db_path = tmp_path_factory.mktemp("fuzz") / "kb.sqlite3"
    fake = FakeDiscord(guilds=[*w.two_servers(), w.third_server()])
    errors, root = ErrorLog(), logging.getLogger()
    root.addHandler(errors)
    stack = contextlib.AsyncExitStack()
    try:
        loop.run_until_complete(fake.start())
        bot = loop.run_until_complete(stack.enter_async_context(running_kneadbot(fake, db_path)))
        yield FuzzWorld(loop, fake, bot, db_path, errors)
    finally:
        loop.run_until_complete(stack.aclose())
        loop.run_until_complete(fake.close())
        loop.run_until_complete(_cancel_leftovers())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        root.removeHandler(errors)


async def _cancel_leftovers() -> None:
    """Tasks still pending once the bot closed (views waiting out their timeout): cancel and reap them."""
    leftovers = asyncio.all_tasks() - {asyncio.current_task()}
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


@dataclass
class Who:
    user: User
    guild_id: int | None  # None: the bot's DM
    channel_id: int | None

    @property
    def where(self) -> dict[str, Any]:
        return (
            {"user": self.user, "dm": True}
            if self.guild_id is None
            else {"user": self.user, "channel_id": self.channel_id}
        )


async def new_member(fuzz: FuzzWorld, command: SlashCommand, data: st.DataObject) -> Who:
    """A member nobody has seen before (no cooldown, no data), somewhere, with some standing."""
    user = User(next(FRESH_IDS), "fuzzed")
    needs_guild = any(o.required and o.type in GUILD_ONLY_TYPES for o in command.options)
    places = ["A", "B"] if needs_guild else ["A", "B", "DM"]
    place = data.draw(st.sampled_from(places), label="place")
    if place == "DM":
        who = Who(user, None, None)
    else:
        guild = fuzz.fake.guilds[w.A if place == "A" else w.B]
        standing = data.draw(st.sampled_from(["member", "manager", "mod-role"]), label="standing")
        roles = {
            "member": [],
            "manager": [w.MANAGERS.id if place == "A" else w.MANAGERS_B.id],
            "mod-role": [w.MOD_ROLE.id] if place == "A" else [],
        }[standing]
        guild.members.append(Member(user, roles))
        who = Who(user, guild.id, w.GENERAL.id if place == "A" else w.GENERAL_B.id)
    if data.draw(st.booleans(), label="consented"):
        await checkins_of(fuzz.bot).give_consent(user.id)
        if data.draw(st.booleans(), label="has a session"):
            await checkins_of(fuzz.bot).log_session(user.id, "calves", "firm", guild_id=who.guild_id)
    return who


def draw_options(command: SlashCommand, who: Who, data: st.DataObject) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for option in command.options:
        if option.type == 11 or (who.guild_id is None and option.type in GUILD_ONLY_TYPES):
            continue  # files are never fuzzed; channels and roles exist only in a server
        if option.required or data.draw(st.booleans(), label=f"give {option.name}"):
            chosen[option.name] = data.draw(values_for(option), label=option.name)
    return chosen


async def answer(fuzz: FuzzWorld, state: InteractionState) -> InteractionReply:
    """What the member ends up reading; for a deferred command, the message that replaced "thinking..."."""
    return await fuzz.fake.final_reply(state, timeout=REPLY_TIMEOUT_S)


async def follow_through(fuzz: FuzzWorld, reply: InteractionReply, who: Who, data: st.DataObject) -> None:
    """Fill in a modal, or press one of the reply's buttons or pick from its menu, like a member would."""
    if reply.type == 9:
        typed = {custom_id: data.draw(strings, label=f"modal {custom_id}") for custom_id in reply.custom_ids}
        await answer(fuzz, await fuzz.fake.submit_modal(reply, typed, user=who.user))
        return
    usable = [c for row in reply.components for c in row.get("components", []) if not c.get("disabled")]
    picked = data.draw(st.sampled_from([None, *usable]), label="press")
    if picked is None or reply.message is None:
        return
    clicker = data.draw(st.sampled_from([who.user, w.STRANGER]), label="clicker")
    values = None
    if picked["type"] == 3:  # a select menu: some of its options
        offered = [o["value"] for o in picked.get("options", [])]
        values = data.draw(st.lists(st.sampled_from(offered), min_size=1, unique=True), label="picked")
    state = await fuzz.fake.click(reply, picked["custom_id"], user=clicker, values=values)
    await answer(fuzz, state)


async def exercise(fuzz: FuzzWorld, command: SlashCommand, data: st.DataObject) -> None:
    fake = fuzz.fake
    first_request, first_error, first_violation = len(fake.requests), len(fuzz.errors.records), len(fake.violations)
    who = await new_member(fuzz, command, data)
    options = draw_options(command, who, data)
    reply = await answer(fuzz, await fake.slash(command.name, options, **who.where))
    await follow_through(fuzz, reply, who, data)
    for option in command.options:
        if option.autocomplete and option.name in options:  # what was typed so far, as Discord relays it
            partial = data.draw(strings, label=f"typing {option.name}")
            typing = {**options, option.name: {"type": option.type, "value": partial}}
            state = await fake.autocomplete(command.name, typing, option.name, **who.where)
            suggestions = await fake.interaction_reply(state, timeout=REPLY_TIMEOUT_S)
            assert suggestions.type == 8, suggestions
    await fake.settle()
    fuzz.examples[command.name] = fuzz.examples.get(command.name, 0) + 1

    sent = fake.requests[first_request:]
    apologies = [r.path for r in sent for text in _texts(r.json) if APOLOGY in text]
    assert not fuzz.errors.since(first_error), fuzz.errors.since(first_error)
    assert not apologies, apologies
    assert not mention_problems(sent), mention_problems(sent)
    assert not fake.violations[first_violation:], [str(v) for v in fake.violations[first_violation:]]


def _texts(body: Any) -> Iterator[str]:
    if isinstance(body, dict):
        for value in body.values():
            yield from _texts(value)
    elif isinstance(body, list):
        for value in body:
            yield from _texts(value)
    elif isinstance(body, str):
        yield body


def examples_for(command: SlashCommand) -> int:
    """A family's examples shared among its subcommands, at least 10 each."""
    in_family = sum(c.family == command.family for c in slash_commands())
    return max(MIN_EXAMPLES_PER_COMMAND, EXAMPLES_PER_FAMILY // in_family)


@pytest.mark.parametrize("command", slash_commands(), ids=lambda c: c.name)
def test_fuzzed_options_are_answered_safely(world: FuzzWorld, command: SlashCommand) -> None:
    @settings(
        max_examples=examples_for(command),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        world.run(exercise(world, command, data))

    fuzz()


def filler(option: Option) -> Any:
    """A valid-looking value for an option the test is not about."""
    if option.choices:
        return option.choices[0]
    return {3: "calf", 4: 1, 5: True, 6: w.ALICE, 7: w.TIPS, 8: w.MOD_ROLE, 9: w.ALICE, 10: 1.0}[option.type]


INTEGER_OPTIONS = [(c, o) for c in slash_commands() for o in c.options if o.type == 4]


@pytest.mark.parametrize("value", [2**63, -(10**30)], ids=["2**63", "-10**30"])
@pytest.mark.parametrize(
    ("command", "option"),
    [pytest.param(c, o, id=f"{c.name}:{o.name}") for c, o in INTEGER_OPTIONS],
)
def test_integers_past_64_bits_get_a_plain_answer(
    world: FuzzWorld, command: SlashCommand, option: Option, value: int
) -> None:
    """Discord sends integers up to 2**53, but JSON has no limit: the bot must not trip over more."""

    async def send() -> tuple[InteractionReply, list[str]]:
        first_error = len(world.errors.records)
        member = User(next(FRESH_IDS), "big-numbers")
        world.fake.guilds[w.A].members.append(Member(member, [w.MANAGERS.id]))
        await checkins_of(world.bot).give_consent(member.id)
        options = {o.name: filler(o) for o in command.options if o.required} | {option.name: value}
        reply = await answer(world, await world.fake.slash(command.name, options, user=member))
        return reply, world.errors.since(first_error)

    reply, errors = world.run(send())
    assert APOLOGY not in (reply.content or "")
    assert not errors, errors


def test_an_unknown_topic_is_answered_even_in_a_server_with_many_topics(world: FuzzWorld) -> None:
    async def ask() -> tuple[int, str]:
        for number in range(60):  # 60 of the 500 tips a server may keep, each with its own long topic
            await world.bot.get_cog("ServerTips").server_tips.add(  # type: ignore[union-attr]
                w.C,
                w.MANAGER_C.id,
                text=f"Tip {number}: warm the legs up gently before any firm pressure.",
                topic=f"topic {number:02d} {'about warming up the legs':.30}",
                source_name="NHS",
                source_url="https://www.nhs.uk/",
            )
        state = await world.fake.slash("tip", {"topic": "no-such-topic"}, user=w.ALICE, channel_id=w.GENERAL_C.id)
        callback = await world.fake.wait_for_request("POST", rf"^/interactions/{state.id}/", timeout=REPLY_TIMEOUT_S)
        return callback.status, str((callback.json or {}).get("data", {}).get("content", ""))

    violations = len(world.fake.violations)
    try:
        status, content = world.run(ask())
    finally:
        del world.fake.violations[violations:]  # this test's own evidence, not the fuzz session's
    assert status in {200, 204}, f"Discord refused the answer ({status}): {len(content)} characters"
    assert content.startswith("There is no topic by that name.")
    assert len(content) <= 2000


def test_every_command_was_fuzzed_and_the_database_is_intact(world: FuzzWorld, request: pytest.FixtureRequest) -> None:
    """Runs last in this module: the whole fuzz session left a sound database and a clean record."""
    selected = {
        item.callspec.params["command"].name
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_fuzzed_options_are_answered_safely"
    }
    assert set(world.examples) == selected
    assert world.run(rows(world.db_path, "PRAGMA integrity_check")) == [("ok",)]
    assert world.run(rows(world.db_path, "PRAGMA foreign_key_check")) == []
    assert not world.fake.violation_report(), world.fake.violation_report()
