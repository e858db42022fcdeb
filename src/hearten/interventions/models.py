"""What was delivered to whom, and when: letters, programme engagement, perks, and costs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from hearten.trials.models import Office, Participant, Team, Trial


class LetterPlan(models.Model):
    """A trial's letters: which arm gets them, who signs, and the fixed wording.

    ``template`` has merge fields ``{name}``, ``{team}``, ``{lines}`` (the manager's own
    words), ``{writer}``, ``{signatory}`` and ``{signatory_title}``.
    """

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="letter_plan")
    arm = models.CharField(max_length=40)
    signatory = models.CharField(max_length=120)
    signatory_title = models.CharField(max_length=160)
    template = models.TextField()


class Letter(models.Model):
    """One recognition letter, its personalisation check, and its delivery log."""

    STATUSES = ("draft", "approved", "printed", "posted", "emailed", "stopped")

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="letters")
    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="letter")
    writer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    lines = models.TextField()
    score = models.PositiveSmallIntegerField(default=0)
    problems: models.JSONField[list[str]] = models.JSONField(default=list)
    status = models.CharField(max_length=10, default="draft")
    written_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)


class Enrolment(models.Model):
    """A participant's place on the goals programme: a personal link and a start date."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="enrolments")
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="enrolment"
    )
    token = models.CharField(max_length=64, unique=True)
    starts_on = models.DateField()
    opted_out_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="the link stopped working")


class ModuleWork(models.Model):
    """What a participant wrote in one module (private to them), and when they finished it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="work")
    module = models.PositiveSmallIntegerField()
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="module_work_once")
        ]


class EngagementEvent(models.Model):
    """One thing that happened on the programme, for the uptake funnel and CACE."""

    KINDS = (
        "invited",
        "opened",
        "module-started",
        "module-completed",
        "goal-set",
        "reminder-sent",
        "reminder-clicked",
        "opted-out",
    )

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    module = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)


class PerkDeployment(models.Model):
    """A perk at an office or team (e.g. a coffee machine with a thank-you note)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="perks")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True)
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)


class PerkInterruption(models.Model):
    """Days a perk was not there (an office closed, a machine broken)."""

    deployment = models.ForeignKey(
        PerkDeployment, on_delete=models.CASCADE, related_name="interruptions"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200)


class CostItem(models.Model):
    """A cost of delivering an arm: materials, or staff time at an hourly rate."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="costs")
    arm = models.CharField(max_length=40)
    item = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    minutes = models.PositiveIntegerField(default=0)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    @property
    def total(self) -> float:
        return float(self.amount) + self.minutes / 60 * float(self.hourly_rate)
