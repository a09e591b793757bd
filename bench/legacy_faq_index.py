"""Today's FAQ matcher before issue 9 (a copy of bot/library/faq_search.py), kept only so bench/faq_autocomplete.py
can compare the new engine with it, like with like. Not used by the bot.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from bot.library.models import FaqEntry

ANSWER_CUTOFF = 80.0
"""Below this token-set score a typed question is not answered: we show the nearest ones instead."""

ANSWER_MARGIN = 2.0
"""The best entry must beat the next different entry by this much; a near tie is a guess, so we ask."""

MAX_SCORED = 600
"""At most this many phrases are scored per keystroke; a smaller index is always scored whole."""

WORD_TYPO_CUTOFF = 75.0


class FaqIndex:
    """Ranks FAQ entries against what a member typed; an entry is found by its question or any alias."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self._entries = tuple(entries)
        self._phrases: list[str] = []
        self._owners: list[int] = []
        self._exact: dict[str, FaqEntry] = {}
        postings: defaultdict[str, set[int]] = defaultdict(set)
        for number, entry in enumerate(self._entries):
            for phrase in (entry.question, *entry.aliases):
                processed = utils.default_process(phrase)
                for word in processed.split():
                    postings[word].add(len(self._phrases))
                self._phrases.append(processed)
                self._owners.append(number)
            for key in (entry.id, entry.question, *entry.aliases):
                self._exact.setdefault(utils.default_process(key), entry)
        self._postings = dict(postings)
        self._vocabulary = sorted(postings)

    def suggest(self, query: str, limit: int = 25) -> list[FaqEntry]:
        """The best `limit` distinct entries for a partial query; the first ones when it is empty."""
        processed = utils.default_process(query)
        if not processed:
            return list(self._entries[:limit])
        found: dict[int, FaqEntry] = {}
        for position in self._ranked(processed, limit * 3):
            owner = self._owners[position]
            found.setdefault(owner, self._entries[owner])
            if len(found) == limit:
                break
        return list(found.values())

    def best(self, query: str) -> FaqEntry | None:
        """The entry a question means, or None when nothing matches well, or two entries match alike.

        Token-set scoring ignores word order and extra words, and the margin keeps a generic query
        such as "massage" from picking whichever entry happens to come first.
        """
        processed = utils.default_process(query)
        if not processed:
            return None
        if processed in self._exact:
            return self._exact[processed]
        choices = {position: self._phrases[position] for position in self._candidates(processed)}
        hits = process.extract(
            processed, choices, scorer=fuzz.token_set_ratio, processor=None, limit=10, score_cutoff=ANSWER_CUTOFF
        )
        best_by_entry: dict[int, float] = {}
        for _phrase, score, position in hits:
            best_by_entry.setdefault(self._owners[position], score)
        ranked = list(best_by_entry.items())  # hits come best first, so this is ranked too
        if not ranked or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] < ANSWER_MARGIN):
            return None
        return self._entries[ranked[0][0]]

    def _ranked(self, processed: str, limit: int) -> list[int]:
        """Phrase positions, best first, for suggestions: WRatio rewards a question's typed prefix."""
        choices = {position: self._phrases[position] for position in self._candidates(processed)}
        hits = process.extract(processed, choices, scorer=fuzz.WRatio, processor=None, limit=limit)
        return [position for _phrase, _score, position in hits]

    def _candidates(self, processed: str) -> list[int]:
        """Phrases worth scoring: all of a small index; in a large one, those sharing the query's words.

        Words are applied rarest first, each narrowing the set; a word that would empty it is skipped,
        so a typo in one word does not hide phrases that match the others.
        """
        if len(self._phrases) <= MAX_SCORED:
            return list(range(len(self._phrases)))
        word_groups = sorted(
            (group for word in processed.split() if (group := self._words_like(word))),
            key=lambda group: sum(len(self._postings[w]) for w in group),
        )
        if not word_groups:
            return list(range(MAX_SCORED))
        pool = self._phrases_in(word_groups[0])
        for group in word_groups[1:]:
            if len(pool) <= MAX_SCORED:
                narrowed = {p for p in pool if any(p in self._postings[w] for w in group)}
            else:
                narrowed = pool & self._phrases_in(group)
            pool = narrowed or pool
        return sorted(itertools.islice(pool, MAX_SCORED))

    def _phrases_in(self, words: list[str]) -> set[int]:
        return self._postings[words[0]] if len(words) == 1 else set().union(*(self._postings[w] for w in words))

    def _words_like(self, word: str) -> list[str]:
        """Vocabulary words that start with `word`, or failing that, are spelled close to it."""
        if len(word) < 2:
            return []
        start = bisect.bisect_left(self._vocabulary, word)
        end = bisect.bisect_left(self._vocabulary, word + "\uffff", lo=start)
        if end > start:
            return self._vocabulary[start:end]
        close = process.extract(word, self._vocabulary, scorer=fuzz.ratio, limit=3, score_cutoff=WORD_TYPO_CUTOFF)
        return [match for match, _score, _position in close]
