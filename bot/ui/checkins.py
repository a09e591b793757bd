"""Embeds for sessions and recovery check-ins: what was logged, the question, and the advice after it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import discord
from discord.utils import format_dt

from bot.checkins.durations import format_duration
from bot.checkins.models import Area, CheckinSummary, DueCheckin, Guidance, History, LoggedSession, Soreness
from bot.checkins.timezones import zone_named
from bot.library.models import CheckinTexts
from bot.library.models import Guidance as GuidanceText
from bot.ui.embeds import DISCLAIMER, OUTCOME_COLOURS, TIP_COLOUR, sources_text

LATE_NOTICE_AFTER = timedelta(minutes=5)
SORENESS_LABELS = {
    Soreness.NONE: "None",
    Soreness.MILD: "Mild",
    Soreness.MODERATE: "Moderate",
    Soreness.SEVERE: "Severe",
}
AREA_WORDS = {Area.FEET: "feet", Area.CALVES: "calves", Area.THIGHS: "thighs", Area.WHOLE_LEGS: "legs"}
GUIDANCE_COLOURS = {
    Guidance.REASSURE: OUTCOME_COLOURS["clear"],
    Guidance.MODERATE: OUTCOME_COLOURS["caution"],
    Guidance.SEVERE: OUTCOME_COLOURS["doctor"],
    Guidance.WARNING_SIGNS: OUTCOME_COLOURS["urgent"],
}
DECLINED = "Cancelled: I erased the session you were about to log. Nothing about you is stored."
NOTHING_HELD = "There was nothing to erase: that session was already erased, expired, or logged."
CHECKIN_FOOTER = "Check-in #{id} · Not medical advice; kneadbot never diagnoses."


def when_words(logged_at: datetime, now: datetime, timezone: str) -> str:
    """'today's', 'yesterday's', "Monday's" or 'your', as a member would say it in their own zone."""
    zone = zone_named(timezone)
    days = (now.astimezone(zone).date() - logged_at.astimezone(zone).date()).days
    if days <= 0:
        return "today's"
    if days == 1:
        return "yesterday's"
    if days < 7:
        return f"{logged_at.astimezone(zone):%A}'s"
    return "your"


def logged_embed(logged: LoggedSession) -> discord.Embed:
    session, checkin = logged.session, logged.checkin
    embed = discord.Embed(title="Session logged", colour=TIP_COLOUR)
    embed.add_field(name="Area", value=AREA_WORDS[session.area])
    embed.add_field(name="Intensity", value=session.intensity.value)
    embed.add_field(
        name="Check-in",
        value=f"{format_dt(checkin.deliver_at, 'F')} ({format_dt(checkin.deliver_at, 'R')})",
        inline=False,
    )
    if checkin.deliver_at != checkin.due_at:
        embed.add_field(name="Quiet hours", value="Moved to the end of your quiet hours.", inline=False)
    return embed.set_footer(text="/session upcoming lists your check-ins; /session cancel stops one.")


def checkin_embed(due: DueCheckin, texts: CheckinTexts, now: datetime) -> discord.Embed:
    """The check-in question; the footer carries its id so a resend can be found after a crash."""
    question = texts.question.format(
        area=AREA_WORDS[due.area], when=when_words(due.logged_at, now, due.timezone), intensity=due.intensity.value
    )
    lines = [
        "Pick how sore it is now.",
        "**Warning signs**: one calf or thigh swollen, warm, red or painful; chest pain or sudden "
        "breathlessness; any one of dark urine, muscle pain far worse than expected or new weakness. "
        "If you have any, get medical help now (call "
        "emergency services for chest pain or breathlessness), then press **Warning signs**.",
    ]
    if due.is_follow_up:
        lines.insert(0, "You asked me to check again today.")
    if due.late_by > LATE_NOTICE_AFTER:
        lines.append(f"Sorry this comes {format_duration(due.late_by)} late: I could not send it on time.")
    embed = discord.Embed(title=question, description="\n\n".join(lines), colour=TIP_COLOUR)
    return embed.set_footer(text=CHECKIN_FOOTER.format(id=due.checkin_id))


def checkin_id_in(embed: discord.Embed) -> int | None:
    """The check-in id an embed built by `checkin_embed` carries, or None."""
    text = embed.footer.text or ""
    prefix, _, rest = text.partition("#")
    number = rest.split(" ", 1)[0]
    return int(number) if prefix == "Check-in " and number.isdigit() else None


def guidance_embed(texts: CheckinTexts, guidance: Guidance) -> discord.Embed:
    advice: GuidanceText = {
        Guidance.REASSURE: texts.reassure,
        Guidance.MODERATE: texts.moderate,
        Guidance.SEVERE: texts.severe,
        Guidance.WARNING_SIGNS: texts.warning_signs,
    }[guidance]
    embed = discord.Embed(title=advice.title, description=advice.text, colour=GUIDANCE_COLOURS[guidance])
    embed.add_field(name="Sources", value=sources_text(advice.sources), inline=False)
    return embed.set_footer(text=DISCLAIMER)


def checkin_line(checkin: CheckinSummary) -> str:
    kind = "follow-up" if checkin.is_follow_up else "check-in"
    return (
        f"#{checkin.id} · {kind} on your {AREA_WORDS[checkin.area]} ({checkin.intensity.value}) "
        f"· {format_dt(checkin.deliver_at, 'f')} ({format_dt(checkin.deliver_at, 'R')})"
    )


def upcoming_embed(checkins: Sequence[CheckinSummary]) -> discord.Embed:
    body = "\n".join(checkin_line(c) for c in checkins) or "No check-ins are waiting. Log one with `/session log`."
    return discord.Embed(title="Your upcoming check-ins", description=body, colour=TIP_COLOUR)


def undelivered_text(checkins: Sequence[CheckinSummary]) -> str:
    areas = ", ".join(f"#{c.id} ({AREA_WORDS[c.area]})" for c in checkins)
    return (
        f"I could not reach you by DM for check-in {areas}: your DMs from server members may be closed, "
        "or Discord refused the message. Open your DMs (Privacy Settings for the server) for future check-ins."
    )


def history_embed(history: History, timezone: str) -> discord.Embed:
    """The sessions, dated in the member's own time zone (the chart and list agree with their calendar)."""
    zone = zone_named(timezone)
    embed = discord.Embed(title="Your recent sessions", colour=TIP_COLOUR)
    if not history.sessions:
        embed.description = "Nothing logged yet. Use `/session log` after a massage."
    for record in history.sessions:
        session = record.session
        answers = [SORENESS_LABELS[a.soreness] for a in record.answers if a.soreness is not None]
        warned = any(a.warning_signs_at for a in record.answers)
        summary = ", ".join(answers) or "no answer yet"
        if warned:
            summary += " · warning signs reported"
        note = f"\nNote: {discord.utils.escape_markdown(session.note)}" if session.note else ""
        day = session.logged_at.astimezone(zone)
        embed.add_field(
            name=f"{day:%d %b %Y} · {AREA_WORDS[session.area]}, {session.intensity.value}",
            value=f"Soreness: {summary}{note}"[:1024],
            inline=False,
        )
    return embed.set_footer(text=DISCLAIMER)


def consent_embed(retention_days: int) -> discord.Embed:
    text = (
        "To remind you, kneadbot stores: the sessions you log (area, intensity, time, your optional note), "
        "your check-in answers, your time zone and quiet hours, and the id of your DM channel with the bot.\n\n"
        f"Sessions and answers are deleted automatically after {retention_days} days. "
        "`/mydata export` gives you a copy at any time and `/mydata delete` erases everything of yours.\n\n"
        "Check-ins come by DM. If your DMs are closed and you logged the session in a server channel, "
        "the check-in is posted there instead, mentioning only you.\n\n"
        "Your session is held for at most two hours so that **I agree** (open for 15 minutes) can save it; "
        "**Cancel** erases it now."
    )
    return discord.Embed(title="Before your first session", description=text, colour=TIP_COLOUR)
