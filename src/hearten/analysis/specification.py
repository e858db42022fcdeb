"""A parallel trial's analysis, specified: the stored plan read and validated once.

Specify, fit, read the result (as linearmodels separates a model, its fit and its results):
:func:`specify` reads the trial's design and plan and settles every choice the fit needs (the
outcomes and their dataset columns, the arms, the variance estimator, strata, clustering and
the run's clock) before any data are read; :func:`hearten.analysis.run.fit_plan` fits it; the
result is a frozen :class:`hearten.analysis.result.AnalysisResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hearten.errors import EstimationError, StateError
from hearten.instruments import get_instrument
from hearten.instruments.base import Instrument
from hearten.stats.vcov import VcovType
from hearten.trials.choices import Unit
from hearten.trials.design import AnalysisSpec, Design, PlannedOutcome
from hearten.trials.models import Allocation, Trial


@dataclass(frozen=True, slots=True)
class OutcomeColumns:
    """Where one planned outcome is in the analysis dataset: its ``outcome`` column and its
    ``baseline`` column (``None`` without a baseline wave)."""

    outcome: str
    baseline: str | None


@dataclass(frozen=True, slots=True)
class AnalysisSpecification:
    """Everything a parallel trial's run fits, settled before the data are read.

    Attributes:
        trial: the trial.
        design: its design file, as stored.
        plan: the design's ``[analysis]`` plan.
        outcomes: the planned outcomes, primary first.
        columns: each planned outcome's columns in the dataset, by outcome name.
        instrument: the primary outcome's validated scale.
        arms: the arms' names, in design order.
        ratio: the arms' allocation ratio, in design order.
        control: the control arm's name.
        vcov: ``"CR2"`` (clustered on the randomised unit, Satterthwaite df) or ``"HC2"``.
        stratified: strata (sites) enter as fixed effects.
        clustered: teams or offices were randomised.
        now: the time of the run; ``today`` its date in the trial's time zone. Only whether
            the HR window has run and perks counted so far depend on them.
    """

    trial: Trial
    design: Design
    plan: AnalysisSpec
    outcomes: tuple[PlannedOutcome, ...]
    columns: dict[str, OutcomeColumns]
    instrument: Instrument
    arms: tuple[str, ...]
    ratio: tuple[int, ...]
    control: str
    vcov: VcovType
    stratified: bool
    clustered: bool
    now: datetime
    today: date

    @property
    def primary(self) -> PlannedOutcome:
        return self.outcomes[0]

    @property
    def cluster_robust(self) -> bool:
        """Standard errors are clustered (CR2) on the randomised unit."""
        return self.vcov == "CR2"


def require_allocation(trial: Trial) -> None:
    """Refuse a trial that is not randomised yet, saying how to randomise it."""
    if not Allocation.objects.filter(trial=trial).exists():
        raise StateError(
            f"trial {trial.slug!r} is not randomised yet: run `hearten trial "
            f"randomise {trial.slug} --seed N` first"
        )


def vcov_for(trial: Trial, planned: str) -> VcovType:
    """The plan's variance estimator: ``auto`` is CR2 when teams or offices were randomised
    and HC2 when people were (estimatr's defaults); HC2 on a cluster trial is refused."""
    clustered = trial.unit != Unit.INDIVIDUAL
    if planned == "auto":
        return "CR2" if clustered else "HC2"
    if planned == "HC2" and clustered:
        raise EstimationError(
            f"the plan asks for HC2 but {trial.unit}s were randomised: use CR2 (or 'auto')"
        )
    return "CR2" if planned == "CR2" else "HC2"


def columns_of(outcome: PlannedOutcome) -> OutcomeColumns:
    """The dataset's columns of a planned outcome (:mod:`hearten.analysis.dataset`)."""
    suffix = "" if outcome.name == "primary" else f":{outcome.name}"
    return OutcomeColumns(
        f"outcome{suffix}", f"baseline{suffix}" if outcome.baseline_wave else None
    )


def specify(trial: Trial, design: Design, now: datetime, today: date) -> AnalysisSpecification:
    """Read and check a randomised parallel trial's plan once (module docstring)."""
    plan = design.analysis
    planned = tuple(design.planned_outcomes())
    instrument = get_instrument(planned[0].instrument)
    return AnalysisSpecification(
        trial=trial,
        design=design,
        plan=plan,
        outcomes=planned,
        columns={o.name: columns_of(o) for o in planned},
        instrument=instrument,
        arms=tuple(a.name for a in design.arms),
        ratio=tuple(a.ratio for a in design.arms),
        control=design.control,
        vcov=vcov_for(trial, plan.vcov),
        stratified=bool(trial.strata),
        clustered=trial.unit != Unit.INDIVIDUAL,
        now=now,
        today=today,
    )
