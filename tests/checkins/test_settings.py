from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.checkins.errors import BadQuietHours, ConsentRequired, UnknownTimezone
from bot.checkins.quiet_hours import QuietHours
from bot.checkins.service import CheckinService
from bot.checkins.timezones import resolve_timezone, timezone_suggestions
from tests.checkins.support import MEMBER, FakeClock


async def test_defaults_are_utc_and_no_quiet_hours(service: CheckinService, member: int) -> None:
    settings = await service.settings(member)
    assert settings is not None
    assert (settings.timezone, settings.quiet_hours, settings.dm_channel_id) == ("UTC", None, None)


async def test_settings_need_consent(service: CheckinService) -> None:
    with pytest.raises(ConsentRequired):
        await service.set_timezone(MEMBER, "Europe/London")
    with pytest.raises(ConsentRequired):
        await service.set_quiet_hours(MEMBER, "22:00", "07:00")
    assert await service.settings(MEMBER) is None


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "", "Europe/"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownTimezone):
        resolve_timezone(name)


def test_zone_names_are_matched_without_regard_to_case() -> None:
    assert resolve_timezone(" america/new york ") == "America/New_York"


def test_suggestions_put_names_and_cities_starting_with_the_text_first() -> None:
    assert timezone_suggestions("lond")[0] == "Europe/London"
    assert timezone_suggestions("europe/")[:2] == ["Europe/Amsterdam", "Europe/Andorra"]
    assert "America/Argentina/Buenos_Aires" in timezone_suggestions("buenos")
    assert len(timezone_suggestions("", limit=25)) == 25
    assert timezone_suggestions("\x00" * 10_000) == []


async def test_quiet_hours_delay_checkins_and_changes_replan_them(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    logged = await service.log_session(member, "calves", "firm", check_in_after="11h")  # due 23:00 UTC

    quiet = await service.set_quiet_hours(member, "22:00", "07:00")
    assert quiet == QuietHours(time(22), time(7))
    assert (await service.upcoming(member))[0].deliver_at == datetime(2026, 1, 6, 7, 0, tzinfo=UTC)

    await service.set_timezone(member, "asia/tokyo")  # 23:00 UTC is 08:00 in Tokyo: outside quiet hours
    assert (await service.upcoming(member))[0].deliver_at == logged.checkin.due_at

    await service.set_timezone(member, "America/New_York")  # 18:00 there
    assert await service.set_quiet_hours(member, "17:00", "19:30") is not None
    assert (await service.upcoming(member))[0].deliver_at == datetime(2026, 1, 6, 0, 30, tzinfo=UTC)

    assert await service.set_quiet_hours(member, None, None) is None
    assert (await service.upcoming(member))[0].deliver_at == logged.checkin.due_at


async def test_new_checkins_respect_quiet_hours(service: CheckinService, member: int, clock: FakeClock) -> None:
    clock.now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    await service.set_timezone(member, "Europe/London")
    await service.set_quiet_hours(member, "22:00", "07:00")

    logged = await service.log_session(member, "calves", "firm", check_in_after="12h")  # 00:00 GMT, clocks change

    assert logged.checkin.due_at == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert logged.checkin.deliver_at == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 07:00 BST
    clock.advance(hours=13)
    assert await service.delivery.claim_due(clock.now) == []


@pytest.mark.parametrize(("start", "end"), [("22:00", None), ("", "07:00"), ("08:00", "08:00"), ("8pm", "7am")])
async def test_bad_quiet_hours_are_refused(service: CheckinService, member: int, start: str, end: str | None) -> None:
    with pytest.raises(BadQuietHours):
        await service.set_quiet_hours(member, start, end)
    settings = await service.settings(member)
    assert settings is not None
    assert settings.quiet_hours is None


async def test_dm_channel_is_remembered(service: CheckinService, member: int) -> None:
    await service.delivery.remember_dm_channel(member, 4242)
    await service.log_session(member, "feet", "light", check_in_after="1m")
    settings = await service.settings(member)

    assert settings is not None
    assert settings.dm_channel_id == 4242
    due = await service.delivery.claim_due(settings.consented_at + timedelta(minutes=1))
    assert [d.dm_channel_id for d in due] == [4242]
