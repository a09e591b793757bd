"""Fuzzy search over FAQ questions and their aliases, built on rapidfuzz.

Every phrase is normalised once when the index is built, so a keystroke costs one rapidfuzz pass
over prepared strings and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from bot.library.models import FaqEntry

ANSWER_CUTOFF = 72.0
"""Below this WRatio score a typed question is not answered: we show the nearest ones instead."""


class FaqIndex:
    """Ranks FAQ entries against what a member typed; an entry is found by its question or any alias."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self._entries = tuple(entries)
        self._phrases: list[str] = []
        self._owners: list[int] = []
        self._exact: dict[str, FaqEntry] = {}
        for number, entry in enumerate(self._entries):
            for phrase in (entry.question, *entry.aliases):
                self._phrases.append(utils.default_process(phrase))
                self._owners.append(number)
            for key in (entry.id, entry.question, *entry.aliases):
                self._exact.setdefault(utils.default_process(key), entry)

    def suggest(self, query: str, limit: int = 25) -> list[FaqEntry]:
        """The best `limit` distinct entries for a partial query; the first ones when it is empty."""
        processed = utils.default_process(query)
        if not processed:
            return list(self._entries[:limit])
        hits = process.extract(processed, self._phrases, scorer=fuzz.WRatio, processor=None, limit=limit * 3)
        found: dict[int, FaqEntry] = {}
        for _phrase, _score, position in hits:
            owner = self._owners[position]
            found.setdefault(owner, self._entries[owner])
            if len(found) == limit:
                break
        return list(found.values())

    def best(self, query: str) -> FaqEntry | None:
        """The entry a question means, or None when nothing matches well enough to answer."""
        processed = utils.default_process(query)
        if not processed:
            return None
        if processed in self._exact:
            return self._exact[processed]
        hit = process.extractOne(
            processed, self._phrases, scorer=fuzz.WRatio, processor=None, score_cutoff=ANSWER_CUTOFF
        )
        return None if hit is None else self._entries[self._owners[hit[2]]]
