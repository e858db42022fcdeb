"""The outbox: due e-mails are claimed, checked, sent and retried, whatever they are about.

Every e-mail is a :class:`~hearten.messaging.models.Message` made by the app it is about
(survey invitations and reminders by ``surveys.mail``, the goals programme's by
``interventions.programme_mail``), one per row and kind, so scheduling twice sends once.
``hearten worker`` sweeps for messages that are due and runs each as a Django task (database
backend); the task claims its message (``pending`` → ``sending``), asks the app that made it
whether it is still wanted (:mod:`hearten.messaging.purposes`), sends it over SMTP and marks it
``sent``. One no longer wanted, or for someone without an address, is ``skipped`` with the
reason.

If the worker dies between handing a message to the SMTP server and marking it sent, the
message is claimed again after ``STALE_AFTER`` and sent again: at least once, never lost.
Each message keeps one ``Message-ID`` header, so mail systems that remove duplicates by it
(most do) show it once.

When the server cannot be reached (or does not take mail for a while), the message waits and
is tried again after one minute, then two, four, ... up to an hour between tries, for
``HEARTEN_MAIL_RETRY_HOURS`` from its first failure; after that it is ``failed``. A message
the server refused outright (the address, or the message) is ``failed`` at once. Each failure
is one line in the log, never a traceback. Every sweep that finds messages waiting on an
unreachable server first asks the server whether it answers: once it does, those messages
and the ones that failed for the same reason go at once. ``hearten worker --retry-failed``
(:func:`retry_failed`) sends every failed message again, refused ones included.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import task

from hearten.messaging.models import MailFailure, Message, MessageStatus
from hearten.messaging.purposes import Draft, purpose_of
from hearten.messaging.stops import STOPPED, mail_stopped
from hearten.trials.models import IdentityKey

STALE_AFTER = timedelta(minutes=10)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)

log = logging.getLogger(__name__)


def wait_after(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th failed try: one minute, doubling,
    at most an hour."""
    doubled: timedelta = FIRST_WAIT * 2 ** min(max(attempts - 1, 0), 16)
    return min(doubled, LONGEST_WAIT)


def server_answers() -> bool:
    """Whether the mail server takes a connection now (and a login, where one is set)."""
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
        connection.close()
    except (OSError, smtplib.SMTPException):
        return False
    return True


def _revive_if_server_answers(moment: datetime) -> int:
    """Messages waiting on an unreachable server, or failed because of one, become due now
    if the server answers; returns how many."""
    waiting = Message.objects.filter(
        Q(status=MessageStatus.PENDING, retry_at__gt=moment)
        | Q(status=MessageStatus.FAILED, failure=MailFailure.UNREACHABLE)
    )
    if not waiting.exists() or not server_answers():
        return 0
    return waiting.update(status=MessageStatus.PENDING, retry_at=None)


def retry_failed() -> int:
    """Every failed message (unreachable server or refused) is tried again at the next
    sweep, with a fresh retry period; returns how many."""
    return Message.objects.filter(status=MessageStatus.FAILED).update(
        status=MessageStatus.PENDING, retry_at=None, failing_since=None
    )


def sweep(now: datetime) -> int:
    """Enqueue a task for every message that is due at ``now`` (the caller's clock: the
    worker's round), or stuck mid-send; returns how many."""
    stale = now - STALE_AFTER
    Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=stale).update(
        status=MessageStatus.PENDING
    )
    _revive_if_server_answers(now)
    with transaction.atomic():
        due = list(
            Message.objects.filter(status=MessageStatus.PENDING, due_at__lte=now)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .values_list("pk", flat=True)
        )
    for pk in due:
        send_message.enqueue(pk)
    return len(due)


@dataclass(frozen=True, slots=True)
class MailStatus:
    """The e-mails of one trial (or all trials) by where they are, for the evaluator."""

    sent: int
    waiting: int
    retrying: int
    failed: int
    skipped: int
    failing_since: datetime | None
    last_error: str

    def summary(self) -> str:
        """One or two sentences for the worker's output and the staff page."""
        text = (
            f"{self.sent} sent, {self.waiting} waiting, {self.skipped} not wanted any more, "
            f"{self.failed} failed."
        )
        if self.retrying:
            since = timezone.localtime(self.failing_since) if self.failing_since else None
            text += (
                f" {self.retrying} could not be sent"
                + (f" since {since:%d %b %Y %H:%M}" if since else "")
                + f" and will be tried again ({self.last_error})."
            )
        if self.failed:
            text += (
                " Failed e-mails go again when the mail server answers again, or with "
                "hearten worker --retry-failed."
            )
        return text


def mail_status(trial_id: int | None = None) -> MailStatus:
    """Counts of the e-mails of trial ``trial_id`` (every trial if ``None``) by status."""
    rows = Message.objects.all()
    if trial_id is not None:
        rows = rows.filter(participant__trial_id=trial_id)
    counts = dict(rows.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    retrying = rows.filter(status=MessageStatus.PENDING, failing_since__isnull=False)
    troubled = rows.filter(failing_since__isnull=False).exclude(note="").order_by("-retry_at")
    first = retrying.order_by("failing_since").values_list("failing_since", flat=True).first()
    return MailStatus(
        sent=counts.get(MessageStatus.SENT, 0),
        waiting=counts.get(MessageStatus.PENDING, 0) + counts.get(MessageStatus.SENDING, 0),
        retrying=retrying.count(),
        failed=counts.get(MessageStatus.FAILED, 0),
        skipped=counts.get(MessageStatus.SKIPPED, 0),
        failing_since=first,
        last_error=troubled.values_list("note", flat=True).first() or "",
    )


def _headers(message: Message, draft: Draft) -> dict[str, str]:
    """``Message-ID`` (one per message, kept across tries), ``List-Unsubscribe`` (the person's
    one-click "no more e-mails" address with ``List-Unsubscribe-Post`` as RFC 8058 asks, or,
    for a message without one, the leave-the-study page) and ``Reply-To`` (the study's
    contact, where it has an e-mail)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "hearten"
    headers = {
        "Message-ID": f"<hearten-message-{message.pk}@{domain}>",
        "List-Unsubscribe": f"<{draft.stop or draft.leave}>",
    }
    if draft.stop:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if draft.reply_to:
        headers["Reply-To"] = draft.reply_to
    return headers


REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def _failed(message: Message, exc: Exception, now: datetime) -> str:
    """Record a failed try at ``now`` (the send task's one reading of the clock; module
    docstring) and log it in one line; returns what happened."""
    attempts = message.attempts + 1
    refused = isinstance(exc, REFUSALS) and not (
        isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code < 500
    )
    since = message.failing_since or now
    window = timedelta(hours=settings.HEARTEN.mail_retry_hours)
    gave_up = refused or now - since >= window
    error = f"{type(exc).__name__}: {exc}"[:200]
    retry_at = None if gave_up else now + wait_after(attempts)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED if gave_up else MessageStatus.PENDING,
        attempts=attempts,
        note=error,
        retry_at=retry_at,
        failing_since=since,
        failure=MailFailure.REFUSED if refused else MailFailure.UNREACHABLE,
    )
    then = "failed" if retry_at is None else f"next try {timezone.localtime(retry_at):%H:%M:%S}"
    log.warning("e-mail %s (%s) not sent, try %s: %s; %s", message.pk, message.kind,
                attempts, error, then)  # fmt: skip
    return f"not sent: {error}; {then}"


def _skip(message_id: int, reason: str) -> str:
    Message.objects.filter(pk=message_id).update(
        status=MessageStatus.SKIPPED, note=reason, retry_at=None
    )
    return f"skipped: {reason}"


@task()
def send_message(message_id: int) -> str:
    """Claim, check and send one message (module docstring); returns what happened."""
    now = timezone.now()  # the task is the edge: the one reading of the clock, for the claim,
    # the checks, the draft, a failure and the time it was sent
    with transaction.atomic():
        claimed = Message.objects.filter(pk=message_id, status=MessageStatus.PENDING).update(
            status=MessageStatus.SENDING, claimed_at=now
        )
    if not claimed:
        return "not pending"
    message = Message.objects.get(pk=message_id)
    purpose = purpose_of(message)
    if purpose is None:  # the app that made it is not installed any more
        return _skip(message_id, "nothing writes this e-mail")
    reason = purpose.unwanted(message, now)
    email = (
        IdentityKey.objects.filter(participant_id=message.participant_id)
        .values_list("email", flat=True)
        .first()
    )
    if reason is None and not email:
        reason = "no e-mail address"
    if reason is None and mail_stopped(message.participant_id):
        reason = STOPPED
    if reason is not None:
        return _skip(message_id, reason)
    draft = purpose.draft(message, now)
    mail = EmailMessage(
        draft.subject, draft.body, settings.DEFAULT_FROM_EMAIL, [str(email)],
        headers=_headers(message, draft),
    )  # fmt: skip
    try:
        mail.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as exc:  # tried again later (module docstring)
        return _failed(message, exc, now)
    Message.objects.filter(pk=message_id).update(
        status=MessageStatus.SENT, sent_at=now, attempts=message.attempts + 1,
        note="", retry_at=None, failing_since=None, failure="",
    )  # fmt: skip
    purpose.sent(message, now)
    return "sent"
