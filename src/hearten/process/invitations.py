"""Inviting sampled people to an interview by e-mail, each proposed time as an iCalendar
attachment (RFC 5545, written with the ``icalendar`` library so calendar programs read it).

The e-mail names the study as participants know it (the trial's name), never their arm, and
says that taking part is voluntary and confidential. Replies go to the interviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage

from hearten.errors import DataError
from hearten.process.models import SampleDraw
from hearten.process.sampling import record
from hearten.trials.models import IdentityKey


@dataclass(frozen=True, slots=True)
class Invited:
    """Who was invited, and who could not be (no e-mail address, or the send failed)."""

    invited: list[str]
    skipped: dict[str, str]


def calendar(
    uid: str, start: datetime, minutes: int, summary: str, organiser: str, stamp: datetime
) -> bytes:
    """One proposed interview time as an iCalendar file."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Hearten//process evaluation//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=minutes))
    event.add("summary", summary)
    event.add("description", "A proposed time: reply to the invitation to choose one.")
    event.add("organizer", f"mailto:{organiser}")
    cal.add_component(event)
    return bytes(cal.to_ical())


def invite(
    draw: SampleDraw,
    times: Sequence[datetime],
    minutes: int,
    interviewer: str,
    pseudonyms: Sequence[str] | None = None,
    *,
    now: datetime,
) -> Invited:
    """E-mail each sampled (not yet invited) person, or the ``pseudonyms`` named, with the
    proposed ``times``; each one sent is recorded as invited at ``now`` (the caller's clock,
    also the calendar files' time stamp)."""
    if not times:
        raise DataError("propose at least one interview time")
    if "@" not in interviewer:
        raise DataError(f"{interviewer!r} is not an e-mail address: give the interviewer's")
    if not 10 <= minutes <= 180:
        raise DataError("an interview lasts between 10 and 180 minutes")
    trial = draw.trial
    members = draw.members.filter(status="sampled").select_related("participant")
    if pseudonyms is not None:
        members = members.filter(participant__pseudonym__in=list(pseudonyms))
    emails = dict(
        IdentityKey.objects.filter(participant__trial=trial).values_list("participant_id", "email")
    )
    invited: list[str] = []
    skipped: dict[str, str] = {}
    for m in members:
        who = m.participant.pseudonym
        address = emails.get(m.participant_id, "")
        if not address:
            skipped[who] = "no e-mail address"
            continue
        subject = f"{trial.name}: would you talk to us about it?"
        listed = "\n".join(f"  - {t.astimezone():%A %d %B %Y, %H:%M}" for t in times)
        body = (
            f"We are evaluating {trial.name}, and we would like to hear what you think of it, "
            f"in a confidential conversation of about {minutes} minutes, online or by phone.\n\n"
            f"You said you would be happy to be contacted about an interview. Taking part is "
            "voluntary: saying no, or saying nothing, does not affect you in any way, and you "
            "can stop at any time. What you say is written up without your name, and nobody "
            "at work is told whether you took part.\n\n"
            f"Times we could do (each is attached as a calendar file):\n{listed}\n\n"
            "Reply to this e-mail with the time that suits you, or to suggest another.\n"
        )
        mail = EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [address], reply_to=[interviewer]
        )
        for i, t in enumerate(times, start=1):
            uid = f"ipe-{draw.pk}-{m.pk}-{i}@hearten"
            ics = calendar(uid, t, minutes, f"{trial.name}: interview", interviewer, now)
            mail.attach(f"interview-time-{i}.ics", ics, "text/calendar")
        try:
            mail.send(fail_silently=False)
        except Exception as exc:  # any SMTP or network failure: reported, not recorded
            skipped[who] = f"not sent: {exc}"[:200]
            continue
        record(trial, who, "invited", now)
        invited.append(who)
    return Invited(invited, skipped)
