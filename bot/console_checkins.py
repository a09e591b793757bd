"""The console's /session, /settings and /mydata: the real CheckinService on the local SQLite file.

The console plays one member (CONSOLE_USER_ID) and owns a movable clock: `wait 24h` moves it forward,
and any check-in that falls due is "delivered" to the terminal with the same embed as the DM, then
answered by number. Same service, same renderers as the cog and the check-in buttons: no second copy.

It keeps its own file beside the bot's database (`kneadbot.sqlite3` -> `kneadbot.console.sqlite3`):
moving the clock delivers every due check-in in the file, which must never include a real member's.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import tempfile
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

from bot.checkins.durations import format_duration, parse_duration
from bot.checkins.errors import ConsentRequired
from bot.checkins.models import Answer
from bot.checkins.service import CheckinService
from bot.checkins.timezones import zone_named
from bot.clock import utc_now
from bot.console_options import parse_options
from bot.errors import BadInput, KneadError
from bot.library.library import Library
from bot.ops import database
from bot.settings import Settings
from bot.storage.db import Database, open_database
from bot.ui.charts import MIN_POINTS, soreness_chart
from bot.ui.checkins import (
    DECLINED,
    NOTHING_HELD,
    SORENESS_LABELS,
    checkin_embed,
    checkin_line,
    consent_embed,
    guidance_embed,
    history_embed,
    logged_embed,
    upcoming_embed,
)
from bot.ui.text import embed_to_text

CONSOLE_USER_ID = 1
"""Not a Discord snowflake (those are far larger), so the console member never mixes with a real one."""
CHOICES = [*(SORENESS_LABELS[level] for level in sorted(SORENESS_LABELS)), "Warning signs", "Ask me later"]
_TIMESTAMP = re.compile(r"<t:(-?\d{1,12})(?::([tTdDfFR]))?>")


async def _open(path: Path) -> Database:
    """The database, or a one-line KneadError (a damaged or unwritable file) instead of a traceback."""
    try:
        database.usable(path)
        return await open_database(path)
    except (OSError, sqlite3.Error, database.DatabaseToolError) as error:
        raise KneadError(str(database.explain(path, error))) from None


def console_database(settings: Settings) -> Path:
    """The console's own SQLite file, next to the bot's."""
    return settings.db.with_name(f"{settings.db.stem}.console.sqlite3")


class MovableClock:
    """The real time plus an offset that `wait` grows, so a check-in due tomorrow arrives now."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return utc_now() + self.offset


class ConsoleCheckins:
    """One member's check-in commands; the database opens at the first one (plain /tip never creates it)."""

    def __init__(self, library: Library, settings: Settings, runner: asyncio.Runner) -> None:
        self.library, self.settings, self._runner = library, settings, runner
        self.clock = MovableClock()
        self._db: Database | None = None
        self._service: CheckinService | None = None
        self.waiting_for: Callable[[str], str] | None = None
        """What the next plain line answers: a consent question, a check-in, a confirmation."""
        self._open: list[int] = []

    def _run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return self._runner.run(work)

    @property
    def service(self) -> CheckinService:
        if self._service is None:
            self._db = self._run(_open(console_database(self.settings)))
            self._service = CheckinService(
                self._db,
                clock=self.clock,
                min_delay=timedelta(seconds=self.settings.min_checkin_delay),
                retention_days=self.settings.retention_days,
            )
        return self._service

    def close(self) -> None:
        if self._db is not None:
            self._run(self._db.close())
            self._db = self._service = None

    # /session

    def session(self, rest: str) -> str:
        sub, _, options = rest.strip().partition(" ")
        handlers: dict[str, Callable[[str], str]] = {
            "log": self._log,
            "history": lambda _o: self._history(),
            "upcoming": lambda _o: self._text(upcoming_embed(self._run(self.service.upcoming(CONSOLE_USER_ID)))),
            "cancel": self._cancel,
        }
        return _pick(handlers, sub, "/session", options)

    def _log(self, text: str) -> str:
        options = parse_options(text, ["area", "intensity", "checkin_in", "note"], rest_of_line="note")
        if "area" not in options or "intensity" not in options:
            raise BadInput("Say where and how firm, e.g. /session log area:calves intensity:firm checkin_in:24h")

        def log_it() -> str:
            logged = self._run(
                self.service.log_session(
                    CONSOLE_USER_ID,
                    options["area"].replace(" ", "-"),
                    options["intensity"],
                    check_in_after=options.get("checkin_in"),
                    note=options.get("note"),
                )
            )
            return self._text(logged_embed(logged)) + "\n(type `wait 24h` to move the console's clock forward)"

        try:
            return log_it()
        except ConsentRequired as held:
            pending_id = held.pending_id  # `held` is unbound once the except block ends
            self.waiting_for = lambda answer: self._consent(answer, pending_id)
            consent = self._text(consent_embed(self.settings.retention_days))
            return f"{consent}\nType 'I agree' to store it, or anything else to cancel."

    def _consent(self, answer: str, pending_id: int) -> str:
        """The same held session as on Discord: "I agree" logs it, anything else erases it now."""
        if answer.strip().lower().rstrip(".!") not in {"i agree", "agree", "yes"}:
            erased = self._run(self.service.decline(pending_id, CONSOLE_USER_ID))
            return DECLINED if erased else NOTHING_HELD
        logged = self._run(self.service.agree_and_log(pending_id, CONSOLE_USER_ID))
        return f"Thank you.\n{self._text(logged_embed(logged))}\n(type `wait 24h` to move the console's clock forward)"

    def _history(self) -> str:
        history = self._run(self.service.history(CONSOLE_USER_ID))
        text = self._text(history_embed(history, self._timezone()))
        if len(history.soreness_points) < MIN_POINTS:
            return text
        png = soreness_chart(history.soreness_points)
        path = _save("kneadbot-soreness-", ".png", png)
        return f"{text}\nChart saved to {path}"

    def _cancel(self, text: str) -> str:
        number = parse_options(text, ["checkin"]).get("checkin", "").lstrip("#")
        if not number.isdigit():
            raise BadInput("Say which one, e.g. /session cancel checkin:3 (see /session upcoming).")
        cancelled = self._run(self.service.cancel(CONSOLE_USER_ID, int(number)))
        return self._plain(f"Cancelled {checkin_line(cancelled)}.")

    # /settings and /mydata

    def member_settings(self, rest: str) -> str:
        sub, _, options = rest.strip().partition(" ")
        handlers: dict[str, Callable[[str], str]] = {"timezone": self._timezone_set, "quiet-hours": self._quiet}
        return _pick(handlers, sub.replace("_", "-"), "/settings", options)

    def _timezone_set(self, text: str) -> str:
        name = parse_options(text, ["name"]).get("name", "")
        zone = self._run(self.service.set_timezone(CONSOLE_USER_ID, name))
        return f"Your time zone is now {zone}."

    def _quiet(self, text: str) -> str:
        options = parse_options(text, ["start", "end"])
        quiet = self._run(self.service.set_quiet_hours(CONSOLE_USER_ID, options.get("start"), options.get("end")))
        return "Quiet hours are off." if quiet is None else f"Quiet hours: {quiet.start:%H:%M}–{quiet.end:%H:%M}."

    def mydata(self, rest: str) -> str:
        handlers: dict[str, Callable[[str], str]] = {"export": lambda _o: self._export(), "delete": self._delete}
        return _pick(handlers, rest.strip(), "/mydata", "")

    def _export(self) -> str:
        data = json.dumps(self._run(self.service.export(CONSOLE_USER_ID)), indent=2, ensure_ascii=False)
        return f"Here is everything I store about you: saved to {_save('kneadbot-my-data-', '.json', data.encode())}"

    def _delete(self, _text: str) -> str:
        def confirm(answer: str) -> str:
            if answer.strip().lower() != "delete everything":
                return "Cancelled: nothing was erased."
            self._run(self.service.delete_member_data(CONSOLE_USER_ID))
            self._open.clear()
            return "Done: everything of yours is erased."

        self.waiting_for = confirm
        return "This erases your sessions, answers and settings and cancels your check-ins. Type 'delete everything'."

    # The clock and check-ins arriving

    def wait(self, rest: str) -> str:
        """`wait 24h` or `time +24h`: move the clock, stopping at each check-in that falls due on the way,
        and deliver it then, as the scheduler would (so it does not arrive "late")."""
        step = parse_duration(rest.strip().lstrip("+"))
        if step > timedelta(days=30):
            raise BadInput("Wait at most 30 days at a time.")
        target = self.clock() + step
        arrived = self._run(self._deliver_until(target)) if self._service is not None else []
        self.clock.offset += target - self.clock()
        moved = f"The console's clock is now {self.clock():%Y-%m-%d %H:%M} UTC ({format_duration(step)} later)."
        if not arrived:
            return moved + "\nNo check-in is due yet."
        self.waiting_for = self._answer
        return "\n\n".join([moved, *(self._deliver(due) for due in arrived)])

    async def _deliver_until(self, target: datetime) -> list[Any]:
        delivery, arrived = self.service.delivery, []
        while (due_at := await delivery.next_due_at()) is not None and due_at <= target:
            self.clock.offset += max(due_at - self.clock(), timedelta(0))
            claimed = await delivery.claim_due(self.clock())
            if not claimed:
                break
            arrived += claimed
        return arrived

    def _deliver(self, due: Any) -> str:
        self._run(self.service.delivery.mark_sent(due.checkin_id, 0, 0))
        self._open.append(due.checkin_id)
        menu = "  ".join(f"{n}. {label}" for n, label in enumerate(CHOICES, start=1))
        embed = checkin_embed(due, self.library.checkin_texts, self.clock())
        return f"A check-in arrives by DM:\n{self._text(embed)}\nAnswer with a number: {menu}"

    def _answer(self, line: str) -> str:
        choice = line.strip().rstrip(".")
        if not choice.isdigit() or not 1 <= int(choice) <= len(CHOICES):
            self.waiting_for = self._answer
            return f"! Answer with one number from 1 to {len(CHOICES)}, e.g. 2 for {CHOICES[1]}."
        checkin_id = self._open.pop(0)
        reply = self._act(checkin_id, int(choice))
        if self._open:
            self.waiting_for = self._answer
            reply += f"\n\nCheck-in #{self._open[0]} is still open: answer it with a number."
        return reply

    def _act(self, checkin_id: int, choice: int) -> str:
        service = self.service
        if choice <= len(SORENESS_LABELS):
            return self._guidance(self._run(service.record_soreness(checkin_id, CONSOLE_USER_ID, choice - 1)))
        if choice == len(SORENESS_LABELS) + 1:
            return self._guidance(self._run(service.record_warning_signs(checkin_id, CONSOLE_USER_ID)))
        summary = self._run(service.snooze(checkin_id, CONSOLE_USER_ID))
        return self._plain(f"OK, I will ask again {discord.utils.format_dt(summary.deliver_at, 'R')}.")

    def _guidance(self, answer: Answer) -> str:
        text = self._text(guidance_embed(self.library.checkin_texts, answer.guidance))
        if not answer.offers_follow_up:
            return text
        self.waiting_for = lambda line: self._follow_up(line, answer.checkin_id)
        return f"{text}\nType 'again' to be asked again tomorrow."

    def _follow_up(self, line: str, checkin_id: int) -> str:
        if line.strip().lower() not in {"again", "check again tomorrow"}:
            return "OK, no follow-up."
        summary = self._run(self.service.schedule_follow_up(checkin_id, CONSOLE_USER_ID))
        return self._plain(f"I will check on you again {discord.utils.format_dt(summary.deliver_at, 'R')}.")

    # Rendering

    def _timezone(self) -> str:
        member = self._run(self.service.settings(CONSOLE_USER_ID))
        return member.timezone if member else "UTC"

    def _text(self, embed: discord.Embed) -> str:
        return self._plain(embed_to_text(embed))

    def _plain(self, text: str) -> str:
        """Discord's <t:…> timestamps as the member's local time, or "in 1d" against the console's clock."""
        zone = zone_named(self._timezone()) if self._service is not None else UTC
        now = self.clock()

        def local(match: re.Match[str]) -> str:
            moment = datetime.fromtimestamp(int(match[1]), UTC)
            if match[2] == "R":
                gap = moment - now
                return f"in {_minutes(gap)}" if gap >= timedelta(0) else f"{_minutes(-gap)} ago"
            return f"{moment.astimezone(zone):%a %d %b %Y %H:%M} ({zone})"

        return _TIMESTAMP.sub(local, text)


def _pick(handlers: dict[str, Callable[[str], str]], sub: str, group: str, options: str) -> str:
    handler = handlers.get(sub.lower())
    if handler is None:
        raise BadInput(f"{group} needs one of: {', '.join(handlers)}.")
    return handler(options)


def _minutes(gap: timedelta) -> str:
    return format_duration(timedelta(minutes=round(gap.total_seconds() / 60)))


def _save(prefix: str, suffix: str, data: bytes) -> Path:
    """A new private file in the temp folder (never a fixed name another user could plant a link at)."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    with open(handle, "wb") as file:
        file.write(data)
    return Path(name)
