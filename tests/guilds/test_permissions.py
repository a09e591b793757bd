"""Who is a moderator: the whole rule as a truth table."""

from __future__ import annotations

import pytest

from bot.guilds.permissions import is_moderator

MOD_ROLE = 77


@pytest.mark.parametrize(
    ("has_manage_guild", "role_ids", "mod_role_id", "expected"),
    [
        (True, [], None, True),
        (True, [], MOD_ROLE, True),
        (True, [MOD_ROLE], MOD_ROLE, True),
        (False, [], None, False),
        (False, [5, 6], None, False),
        (False, [5, MOD_ROLE], MOD_ROLE, True),
        (False, [5, 6], MOD_ROLE, False),
        (False, [], MOD_ROLE, False),
    ],
)
def test_manage_server_or_the_mod_role_makes_a_moderator(
    has_manage_guild: bool, role_ids: list[int], mod_role_id: int | None, expected: bool
) -> None:
    assert is_moderator(has_manage_guild=has_manage_guild, role_ids=role_ids, mod_role_id=mod_role_id) is expected


def test_role_ids_can_be_any_collection() -> None:
    assert is_moderator(has_manage_guild=False, role_ids=frozenset({MOD_ROLE}), mod_role_id=MOD_ROLE)
