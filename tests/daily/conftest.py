from __future__ import annotations

import random

import pytest

from bot.daily.service import DailyTipService
from bot.guilds.audit import AuditTrail
from bot.library.models import Tip
from bot.storage.db import Database
from tests.clock import FakeClock
from tests.daily.support import make_tips


@pytest.fixture
def builtin_tips() -> list[Tip]:
    return make_tips(5, prefix="built-in")


@pytest.fixture
def daily(
    db: Database,
    reader: Database,
    audit: AuditTrail,
    clock: FakeClock,
    builtin_tips: list[Tip],
) -> DailyTipService:
    return DailyTipService(
        db, builtin_tips=lambda: builtin_tips, audit=audit, clock=clock, rng=random.Random(7), reader=reader
    )
