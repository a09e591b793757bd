"""Check-in errors a member may read: each message says what happened and what they can do instead.

KneadError
├── ConsentRequired        nothing is stored until the member agrees (the cog shows the prompt)
├── ConsentPromptExpired   an old prompt's "I agree", after the held session was forgotten
├── TooManyPending         the per-member cap on waiting check-ins
├── SnoozeLimitReached
├── WarningSignsReported   no snooze or follow-up once the member reported warning signs
├── CheckinClosed          the member's own check-in, in a state that does not allow this action
├── NotFound
│   └── CheckinNotFound    also for other members' check-ins, so nobody learns that they exist
└── BadInput
    ├── BadDuration, DelayOutOfRange, BadNote
    ├── UnknownTimezone
    └── BadQuietHours
"""

from __future__ import annotations

from bot.errors import BadInput, KneadError, NotFound
from bot.models.checkins import BadQuietHours

__all__ = ["BadQuietHours"]


class ConsentRequired(KneadError):
    """`pending_id`: the session held for the member's answer (the consent prompt's buttons carry it)."""

    def __init__(self, pending_id: int = 0) -> None:
        super().__init__(
            "Before I keep a log for you, please agree to me storing your massage sessions and check-in answers."
        )
        self.pending_id = pending_id


class ConsentPromptExpired(KneadError):
    def __init__(self) -> None:
        super().__init__("This question has expired. Run /session log again to log a session.")


class TooManyPending(KneadError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You already have {limit} check-ins waiting. Cancel one with /session cancel, "
            "or wait until one has been sent."
        )


class SnoozeLimitReached(KneadError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"You have already put this check-in off {limit} times, so I can't snooze it again.")


class WarningSignsReported(KneadError):
    """Putting off a check-in the member reported warning signs on would suggest that waiting is fine."""

    def __init__(self) -> None:
        super().__init__(
            "You reported warning signs: please get medical help rather than waiting for another check-in."
        )


class CheckinClosed(KneadError):
    """The check-in is the member's, but its state does not allow the action; the message says why."""


class CheckinNotFound(NotFound):
    def __init__(self, checkin_id: int) -> None:
        super().__init__(f"I couldn't find check-in #{checkin_id} among yours. /session upcoming lists them.")


class BadDuration(BadInput):
    def __init__(self) -> None:
        super().__init__("I couldn't read that time. Write it like 90m, 24h, 2d or 1d12h.")


class DelayOutOfRange(BadInput):
    def __init__(self, shortest: str, longest: str) -> None:
        super().__init__(f"Pick a check-in time between {shortest} and {longest} from now.")


class BadNote(BadInput):
    def __init__(self, max_length: int) -> None:
        super().__init__(f"Please keep the note to {max_length} characters or fewer.")


class UnknownTimezone(BadInput):
    def __init__(self) -> None:
        super().__init__("I don't know that time zone. Pick one from the list, such as Europe/London.")
