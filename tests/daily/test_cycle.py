"""The shuffled cycle: every tip once before any repeats, even as the pool changes."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from bot.daily.cycle import pick_next
from bot.library.models import Tip
from tests.daily.support import make_tip, make_tips


def walk(pool: list[Tip], days: int, rng: random.Random) -> list[str]:
    """Pick `days` tips in a row, keeping the used set the way the service stores it."""
    used: list[str] = []
    picked: list[str] = []
    for _ in range(days):
        pick = pick_next(pool, set(used), used[-1] if used else None, rng)
        assert pick is not None
        if pick.starts_new_cycle:
            used.clear()
        used.append(pick.tip.id)
        picked.append(pick.tip.id)
    return picked


@given(size=st.integers(1, 30), cycles=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_each_cycle_uses_every_tip_exactly_once(size: int, cycles: int, seed: int) -> None:
    pool = make_tips(size)
    picked = walk(pool, size * cycles, random.Random(seed))
    every_id = sorted(tip.id for tip in pool)
    for start in range(0, len(picked), size):
        assert sorted(picked[start : start + size]) == every_id


@given(size=st.integers(2, 30), seed=st.integers(0, 2**32))
def test_no_tip_appears_two_days_in_a_row_across_cycles(size: int, seed: int) -> None:
    picked = walk(make_tips(size), size * 3, random.Random(seed))
    assert all(today != yesterday for yesterday, today in itertools.pairwise(picked))


def test_the_order_is_shuffled_not_fixed() -> None:
    pool = make_tips(10)
    orders = {tuple(walk(pool, 10, random.Random(seed))) for seed in range(5)}
    assert len(orders) > 1


def test_a_tip_added_mid_cycle_joins_the_current_cycle() -> None:
    pool = make_tips(3)
    added = make_tip("added")
    pick = pick_next([*pool, added], used={"tip-00", "tip-01", "tip-02"}, last_used="tip-02", rng=random.Random(0))
    assert pick is not None
    assert (pick.tip, pick.starts_new_cycle) == (added, False)


def test_a_removed_tip_is_skipped_and_the_cycle_ends_without_it() -> None:
    pool = make_tips(3)
    used = {"tip-00", "tip-01", "gone"}
    pick = pick_next(pool, used, last_used="gone", rng=random.Random(0))
    assert pick is not None
    assert pick.tip.id == "tip-02"
    restart = pick_next(pool, {*used, "tip-02"}, last_used="tip-02", rng=random.Random(0))
    assert restart is not None
    assert restart.starts_new_cycle
    assert restart.tip.id != "tip-02"


def test_a_single_tip_repeats_and_no_tips_gives_nothing() -> None:
    only = make_tip("only")
    assert walk([only], 3, random.Random(0)) == ["only"] * 3
    assert pick_next([], set(), None, random.Random(0)) is None


def test_on_an_id_clash_the_built_in_tip_wins() -> None:
    built_in, clash = make_tip("same", topic="built-in"), make_tip("same", topic="server")
    assert walk([built_in, clash], 2, random.Random(0)) == ["same", "same"]
    pick = pick_next([built_in, clash], set(), None, random.Random(0))
    assert pick is not None
    assert pick.tip.topic == "built-in"
