"""/faq through the real client: warning signs first, and "not sure" instead of a guess."""

from __future__ import annotations

from pathlib import Path

from tests.exts.harness import real_library, running_kneadbot
from tests.fakediscord import FakeDiscord

RED = 0xE74C3C


def entry(faq_id: str):
    return next(e for e in real_library().faq if e.id == faq_id)


async def test_a_warning_sign_is_the_first_choice_and_the_typed_answer(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        typing = await fake_discord.autocomplete("faq", {"question": "my calf is puffy and hot on one si"}, "question")
        choices = (await fake_discord.interaction_reply(typing)).choices
        typed = await fake_discord.slash("faq", {"question": "one calf bigger than the other and it aches"})
        answer = await fake_discord.interaction_reply(typed)
    assert choices[0]["value"] == "swollen-leg"
    [embed] = answer.embeds
    assert (embed["title"], embed["description"]) == (entry("swollen-leg").question, entry("swollen-leg").answer)
    assert embed["color"] == RED


async def test_an_unclear_question_lists_the_nearest_and_keeps_the_care_line(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    async with running_kneadbot(fake_discord, tmp_path / "kb.sqlite3"):
        reply = await fake_discord.interaction_reply(await fake_discord.slash("faq", {"question": "massage"}))
    [embed] = reply.embeds
    assert reply.ephemeral
    assert embed["title"] == "Which question do you mean?"
    assert embed["description"].startswith("I'm not sure which of these you mean")
    assert embed["description"].count("\n• ") == 3
    assert "get medical help now" in embed["description"]
    assert not any(e.answer in embed["description"] for e in real_library().faq)
