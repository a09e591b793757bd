"""The shuffled cycle: every tip once, in random order, before any tip comes round again.

Picking uniformly among the tips not yet used this cycle is the same as walking a random shuffle, but
needs only the set of used ids to be stored, so it copes with a changing pool: a tip added mid-cycle
joins the current cycle (it has not been used yet), and a removed tip simply is not in the pool.
When a new cycle starts, the tip posted last is held back once (if there is another), so the same
tip never appears two days in a row across the boundary.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.library.models import Tip


@dataclass(frozen=True)
class CyclePick:
    tip: Tip
    starts_new_cycle: bool


def unique_by_id(tips: Sequence[Tip]) -> list[Tip]:
    """The first tip for each id, in order; built-in tips come first, so they win a clash."""
    by_id: dict[str, Tip] = {}
    for tip in tips:
        by_id.setdefault(tip.id, tip)
    return list(by_id.values())


def pick_next(
    pool: Sequence[Tip], used: Collection[str], last_used: str | None, rng: random.Random
) -> CyclePick | None:
    """The next tip of the cycle, or None when there are no tips at all."""
    tips = unique_by_id(pool)
    remaining = [tip for tip in tips if tip.id not in used]
    if remaining:
        return CyclePick(rng.choice(remaining), starts_new_cycle=False)
    if not tips:
        return None
    fresh = [tip for tip in tips if tip.id != last_used] or tips
    return CyclePick(rng.choice(fresh), starts_new_cycle=True)
