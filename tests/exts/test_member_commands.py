"""Member commands through the real discord.py client, asserting on what the member sees."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from tests.exts.harness import real_library, running_kneadbot
from tests.fakediscord import FakeDiscord, InteractionReply, User

NO_PINGS = {"parse": []}
STRANGER = User(id=777_000_000_000_000_001, username="stranger")


def texts_of(reply: InteractionReply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def labels(reply: InteractionReply) -> dict[str, bool]:
    """Button label -> disabled, across all rows."""
    return {c["label"]: c.get("disabled", False) for row in reply.components for c in row["components"]}


async def test_tip_shows_a_sourced_tip_publicly_and_never_pings(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("tip", {"topic": "pressure"}))
    [embed] = reply.embeds
    assert embed["title"] == "Tip · Pressure"
    [tip] = [tip for tip in real_library().tips if tip.topic == "pressure" and tip.text == embed["description"]]
    assert embed["fields"][0]["name"] == "Source"
    for source, line in zip(tip.sources, embed["fields"][0]["value"].splitlines(), strict=True):
        shown = (
            f"[{source.name}]({source.url})" if source.url else f"Practical advice (no medical source): {source.name}"
        )
        assert line == shown
    assert "Not medical advice" in embed["footer"]["text"]
    assert not reply.ephemeral
    assert reply.allowed_mentions == NO_PINGS


async def test_unknown_topic_is_a_private_reply_listing_topics(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("tip", {"topic": "gossip"}))
    assert reply.ephemeral
    assert reply.content.startswith("There is no topic by that name. Topics: ")
    assert "pressure" in reply.content


async def test_faq_autocomplete_offers_the_closest_questions(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        typed = await fake_discord.autocomplete("faq", {"question": "blood cl"}, "question")
        choices = (await fake_discord.interaction_reply(typed)).choices
        empty = await fake_discord.autocomplete("faq", {"question": ""}, "question")
        all_choices = (await fake_discord.interaction_reply(empty)).choices
    assert choices[0]["value"] == "blood-clots"
    assert len(choices) <= 25
    assert len(all_choices) == 25  # Discord's maximum: the fake rejects a 26th


async def test_faq_answer_is_an_embed_with_sources(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        picked = await fake_discord.interaction_reply(await fake_discord.slash("faq", {"question": "blood-clots"}))
        typed = await fake_discord.interaction_reply(
            await fake_discord.slash("faq", {"question": "can massage cause a dvt"})
        )
    entry = next(e for e in real_library().faq if e.id == "blood-clots")
    for reply in (picked, typed):
        [embed] = reply.embeds
        assert (embed["title"], embed["description"]) == (entry.question, entry.answer)
        assert embed["fields"][0]["name"] == "Sources"
        assert not reply.ephemeral


async def test_faq_never_invents_an_answer(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        state = await fake_discord.slash("faq", {"question": "what is the best pizza topping"})
        reply = await fake_discord.interaction_reply(state)
    [embed] = reply.embeds
    assert reply.ephemeral
    assert embed["title"] == "No checked answer"
    assert "I don't have a checked answer for that" in embed["description"]
    assert "get medical help now" in embed["description"]  # the care line stays
    assert not any(entry.answer in texts_of(reply) for entry in real_library().faq)


@pytest.mark.parametrize(
    ("question", "error"), [("x" * 6000, "too long"), ("\u200b\x00 \x1b", "Please type a question")]
)
async def test_faq_bad_text_gets_a_clear_private_error(
    fake_discord: FakeDiscord, tmp_path: Path, question: str, error: str
) -> None:
    """Discord's client enforces lengths, but a crafted request can skip them: the bot checks again."""
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("faq", {"question": question}))
    assert reply.ephemeral
    assert error in reply.content


async def test_text_typed_into_any_member_command_can_never_ping(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """These replies do not echo the text; the ones that show user text are tested with it
    (history notes in test_checkin_data, server tips in test_moderation)."""
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        for text in ("@everyone", "<@&1234>", "@here blood clots"):
            for command, option in (("faq", "question"), ("tip", "topic"), ("technique", "name")):
                reply = await fake_discord.interaction_reply(await fake_discord.slash(command, {option: text}))
                assert reply.allowed_mentions == NO_PINGS, (command, text)
                assert "@everyone" not in texts_of(reply)
                assert "@here" not in texts_of(reply)


async def test_technique_pages_with_buttons_only_for_its_owner(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    guide = next(g for g in real_library().guides if g.id == "calf")
    total = len(guide.steps)
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        first = await fake_discord.interaction_reply(await fake_discord.slash("technique", {"name": "calf"}))
        second = await fake_discord.interaction_reply(await fake_discord.click(first, _button(first, "Next")))
        stranger = await fake_discord.interaction_reply(
            await fake_discord.click(second, _button(second, "Next"), user=STRANGER)
        )
        back = await fake_discord.interaction_reply(await fake_discord.click(second, _button(second, "Back")))
        done = await fake_discord.interaction_reply(await fake_discord.click(back, _button(back, "Done")))
    assert first.embeds[0]["title"].startswith(f"Calf massage · Step 1 of {total}")
    assert [f["name"] for f in first.embeds[0]["fields"]][:2] == ["Who it suits", "Cautions"]
    assert labels(first) == {"Back": True, "Next": False, "Done": False}
    assert second.type == 7
    assert second.embeds[0]["title"].startswith(f"Calf massage · Step 2 of {total}")
    assert stranger.ephemeral
    assert stranger.content.startswith("Only the member who opened this")
    assert back.embeds[0]["title"].startswith("Calf massage · Step 1")
    assert done.components == []


async def test_technique_unknown_name_lists_guides(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("technique", {"name": "reflexology"}))
    assert reply.ephemeral
    assert reply.content.startswith("There is no guide by that name. Guides: ")


@pytest.mark.parametrize(
    ("ticked", "outcome"),
    [
        (["one-leg-swollen", "pregnant-or-postpartum"], "urgent"),
        (["blood-thinners-bleeding"], "doctor"),
        (["none-of-these"], "clear"),
    ],
)
async def test_safety_check_gives_the_most_serious_outcome(
    fake_discord: FakeDiscord, tmp_path: Path, ticked: list[str], outcome: str
) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        intro = await fake_discord.interaction_reply(await fake_discord.slash("safety"))
        select_id = intro.components[0]["components"][0]["custom_id"]
        result = await fake_discord.interaction_reply(await fake_discord.click(intro, select_id, values=ticked))
    assert intro.ephemeral
    expected = real_library().safety.outcomes[outcome]
    assert result.type == 7
    assert result.embeds[0]["title"] == expected.title
    assert result.embeds[0]["description"] == expected.text
    assert result.components == []


async def test_member_commands_work_in_dms(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        tip = await fake_discord.interaction_reply(await fake_discord.slash("tip", dm=True))
        about = await fake_discord.interaction_reply(await fake_discord.slash("help", dm=True))
    assert tip.embeds[0]["title"].startswith("Tip · ")
    assert about.embeds[0]["title"] == "About kneadbot"
    assert "never diagnoses" in about.embeds[0]["description"]


async def test_unexpected_failure_apologises_with_a_reference_in_the_log(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3") as bot:

        def broken(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("content index corrupted")

        monkeypatch.setattr(bot.library, "pick_tip", broken)
        with caplog.at_level(logging.ERROR):
            reply = await fake_discord.interaction_reply(await fake_discord.slash("tip"))
    assert reply.ephemeral
    reference = re.search(r"reference `([0-9a-f]{8})`", reply.content)
    assert reference is not None
    [record] = [r for r in caplog.records if reference[1] in r.getMessage()]
    assert record.exc_info is not None
    assert "content index corrupted" in str(record.exc_info[1])
    assert "content index corrupted" not in reply.content


async def test_rapid_commands_meet_a_cooldown(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        replies = [await fake_discord.interaction_reply(await fake_discord.slash("tip")) for _ in range(9)]
    assert all(r.embeds for r in replies[:8])
    assert replies[8].ephemeral
    assert replies[8].content.startswith("Easy there")


def _button(reply: InteractionReply, label: str) -> str:
    return next(c["custom_id"] for row in reply.components for c in row["components"] if c.get("label") == label)
