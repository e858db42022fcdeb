"""Survey waves, personal invitations and the responses they collect."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils import timezone

from hearten.messaging.models import Message
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
    created_at = models.DateTimeField(default=timezone.now, help_text="the inviter's clock")
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="the link stopped working")
    #: Its e-mails (invitation, reminders, consent receipts): ``Message.objects.filter(
    #: invitation__wave=...)`` reads them, and they go with the invitation.
    messages = GenericRelation(Message, related_query_name="invitation")

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
