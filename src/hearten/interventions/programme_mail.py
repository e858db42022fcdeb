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

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hearten.interventions.models import EngagementKind, Enrolment
from hearten.messaging.models import Message
from hearten.messaging.purposes import Draft, queue
from hearten.surveys.mail import footer
from hearten.surveys.study import study_of

FIRST = "programme-1"
MODULE_PREFIX = "module-"


def schedule_programme(enrolment_ids: list[int], starts_on: date, modules: int) -> int:
    """The goals programme's invitation (on the start day) and a reminder as each later
    module opens, at 9 am."""

    def at_nine(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(9, 0)))

    people = dict(
        Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "participant_id")
    )
    rows = [
        (pk, people[pk], FIRST if k == 1 else f"{MODULE_PREFIX}{k}",
         at_nine(starts_on + timedelta(days=7 * (k - 1))))
        for pk in enrolment_ids
        for k in range(1, modules + 1)
    ]  # fmt: skip
    return len(queue(Enrolment, rows))


def _enrolment(message: Message) -> Enrolment:
    return Enrolment.objects.select_related("participant", "trial").get(pk=message.object_id)


def _modules(message: Message) -> int:
    """The programme's modules, as scheduled for this enrolment (one e-mail each: see
    :func:`schedule_programme`), so an enrolment keeps the length it was given."""
    return Message.objects.filter(
        Q(kind=FIRST) | Q(kind__startswith=MODULE_PREFIX),
        content_type_id=message.content_type_id,
        object_id=message.object_id,
    ).count()


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

    def unwanted(self, message: Message, now: datetime) -> str | None:
        return _unwanted(message, now)

    def draft(self, message: Message, now: datetime) -> Draft:
        e = _enrolment(message)
        page = f"{settings.HEARTEN.base_url}/g/{e.token}/"
        link = f"{page}?r={message.pk}"
        study = study_of(e.trial)
        first = message.kind == FIRST
        subject = (
            f"{study.title}: your {_weeks(_modules(message))} goals programme"
            if first
            else f"{study.title}: module {message.kind.removeprefix(MODULE_PREFIX)} is open"
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
