"""Turn what a member typed into the words the FAQ uses: split, correct typos, apply synonyms, stem.

The same steps run on FAQ phrases (without typo correction), so a query and an entry meet in one form.
Typos are corrected against the words the index and the vocabulary know (rapidfuzz), never listed one by
one; words in `not_typos` stay as typed, and an inflection of a known word ("pressing") is never turned
into a different known word ("peeing", which would read as a dark-urine warning). Stemming uses
PyStemmer's English Snowball stemmer.

Synonyms of several words are matched on stems, not on the words as typed: "short of breath" must also
catch "shortness of breath" and "short of breathe", and listing every inflection of every word of a
phrase is how such variants were missed. A one-word synonym is matched as typed (after typo correction),
because its stem can be another word: "winded" stems to "wind", and "wind down" is not breathlessness.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz import fuzz, process

from bot.library.search.vocabulary import CareSign, Vocabulary, WarningSign, groups_of

TYPO_CUTOFF = 80.0
"""Lowest rapidfuzz ratio at which an unknown word is read as a known one ("vains" -> "veins" is 80)."""
TYPO_MIN_LENGTH = 4
"""Shorter words are too easy to confuse ("leg", "log") and are kept as typed."""

COMPLETIONS = 3
"""A half-typed last word stands for at most this many known words, shortest first."""

_SPLIT = re.compile(r"[^a-z0-9]+")
_CLAUSE = re.compile(r"[.,;:!?()\n]+|\s[-\u2013\u2014]+\s")
"""Punctuation that ends a clause: "No, swollen and hot" does not deny "swollen" (warning.Denials)."""

_PERSON = (
    r"son|daughter|boy|girl|kid|child|toddler|baby|teen|teenager|grandson|granddaughter|nephew|niece|mum|mom|"
    r"mother|dad|father|nan|nana|gran|granny|grandma|grandpa|grandad|grandmother|grandfather|client|patient|"
    r"neighbou?r|aunt|uncle|wife|husband|man|woman|lady|gentleman|person|friend|sister|brother"
)
_AGE = re.compile(
    r"\b(?P<owner>(?:my|our|his|her|their|i\s+am|i[\u2019']?m|she[\u2019']?s|he[\u2019']?s|she\s+is|he\s+is)\s+)?"
    r"(?P<age>\d{1,3})\s*-?\s*"
    r"(?:y\s*/\s*o|y\.o\.?|yo|yrs?\s*-?\s*old|years?\s*-?\s*old)\b"
    rf"(?P<person>\s+(?:{_PERSON})s?\b)?"
)
"""An age said of a person ("my 7yo", "im 70 years old", "an 89 year old client"), read as the group it
names (_age_word). Only with "my/our/his/her/their", "i am", "she's" ... before it or a person word after
it: "a 5 year old tattoo" or "a 100 year old technique" is no person's age (a review found those read as
child and elderly)."""
CHILD_UNDER = 13
TEEN_UNDER = 18
ELDERLY_FROM = 65


def _age_word(match: re.Match[str]) -> str:
    """A child's, a teenager's or an older person's age as the word the FAQ's audiences use (vocabulary
    `audiences`): "my 7yo" names a child as "my son" does. Other ages are left as they were typed."""
    if match.group("owner") is None and match.group("person") is None:
        return match.group(0)
    age = int(match.group("age"))
    group = "child" if age < CHILD_UNDER else "teenager" if age < TEEN_UNDER else "elderly"
    if TEEN_UNDER <= age < ELDERLY_FROM:
        return match.group(0)
    return f"{match.group('owner') or ''}{group}{match.group('person') or ''}"


def _pattern_words(signs: Sequence[WarningSign | CareSign]) -> set[str]:
    """Every word the patterns of `signs` use."""
    return {w for sign in signs for p in sign.patterns for g in groups_of(p) for x in g for w in words_of(x)}


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped so "can't" and "cant" are one word."""
    return [word for word in _SPLIT.split(text.lower().replace("'", "").replace("\u2019", "")) if word]


@dataclass(frozen=True)
class Normalised:
    words: tuple[str, ...]
    """Corrected words with synonyms applied: what the embedding model reads."""
    stems: tuple[str, ...]
    """The same words stemmed, stop words kept: what patterns match."""
    terms: tuple[str, ...]
    """Stems without stop words or numbers ("3 days" is about days, not about 3): what BM25 ranks with."""
    clauses: tuple[int, ...] = ()
    """Index of the first word of each clause after the first (punctuation between them)."""


class Normaliser:
    """One place that reads text the way the index does; built once from the FAQ phrases and vocabulary."""

    def __init__(self, vocabulary: Vocabulary, phrases: Iterable[str]) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
        """Multi-word variants by their stems; one-word variants as written."""
        for synonym in vocabulary.synonyms:
            for variant in synonym.words:
                words = words_of(variant)
                key = tuple(self._stemmer.stemWords(words)) if len(words) > 1 else tuple(words)
                self._synonyms[key] = tuple(words_of(synonym.means))
        self._longest = max((len(key) for key in self._synonyms), default=1)
        self._stop = frozenset(vocabulary.stop_words)
        known = {word for phrase in phrases for word in words_of(phrase)}
        known |= {w for synonym in vocabulary.synonyms for p in (synonym.means, *synonym.words) for w in words_of(p)}
        known |= _pattern_words(vocabulary.warning_signs)
        known |= {w for audience in vocabulary.audiences for x in audience.words for w in words_of(x)}
        negation = vocabulary.negation
        if negation is not None:  # "nothing" must not be "corrected" to "anything"
            known |= {w for x in (*negation.words, *negation.signs, *negation.body) for w in words_of(x)}
        # a care sign's words are never "corrected" away, but no typo is corrected to one either: "shoes"
        # must not become "sores", nor "asking" "taking" (vocabulary.CareSign only adds a suggestion)
        care = _pattern_words(vocabulary.care_signs)
        # words for what no entry covers stay as typed ("periods" must not become "pedals"), and are no target
        self._known = frozenset(known | care | self._stop | set(vocabulary.not_typos) | set(vocabulary.elsewhere))
        self._known_stems = frozenset(self._stemmer.stemWords(sorted(self._known)))
        self._choices = sorted(w for w in known if len(w) >= TYPO_MIN_LENGTH)
        self._choice_set = frozenset(self._choices)
        self._sorted = sorted(known)
        self._correct = lru_cache(maxsize=8192)(self._correct_word)

    def read(self, text: str, *, correct: bool = True, complete_last: bool = False) -> Normalised:
        """`complete_last` reads a half-typed last word as the known words it starts (autocomplete)."""
        text = _AGE.sub(_age_word, text.lower())
        clauses = [clause for clause in (words_of(part) for part in _CLAUSE.split(text)) if clause]
        tail = self._completions(clauses[-1][-1]) if complete_last and clauses else []
        if tail:
            clauses[-1] = clauses[-1][:-1]
        words: list[str] = []
        starts: list[int] = []
        for index, clause in enumerate(clauses):
            fixed = [self._correct(w) for w in clause] if correct else clause
            if words:
                starts.append(len(words))
            words.extend(self._apply_synonyms([*fixed, *(tail if index == len(clauses) - 1 else [])]))
        stems = tuple(self._stemmer.stemWords(words))
        terms = tuple(s for w, s in zip(words, stems, strict=True) if w not in self._stop and not w.isdigit())
        return Normalised(tuple(words), stems, terms, tuple(starts))

    def without(self, query: Normalised, drop: frozenset[int]) -> Normalised:
        """`query` with the words at `drop` left out (terms and clause starts follow)."""
        keep = [i for i in range(len(query.words)) if i not in drop]
        words = tuple(query.words[i] for i in keep)
        stems = tuple(query.stems[i] for i in keep)
        terms = tuple(s for w, s in zip(words, stems, strict=True) if w not in self._stop and not w.isdigit())
        starts = tuple(sorted({sum(1 for i in keep if i < start) for start in query.clauses}))
        return Normalised(words, stems, terms, starts)

    def _completions(self, prefix: str) -> list[str]:
        if prefix in self._known or len(prefix) < 2:
            return []
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, prefix + "\uffff", lo=start)
        return sorted(self._sorted[start:end], key=len)[:COMPLETIONS]

    def stems_of(self, phrase: str) -> tuple[str, ...]:
        """A pattern word or phrase in the form queries take (synonyms applied, stemmed)."""
        return tuple(self._stemmer.stemWords(self._apply_synonyms(words_of(phrase))))

    def _correct_word(self, word: str) -> str:
        if word in self._known or len(word) < TYPO_MIN_LENGTH or word.isdigit():
            return word
        swapped = self._transposed(word)
        if swapped is not None:
            return swapped
        hit = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        if hit is None:
            return word
        stem = self._stemmer.stemWord(word)
        if stem in self._known_stems and self._stemmer.stemWord(hit[0]) != stem:
            return word  # an inflection of a known word ("pressing"), not a typo of another ("peeing")
        return str(hit[0])

    def _transposed(self, word: str) -> str | None:
        """The known word made by swapping two neighbouring letters ("pian" -> "pain") or dropping a doubled
        one ("legg" -> "leg"), or None. These commonest typos score only 75 on a four-letter word, under
        TYPO_CUTOFF, so they are tried first."""
        for i in range(len(word) - 1):
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if swapped != word and swapped in self._choice_set:
                return swapped
            single = word[:i] + word[i + 1 :]
            if word[i] == word[i + 1] and single in self._known:
                return single
        return None

    def _apply_synonyms(self, words: list[str]) -> list[str]:
        """Replace the longest known variant at each position with what it means (see the module docstring:
        phrases compare stems, single words compare as written)."""
        stems = self._stemmer.stemWords(words)
        out: list[str] = []
        position = 0
        while position < len(words):
            for size in range(min(self._longest, len(words) - position), 0, -1):
                window = stems if size > 1 else words
                meaning = self._synonyms.get(tuple(window[position : position + size]))
                if meaning is not None:
                    out.extend(meaning)
                    position += size
                    break
            else:
                out.append(words[position])
                position += 1
        return out
