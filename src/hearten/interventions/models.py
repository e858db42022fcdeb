"""What was delivered to whom, and when: letters, programme engagement, perks, and costs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from hearten.interventions.personalisation import MAX_CHARACTERS
from hearten.messaging.models import Message
from hearten.trials.models import Office, Participant, Team, Trial


class LetterPlan(models.Model):
    """A trial's letters: which arm gets them, who signs, and the fixed wording.

    ``template`` has merge fields ``{name}``, ``{first_name}`` (the preferred name),
    ``{team}`` (its display name), ``{lines}`` (the manager's own words), ``{writer}``,
    ``{signatory}`` and ``{signatory_title}``.
    """

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="letter_plan")
    arm = models.CharField(max_length=40)
    signatory = models.CharField(max_length=120)
    signatory_title = models.CharField(max_length=160)
    template = models.TextField()
    deadline = models.DateField(
        null=True, blank=True, help_text="the date letters should be written by"
    )


class LetterStatus(models.TextChoices):
    """Where a recognition letter is: draft (fails a check), ready (passes, not sent),
    approved (sent for printing by its writer), printed, posted or emailed, stopped (its
    recipient withdrew), returned (to its writer by the evaluator's fidelity review, with a
    comment, to rewrite)."""

    DRAFT = "draft", "draft"
    READY = "ready", "ready"
    APPROVED = "approved", "approved"
    PRINTED = "printed", "printed"
    POSTED = "posted", "posted"
    EMAILED = "emailed", "emailed"
    STOPPED = "stopped", "stopped"
    RETURNED = "returned", "returned"


class Letter(models.Model):
    """One recognition letter, its personalisation check, and its delivery log."""

    #: Every status a letter can have, in order (:class:`LetterStatus`).
    STATUSES = tuple(LetterStatus.values)

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="letters")
    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="letter")
    writer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    lines = models.TextField()
    score = models.PositiveSmallIntegerField(default=0)
    problems: models.JSONField[list[str]] = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    written_at = models.DateTimeField(default=timezone.now, help_text="the writer's clock")
    updated_at = models.DateTimeField(default=timezone.now, help_text="the writer's clock")
    approved_at = models.DateTimeField(null=True, blank=True)
    printed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("lines"), MAX_CHARACTERS),
                name="letter_lines_length",
            ),
        ]


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
    #: Its e-mails (the programme's invitation and module reminders); they go with it.
    messages = GenericRelation(Message, related_query_name="enrolment")


class ModuleWork(models.Model):
    """What a participant wrote in one module (private to them), and when they finished it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="work")
    module = models.PositiveSmallIntegerField()
    answers: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now, help_text="the participant's clock")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="module_work_once")
        ]


class EngagementKind(models.TextChoices):
    """What happened on the goals programme (stored as the value)."""

    INVITED = "invited", "invited"
    OPENED = "opened", "opened the programme"
    MODULE_STARTED = "module-started", "started a module"
    MODULE_COMPLETED = "module-completed", "completed a module"
    GOAL_SET = "goal-set", "set a goal"
    REMINDER_SENT = "reminder-sent", "a reminder was sent"
    REMINDER_CLICKED = "reminder-clicked", "opened a reminder's link"
    OPTED_OUT = "opted-out", "stopped the programme"


class EngagementEvent(models.Model):
    """One thing that happened on the programme, for the uptake funnel and CACE; ``at`` is
    the clock of whoever wrote it (the page, the send task, the service's caller), never the
    database's time."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EngagementKind.choices)
    module = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(help_text="the writer's clock")


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


class CostPhase(models.TextChoices):
    """When a cost falls (the EEF's cost evaluation guidance)."""

    PREREQUISITE = "prerequisite", "prerequisite (already in place)"
    START_UP = "start-up", "start-up (once)"
    RECURRING = "recurring", "recurring"


class CostKind(models.TextChoices):
    """What was used up."""

    MATERIALS = "materials", "materials and equipment"
    STAFF = "staff", "staff time"
    PARTICIPANTS = "participants", "participants' time"


class CostDriver(models.TextChoices):
    """What an amount or a number of minutes is per: the quantity is read from the logs."""

    TOTAL = "total", "in total"
    LETTER = "letter", "per letter sent"
    MODULE = "module", "per programme module completed"
    PERK = "perk", "per perk deployed"
    PARTICIPANT = "participant", "per person randomised to the arm"


class MinutesFrom(models.TextChoices):
    """Where a cost item's staff minutes come from: entered by the evaluator, or (per letter
    sent) the letter writers' answers to the deliverer survey, read each time it is costed."""

    ENTERED = "entered", "entered with the cost"
    DELIVERER_SURVEY = "deliverer-survey", "the deliverer survey (letter writers' mean minutes)"


class CostItem(models.Model):
    """An ingredient of delivering an arm: materials, or time at an hourly rate.

    ``amount`` and ``minutes`` are per ``per`` (a letter sent, a module completed, a perk
    deployed, a person randomised) or in total; the quantity comes from the delivery logs.
    ``unit_cost`` names a rate in the trial's unit-cost table, which then sets the hourly rate
    and its price year. ``year`` is the year of the trial it falls in (0 = the first), for
    discounting; ``priced_in`` the price year of the amount or rate (blank: the trial's price
    year)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="costs")
    arm = models.CharField(max_length=40)
    item = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    minutes = models.PositiveIntegerField(default=0)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    phase = models.CharField(max_length=12, choices=CostPhase, default=CostPhase.RECURRING)
    kind = models.CharField(max_length=12, choices=CostKind, default=CostKind.MATERIALS)
    per = models.CharField(max_length=12, choices=CostDriver, default=CostDriver.TOTAL)
    unit_cost = models.CharField(max_length=60, blank=True, default="")
    year = models.PositiveSmallIntegerField(default=0)
    priced_in = models.CharField(max_length=10, blank=True, default="")
    source = models.CharField(max_length=300, blank=True, default="")
    minutes_from = models.CharField(max_length=20, choices=MinutesFrom, default=MinutesFrom.ENTERED)

    @property
    def total(self) -> float:
        """The amount and the time at its rate, for one unit of ``per`` (undiscounted)."""
        return float(self.amount) + self.minutes / 60 * float(self.hourly_rate)


class UnitCost(models.Model):
    """A price the trial's costs use: e.g. a social worker's hour, with where it came from."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="unit_costs")
    key = models.SlugField(max_length=60)
    description = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, default="hour")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    price_year = models.CharField(max_length=10)
    source = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["trial", "key"], name="unit_cost_once")]


class CostingBasis(models.Model):
    """How a trial's costs are put on one footing: the price year and index, the discount rate
    and horizon, and what one case fewer per worker would cost (for the caseload comparison)."""

    trial = models.OneToOneField(Trial, on_delete=models.CASCADE, related_name="costing")
    price_year = models.CharField(max_length=10)
    index_name = models.CharField(max_length=200, blank=True, default="")
    index: models.JSONField[dict[str, float]] = models.JSONField(default=dict)
    discount_rate = models.FloatField(default=0.035)
    horizon_years = models.PositiveSmallIntegerField(default=1)
    case_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    case_cost_source = models.CharField(max_length=300, blank=True, default="")
    willingness_to_pay = models.JSONField(default=list)


class DeliveryStatus(models.TextChoices):
    """What happened when a coordinator delivered the intervention to someone."""

    DELIVERED = "delivered", "delivered"
    RETURNED = "returned", "returned"
    UNDELIVERABLE = "undeliverable", "not deliverable"


class DeliveryMark(models.Model):
    """A coordinator's record of delivering to one person: delivered, returned or not
    deliverable, on a date. Later marks replace earlier ones on the page; all are kept."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="delivery_marks")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="delivery_marks"
    )
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices)
    on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class Verdict(models.TextChoices):
    """The evaluator's verdict on a letter in the fidelity review."""

    PENDING = "pending", "to review"
    ACCEPTED = "accepted", "accepted"
    RETURNED = "returned", "returned to its writer"


class LetterSample(models.Model):
    """A fidelity-review sample of letters: ``per_writer`` letters of each writer drawn at
    random with the recorded ``seed`` (``interventions.review``), so the draw can be
    repeated and checked."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="letter_samples")
    seed = models.BigIntegerField()
    per_writer = models.PositiveSmallIntegerField()
    #: The letters it was drawn from: each writer's username → their letters' study codes.
    pool: models.JSONField[dict[str, list[str]]] = models.JSONField(default=dict)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    drawn_at = models.DateTimeField(default=timezone.now, help_text="the drawer's clock")

    class Meta:
        ordering = ["drawn_at", "id"]


class LetterReview(models.Model):
    """One sampled letter's review: the verdict, the evaluator's comment (shown to the
    writer when the letter is returned), who reviewed it and when."""

    sample = models.ForeignKey(LetterSample, on_delete=models.CASCADE, related_name="reviews")
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="reviews")
    verdict = models.CharField(max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    comment = models.TextField(blank=True, max_length=2000)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "letter"], name="letter_review_once"),
        ]
