"""Score the FAQ engine on the labelled phrasings in bench/faq_eval_set.yaml, per split.

    .venv/bin/python -m bench.faq_eval [--show-misses]

recall@1 / recall@3: the right entry is the first / among the first three autocomplete choices (questions
with a right answer). confident wrong: the typed /faq answered with a wrong entry (or answered at all when
the FAQ has no answer). off-topic answers: out-of-scope questions that got an answer. warning routing:
warning-sign phrasings whose entry came first in autocomplete and as the typed answer, decided as a warning.
tests/library/test_faq_eval.py holds the held-out split to the targets; numbers here are deterministic.
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
        ]


def load_items(path: Path = EVAL_SET) -> list[dict[str, object]]:
    items: list[dict[str, object]] = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return items


def evaluate(library: Library, items: list[dict[str, object]]) -> dict[str, Report]:
    reports: dict[str, Report] = {}
    for item in items:
        report = reports.setdefault(str(item["split"]), Report(str(item["split"])))
        _score(library, item, report)
    return reports


def _score(library: Library, item: dict[str, object], report: Report) -> None:
    question, expect = str(item["q"]), str(item["expect"])
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
    if shown[:1] != [expect] or wrong or answered is None:
        report.misses.append(f"{question!r}: want {expect}, got {match.kind} {answered}; top3 {shown[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true", help="list every phrasing that fell short")
    parser.add_argument("--split", help="only this split (tune while tuning: never look at held-out misses)")
    args = parser.parse_args()
    library = Library(load_content(ROOT / "content"))
    items = [item for item in load_items() if args.split in (None, item["split"])]
    for report in evaluate(library, items).values():
        print("\n".join(report.lines()))
        if args.show_misses:
            print("\n".join(f"    - {miss}" for miss in report.misses))


if __name__ == "__main__":
    main()
