"""Stopping e-mails in one click (RFC 8058), without leaving the study.

A mail program's "unsubscribe" button sends ``POST`` with ``List-Unsubscribe=One-Click`` to
the address in the e-mail's ``List-Unsubscribe`` header, with no page in between and no way to
answer a question. Leaving the study cannot be that: the leave page asks what should happen to
the person's answers before it acts. So the header names the person's own "no more e-mails"
address instead (``/s/TOKEN/stop-emails/``): a ``POST`` there records a :class:`MailStop`, and
the outbox sends that person nothing more (each message skipped with the reason). They are
still in the study: their links work, and they can leave from the leave page. The address is
their personal link, so it names nobody and shows nothing but that e-mails have stopped.
"""

from __future__ import annotations

from datetime import datetime

from hearten.messaging.models import MailStop

#: Why a message to someone who stopped e-mails is skipped.
STOPPED = "the person asked for no more e-mails"


def stop_mail(participant_id: int, now: datetime) -> MailStop:
    """Record that the participant wants no more e-mails (``now``: the caller's clock); the
    first time counts, asking again changes nothing."""
    stop, _ = MailStop.objects.get_or_create(participant_id=participant_id, defaults={"at": now})
    return stop


def mail_stopped(participant_id: int) -> bool:
    """Whether the participant asked for no more e-mails."""
    return MailStop.objects.filter(participant_id=participant_id).exists()
