"""Stored analysis runs, so a report always shows exactly what was computed."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from hearten.trials.models import Trial


class AnalysisRun(models.Model):
    """One run of a trial's analysis plan; ``result`` is the JSON the report renders."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="analysis_runs")
    created_at = models.DateTimeField(default=timezone.now, help_text="the run's clock")
    software_version = models.CharField(max_length=40)
    dataset_sha256 = models.CharField(max_length=64)
    result: models.JSONField[dict[str, Any]] = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]


class PlanVersion(models.Model):
    """A version of a trial's analysis plan, frozen by ``hearten trial lock-plan``.

    Version 1 is the locked plan; each later version is an amendment with its ``reason``.
    ``design`` is the whole design the version stands for and ``sha256`` its digest
    (:func:`hearten.analysis.plan.plan_sha256`). ``after_unblinding`` records that an analysis
    of outcome data had been run before the amendment was made.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    design: models.JSONField[dict[str, Any]] = models.JSONField()
    sha256 = models.CharField(max_length=64)
    reason = models.TextField(blank=True)
    after_unblinding = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, help_text="the locker's clock")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "number"], name="plan_version_unique"),
        ]
