"""A wave's reminder schedule as staff see it, and "send a reminder now".

:func:`schedule_of` lists the closing date, each scheduled reminder (the wave's
``reminder_days`` after it opened) and each reminder sent by hand, with whether it has gone.

:func:`remind_now` lets a coordinator (for their own sites) or an evaluator send an extra
reminder to everyone who has not yet answered. It makes one e-mail per person through the
same worker as every survey e-mail (``surveys.mail``: a :class:`Message` due at once, which
``hearten worker`` sends and skips for anyone who has answered, left, declined or whose link
died meanwhile). It is refused while the wave is not open or after it has closed, and again
within :data:`MIN_GAP` of the last reminder sent by hand to any of the same sites, so that
nobody is pressed more than once a day. Every send is audited (who, which wave, which sites,
how many e-mails). The page never says how many people were reminded: with a small site that
number would tell how many have answered, which the disclosure rules may hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone

from hearten.errors import StateError
from hearten.messaging.models import Message, MessageStatus
from hearten.messaging.purposes import queue
from hearten.surveys.mail_kinds import SurveyKind, SurveyMailKind, reminder_now
from hearten.surveys.models import Invitation, Wave
from hearten.surveys.services import is_closed
from hearten.trials import audit
from hearten.trials.choices import Consent

#: The shortest time between two reminders sent by hand to the same site.
MIN_GAP = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of a wave: when it is (or was) due, whether it has gone, and whether it
    was sent by hand (``by_hand``) or is one of the wave's scheduled reminders."""

    due: datetime
    gone: bool
    by_hand: bool


@dataclass(frozen=True, slots=True)
class Schedule:
    """A wave's dates as staff see them: when it opened, when it closes (``None``: no
    closing date), its reminders in time order, and whether a reminder can be sent now
    (``can_remind``; else ``why_not`` says why)."""

    opened: datetime | None
    closes_on: date | None
    closed: bool
    reminders: list[Reminder]
    can_remind: bool
    why_not: str


def _rounds(wave: Wave) -> list[str]:
    """The stored kinds of ``wave``'s rounds of reminders sent by hand, one per round."""
    kinds = Message.objects.filter(invitation__wave=wave).values_list("kind", flat=True)
    return [
        k
        for k in kinds.order_by().distinct()
        if SurveyKind.parse(k).what is SurveyMailKind.REMINDER_NOW
    ]


def _manual(wave: Wave, within: set[int] | None) -> Any:
    found = Message.objects.filter(invitation__wave=wave, kind__in=_rounds(wave))
    if within is not None:
        found = found.filter(invitation__participant__site_id__in=within)
    return found


def _refusal(wave: Wave, within: set[int] | None, now: datetime) -> str:
    """Why a reminder cannot be sent now to ``within``'s sites, or ""."""
    if wave.opened_at is None:
        return "This survey has not opened yet."
    if is_closed(wave, now):
        return "This survey has closed: no more reminders go."
    last = _manual(wave, within).order_by("-due_at").values_list("due_at", flat=True).first()
    if last is not None and now - last < MIN_GAP:
        after = timezone.localtime(last + MIN_GAP)
        return (
            f"A reminder was sent by hand at {timezone.localtime(last):%H:%M on %d %b}; the "
            f"next can be sent from {after:%H:%M on %d %b}, so that nobody is pressed more "
            "than once a day."
        )
    return ""


def schedule_of(wave: Wave, within: set[int] | None, now: datetime) -> Schedule:
    """The wave's closing date and reminders at ``now`` (the caller's clock; module
    docstring); reminders sent by hand count only if they went to ``within``'s sites
    (``None``: every site)."""
    reminders = []
    if wave.opened_at is not None:
        planned = [wave.opened_at + timedelta(days=d) for d in wave.reminder_days or []]
        reminders = [Reminder(due, due <= now, False) for due in planned]
    rounds = _manual(wave, within).values("kind").annotate(at=Min("due_at"))
    reminders += [Reminder(r["at"], r["at"] <= now, True) for r in rounds]
    reminders.sort(key=lambda r: r.due)
    why_not = _refusal(wave, within, now)
    return Schedule(
        opened=wave.opened_at,
        closes_on=wave.closes_on,
        closed=wave.opened_at is not None and is_closed(wave, now),
        reminders=reminders,
        can_remind=not why_not,
        why_not=why_not,
    )


def remind_now(user: Any, wave: Wave, within: set[int] | None, now: datetime) -> int:
    """Send a reminder now to everyone in ``within``'s sites (``None``: every site) who has
    not answered ``wave`` (module docstring); returns how many e-mails were queued. Raises
    :class:`StateError` when it may not be sent at ``now`` (the caller's clock)."""
    with transaction.atomic():
        why_not = _refusal(wave, within, now)
        if why_not:
            raise StateError(why_not)
        waiting = Invitation.objects.filter(
            wave=wave,
            completed_at__isnull=True,
            revoked_at__isnull=True,
            participant__withdrawn_at__isnull=True,
        ).exclude(participant__consent=Consent.DECLINED)
        if within is not None:
            waiting = waiting.filter(participant__site_id__in=within)
        kind = reminder_now(len(_rounds(wave)) + 1)
        made = queue(
            Invitation,
            [(pk, person, kind, now) for pk, person in waiting.values_list("pk", "participant_id")],
        )
        sites = sorted(
            wave.trial.sites.filter(id__in=within).values_list("code", flat=True)
            if within is not None
            else wave.trial.sites.values_list("code", flat=True)
        )
        audit.record(
            wave.trial,
            "reminder-sent-now",
            {"by": user.get_username(), "wave": wave.name, "sites": sites, "emails": len(made)},
            at=now,
        )
    return len(made)


def reminders_sent(wave: Wave) -> int:
    """How many reminders of ``wave`` have gone, scheduled or sent by hand."""
    sent = (
        Message.objects.filter(invitation__wave=wave, status=MessageStatus.SENT)
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    return sum(n for kind, n in sent if SurveyKind.parse(kind).reminder)
