"""The pre-massage safety check: turn the statements a member ticked into one outcome.

The most serious statement decides, because one reason to see a doctor outweighs any number of
reasons that only call for care. The result never says what a member has, only what to do next.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import BadInput
from bot.library.models import Outcome, SafetyCheck, SafetyOutcome, SafetyQuestion

SEVERITY: tuple[Outcome, ...] = ("urgent", "doctor", "caution", "clear")

MAX_ADVICE_SHOWN = 10
"""The result shows the advice of at most this many ticked statements, so it fits in one embed."""


@dataclass(frozen=True)
class SafetyResult:
    outcome: Outcome
    text: SafetyOutcome
    ticked: tuple[SafetyQuestion, ...]


def assess(check: SafetyCheck, ticked_ids: Iterable[str]) -> SafetyResult:
    """The outcome for the ticked question ids; an unknown id is bad input, never silently ignored."""
    by_id = {question.id: question for question in check.questions}
    wanted = list(dict.fromkeys(ticked_ids))
    unknown = [qid for qid in wanted if qid not in by_id]
    if unknown:
        raise BadInput("That answer is not part of the safety check. Please run /safety again.")
    ticked = tuple(by_id[qid] for qid in wanted)
    outcome: Outcome = min((q.outcome for q in ticked), key=SEVERITY.index, default="clear")
    return SafetyResult(outcome, check.outcomes[outcome], ticked)
