"""FAQ autocomplete speed: rapidfuzz FaqIndex against a plain difflib baseline, same queries.

    .venv/bin/python -m bench.faq_autocomplete [--entries 1000 10000] [--keystrokes 400]

Prints p50/p99 per keystroke in milliseconds and the difflib/rapidfuzz ratio. Numbers only; no asserts.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import time
from collections.abc import Callable, Sequence

from bench.legacy_faq_index import FaqIndex
from bot.library.models import FaqEntry, Source

WORDS = [
    "calf",
    "thigh",
    "foot",
    "leg",
    "massage",
    "sore",
    "soreness",
    "pressure",
    "light",
    "firm",
    "deep",
    "clot",
    "swelling",
    "pain",
    "bruise",
    "pregnant",
    "diabetes",
    "numb",
    "gun",
    "vibration",
    "circulation",
    "posture",
    "stretch",
    "warm",
    "cold",
    "ice",
    "water",
    "rest",
    "recovery",
    "week",
    "day",
    "often",
    "safe",
    "after",
    "before",
    "during",
    "knee",
    "ankle",
    "shin",
    "muscle",
    "tight",
    "cramp",
    "tingling",
    "skin",
    "oil",
]
SOURCE = Source(name="NHS", url="https://www.nhs.uk/")


def make_entries(count: int, rng: random.Random) -> list[FaqEntry]:
    def phrase(lo: int, hi: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))

    return [
        FaqEntry(
            id=f"entry-{n}",
            question=f"Can {phrase(4, 9)}?"[:100],
            aliases=[phrase(2, 4) for _ in range(3)],
            answer="An answer that is long enough to pass validation.",
            sources=[SOURCE],
        )
        for n in range(count)
    ]


def keystrokes(entries: Sequence[FaqEntry], count: int, rng: random.Random) -> list[str]:
    """Prefixes of real questions, as a member's typing produces them."""
    typed = []
    while len(typed) < count:
        question = rng.choice(entries).question
        typed.extend(question[:cut] for cut in range(3, min(len(question), 30), 3))
    return typed[:count]


def difflib_suggest(entries: Sequence[FaqEntry]) -> Callable[[str], list[str]]:
    phrases = [(p.lower(), e.id) for e in entries for p in (e.question, *e.aliases)]

    def suggest(query: str) -> list[str]:
        matcher = difflib.SequenceMatcher(b=query.lower(), autojunk=False)
        scored = []
        for phrase, owner in phrases:
            matcher.set_seq1(phrase)
            scored.append((matcher.ratio(), owner))
        scored.sort(reverse=True)
        return list(dict.fromkeys(owner for _score, owner in scored))[:25]

    return suggest


def time_per_call(func: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    timings = []
    for query in queries:
        start = time.perf_counter()
        func(query)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keystrokes", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)
    print(
        "| entries | rapidfuzz p50 ms | rapidfuzz p99 ms | difflib p50 ms | difflib p99 ms | difflib/rapidfuzz (p50) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for count in args.entries:
        entries = make_entries(count, rng)
        queries = keystrokes(entries, args.keystrokes, rng)
        index = FaqIndex(entries)
        fast = time_per_call(index.suggest, queries)
        slow = time_per_call(difflib_suggest(entries), queries[: max(20, args.keystrokes // 10)])
        ratio = statistics.median(slow) / statistics.median(fast)
        print(
            f"| {count:,} | {statistics.median(fast):.2f} | {p99(fast):.2f} | "
            f"{statistics.median(slow):.1f} | {p99(slow):.1f} | {ratio:.0f}x |"
        )


if __name__ == "__main__":
    main()
