"""Survey waves, personal invitations and the responses they collect."""

from __future__ import annotations

from typing import Any

from django.db import models

from hearten.trials.models import Participant, Trial


class Wave(models.Model):
    """One round of a survey (e.g. baseline, follow-up) using one instrument."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="waves")
    name = models.SlugField(max_length=40)
    instrument = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField()

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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "participant"], name="invitation_once"),
        ]


class Response(models.Model):
    """A submitted answer set; one per invitation, so a resubmission cannot duplicate it."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    submitted_at = models.DateTimeField(auto_now_add=True)
    answers: models.JSONField[dict[str, Any]] = models.JSONField()
    scores: models.JSONField[dict[str, Any]] = models.JSONField()
