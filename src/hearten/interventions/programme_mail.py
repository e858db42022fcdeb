"""The goals programme's e-mails: its invitation on the start day and a reminder as each later
module opens.

Each is a :class:`~hearten.messaging.models.Message` about the participant's
:class:`~hearten.interventions.models.Enrolment`, sent by the outbox
(:mod:`hearten.messaging.outbox`). None goes once the link is dead, the person has withdrawn or
stopped the programme, or has finished every module; a sent one is logged as the engagement
event ``reminder-sent`` at the send task's clock, and its link carries the message's number so
a click is logged too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from hearten.interventions.models import EngagementKind, Enrolment
from hearten.messaging.models import Message
from hearten.messaging.purposes import Draft, queue
from hearten.surveys.mail import footer
from hearten.surveys.study import study_of

_STORED = re.compile(r"programme-(?P<first>1)|module-(?P<later>[1-9]\d*)")


@dataclass(frozen=True, slots=True)
class ProgrammeKind:
    """The goals programme's e-mail about ``module``: module 1's is the programme's invitation
    (stored ``programme-1``), each later module's the reminder that it is open (``module-N``).
    The closed set of the programme's kinds; ``Message.kind`` stores :attr:`stored`."""

    module: int

    def __post_init__(self) -> None:
        if self.module < 1:
            raise ValueError(f"a programme e-mail is about module 1 or later, not {self.module}")

    @property
    def first(self) -> bool:
        """The programme's invitation (module 1)."""
        return self.module == 1

    @property
    def stored(self) -> str:
        """The kind as ``Message.kind`` stores it."""
        return "programme-1" if self.first else f"module-{self.module}"

    @classmethod
    def parse(cls, stored: str) -> ProgrammeKind:
        """The kind stored as ``stored``, or a :class:`ValueError` naming it."""
        match = _STORED.fullmatch(stored)
        if match is None or match["later"] == "1":
            raise ValueError(
                f"{stored!r} is not a goals-programme e-mail (programme-1, module-N from 2)"
            )
        return cls(1 if match["first"] else int(match["later"]))


def schedule_programme(enrolment_ids: list[int], starts_on: date, modules: int) -> int:
    """The goals programme's invitation (on the start day) and a reminder as each later
    module opens, at 9 am."""

    def at_nine(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(9, 0)))

    people = dict(
        Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "participant_id")
    )
    rows = [
        (pk, people[pk], ProgrammeKind(k), at_nine(starts_on + timedelta(days=7 * (k - 1))))
        for pk in enrolment_ids
        for k in range(1, modules + 1)
    ]  # fmt: skip
    return len(queue(Enrolment, rows))


def _enrolment(message: Message) -> Enrolment:
    return Enrolment.objects.select_related("participant", "trial").get(pk=message.object_id)


def _modules(message: Message) -> int:
    """The programme's modules, as scheduled for this enrolment (one e-mail each: see
    :func:`schedule_programme`), so an enrolment keeps the length it was given."""
    kinds = Message.objects.filter(
        content_type_id=message.content_type_id, object_id=message.object_id
    ).values_list("kind", flat=True)
    return len({ProgrammeKind.parse(k).module for k in kinds})


def _unwanted(message: Message, now: datetime) -> str | None:
    """Why a programme message should not go any more at ``now``, or ``None``."""
    e = _enrolment(message)
    from hearten.surveys.services import link_dead

    dead = link_dead(e.trial, e.revoked_at, now)
    if dead:
        return f"link {dead}"
    if e.participant.withdrawn_at is not None:
        return "withdrawn"
    if e.opted_out_at is not None:
        return "opted out"
    done = e.work.filter(completed_at__isnull=False).count()
    if done >= _modules(message):
        return "programme complete"
    return None


def _weeks(n: int) -> str:
    words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return f"{words[n - 1] if 0 < n <= len(words) else n}-week"


class ProgrammeMail:
    """How programme messages are written (:class:`hearten.messaging.purposes.Purpose`)."""

    def kind(self, stored: str) -> ProgrammeKind:
        return ProgrammeKind.parse(stored)

    def unwanted(self, message: Message, now: datetime) -> str | None:
        return _unwanted(message, now)

    def draft(self, message: Message, now: datetime) -> Draft:
        e = _enrolment(message)
        page = f"{settings.HEARTEN.base_url}/g/{e.token}/"
        link = f"{page}?r={message.pk}"
        study = study_of(e.trial)
        kind = ProgrammeKind.parse(message.kind)
        first = kind.first
        subject = (
            f"{study.title}: your {_weeks(_modules(message))} goals programme"
            if first
            else f"{study.title}: module {kind.module} is open"
        )
        opening = (
            "Your goals programme starts today: one short module a week, about ten minutes each."
            if first
            else "The next module of your goals programme is open."
        )
        body = (
            f"{opening}\n\n{link}\n\nWhat you write is private to you: nobody at work sees it. "
            "To stop the programme and these reminders, open the link and choose 'Stop the "
            "programme'.\n" + footer(study, page)
        )
        return Draft(
            subject, body, f"{page}leave-study/", study.email or "", stop=f"{page}stop-emails/"
        )

    def sent(self, message: Message, now: datetime) -> None:
        _enrolment(message).events.create(kind=EngagementKind.REMINDER_SENT, at=now)
