"""Embeds for tips, FAQ answers, technique guides, the safety check and help.

The Discord cogs send these and the console prints them as text, so wording lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.library.guides import StepCursor
from bot.library.library import Library
from bot.library.models import PRACTICAL_ADVICE_LABEL, FaqEntry, SafetyCheck, Source, Tip
from bot.library.safety import MAX_ADVICE_SHOWN, SafetyResult
from bot.ui.untrusted import is_server_tip, plain_source, safe_text

DISCLAIMER = (
    "Not medical advice; kneadbot never diagnoses. Chest pain, sudden breathlessness, one swollen, painful leg, "
    "or any one of dark urine, muscle pain far worse than expected or new weakness: get urgent medical help."
)
"""Every footer carries the warning signs; each rhabdo sign is urgent alone (CDC/NIOSH), so none is left out."""
TIP_COLOUR = discord.Colour.teal()
FAQ_COLOUR = discord.Colour.blurple()
WARNING_COLOUR = discord.Colour.red()
OUTCOME_COLOURS = {
    "urgent": discord.Colour.red(),
    "doctor": discord.Colour.orange(),
    "caution": discord.Colour.gold(),
    "clear": discord.Colour.green(),
}


def sources_text(sources: Sequence[Source]) -> str:
    """One line per source: a link for a real source, a plain label for our own practical advice."""
    return "\n".join(_source_line(source) for source in sources)


def _source_line(source: Source) -> str:
    if source.url is None:
        return f"{PRACTICAL_ADVICE_LABEL}{source.name}"
    return f"[{source.name}]({source.url})"


def _titled(topic: str) -> str:
    return topic.replace("-", " ").capitalize()


def tip_embed(tip: Tip) -> discord.Embed:
    """A server's own tip is shown escaped, with its source written out (bot/ui/untrusted.py)."""
    if is_server_tip(tip):
        text, sources = safe_text(tip.text), "\n".join(plain_source(s.name, s.url) for s in tip.sources)
    else:
        text, sources = tip.text, sources_text(tip.sources)
    embed = discord.Embed(title=f"Tip · {_titled(tip.topic)}", description=text, colour=TIP_COLOUR)
    embed.add_field(name="Source", value=sources, inline=False)
    return embed.set_footer(text=DISCLAIMER)


def faq_embed(entry: FaqEntry) -> discord.Embed:
    colour = WARNING_COLOUR if entry.red_flag else FAQ_COLOUR
    embed = discord.Embed(title=entry.question, description=entry.answer, colour=colour)
    embed.add_field(name="Sources", value=sources_text(entry.sources), inline=False)
    return embed.set_footer(text=DISCLAIMER)


CARE_LINE = (
    "If you have chest pain, feel breathless, cough blood, have one swollen, hot or painful calf, hot red skin "
    "that is spreading, or any one of dark urine, muscle pain far worse than expected or new weakness, get "
    "medical help now. For anything else about your health, ask a doctor, nurse or pharmacist."
)
"""Kept under every answer that is not a checked one, so a worried member still knows where to go."""


def faq_miss_embed(nearest: Sequence[FaqEntry]) -> discord.Embed:
    """Shown instead of guessing: the nearest questions when no entry is clearly right, none when the FAQ
    has nothing on the subject. Both keep the care line, so a worried member still knows where to go."""
    if not nearest:
        description = (
            "I don't have a checked answer for that. I only answer from our checked FAQ, and nothing there is "
            f"about this question.\n\n{CARE_LINE}"
        )
        return discord.Embed(title="No checked answer", description=description, colour=FAQ_COLOUR)
    lines = "\n".join(f"• {entry.question}" for entry in nearest)
    description = (
        "I'm not sure which of these you mean, so I won't guess:\n"
        f"{lines}\n\nTry `/faq` again and pick one from the list as you type.\n\n{CARE_LINE}"
    )
    return discord.Embed(title="Which question do you mean?", description=description, colour=FAQ_COLOUR)


def guide_page_embed(cursor: StepCursor) -> discord.Embed:
    """One step of a guide; the first page also shows who it suits and its cautions."""
    guide, step = cursor.guide, cursor.guide.steps[cursor.index]
    embed = discord.Embed(
        title=f"{guide.name} · Step {cursor.index + 1} of {cursor.total}: {step.title}",
        description=step.text,
        colour=TIP_COLOUR,
    )
    if cursor.is_first:
        embed.add_field(name="Who it suits", value=guide.suits, inline=False)
        embed.add_field(name="Cautions", value=guide.cautions_text(), inline=False)
    if cursor.is_last:
        embed.add_field(name="Sources", value=sources_text(guide.sources), inline=False)
    return embed.set_footer(text=DISCLAIMER)


def safety_intro_embed(check: SafetyCheck) -> discord.Embed:
    embed = discord.Embed(title="Before a leg massage: a quick safety check", description=check.intro)
    embed.add_field(name="How", value="Pick every statement that applies, or *None of these*.", inline=False)
    return embed.set_footer(text=DISCLAIMER)


def safety_result_embed(result: SafetyResult, check: SafetyCheck) -> discord.Embed:
    embed = discord.Embed(title=result.text.title, description=result.text.text, colour=OUTCOME_COLOURS[result.outcome])
    for question in result.ticked[:MAX_ADVICE_SHOWN]:
        embed.add_field(name=question.label, value=question.advice, inline=False)
    embed.add_field(name="Sources", value=sources_text(check.sources), inline=False)
    return embed.set_footer(text=DISCLAIMER)


def help_embed(library: Library) -> discord.Embed:
    description = (
        "kneadbot shares safety tips, answers common questions and walks you through gentle leg-massage "
        "techniques. Every answer names its source. It is not a doctor and never diagnoses: if a leg is "
        "swollen, warm, red or painful, or you have chest pain or sudden breathlessness, stop and get "
        "medical help now."
    )
    embed = discord.Embed(title="About kneadbot", description=description, colour=TIP_COLOUR)
    commands_text = (
        "`/tip [topic]` a safety tip\n"
        "`/faq question` an answer from our checked FAQ\n"
        "`/technique name` a step-by-step guide\n"
        "`/safety` a short check before a massage\n"
        "`/session log` log a massage and get a recovery check-in\n"
        "`/session history`, `upcoming`, `cancel` your sessions and check-ins\n"
        "`/settings timezone`, `quiet-hours` when check-ins may reach you\n"
        "`/mydata export`, `delete` your data, yours to take or erase\n"
        "`/help` this page"
    )
    embed.add_field(name="Commands", value=commands_text, inline=False)
    embed.add_field(name="Tip topics", value=", ".join(library.topics()), inline=False)
    embed.add_field(name="Guides", value=", ".join(g.name for g in library.guides), inline=False)
    embed.add_field(
        name="Where the facts come from",
        value="Public health bodies (NHS, CDC, NCCIH, Mayo Clinic) and peer-reviewed studies, named in each answer.",
        inline=False,
    )
    return embed.set_footer(text=DISCLAIMER)
