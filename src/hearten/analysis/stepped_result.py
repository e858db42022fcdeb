"""A stepped-wedge trial's stored run, typed: what the report, the reporting pack, the
registry, the programme report and ``trial analyse`` read.

:class:`SteppedResult` is the one definition of what a stepped-wedge run stores, part by
part (:class:`~hearten.analysis.keyed.Keyed`):
:func:`hearten.analysis.stepped_wedge.run_stepped_wedge` fits the run (a
:class:`~hearten.analysis.stepped_wedge.SteppedWedgeResult` in memory), makes its
:class:`SteppedResult` (:func:`~hearten.analysis.stepped_wedge.stepped_result`; a part that
mirrors a fitted result, :class:`ModelFit` of
:class:`~hearten.stats.stepped_wedge_fit.SteppedWedgeFit` for one, is made by
:meth:`~hearten.analysis.keyed.Keyed.of`) and stores its ``to_json()``. A stored run reads
back typed the same way: :meth:`SteppedResult.from_json` reads a run stored
by any version (a key an older run lacks takes its field's default and stays absent when
written back; a key this version does not know is kept) and :meth:`SteppedResult.to_json`
writes it back key for key, in its stored order. Fields are declared in the order a new run
stores them, a base's closing fields last (the classes take keyword arguments only, so a
field with a default may come before one without).

Its top-level fields shared with a parallel run (the trial, the instrument, the model, the
control, ``as_of`` and the plan) are :class:`~hearten.analysis.result.RunResult`'s. The effect
is stored in the parallel trials' shape, so it is an
:class:`~hearten.analysis.arm_effect.ArmEffect` (its Hedges' g keeps the stepped-wedge
``correction`` and ``sd`` beside the known keys); its scale, arms and plan are a parallel
run's :class:`~hearten.analysis.result.InstrumentUsed`,
:class:`~hearten.analysis.allocation_record.RunArm` and
:class:`~hearten.analysis.plan_status.PlanStatus`.

This module imports nothing heavy (the report reads stored runs through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hearten.analysis.allocation_record import RunArm
from hearten.analysis.arm_effect import ArmEffect
from hearten.analysis.keyed import JsonObject, Keyed, closing, many, one, read_keyed, rows
from hearten.analysis.result import STEPPED_WEDGE, RunResult


@dataclass(frozen=True, slots=True, kw_only=True)
class SteppedModel(Keyed):
    """The planned mixed model as fitted (Hussey and Hughes, period fixed effects).

    Attributes:
        outcome: "<instrument> <score> in each period (<waves>)".
        formula: the model in lme4's notation.
        random_effects: ``"cluster"`` or ``"cluster-period"`` (the model fitted).
        gamma2: the cluster-by-period variance, or ``None`` (not fitted, or an older run).
        df_method, estimation: ``"Satterthwaite"``, ``"REML"``.
        alpha: the plan's level.
        n, n_clusters, periods: answers, clusters and periods analysed.
        cluster: the randomised unit (``"team"``, ``"office"``).
        vcov: ``"LMM"``.
        tau2, sigma2: the cluster and residual variances.
        intention_to_treat: what was analysed as the allocation ("the drawn schedule").
        transition: transition periods after each start, left out.
    """

    outcome: str
    formula: str = ""
    random_effects: str = "cluster"
    gamma2: float | None = None
    df_method: str = "Satterthwaite"
    estimation: str = "REML"
    alpha: float
    n: int
    n_clusters: int
    periods: int
    cluster: str
    vcov: str = "LMM"
    tau2: float
    sigma2: float
    intention_to_treat: str = "the drawn schedule"
    transition: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedVariances(Keyed):
    """What a fit of the stepped-wedge mixed model stores after its own fields (the closing
    keys of :class:`ModelFit` and :class:`ExposureEffects`): the cluster (``tau2``) and
    residual (``sigma2``) variances, the clusters, periods and answers analysed, the
    ``random_effects`` and the cluster-by-period variance ``gamma2`` (``random_effects`` and
    ``gamma2`` are absent from older runs; ``None`` where not stored)."""

    tau2: float | None = field(default=None, metadata=closing())
    sigma2: float | None = field(default=None, metadata=closing())
    clusters: int | None = field(default=None, metadata=closing())
    periods: int | None = field(default=None, metadata=closing())
    n: int | None = field(default=None, metadata=closing())
    random_effects: str = field(default="cluster", metadata=closing())
    gamma2: float | None = field(default=None, metadata=closing())


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelFit(FittedVariances):
    """The mixed model's fit as :class:`~hearten.stats.stepped_wedge_fit.SteppedWedgeFit`
    holds it: the effect, then :class:`FittedVariances`."""

    estimate: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    alpha: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RobustEffect(Keyed):
    """The CR2 alternative: least squares with period fixed effects, CR2 by cluster
    (:class:`~hearten.stats.estimate.TermEstimate`)."""

    term: str
    estimate: float
    std_error: float
    df: float
    statistic: float | None = None
    p_value: float
    conf_low: float
    conf_high: float
    n: int | None = None
    n_clusters: int | None = None
    vcov_type: str | None = None
    alpha: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Redraws(Keyed):
    """Randomisation inference by re-drawn sequences
    (:class:`~hearten.stats.stepped_wedge_ri.SequenceTest`): the two-way fixed-effects
    ``estimate``, its ``p_value``, the ``allocations`` compared and whether they were every
    one (``exact``)."""

    estimate: float
    p_value: float
    allocations: int
    exact: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DrawnRow(Keyed):
    """One cluster in the drawn schedule: its ``unit``, ``stratum`` (site), ``sequence``, the
    period it ``start``\\ s the change at and its condition in each period."""

    unit: str
    stratum: str | None = None
    sequence: int
    start: int
    conditions: tuple[str, ...] = field(default=(), metadata=many())


@dataclass(frozen=True, slots=True, kw_only=True)
class DrawnSchedule(Keyed):
    """The schedule as drawn (the analysis's allocation): ``periods``, ``transition`` periods
    after each start, and a row per cluster."""

    periods: int
    transition: int = 0
    rows: tuple[DrawnRow, ...] = field(default=(), metadata=many(DrawnRow))


@dataclass(frozen=True, slots=True, kw_only=True)
class LateStart(Keyed):
    """A recorded late change to the schedule (:class:`~hearten.trials.rollout.Deviation`):
    the ``unit`` moved from period ``was`` to ``moved_to``, when (``at``, ISO 8601) and why."""

    unit: str
    was: int
    moved_to: int
    at: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureContrast(Keyed):
    """One contrast of the exposure-time model (:class:`~hearten.stats.cluster_period.Contrast`)."""

    name: str
    estimate: float
    std_error: float
    df: float
    p_value: float
    conf_low: float
    conf_high: float
    alpha: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureEffects(FittedVariances):
    """The effect by time since the change
    (:class:`~hearten.stats.stepped_wedge_fit.ExposureTimeFit`): an effect per exposure
    period and their average, then the model's :class:`FittedVariances`."""

    effects: tuple[ExposureContrast, ...] = field(default=(), metadata=many(ExposureContrast))
    average: ExposureContrast = field(metadata=one(ExposureContrast))


@dataclass(frozen=True, slots=True, kw_only=True)
class HrRatio(Keyed):
    """A rate or hazard ratio of the change (:class:`~hearten.stats.counts.RateRatio`)."""

    term: str = "change"
    log_rr: float | None = None
    std_error: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    rate_ratio: float
    conf_low: float
    conf_high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HrOutcome(Keyed):
    """Sickness absence or leaving by period
    (:class:`~hearten.analysis.stepped_hr.PeriodRatio`)."""

    outcome: str
    family: str = ""
    ratio: HrRatio | None = field(default=None, metadata=one(HrRatio))
    events: int = 0
    rows: int = 0
    rate_control: float
    rate_change: float
    randomisation: Redraws | None = field(default=None, metadata=one(Redraws))
    leads: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HrByPeriod(Keyed):
    """Absence and leaving by period from HR records
    (:class:`~hearten.analysis.stepped_hr.SteppedHr`): the design's periods (first and last
    day of each, ISO dates), the clusters, the cluster count below which the re-drawn
    sequences lead, each outcome (or ``None``), notes, and why nothing was analysed yet
    (``not_run``)."""

    periods: tuple[tuple[str, ...], ...] = field(default=(), metadata=rows())
    clusters: int = 0
    ri_below_clusters: int = 0
    absence: HrOutcome | None = field(default=None, metadata=one(HrOutcome))
    leaving: HrOutcome | None = field(default=None, metadata=one(HrOutcome))
    notes: tuple[str, ...] = field(default=(), metadata=many())
    not_run: str | None = None

    def outcomes(self) -> tuple[tuple[str, HrOutcome], ...]:
        """``("absence", …)`` and ``("leaving", …)``, each when it was analysed."""
        both = (("absence", self.absence), ("leaving", self.leaving))
        return tuple((key, x) for key, x in both if x is not None)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowCell(Keyed):
    """One sequence in one period (CONSORT for stepped-wedge trials,
    :class:`~hearten.analysis.stepped_wedge.PeriodFlow`)."""

    sequence: int
    period: int
    condition: str
    clusters: int
    people: int
    invited: int
    answered: int
    analysed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SteppedAllocation(Keyed):
    """How the schedule was drawn and how to check it: the ``seed``, ``scheme`` and ``unit``,
    when (``randomised_at``, ISO 8601) and by which version, the roster's digest, the units
    drawn, whether stratified, the seed commitment (``None`` without one) and the audit log's
    length and head."""

    seed: int | str
    scheme: str
    unit: str
    randomised_at: str
    software_version: str | None = None
    roster_sha256: str | None = None
    units: int = 0
    stratified: bool = False
    commitment: str | None = None
    salt: str | None = None
    committed_at: str | None = None
    audit_events: int | None = None
    audit_head: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SteppedResult(RunResult[SteppedModel]):
    """A stepped-wedge trial's stored run (see the module's docstring): the fields of
    :class:`~hearten.analysis.result.RunResult` (``design`` is ``"stepped-wedge"``;
    ``model`` the planned model; ``control`` the control condition's arm name;
    ``control_mean``, ``control_sd`` the outcome among control cluster-periods), stored in
    their order with these between ``control_sd`` and ``as_of``:

    Attributes:
        arms: each arm in design order.
        effects: the change's effect (one, in the parallel trials' shape).
        model_fit, robust, randomisation: the mixed model's fit, the CR2 alternative and the
            re-drawn sequences (``None`` with ``randomisation_note``).
        schedule, deviations: the drawn schedule and its recorded late changes.
        exposure_time: the effect by exposure time, or ``None`` (``exposure_note`` says why
            when it could not be estimated).
        model_note: why the model fitted is not the one planned, or ``None``.
        hr: absence and leaving by period, or ``None``.
        flow: each sequence in each period.
        allocation: how the schedule was drawn.
    """

    design: str | None = STEPPED_WEDGE
    model: SteppedModel = field(metadata=one(SteppedModel))
    arms: tuple[RunArm, ...] = field(default=(), metadata=many(RunArm))
    effects: tuple[ArmEffect, ...] = field(default=(), metadata=many(ArmEffect))
    model_fit: ModelFit | None = field(default=None, metadata=one(ModelFit))
    robust: RobustEffect = field(metadata=one(RobustEffect))
    randomisation: Redraws | None = field(default=None, metadata=one(Redraws))
    randomisation_note: str | None = None
    schedule: DrawnSchedule = field(metadata=one(DrawnSchedule))
    deviations: tuple[LateStart, ...] = field(default=(), metadata=many(LateStart))
    exposure_time: ExposureEffects | None = field(default=None, metadata=one(ExposureEffects))
    exposure_note: str | None = None
    model_note: str | None = None
    hr: HrByPeriod | None = field(default=None, metadata=one(HrByPeriod))
    flow: tuple[FlowCell, ...] = field(default=(), metadata=many(FlowCell))
    allocation: SteppedAllocation = field(metadata=one(SteppedAllocation))

    @classmethod
    def from_json(cls, value: JsonObject) -> SteppedResult:
        """Read a stored stepped-wedge run (any version's); see the module's docstring."""
        if value.get("design") != STEPPED_WEDGE:
            raise ValueError("a parallel run has its own result (analysis.result)")
        return read_keyed(cls, value)

    @property
    def labels(self) -> dict[str, str]:
        """Each arm's label by its name."""
        return {a.name: a.label for a in self.arms}

    @property
    def effect(self) -> ArmEffect:
        """The change's effect (the run stores one)."""
        return self.effects[0]

    @property
    def level(self) -> int:
        """The confidence level in percent (95 for the plan's alpha of 0.05)."""
        return round(100 * (1 - self.model.alpha))

    @property
    def primary_label(self) -> str:
        """The main result's label under the plan ("confirmatory", "exploratory", …)."""
        found = self.plan.label("primary") if self.plan else None
        return found.label if found else "exploratory"

    def first_period(self) -> tuple[FlowCell, ...]:
        """The flow's first period: each sequence's clusters and people as randomised."""
        return tuple(f for f in self.flow if f.period == 0)

    def people(self) -> int:
        """The people on the randomised clusters' rosters (period 0's flow)."""
        return sum(f.people for f in self.first_period())

    def moved_to(self) -> dict[str, int]:
        """Each late-started unit's new start period (the last recorded change wins)."""
        return {d.unit: d.moved_to for d in self.deviations}
