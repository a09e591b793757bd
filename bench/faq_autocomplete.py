"""FAQ autocomplete speed: the new engine (BM25 + WordLlama, warning signs first) against the matcher it
replaced (bench/legacy_faq_index.py), on the same keystrokes.

    .venv/bin/python -m bench.faq_autocomplete [--entries 10000] [--keystrokes 2000]

Real FAQ: every prefix (every 2 characters) of the phrasings in bench/faq_eval_set.yaml. Synthetic:
prefixes of the synthetic questions. Prints p50/p99 per keystroke in milliseconds, and the build and
model-load times. Numbers only; no asserts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.faq_eval import load_items
from bench.legacy_faq_index import FaqIndex
from bot.library.loader import load_content
from bot.library.models import FaqEntry, Source
from bot.library.search.engine import FaqEngine
from bot.library.search.semantic import _model
from bot.library.search.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[1]

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


def prefixes(texts: Sequence[str], count: int, rng: random.Random, step: int = 2) -> list[str]:
    """Prefixes of whole phrasings, as a member's typing produces them."""
    typed: list[str] = []
    while len(typed) < count:
        text = rng.choice(texts)
        typed.extend(text[:cut] for cut in range(step, len(text) + 1, step))
    return typed[:count]


def time_per_call(func: Callable[[str], object], queries: Sequence[str]) -> list[float]:
    for query in queries[:50]:  # warm caches (typo corrections, numpy) as a running bot has them
        func(query)
    timings = []
    for query in queries:
        start = time.perf_counter()
        func(query)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def p99(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def timed(build: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    built = build()
    return built, (time.perf_counter() - start) * 1000


def row(name: str, entries: Sequence[FaqEntry], vocabulary: Vocabulary, queries: Sequence[str]) -> list[str]:
    engine, engine_ms = timed(lambda: FaqEngine(entries, vocabulary))
    legacy, legacy_ms = timed(lambda: FaqIndex(entries))
    assert isinstance(engine, FaqEngine)
    assert isinstance(legacy, FaqIndex)
    new = time_per_call(lambda q: engine.suggest(q, 25), queries)
    old = time_per_call(lambda q: legacy.suggest(q, 25), queries)
    return [
        f"| {name} | {len(entries):,} | {len(queries):,} | engine | {engine_ms:.0f} | "
        f"{statistics.median(new):.2f} | {p99(new):.2f} | {max(new):.2f} |",
        f"| {name} | {len(entries):,} | {len(queries):,} | legacy FaqIndex | {legacy_ms:.0f} | "
        f"{statistics.median(old):.2f} | {p99(old):.2f} | {max(old):.2f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[10000])
    parser.add_argument("--keystrokes", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    _, load_ms = timed(_model)
    print(f"WordLlama model load (first use in the process): {load_ms:.0f} ms")
    content = load_content(ROOT / "content")
    phrasings = [str(item["q"]) for item in load_items()]
    print("| FAQ | entries | keystrokes | matcher | build ms | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    print("\n".join(row("real", content.faq, content.vocabulary, prefixes(phrasings, args.keystrokes, rng))))
    for count in args.entries:
        entries = make_entries(count, rng)
        queries = prefixes([e.question for e in entries], args.keystrokes, rng, step=3)
        print("\n".join(row("synthetic", entries, content.vocabulary, queries)))


if __name__ == "__main__":
    main()
