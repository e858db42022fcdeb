"""The trials app's closed choices, each spelled once."""

from django.db import models


class Unit(models.TextChoices):
    """What is randomised."""

    INDIVIDUAL = "individual", "individual"
    TEAM = "team", "team"
    OFFICE = "office", "office"


class TrialStatus(models.TextChoices):
    """Where a trial is in its life."""

    ENROLLING = "enrolling", "enrolling"
    RANDOMISED = "randomised", "randomised"
    ANALYSED = "analysed", "analysed"


class Consent(models.TextChoices):
    """A participant's answer to the consent question."""

    PENDING = "pending", "not yet asked"
    CONSENTED = "consented", "consented"
    DECLINED = "declined", "declined"


class WithdrawalReason(models.TextChoices):
    """Why a participant left the trial (they need not say)."""

    NOT_GIVEN = "not-given", "not given"
    NO_LONGER_WISHES = "no-longer-wishes", "no longer wishes to take part"
    LEFT_EMPLOYER = "left-employer", "left the employer"
    OTHER = "other", "other"


class Role(models.TextChoices):
    """A part someone plays in delivering a trial."""

    COORDINATOR = "coordinator", "coordinator"
    LETTER_WRITER = "letter-writer", "letter writer"


class HarmKind(models.TextChoices):
    """What an entry of the harms and concerns log is."""

    HARM = "harm", "harm"
    CONCERN = "concern", "concern"


class HarmSource(models.TextChoices):
    """Who put an entry in the harms and concerns log."""

    EVALUATOR = "evaluator", "evaluator"
    PARTICIPANT = "participant", "participant"
