"""The e-mails due to participants, whatever they are about."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from hearten.trials.models import Participant


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
    """An e-mail due to ``participant`` about one row of an app above this one (``about``):
    a survey invitation (``surveys.Invitation``: the invitation, reminders, the consent
    receipt) or a goals-programme place (``interventions.Enrolment``: the programme's
    invitation and module reminders). Those apps hold a ``GenericRelation`` back to their
    messages, so ``Message.objects.filter(invitation__wave=...)`` and deleting an invitation
    with its messages work as with a foreign key, while this app never imports them.

    One per row and ``kind`` (the text of a kind the app declares and its registered purpose
    reads back: :mod:`hearten.messaging.purposes`), so scheduling twice sends once. ``status``
    moves from ``pending`` to ``sending`` (claimed by a worker) to ``sent``, or to ``skipped``
    when it is no longer wanted (answered, withdrawn, declined, closed, no address). A send that
    fails goes back to ``pending`` with ``retry_at`` set, and to ``failed`` once it has failed
    for longer than the configured retry period or was refused (:mod:`hearten.messaging.outbox`).
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="messages")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    about = GenericForeignKey("content_type", "object_id")
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
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"], name="message_once"
            ),
        ]


class MailStop(models.Model):
    """A participant who asked for no more e-mails (the one-click ``List-Unsubscribe`` of
    RFC 8058, or its page): nothing more is sent to them. It is not leaving the study: they
    still take part, may open their links, and may leave from the leave page."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="mail_stop"
    )
    at = models.DateTimeField()
