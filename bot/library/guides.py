"""Paging through a technique guide one step at a time, shared by the Discord view and the console."""

from __future__ import annotations

from dataclasses import dataclass

from bot.library.models import Guide


@dataclass
class StepCursor:
    """Which step of a guide is on screen; moves never run past the first or last step."""

    guide: Guide
    index: int = 0

    @property
    def total(self) -> int:
        return len(self.guide.steps)

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.index == self.total - 1

    def next(self) -> None:
        self.index = min(self.index + 1, self.total - 1)

    def back(self) -> None:
        self.index = max(self.index - 1, 0)
