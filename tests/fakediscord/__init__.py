"""A loopback fake of Discord's REST API and gateway, for driving real discord.py offline.

Only Discord's servers are faked: the bot under test runs its real ``commands.Bot``,
``CommandTree``, Views and Modals; every request it makes is recorded and validated
against Discord's OpenAPI description (plus limits the spec omits).

Typical test (``fake_discord`` comes from ``tests.fakediscord.pytest_plugin``)::

    async def test_info(fake_discord: FakeDiscord) -> None:
        async with running_client(fake_discord, make_bot()):
            sent = await fake_discord.slash("info")                # INTERACTION_CREATE
            reply = await fake_discord.interaction_reply(sent)     # the bot's callback
            assert reply.ephemeral and reply.embeds[0]["title"] == "Kneadbot"
            click = await fake_discord.click(reply, "confirm:yes")  # press a button
            fake_discord.fail_next("POST", r"^/channels/\\d+/messages$", 429, retry_after=0.05)
            fake_discord.close_dms(fake_discord.user.id)          # next DM -> 403/50007

Only one ``FakeDiscord`` may be started at a time: it repoints discord.py's
process-wide ``Route.BASE`` and default gateway URL until ``close()``.
"""

from .client import running_client
from .faults import Fault
from .interactions import InteractionState
from .models import (
    Channel,
    Guild,
    InteractionReply,
    Member,
    Overwrite,
    RecordedFile,
    RecordedRequest,
    Role,
    User,
)
from .server import FakeDiscord
from .spec import Violation, load_spec

__all__ = [
    "Channel",
    "FakeDiscord",
    "Fault",
    "Guild",
    "InteractionReply",
    "InteractionState",
    "Member",
    "Overwrite",
    "RecordedFile",
    "RecordedRequest",
    "Role",
    "User",
    "Violation",
    "load_spec",
    "running_client",
]
