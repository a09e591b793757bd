"""Schema of content/vocabulary.yaml: everyday words, words that are not typos, and warning-sign patterns.

Members write "wee", "xarelto" or "preggo"; the FAQ says "urine", "blood thinners", "pregnant". Keeping
these words in content lets a reviewer add one without touching code, and `content check` validates them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from bot.library.models import FaqEntry, Id, Strict

Word = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)]
OneWord = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^\S+$")
]
"""A single word: the denial rule compares one stem at a time, so "chest pain" there would never match."""
Group = Annotated[list[Word], Field(min_length=1, max_length=40)]
"""Any one of these words or phrases."""
Groups = Annotated[list[Group], Field(min_length=1, max_length=5)]
"""Every group must be present (in any order) for the pattern to match."""


class Near(Strict):
    """Every group present, all within `within` words of each other: "cant really get my breath" is
    breathlessness, but "press hard ... and keep breathing slowly" far apart is massage advice."""

    within: Annotated[int, Field(ge=1, le=12)]
    groups: Groups


Pattern = Groups | Near


class Negation(Strict):
    """A warning sign a member plainly denies ("not swollen or hot", "nothing swollen", "no chest pain")
    does not count. Only a `words` negator directly before a run of `signs` (optionally after `body`
    words, and joined by `joiners`) is read as denied; anything else ("no idea why my calf is swollen",
    "not sure but my pee is dark", "cant breathe") stays a warning: when in doubt, route."""

    words: Annotated[list[Word], Field(min_length=1, max_length=40)]
    signs: Annotated[list[OneWord], Field(min_length=1, max_length=80)]
    body: list[OneWord] = Field(default_factory=list, max_length=60)
    joiners: list[OneWord] = Field(default_factory=list, max_length=10)


class Synonym(Strict):
    """`words` a member may type, read as `means` (the words the FAQ uses) before anything is ranked."""

    means: Word
    words: Annotated[list[Word], Field(min_length=1, max_length=60)]


class WarningSign(Strict):
    """A red flag: a question matching any pattern gets entry `faq` first, before ranking."""

    name: Word
    faq: Id
    patterns: Annotated[list[Pattern], Field(min_length=1, max_length=30)]


class CareSign(Strict):
    """A sign to see a doctor soon, not today ("a bruise nobody can explain", "a sore that won't heal"):
    a question matching a pattern never gets "no checked answer", and entry `faq` is always among the
    nearest questions, second after the best-ranked entry (which still answers when it clearly fits:
    the ordinary entries these signs sit near each say to see a doctor about them too)."""

    name: Word
    faq: Id
    patterns: Annotated[list[Pattern], Field(min_length=1, max_length=30)]


class Audience(Strict):
    """FAQ entries written for one group of people (children, pregnancy, older people).

    Such an entry is answered outright only when the question names the group with one of `words`:
    "why do my legs ache after a massage" shares words with the growing-pains entry, but an answer about
    children given to an adult is confidently wrong. Without a marker the engine asks instead (unsure).
    """

    name: Word
    faq: Annotated[list[Id], Field(min_length=1, max_length=20)]
    words: Annotated[list[Word], Field(min_length=1, max_length=60)]


class Vocabulary(Strict):
    stop_words: list[Word] = Field(default_factory=list, max_length=400)
    not_typos: list[Word] = Field(default_factory=list, max_length=400)
    """Real words spelled close to an FAQ word (cellulite, cellulitis) that must never be corrected to it."""
    synonyms: list[Synonym] = Field(default_factory=list, max_length=300)
    elsewhere: list[OneWord] = Field(default_factory=list, max_length=200)
    """Words for what no entry covers (other body parts, other complaints, pets): a question that names one is
    never answered by the engine's most relaxed rule (engine.MOSTLY_KNOWN_MAX_UNKNOWN), whose share of unknown
    words a few rare FAQ words can dilute ("will a massage ease my period cramps"). No FAQ question or alias may
    use one (`warning_sign_problems`), so a question the FAQ does cover is never held back by it."""
    warning_signs: list[WarningSign] = Field(default_factory=list, max_length=20)
    care_signs: list[CareSign] = Field(default_factory=list, max_length=20)
    audiences: list[Audience] = Field(default_factory=list, max_length=20)
    negation: Negation | None = None


def groups_of(pattern: Pattern) -> list[list[str]]:
    return pattern.groups if isinstance(pattern, Near) else pattern


class VocabularyFile(Strict):
    vocabulary: Vocabulary


EMERGENCY_WORDS = "call your emergency number"
"""An entry that is no red flag may still be a warning sign's answer when it says this (see below)."""


def sends_to_care(entry: FaqEntry) -> bool:
    """True for an entry a warning sign may pick: a red flag, or an ordinary entry whose answer tells the
    member to call their emergency number. The sciatica entry is mostly about massage, but it names the
    emergency signs of cauda equina syndrome (numbness around the bottom, trouble peeing), and a member
    who describes them must get that entry, not "no checked answer"."""
    return entry.red_flag or EMERGENCY_WORDS in " ".join(entry.answer.lower().split())


def warning_sign_problems(vocabulary: Vocabulary, faq: tuple[FaqEntry, ...] | list[FaqEntry]) -> list[tuple[str, str]]:
    """(entry, problem) for each warning sign that names no FAQ entry, or one that does not send the member
    to care (sends_to_care), for each care sign that names no red-flag entry, for each audience that
    names no FAQ entry, and for each FAQ entry whose question or aliases use a word of `elsewhere`."""
    by_id = {entry.id: entry for entry in faq}
    problems: list[tuple[str, str]] = []
    for sign in vocabulary.warning_signs:
        entry = by_id.get(sign.faq)
        if entry is None:
            problems.append((sign.name, f"names faq entry '{sign.faq}', which does not exist"))
        elif not sends_to_care(entry):
            problems.append(
                (sign.name, f"faq entry '{sign.faq}' is not a red_flag entry, nor does it say to {EMERGENCY_WORDS}")
            )
    for care in vocabulary.care_signs:
        care_entry = by_id.get(care.faq)
        if care_entry is None:
            problems.append((care.name, f"names faq entry '{care.faq}', which does not exist"))
        elif not care_entry.red_flag:
            problems.append((care.name, f"faq entry '{care.faq}' is not a red_flag entry"))
    for audience in vocabulary.audiences:
        for faq_id in (f for f in audience.faq if f not in by_id):
            problems.append((audience.name, f"names faq entry '{faq_id}', which does not exist"))
    for entry in faq:
        used = {w for phrase in (entry.question, *entry.aliases) for w in _WORD.findall(phrase.lower())}
        for word in vocabulary.elsewhere:
            if word.lower() in used or f"{word.lower()}s" in used:
                problems.append((entry.id, f"uses '{word}', which the vocabulary's elsewhere list says no entry uses"))
    return problems


_WORD = re.compile(r"[a-z0-9]+")
