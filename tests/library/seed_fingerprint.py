"""Fingerprints of the seed guide, so the "our own words" tests run on any clone, without ../shared.

The seed guide (../shared/seed/leg-massage-guide.txt) is not ours to copy into the repository, so
tests/library/seed_fingerprint.json keeps only SHA-256 hashes: of every normalised run of RUN_LENGTH
words, of every heading, and of every heading with one word left out (to catch a title that changes,
adds or drops one word of a heading; see `title_matches_heading`). A hash says "this exact normalised
text is in the guide" and nothing else.

Regenerate after the seed guide changes (tests/library/test_content.py fails when ../shared is present
and the stored hashes no longer match it):

    .venv/bin/python -m tests.library.seed_fingerprint ../shared/seed/leg-massage-guide.txt

Why hand-written: a dozen lines of hashlib; no library does "hashed n-gram overlap" more simply.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

RUN_LENGTH = 8
FINGERPRINT = Path(__file__).with_name("seed_fingerprint.json")
SEED_HEADING = re.compile(r"^[A-Z][^.!]{0,60}[?:]?$")
MIN_CONTAINED_HEADING = 3
"""A heading of at least this many words must not appear inside a title (shorter ones are common phrases)."""
MIN_NEAR_HEADING = 4
"""Headings of at least this many words are also stored with each word left out, to catch one-word edits."""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def digest(normalised_words: Iterable[str]) -> str:
    return hashlib.sha256(" ".join(normalised_words).encode()).hexdigest()


def runs(word_list: list[str], length: int = RUN_LENGTH) -> list[tuple[str, ...]]:
    return [tuple(word_list[i : i + length]) for i in range(len(word_list) - length + 1)]


def headings(text: str) -> list[list[str]]:
    """The guide's headings: short capitalised lines without a full stop, normalised to words."""
    lines = [line.strip() for line in text.splitlines()]
    return [words(line) for line in lines if line and SEED_HEADING.match(line) and len(line.split()) <= RUN_LENGTH]


def one_word_left_out(word_list: list[str]) -> list[list[str]]:
    return [word_list[:i] + word_list[i + 1 :] for i in range(len(word_list))]


@dataclass(frozen=True)
class Fingerprint:
    runs: frozenset[str]
    headings: frozenset[str]
    contained_headings: frozenset[str]
    near_headings: frozenset[str]

    @classmethod
    def of_text(cls, text: str) -> Fingerprint:
        heads = headings(text)
        return cls(
            runs=frozenset(digest(run) for run in runs(words(text))),
            headings=frozenset(digest(h) for h in heads),
            contained_headings=frozenset(digest(h) for h in heads if len(h) >= MIN_CONTAINED_HEADING),
            near_headings=frozenset(
                digest(variant) for h in heads if len(h) >= MIN_NEAR_HEADING for variant in one_word_left_out(h)
            ),
        )

    @classmethod
    def stored(cls, path: Path = FINGERPRINT) -> Fingerprint:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["run_length"] == RUN_LENGTH, "regenerate the fingerprint: RUN_LENGTH changed"
        return cls(**{name: frozenset(data[name]) for name in cls.__dataclass_fields__})

    def to_json(self) -> str:
        body = {"run_length": RUN_LENGTH, **{name: sorted(getattr(self, name)) for name in self.__dataclass_fields__}}
        return json.dumps(body, indent=0) + "\n"

    def pasted_runs(self, text: str) -> list[str]:
        """Every run of RUN_LENGTH words in `text` that is also in the guide."""
        return [" ".join(run) for run in runs(words(text)) if digest(run) in self.runs]

    def title_matches_heading(self, title: str) -> bool:
        """The title is a heading, contains one (3+ words), or differs from a 4+-word one by one word."""
        ours = words(title)
        if digest(ours) in self.headings:
            return True
        contained = {
            digest(ours[i:j]) for i in range(len(ours)) for j in range(i + MIN_CONTAINED_HEADING, len(ours) + 1)
        }
        if contained & self.contained_headings:
            return True
        near = {digest(ours), *(digest(variant) for variant in one_word_left_out(ours))}
        return bool(near & (self.near_headings | self.headings))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.library.seed_fingerprint PATH/TO/leg-massage-guide.txt", file=sys.stderr)
        return 2
    fingerprint = Fingerprint.of_text(Path(argv[0]).read_text(encoding="utf-8"))
    FINGERPRINT.write_text(fingerprint.to_json(), encoding="utf-8")
    print(f"wrote {FINGERPRINT} ({len(fingerprint.runs)} runs, {len(fingerprint.headings)} headings)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
