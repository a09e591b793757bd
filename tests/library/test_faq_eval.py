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

import pytest

from bench.faq_eval import (
    BLIND2_SET,
    BLIND3_SET,
    BLIND4_SET,
    BLIND5_SET,
    BLIND6_SET,
    MAX_TYPED,
    Report,
    evaluate,
    load_blind,
    load_items,
)
from tests.exts.harness import real_library


@pytest.fixture(scope="module")
def held_out() -> Report:
    return evaluate(real_library(), [item for item in load_items() if item["split"] == "held"])["held"]


@pytest.fixture(scope="module")
def blind() -> Report:
    return evaluate(real_library(), load_blind())["blind"]


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


def test_the_blind_set_is_big_enough_and_a_fifth_has_no_answer() -> None:
    items = load_blind()
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind"}


def test_blind_recall(blind: Report) -> None:
    assert blind.top3 / blind.answerable >= 0.95, blind.misses
    assert blind.top1 / blind.answerable >= 0.85, blind.misses


def test_blind_never_answers_an_out_of_scope_question(blind: Report) -> None:
    assert blind.out_of_scope > 0
    assert blind.off_topic == 0, blind.misses


def test_blind_never_answers_a_warning_sign_with_an_ordinary_entry(blind: Report) -> None:
    """The safety-critical part: no warning sign gets a non-warning entry as its answer."""
    assert blind.warnings > 0
    assert blind.unsafe_entry == 0, blind.misses


def test_blind_never_calls_a_warning_sign_out_of_scope(blind: Report) -> None:
    """Was 4 of 57 when scored blind; fixed on branch `warn` (the set is a tuning set since)."""
    assert blind.unsafe_scope == 0, blind.misses


def test_blind_routes_every_warning_sign(blind: Report) -> None:
    """Was 45 of 57 when scored blind; 57 of 57 since branch `warn`."""
    assert blind.warnings == 57
    assert blind.routed == blind.warnings, blind.misses


def test_blind_is_almost_never_confidently_wrong(blind: Report) -> None:
    """Was 2 of 160 (both negations: "not swollen or hot", "nothing swollen"); 0 since denied signs
    no longer count (vocabulary `negation`)."""
    assert blind.confident_wrong / blind.total <= 0.01, blind.misses


BLIND2_RUN = "faq_eval_blind2.yaml scored once, blind, after branch `warn` (bench/README.md)"


@pytest.fixture(scope="module")
def blind2() -> Report:
    return evaluate(real_library(), load_blind(BLIND2_SET))["blind2"]


def test_the_second_blind_set_is_big_enough() -> None:
    items = load_blind(BLIND2_SET)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind2"}


def test_blind2_recall_and_no_off_topic_answer(blind2: Report) -> None:
    assert blind2.top3 / blind2.answerable >= 0.95, blind2.misses
    assert blind2.top1 / blind2.answerable >= 0.85, blind2.misses
    assert blind2.off_topic == 0, blind2.misses


def test_blind2_never_answers_a_warning_sign_with_an_ordinary_entry(blind2: Report) -> None:
    assert blind2.warnings > 0
    assert blind2.unsafe_entry == 0, blind2.misses


WARN2 = "since branch `warn2`, blind2 being a tuning set (bench/README.md)"


def test_blind2_never_calls_a_warning_sign_out_of_scope(blind2: Report) -> None:
    """Was 4 of 61 when scored blind; fixed on branch `warn2` (patterns, and a red-flag entry near the
    question keeps it in scope)."""
    assert blind2.unsafe_scope == 0, blind2.misses


def test_blind2_confident_wrong_answers_are_only_ever_warnings() -> None:
    """What is left of blind2's confidently wrong answers errs in the safe direction only: a red-flag entry
    shown where an ordinary one was expected, never an ordinary entry in place of another."""
    library = real_library()
    for item in load_blind(BLIND2_SET):
        question, expect = str(item["q"]), str(item["expect"])
        if len(question) > MAX_TYPED:
            continue
        match = library.answer(question, max_length=MAX_TYPED)
        if match.entry is not None and match.entry.id != expect:
            assert match.kind == "warning", question
            assert match.entry.red_flag, question


@pytest.mark.xfail(
    strict=True,
    reason="59 of 61 warning signs routed: 'my cath is swollen' (a typo no corrector reads as calf: 'unsure', "
    f"swollen-leg second) and a red swollen area on a lower leg (swollen-leg, not skin-infection); {WARN2}",
)
def test_blind2_routes_every_warning_sign(blind2: Report) -> None:
    assert blind2.routed == blind2.warnings, blind2.misses


@pytest.mark.xfail(
    strict=True,
    reason="3 of 167 (1.8 %) confidently wrong, each a warning shown where the writer expected an ordinary "
    f"or another warning entry, left on purpose (a hot red swollen knee with fever, a child limping on one "
    f"leg, a red swollen area on a lower leg); {WARN2}",
)
def test_blind2_is_almost_never_confidently_wrong(blind2: Report) -> None:
    assert blind2.confident_wrong / blind2.total <= 0.01, blind2.misses


BLIND3_RUN = "faq_eval_blind3.yaml scored once, blind, after branch `warn2` (bench/README.md)"
TUNE3 = "since branch `tune3`, blind3 being a tuning set (bench/README.md)"


@pytest.fixture(scope="module")
def blind3() -> Report:
    return evaluate(real_library(), load_blind(BLIND3_SET))["blind3"]


def test_the_third_blind_set_is_big_enough() -> None:
    items = load_blind(BLIND3_SET)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind3"}


def test_blind3_recall_and_no_off_topic_answer(blind3: Report) -> None:
    assert blind3.top3 / blind3.answerable >= 0.95, blind3.misses
    assert blind3.top1 / blind3.answerable >= 0.85, blind3.misses
    assert blind3.off_topic == 0, blind3.misses


def test_blind3_never_answers_a_warning_sign_with_an_ordinary_entry(blind3: Report) -> None:
    assert blind3.warnings > 0
    assert blind3.unsafe_entry == 0, blind3.misses


def test_blind3_never_calls_a_warning_sign_out_of_scope(blind3: Report) -> None:
    """Was 2 of 64 when scored blind ("a bit puffier ... warmish", legs "weak and jelly-like the day after"
    deep work); 0 since branch `tune3` (puffier and warmish read as swollen and warm, weak legs after a
    massage or deep work route to the new-weakness sign)."""
    assert blind3.warnings == 64
    assert blind3.unsafe_scope == 0, blind3.misses


def test_blind3_is_almost_never_confidently_wrong(blind3: Report) -> None:
    """Was 2 of 170 when scored blind; 1 since branch `tune3`: a varicose vein that bled gets
    when-to-see-doctor ("urgent care now"), where its writer expected varicose-veins. The engine is kept:
    a bleeding varicose vein needs urgent care (shared/content-facts.md, NICE), so the label is the weaker
    reply."""
    assert blind3.confident_wrong <= 1, blind3.misses
    assert blind3.confident_wrong / blind3.total <= 0.01, blind3.misses


def test_blind3_answers_three_in_four_answerable_questions_right(blind3: Report) -> None:
    """Answered right (the typed /faq gives the right entry outright) was 91 of 140 (65 %) when scored
    blind; 106 of 140 since branch `tune3`, 109 since branch `tune5`."""
    assert blind3.answered_right >= 109, blind3.misses


def test_blind3_confident_wrong_answers_are_only_ever_warnings() -> None:
    """Like blind2's: what is left errs in the safe direction only (a red-flag entry shown as a warning)."""
    library = real_library()
    for item in load_blind(BLIND3_SET):
        question, expect = str(item["q"]), str(item["expect"])
        match = library.answer(question, max_length=MAX_TYPED)
        if match.entry is not None and match.entry.id != expect:
            assert match.kind == "warning", question
            assert match.entry.red_flag, question


@pytest.mark.xfail(
    strict=True,
    reason="63 of 64 warning signs routed (60 when scored blind): 'my caff is swollen and hot' gets the "
    "swollen-leg entry by ranking, not from a warning sign (a misspelt calf no corrector reads: the member sees "
    f"the same entry, counted as an answer, not a warning); {TUNE3}",
)
def test_blind3_routes_every_warning_sign(blind3: Report) -> None:
    assert blind3.routed == blind3.warnings, blind3.misses


@pytest.fixture(scope="module")
def blind4() -> Report:
    return evaluate(real_library(), load_blind(BLIND4_SET))["blind4"]


def test_the_fourth_blind_set_is_big_enough() -> None:
    items = load_blind(BLIND4_SET)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind4"}


def test_blind4_never_answers_a_warning_sign_with_an_ordinary_entry_or_calls_it_out_of_scope(blind4: Report) -> None:
    assert blind4.warnings > 0
    assert (blind4.unsafe_entry, blind4.unsafe_scope) == (0, 0), blind4.misses


def test_blind4_never_answers_an_out_of_scope_question(blind4: Report) -> None:
    """Blind, one was answered: "... is killing me" about a toenail got the far-worse-pain warning (fixed)."""
    assert blind4.out_of_scope > 0
    assert blind4.off_topic == 0, blind4.misses


def test_blind4_is_almost_never_confidently_wrong(blind4: Report) -> None:
    assert blind4.confident_wrong / blind4.total <= 0.01, blind4.misses


def test_blind4_recall(blind4: Report) -> None:
    """Issue 9's targets (85 % / 95 %): 80.0 % / 89.3 % when scored blind, 88.6 % / 97.9 % since branch
    `tune4` tuned on it (bench/README.md, "Branch tune4")."""
    assert blind4.top3 / blind4.answerable >= 0.95, blind4.misses
    assert blind4.top1 / blind4.answerable >= 0.85, blind4.misses


def test_blind4_answers_more_than_three_in_five_answerable_questions_right(blind4: Report) -> None:
    """Answered right was 79 of 140 (56.4 %) when scored blind; 88 of 140 since branch `tune4`, 95 on branch
    `tune5`, 94 once merged with a review's step back of the known-words answer near a red-flag entry
    (engine.KNOWN_NEAR_RED_FLAG_COSINE)."""
    assert blind4.answered_right >= 94, blind4.misses


def test_blind4_routes_every_warning_sign(blind4: Report) -> None:
    """36 of 39 when scored blind; 39 of 39 since branch `tune4` (a leg "more big than other", and a cut or
    burn that is still healing, tests/library/test_faq_care_signs.py)."""
    assert blind4.warnings == 39
    assert blind4.routed == blind4.warnings, blind4.misses


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


BLIND5_RUN = "faq_eval_blind5.yaml scored once, blind, after branch `tune4` (bench/README.md); two patterns fixed"


@pytest.fixture(scope="module")
def blind5() -> Report:
    return evaluate(real_library(), load_blind(BLIND5_SET))["blind5"]


def test_the_fifth_blind_set_is_big_enough() -> None:
    items = load_blind(BLIND5_SET)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind5"}


def test_blind5_recall_and_no_off_topic_answer(blind5: Report) -> None:
    assert blind5.top3 / blind5.answerable >= 0.95, blind5.misses
    assert blind5.top1 / blind5.answerable >= 0.85, blind5.misses
    assert blind5.off_topic == 0, blind5.misses


def test_blind5_never_answers_a_warning_sign_with_an_ordinary_entry_or_calls_it_out_of_scope(blind5: Report) -> None:
    """Blind, one was called out of scope: a scratch gone red and warm (fixed: a wound pattern)."""
    assert blind5.warnings > 0
    assert (blind5.unsafe_entry, blind5.unsafe_scope) == (0, 0), blind5.misses


def test_blind5_answers_more_answerable_questions_right(blind5: Report) -> None:
    """Answered right was 80 of 140 (57.1 %) when scored blind, 82 after two pattern fixes; 87 of 140 on
    branch `tune5` (a tuning result: blind5 is a tuning set since then), 84 once merged with a review's step
    back of the known-words answer near a red-flag entry (engine.KNOWN_NEAR_RED_FLAG_COSINE)."""
    assert blind5.answered_right >= 84, blind5.misses


@pytest.mark.xfail(strict=True, reason=f"38 of 39 warning signs routed; {BLIND5_RUN}")
def test_blind5_routes_every_warning_sign(blind5: Report) -> None:
    assert blind5.routed == blind5.warnings, blind5.misses


@pytest.mark.xfail(
    strict=True,
    reason=f"3 of 170 (1.8 %) confidently wrong: two warnings (a pulmonary embolism, cauda equina signs) where "
    f"the writer expected blood-clots and when-to-see-doctor, and lymphoedema after cancer surgery answered "
    f"with cancer-treatment; {BLIND5_RUN}",
)
def test_blind5_is_almost_never_confidently_wrong(blind5: Report) -> None:
    assert blind5.confident_wrong / blind5.total <= 0.01, blind5.misses


@pytest.fixture(scope="module")
def blind6() -> Report:
    return evaluate(real_library(), load_blind(BLIND6_SET))["blind6"]


def test_the_sixth_blind_set_is_big_enough() -> None:
    items = load_blind(BLIND6_SET)
    assert len(items) >= 150
    assert 0.15 <= sum(item["expect"] == "none" for item in items) / len(items) <= 0.25
    assert {item["split"] for item in items} == {"blind6"}


def test_blind6_holds_what_it_met_blind(blind6: Report) -> None:
    """Scored blind once after branch `tune5` and a review's fixes: recall@1 85.0 %, recall@3 96.4 %, no
    off-topic answer, 1 of 170 confidently wrong (a warning). Three warning patterns it showed missing were
    added (bench/README.md); nothing else was tuned on it."""
    assert blind6.top3 / blind6.answerable >= 0.95, blind6.misses
    assert blind6.top1 / blind6.answerable >= 0.85, blind6.misses
    assert blind6.off_topic == 0, blind6.misses
    assert blind6.confident_wrong / blind6.total <= 0.01, blind6.misses


def test_blind6_routes_every_warning_sign_and_never_calls_one_out_of_scope(blind6: Report) -> None:
    """Blind: 33 of 36 routed, one ("a shin getting hotter and more swollen") called out of scope; 36 of 36
    after the three patterns."""
    assert blind6.warnings > 0
    assert (blind6.unsafe_entry, blind6.unsafe_scope) == (0, 0), blind6.misses
    assert blind6.routed == blind6.warnings, blind6.misses
