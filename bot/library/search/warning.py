"""Warning signs, decided before any ranking: a red flag in a question picks its entry outright.

Patterns come from content/vocabulary.yaml. Each pattern is a list of groups; a question matches when
every group has one of its words or phrases in it, in any order (a `Near` pattern also wants them close
together). Matching runs on the normalised stems, so typos ("chset") and everyday words ("wee", "coke")
are already read as the FAQ's words.

A sign the member plainly denies ("not swollen or hot") is blanked out before matching (vocabulary
`negation`). Hand-written rather than a negation-detection library (negspaCy and the like need a spaCy
model, far too heavy for a keystroke): the rule is deliberately narrow, a negator directly before the
sign, because reading a real warning sign as denied is the one mistake this module must not make.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from bot.library.search.text import Normalised, Normaliser, words_of
from bot.library.search.vocabulary import CareSign, Near, Negation, Vocabulary, WarningSign, groups_of

StemGroup = tuple[tuple[str, ...], ...]
Compiled = tuple[int | None, tuple[StemGroup, ...]]
"""(the `within` window or None, the groups as stems)."""


def contains(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return size > 0 and any(stems[i : i + size] == phrase for i in range(len(stems) - size + 1))


def positions(stems: tuple[str, ...], phrase: tuple[str, ...]) -> list[tuple[int, int]]:
    """(first, last) index of every place `phrase` occurs in `stems`."""
    size = len(phrase)
    if not size:
        return []
    return [(i, i + size - 1) for i in range(len(stems) - size + 1) if stems[i : i + size] == phrase]


def matches(stems: tuple[str, ...], present: frozenset[str], pattern: Compiled) -> bool:
    """`present` is set(stems): a phrase whose first stem is absent is skipped without a scan (every
    keystroke runs every pattern)."""
    within, groups = pattern
    if within is None:
        return all(any(p and p[0] in present and contains(stems, p) for p in group) for group in groups)
    found: list[list[tuple[int, int]]] = []
    for group in groups:
        spans = [span for p in group if p and p[0] in present for span in positions(stems, p)]
        if not spans:
            return False
        found.append(spans)
    return any(max(e for _, e in c) - min(s for s, _ in c) <= within for c in product(*found))


class Denials:
    """Blanks the stems of warning signs a member plainly denies (see the module docstring)."""

    def __init__(self, negation: Negation | None, normaliser: Normaliser) -> None:
        def stems(words: list[str]) -> frozenset[str]:
            return frozenset(s for word in words for s in normaliser.stems_of(word)[-1:])

        self._negators: dict[str, list[tuple[str, ...]]] = {}
        """Negator phrases by their first word."""
        for phrase in (tuple(words_of(w)) for w in (negation.words if negation else [])):
            if phrase:
                self._negators.setdefault(phrase[0], []).append(phrase)
        self._signs = stems(negation.signs) if negation else frozenset()
        self._body = stems(negation.body) if negation else frozenset()
        self._joiners = frozenset(negation.joiners) if negation else frozenset()

    def apply(self, query: Normalised) -> tuple[str, ...]:
        """The stems with each denied run ("not | swollen or hot", "no | chest pain") replaced by ""."""
        denied = self.indices(query)
        return tuple("" if i in denied else stem for i, stem in enumerate(query.stems))

    def indices(self, query: Normalised, *, with_negators: bool = False) -> frozenset[int]:
        """Where the denied runs are: the words after each negator that `apply` blanks (and, when asked,
        the negators that denied them)."""
        denied: set[int] = set()
        for start, word in enumerate(query.words):
            for negator in self._negators.get(word, ()):
                if query.words[start : start + len(negator)] == negator:
                    run = self._denied(query, start + len(negator))
                    denied.update(run)
                    if run and with_negators:
                        denied.update(range(start, start + len(negator)))
        return frozenset(denied)

    def _denied(self, query: Normalised, start: int) -> list[int]:
        """Indices of the run after a negator: body words, then signs joined by "or"; empty unless a sign
        comes straight after the negator or its body words."""
        stems, words = query.stems, query.words
        # a denial never crosses punctuation: "No, swollen and hot" is an answer, then the sign
        clause_end = next((i for i in query.clauses if i >= start), len(stems))
        stems = stems[:clause_end]
        index = start
        while index < len(stems) and stems[index] in self._body:
            index += 1
        run = list(range(start, index))
        seen_sign = False
        while index < len(stems):
            if stems[index] in self._signs:
                run.append(index)
                seen_sign = True
            elif not (seen_sign and words[index] in self._joiners):
                break
            index += 1
        return run if seen_sign else []


class WarningRouter:
    def __init__(self, vocabulary: Vocabulary, normaliser: Normaliser, faq_ids: set[str]) -> None:
        """Signs naming an entry not in `faq_ids` are skipped (`content check` reports them)."""
        self._denials = Denials(vocabulary.negation, normaliser)
        self._normaliser = normaliser

        def compiled(signs: Sequence[WarningSign | CareSign]) -> list[tuple[str, list[Compiled]]]:
            return [
                (
                    sign.faq,
                    [
                        (
                            p.within if isinstance(p, Near) else None,
                            tuple(tuple(normaliser.stems_of(word) for word in group) for group in groups_of(p)),
                        )
                        for p in sign.patterns
                    ],
                )
                for sign in signs
                if sign.faq in faq_ids
            ]

        self._signs = compiled(vocabulary.warning_signs)
        self._care = compiled(vocabulary.care_signs)
        """Signs to see a doctor soon (vocabulary.CareSign): they never pick the answer, only a suggestion."""

    def undenied(self, query: Normalised) -> Normalised:
        """The question without the signs it plainly denies, for ranking: "legs achy, not swollen or hot"
        is about soreness, and its denied "swollen" must not rank the swollen-leg entry first either. A
        question that is nothing but a denial ("not swollen") is ranked whole: something must be shown."""
        denied = self._denials.indices(query, with_negators=True)
        if not denied:
            return query
        kept = self._normaliser.without(query, denied)
        return kept if kept.terms else query

    def route(self, query: Normalised) -> str | None:
        """The id of the red-flag entry this question describes, or None. The first sign listed wins."""
        stems = self._denials.apply(query)
        return _first(self._signs, stems, frozenset(stems))

    def signs(self, query: Normalised) -> tuple[str | None, str | None]:
        """(what `route` gives, and when that is None the id of the entry a sign to see a doctor soon names
        (vocabulary.CareSign) or None), the denials read once for both: every keystroke asks for both."""
        stems = self._denials.apply(query)
        present = frozenset(stems)
        warning = _first(self._signs, stems, present)
        return warning, None if warning is not None else _first(self._care, stems, present)


def _first(signs: list[tuple[str, list[Compiled]]], stems: tuple[str, ...], present: frozenset[str]) -> str | None:
    """The entry of the first sign one of whose patterns `stems` match, or None."""
    for faq_id, patterns in signs:
        if any(matches(stems, present, pattern) for pattern in patterns):
            return faq_id
    return None
