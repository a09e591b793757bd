"""KneadBot: the discord.py bot that opens the database and loads one extension per feature.

The bot holds what every feature shares (settings, the Library, the database connections, the
clock, the metrics) and nothing else: each extension builds its own services from them in its
setup (bot/exts/_services.py) and registers its own restart-safe buttons. Mentions are off by
default for every message the bot sends, so no text a member typed can ever ping anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import pkgutil
from types import TracebackType
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import exts
from bot.clock import Clock, utc_now
from bot.http_buckets import amortise_bucket_sweep
from bot.library.library import Library
from bot.log import get_logger
from bot.metrics import Metrics
from bot.ops import published
from bot.ratelimit import pacing, route_requests
from bot.settings import Settings
from bot.storage.cluster import ProcessOwner, hold_owner
from bot.storage.db import Database, open_database
from bot.ui.errors import CommandRefused, error_reply, reply_privately
from bot.ui.expired import answer_if_unclaimed

log = get_logger(__name__)


class KneadTree(app_commands.CommandTree["KneadBot"]):
    """One place that turns every app-command error into a short, private reply."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        self.client.metrics.command_finished(command_name(interaction.command), "error")
        if isinstance(error, COMMAND_CHANGED):
            await answer_changed_command(interaction, error)
            return
        await reply_privately(interaction, reply_for_error(interaction, error))


COMMAND_CHANGED = (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)
"""A member's client still shows a command as it was before a deploy: expected, not a bug."""

CHANGED_COMMAND_TEXT = "That command has changed; Discord will update your list shortly."


async def answer_changed_command(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """Tell the member their command list is out of date (an autocomplete gets no suggestions); log at INFO.

    Discord caches a member's command list, so after a deploy that renames or reshapes a command some
    clients keep sending the old one for a while. That is not our failure, so no traceback.
    """
    log.info("Out-of-date command from a member's client (%s): %s", type(error).__name__, error)
    if interaction.type is discord.InteractionType.autocomplete:
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.autocomplete([])
        return
    await reply_privately(interaction, CHANGED_COMMAND_TEXT)


def command_name(command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu | None) -> str:
    """The metrics label for a command: its qualified name ("session log"), or "unknown"."""
    return command.qualified_name if command is not None else "unknown"


def reply_for_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> str:
    """What the member reads for an error; unexpected ones are logged with a reference id."""
    cause = getattr(error, "original", error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Easy there: you can use this again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works in a server."
    if isinstance(error, CommandRefused):
        return str(error)
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here."
    if isinstance(error, app_commands.TransformerError):
        return "I could not read one of the values you gave. Please check it and try again."
    name = interaction.command.qualified_name if interaction.command else "?"
    return error_reply(cause, f"/{name}")


class KneadBot(commands.Bot):
    """The bot: opens the database and loads one cog per feature from `bot/exts/`."""

    def __init__(
        self,
        settings: Settings,
        library: Library,
        *,
        background_jobs: bool = True,
        clock: Clock = utc_now,
        metrics: Metrics | None = None,
        **options: object,
    ) -> None:
        paced = pacing(settings.global_rate)  # every attempt waits for its turn (bot/ratelimit.py)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=KneadTree,
            help_command=None,
            http_trace=paced,
            **options,  # type: ignore[arg-type]
        )
        paced.follow_global_limit(self.http)
        if settings.amortise_bucket_sweep:
            amortise_bucket_sweep(self.http)  # opt-in: it replaces a private discord.py method
        if settings.discord_api_url is not None:
            route_requests(self.http, api_base=str(settings.discord_api_url))
        self.settings = settings
        self.library = library
        self.background_jobs = background_jobs
        """False for one-off runs such as `python -m bot sync`: no scheduler may deliver from them."""
        self.clock = clock
        self._database: Database | None = None
        self._owner: ProcessOwner | None = None
        self._closing_database: asyncio.Future[None] | None = None
        self.metrics = metrics if metrics is not None else Metrics()

    @property
    def database(self) -> Database:
        """The connections extensions build their services on; open from `setup_hook` on."""
        if self._database is None:
            raise RuntimeError("the database opens in setup_hook; it is not open yet")
        return self._database

    async def setup_hook(self) -> None:
        # SQLite file or PostgreSQL URL; reads outside a transaction go to its reader engine, so read-only
        # commands never wait on writers.
        self._database = await open_database(self.settings.database)
        if self.background_jobs:  # this process claims work: hold its owner lock (bot/storage/cluster.py)
            self._owner = await hold_owner(self._database)
        for name in extension_names():
            await self.load_extension(name)
        gc.freeze()  # content and services live for the whole run: keep full collections from rescanning them
        if self.settings.dev_guild is not None and self.background_jobs:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("Synced commands to the development server %s", self.settings.dev_guild)
        if self.background_jobs:
            await self._tell_operator()

    async def _tell_operator(self) -> None:
        """Log the invite link and whether Discord's commands match this code (one GET, never fatal)."""
        if self.application_id is not None:
            log.info("Invite the bot to a server: %s", published.invite_url(self.application_id))
        guild = discord.Object(self.settings.dev_guild) if self.settings.dev_guild else None
        try:
            remote = await self.tree.fetch_commands(guild=guild)
        except discord.HTTPException as error:
            log.warning("Could not compare slash commands with Discord's (HTTP %s); skipped", error.status)
            return
        local = [command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)]
        changed = published.differences(local, [command.to_dict() for command in remote])
        if changed:
            log.warning("%s", published.sync_hint(changed, self.settings.dev_guild))
        else:
            log.info("The slash commands on Discord match this version (%s commands)", len(local))

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Also answers clicks no view will handle: checked here, when discord.py has just routed them.

        discord.py calls dispatch("interaction") right after offering a click to its views, before any
        view callback ran, so the store still shows exactly who took it (see bot/ui/expired.py).
        `_connection._view_store` is private discord.py API (2.7.1, pinned); tests/test_view_store_shape.py
        fails if an upgrade changes it.
        """
        if event_name == "interaction" and args and isinstance(args[0], discord.Interaction):
            answer_if_unclaimed(self._connection._view_store, args[0])
        super().dispatch(event_name, *args, **kwargs)

    async def on_app_command_completion(
        self, _interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu
    ) -> None:
        """Counts the commands that did not fail (failures are counted in KneadTree.on_error)."""
        self.metrics.command_finished(command_name(command), "ok")

    async def close(self) -> None:
        await super().close()
        # close() runs twice on shutdown (the signal, then `async with`): both wait for the same closing,
        # so neither returns (and lets the loop end) while a connection's thread is still open.
        if self._closing_database is None:
            self._closing_database = asyncio.ensure_future(self._close_database())
        await self._closing_database

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """discord.py's own exit only waits for its part of a close a signal started; wait for ours too."""
        await super().__aexit__(exc_type, exc, traceback)
        await self.close()

    async def _close_database(self) -> None:
        database, self._database = self._database, None
        owner, self._owner = self._owner, None
        if owner is not None:  # after the runners stopped: what they left claimed is anyone's to recover
            await owner.release()
        if database is not None:
            await database.close()  # waits for the transaction in progress (see Database.close)


def extension_names() -> list[str]:
    """Every module under bot/exts/ except private ones (leading underscore), in a stable order."""
    return sorted(
        module.name
        for module in pkgutil.walk_packages(exts.__path__, f"{exts.__name__}.")
        if not module.name.rpartition(".")[2].startswith("_")
    )


class ShardedKneadBot(KneadBot, commands.AutoShardedBot):
    """KneadBot on discord.py's AutoShardedBot: every shard in this process (KNEADBOT_SHARDED=true), or
    the slice KNEADBOT_SHARD_IDS of KNEADBOT_SHARD_COUNT, the other shards run by other processes."""


def create_bot(settings: Settings, library: Library, **options: Any) -> KneadBot:
    """The bot class the settings ask for; everything else about it is the same.

    With shard ids, the count is always given: asked of Discord by each process on its own, the
    processes could disagree and serve a server twice or not at all."""
    if (shards := settings.shards) is not None:
        options.setdefault("shard_count", shards.count)
        options.setdefault("shard_ids", sorted(shards.ids))
        return ShardedKneadBot(settings, library, **options)
    cls = ShardedKneadBot if settings.sharded else KneadBot
    return cls(settings, library, **options)
