"""What a member reads when something goes wrong, for commands and for buttons alike."""

from __future__ import annotations

import secrets

from discord import app_commands

from bot.errors import KneadError
from bot.log import get_logger

log = get_logger(__name__)


def error_reply(error: BaseException, where: str) -> str:
    """A KneadError's own text; anything else is logged with a reference id the member can quote."""
    if isinstance(error, KneadError):
        return str(error)
    reference = secrets.token_hex(4)
    log.error("Unhandled error in %s [ref %s]", where, reference, exc_info=error)
    return f"Sorry, something went wrong on our side. It has been logged (reference `{reference}`)."


class CommandRefused(app_commands.CheckFailure):
    """A command check said no; the message (from a KneadError) tells the member why."""
