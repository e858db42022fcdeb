"""The process evaluation as the trial report shows it: the interview sample's flow, each
theme's prevalence by arm and by uptake stage (within the disclosure rules), an exemplar quote
per arm, and the coders' agreement on each theme."""

from __future__ import annotations

from dataclasses import dataclass

from hearten.process.framework import Matrix, matrix
from hearten.process.models import SampleDraw, Transcript
from hearten.process.reliability import per_code
from hearten.process.sampling import Flow, flow
from hearten.trials.models import Trial


@dataclass(frozen=True, slots=True)
class Summary:
    """What the report's process evaluation section shows; ``None`` parts were not done."""

    transcripts: int
    synthetic: bool
    flow: Flow | None
    seed: int | None
    strata: list[str]
    by_arm: Matrix
    by_stage: Matrix
    agreement: dict[str, float | None]
    coders: int


def summary(trial: Trial) -> Summary | None:
    """The section's content, or ``None`` when the trial has no transcripts."""
    transcripts = Transcript.objects.filter(trial=trial)
    if not transcripts.exists():
        return None
    draw = SampleDraw.objects.filter(trial=trial).first()
    themes = {a.code: a.alpha for a in per_code(trial) if a.depth == 0}
    coders = (
        transcripts.values_list("passes__coder", flat=True)
        .exclude(passes__coder__isnull=True)
        .distinct()
        .count()
    )
    return Summary(
        transcripts=transcripts.count(),
        synthetic=transcripts.filter(synthetic=True).exists(),
        flow=flow(draw) if draw else None,
        seed=draw.seed if draw else None,
        strata=draw.strata.split(",") if draw else [],
        by_arm=matrix(trial, "arm"),
        by_stage=matrix(trial, "stage"),
        agreement=themes,
        coders=coders,
    )
