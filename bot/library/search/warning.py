"""Warning signs, decided before any ranking: a red flag in a question picks its entry outright.

Patterns come from content/vocabulary.yaml. Each pattern is a list of groups; a question matches when
every group has one of its words or phrases in it, in any order. Matching runs on the normalised stems,
so typos ("chset") and everyday words ("wee", "coke") are already read as the FAQ's words.
"""

from __future__ import annotations

from bot.library.search.text import Normalised, Normaliser
from bot.library.search.vocabulary import Vocabulary

StemGroup = tuple[tuple[str, ...], ...]


def contains(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(stems[i : i + size] == phrase for i in range(len(stems) - size + 1))


class WarningRouter:
    def __init__(self, vocabulary: Vocabulary, normaliser: Normaliser, faq_ids: set[str]) -> None:
        """Signs naming an entry not in `faq_ids` are skipped (`content check` reports them)."""
        self._signs: list[tuple[str, list[list[StemGroup]]]] = []
        for sign in (s for s in vocabulary.warning_signs if s.faq in faq_ids):
            patterns = [[tuple(normaliser.stems_of(word) for word in group) for group in p] for p in sign.patterns]
            self._signs.append((sign.faq, patterns))

    def route(self, query: Normalised) -> str | None:
        """The id of the red-flag entry this question describes, or None. The first sign listed wins."""
        for faq_id, patterns in self._signs:
            for pattern in patterns:
                if all(any(contains(query.stems, phrase) for phrase in group if phrase) for group in pattern):
                    return faq_id
        return None
