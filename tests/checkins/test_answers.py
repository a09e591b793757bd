from __future__ import annotations

from datetime import timedelta

import pytest

from bot.checkins.errors import (
    CheckinClosed,
    CheckinNotFound,
    SnoozeLimitReached,
    TooManyPending,
    WarningSignsReported,
)
from bot.checkins.models import CheckinState, Guidance, Soreness
from bot.checkins.service import MAX_OPEN_PER_MEMBER, CheckinService
from bot.errors import BadInput
from bot.storage.db import Database
from tests.checkins.support import STRANGER, FakeClock, row, send_due


async def sent_checkin(service: CheckinService, member: int, clock: FakeClock) -> int:
    logged = await service.log_session(member, "calves", "firm", check_in_after="24h")
    clock.advance(hours=24)
    assert [due.checkin_id for due in await send_due(service.delivery, clock)] == [logged.checkin.id]
    return logged.checkin.id


@pytest.mark.parametrize(
    ("level", "guidance"),
    [(0, Guidance.REASSURE), (1, Guidance.REASSURE), (2, Guidance.MODERATE), (3, Guidance.SEVERE)],
)
async def test_answer_picks_the_guidance(
    service: CheckinService, member: int, clock: FakeClock, level: int, guidance: Guidance
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    answer = await service.record_soreness(checkin_id, member, level)

    assert (answer.soreness, answer.guidance, answer.is_follow_up) == (Soreness(level), guidance, False)
    assert answer.offers_follow_up is (guidance is Guidance.MODERATE)


async def test_answering_again_updates_the_one_row(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    await service.record_soreness(checkin_id, member, 3)
    clock.advance(minutes=5)
    await service.record_soreness(checkin_id, member, 1)
    await service.record_warning_signs(checkin_id, member)

    answer = await row(db, "SELECT soreness, answered_at, warning_signs_at FROM answers")  # the one row
    assert answer["soreness"] == 1
    assert answer["answered_at"] == answer["warning_signs_at"]


async def test_warning_signs_are_recorded(service: CheckinService, member: int, clock: FakeClock) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    answer = await service.record_warning_signs(checkin_id, member)
    history = await service.history(member)

    assert (answer.guidance, answer.soreness) == (Guidance.WARNING_SIGNS, None)
    assert history.sessions[0].answers[0].warning_signs_at == clock.now
    assert history.soreness_points == ()


async def test_after_warning_signs_the_checkin_cannot_be_put_off(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    await service.record_warning_signs(checkin_id, member)

    with pytest.raises(WarningSignsReported, match="please get medical help"):
        await service.snooze(checkin_id, member)

    assert (await row(db, "SELECT state, snoozes FROM checkins WHERE id = ?", checkin_id))[:] == ("sent", 0)


async def test_after_warning_signs_no_follow_up_is_scheduled(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    assert (await service.record_soreness(checkin_id, member, 2)).offers_follow_up
    await service.record_warning_signs(checkin_id, member)

    with pytest.raises(WarningSignsReported, match="please get medical help"):
        await service.schedule_follow_up(checkin_id, member)

    assert (await row(db, "SELECT count(*) FROM checkins WHERE follow_up_of = ?", checkin_id))[0] == 0


async def test_only_sent_checkins_can_be_answered(service: CheckinService, member: int) -> None:
    logged = await service.log_session(member, "calves", "firm")
    with pytest.raises(CheckinClosed, match="hasn't been sent"):
        await service.record_soreness(logged.checkin.id, member, 1)
    with pytest.raises(BadInput):
        await service.record_soreness(logged.checkin.id, member, 4)


async def test_another_member_can_do_nothing_with_a_checkin(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    await service.give_consent(STRANGER)
    attempts = [
        service.record_soreness(checkin_id, STRANGER, 0),
        service.record_warning_signs(checkin_id, STRANGER),
        service.snooze(checkin_id, STRANGER),
        service.schedule_follow_up(checkin_id, STRANGER),
        service.cancel(STRANGER, checkin_id),
    ]
    for attempt in attempts:
        with pytest.raises(CheckinNotFound, match="among yours"):
            await attempt

    assert (await row(db, "SELECT count(*) FROM answers"))[0] == 0
    assert (await row(db, "SELECT state, snoozes FROM checkins WHERE id = ?", checkin_id))[:] == ("sent", 0)
    assert (await row(db, "SELECT count(*) FROM checkins"))[0] == 1


async def test_snooze_asks_again_three_hours_later_at_most_three_times(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    nonces = set()
    for _ in range(3):
        snoozed = await service.snooze(checkin_id, member)
        assert (snoozed.state, snoozed.due_at) == (CheckinState.PENDING, clock.now + timedelta(hours=3))
        assert await service.snooze(checkin_id, member) == snoozed  # a double click changes nothing
        clock.advance(hours=3)
        nonces |= {due.nonce for due in await send_due(service.delivery, clock)}

    with pytest.raises(SnoozeLimitReached, match="3 times"):
        await service.snooze(checkin_id, member)
    assert len(nonces) == 3


async def test_snoozed_checkin_answered_early_is_not_sent_again(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    await service.snooze(checkin_id, member)
    await service.record_soreness(checkin_id, member, 0)
    clock.advance(hours=4)

    assert await service.delivery.claim_due(clock.now) == []
    with pytest.raises(CheckinClosed, match="already answered"):
        await service.snooze(checkin_id, member)


async def test_snoozed_checkin_with_warning_signs_reported_is_not_sent_again(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    await service.snooze(checkin_id, member)
    await service.record_warning_signs(checkin_id, member)  # from the earlier message, still on screen
    clock.advance(hours=4)

    assert await service.delivery.claim_due(clock.now) == []


async def test_follow_up_is_scheduled_once(
    service: CheckinService, member: int, clock: FakeClock, db: Database
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    answer = await service.record_soreness(checkin_id, member, 2)
    assert answer.offers_follow_up

    first = await service.schedule_follow_up(checkin_id, member)
    second = await service.schedule_follow_up(checkin_id, member)

    assert first == second
    assert first.is_follow_up
    assert first.due_at == clock.now + timedelta(hours=24)
    assert (await row(db, "SELECT count(*) FROM checkins WHERE follow_up_of = ?", checkin_id))[0] == 1


async def test_moderate_on_a_follow_up_is_treated_as_severe(
    service: CheckinService, member: int, clock: FakeClock
) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    follow_up = await service.schedule_follow_up(checkin_id, member)
    clock.advance(hours=24)
    await send_due(service.delivery, clock)

    answer = await service.record_soreness(follow_up.id, member, 2)

    assert (answer.guidance, answer.is_follow_up, answer.offers_follow_up) == (Guidance.SEVERE, True, False)
    with pytest.raises(CheckinClosed, match="already a follow-up"):
        await service.schedule_follow_up(follow_up.id, member)


async def test_follow_up_counts_towards_the_limit(service: CheckinService, member: int, clock: FakeClock) -> None:
    checkin_id = await sent_checkin(service, member, clock)
    for _ in range(MAX_OPEN_PER_MEMBER):
        await service.log_session(member, "feet", "light")
    with pytest.raises(TooManyPending):
        await service.schedule_follow_up(checkin_id, member)
