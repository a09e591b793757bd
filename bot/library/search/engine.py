"""The FAQ engine behind /faq, its autocomplete, the console and "Check with kneadbot".

Order of decisions, each for a reason:
1. A warning sign (warning.py) picks its red-flag entry before anything else, so a ranking quirk can
   never put "sore after a massage" above "chest pain". A sign to see a doctor soon (vocabulary.CareSign)
   only keeps its entry among the nearest questions, second, and the question in scope.
2. An exact id, question or alias (what autocomplete sends back) is that entry.
3. Everything else is ranked by a weighted sum of BM25 (words, normalised to the best entry) and the
   cosine similarity of WordLlama embeddings (meaning). The typed /faq only answers when the best entry
   is clearly right (thresholds tuned on the tune split of bench/faq_eval_set.yaml, then on every tuning
   split: see each threshold); otherwise it is "unsure" (nearest questions shown), or "out of scope" when
   nothing is close at all.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from bot.library.models import FaqEntry
from bot.library.search.lexical import Bm25
from bot.library.search.semantic import Embedder
from bot.library.search.text import Normalised, Normaliser, words_of
from bot.library.search.vocabulary import Vocabulary
from bot.library.search.warning import WarningRouter, contains

T = TypeVar("T")

Kind = Literal["answer", "warning", "unsure", "out_of_scope"]

LEXICAL_WEIGHT = 0.5
SEMANTIC_WEIGHT = 1.0
ANSWER_MIN_COSINE = 0.55
"""The best entry's meaning must be at least this close to answer outright."""
ANSWER_MIN_COVERAGE = 0.55
"""At least this share of the question's words must be words of the best entry. Both were 0.6 until
branch `warn2`: over all four splits (tune, held-out, blind, blind2) 0.55 adds 7 right answers and no
wrong one; a coverage of 0.5 would add 13, but 0.45 answers wrongly on three splits, too near an edge."""
ANSWER_MARGIN = 0.2
"""The best fused score must beat the next entry's by this much; a near tie is a guess, so we ask."""
SCOPE_MIN_COVERAGE = 0.3
"""Below this share of (weighted) shared words, and without a close meaning, nothing in the FAQ fits.
Since branch `tune4` the share is the best among the NEAR_SHOWN nearest entries, not the first one's only:
the first by meaning may share few words where the next shares many ("my son wakes up crying with achy
legs at night": growing pains first at 0.27, night cramps 0.39), and the member should see them. Checked on
every split (tune, blind, blind2, blind3, blind4; held-out totals only): no out-of-scope question changed
reply, three in-scope ones went from "no checked answer" to "unsure"; the value itself was not changed."""
SEMANTIC_ALL_UP_TO = 2000
"""Up to this many entries every phrase is compared by meaning on every keystroke (well under 1 ms)."""
SEMANTIC_CANDIDATES = 500
"""Past that, only this many entries (the best by BM25) are compared by meaning."""
SCOPE_MIN_COSINE = 0.8
"""A question this close in meaning to an entry is never called out of scope, whatever words it uses."""
RED_FLAG_NEAR_COSINE = 0.5
"""A red-flag entry this close in meaning, among the NEAR_SHOWN nearest, keeps a question in scope."""
NEAR_SHOWN = 3
"""How many nearest questions an "unsure" reply lists (Library.NEAREST_SHOWN)."""
KNOWN_MIN_COSINE = 0.55
"""The second way to answer (branch `tune3`): when every word of the question is a word the FAQ uses
(stop words aside), the best entry is first by words alone and by meaning alone, it beats the next by
ANSWER_MARGIN and its meaning is at least this close, the coverage floor is waived, for an ordinary entry
only (a red-flag entry is the warning router's to pick: "my urine is not dark" uses only the FAQ's words,
and a denied sign must not be answered with its entry). Coverage there only
measures how the question's words are shared out among entries (as in "is theragun ok for calves",
where "calves" belongs to other entries too), not whether the FAQ speaks of it at all.

Tuned over the four tuning splits together (tune, blind, blind2, blind3; held-out looked at for its
totals only): 8 more right answers, none wrong, and it did not depend on the cosine floor (0.5 to 0.65
gave the same). Not one of their 107 out-of-scope questions uses only words the FAQ knows ("shoulder",
"dog", "period", "charge" ... each is a word no entry uses), which is what keeps this far from an edge.
A rule on cosine, coverage and margin alone answered "can massage help with period cramps" (cosine
0.79, margin 0.68) before it reached any useful recall, so none was taken."""
KNOWN_NEAR_RED_FLAG_COSINE = 0.7
"""The known-words answer's floor when a red-flag entry is among the nearest questions. "my leg is warm
and tender after deep tissue" uses only the FAQ's words and ranks the pressure entry first (cosine 0.64),
but a member asking it should see the swollen-leg question listed, not one ordinary answer (a review found
such questions answered outright); "is a theragun safe for my calf muscles" (0.82) is still answered.
Set after a review, between those two, not tuned on an eval split; red-flag entries themselves are the
warning router's and are never answered this way. The third way (MOSTLY_KNOWN_MAX_UNKNOWN) does not answer
at all with a red-flag entry near: a second review found "blood coming out of my varicose vein" answered
with varicose-veins that way (blood-clots was nearest, at 0.86)."""
MOSTLY_KNOWN_MAX_UNKNOWN = 0.4
"""The third way to answer (branch `tune5`), the second way relaxed: the question may hold words no FAQ entry
uses ("couch to 5k", "my quads", "every nite") as long as they weigh at most this share of it (weighted as in
`_share`: unknown words weigh most), the best entry is first by words alone and by meaning alone, beats the
next by ANSWER_MARGIN, is an ordinary entry (and the audience rule holds), and its meaning is at least
MOSTLY_KNOWN_MIN_COSINE close. Never when a sign to see a doctor soon is in the question (vocabulary.CareSign):
the nearest entry is then often not the one the member needs ("a varicose vein gone hard and lumpy" would
answer varicose-veins where when-to-see-doctor is wanted). Never when the question names something no entry
covers (vocabulary `elsewhere`: other body parts, other complaints, pets): a share is easily diluted, and
"will a massage ease my period cramps" (0.37 unknown, "ease" being some entry's word) answered night-cramps.

Tuned on the six tuning splits (tune, blind, blind2, blind3, blind4, blind5; held-out totals only): 20 more
right answers and no wrong one. Every ceiling from 0.3 to 0.5 answers no out-of-scope question and no wrong
entry; 0.55 answers "can massage help with period cramps" (cosine 0.79, margin 0.68; "period", the word
that says what it is about, is 0.54 of it). The out-of-scope questions that use mostly the FAQ's words
("anyone know a good massage place in leeds", "is ibuprofen ok to take for sore legs after running") are
not as close in meaning: at most 0.53."""
MOSTLY_KNOWN_MIN_COSINE = 0.6
"""See MOSTLY_KNOWN_MAX_UNKNOWN: 0.55 to 0.65 answer no out-of-scope question and no wrong entry there; 0.5
answers three out-of-scope questions (a place in leeds, ibuprofen, a server's movie night)."""


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    score: float
    cosine: float
    coverage: float
    agreed: bool = False
    """First by words alone (BM25) and by meaning alone too, not only by their weighted sum."""
    unknown: float = 0.0
    """The share of the question's (weighted) terms that no FAQ entry uses (the same for every entry): 0 when
    every term is a word of some entry (unknown words weigh more than nothing)."""


@dataclass(frozen=True)
class Decision:
    kind: Kind
    ranked: tuple[Scored, ...]


class FaqEngine:
    def __init__(self, entries: Sequence[FaqEntry], vocabulary: Vocabulary) -> None:
        self.entries = tuple(entries)
        phrases = [[e.question, *e.aliases] for e in self.entries]
        self._text = Normaliser(vocabulary, [p for group in phrases for p in group])
        self._by_id = {e.id: e for e in self.entries}
        self._router = WarningRouter(vocabulary, self._text, set(self._by_id))
        self._audiences: dict[str, list[tuple[str, ...]]] = {}
        """Entry id -> the stemmed words that name its group (vocabulary.Audience)."""
        for audience in vocabulary.audiences:
            markers = [self._text.stems_of(word) for word in audience.words]
            for faq_id in audience.faq:
                self._audiences.setdefault(faq_id, []).extend(m for m in markers if m)
        self._elsewhere = frozenset(self._text.stems_of(" ".join(vocabulary.elsewhere)))
        """Stems of words for what no entry covers (vocabulary.elsewhere): the relaxed rule never answers them."""
        self._exact = {" ".join(words_of(key)): e for e in self.entries for key in (e.id, e.question, *e.aliases)}
        read = [[self._text.read(p, correct=False) for p in group] for group in phrases]
        self._terms = [frozenset(t for n in group for t in n.terms) for group in read]
        counts = Counter(t for terms in self._terms for t in terms)
        self._weights = {t: math.log((len(read) + 1) / n) for t, n in counts.items()}
        self._unknown_weight = math.log(2 * (len(read) + 1))
        self._bm25 = Bm25(
            [
                [t for n in group for t in n.terms] + list(words_of(e.id))
                for group, e in zip(read, self.entries, strict=True)
            ]
        )
        self._embedder = Embedder()
        self._vectors = self._embedder.embed([" ".join(n.words) for group in read for n in group])
        self._starts = np.cumsum([0] + [len(group) for group in read[:-1]])
        self._owners = np.repeat(np.arange(len(read)), [len(group) for group in read])
        self._rows = [np.arange(start, start + len(group)) for start, group in zip(self._starts, read, strict=True)]

    def by_id(self, faq_id: str) -> FaqEntry | None:
        return self._by_id.get(faq_id)

    def decide(self, text: str) -> Decision:
        """What a typed question gets: an answer, a warning-sign entry, or (unsure / out of scope) a list."""
        query = self._text.read(text)
        ranked = self._rank(self._router.undenied(query), 5)
        flagged, care = self._router.signs(query)
        if flagged is not None:
            first = self._by_id[flagged]
            rest = tuple(s for s in ranked if s.entry.id != flagged)
            return Decision("warning", (Scored(first, 1.0, 1.0, 1.0), *rest))
        exact = self._exact.get(" ".join(words_of(text)))
        if exact is not None:
            return Decision("warning" if exact.red_flag else "answer", (Scored(exact, 1.0, 1.0, 1.0),))
        relaxed = care is None and not self._elsewhere.intersection(query.stems)
        kind = self._kind(ranked, relaxed=relaxed)
        if kind == "answer" and not self._names_audience(ranked[0].entry.id, query):
            kind = "unsure"
        if care is not None:
            ranked = self._with_care(ranked, care)
            kind = "unsure" if kind == "out_of_scope" else kind
        return Decision(kind, ranked)

    def _with_care(self, ranked: tuple[Scored, ...], care: str) -> tuple[Scored, ...]:
        """The ranking with the care sign's entry second (`_care_second`). It takes the score of the entry it
        displaces, so the margin between the first two, which "Check with kneadbot" reads, does not change."""

        def scored(rest: list[Scored]) -> Scored:
            score = rest[1].score if len(rest) > 1 else (rest[0].score if rest else 0.0)
            return Scored(self._by_id[care], score, 0.0, 0.0)

        return tuple(_care_second(ranked, lambda s: s.entry.id == care, scored))

    def _names_audience(self, faq_id: str, query: Normalised) -> bool:
        """True unless the entry is for one group of people and the question does not name that group."""
        markers = self._audiences.get(faq_id)
        return markers is None or any(contains(query.stems, marker) for marker in markers)

    def warning_for(self, text: str) -> FaqEntry | None:
        """The red-flag entry a text describes anywhere in it, or None: the warning router alone, no ranking.

        "Check with kneadbot" runs this on a whole message, however long, because a warning sign may come
        late in a long post; ranking then reads only the message's opening (Library.check_message)."""
        flagged = self._router.route(self._text.read(text))
        return None if flagged is None else self._by_id[flagged]

    def suggest(self, partial: str, limit: int) -> list[FaqEntry]:
        """Autocomplete: a warning-sign entry first when one triggers, then the ranked entries."""
        query = self._text.read(partial, complete_last=True)
        if not query.words:
            return list(self.entries[:limit])
        found = [s.entry for s in self._rank(self._router.undenied(query), limit)]
        flagged, care = self._router.signs(query)
        if flagged is not None:
            return [self._by_id[flagged], *(e for e in found if e.id != flagged)][:limit]
        if care is not None:
            return _care_second(found, lambda e: e.id == care, lambda _rest: self._by_id[care])[:limit]
        return found

    def _rank(self, query: Normalised, limit: int) -> tuple[Scored, ...]:
        if not query.words:
            return ()
        lexical = self._bm25.scores(query.terms)
        top = float(lexical.max()) if lexical.size else 0.0
        lexical = lexical / top if top > 0 else lexical
        cosines = self._cosines(self._embedder.embed([" ".join(query.words)])[0], lexical)
        fused = LEXICAL_WEIGHT * lexical + SEMANTIC_WEIGHT * cosines
        count = min(limit, len(self.entries))
        best = np.argpartition(-fused, count - 1)[:count]
        best = best[np.argsort(-fused[best], kind="stable")]
        weights = {t: self._weights.get(t, self._unknown_weight) for t in query.terms}
        unknown = _unknown_share(weights, self._weights)
        top_lexical, top_cosine = float(lexical.max(initial=0.0)), float(cosines.max(initial=0.0))
        return tuple(
            Scored(
                self.entries[i],
                float(fused[i]),
                float(cosines[i]),
                _share(weights, self._terms[i]),
                agreed=bool(top_lexical > 0 and lexical[i] >= top_lexical and cosines[i] >= top_cosine),
                unknown=unknown,
            )
            for i in best
        )

    def _cosines(self, vector: npt.NDArray[np.float32], lexical: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        """Each entry's best phrase similarity. A large FAQ compares only the entries BM25 ranks highest
        (when any word matched): one keystroke must not read every phrase vector of 10,000 entries."""
        if len(self.entries) <= SEMANTIC_ALL_UP_TO or not lexical.any():
            return np.maximum.reduceat(self._vectors @ vector, self._starts)
        chosen = np.argpartition(-lexical, SEMANTIC_CANDIDATES)[:SEMANTIC_CANDIDATES]
        rows = np.concatenate([self._rows[i] for i in chosen])
        cosines = np.zeros(len(self.entries), dtype=np.float32)
        np.maximum.at(cosines, self._owners[rows], self._vectors[rows] @ vector)
        return cosines

    @staticmethod
    def _kind(ranked: tuple[Scored, ...], *, relaxed: bool = True) -> Kind:
        """`relaxed`: the third way to answer (MOSTLY_KNOWN_MAX_UNKNOWN) may be used."""
        if not ranked:
            return "out_of_scope"
        best = ranked[0]
        covered = max(s.coverage for s in ranked[:NEAR_SHOWN])
        if covered < SCOPE_MIN_COVERAGE and best.cosine < SCOPE_MIN_COSINE:
            return "unsure" if _near_red_flag(ranked) else "out_of_scope"
        margin = best.score - ranked[1].score if len(ranked) > 1 else best.score
        if margin < ANSWER_MARGIN:
            return "unsure"
        if best.cosine >= ANSWER_MIN_COSINE and best.coverage >= ANSWER_MIN_COVERAGE:
            return "answer"
        if not best.agreed or best.entry.red_flag:
            return "unsure"
        red_flag_near = any(s.entry.red_flag for s in ranked[:NEAR_SHOWN])
        floor = KNOWN_NEAR_RED_FLAG_COSINE if red_flag_near else KNOWN_MIN_COSINE
        if best.unknown == 0 and best.cosine >= floor:
            return "answer"
        if relaxed and not red_flag_near and best.unknown <= MOSTLY_KNOWN_MAX_UNKNOWN:
            return "answer" if best.cosine >= MOSTLY_KNOWN_MIN_COSINE else "unsure"
        return "unsure"


def _near_red_flag(ranked: tuple[Scored, ...]) -> bool:
    """True when a red-flag entry is among the nearest questions and close in meaning. A question near a
    warning sign that no pattern caught ("a clot gone to the lungs" in words no pattern lists) must never
    get "I don't have a checked answer": "unsure" lists the red-flag question for the member to pick."""
    return any(s.entry.red_flag and s.cosine >= RED_FLAG_NEAR_COSINE for s in ranked[:NEAR_SHOWN])


def _care_second(items: Sequence[T], is_care: Callable[[T], bool], make: Callable[[list[T]], T]) -> list[T]:
    """`items` with the entry a sign to see a doctor soon names second, right after the best-ranked one
    (first when nothing ranked), unless it already is among the first two: the typed answer's nearest
    questions and autocomplete place it alike. `make` builds it from the items without it."""
    if any(is_care(item) for item in items[:2]):
        return list(items)
    rest = [item for item in items if not is_care(item)]
    return [*rest[:1], make(rest), *rest[1:]]


def _unknown_share(weights: dict[str, float], known: dict[str, float]) -> float:
    """How much of the question (weighted as in `_share`) is words no FAQ entry uses."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t not in known) / total if total else 0.0


def _share(weights: dict[str, float], entry_terms: frozenset[str]) -> float:
    """How much of the question (rare words count more, unknown words most) the entry's own words cover."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in entry_terms) / total if total else 0.0
