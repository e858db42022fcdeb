"""Survey waves, personal invitations and the responses they collect."""

from __future__ import annotations

from typing import Any

from django.db import models

from hearten.trials.models import Participant, Trial


class Wave(models.Model):
    """One round of a survey (e.g. baseline, follow-up): its instruments, one page each (the
    main ``instrument`` first), when it opens and closes, and its reminder days."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="waves")
    name = models.SlugField(max_length=40)
    instrument = models.CharField(max_length=40)
    pages: models.JSONField[list[str]] = models.JSONField(default=list)
    position = models.PositiveSmallIntegerField()
    opens_on = models.DateField(null=True, blank=True)
    closes_on = models.DateField(null=True, blank=True)
    reminder_days: models.JSONField[list[int]] = models.JSONField(default=list)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["trial", "name"], name="wave_unique")]

    def __str__(self) -> str:
        return f"{self.trial.slug}/{self.name}"


class Invitation(models.Model):
    """A participant's personal, unguessable link to one wave."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="the link stopped working")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "participant"], name="invitation_once"),
        ]


class Response(models.Model):
    """One page of answers (one instrument) for an invitation; one per page, so a double
    submit or a second device updates it rather than adding another."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="responses")
    instrument = models.CharField(max_length=40)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    answers: models.JSONField[dict[str, Any]] = models.JSONField()
    scores: models.JSONField[dict[str, Any]] = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "instrument"], name="response_once"),
        ]


class Receipt(models.Model):
    """The idempotency key of one page submission, kept once it is stored.

    Every survey page carries a fresh key; a browser that sends the same form again (a retry
    after a lost connection, a double click) sends the same key and is answered from this
    receipt without writing anything, so a late retry never overwrites a newer edit of the
    page. Holds no answers and no identifiers; deleted with its invitation.
    """

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="receipts")
    key = models.CharField(max_length=64)
    instrument = models.CharField(max_length=40)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "key"], name="receipt_once"),
        ]


class MessageStatus(models.TextChoices):
    """Where an e-mail is: waiting (perhaps to be tried again), claimed by a worker, sent, no
    longer wanted, or given up on (sent again when the server answers, or on request)."""

    PENDING = "pending", "waiting"
    SENDING = "sending", "being sent"
    SENT = "sent", "sent"
    SKIPPED = "skipped", "not wanted any more"
    FAILED = "failed", "failed"


class MailFailure(models.TextChoices):
    """Why the last try of an e-mail failed: the server could not be reached or did not take
    mail for a while (tried again with waits that double), or it refused this message."""

    UNREACHABLE = "unreachable", "the mail server could not be reached"
    REFUSED = "refused", "the mail server refused it"


class Message(models.Model):
    """An e-mail due to a participant: a survey invitation or reminder (``invitation``), or a
    goals-programme invitation or module reminder (``enrolment``).

    One per invitation and kind, so scheduling twice sends once. ``status`` moves from
    ``pending`` to ``sending`` (claimed by a worker) to ``sent``, or to ``skipped`` when it
    is no longer wanted (answered, withdrawn, declined, closed, no address). A send that
    fails goes back to ``pending`` with ``retry_at`` set, and to ``failed`` once it has failed
    for longer than the configured retry period or was refused (:mod:`hearten.surveys.mail`).
    """

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    enrolment = models.ForeignKey(
        "interventions.Enrolment",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=20)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="not tried again before this (after a failed send)"
    )
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="the first of the failed tries since the last success"
    )
    failure = models.CharField(max_length=12, choices=MailFailure.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "kind"], name="message_once"),
            models.UniqueConstraint(fields=["enrolment", "kind"], name="programme_message_once"),
        ]
