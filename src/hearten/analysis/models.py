"""Stored analysis runs, so a report always shows exactly what was computed."""

from __future__ import annotations

from typing import Any

from django.db import models

from hearten.trials.models import Trial


class AnalysisRun(models.Model):
    """One run of a trial's analysis plan; ``result`` is the JSON the report renders."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="analysis_runs")
    created_at = models.DateTimeField(auto_now_add=True)
    software_version = models.CharField(max_length=40)
    dataset_sha256 = models.CharField(max_length=64)
    result: models.JSONField[dict[str, Any]] = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]
