"""The Library: what members ask the bot for, answered from validated content.

Cogs and the console call these methods and render what comes back; a miss raises NotFound with a
message that lists what does exist, so a member is never left guessing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process, utils

from bot.errors import NotFound
from bot.library.loader import Content
from bot.library.models import CheckinTexts, FaqEntry, Guide, SafetyCheck, Tip
from bot.library.queries import MAX_QUERY_LENGTH, clean_query
from bot.library.search.engine import FaqEngine, Kind, Scored

NEAREST_SHOWN = 3
LISTED_AT_MOST = 20
"""An error lists at most this many names, so a server with many topics still gets a short reply."""
GUIDE_CUTOFF = 75.0
MESSAGE_RANKED_LENGTH = 300
"""Only a message's opening is ranked: a claim is stated early, and a long post would dilute it."""
MESSAGE_MAX_LENGTH = 4000
"""Discord's longest message (Nitro): warning signs are looked for in all of it."""


def listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:LISTED_AT_MOST])
    hidden = len(names) - LISTED_AT_MOST
    return shown if hidden <= 0 else f"{shown} and {hidden} more (start typing to see suggestions)"


@dataclass(frozen=True)
class FaqMatch:
    """An answer (`entry`), or the nearest questions to offer instead.

    `kind` says why: "answer" (clearly this entry), "warning" (a warning sign picked its entry before any
    ranking), "unsure" (no entry is clearly right: `nearest` lists the closest) or "out_of_scope" (nothing
    in the FAQ is about this: `nearest` is empty).
    """

    entry: FaqEntry | None
    nearest: tuple[FaqEntry, ...] = ()
    kind: Kind = "answer"


CHAT_MARKUP = re.compile(r"<[@#:a-z!&/][^<>\s]{0,100}>|https?://\S+", re.IGNORECASE)
"""Mentions, channel links, custom emoji and links: markup, not words a claim is made of."""
MESSAGE_MIN_COSINE = 0.75
MESSAGE_MIN_MARGIN = 0.3


def clearly_about(ranked: Sequence[Scored]) -> bool:
    """A message close in meaning to one entry, and much closer to it than to the next one."""
    best, runner_up = ranked[0], ranked[1].score if len(ranked) > 1 else 0.0
    return best.cosine >= MESSAGE_MIN_COSINE and best.score - runner_up >= MESSAGE_MIN_MARGIN


class Library:
    """Tips, FAQ, guides and the safety check, with lookups that forgive typos but never guess wildly."""

    def __init__(self, content: Content, *, rng: random.Random | None = None) -> None:
        self.tips = content.tips
        self.faq = content.faq
        self.guides = content.guides
        self.safety: SafetyCheck = content.safety
        self.checkin_texts: CheckinTexts = content.checkins
        self._faq_engine = FaqEngine(content.faq, content.vocabulary)
        self._rng = rng or random.Random()  # noqa: S311 - picking a tip is not security
        self._guide_keys = {
            utils.default_process(key): guide for guide in self.guides for key in (guide.id, guide.name, *guide.aliases)
        }
        self._guide_names = [utils.default_process(f"{g.name} {' '.join(g.aliases)}") for g in self.guides]

    def topics(self, extra_tips: Sequence[Tip] = ()) -> list[str]:
        return sorted({tip.topic for tip in (*self.tips, *extra_tips)})

    def pick_tip(self, topic: str | None = None, extra_tips: Sequence[Tip] = ()) -> Tip:
        """A random tip, from one topic when given; `extra_tips` are a server's own tips."""
        pool = [*self.tips, *extra_tips]
        if topic is not None:
            wanted = clean_query(topic, what="topic").lower()
            pool = [tip for tip in pool if tip.topic == wanted]
            if not pool:
                raise NotFound(f"There is no topic by that name. Topics: {listing(self.topics(extra_tips))}.")
        return self._rng.choice(pool)

    def tip_by_id(self, tip_id: str, extra_tips: Sequence[Tip] = ()) -> Tip:
        """One tip by its id, built-in or the server's own; NotFound says how to find ids."""
        wanted = clean_query(tip_id, what="tip id").lower()
        for tip in (*self.tips, *extra_tips):
            if tip.id == wanted:
                return tip
        raise NotFound("There is no tip with that id. Pick one from the list as you type, or leave it empty.")

    def tip_suggestions(self, partial: str, extra_tips: Sequence[Tip] = (), limit: int = 25) -> list[Tip]:
        """Tips whose id, topic or text contains what was typed; the server's own first."""
        typed = partial.strip().lower()[:100]
        pool = [*extra_tips, *self.tips]
        return [t for t in pool if typed in t.id or typed in t.topic or typed in t.text.lower()][:limit]

    def faq_suggestions(self, partial: str, limit: int = 25) -> list[FaqEntry]:
        """Questions to offer while a member types; never raises, whatever they typed."""
        return self._faq_engine.suggest(partial[:200], limit)

    def answer(self, question: str, *, max_length: int = MAX_QUERY_LENGTH) -> FaqMatch:
        """The FAQ entry a question means; a warning sign's entry first; otherwise the nearest questions."""
        decision = self._faq_engine.decide(clean_query(question, what="question", max_length=max_length))
        if decision.kind in ("answer", "warning"):
            return FaqMatch(decision.ranked[0].entry, kind=decision.kind)
        if decision.kind == "out_of_scope":
            return FaqMatch(None, kind="out_of_scope")
        return FaqMatch(None, tuple(s.entry for s in decision.ranked[:NEAREST_SHOWN]), kind="unsure")

    def check_message(self, text: str) -> FaqEntry | None:
        """The checked entry a message's claim is about, or None when nothing checked clearly fits.

        Same engine as a typed /faq: a warning sign in the message picks its entry, and an unclear match
        is None ("nothing checked on that"), never a guess. A chat message has more words the FAQ never
        uses than a question does, so an entry that is far closer in meaning than any other also counts.
        A warning sign is looked for in the whole message (it may come late in a long post); only the
        ranking reads the opening alone.
        """
        cleaned = " ".join(CHAT_MARKUP.sub(" ", text[:MESSAGE_MAX_LENGTH]).split())
        if not cleaned:
            return None
        flagged = self._faq_engine.warning_for(cleaned)
        if flagged is not None:
            return flagged
        decision = self._faq_engine.decide(cleaned[:MESSAGE_RANKED_LENGTH])
        if decision.kind in ("answer", "warning"):
            return decision.ranked[0].entry
        if decision.kind == "unsure" and clearly_about(decision.ranked):
            return decision.ranked[0].entry
        return None

    def faq_entry(self, faq_id: str) -> FaqEntry | None:
        return self._faq_engine.by_id(faq_id)

    def guide_suggestions(self, partial: str, limit: int = 25) -> list[Guide]:
        processed = utils.default_process(partial[:200])
        if not processed:
            return list(self.guides[:limit])
        hits = process.extract(processed, self._guide_names, processor=None, limit=limit)
        return [self.guides[position] for _name, _score, position in hits]

    def guide(self, name: str) -> Guide:
        """A guide by id, name or alias (typos forgiven); NotFound lists the guides that exist."""
        key = utils.default_process(clean_query(name, what="guide name"))
        if key in self._guide_keys:
            return self._guide_keys[key]
        hit = process.extractOne(key, list(self._guide_keys), processor=None, score_cutoff=GUIDE_CUTOFF)
        if hit is not None:
            return self._guide_keys[hit[0]]
        raise NotFound(f"There is no guide by that name. Guides: {', '.join(g.name for g in self.guides)}.")
