"""What moderators may type into a server tip: refused with a reason, or cleaned and kept."""

from __future__ import annotations

import pytest

from bot.errors import BadInput
from bot.guilds.errors import BadSource, BadTipText, BadTopic
from bot.guilds.tip_input import clean_source_name, clean_source_url, clean_tip_text, clean_topic


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("calves", "calves"),
        ("Pressure Tips", "pressure-tips"),
        ("  After_Care  ", "after-care"),
        ("deep -- tissue", "deep-tissue"),
        ("-feet-", "feet"),
        ("a" * 41, "a" * 41),
    ],
)
def test_topics_are_normalised_to_kebab_ids(typed: str, expected: str) -> None:
    assert clean_topic(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "a", "!!!", "calves!", "<@123>", "wädchen", "a" * 42, "---"])
def test_junk_topics_are_refused(typed: str) -> None:
    with pytest.raises(BadTopic, match="2 to 41 letters, digits or dashes"):
        clean_topic(typed)


def test_tip_text_is_stripped_and_kept_as_typed() -> None:
    assert clean_tip_text("  Ask <@&42> @everyone first.\r\nThen go light.  ") == (
        "Ask <@&42> @everyone first.\nThen go light."
    )


@pytest.mark.parametrize(("length", "is_ok"), [(0, False), (9, False), (10, True), (1000, True), (1001, False)])
def test_tip_text_length_is_10_to_1000_characters(length: int, is_ok: bool) -> None:
    text = "x" * length
    if is_ok:
        assert clean_tip_text(text) == text
    else:
        with pytest.raises(BadTipText, match=f"10 to 1,000 characters; this one has {length:,}"):
            clean_tip_text(text)


def test_spaces_do_not_count_towards_the_minimum() -> None:
    with pytest.raises(BadTipText, match="this one has 4"):
        clean_tip_text("   abcd          ")


@pytest.mark.parametrize("hidden", ["\x00", "\x1b[31m", "\u202e", "\u2066", "\x7f"])
def test_control_and_reordering_characters_are_refused(hidden: str) -> None:
    with pytest.raises(BadTipText, match="invisible control characters"):
        clean_tip_text(f"Go gently {hidden} and stop if it hurts.")


def test_emoji_sequences_are_fine() -> None:
    assert clean_tip_text("Stretch after 🏃\u200d♀️ runs, gently.").startswith("Stretch")


@pytest.mark.parametrize(
    "link",
    [
        "http://www.nhs.uk/",
        "javascript:alert(1)",
        "JavaScript://https://www.nhs.uk/",
        "ftp://example.org/file",
        "www.nhs.uk",
        "",
    ],
)
def test_source_link_must_be_https(link: str) -> None:
    with pytest.raises(BadSource, match="The source link must start with https://"):
        clean_source_url(link)


@pytest.mark.parametrize(
    "link",
    ["https://", "https:///path", "https://good.example@evil.example/", "https://[::1/"],
)
def test_source_link_must_name_a_plain_host(link: str) -> None:
    with pytest.raises(BadSource, match="plain web address"):
        clean_source_url(link)


@pytest.mark.parametrize("link", ["https://www.nhs.uk/a b", "https://www.nhs.uk/\u202e", "https://x.org/\n/"])
def test_source_link_has_no_spaces_or_hidden_characters(link: str) -> None:
    with pytest.raises(BadSource, match="spaces or invisible"):
        clean_source_url(link)


def test_source_link_is_stripped_and_scheme_lowercased() -> None:
    assert clean_source_url("  HTTPS://www.nhs.uk/Conditions/  ") == "https://www.nhs.uk/Conditions/"


def test_source_link_length_is_capped() -> None:
    with pytest.raises(BadSource, match="at most 300"):
        clean_source_url("https://example.org/" + "a" * 300)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "NHS\nadvice"])
def test_source_name_is_one_short_line(name: str) -> None:
    with pytest.raises(BadInput):
        clean_source_name(name)


@pytest.mark.parametrize(
    "typed",
    [
        "Read [NHS advice](https://evil.example/phish) first.",
        "Read [NHS advice]( <https://evil.example/phish> ) first.",
        "Read [the guide](HTTP://evil.example) before a deep massage.",
        "Tap [here](discord://-/channels/1/2) for the rules of the server.",
    ],
)
def test_masked_links_in_tip_text_are_refused(typed: str) -> None:
    with pytest.raises(BadTipText, match="masked links"):
        clean_tip_text(typed)


def test_brackets_and_written_out_addresses_are_fine() -> None:
    text = "Warm up [gently] (two minutes), then see https://www.nhs.uk/ for more."
    assert clean_tip_text(text) == text
