"""The process evaluation, stored: the interview sample, topic guides, transcripts (already
pseudonymised), the codebook and each coder's excerpts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from hearten.trials.models import Participant, Trial


class SampleDraw(models.Model):
    """One reproducible draw of interviewees: the seed, the strata and how many per stratum."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="ipe_draws")
    seed = models.BigIntegerField()
    per_stratum = models.PositiveSmallIntegerField()
    strata = models.CharField(max_length=200, help_text="the stratifying variables, in order")
    bands = models.CharField(max_length=60, help_text="caseload band edges, e.g. '15,20'")
    eligible = models.PositiveIntegerField(help_text="people consenting to be contacted")
    sizes = models.JSONField(default=dict, help_text="eligible people in each stratum")
    software_version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now, help_text="the drawer's clock")


class SampleStatus(models.TextChoices):
    """How far a person sampled for an interview went (``hearten.process.sampling``)."""

    SAMPLED = "sampled", "sampled"
    INVITED = "invited", "invited"
    AGREED = "agreed", "agreed"
    DECLINED = "declined", "declined"
    INTERVIEWED = "interviewed", "interviewed"


class SampleMember(models.Model):
    """A sampled person and how far they went: sampled, invited, agreed (or declined),
    interviewed."""

    draw = models.ForeignKey(SampleDraw, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="ipe_places"
    )
    stratum = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=SampleStatus.choices, default=SampleStatus.SAMPLED
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    interviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "participant"], name="ipe_member_once"),
        ]


class TopicGuide(models.Model):
    """A version of the interview topic guide; transcripts record the one they followed."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="topic_guides")
    version = models.PositiveSmallIntegerField()
    text = models.TextField()
    note = models.CharField(max_length=300, blank=True, help_text="what changed and why")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "version"], name="guide_version_once"),
        ]


class Transcript(models.Model):
    """An interview or focus group, pseudonymised when it was uploaded (the original file
    is never stored)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="transcripts")
    name = models.CharField(max_length=60, help_text="a code such as 'INT-07', never a name")
    guid = models.UUIDField(default=uuid.uuid4, unique=True)
    kind = models.CharField(max_length=20, default="interview")
    respondent = models.CharField(max_length=20, default="participant")
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="transcripts",
        help_text="the interviewee, when one trial participant was interviewed",
    )
    guide = models.ForeignKey(TopicGuide, on_delete=models.PROTECT, null=True, blank=True)
    text = models.TextField()
    replacements = models.PositiveIntegerField(default=0)
    synthetic = models.BooleanField(default=False, help_text="written for the demo")
    uploaded_at = models.DateTimeField(default=timezone.now, help_text="the uploader's clock")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "name"], name="transcript_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Code(models.Model):
    """A code of the hierarchical codebook, with its definition; a theme is a code at the
    top."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=120)
    definition = models.TextField(blank=True)
    guid = models.UUIDField(default=uuid.uuid4, unique=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "name"], name="code_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class CodingPass(models.Model):
    """A coder's work on one transcript: its units count in agreement even where the coder
    applied no code."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="passes")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transcript", "coder"], name="one_pass_per_coder"),
        ]


class Excerpt(models.Model):
    """A span of a transcript (character offsets, end exclusive) that a coder tagged with a
    code."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="excerpts")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="excerpts")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    guid = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["transcript_id", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="excerpt_not_empty"),
        ]  # fmt: skip

    @property
    def text(self) -> str:
        return self.transcript.text[self.start : self.end]


class DelivererAnswer(models.Model):
    """A deliverer's answers to the short deliverer survey: a manager's minutes per letter and
    how acceptable writing them was (1–5), and anyone's "what was hard"; one per person and
    trial (a later answer replaces it)."""

    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="deliverer_answers")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=20)
    minutes_per_letter = models.PositiveSmallIntegerField(null=True, blank=True)
    acceptability = models.PositiveSmallIntegerField(null=True, blank=True)
    hard = models.TextField(blank=True)
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trial", "respondent"], name="deliverer_answers_once"),
        ]
