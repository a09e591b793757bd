"""Score the FAQ engine on the labelled phrasings in bench/faq_eval_set.yaml and bench/faq_eval_blind.yaml.

    .venv/bin/python -m bench.faq_eval [--split tune|held|blind|blind2|blind3|blind4|blind5|blind6] [--show-misses]

Splits: tune (thresholds and vocabulary were tuned on it), held (written with the tune split, never tuned
on) and blind (faq_eval_blind.yaml, written by someone who had not seen the engine, its vocabulary or the
other splits; scored blind once, and a tuning set since branch `warn` read its misses: its name is kept)
and blind2 (faq_eval_blind2.yaml, written the same way after that, blind to all of the above; scored blind
once, and a tuning set since branch `warn2` read its misses and fixed them in general ways) and blind3
(faq_eval_blind3.yaml, the same again: scored blind once after `warn2`, a tuning set since branch `tune3`)
and blind4 (faq_eval_blind4.yaml, the same again: scored blind once after `tune3`, a tuning set since
branch `tune4` read its misses and fixed them in general ways) and blind5 (faq_eval_blind5.yaml, the same
again: scored blind once after `tune4`, a tuning set since branch `tune5` read its misses) and blind6
(faq_eval_blind6.yaml: scored blind once after `tune5`, three warning patterns it showed missing added).

recall@1 / recall@3: the right entry is the first / among the first three autocomplete choices (questions
with a right answer). confident wrong: the typed /faq answered with a wrong entry (or answered at all when
the FAQ has no answer). off-topic answers: out-of-scope questions that got an answer. warning routing:
warning-sign phrasings whose entry came first in autocomplete and as the typed answer, decided as a warning.
unsafe warning replies: warning-sign phrasings answered with an entry that is not a red flag, or called out
of scope (the safety-critical part: "unsure" with the nearest questions still keeps the care line).
A phrasing is a warning sign when it says `warning: true`; the blind set has no such flag, so there it is
one whose expected entry is a warning-sign entry of issue 9 (WARNING_ENTRIES; load_blind).
tests/library/test_faq_eval.py holds the held-out and blind splits to the targets; numbers are deterministic.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.library.library import Library
from bot.library.loader import load_content

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = ROOT / "bench" / "faq_eval_set.yaml"
BLIND_SET = ROOT / "bench" / "faq_eval_blind.yaml"
BLIND2_SET = ROOT / "bench" / "faq_eval_blind2.yaml"
"""Written after branch `warn` by someone who had seen neither the engine nor the earlier sets; scored
blind once, a tuning set since branch `warn2`. Its `expect: none` and `# negated` items aside, its warning
signs are marked like the first's."""
BLIND3_SET = ROOT / "bench" / "faq_eval_blind3.yaml"
"""Written after branch `warn2` by someone who had seen neither the engine nor any earlier set; scored
blind once, a tuning set since branch `tune3` read its misses and fixed them in general ways."""
BLIND4_SET = ROOT / "bench" / "faq_eval_blind4.yaml"
"""Written during branch `tune3` by someone who had seen neither the engine nor any earlier set (only each
entry's id, question, answer and red flag, and content-facts.md); scored blind once after `tune3`, a tuning
set since branch `tune4` read its misses and fixed them in general ways."""
BLIND5_SET = ROOT / "bench" / "faq_eval_blind5.yaml"
"""Written after branch `tune4` by someone who had seen neither the engine nor any earlier set (only each
entry's id, question, answer and red flag, and content-facts.md); scored blind once after `tune4`, a tuning
set since branch `tune5` read its misses (with those of the other tuning splits) to find a third way to answer."""
BLIND6_SET = ROOT / "bench" / "faq_eval_blind6.yaml"
"""Written after branch `tune4` by someone who had seen neither the engine nor any earlier set (only each
entry's id, question, answer and red flag, and content-facts.md); scored blind once after `tune5` and a
review's fixes."""
WARNING_ENTRIES = frozenset({"swollen-leg", "chest-pain-breathless", "dark-urine", "skin-infection"})
"""The entries whose question is itself a warning sign (issue 9's list: one swollen, hot or bigger calf;
chest pain, breathlessness, coughing blood; dark urine, far worse pain, new weakness; hot spreading skin)."""


@dataclass
class Report:
    split: str
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    confident_wrong: int = 0
    total: int = 0
    out_of_scope: int = 0
    off_topic: int = 0
    warnings: int = 0
    routed: int = 0
    unsafe_entry: int = 0
    """Warning signs answered with an entry that is not a red flag."""
    unsafe_scope: int = 0
    """Warning signs called out of scope ("I don't have a checked answer")."""
    long_messages: int = 0
    """Phrasings longer than any /faq question (MAX_TYPED): scored as a "Check with kneadbot" message."""
    long_right: int = 0
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        def pct(part: int, whole: int) -> str:
            return f"{100 * part / whole:5.1f}% ({part}/{whole})" if whole else "  n/a"

        return [
            f"[{self.split}] {self.total} phrasings",
            f"  recall@1              {pct(self.top1, self.answerable)}",
            f"  recall@3              {pct(self.top3, self.answerable)}",
            f"  answered right        {pct(self.answered_right, self.answerable)}",
            f"  confident wrong       {pct(self.confident_wrong, self.total)}",
            f"  off-topic answers     {pct(self.off_topic, self.out_of_scope)} of out-of-scope questions",
            f"  warning signs routed  {pct(self.routed, self.warnings)}",
            f"  unsafe warning reply  {pct(self.unsafe_entry + self.unsafe_scope, self.warnings)}: "
            f"{self.unsafe_entry} a non-warning entry, {self.unsafe_scope} out of scope",
            f"  long messages right   {pct(self.long_right, self.long_messages)} (Check with kneadbot)",
        ]


def load_items(path: Path = EVAL_SET) -> list[dict[str, object]]:
    items: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return items


def load_blind(path: Path = BLIND_SET) -> list[dict[str, object]]:
    """A blind set, its warning signs marked by their expected entry (its writer did not flag them)."""
    items = load_items(path) if path.exists() else []
    for item in items:
        item.setdefault("warning", item["expect"] in WARNING_ENTRIES)
    return items


def load_all() -> list[dict[str, object]]:
    """Every split: the tune/held set, and the blind sets when they are there."""
    return (
        load_items()
        + load_blind()
        + load_blind(BLIND2_SET)
        + load_blind(BLIND3_SET)
        + load_blind(BLIND4_SET)
        + load_blind(BLIND5_SET)
        + load_blind(BLIND6_SET)
    )


def evaluate(library: Library, items: list[dict[str, object]]) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    for item in items:
        report = reports.setdefault(str(item["split"]), Report(str(item["split"])))
        _score(library, item, report)
    return reports


MAX_TYPED = 200
"""Longer than this (twice what /faq accepts) only "Check with kneadbot" can read a post: scored that way."""


def _score(library: Library, item: dict[str, object], report: Report) -> None:
    question, expect = str(item["q"]), str(item["expect"])
    if len(question) > MAX_TYPED:
        _score_long(library, question, expect, report)
        return
    shown = [entry.id for entry in library.faq_suggestions(question, 25)]
    match = library.answer(question, max_length=200)
    answered = match.entry.id if match.entry is not None else None
    report.total += 1
    wrong = answered is not None and answered != expect
    report.confident_wrong += wrong
    if expect == "none":
        report.out_of_scope += 1
        report.off_topic += answered is not None
        if answered is not None:
            report.misses.append(f"answered out-of-scope: {question!r} -> {answered}")
        return
    report.answerable += 1
    report.top1 += shown[:1] == [expect]
    report.top3 += expect in shown[:3]
    report.answered_right += answered == expect
    if item.get("warning"):
        report.warnings += 1
        ok = match.kind == "warning" and answered == expect and shown[:1] == [expect]
        report.routed += ok
        if not ok:
            report.misses.append(f"warning not routed: {question!r} -> {match.kind} {answered} / {shown[:1]}")
        report.unsafe_entry += match.entry is not None and not match.entry.red_flag
        report.unsafe_scope += match.kind == "out_of_scope"
        if match.kind == "out_of_scope" or (match.entry is not None and not match.entry.red_flag):
            report.misses.append(f"UNSAFE warning reply: {question!r} -> {match.kind} {answered}")
    if shown[:1] != [expect] or wrong or answered is None:
        report.misses.append(f"{question!r}: want {expect}, got {match.kind} {answered}; top3 {shown[:3]}")


def _score_long(library: Library, message: str, expect: str, report: Report) -> None:
    """A long post, as "Check with kneadbot" reads it: right when it names the expected entry (or, for a
    post the FAQ does not cover, nothing)."""
    entry = library.check_message(message)
    got = entry.id if entry is not None else "none"
    report.long_messages += 1
    report.long_right += got == expect
    if got != expect:
        report.misses.append(f"long message {message[:60]!r}...: want {expect}, got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true", help="list every phrasing that fell short")
    parser.add_argument("--split", help="only this split (tune while tuning: never look at held-out misses)")
    args = parser.parse_args()
    library = Library(load_content(ROOT / "content"))
    items = [item for item in load_all() if args.split in (None, item["split"])]
    for report in evaluate(library, items).values():
        print("\n".join(report.lines()))
        if args.show_misses:
            print("\n".join(f"    - {miss}" for miss in report.misses))


if __name__ == "__main__":
    main()
