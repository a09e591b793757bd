"""Who counts as a moderator: decided by the bot when each moderator command runs.

Discord's own command permissions can be changed by server admins in a way the bot cannot see, so the
bot re-checks on every call; this function is the whole rule, kept pure so it is tested as a table.
"""

from __future__ import annotations

from collections.abc import Collection


def is_moderator(*, has_manage_guild: bool, role_ids: Collection[int], mod_role_id: int | None) -> bool:
    """Manage Server always counts; otherwise the member needs the server's moderator role, if one is set."""
    return has_manage_guild or (mod_role_id is not None and mod_role_id in role_ids)
