"""The held-out split of bench/faq_eval_set.yaml and the blind split (bench/faq_eval_blind.yaml), held to
issue 9's targets.

The engine is deterministic, so this is a pass/fail test (timings stay in bench/). The held-out
phrasings were written before any tuning and are never tuned on: thresholds and vocabulary were set
on the tune split only.

faq_eval_blind.yaml was scored blind once (commit 64a8659, numbers in bench/README.md). Since branch
`warn` (2026-12-01) it is a TUNING set: its misses were read and the warning patterns fixed in general
ways, so its numbers here are no longer a blind measure. bench/faq_eval_blind2.yaml was the next blind set:
scored blind once after branch `warn`, and a TUNING set too since branch `warn2` (2026-12-01) read and fixed
its misses in general ways. bench/faq_eval_blind3.yaml was the next blind set: scored blind once after branch
`warn2`, and a TUNING set too since branch `tune3` (2026-12-02) read its misses and fixed them in general ways
(vocabulary, and a second way to answer tuned over all four tuning splits; held-out totals only were looked at).
bench/faq_eval_blind4.yaml was the next blind set: scored blind once after branch `tune3`, and a TUNING set too
since branch `tune4` (2026-12-02) read its misses and fixed them in general ways (warning patterns, signs to see
a doctor soon, ages, vocabulary and aliases; held-out totals only were looked at), so its numbers here are no
longer a blind measure either. bench/faq_eval_blind5.yaml was scored blind once after branch `tune4`; two
warning patterns it showed missing were added (bench/README.md). Since branch `tune5` (2026-12-02) it is a TUNING
set too: its misses were read with those of the other five tuning splits to find a third way to answer
(engine.MOSTLY_KNOWN_MAX_UNKNOWN; held-out totals only were looked at), so its numbers here are no longer a
blind measure either. bench/faq_eval_blind6.yaml was scored blind once after `tune5` and a review's fixes;
three warning patterns it showed missing were added, nothing else was tuned on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faq_eval import (
    BLIND2_SET,
    BLIND3_SET,
    BLIND4_SET,
    BLIND5_SET,
    BLIND6_SET,
    BLIND_SET,
    MAX_TYPED,
    Report,
    evaluate,
    load_blind,
    load_items,
)
from tests.exts.harness import real_library

BLIND_SETS = {
    "blind": BLIND_SET,
    "blind2": BLIND2_SET,
    "blind3": BLIND3_SET,
    "blind4": BLIND4_SET,
    "blind5": BLIND5_SET,
    "blind6": BLIND6_SET,
}
"""Every blind set, in the order written; what each scored blind, and since, is in bench/README.md."""


@pytest.fixture(scope="module")
def held_out() -> Report:
    return evaluate(real_library(), [item for item in load_items() if item["split"] == "held"])["held"]


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    library = real_library()
    return {split: evaluate(library, load_blind(path))[split] for split, path in BLIND_SETS.items()}


def test_the_set_is_big_enough_and_a_fifth_has_no_answer() -> None:
    items = load_items()
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"tune", "held"}


def test_held_out_recall(held_out: Report) -> None:
    assert held_out.top3 / held_out.answerable >= 0.95, held_out.misses
    assert held_out.top1 / held_out.answerable >= 0.85, held_out.misses


def test_held_out_is_almost_never_confidently_wrong(held_out: Report) -> None:
    """Target: at most 1 %, strictly: with fewer than 100 phrasings that means none."""
    assert held_out.confident_wrong / held_out.total <= 0.01, held_out.misses


def test_held_out_never_answers_an_out_of_scope_question(held_out: Report) -> None:
    assert held_out.out_of_scope > 0
    assert held_out.off_topic == 0, held_out.misses


def test_held_out_routes_every_warning_sign(held_out: Report) -> None:
    assert held_out.warnings > 0
    assert held_out.routed == held_out.warnings, held_out.misses


@pytest.mark.parametrize(("split", "path"), list(BLIND_SETS.items()))
def test_each_blind_set_is_big_enough_and_a_fifth_has_no_answer(split: str, path: Path) -> None:
    items = load_blind(path)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {split}


@pytest.mark.parametrize("split", list(BLIND_SETS))
def test_each_blind_set_meets_the_recall_targets(reports: dict[str, Report], split: str) -> None:
    """Issue 9's 85 % / 95 %. Blind, blind4 missed them (80.0 % / 89.3 %) until branch `tune4` tuned on it;
    blind6 met them blind (85.0 % / 96.4 %)."""
    report = reports[split]
    assert report.top3 / report.answerable >= 0.95, report.misses
    assert report.top1 / report.answerable >= 0.85, report.misses


@pytest.mark.parametrize("split", list(BLIND_SETS))
def test_no_blind_set_gets_an_answer_to_a_question_the_faq_does_not_cover(
    reports: dict[str, Report], split: str
) -> None:
    """Blind, blind4 had one: "... is killing me" about a toenail got the far-worse-pain warning (fixed)."""
    report = reports[split]
    assert report.out_of_scope > 0
    assert report.off_topic == 0, report.misses


@pytest.mark.parametrize("split", list(BLIND_SETS))
def test_no_warning_sign_gets_an_ordinary_entry_or_no_checked_answer(reports: dict[str, Report], split: str) -> None:
    """The safety-critical part. Blind, none ever got an ordinary entry; "no checked answer" came to 4 of 57
    (blind), 4 of 61 (blind2), 2 of 64 (blind3), 1 of 39 (blind5) and 1 of 36 (blind6), each fixed in a
    general way since (bench/README.md)."""
    report = reports[split]
    assert report.warnings > 0
    assert (report.unsafe_entry, report.unsafe_scope) == (0, 0), report.misses


@pytest.mark.parametrize("split", ["blind2", "blind3", "blind4", "blind6"])
def test_what_is_left_confidently_wrong_is_only_ever_a_warning(split: str) -> None:
    """What is left of these sets' confidently wrong answers errs in the safe direction only: a red-flag
    entry shown as a warning where another entry was expected, never an ordinary answer in its place."""
    library = real_library()
    for item in load_blind(BLIND_SETS[split]):
        question, expect = str(item["q"]), str(item["expect"])
        if len(question) > MAX_TYPED:
            continue
        match = library.answer(question, max_length=MAX_TYPED)
        if match.entry is not None and match.entry.id != expect:
            assert match.kind == "warning", question
            assert match.entry.red_flag, question


@pytest.mark.parametrize(
    ("split", "most"),
    [("blind", 0), ("blind3", 1), ("blind4", 1), ("blind6", 1)],
)
def test_blind_sets_are_almost_never_confidently_wrong(reports: dict[str, Report], split: str, most: int) -> None:
    """At most 1 %. blind: 2 of 160 blind (both negations), 0 since denied signs no longer count. blind3: 2
    of 170 blind, 1 since `tune3`: a varicose vein that bled gets when-to-see-doctor ("urgent care now")
    where its writer expected varicose-veins; the engine is kept (content-facts.md, NICE: a bleeding
    varicose vein needs urgent care). blind4: 2 blind, 1 after the toenail fix (a clot question got the
    swollen-leg warning). blind6: 1 blind (a collapse after a leg rub got the chest-pain warning)."""
    report = reports[split]
    assert report.confident_wrong <= most, report.misses
    assert report.confident_wrong / report.total <= 0.01, report.misses


@pytest.mark.parametrize(
    ("split", "warnings"),
    [("blind", 57), ("blind4", 39), ("blind6", 36)],
)
def test_blind_sets_route_every_warning_sign(reports: dict[str, Report], split: str, warnings: int) -> None:
    """blind: 45 of 57 blind, all since `warn`. blind4: 36 of 39 blind, all since `tune4` (a leg "more big
    than other", a cut or burn still healing). blind6: 33 of 36 blind, all after three patterns (a shin
    getting hotter and more swollen, "burning up", "really really bad" pain)."""
    report = reports[split]
    assert report.warnings == warnings
    assert report.routed == report.warnings, report.misses


@pytest.mark.parametrize(
    ("split", "right"),
    [("blind3", 109), ("blind4", 92), ("blind5", 84)],
)
def test_blind_sets_answer_at_least_this_many_right(reports: dict[str, Report], split: str, right: int) -> None:
    """Answered right (the typed /faq gives the right entry outright), of 140 each. blind3: 91 blind, 106
    since `tune3`, 109 since `tune5`. blind4: 79 blind, 88 since `tune4`, 95 on `tune5`, 94 once merged with
    a review's step back of the known-words answer near a red-flag entry (engine.KNOWN_NEAR_RED_FLAG_COSINE),
    92 since a second review stopped the third way to answer near one. blind5: 80 blind, 82 after two pattern
    fixes, 87 on `tune5`, 84 after that merge."""
    assert reports[split].answered_right >= right, reports[split].misses


WARN2 = "since branch `warn2`, blind2 being a tuning set (bench/README.md)"
TUNE3 = "since branch `tune3`, blind3 being a tuning set (bench/README.md)"
BLIND5_RUN = "faq_eval_blind5.yaml scored once, blind, after branch `tune4` (bench/README.md); two patterns fixed"


@pytest.mark.xfail(
    strict=True,
    reason="59 of 61 warning signs routed: 'my cath is swollen' (a typo no corrector reads as calf: 'unsure', "
    f"swollen-leg second) and a red swollen area on a lower leg (swollen-leg, not skin-infection); {WARN2}",
)
def test_blind2_routes_every_warning_sign(reports: dict[str, Report]) -> None:
    assert reports["blind2"].routed == reports["blind2"].warnings, reports["blind2"].misses


@pytest.mark.xfail(
    strict=True,
    reason="3 of 167 (1.8 %) confidently wrong, each a warning shown where the writer expected an ordinary "
    f"or another warning entry, left on purpose (a hot red swollen knee with fever, a child limping on one "
    f"leg, a red swollen area on a lower leg); {WARN2}",
)
def test_blind2_is_almost_never_confidently_wrong(reports: dict[str, Report]) -> None:
    assert reports["blind2"].confident_wrong / reports["blind2"].total <= 0.01, reports["blind2"].misses


@pytest.mark.xfail(
    strict=True,
    reason="63 of 64 warning signs routed (60 when scored blind): 'my caff is swollen and hot' gets the "
    "swollen-leg entry by ranking, not from a warning sign (a misspelt calf no corrector reads: the member sees "
    f"the same entry, counted as an answer, not a warning); {TUNE3}",
)
def test_blind3_routes_every_warning_sign(reports: dict[str, Report]) -> None:
    assert reports["blind3"].routed == reports["blind3"].warnings, reports["blind3"].misses


@pytest.mark.xfail(strict=True, reason=f"38 of 39 warning signs routed; {BLIND5_RUN}")
def test_blind5_routes_every_warning_sign(reports: dict[str, Report]) -> None:
    assert reports["blind5"].routed == reports["blind5"].warnings, reports["blind5"].misses


@pytest.mark.xfail(
    strict=True,
    reason=f"3 of 170 (1.8 %) confidently wrong: two warnings (a pulmonary embolism, cauda equina signs) where "
    f"the writer expected blood-clots and when-to-see-doctor, and lymphoedema after cancer surgery answered "
    f"with cancer-treatment; {BLIND5_RUN}",
)
def test_blind5_is_almost_never_confidently_wrong(reports: dict[str, Report]) -> None:
    assert reports["blind5"].confident_wrong / reports["blind5"].total <= 0.01, reports["blind5"].misses


def test_blind4_never_calls_a_sign_to_see_a_doctor_out_of_scope() -> None:
    """Blind, three phrasings labelled when-to-see-doctor got "no checked answer" (a vein gone hard and lumpy,
    bruises on a blood thinner, a diabetic foot blister not healing). Since branch `tune4` none does, and
    when-to-see-doctor is among the nearest questions of every one that is not answered outright."""
    library = real_library()
    labelled = [item for item in load_blind(BLIND4_SET) if item["expect"] == "when-to-see-doctor"]
    assert len(labelled) >= 5
    for item in labelled:
        question = str(item["q"])
        match = library.answer(question, max_length=MAX_TYPED)
        assert match.kind != "out_of_scope", question
        if match.kind == "unsure":
            assert "when-to-see-doctor" in [entry.id for entry in match.nearest], question
