from __future__ import annotations

import pytest

from bot.checkins.service import CheckinService
from bot.storage.db import Database
from tests.checkins.support import MEMBER, FakeClock


@pytest.fixture
def service(db: Database, reader: Database, clock: FakeClock) -> CheckinService:
    return CheckinService(db, clock=clock, reader=reader)


@pytest.fixture
async def member(service: CheckinService) -> int:
    await service.give_consent(MEMBER)
    return MEMBER
