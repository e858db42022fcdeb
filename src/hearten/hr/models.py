"""HR records, held against pseudonymous participants (never the HR staff number)."""

from __future__ import annotations

from django.db import models

from hearten.trials.models import Participant, Team, Trial


class AbsenceSpell(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField()
    ends_on = models.DateField()
    fte = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=80, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "starts_on"], name="absence_once")
        ]


class Leaver(models.Model):
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="leaving"
    )
    left_on = models.DateField()
    reason = models.CharField(max_length=80, blank=True)


class ContractChange(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="contract_changes"
    )
    changed_on = models.DateField()
    fte = models.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "changed_on"], name="contract_once")
        ]


class CaseloadSnapshot(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="caseloads")
    taken_on = models.DateField()
    caseload = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "taken_on"], name="caseload_once")
        ]


class Supervision(models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="supervisions"
    )
    held_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "held_on"], name="supervision_once")
        ]


class TeamRate(models.Model):
    """A team's vacancy and agency-worker rates in a month (shares, 0 to 1)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="team_rates")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="rates")
    month = models.DateField()
    vacancy_rate = models.FloatField()
    agency_rate = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "month"], name="team_rate_once")]
