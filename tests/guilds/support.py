"""Shared values for guild tests: two servers, their moderators, and a valid tip to start from."""

from __future__ import annotations

from typing import Any

SERVER_A, SERVER_B = 111_000, 222_000
MOD_A, MOD_B = 1_001, 2_002

GOOD_TIP: dict[str, Any] = {
    "text": "Warm the calves with light strokes before any firm pressure.",
    "topic": "calves",
    "source_name": "NHS: Exercise",
    "source_url": "https://www.nhs.uk/live-well/exercise/",
}


def tip_fields(**changes: str) -> dict[str, Any]:
    return {**GOOD_TIP, **changes}
