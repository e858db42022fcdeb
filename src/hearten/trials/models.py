"""The trial's own concepts, stored.

Participants are pseudonymous: the HR staff number and e-mail address are held apart in
:class:`IdentityKey`, which no analysis dataset or export reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from hearten.trials.choices import (
    Consent,
    HarmKind,
    HarmSource,
    Role,
    TrialStatus,
    Unit,
    WithdrawalReason,
)


class Trial(models.Model):
    """A randomised trial. ``design`` keeps the validated design file as JSON."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    strata = models.CharField(
        max_length=20, blank=True, help_text="what randomisation is stratified by ('site' or '')"
    )
    status = models.CharField(
        max_length=20, choices=TrialStatus.choices, default=TrialStatus.ENROLLING
    )
    design: models.JSONField[dict[str, Any]] = models.JSONField()
    evaluators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="evaluated_trials"
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="the creator's clock")
    delivery_opened_at = models.DateTimeField(
        null=True, blank=True, help_text="when delivery staff may see who receives what"
    )
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="when its identifiable data were purged"
    )

    def __str__(self) -> str:
        return self.slug

    @property
    def control_arm(self) -> Arm:
        return self.arms.get(is_control=True)


class Arm(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms")
    name = models.SlugField(max_length=40)
    label = models.CharField(max_length=120)
    ratio = models.PositiveSmallIntegerField(default=1)
    is_control = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "name"], name="arm_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """An employer taking part, e.g. a local authority."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(max_length=80)
    name = models.CharField(max_length=120, blank=True, help_text="shown to people; else code")

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["trial", "code"], name="site_unique")]

    def __str__(self) -> str:
        return self.code


class _SiteUnit(models.Model):
    """A unit inside a site that can be randomised: a team or an office."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="%(class)ss")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="%(class)ss")
    code = models.CharField(max_length=80)
    name = models.CharField(max_length=120, blank=True, help_text="shown to people; else code")

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "code"], name="%(class)s_unique"),
        ]

    def __str__(self) -> str:
        return self.code


class Team(_SiteUnit):
    pass


class Office(_SiteUnit):
    pass


class Participant(models.Model):
    """A member of staff in a trial, known by a pseudonym."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="participants")
    pseudonym = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.RESTRICT, related_name="participants")
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="participants")
    office = models.ForeignKey(
        Office, on_delete=models.RESTRICT, null=True, blank=True, related_name="participants"
    )
    role = models.CharField(max_length=80)
    fte = models.DecimalField(max_digits=4, decimal_places=2)
    start_date = models.DateField()
    caseload = models.PositiveSmallIntegerField(null=True, blank=True)
    consent = models.CharField(max_length=20, choices=Consent.choices, default=Consent.PENDING)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_version = models.PositiveSmallIntegerField(
        default=1, help_text="the information sheet version their consent answer was given for"
    )
    late = models.BooleanField(default=False, help_text="joined after randomisation")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(
        max_length=20, choices=WithdrawalReason.choices, blank=True
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="when their data were erased at their withdrawal"
    )

    class Meta:
        ordering = ["pseudonym"]

    def __str__(self) -> str:
        return self.pseudonym


class ConsentRecord(models.Model):
    """One answer to one consent statement (``surveys``, ``hr``, ``interview``): what was
    agreed or refused, under which version of the information sheet, and when. Append-only:
    a later answer adds a record; the latest per statement is the one that stands."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="consent_records"
    )
    statement = models.CharField(max_length=20)
    agreed = models.BooleanField()
    version = models.PositiveSmallIntegerField()
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["statement", "agreed"], name="consent_statement")]


class HarmReport(models.Model):
    """One entry of the trial's harms and concerns log: a harm or unintended effect the
    evaluator learnt of, or a concern a participant raised through the study's contact route.
    ``participant`` is optional (a concern may be anonymous); the report counts entries by the
    arm of the person concerned (CONSORT 2025: harms in each group)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="harms")
    participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="harms"
    )
    kind = models.CharField(max_length=10, choices=HarmKind.choices)
    source = models.CharField(max_length=12, choices=HarmSource.choices)
    serious = models.BooleanField(default=False)
    description = models.TextField()
    reported_at = models.DateTimeField()

    class Meta:
        ordering = ["reported_at", "id"]


class IdentityKey(models.Model):
    """The link from a pseudonym to the person's HR identity, held apart and never exported."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="identity"
    )
    staff_id = models.CharField(max_length=80)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=120, blank=True)
    preferred_name = models.CharField(
        max_length=60, blank=True, help_text="the first name a letter greets them by"
    )
    address = models.CharField(max_length=300, blank=True, help_text="lines separated by ';'")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "staff_id"], name="identity_unique"),
        ]


class SeedCommitment(models.Model):
    """A seed fixed, and published only as a hash, before randomisation (commit–reveal).

    ``commitment`` is SHA-256 of ``hearten-seed:v1:{slug}:{seed}:{salt}:{roster_sha256}``;
    the seed and salt stay unpublished until the trial is randomised, and ``snapshot`` is
    the roster of units the commitment covers (``roster_sha256`` is its hash).
    """

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="commitment")
    seed = models.BigIntegerField()
    salt = models.CharField(max_length=32)
    roster_sha256 = models.CharField(max_length=64)
    snapshot: models.JSONField[dict[str, Any]] = models.JSONField()
    commitment = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, help_text="the committer's clock")


class Allocation(models.Model):
    """A trial's randomisation: made once, never re-drawn.

    ``snapshot`` is the roster of units it drew over (``roster_sha256`` its hash), so that
    anyone can re-derive it from the seed.
    """

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="allocation")
    seed = models.BigIntegerField()
    scheme = models.CharField(max_length=40)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    parameters: models.JSONField[dict[str, Any]] = models.JSONField()
    software_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)  # frozen (audit.ALLOCATION_FROZEN)
    snapshot: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    roster_sha256 = models.CharField(max_length=64, blank=True)
    commitment = models.OneToOneField(
        SeedCommitment, on_delete=models.RESTRICT, null=True, blank=True
    )

    @property
    def randomised_on(self) -> date:
        """The day of randomisation in the trial's time zone (``TIME_ZONE``), as the run's
        ``today``, the roster's day and the HR records are: ``created_at.date()`` would be
        the UTC day, a day early for a randomisation between midnight and 1 a.m. in summer."""
        return timezone.localdate(self.created_at)


class AllocatedUnit(models.Model):
    """One randomised unit (a person, team or office), its stratum, arm and probability.

    Units randomised at the start have ``method`` ``initial``; late joiners carry their
    scheme, their place in the order of joining (``sequence``) and the factor levels
    minimisation used, so the allocation can be replayed.
    """

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="units")
    unit_key = models.CharField(max_length=80)
    stratum = models.CharField(max_length=80)
    arm = models.ForeignKey(Arm, on_delete=models.RESTRICT, related_name="units")
    probability = models.FloatField()
    method = models.CharField(max_length=20, default="initial")
    sequence = models.PositiveIntegerField(null=True, blank=True)
    factors: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)

    class Meta:
        ordering = ["stratum", "unit_key"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "unit_key"], name="unit_once"),
        ]


class DiscardPermit(models.Model):
    """Leave for one trial's allocation to be deleted with the trial: an allocation and its
    units are otherwise never deleted (a trigger, :func:`hearten.trials.audit.allocation_kept_sql`).
    :func:`hearten.trials.lifecycle.discard_trial` writes it, deletes the trial and removes it
    in one transaction, after recording the discard in the audit log; so a permit is never
    seen outside that transaction. ``trial_id`` is a plain number, not a key: the permit must
    outlive the trial's row within the transaction."""

    trial_id = models.BigIntegerField(unique=True)


class TrialRole(models.Model):
    """A person who helps deliver a trial: a coordinator, or a letter writer for their teams.

    What each sees of the allocation is decided in :mod:`hearten.trials.concealment`.
    """

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trial_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    teams = models.ManyToManyField(Team, blank=True, related_name="roles")
    sites = models.ManyToManyField(
        Site, blank=True, related_name="roles", help_text="a site coordinator's sites"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trial", "user", "role"], name="role_once"),
        ]


class AuditEvent(models.Model):
    """An append-only, hash-chained record of an action that matters to integrity.

    ``digest`` is the SHA-256 of the previous event's digest and this event's canonical
    JSON, so editing or deleting any past event breaks every digest after it
    (:func:`hearten.trials.audit.verify_chain` checks this).
    """

    trial = models.ForeignKey(
        Trial, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    trial_slug = models.CharField(max_length=60)
    at = models.DateTimeField()
    action = models.CharField(max_length=40)
    detail: models.JSONField[dict[str, Any]] = models.JSONField()
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
