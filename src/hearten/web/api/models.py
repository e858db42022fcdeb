"""API tokens and the stored answers of imports sent with an ``Idempotency-Key``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from hearten.trials.models import Trial


class Scope(models.TextChoices):
    """What a token may do: read the trial's status, flow, results and dataset, or import
    rosters and HR extracts. A token has one scope; an import token reads nothing."""

    READ = "read", "read"
    IMPORT = "import", "import"


class ApiToken(models.Model):
    """One user's token for one trial (``hearten.web.api.tokens``). Only the SHA-256 of the
    secret is kept; ``prefix`` names the token in lists and the audit log. ``window_start``
    and ``window_count`` count this minute's requests, for the rate limit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    name = models.CharField(max_length=100, blank=True, help_text="what the token is for")
    prefix = models.CharField(max_length=16, unique=True)
    secret_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="the maker's clock")
    created_by = models.CharField(max_length=150, help_text="who made it (a user or a command)")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.prefix


class IdempotentImport(models.Model):
    """The first answer to an import sent with an ``Idempotency-Key``: the same key with the
    same request gets this answer again; with another request, a conflict."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="imports")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    answer: models.JSONField[dict[str, Any]] = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_import_unique_key"),
        ]
