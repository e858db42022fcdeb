"""The kinds of survey e-mail: a closed set, each stored in ``Message.kind`` as it always was.

``invitation`` (the wave's invitation), ``reminder-N`` (the wave's N-th scheduled reminder),
``reminder-now-N`` (the N-th round sent by hand, :mod:`hearten.surveys.reminders`) and
``consent-receipt-vN`` (the receipt of a consent to information sheet version N). Code reads a
stored kind with :meth:`SurveyKind.parse` and compares typed values; ``messaging`` refuses to
queue a kind :meth:`SurveyKind.parse` does not give back (:func:`hearten.messaging.purposes.queue`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SurveyMailKind(StrEnum):
    """What a survey e-mail is (its stored kind adds a number to all but the invitation)."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    REMINDER_NOW = "reminder-now"
    RECEIPT = "consent-receipt"


#: How each numbered kind is stored: its name, then this, then the number.
_JOINS = {
    SurveyMailKind.REMINDER: "-",
    SurveyMailKind.REMINDER_NOW: "-",
    SurveyMailKind.RECEIPT: "-v",
}
_STORED = re.compile(
    r"(?P<invitation>invitation)|reminder-(?P<reminder>[1-9]\d*)"
    r"|reminder-now-(?P<now>[1-9]\d*)|consent-receipt-v(?P<receipt>[1-9]\d*)"
)
_GROUPS = {
    "reminder": SurveyMailKind.REMINDER,
    "now": SurveyMailKind.REMINDER_NOW,
    "receipt": SurveyMailKind.RECEIPT,
}


@dataclass(frozen=True, slots=True)
class SurveyKind:
    """One kind of survey e-mail: ``what`` it is and its ``number`` (the scheduled reminder's
    place, the round of a reminder sent by hand, the information sheet version of a consent
    receipt; ``None`` for the invitation)."""

    what: SurveyMailKind
    number: int | None = None

    def __post_init__(self) -> None:
        numbered = self.what is not SurveyMailKind.INVITATION
        if numbered != (self.number is not None) or (self.number is not None and self.number < 1):
            raise ValueError(
                f"a survey {self.what} e-mail takes "
                + ("a number from 1" if numbered else "no number")
                + f", not {self.number!r}"
            )

    @property
    def stored(self) -> str:
        """The kind as ``Message.kind`` stores it."""
        if self.number is None:
            return str(self.what)
        return f"{self.what}{_JOINS[self.what]}{self.number}"

    @property
    def reminder(self) -> bool:
        """A reminder, scheduled or sent by hand."""
        return self.what in (SurveyMailKind.REMINDER, SurveyMailKind.REMINDER_NOW)

    @classmethod
    def parse(cls, stored: str) -> SurveyKind:
        """The kind stored as ``stored``, or a :class:`ValueError` naming it."""
        match = _STORED.fullmatch(stored)
        if match is None:
            raise ValueError(
                f"{stored!r} is not a survey e-mail (invitation, reminder-N, reminder-now-N, "
                "consent-receipt-vN)"
            )
        group = match.lastgroup  # each alternative is one named group
        if group == "invitation":
            return INVITATION
        return cls(_GROUPS[str(group)], int(match[str(group)]))


#: The wave's invitation.
INVITATION = SurveyKind(SurveyMailKind.INVITATION)


def reminder(n: int) -> SurveyKind:
    """The wave's ``n``-th scheduled reminder."""
    return SurveyKind(SurveyMailKind.REMINDER, n)


def reminder_now(round_: int) -> SurveyKind:
    """The ``round_``-th reminder sent by hand."""
    return SurveyKind(SurveyMailKind.REMINDER_NOW, round_)


def receipt(version: int) -> SurveyKind:
    """The receipt of a consent to information sheet ``version``."""
    return SurveyKind(SurveyMailKind.RECEIPT, version)
