"""Schema of the YAML content, as pydantic models.

Limits mirror what Discord accepts in an embed or a component, so content that loads is content that
can be shown: a too-long answer fails `python -m bot content check`, not a member's command.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=1000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=3000)]

Outcome = Literal["urgent", "doctor", "caution", "clear"]

MAX_SAFETY_QUESTIONS = 24
"""A Discord select holds at most 25 options, and /safety adds one more: "None of these"."""


class Strict(BaseModel):
    """Content models reject unknown keys so a typo in YAML is an error, not a silently ignored field."""

    model_config = ConfigDict(extra="forbid", frozen=True)


SourceKind = Literal["source", "practical advice"]
"""`practical advice` marks a technique tip that no medical source covers: it is shown as such,
with no link, rather than borrowing the authority of a page that does not say it."""


PRACTICAL_ADVICE_LABEL = "Practical advice (no medical source): "
"""How a `practical advice` source is shown in place of a link (bot/ui), and counted in size checks."""


class Source(Strict):
    """Where a fact comes from: shown with every entry so members can check it themselves."""

    name: Line
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=300)] | None = None
    kind: SourceKind = "source"

    @model_validator(mode="after")
    def _link_only_for_real_sources(self) -> Source:
        if self.kind == "source" and self.url is None:
            raise ValueError("a source needs an https url (or kind: practical advice)")
        if self.kind == "practical advice" and self.url is not None:
            raise ValueError("practical advice has no url: it is our own advice, not a medical source")
        return self


Sources = Annotated[list[Source], Field(min_length=1, max_length=4)]


class Tip(Strict):
    id: Id
    topic: Id
    text: Paragraph
    sources: Sources


class FaqEntry(Strict):
    """One question members ask; `red_flag` entries send members to a doctor rather than to a technique."""

    id: Id
    question: Line
    aliases: list[Line] = Field(default_factory=list, max_length=12)
    answer: LongText
    sources: Sources
    red_flag: bool = False


class GuideStep(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    text: Paragraph


class Guide(Strict):
    id: Id
    name: Line
    aliases: list[Line] = Field(default_factory=list, max_length=12)
    suits: Paragraph
    cautions: Annotated[list[Paragraph], Field(min_length=1, max_length=8)]
    steps: Annotated[list[GuideStep], Field(min_length=5, max_length=20)]
    sources: Sources

    def cautions_text(self) -> str:
        """The cautions as one block, as shown on a guide's first page (and size-checked at load)."""
        return "\n".join(f"\u26a0\ufe0f {caution}" for caution in self.cautions)


class SafetyQuestion(Strict):
    """A statement a member can tick in /safety; `outcome` is the most serious result it leads to."""

    id: Id
    label: Line
    description: Line
    outcome: Literal["urgent", "doctor", "caution"]
    advice: Paragraph


class SafetyOutcome(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    text: LongText


class SafetyCheck(Strict):
    intro: Paragraph
    questions: Annotated[list[SafetyQuestion], Field(min_length=4, max_length=MAX_SAFETY_QUESTIONS)]
    outcomes: dict[Outcome, SafetyOutcome]
    sources: Sources

    @field_validator("outcomes")
    @classmethod
    def _every_outcome_has_text(cls, value: dict[Outcome, SafetyOutcome]) -> dict[Outcome, SafetyOutcome]:
        missing = {"urgent", "doctor", "caution", "clear"} - set(value)
        if missing:
            raise ValueError(f"missing outcomes: {', '.join(sorted(missing))}")
        return value


class Guidance(Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    text: Paragraph
    sources: Sources


class CheckinTexts(Strict):
    """What a recovery check-in asks, and the advice each kind of answer gets."""

    question: Annotated[str, StringConstraints(min_length=10, max_length=200)]
    reassure: Guidance
    moderate: Guidance
    severe: Guidance
    warning_signs: Guidance

    @field_validator("question")
    @classmethod
    def _question_has_placeholders(cls, value: str) -> str:
        missing = [name for name in ("{area}", "{when}", "{intensity}") if name not in value]
        if missing:
            raise ValueError(f"question must contain {', '.join(missing)}")
        return value


class CheckinsFile(Strict):
    checkins: CheckinTexts


class TipsFile(Strict):
    tips: Annotated[list[Tip], Field(min_length=1)]


class FaqFile(Strict):
    faq: Annotated[list[FaqEntry], Field(min_length=1)]


class GuideFile(Strict):
    guide: Guide


class SafetyFile(Strict):
    safety: SafetyCheck

    @model_validator(mode="after")
    def _unique_question_ids(self) -> SafetyFile:
        ids = [q.id for q in self.safety.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("safety question ids must be unique")
        return self
