"""Survey e-mails: the invitation when a wave opens and reminders on its schedule.

Every e-mail is a :class:`Message` row made when the wave opens (one per invitation and
kind, so opening twice schedules once). ``hearten worker`` sweeps for messages that are due
and runs each as a Django task (database backend); the task claims its message
(``pending`` → ``sending``), checks it is still wanted, sends it over SMTP and marks it
``sent``. None goes after the survey is complete, after withdrawal or a refusal, once the wave
has closed, or to someone without an address (``skipped``, with the reason).

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
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tasks import task

from hearten.surveys.models import Invitation, MailFailure, Message, MessageStatus, Wave
from hearten.surveys.study import Study, study_of
from hearten.surveys.survey_time import survey_estimate
from hearten.trials.choices import Consent
from hearten.trials.models import IdentityKey
from hearten.trials.questions import question_pages

STALE_AFTER = timedelta(minutes=10)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
INVITATION = "invitation"

log = logging.getLogger(__name__)


def schedule(wave: Wave) -> int:
    """Make the invitation and reminder messages for every invitation of an open wave."""
    opened = wave.opened_at or timezone.now()
    kinds = [(INVITATION, opened)] + [
        (f"reminder-{n}", opened + timedelta(days=day))
        for n, day in enumerate(wave.reminder_days or [], start=1)
    ]
    rows = [
        Message(invitation_id=pk, kind=kind, due_at=due)
        for pk in wave.invitations.values_list("pk", flat=True)
        for kind, due in kinds
    ]
    return len(Message.objects.bulk_create(rows, ignore_conflicts=True))


RECEIPT = "consent-receipt"


def schedule_receipt(invitation: Invitation) -> None:
    """An e-mail receipt of the consent just given, due at once (sent where there is an
    address; one per information-sheet version)."""
    version = invitation.participant.trial.design.get("participants", {}).get("consent_version", 1)
    Message.objects.bulk_create(
        [Message(invitation=invitation, kind=f"{RECEIPT}-v{version}", due_at=timezone.now())],
        ignore_conflicts=True,
    )


def schedule_programme(enrolment_ids: list[int], starts_on: date, modules: int) -> int:
    """The goals programme's invitation (on the start day) and a reminder as each later
    module opens, at 9 am."""

    def at_nine(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(9, 0)))

    rows = [
        Message(enrolment_id=pk, kind="programme-1" if k == 1 else f"module-{k}",
                due_at=at_nine(starts_on + timedelta(days=7 * (k - 1))))
        for pk in enrolment_ids
        for k in range(1, modules + 1)
    ]  # fmt: skip
    return len(Message.objects.bulk_create(rows, ignore_conflicts=True))


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


def sweep(now: datetime | None = None) -> int:
    """Enqueue a task for every message that is due (or stuck mid-send); returns how many."""
    moment = now or timezone.now()
    stale = moment - STALE_AFTER
    Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=stale).update(
        status=MessageStatus.PENDING
    )
    _revive_if_server_answers(moment)
    with transaction.atomic():
        due = list(
            Message.objects.filter(status=MessageStatus.PENDING, due_at__lte=moment)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=moment))
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
        rows = rows.filter(Q(invitation__wave__trial_id=trial_id) | Q(enrolment__trial_id=trial_id))
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


def _unwanted_programme(message: Message) -> str | None:
    e = message.enrolment
    assert e is not None
    from hearten.surveys.services import link_dead

    dead = link_dead(e.trial, e.revoked_at)
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


def _modules(message: Message) -> int:
    """The programme's modules, as scheduled for this enrolment (one e-mail each: see
    :func:`schedule_programme`), so this module needs no knowledge of the programme."""
    return Message.objects.filter(
        Q(kind="programme-1") | Q(kind__startswith="module-"), enrolment=message.enrolment
    ).count()


def _unwanted(message: Message) -> str | None:
    """Why a message should not go any more, or ``None``."""
    if message.enrolment_id is not None:
        return _unwanted_programme(message)
    inv = message.invitation
    assert inv is not None
    p = inv.participant
    from hearten.surveys.services import is_closed, link_dead

    dead = link_dead(inv.wave.trial, inv.revoked_at)
    if dead:
        return f"link {dead}"
    if message.kind.startswith(RECEIPT):  # a receipt goes whatever else has happened since
        return "withdrawn" if p.withdrawn_at is not None else None
    if inv.completed_at is not None:
        return "survey complete"
    if p.withdrawn_at is not None:
        return "withdrawn"
    if p.consent == Consent.DECLINED:
        return "declined"
    if is_closed(inv.wave):
        return "wave closed"
    return None


def _footer(study: Study, prefix: str) -> str:
    """What closes every e-mail: who runs the study, the contact, the information sheet and
    privacy notice, how to raise a concern and how to leave, and where to get support."""
    support = "\n".join(
        f"- {line.name}{': ' + line.phone if line.phone else ''}" for line in study.support
    )
    contact = f"Questions or concerns: {study.contact}.\n" if study.contact else ""
    return (
        f"\n{study.title} is run by {study.runner}.\n{contact}"
        f"Information sheet: {prefix}information/\n"
        f"Privacy notice: {prefix}privacy/\n"
        f"Raise a concern: {prefix}concern/\n"
        f"Leave the study (no more e-mails): {prefix}leave-study/\n"
        + (f"\nIf you need support:\n{support}\n" if support else "")
    )


def _weeks(n: int) -> str:
    words = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return f"{words[n - 1] if 0 < n <= len(words) else n}-week"


def _programme_body(message: Message, link: str) -> tuple[str, str]:
    e = message.enrolment
    assert e is not None
    study = study_of(e.trial)
    first = message.kind == "programme-1"
    subject = (
        f"{study.title}: your {_weeks(_modules(message))} goals programme"
        if first
        else f"{study.title}: module {message.kind.removeprefix('module-')} is open"
    )
    opening = (
        "Your goals programme starts today: one short module a week, about ten minutes each."
        if first
        else "The next module of your goals programme is open."
    )
    body = (
        f"{opening}\n\n{link}\n\nWhat you write is private to you: nobody at work sees it. "
        "To stop the programme and these reminders, open the link and choose 'Stop the "
        "programme'.\n" + _footer(study, f"{settings.HEARTEN.base_url}/g/{e.token}/")
    )
    return subject, body


def _receipt_body(message: Message, link: str) -> tuple[str, str]:
    inv = message.invitation
    assert inv is not None
    study = study_of(inv.wave.trial)
    from hearten.trials.consent import standing

    records = standing(inv.participant)
    said = "\n".join(
        f"- {'Yes' if r.agreed else 'No'}: {text}"
        for s, text in study.statements
        if (r := records.get(s)) is not None
    )
    when = max((r.recorded_at for r in records.values()), default=timezone.now())
    local = timezone.localtime(when)
    body = (
        f"This is your record of agreeing to take part in {study.title}, on "
        f"{local.day} {local:%B %Y at %H:%M}, having been given information sheet version "
        f"{study.consent_version}.\n\n{said}\n\n"
        f"You can change your mind at any time. Your link:\n\n{link}\n" + _footer(study, link)
    )
    return f"{study.title}: your consent record", body


def _body(message: Message, link: str) -> tuple[str, str]:
    if message.enrolment_id is not None:
        return _programme_body(message, link)
    if message.kind.startswith(RECEIPT):
        return _receipt_body(message, link)
    inv = message.invitation
    assert inv is not None
    study = study_of(inv.wave.trial)
    minutes = survey_estimate(
        study,
        inv.wave.pages or [inv.wave.instrument],
        question_pages(inv.wave.trial.design),
        closes_on=inv.wave.closes_on,
        consent=inv.participant.consent != Consent.CONSENTED,
    ).minutes
    first = message.kind == INVITATION
    subject = f"{study.title}: {'a short survey' if first else 'a reminder about the survey'}"
    opening = (
        f"You are invited to answer a short survey for {study.title}, a study run by "
        f"{study.runner}."
        if first
        else f"A reminder: the {study.title} survey is still open for you."
    )
    closes = inv.wave.closes_on
    closing = f"The survey closes on {closes:%A} {closes.day} {closes:%B %Y}.\n\n" if closes else ""
    body = (
        f"{opening}\n\n"
        f"It takes about {minutes} minutes. Your answers are saved "
        "page by page, so you can stop and carry on later from this link, on any device:\n\n"
        f"{link}\n\n{closing}"
        "Taking part is voluntary and does not affect your job. Your manager and employer never "
        "see your answers: only the research team does, under a study code, not your name.\n\n"
        "If you do not want to take part, open the link and choose 'No'; you will not be "
        "contacted again. This link is personal: please do not forward it.\n" + _footer(study, link)
    )
    return subject, body


def _headers(message: Message, leave: str) -> dict[str, str]:
    """``Message-ID`` (one per message, kept across tries), ``List-Unsubscribe`` (the
    leave-the-study page) and ``Reply-To`` (the study's contact, where it has an e-mail)."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">") or "hearten"
    headers = {
        "Message-ID": f"<hearten-message-{message.pk}@{domain}>",
        "List-Unsubscribe": f"<{leave}>",
    }
    trial = message.invitation.wave.trial if message.invitation else message.enrolment.trial  # type: ignore[union-attr]
    reply = study_of(trial).email
    if reply:
        headers["Reply-To"] = reply
    return headers


REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def _failed(message: Message, exc: Exception) -> str:
    """Record a failed try (module docstring) and log it in one line; returns what happened."""
    now = timezone.now()
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


@task()
def send_message(message_id: int) -> str:
    """Claim, check and send one message (module docstring); returns what happened."""
    with transaction.atomic():
        claimed = Message.objects.filter(pk=message_id, status=MessageStatus.PENDING).update(
            status=MessageStatus.SENDING, claimed_at=timezone.now()
        )
    if not claimed:
        return "not pending"
    message = Message.objects.select_related(
        "invitation__participant", "invitation__wave__trial", "enrolment__participant",
        "enrolment__trial",
    ).get(pk=message_id)  # fmt: skip
    reason = _unwanted(message)
    person = message.invitation.participant if message.invitation else message.enrolment.participant  # type: ignore[union-attr]
    email = IdentityKey.objects.filter(participant=person).values_list("email", flat=True).first()
    if reason is None and not email:
        reason = "no e-mail address"
    if reason is not None:
        Message.objects.filter(pk=message_id).update(
            status=MessageStatus.SKIPPED, note=reason, retry_at=None
        )
        return f"skipped: {reason}"
    if message.invitation is not None:
        link = f"{settings.HEARTEN.base_url}/s/{message.invitation.token}/"
        leave = f"{link}leave-study/"
    else:
        assert message.enrolment is not None
        link = f"{settings.HEARTEN.base_url}/g/{message.enrolment.token}/?r={message.pk}"
        leave = f"{settings.HEARTEN.base_url}/g/{message.enrolment.token}/leave-study/"
    subject, body = _body(message, link)
    mail = EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [str(email)],
        headers=_headers(message, leave),
    )  # fmt: skip
    try:
        mail.send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as exc:  # tried again later (module docstring)
        return _failed(message, exc)
    Message.objects.filter(pk=message_id).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), attempts=message.attempts + 1,
        note="", retry_at=None, failing_since=None, failure="",
    )  # fmt: skip
    if message.enrolment is not None:
        message.enrolment.events.create(kind="reminder-sent")
    return "sent"
