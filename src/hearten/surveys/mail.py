"""Survey e-mails: the invitation when a wave opens, reminders on its schedule, and the
receipt of a consent.

Every e-mail is a :class:`~hearten.messaging.models.Message` about an invitation, made when the
wave opens (one per invitation and kind, so opening twice schedules once) and sent by the
outbox (:mod:`hearten.messaging.outbox`: the worker, retries, the mail status). This module
says what they are and when they are no longer wanted: none goes after the survey is complete,
after withdrawal or a refusal, once the wave has closed, or to someone without an address
(``skipped``, with the reason); a consent receipt goes whatever else has happened since, unless
the person has withdrawn. Their kinds are :class:`~hearten.surveys.mail_kinds.SurveyKind`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from hearten.messaging.models import Message

# Tasks queued before e-mails moved to hearten.messaging name the task by this path.
from hearten.messaging.outbox import send_message  # noqa: F401
from hearten.messaging.purposes import Draft, queue
from hearten.surveys.mail_kinds import INVITATION, SurveyKind, SurveyMailKind, receipt, reminder
from hearten.surveys.models import Invitation, Wave
from hearten.surveys.study import Study, study_of
from hearten.surveys.survey_time import survey_estimate
from hearten.trials.choices import Consent
from hearten.trials.questions import question_pages


def schedule(wave: Wave, now: datetime) -> int:
    """Make the invitation and reminder messages for every invitation of an open wave, due
    from its opening (``now``, the caller's clock, if it has none yet)."""
    opened = wave.opened_at or now
    kinds = [(INVITATION, opened)] + [
        (reminder(n), opened + timedelta(days=day))
        for n, day in enumerate(wave.reminder_days or [], start=1)
    ]
    rows = [
        (pk, person, kind, due)
        for pk, person in wave.invitations.values_list("pk", "participant_id")
        for kind, due in kinds
    ]
    return len(queue(Invitation, rows))


def schedule_receipt(invitation: Invitation, now: datetime) -> None:
    """An e-mail receipt of the consent just given, due at once (``now``, the caller's clock;
    sent where there is an address; one per information-sheet version)."""
    version = invitation.participant.trial.design.get("participants", {}).get("consent_version", 1)
    queue(
        Invitation,
        [(invitation.pk, invitation.participant_id, receipt(version), now)],
    )


def _invitation(message: Message) -> Invitation:
    """The invitation ``message`` is about, with its participant, wave and trial."""
    return Invitation.objects.select_related("participant", "wave__trial").get(pk=message.object_id)


def _unwanted(message: Message, now: datetime) -> str | None:
    """Why a survey message should not go any more at ``now``, or ``None``."""
    inv = _invitation(message)
    p = inv.participant
    from hearten.surveys.services import is_closed, link_dead

    dead = link_dead(inv.wave.trial, inv.revoked_at, now)
    if dead:
        return f"link {dead}"
    if SurveyKind.parse(message.kind).what is SurveyMailKind.RECEIPT:  # whatever else happened
        return "withdrawn" if p.withdrawn_at is not None else None
    if inv.completed_at is not None:
        return "survey complete"
    if p.withdrawn_at is not None:
        return "withdrawn"
    if p.consent == Consent.DECLINED:
        return "declined"
    if is_closed(inv.wave, now):
        return "wave closed"
    return None


def footer(study: Study, prefix: str) -> str:
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


def _receipt_body(inv: Invitation, link: str, now: datetime) -> tuple[str, str]:
    """The receipt of the consent that stands: each statement's answer and when the latest was
    given. Someone who consented before answers were recorded one by one (trials migration
    0007) has none: the time is then ``now``, the send's clock."""
    study = study_of(inv.wave.trial)
    from hearten.trials.consent import standing

    records = standing(inv.participant)
    said = "\n".join(
        f"- {'Yes' if r.agreed else 'No'}: {text}"
        for s, text in study.statements
        if (r := records.get(s)) is not None
    )
    when = max((r.recorded_at for r in records.values()), default=now)
    local = timezone.localtime(when)
    body = (
        f"This is your record of agreeing to take part in {study.title}, on "
        f"{local.day} {local:%B %Y at %H:%M}, having been given information sheet version "
        f"{study.consent_version}.\n\n{said}\n\n"
        f"You can change your mind at any time. Your link:\n\n{link}\n" + footer(study, link)
    )
    return f"{study.title}: your consent record", body


def _body(message: Message, inv: Invitation, link: str, now: datetime) -> tuple[str, str]:
    kind = SurveyKind.parse(message.kind)
    if kind.what is SurveyMailKind.RECEIPT:
        return _receipt_body(inv, link, now)
    study = study_of(inv.wave.trial)
    minutes = survey_estimate(
        study,
        inv.wave.pages or [inv.wave.instrument],
        question_pages(inv.wave.trial.design),
        closes_on=inv.wave.closes_on,
        consent=inv.participant.consent != Consent.CONSENTED,
    ).minutes
    first = kind == INVITATION
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
        "contacted again. This link is personal: please do not forward it.\n" + footer(study, link)
    )
    return subject, body


class SurveyMail:
    """How survey messages are written (:class:`hearten.messaging.purposes.Purpose`)."""

    def kind(self, stored: str) -> SurveyKind:
        return SurveyKind.parse(stored)

    def unwanted(self, message: Message, now: datetime) -> str | None:
        return _unwanted(message, now)

    def draft(self, message: Message, now: datetime) -> Draft:
        inv = _invitation(message)
        link = f"{settings.HEARTEN.base_url}/s/{inv.token}/"
        subject, body = _body(message, inv, link, now)
        return Draft(
            subject,
            body,
            f"{link}leave-study/",
            study_of(inv.wave.trial).email or "",
            stop=f"{link}stop-emails/",
        )

    def sent(self, message: Message, now: datetime) -> None:
        pass
