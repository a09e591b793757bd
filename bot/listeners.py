"""Listeners: the one way a service tells others that something changed (a schedule, an audit entry).

Hand-written because it is ten lines: asyncio and discord.py offer nothing for plain in-process
callbacks without a running bot, and services must not import discord. A failing listener is logged
and never stops the others or the action that emitted; a cog removes its listener in cog_unload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

from bot.log import get_logger

P = ParamSpec("P")

log = get_logger(__name__)


class Listeners(Generic[P]):
    """Callbacks called in the order they were added; each must not block (schedule a task instead)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._callbacks: list[Callable[P, None]] = []

    def add(self, listener: Callable[P, None]) -> None:
        self._callbacks.append(listener)

    def remove(self, listener: Callable[P, None]) -> None:
        """Forget `listener` (added once); removing one that is not there does nothing."""
        if listener in self._callbacks:
            self._callbacks.remove(listener)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for listener in list(self._callbacks):
            try:
                listener(*args, **kwargs)
            except Exception:
                log.exception("A %s listener failed", self._name)
