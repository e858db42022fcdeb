"""What participants see of a trial: its public identity, information sheet, consent statements
and where to get support (the design file's ``[participants]`` and ``[support]`` sections).

A trial has two names. The internal one (``name``) is for the evaluator and usually names the
intervention; participants never see it, because staff in the control arm who learn what their
colleagues get may resent it or copy it. Participants see ``participants.title`` (default "Staff
wellbeing study"), who runs the study, the councils taking part and how to reach the team.
:func:`arm_words_in` finds an arm's name or label in participant-facing text, which the design
refuses (:class:`hearten.trials.design.Design`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_TITLE = "Staff wellbeing study"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SupportLine(_Strict):
    """One place a participant can turn to: a name, what it is for, a phone number, a web page."""

    name: str = Field(min_length=1, max_length=120)
    about: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=40)
    url: str = Field(default="", max_length=300, pattern=r"^(https://\S+)?$")


#: UK lines that are free and open to anyone, shown unless ``support.uk_defaults = false``.
UK_DEFAULTS: tuple[SupportLine, ...] = (
    SupportLine(
        name="Samaritans",
        about="Free, day or night, if you are struggling to cope: call 116 123 or e-mail "
        "jo@samaritans.org.",
        phone="116 123",
        url="https://www.samaritans.org",
    ),
    SupportLine(
        name="Mind",
        about="Information and advice about mental health, weekdays 9am to 6pm.",
        phone="0300 123 3393",
        url="https://www.mind.org.uk",
    ),
    SupportLine(
        name="NHS 111 or your GP",
        about="If you are worried about your health. In an emergency, call 999.",
        phone="111",
        url="https://111.nhs.uk",
    ),
)


class SupportSpec(_Strict):
    """Where to get support: the employer's own services first, then UK-wide lines."""

    employee_assistance: SupportLine | None = None
    occupational_health: SupportLine | None = None
    union: SupportLine | None = None
    others: list[SupportLine] = Field(default_factory=list)
    uk_defaults: bool = True

    @property
    def lines(self) -> list[SupportLine]:
        """Every line to show, the employer's own first."""
        own = [self.employee_assistance, self.occupational_health, self.union]
        return [
            *(s for s in own if s is not None),
            *self.others,
            *(UK_DEFAULTS if self.uk_defaults else ()),
        ]


Statement = Literal["surveys", "hr", "interview"]

#: What each consent statement asks, in the participant's words.
STATEMENTS: dict[str, str] = {
    "surveys": "I agree to take part and answer the surveys.",
    "hr": "I agree that my HR records (sickness absence, whether I leave, my contract) are "
    "linked to my answers under my study code.",
    "interview": "I agree to be contacted about a short interview about the study (optional).",
}


def _surveys_only() -> list[Statement]:
    return ["surveys"]


class ParticipantsSpec(_Strict):
    """The study as participants see it (module docstring)."""

    title: str = Field(default=DEFAULT_TITLE, min_length=1, max_length=120)
    team: str = Field(
        default="", max_length=200, description="the research team or sponsor running the study"
    )
    councils: list[str] = Field(default_factory=list, description="the employers taking part")
    email: str = Field(default="", max_length=200, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    phone: str = Field(default="", max_length=40)
    logo: str = Field(
        default="", max_length=300, pattern=r"^(https://\S+)?$", description="an https image URL"
    )
    information_sheet: str = Field(
        default="", max_length=40_000, description="Markdown; a plain default when empty"
    )
    information_version: int = Field(default=1, ge=1)
    consent_version: int = Field(
        default=1,
        ge=1,
        description="raise it when the sheet changes materially: people who consented under an "
        "earlier version are asked again",
    )
    statements: list[Statement] = Field(default_factory=_surveys_only)
    concerns_read_within: int = Field(
        default=5,
        ge=1,
        le=20,
        description="working days within which the research team reads a concern raised on "
        "the study's pages (participants are told this)",
    )

    @model_validator(mode="after")
    def _statements(self) -> ParticipantsSpec:
        if "surveys" not in self.statements:
            raise ValueError('participants.statements must include "surveys"')
        if len(set(self.statements)) != len(self.statements):
            raise ValueError("participants.statements lists a statement twice")
        if self.consent_version > self.information_version:
            raise ValueError(
                "participants.consent_version is the information sheet version consent was last "
                "asked for: it cannot be above information_version"
            )
        return self

    def texts(self) -> Iterable[tuple[str, str]]:
        """Every piece of participant-facing text, with where it is in the design."""
        yield "participants.title", self.title
        yield "participants.team", self.team
        for i, council in enumerate(self.councils):
            yield f"participants.councils.{i}", council
        yield "participants.information_sheet", self.information_sheet


def arm_words_in(text: str, words: Iterable[str]) -> str | None:
    """The first of ``words`` (an arm's name or label) that ``text`` contains as whole words,
    ignoring case and treating ``-`` and ``_`` as spaces; ``None`` if there is none."""
    plain = re.sub(r"[-_\s]+", " ", text.lower())
    for word in words:
        w = re.sub(r"[-_\s]+", " ", word.lower()).strip()
        if w and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", plain):
            return word
    return None
